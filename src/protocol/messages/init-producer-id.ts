/** InitProducerId (key 22): versions 0-5, flexible from 2. */
import { api, field, request, response } from "../schema.ts";

const meta = { apiKey: 22, valid: "0-5", flexible: "2+" };

export const InitProducerId = api(
  request({ ...meta, name: "InitProducerIdRequest" }, [
    field("transactionalId", "string", "0+", { nullable: "0+" }),
    field("transactionTimeoutMs", "int32", "0+"),
    field("producerId", "int64", "3+", { default: -1n }),
    field("producerEpoch", "int16", "3+", { default: -1 }),
  ]),
  response({ ...meta, name: "InitProducerIdResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("errorCode", "int16", "0+"),
    field("producerId", "int64", "0+", { default: -1n }),
    field("producerEpoch", "int16", "0+"),
  ]),
);

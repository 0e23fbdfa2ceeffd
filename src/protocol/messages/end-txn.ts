/** EndTxn (key 26): versions 0-3, flexible from 3. */
import { api, field, request, response } from "../schema.ts";

const meta = { apiKey: 26, valid: "0-3", flexible: "3+" };

export const EndTxn = api(
  request({ ...meta, name: "EndTxnRequest" }, [
    field("transactionalId", "string", "0+"),
    field("producerId", "int64", "0+"),
    field("producerEpoch", "int16", "0+"),
    field("committed", "bool", "0+"),
  ]),
  response({ ...meta, name: "EndTxnResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("errorCode", "int16", "0+"),
  ]),
);

/**
 * EndTxn (key 26): versions 0-5, flexible from 3. v5 is transaction version 2 (KIP-890 part 2):
 * the answer carries the producer id and epoch the client continues with.
 */
import { api, field, request, response } from "../schema.ts";

const meta = { apiKey: 26, valid: "0-5", flexible: "3+" };

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
    field("producerId", "int64", "5+", { default: -1n }),
    field("producerEpoch", "int16", "5+", { default: -1 }),
  ]),
);

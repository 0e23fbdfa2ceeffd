/** AddOffsetsToTxn (key 25): versions 0-4, flexible from 3 (v4 may answer TRANSACTION_ABORTABLE). */
import { api, field, request, response } from "../schema.ts";

const meta = { apiKey: 25, valid: "0-4", flexible: "3+" };

export const AddOffsetsToTxn = api(
  request({ ...meta, name: "AddOffsetsToTxnRequest" }, [
    field("transactionalId", "string", "0+"),
    field("producerId", "int64", "0+"),
    field("producerEpoch", "int16", "0+"),
    field("groupId", "string", "0+"),
  ]),
  response({ ...meta, name: "AddOffsetsToTxnResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("errorCode", "int16", "0+"),
  ]),
);

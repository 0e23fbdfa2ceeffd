/**
 * ListTransactions (key 66): versions 0-2, flexible. Filters: states, producer ids, v1 a minimum
 * duration (KIP-994), v2 a transactional id regular expression (KIP-1152).
 */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 66, valid: "0-2", flexible: "0+" };

export const ListTransactions = api(
  request({ ...meta, name: "ListTransactionsRequest" }, [
    field("stateFilters", arr("string"), "0+"),
    field("producerIdFilters", arr("int64"), "0+"),
    field("durationFilter", "int64", "1+", { default: -1n }),
    field("transactionalIdPattern", "string", "2+", { nullable: "2+", default: null }),
  ]),
  response({ ...meta, name: "ListTransactionsResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("errorCode", "int16", "0+"),
    field("unknownStateFilters", arr("string"), "0+"),
    field("transactionStates", arr(struct(
      field("transactionalId", "string", "0+"),
      field("producerId", "int64", "0+"),
      field("transactionState", "string", "0+"),
    )), "0+"),
  ]),
);

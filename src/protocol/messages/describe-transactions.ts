/** DescribeTransactions (key 65): version 0, flexible. The coordinator's view of each transactional id asked for. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 65, valid: "0", flexible: "0+" };

export const DescribeTransactions = api(
  request({ ...meta, name: "DescribeTransactionsRequest" }, [
    field("transactionalIds", arr("string"), "0+"),
  ]),
  response({ ...meta, name: "DescribeTransactionsResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("transactionStates", arr(struct(
      field("errorCode", "int16", "0+"),
      field("transactionalId", "string", "0+"),
      field("transactionState", "string", "0+"),
      field("transactionTimeoutMs", "int32", "0+"),
      field("transactionStartTimeMs", "int64", "0+"),
      field("producerId", "int64", "0+"),
      field("producerEpoch", "int16", "0+"),
      field("topics", arr(struct(
        field("topic", "string", "0+"),
        field("partitions", arr("int32"), "0+"),
      )), "0+"),
    )), "0+"),
  ]),
);

/**
 * AddPartitionsToTxn (key 24): versions 0-5, flexible from 3. v0-3 are the client's form (one
 * transaction, the spec's "V3AndBelow" fields); v4+ batch several transactions with a top-level
 * error and a verify_only flag per transaction (KIP-890 part 1: a partition leader asks the
 * coordinator whether a partition is already in the transaction). v5 lets the coordinator answer
 * TRANSACTION_ABORTABLE.
 */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 24, valid: "0-5", flexible: "3+" };

const AddPartitionsToTxnTopic = struct(
  field("name", "string", "0+"),
  field("partitions", arr("int32"), "0+"),
);

const AddPartitionsToTxnPartitionResult = struct(
  field("partitionIndex", "int32", "0+"),
  field("partitionErrorCode", "int16", "0+"),
);

const AddPartitionsToTxnTopicResult = struct(
  field("name", "string", "0+"),
  field("resultsByPartition", arr(AddPartitionsToTxnPartitionResult), "0+"),
);

export const AddPartitionsToTxn = api(
  request({ ...meta, name: "AddPartitionsToTxnRequest" }, [
    field("transactions", arr(struct(
      field("transactionalId", "string", "4+"),
      field("producerId", "int64", "4+"),
      field("producerEpoch", "int16", "4+"),
      field("verifyOnly", "bool", "4+"),
      field("topics", arr(AddPartitionsToTxnTopic), "4+"),
    )), "4+"),
    field("v3AndBelowTransactionalId", "string", "0-3"),
    field("v3AndBelowProducerId", "int64", "0-3"),
    field("v3AndBelowProducerEpoch", "int16", "0-3"),
    field("v3AndBelowTopics", arr(AddPartitionsToTxnTopic), "0-3"),
  ]),
  response({ ...meta, name: "AddPartitionsToTxnResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("errorCode", "int16", "4+"),
    field("resultsByTransaction", arr(struct(
      field("transactionalId", "string", "4+"),
      field("topicResults", arr(AddPartitionsToTxnTopicResult), "4+"),
    )), "4+"),
    field("resultsByTopicV3AndBelow", arr(AddPartitionsToTxnTopicResult), "0-3"),
  ]),
);

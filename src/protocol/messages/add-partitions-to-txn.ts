/** AddPartitionsToTxn (key 24): client versions 0-3 only, flexible from 3. */
import { api, arr, field, request, response, struct } from "../schema.ts";

// Kafka 3.6+ adds broker-to-broker batching in v4+ under new fields; v0-3 keep the spec's
// "V3AndBelow" names (the wire shape of v0-3 never changed).
const meta = { apiKey: 24, valid: "0-3", flexible: "3+" };

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
    field("v3AndBelowTransactionalId", "string", "0-3"),
    field("v3AndBelowProducerId", "int64", "0-3"),
    field("v3AndBelowProducerEpoch", "int16", "0-3"),
    field("v3AndBelowTopics", arr(AddPartitionsToTxnTopic), "0-3"),
  ]),
  response({ ...meta, name: "AddPartitionsToTxnResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("resultsByTopicV3AndBelow", arr(AddPartitionsToTxnTopicResult), "0-3"),
  ]),
);

/** DescribeQuorum (key 55): versions 0-2, flexible from 0 (Kafka 4.4's DescribeQuorumRequest/Response.json). */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 55, valid: "0-2", flexible: "0+" };

/** One replica of the metadata partition as the leader tracks it. */
const replicaState = struct(
  field("replicaId", "int32", "0+"),
  field("replicaDirectoryId", "uuid", "2+"),
  field("logEndOffset", "int64", "0+"),
  field("lastFetchTimestamp", "int64", "1+", { default: -1n }),
  field("lastCaughtUpTimestamp", "int64", "1+", { default: -1n }),
);

export const DescribeQuorum = api(
  request({ ...meta, name: "DescribeQuorumRequest" }, [
    field("topics", arr(struct(
      field("topicName", "string", "0+"),
      field("partitions", arr(struct(field("partitionIndex", "int32", "0+"))), "0+"),
    )), "0+"),
  ]),
  response({ ...meta, name: "DescribeQuorumResponse" }, [
    field("errorCode", "int16", "0+"),
    field("errorMessage", "string", "2+", { nullable: "2+", default: null }),
    field("topics", arr(struct(
      field("topicName", "string", "0+"),
      field("partitions", arr(struct(
        field("partitionIndex", "int32", "0+"),
        field("errorCode", "int16", "0+"),
        field("errorMessage", "string", "2+", { nullable: "2+", default: null }),
        field("leaderId", "int32", "0+"),
        field("leaderEpoch", "int32", "0+"),
        field("highWatermark", "int64", "0+"),
        field("currentVoters", arr(replicaState), "0+"),
        field("observers", arr(replicaState), "0+"),
      )), "0+"),
    )), "0+"),
    field("nodes", arr(struct(
      field("nodeId", "int32", "2+"),
      field("listeners", arr(struct(
        field("name", "string", "2+"),
        field("host", "string", "2+"),
        field("port", "uint16", "2+"),
      )), "2+"),
    )), "2+"),
  ]),
);

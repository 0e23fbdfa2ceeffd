/** Fetch (key 1): versions 4-17, flexible from 12; from v13 topics are named by topicId. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 1, valid: "4-17", flexible: "12+" };

export const Fetch = api(
  request({ ...meta, name: "FetchRequest" }, [
    field("clusterId", "string", "12+", { nullable: "12+", default: null, tag: 0, tagged: "12+" }),
    field("replicaId", "int32", "0-14", { default: -1 }),
    field("replicaState", struct(
      field("replicaId", "int32", "15+", { default: -1 }),
      field("replicaEpoch", "int64", "15+", { default: -1n }),
    ), "15+", { tag: 1, tagged: "15+" }),
    field("maxWaitMs", "int32", "0+"),
    field("minBytes", "int32", "0+"),
    field("maxBytes", "int32", "3+", { default: 0x7fffffff }),
    field("isolationLevel", "int8", "4+"),
    field("sessionId", "int32", "7+"),
    field("sessionEpoch", "int32", "7+", { default: -1 }),
    field("topics", arr(struct(
      field("topic", "string", "0-12"),
      field("topicId", "uuid", "13+"),
      field("partitions", arr(struct(
        field("partition", "int32", "0+"),
        field("currentLeaderEpoch", "int32", "9+", { default: -1 }),
        field("fetchOffset", "int64", "0+"),
        field("lastFetchedEpoch", "int32", "12+", { default: -1 }),
        field("logStartOffset", "int64", "5+", { default: -1n }),
        field("partitionMaxBytes", "int32", "0+"),
        field("replicaDirectoryId", "uuid", "17+", { tag: 0, tagged: "17+" }),
      )), "0+"),
    )), "0+"),
    field("forgottenTopicsData", arr(struct(
      field("topic", "string", "7-12"),
      field("topicId", "uuid", "13+"),
      field("partitions", arr("int32"), "7+"),
    )), "7+"),
    field("rackId", "string", "11+"),
  ]),
  response({ ...meta, name: "FetchResponse" }, [
    field("throttleTimeMs", "int32", "1+"),
    field("errorCode", "int16", "7+"),
    field("sessionId", "int32", "7+"),
    field("responses", arr(struct(
      field("topic", "string", "0-12"),
      field("topicId", "uuid", "13+"),
      field("partitions", arr(struct(
        field("partitionIndex", "int32", "0+"),
        field("errorCode", "int16", "0+"),
        field("highWatermark", "int64", "0+"),
        field("lastStableOffset", "int64", "4+", { default: -1n }),
        field("logStartOffset", "int64", "5+", { default: -1n }),
        field("divergingEpoch", struct(
          field("epoch", "int32", "12+", { default: -1 }),
          field("endOffset", "int64", "12+", { default: -1n }),
        ), "12+", { tag: 0, tagged: "12+" }),
        field("currentLeader", struct(
          field("leaderId", "int32", "12+", { default: -1 }),
          field("leaderEpoch", "int32", "12+", { default: -1 }),
        ), "12+", { tag: 1, tagged: "12+" }),
        // SnapshotId lists endOffset before epoch, unlike divergingEpoch.
        field("snapshotId", struct(
          field("endOffset", "int64", "0+", { default: -1n }),
          field("epoch", "int32", "0+", { default: -1 }),
        ), "12+", { tag: 2, tagged: "12+" }),
        field("abortedTransactions", arr(struct(
          field("producerId", "int64", "4+"),
          field("firstOffset", "int64", "4+"),
        )), "4+", { nullable: "4+" }),
        field("preferredReadReplica", "int32", "11+", { default: -1 }),
        field("records", "records", "0+", { nullable: "0+" }),
      )), "0+"),
    )), "0+"),
    field("nodeEndpoints", arr(struct(
      field("nodeId", "int32", "16+"),
      field("host", "string", "16+"),
      field("port", "int32", "16+"),
      field("rack", "string", "16+", { nullable: "16+", default: null }),
    )), "16+", { tag: 0, tagged: "16+" }),
  ]),
);

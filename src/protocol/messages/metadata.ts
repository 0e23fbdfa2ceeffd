/** Metadata (key 3): versions 0-12, flexible from 9. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 3, valid: "0-12", flexible: "9+" };

export const Metadata = api(
  request({ ...meta, name: "MetadataRequest" }, [
    // v0: an empty array means all topics; v1+: null means all topics, empty means none.
    field("topics", arr(struct(
      field("topicId", "uuid", "10+"),
      field("name", "string", "0+", { nullable: "10+" }),
    )), "0+", { nullable: "1+" }),
    field("allowAutoTopicCreation", "bool", "4+", { default: true }),
    field("includeClusterAuthorizedOperations", "bool", "8-10"),
    field("includeTopicAuthorizedOperations", "bool", "8+"),
  ]),
  response({ ...meta, name: "MetadataResponse" }, [
    field("throttleTimeMs", "int32", "3+"),
    field("brokers", arr(struct(
      field("nodeId", "int32", "0+"),
      field("host", "string", "0+"),
      field("port", "int32", "0+"),
      field("rack", "string", "1+", { nullable: "1+", default: null }),
    )), "0+"),
    field("clusterId", "string", "2+", { nullable: "2+", default: null }),
    field("controllerId", "int32", "1+", { default: -1 }),
    field("topics", arr(struct(
      field("errorCode", "int16", "0+"),
      field("name", "string", "0+", { nullable: "12+" }),
      field("topicId", "uuid", "10+"),
      field("isInternal", "bool", "1+", { default: false }),
      field("partitions", arr(struct(
        field("errorCode", "int16", "0+"),
        field("partitionIndex", "int32", "0+"),
        field("leaderId", "int32", "0+"),
        field("leaderEpoch", "int32", "7+", { default: -1 }),
        field("replicaNodes", arr("int32"), "0+"),
        field("isrNodes", arr("int32"), "0+"),
        field("offlineReplicas", arr("int32"), "5+"),
      )), "0+"),
      field("topicAuthorizedOperations", "int32", "8+", { default: -2147483648 }),
    )), "0+"),
    field("clusterAuthorizedOperations", "int32", "8-10", { default: -2147483648 }),
  ]),
);

/** ListPartitionReassignments (key 46): version 0, flexible (Kafka 4.4's ListPartitionReassignmentsRequest/Response.json). */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 46, valid: "0", flexible: "0+" };

export const ListPartitionReassignments = api(
  request({ ...meta, name: "ListPartitionReassignmentsRequest" }, [
    field("timeoutMs", "int32", "0+", { default: 60000 }),
    /** null lists every reassignment in progress. */
    field("topics", arr(struct(
      field("name", "string", "0+"),
      field("partitionIndexes", arr("int32"), "0+"),
    )), "0+", { nullable: "0+", default: null }),
  ]),
  response({ ...meta, name: "ListPartitionReassignmentsResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("errorCode", "int16", "0+"),
    field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
    field("topics", arr(struct(
      field("name", "string", "0+"),
      field("partitions", arr(struct(
        field("partitionIndex", "int32", "0+"),
        field("replicas", arr("int32"), "0+"),
        field("addingReplicas", arr("int32"), "0+"),
        field("removingReplicas", arr("int32"), "0+"),
      )), "0+"),
    )), "0+"),
  ]),
);

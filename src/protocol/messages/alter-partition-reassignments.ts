/**
 * AlterPartitionReassignments (key 45): versions 0-1, flexible from 0 (Kafka 4.4's
 * AlterPartitionReassignmentsRequest/Response.json; v1 adds AllowReplicationFactorChange, KIP-860).
 */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 45, valid: "0-1", flexible: "0+" };

export const AlterPartitionReassignments = api(
  request({ ...meta, name: "AlterPartitionReassignmentsRequest" }, [
    field("timeoutMs", "int32", "0+", { default: 60000 }),
    field("allowReplicationFactorChange", "bool", "1+", { default: true }),
    field("topics", arr(struct(
      field("name", "string", "0+"),
      field("partitions", arr(struct(
        field("partitionIndex", "int32", "0+"),
        /** null cancels the partition's reassignment in progress. */
        field("replicas", arr("int32"), "0+", { nullable: "0+", default: null }),
      )), "0+"),
    )), "0+"),
  ]),
  response({ ...meta, name: "AlterPartitionReassignmentsResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("allowReplicationFactorChange", "bool", "1+", { default: true }),
    field("errorCode", "int16", "0+"),
    field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
    field("responses", arr(struct(
      field("name", "string", "0+"),
      field("partitions", arr(struct(
        field("partitionIndex", "int32", "0+"),
        field("errorCode", "int16", "0+"),
        field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
      )), "0+"),
    )), "0+"),
  ]),
);

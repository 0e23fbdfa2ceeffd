/** ListOffsets (key 2): versions 0-9, flexible from 6. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 2, valid: "0-9", flexible: "6+" };

export const ListOffsets = api(
  request({ ...meta, name: "ListOffsetsRequest" }, [
    field("replicaId", "int32", "0+"),
    field("isolationLevel", "int8", "2+"),
    field("topics", arr(struct(
      field("name", "string", "0+"),
      field("partitions", arr(struct(
        field("partitionIndex", "int32", "0+"),
        field("currentLeaderEpoch", "int32", "4+", { default: -1 }),
        field("timestamp", "int64", "0+"),
        field("maxNumOffsets", "int32", "0", { default: 1 }),
      )), "0+"),
    )), "0+"),
  ]),
  response({ ...meta, name: "ListOffsetsResponse" }, [
    field("throttleTimeMs", "int32", "2+"),
    field("topics", arr(struct(
      field("name", "string", "0+"),
      field("partitions", arr(struct(
        field("partitionIndex", "int32", "0+"),
        field("errorCode", "int16", "0+"),
        field("oldStyleOffsets", arr("int64"), "0"),
        field("timestamp", "int64", "1+", { default: -1n }),
        field("offset", "int64", "1+", { default: -1n }),
        field("leaderEpoch", "int32", "4+", { default: -1 }),
      )), "0+"),
    )), "0+"),
  ]),
);

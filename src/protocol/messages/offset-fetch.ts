/** OffsetFetch (key 9): versions 1-9, flexible from 6; v8+ replaces the single-group fields with a groups array. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 9, valid: "1-9", flexible: "6+" };

export const OffsetFetch = api(
  request({ ...meta, name: "OffsetFetchRequest" }, [
    field("groupId", "string", "0-7"),
    field("topics", arr(struct(
      field("name", "string", "0-7"),
      field("partitionIndexes", arr("int32"), "0-7"),
    )), "0-7", { nullable: "2-7" }),
    field("groups", arr(struct(
      field("groupId", "string", "8+"),
      field("memberId", "string", "9+", { nullable: "9+", default: null }),
      field("memberEpoch", "int32", "9+", { default: -1 }),
      field("topics", arr(struct(
        field("name", "string", "8+"),
        field("partitionIndexes", arr("int32"), "8+"),
      )), "8+", { nullable: "8+" }),
    )), "8+"),
    field("requireStable", "bool", "7+", { default: false }),
  ]),
  response({ ...meta, name: "OffsetFetchResponse" }, [
    field("throttleTimeMs", "int32", "3+"),
    field("topics", arr(struct(
      field("name", "string", "0-7"),
      field("partitions", arr(struct(
        field("partitionIndex", "int32", "0-7"),
        field("committedOffset", "int64", "0-7"),
        field("committedLeaderEpoch", "int32", "5-7", { default: -1 }),
        field("metadata", "string", "0-7", { nullable: "0-7" }),
        field("errorCode", "int16", "0-7"),
      )), "0-7"),
    )), "0-7"),
    field("errorCode", "int16", "2-7"),
    field("groups", arr(struct(
      field("groupId", "string", "8+"),
      field("topics", arr(struct(
        field("name", "string", "8+"),
        field("partitions", arr(struct(
          field("partitionIndex", "int32", "8+"),
          field("committedOffset", "int64", "8+"),
          field("committedLeaderEpoch", "int32", "8+", { default: -1 }),
          field("metadata", "string", "8+", { nullable: "8+" }),
          field("errorCode", "int16", "8+"),
        )), "8+"),
      )), "8+"),
      field("errorCode", "int16", "8+"),
    )), "8+"),
  ]),
);

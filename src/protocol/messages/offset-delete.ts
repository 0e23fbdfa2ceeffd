/** OffsetDelete (key 47): version 0 only, never flexible. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 47, valid: "0", flexible: "none" };

export const OffsetDelete = api(
  request({ ...meta, name: "OffsetDeleteRequest" }, [
    field("groupId", "string", "0+"),
    field("topics", arr(struct(
      field("name", "string", "0+"),
      field("partitions", arr(struct(
        field("partitionIndex", "int32", "0+"),
      )), "0+"),
    )), "0+"),
  ]),
  // Note: the error code precedes the throttle time here, unlike most responses.
  response({ ...meta, name: "OffsetDeleteResponse" }, [
    field("errorCode", "int16", "0+"),
    field("throttleTimeMs", "int32", "0+"),
    field("topics", arr(struct(
      field("name", "string", "0+"),
      field("partitions", arr(struct(
        field("partitionIndex", "int32", "0+"),
        field("errorCode", "int16", "0+"),
      )), "0+"),
    )), "0+"),
  ]),
);

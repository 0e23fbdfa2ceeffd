/** DeleteRecords (key 21): versions 0-2, flexible from 2. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 21, valid: "0-2", flexible: "2+" };

export const DeleteRecords = api(
  request({ ...meta, name: "DeleteRecordsRequest" }, [
    field("topics", arr(struct(
      field("name", "string", "0+"),
      field("partitions", arr(struct(
        field("partitionIndex", "int32", "0+"),
        field("offset", "int64", "0+"),
      )), "0+"),
    )), "0+"),
    field("timeoutMs", "int32", "0+"),
  ]),
  response({ ...meta, name: "DeleteRecordsResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("topics", arr(struct(
      field("name", "string", "0+"),
      field("partitions", arr(struct(
        field("partitionIndex", "int32", "0+"),
        field("lowWatermark", "int64", "0+"),
        field("errorCode", "int16", "0+"),
      )), "0+"),
    )), "0+"),
  ]),
);

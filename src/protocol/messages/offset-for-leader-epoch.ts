/** OffsetForLeaderEpoch (key 23): versions 0-4, flexible from 4. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 23, valid: "0-4", flexible: "4+" };

export const OffsetForLeaderEpoch = api(
  request({ ...meta, name: "OffsetForLeaderEpochRequest" }, [
    // -2 is the "debug" consumer, allowed to see offsets beyond the high watermark.
    field("replicaId", "int32", "3+", { default: -2 }),
    field("topics", arr(struct(
      field("topic", "string", "0+"),
      field("partitions", arr(struct(
        field("partition", "int32", "0+"),
        field("currentLeaderEpoch", "int32", "2+", { default: -1 }),
        field("leaderEpoch", "int32", "0+"),
      )), "0+"),
    )), "0+"),
  ]),
  response({ ...meta, name: "OffsetForLeaderEpochResponse" }, [
    field("throttleTimeMs", "int32", "2+"),
    field("topics", arr(struct(
      field("topic", "string", "0+"),
      field("partitions", arr(struct(
        field("errorCode", "int16", "0+"),
        field("partition", "int32", "0+"),
        field("leaderEpoch", "int32", "1+", { default: -1 }),
        field("endOffset", "int64", "0+"),
      )), "0+"),
    )), "0+"),
  ]),
);

/** OffsetCommit (key 8): versions 2-9, flexible from 8. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 8, valid: "2-9", flexible: "8+" };

export const OffsetCommit = api(
  request({ ...meta, name: "OffsetCommitRequest" }, [
    field("groupId", "string", "0+"),
    field("generationIdOrMemberEpoch", "int32", "1+", { default: -1 }),
    field("memberId", "string", "1+"),
    field("groupInstanceId", "string", "7+", { nullable: "7+", default: null }),
    field("retentionTimeMs", "int64", "2-4", { default: -1n }),
    field("topics", arr(struct(
      field("name", "string", "0+"),
      field("partitions", arr(struct(
        field("partitionIndex", "int32", "0+"),
        field("committedOffset", "int64", "0+"),
        field("committedLeaderEpoch", "int32", "6+", { default: -1 }),
        // The spec's CommitTimestamp exists only in v1, below our range, so it is left out.
        field("committedMetadata", "string", "0+", { nullable: "0+" }),
      )), "0+"),
    )), "0+"),
  ]),
  response({ ...meta, name: "OffsetCommitResponse" }, [
    field("throttleTimeMs", "int32", "3+"),
    field("topics", arr(struct(
      field("name", "string", "0+"),
      field("partitions", arr(struct(
        field("partitionIndex", "int32", "0+"),
        field("errorCode", "int16", "0+"),
      )), "0+"),
    )), "0+"),
  ]),
);

/** TxnOffsetCommit (key 28): versions 0-5, flexible from 3 (v4 adds TRANSACTION_ABORTABLE, v5 an implicit AddOffsetsToTxn under transaction version 2: no new fields). */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 28, valid: "0-5", flexible: "3+" };

export const TxnOffsetCommit = api(
  request({ ...meta, name: "TxnOffsetCommitRequest" }, [
    field("transactionalId", "string", "0+"),
    field("groupId", "string", "0+"),
    field("producerId", "int64", "0+"),
    field("producerEpoch", "int16", "0+"),
    field("generationId", "int32", "3+", { default: -1 }),
    field("memberId", "string", "3+"),
    field("groupInstanceId", "string", "3+", { nullable: "3+", default: null }),
    field("topics", arr(struct(
      field("name", "string", "0+"),
      field("partitions", arr(struct(
        field("partitionIndex", "int32", "0+"),
        field("committedOffset", "int64", "0+"),
        field("committedLeaderEpoch", "int32", "2+", { default: -1 }),
        field("committedMetadata", "string", "0+", { nullable: "0+" }),
      )), "0+"),
    )), "0+"),
  ]),
  response({ ...meta, name: "TxnOffsetCommitResponse" }, [
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

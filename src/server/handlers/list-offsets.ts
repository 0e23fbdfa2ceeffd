/**
 * ListOffsets 0-9: earliest (-2), latest (-1), max timestamp (-3, v7+), earliest local (-4, v8+),
 * latest tiered (-5, v9+; no tiered storage, so none) and by timestamp. v0 answers the old list
 * form. Latest is the high watermark, or the last stable offset when the request is read_committed.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ListOffsets } from "../../protocol/messages/list-offsets.ts";
import type { HandlerFor } from "../registry.ts";

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL = -4n;
const LATEST_TIERED = -5n;

export const listOffsetsHandler: HandlerFor<typeof ListOffsets> = {
  api: ListOffsets,
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, req, version) {
    const b = ctx.broker;
    const readCommitted = version >= 2 && req.isolationLevel === 1;
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const out = { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE as number, oldStyleOffsets: [] as bigint[], timestamp: -1n, offset: -1n, leaderEpoch: -1 };
        const partition = b.partitions.get(t.name, p.partitionIndex);
        if (!partition) {
          out.errorCode = b.partitions.ledElsewhere(t.name, p.partitionIndex) ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          return out;
        }
        if (partition.offline) {
          out.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
          return out;
        }
        if (p.currentLeaderEpoch > partition.leaderEpoch) {
          out.errorCode = ErrorCode.UNKNOWN_LEADER_EPOCH;
          return out;
        }
        const ts = p.timestamp;
        // read_committed (v2+): the latest offset is the last stable offset (KIP-98).
        if (ts === LATEST) out.offset = BigInt(readCommitted ? partition.lastStableOffset : partition.highWatermark);
        else if (ts === EARLIEST || ts === EARLIEST_LOCAL) out.offset = BigInt(partition.logStartOffset);
        else if (ts === MAX_TIMESTAMP && version >= 7) {
          const m = partition.maxTimestamp();
          out.offset = BigInt(m.offset);
          out.timestamp = BigInt(m.timestampMs);
        } else if (ts === LATEST_TIERED && version >= 9) {
          // No tiered storage: nothing is tiered, as Kafka answers without remote storage.
        } else if (ts >= 0n) {
          const found = partition.offsetForTimestamp(Number(ts));
          if (found) {
            out.offset = BigInt(found.offset);
            out.timestamp = BigInt(found.timestampMs);
          }
        } else {
          out.errorCode = ErrorCode.UNSUPPORTED_VERSION; // as Kafka: a special timestamp a newer version would know
          return out;
        }
        if (out.offset >= 0n) out.leaderEpoch = partition.leaderEpoch;
        if (version === 0) out.oldStyleOffsets = out.offset >= 0n ? [out.offset] : [];
        return out;
      }),
    }));
    return { throttleTimeMs: 0, topics };
  },
};

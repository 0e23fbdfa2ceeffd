/**
 * ListOffsets 0-9: earliest (-2), latest (-1), max timestamp (-3, v7+), earliest local (-4, v8+),
 * latest tiered (-5, v9+) and by timestamp. v0 answers the old list form. Latest is the high
 * watermark, or the last stable offset when the request is read_committed. With tiered storage
 * (topic remote.storage.enable, docs/tiered-storage.md) earliest is the remote tier's start,
 * earliest local the local log's, latest tiered the last offset copied (-1: none), and a
 * timestamp older than the local log is looked up in the remote segments (answered once read).
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
    const remote = b.replicas.remote;
    const pending: Promise<void>[] = [];
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
        const tiered = remote !== null && partition.config.remoteStorageEnable ? remote : null;
        const topicId = partition.topic.id;
        const remoteStart = tiered ? tiered.logStartOffset(topicId, partition.index, partition.logStartOffset) : partition.logStartOffset;
        // read_committed (v2+): the latest offset is the last stable offset (KIP-98).
        if (ts === LATEST) out.offset = BigInt(readCommitted ? partition.lastStableOffset : partition.highWatermark);
        else if (ts === EARLIEST) out.offset = BigInt(remoteStart);
        else if (ts === EARLIEST_LOCAL) out.offset = BigInt(partition.logStartOffset);
        else if (ts === MAX_TIMESTAMP && version >= 7) {
          const m = partition.maxTimestamp();
          out.offset = BigInt(m.offset);
          out.timestamp = BigInt(m.timestampMs);
        } else if (ts === LATEST_TIERED && version >= 9) {
          // Without remote data (or tiered storage) nothing is tiered: -1, as Kafka answers.
          if (tiered) out.offset = BigInt(tiered.highestTieredOffset(topicId, partition.index));
        } else if (ts >= 0n && tiered && remoteStart < partition.logStartOffset) {
          // Maybe older than the local log: the remote segments first, then the local log.
          pending.push(
            tiered.offsetForTimestamp(topicId, partition.index, Number(ts)).then(
              (found) => {
                const hit = found && found.offset < partition.logStartOffset ? found : partition.offsetForTimestamp(Number(ts));
                if (hit) {
                  out.offset = BigInt(hit.offset);
                  out.timestamp = BigInt(hit.timestampMs);
                  out.leaderEpoch = partition.leaderEpoch;
                }
                if (version === 0) out.oldStyleOffsets = out.offset >= 0n ? [out.offset] : [];
              },
              () => {
                out.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
              },
            ),
          );
          return out;
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
    if (pending.length > 0) return Promise.all(pending).then(() => ({ throttleTimeMs: 0, topics }));
    return { throttleTimeMs: 0, topics };
  },
};

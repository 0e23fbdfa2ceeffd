/** OffsetForLeaderEpoch 0-4: the end offset of the largest epoch <= the one asked (KIP-101/279). */
import { ErrorCode } from "../../protocol/errors.ts";
import { OffsetForLeaderEpoch } from "../../protocol/messages/offset-for-leader-epoch.ts";
import type { HandlerFor } from "../registry.ts";

export const offsetForLeaderEpochHandler: HandlerFor<typeof OffsetForLeaderEpoch> = {
  api: OffsetForLeaderEpoch,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    const topics = req.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const partition = ctx.broker.partitions.get(t.topic, p.partition);
        if (!partition) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
        if (partition.offline) return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
        if (p.currentLeaderEpoch > partition.leaderEpoch) return { errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
        if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch < partition.leaderEpoch) {
          return { errorCode: ErrorCode.FENCED_LEADER_EPOCH, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
        }
        const answer = partition.log.epochs.endOffsetFor(p.leaderEpoch, partition.logEndOffset);
        return { errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch: answer.leaderEpoch, endOffset: BigInt(answer.endOffset) };
      }),
    }));
    return { throttleTimeMs: 0, topics };
  },
};

/**
 * OffsetForLeaderEpoch 0-4: the end offset of the largest epoch <= the one asked (KIP-101/279).
 *
 * Answered only by the partition's leader, as Kafka 4.4's ReplicaManager does (it always asks the
 * partition for the leader's log, whatever the request's replica id): per partition, in order
 *   not hosted here     NOT_LEADER_OR_FOLLOWER when the topic and partition exist, else
 *                       UNKNOWN_TOPIC_OR_PARTITION
 *   offline log dir     KAFKA_STORAGE_ERROR
 *   currentLeaderEpoch  ahead of ours UNKNOWN_LEADER_EPOCH, behind FENCED_LEADER_EPOCH (-1: unchecked)
 *   a follower here     NOT_LEADER_OR_FOLLOWER
 *   else                the epoch and end offset from the leader-epoch cache
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { OffsetForLeaderEpoch } from "../../protocol/messages/offset-for-leader-epoch.ts";
import type { HandlerFor } from "../registry.ts";

export const offsetForLeaderEpochHandler: HandlerFor<typeof OffsetForLeaderEpoch> = {
  api: OffsetForLeaderEpoch,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    const parts = ctx.broker.partitions;
    const topics = req.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const error = (errorCode: number) => ({ errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1n });
        const led = parts.get(t.topic, p.partition);
        const partition = led ?? parts.hosted(t.topic, p.partition);
        if (!partition) return error(ctx.broker.topics.partition(t.topic, p.partition) ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (partition.offline) return error(ErrorCode.KAFKA_STORAGE_ERROR);
        if (p.currentLeaderEpoch > partition.leaderEpoch) return error(ErrorCode.UNKNOWN_LEADER_EPOCH);
        if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch < partition.leaderEpoch) return error(ErrorCode.FENCED_LEADER_EPOCH);
        if (!led) return error(ErrorCode.NOT_LEADER_OR_FOLLOWER);
        const answer = partition.log.epochs.endOffsetFor(p.leaderEpoch, partition.logEndOffset);
        return { errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch: answer.leaderEpoch, endOffset: BigInt(answer.endOffset) };
      }),
    }));
    return { throttleTimeMs: 0, topics };
  },
};

/**
 * OffsetCommit 2-9: stores offsets for a group after checking the committer (a member of the
 * current generation, or generation -1 with no member id for a group without members). Offsets
 * of topics or partitions that do not exist get UNKNOWN_TOPIC_OR_PARTITION. The answer comes
 * after the records are appended to __consumer_offsets (in a cluster: replicated to its ISR).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { OffsetCommit } from "../../protocol/messages/offset-commit.ts";
import type { CommitPartition } from "../../coordinator/group-coordinator.ts";
import type { BrokerContext } from "../context.ts";
import type { RequestOf } from "../../protocol/schema.ts";
import type { HandlerFor } from "../registry.ts";

function exists(b: BrokerContext, topic: string, partition: number): boolean {
  const t = b.topics.get(topic);
  return !!t && partition >= 0 && partition < t.partitions;
}

function everyPartition(req: RequestOf<typeof OffsetCommit>, errorCode: number) {
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  };
}

export const offsetCommitHandler: HandlerFor<typeof OffsetCommit> = {
  api: OffsetCommit,
  minVersion: 2,
  maxVersion: 9,
  async handle(ctx, req, version) {
    const b = ctx.broker;
    const valid = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions
        .filter((p) => exists(b, t.name, p.partitionIndex))
        .map((p): CommitPartition => ({ partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata })),
    })).filter((t) => t.partitions.length > 0);
    const result = await b.groups.commitOffsets({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: version >= 7 ? req.groupInstanceId : null,
      generationId: req.generationIdOrMemberEpoch,
      retentionTimeMs: version <= 4 ? Number(req.retentionTimeMs) : -1,
      topics: valid,
    }, version);
    const errors = new Map<string, number>();
    for (const t of result) for (const p of t.partitions) errors.set(`${t.name}\u0000${p.partition}`, p.errorCode);
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: errors.get(`${t.name}\u0000${p.partitionIndex}`) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        })),
      })),
    };
  },
  errorResponse(req, _version, errorCode) {
    return everyPartition(req, errorCode);
  },
};

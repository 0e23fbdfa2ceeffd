/**
 * TxnOffsetCommit 0-4 (Kafka's KIP-98 / KIP-447): a transactional producer commits a consumer
 * group's offsets as part of its transaction. The group coordinator (GroupService) checks with
 * the transaction coordinator that the group's __consumer_offsets partition is in the producer's
 * transaction (KIP-890, as the produce path does), checks the committer (v3+: generation, member id
 * and group instance id — ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID), and appends
 * the offsets as the producer's transactional batch; they become the group's committed offsets
 * when the producer's COMMIT marker lands there and are dropped on ABORT. Offsets of topics or
 * partitions that do not exist get UNKNOWN_TOPIC_OR_PARTITION. v5 (the implicit AddOffsetsToTxn
 * of transaction version 2) is not served: this broker's transaction coordinator adds partitions
 * only through AddOffsetsToTxn/AddPartitionsToTxn.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { TxnOffsetCommit } from "../../protocol/messages/txn-offset-commit.ts";
import type { CommitPartition } from "../../coordinator/group-coordinator.ts";
import type { BrokerContext } from "../context.ts";
import type { RequestOf } from "../../protocol/schema.ts";
import type { HandlerFor } from "../registry.ts";

function exists(b: BrokerContext, topic: string, partition: number): boolean {
  const t = b.topics.get(topic);
  return !!t && partition >= 0 && partition < t.partitions;
}

function everyPartition(req: RequestOf<typeof TxnOffsetCommit>, errorCode: number) {
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  };
}

export const txnOffsetCommitHandler: HandlerFor<typeof TxnOffsetCommit> = {
  api: TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req, version) {
    const b = ctx.broker;
    const valid = req.topics
      .map((t) => ({
        name: t.name,
        partitions: t.partitions
          .filter((p) => exists(b, t.name, p.partitionIndex))
          .map((p): CommitPartition => ({ partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: version >= 2 ? p.committedLeaderEpoch : -1, metadata: p.committedMetadata })),
      }))
      .filter((t) => t.partitions.length > 0);
    const result = await b.groups.commitTransactionalOffsets(
      {
        groupId: req.groupId,
        transactionalId: req.transactionalId,
        producerId: req.producerId,
        producerEpoch: req.producerEpoch,
        memberId: version >= 3 ? req.memberId : "",
        groupInstanceId: version >= 3 ? req.groupInstanceId : null,
        generationId: version >= 3 ? req.generationId : -1,
        topics: valid,
      },
      version,
    );
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

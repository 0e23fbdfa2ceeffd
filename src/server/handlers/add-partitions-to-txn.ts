/**
 * AddPartitionsToTxn 0-5. v0-3 (clients): one transaction's partitions join it; one error per
 * partition (UNKNOWN_TOPIC_OR_PARTITION for partitions that do not exist and
 * OPERATION_NOT_ATTEMPTED for the rest of such a request, as Kafka). v4+ (brokers, KIP-890):
 * several transactions, each either added or, with verify_only, checked (the produce path's
 * verification when the coordinator is on another broker). PRODUCER_FENCED reaches versions
 * before 2 as INVALID_PRODUCER_EPOCH.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { AddPartitionsToTxn } from "../../protocol/messages/add-partitions-to-txn.ts";
import type { PartitionResult } from "../../coordinator/txn/txn-coordinator.ts";
import type { HandlerFor } from "../registry.ts";

const FIRST_PRODUCER_FENCED_VERSION = 2;
/** Transactions in one v4+ request at most (a broker batches those of its produce requests). */
const MAX_TRANSACTIONS_PER_REQUEST = 10_000;

function byTopic(results: PartitionResult[], version: number) {
  const topics = new Map<string, { partitionIndex: number; partitionErrorCode: number }[]>();
  for (const r of results) {
    let list = topics.get(r.topic);
    if (!list) topics.set(r.topic, (list = []));
    const errorCode = r.errorCode === ErrorCode.PRODUCER_FENCED && version < FIRST_PRODUCER_FENCED_VERSION ? ErrorCode.INVALID_PRODUCER_EPOCH : r.errorCode;
    list.push({ partitionIndex: r.partition, partitionErrorCode: errorCode });
  }
  return [...topics].map(([name, resultsByPartition]) => ({ name, resultsByPartition }));
}

export const addPartitionsToTxnHandler: HandlerFor<typeof AddPartitionsToTxn> = {
  api: AddPartitionsToTxn,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req, version) {
    const txn = ctx.broker.txn;
    if (version <= 3) {
      const topics = req.v3AndBelowTopics.map((t) => ({ topic: t.name, partitions: t.partitions }));
      const results = await txn.addPartitions(req.v3AndBelowTransactionalId, req.v3AndBelowProducerId, req.v3AndBelowProducerEpoch, topics);
      return { throttleTimeMs: 0, resultsByTopicV3AndBelow: byTopic(results, version) };
    }
    if (req.transactions.length > MAX_TRANSACTIONS_PER_REQUEST) return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, resultsByTransaction: [] };
    const resultsByTransaction = await Promise.all(
      req.transactions.map(async (t) => {
        const topics = t.topics.map((x) => ({ topic: x.name, partitions: x.partitions }));
        const results = t.verifyOnly ? txn.verifyPartitions(t.transactionalId, t.producerId, t.producerEpoch, topics) : await txn.addPartitions(t.transactionalId, t.producerId, t.producerEpoch, topics);
        return { transactionalId: t.transactionalId, topicResults: byTopic(results, version) };
      }),
    );
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction };
  },
  // v0-3 have no top-level error: every requested partition carries it; v4+ the top level.
  errorResponse(req, version, errorCode) {
    if (version >= 4) return { throttleTimeMs: 0, errorCode, resultsByTransaction: [] };
    return {
      throttleTimeMs: 0,
      resultsByTopicV3AndBelow: (req.v3AndBelowTopics ?? []).map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: errorCode })) })),
    };
  },
};

/**
 * DescribeTransactions 0: the coordinator's view of each transactional id (state, producer id and
 * epoch, timeout, start time, partitions); NOT_COORDINATOR for ids coordinated elsewhere,
 * TRANSACTIONAL_ID_NOT_FOUND for unknown ones. At most MAX_IDS ids per request.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { DescribeTransactions } from "../../protocol/messages/describe-transactions.ts";
import type { HandlerFor } from "../registry.ts";

const MAX_IDS = 10_000;

export const describeTransactionsHandler: HandlerFor<typeof DescribeTransactions> = {
  api: DescribeTransactions,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const transactionStates = req.transactionalIds.map((id, i) => {
      const d = i < MAX_IDS ? ctx.broker.txn.describe(id) : null;
      if (!d) return { errorCode: ErrorCode.INVALID_REQUEST, transactionalId: id, transactionState: "", transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] };
      return {
        errorCode: d.errorCode,
        transactionalId: id,
        transactionState: d.state,
        transactionTimeoutMs: d.timeoutMs,
        transactionStartTimeMs: BigInt(d.startTimeMs),
        producerId: d.producerId,
        producerEpoch: d.producerEpoch,
        topics: d.topics.map((t) => ({ topic: t.topic, partitions: t.partitions })),
      };
    });
    return { throttleTimeMs: 0, transactionStates };
  },
  // No top-level error: every requested id carries it.
  errorResponse(req, _version, errorCode) {
    return {
      throttleTimeMs: 0,
      transactionStates: (req.transactionalIds ?? []).map((transactionalId) => ({ errorCode, transactionalId, transactionState: "", transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] })),
    };
  },
};

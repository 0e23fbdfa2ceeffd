/**
 * ListTransactions 0-2: the transactional ids this broker coordinates (the admin client asks every
 * broker), filtered by state, producer id, v1 minimum duration and v2 transactional id pattern.
 * Unknown state names come back in unknown_state_filters.
 */
import { ListTransactions } from "../../protocol/messages/list-transactions.ts";
import type { HandlerFor } from "../registry.ts";

export const listTransactionsHandler: HandlerFor<typeof ListTransactions> = {
  api: ListTransactions,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    const r = ctx.broker.txn.list({ states: req.stateFilters, producerIds: req.producerIdFilters, durationMs: Number(req.durationFilter), pattern: req.transactionalIdPattern });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      unknownStateFilters: r.unknownStateFilters,
      transactionStates: r.transactions.map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state })),
    };
  },
};

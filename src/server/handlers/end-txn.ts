/**
 * EndTxn 0-5: commit or abort the producer's transaction (answered once the coordinator's
 * Prepare record is replicated; the markers follow). v5 is transaction version 2 (KIP-890 part 2):
 * every end bumps the epoch and the answer names the producer id and epoch to continue with.
 * PRODUCER_FENCED reaches versions before 2 as INVALID_PRODUCER_EPOCH.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { EndTxn } from "../../protocol/messages/end-txn.ts";
import type { HandlerFor } from "../registry.ts";

const FIRST_PRODUCER_FENCED_VERSION = 2;
const FIRST_TV2_VERSION = 5;

export const endTxnHandler: HandlerFor<typeof EndTxn> = {
  api: EndTxn,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req, version) {
    const r = await ctx.broker.txn.endTxn(req.transactionalId, req.producerId, req.producerEpoch, req.committed, version >= FIRST_TV2_VERSION ? 2 : 1);
    const errorCode = r.errorCode === ErrorCode.PRODUCER_FENCED && version < FIRST_PRODUCER_FENCED_VERSION ? ErrorCode.INVALID_PRODUCER_EPOCH : r.errorCode;
    return { throttleTimeMs: 0, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch };
  },
};

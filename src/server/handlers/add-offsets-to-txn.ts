/**
 * AddOffsetsToTxn 0-4: the group's __consumer_offsets partition joins the transaction, so the
 * transaction's end writes its marker there too (the group coordinator's TxnOffsetCommit offsets
 * become visible at COMMIT). PRODUCER_FENCED reaches versions before 2 as INVALID_PRODUCER_EPOCH.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { AddOffsetsToTxn } from "../../protocol/messages/add-offsets-to-txn.ts";
import type { HandlerFor } from "../registry.ts";

const FIRST_PRODUCER_FENCED_VERSION = 2;

export const addOffsetsToTxnHandler: HandlerFor<typeof AddOffsetsToTxn> = {
  api: AddOffsetsToTxn,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req, version) {
    const code = await ctx.broker.txn.addOffsets(req.transactionalId, req.producerId, req.producerEpoch, req.groupId);
    return { throttleTimeMs: 0, errorCode: code === ErrorCode.PRODUCER_FENCED && version < FIRST_PRODUCER_FENCED_VERSION ? ErrorCode.INVALID_PRODUCER_EPOCH : code };
  },
};

/**
 * InitProducerId 0-5. Without a transactional id (idempotent producers): a fresh producer id with
 * epoch 0, as Kafka's broker answers when transactional.id is null; in a cluster the id comes from
 * a block the active controller granted (coordinator/producer-ids.ts) and when no block can be had
 * now the answer is COORDINATOR_NOT_AVAILABLE, which clients retry.
 *
 * With a transactional id: the transaction coordinator (coordinator/txn) bumps the id's epoch,
 * fencing older producers, aborting an ongoing transaction (CONCURRENT_TRANSACTIONS, the client
 * retries) and answering KIP-360's bump when v3+ names the producer's id and epoch.
 * PRODUCER_FENCED reaches versions before 4 as INVALID_PRODUCER_EPOCH (Kafka's KafkaApis).
 * (v6, two-phase commit, is unstable in Kafka 4.4 and not served.)
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { InitProducerId } from "../../protocol/messages/init-producer-id.ts";
import type { HandlerFor } from "../registry.ts";

const FIRST_PRODUCER_FENCED_VERSION = 4;

export const initProducerIdHandler: HandlerFor<typeof InitProducerId> = {
  api: InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req, version) {
    if (req.transactionalId !== null) {
      const expected = req.producerId === -1n && req.producerEpoch === -1 ? null : { producerId: req.producerId, epoch: req.producerEpoch };
      const r = await ctx.broker.txn.initProducerId(req.transactionalId, req.transactionTimeoutMs, expected);
      const errorCode = r.errorCode === ErrorCode.PRODUCER_FENCED && version < FIRST_PRODUCER_FENCED_VERSION ? ErrorCode.INVALID_PRODUCER_EPOCH : r.errorCode;
      return { throttleTimeMs: 0, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch };
    }
    try {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: await ctx.broker.producerIds.allocate(), producerEpoch: 0 };
    } catch (e) {
      ctx.broker.log.info("no producer id block available", { reason: (e as Error).message });
      return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1n, producerEpoch: -1 };
    }
  },
};

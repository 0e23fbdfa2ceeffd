/**
 * InitProducerId for idempotent producers (no transactional id): a fresh producer id with epoch
 * 0, as Kafka's broker answers when transactional.id is null. A transactional id needs the
 * transaction coordinator, which this broker does not have yet: such requests are refused with
 * an explicit error instead of a producer id that could not honour transactions. In a cluster
 * the id comes from a block the active controller granted (coordinator/producer-ids.ts); when no
 * block can be had now (no controller, a timeout) the answer is COORDINATOR_NOT_AVAILABLE, which
 * clients retry, as Kafka answers when its AllocateProducerIds fails.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { InitProducerId } from "../../protocol/messages/init-producer-id.ts";
import type { HandlerFor } from "../registry.ts";

export const initProducerIdHandler: HandlerFor<typeof InitProducerId> = {
  api: InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    if (req.transactionalId !== null) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 };
    }
    try {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: await ctx.broker.producerIds.allocate(), producerEpoch: 0 };
    } catch (e) {
      ctx.broker.log.info("no producer id block available", { reason: (e as Error).message });
      return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1n, producerEpoch: -1 };
    }
  },
};

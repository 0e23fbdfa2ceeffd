/**
 * InitProducerId for idempotent producers (no transactional id): a fresh producer id with epoch
 * 0, as Kafka's broker answers when transactional.id is null. A transactional id needs the
 * transaction coordinator, which this broker does not have yet: such requests are refused with
 * an explicit error instead of a producer id that could not honour transactions.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { InitProducerId } from "../../protocol/messages/init-producer-id.ts";
import type { HandlerFor } from "../registry.ts";

export const initProducerIdHandler: HandlerFor<typeof InitProducerId> = {
  api: InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    if (req.transactionalId !== null) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 };
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: ctx.broker.producerIds.allocate(), producerEpoch: 0 };
  },
};

/**
 * FindCoordinator 0-6: this broker coordinates every consumer group (key type 0). Transactional
 * ids (key type 1) get COORDINATOR_NOT_AVAILABLE until a transaction coordinator exists; other key
 * types get INVALID_REQUEST. From v4 the keys come as a list, answered one by one.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { FindCoordinator } from "../../protocol/messages/find-coordinator.ts";
import type { BrokerContext } from "../context.ts";
import type { HandlerFor } from "../registry.ts";

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

function answer(b: BrokerContext, key: string, keyType: number) {
  if (keyType === KEY_TYPE_GROUP) {
    const { errorCode } = b.groups.findCoordinator(key);
    if (errorCode !== ErrorCode.NONE) return { key, nodeId: -1, host: "", port: -1, errorCode, errorMessage: null };
    return { key, nodeId: b.nodeId, host: b.advertisedHost, port: b.advertisedPort, errorCode: ErrorCode.NONE, errorMessage: null };
  }
  const errorCode = keyType === KEY_TYPE_TRANSACTION ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.INVALID_REQUEST;
  const errorMessage = keyType === KEY_TYPE_TRANSACTION ? "transactions are not supported by this broker yet" : `unknown key type ${keyType}`;
  return { key, nodeId: -1, host: "", port: -1, errorCode, errorMessage };
}

export const findCoordinatorHandler: HandlerFor<typeof FindCoordinator> = {
  api: FindCoordinator,
  minVersion: 0,
  maxVersion: 6,
  handle(ctx, req, version) {
    const b = ctx.broker;
    const keyType = version === 0 ? KEY_TYPE_GROUP : req.keyType;
    if (version >= 4) {
      return { throttleTimeMs: 0, coordinators: req.coordinatorKeys.map((k) => answer(b, k, req.keyType)) };
    }
    const a = answer(b, req.key, keyType);
    return { throttleTimeMs: 0, errorCode: a.errorCode, errorMessage: a.errorMessage, nodeId: a.nodeId, host: a.host, port: a.port, coordinators: [] };
  },
};

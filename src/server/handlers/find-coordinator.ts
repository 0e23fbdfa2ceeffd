/**
 * FindCoordinator 0-6. Consumer groups (key type 0): one node coordinates every group; a cluster
 * answers the leader of the group's __consumer_offsets partition with its advertised Kafka
 * endpoint (creating the topic through the controller on first use, coordinator/group-service.ts),
 * COORDINATOR_NOT_AVAILABLE while the partition has no leader, this broker is still loading it, or
 * the leader's endpoint is not known (fenced). Transactional ids (key type 1): the leader of the
 * id's __transaction_state partition (coordinator/txn/txn-coordinator.ts, the topic created on
 * first use), with the same errors. Other key types get INVALID_REQUEST. From v4 the keys come as
 * a list, answered one by one.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { FindCoordinator } from "../../protocol/messages/find-coordinator.ts";
import { brokersFor, selfEndpoint } from "../advertised.ts";
import type { RequestContext } from "../context.ts";
import type { HandlerFor } from "../registry.ts";

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

async function answer(ctx: RequestContext, key: string, keyType: number) {
  const b = ctx.broker;
  if (keyType === KEY_TYPE_GROUP || keyType === KEY_TYPE_TRANSACTION) {
    const a = keyType === KEY_TYPE_GROUP ? await b.groups.findCoordinator(key) : await b.txn.findCoordinator(key);
    if (a.errorCode !== ErrorCode.NONE) return { key, nodeId: -1, host: "", port: -1, errorCode: a.errorCode, errorMessage: a.errorMessage };
    if (a.nodeId < 0 || a.nodeId === b.nodeId) return { key, ...selfEndpoint(ctx), errorCode: ErrorCode.NONE, errorMessage: "" };
    const ep = brokersFor(ctx).find((x) => x.nodeId === a.nodeId);
    if (!ep) return { key, nodeId: -1, host: "", port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: `coordinator ${a.nodeId} is not a live broker` };
    return { key, nodeId: ep.nodeId, host: ep.host, port: ep.port, errorCode: ErrorCode.NONE, errorMessage: "" };
  }
  return { key, nodeId: -1, host: "", port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown key type ${keyType}` };
}

export const findCoordinatorHandler: HandlerFor<typeof FindCoordinator> = {
  api: FindCoordinator,
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, req, version) {
    const b = ctx.broker;
    const keyType = version === 0 ? KEY_TYPE_GROUP : req.keyType;
    if (version >= 4) {
      return { throttleTimeMs: 0, coordinators: await Promise.all(req.coordinatorKeys.map((k) => answer(ctx, k, req.keyType))) };
    }
    const a = await answer(ctx, req.key, keyType);
    return { throttleTimeMs: 0, errorCode: a.errorCode, errorMessage: a.errorCode === ErrorCode.NONE ? "NONE" : a.errorMessage, nodeId: a.nodeId, host: a.host, port: a.port, coordinators: [] };
  },
};

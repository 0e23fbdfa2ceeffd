/**
 * AlterClientQuotas (49) v0-1: client quotas set and removed (src/security/client-quotas.ts),
 * committed as ClientQuota metadata records; forwarded to the active controller in a cluster
 * (cluster-node.ts FORWARDED_APIS).
 */
import { AlterClientQuotas } from "../../protocol/messages/alter-client-quotas.ts";
import { alterClientQuotas } from "../../security/client-quotas.ts";
import type { HandlerFor } from "../registry.ts";

export const alterClientQuotasHandler: HandlerFor<typeof AlterClientQuotas> = {
  api: AlterClientQuotas,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const m = ctx.broker.metadata;
    return { throttleTimeMs: 0, entries: alterClientQuotas(req.entries, req.validateOnly, (records) => m.commit(records)) };
  },
  errorResponse(req, _version, errorCode) {
    return { throttleTimeMs: 0, entries: req.entries.map((e) => ({ errorCode, errorMessage: null, entity: e.entity })) };
  },
};

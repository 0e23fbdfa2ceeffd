/** DescribeClientQuotas (48) v0-1: the quota entities matching a filter (src/security/client-quotas.ts). */
import { DescribeClientQuotas } from "../../protocol/messages/describe-client-quotas.ts";
import { describeClientQuotas } from "../../security/client-quotas.ts";
import type { HandlerFor } from "../registry.ts";

export const describeClientQuotasHandler: HandlerFor<typeof DescribeClientQuotas> = {
  api: DescribeClientQuotas,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    return { throttleTimeMs: 0, ...describeClientQuotas(ctx.broker.metadata.image, req.components, req.strict) };
  },
  errorResponse(_req, _version, errorCode) {
    return { throttleTimeMs: 0, errorCode, errorMessage: null, entries: null };
  },
};

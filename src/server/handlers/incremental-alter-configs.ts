/** IncrementalAlterConfigs (44) v0-1: SET / DELETE / APPEND / SUBTRACT on topic configs; delegates to topic-admin. */
import { incrementalAlterConfigs, type IncrementalAlterConfigsResource } from "../../cluster/topic-admin.ts";
import { IncrementalAlterConfigs } from "../../protocol/messages/incremental-alter-configs.ts";
import type { HandlerFor } from "../registry.ts";

export const incrementalAlterConfigsHandler: HandlerFor<typeof IncrementalAlterConfigs> = {
  api: IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req, version) {
    ctx.broker.log.debug("admin request", { api: "IncrementalAlterConfigs", version, clientId: ctx.clientId, validateOnly: req.validateOnly });
    return { throttleTimeMs: 0, responses: incrementalAlterConfigs(ctx.broker, req.resources, req.validateOnly) };
  },
  errorResponse(req, _version, errorCode) {
    return {
      throttleTimeMs: 0,
      responses: req.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })),
    };
  },
};

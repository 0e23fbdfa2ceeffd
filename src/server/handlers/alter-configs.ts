/** AlterConfigs (33) v0-2: replaces a topic's whole override set; delegates to topic-admin. */
import { alterConfigs, type AlterConfigsResource } from "../../cluster/topic-admin.ts";
import { AlterConfigs } from "../../protocol/messages/alter-configs.ts";
import type { HandlerFor } from "../registry.ts";

export const alterConfigsHandler: HandlerFor<typeof AlterConfigs> = {
  api: AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req, version) {
    ctx.broker.log.debug("admin request", { api: "AlterConfigs", version, clientId: ctx.clientId, validateOnly: req.validateOnly });
    return { throttleTimeMs: 0, responses: alterConfigs(ctx.broker, req.resources, req.validateOnly) };
  },
  errorResponse(req, _version, errorCode) {
    return {
      throttleTimeMs: 0,
      responses: req.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })),
    };
  },
};

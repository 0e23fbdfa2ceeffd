/** Heartbeat 0-4: keeps a member's session alive and tells it when the group rebalances. */
import { Heartbeat } from "../../protocol/messages/heartbeat.ts";
import type { HandlerFor } from "../registry.ts";

export const heartbeatHandler: HandlerFor<typeof Heartbeat> = {
  api: Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req, version) {
    const errorCode = ctx.broker.groups.heartbeat(req.groupId, req.memberId, version >= 3 ? req.groupInstanceId : null, req.generationId);
    return { throttleTimeMs: 0, errorCode };
  },
};

/**
 * LeaveGroup 0-5: removes members and rebalances the rest. v0-2 name one member; v3+ a batch,
 * each by member id or group.instance.id (a static member leaving on purpose), each with its own
 * error code.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { LeaveGroup } from "../../protocol/messages/leave-group.ts";
import type { HandlerFor } from "../registry.ts";

export const leaveGroupHandler: HandlerFor<typeof LeaveGroup> = {
  api: LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req, version) {
    const groups = ctx.broker.groups;
    if (version < 3) {
      const r = groups.leave(req.groupId, [{ memberId: req.memberId, groupInstanceId: null }]);
      return { throttleTimeMs: 0, errorCode: r.memberErrors[0] ?? r.groupError, members: [] };
    }
    const r = groups.leave(req.groupId, req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })));
    return {
      throttleTimeMs: 0,
      errorCode: r.groupError,
      members: req.members.map((m, i) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: r.memberErrors[i] ?? ErrorCode.UNKNOWN_SERVER_ERROR })),
    };
  },
};

/**
 * SyncGroup 0-5: followers wait for the leader's assignments; the leader's request makes the
 * group Stable and answers everyone (the promise resolves then). v5 names the protocol type and
 * name, which must match the group's.
 */
import { SyncGroup } from "../../protocol/messages/sync-group.ts";
import type { SyncResult } from "../../coordinator/group-state.ts";
import type { HandlerFor } from "../registry.ts";

function response(r: SyncResult) {
  return { throttleTimeMs: 0, errorCode: r.errorCode, protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment };
}

export const syncGroupHandler: HandlerFor<typeof SyncGroup> = {
  api: SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req, version) {
    return ctx.broker.groups
      .sync(req.groupId, {
        memberId: req.memberId,
        groupInstanceId: version >= 3 ? req.groupInstanceId : null,
        generationId: req.generationId,
        protocolType: version >= 5 ? req.protocolType : null,
        protocolName: version >= 5 ? req.protocolName : null,
        assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment.slice() })),
      })
      .then(response);
  },
  errorResponse(_req, _version, errorCode) {
    return response({ errorCode, protocolType: null, protocolName: null, assignment: new Uint8Array(0) });
  },
};

/**
 * JoinGroup 0-9: hands the request to the group coordinator and answers when the group's join
 * phase completes (the promise resolves then; the connection answers in order). v0 has no
 * rebalance timeout: the session timeout stands in. v4+ new members get MEMBER_ID_REQUIRED first;
 * v5+ carries group.instance.id (static membership); v9 may tell a static leader to skip assigning.
 */
import { JoinGroup } from "../../protocol/messages/join-group.ts";
import type { JoinResult } from "../../coordinator/group-state.ts";
import type { HandlerFor } from "../registry.ts";

function response(r: JoinResult, version: number) {
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    generationId: r.generationId,
    protocolType: r.protocolType,
    protocolName: r.protocolName ?? (version >= 7 ? null : ""),
    leader: r.leader,
    skipAssignment: r.skipAssignment,
    memberId: r.memberId,
    members: r.members,
  };
}

export const joinGroupHandler: HandlerFor<typeof JoinGroup> = {
  api: JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, req, version) {
    return ctx.broker.groups
      .join(req.groupId, {
        memberId: req.memberId,
        groupInstanceId: version >= 5 ? req.groupInstanceId : null,
        clientId: ctx.clientId ?? "",
        clientHost: `/${ctx.connection.remoteAddress}`,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: version >= 1 && req.rebalanceTimeoutMs >= 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
        protocolType: req.protocolType,
        protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata.slice() })),
        requireKnownMemberId: version >= 4,
        supportsSkipAssignment: version >= 9,
      })
      .then((r) => response(r, version));
  },
  errorResponse(req, version, errorCode) {
    return response({ errorCode, generationId: -1, protocolType: null, protocolName: null, leader: "", memberId: req.memberId, members: [], skipAssignment: false }, version);
  },
};

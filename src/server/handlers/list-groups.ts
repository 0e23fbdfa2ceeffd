/** ListGroups 0-5: every group this broker coordinates, filtered by state (v4+) and type (v5+, all are "classic"). */
import { ErrorCode } from "../../protocol/errors.ts";
import { ListGroups } from "../../protocol/messages/list-groups.ts";
import type { HandlerFor } from "../registry.ts";

const GROUP_TYPE = "classic";

export const listGroupsHandler: HandlerFor<typeof ListGroups> = {
  api: ListGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req, version) {
    const states = version >= 4 ? new Set(req.statesFilter.map((s) => s.toLowerCase())) : new Set<string>();
    const types = version >= 5 ? new Set(req.typesFilter.map((s) => s.toLowerCase())) : new Set<string>();
    const groups = [];
    for (const g of ctx.broker.groups.listGroups()) {
      if (states.size > 0 && !states.has(g.state.toLowerCase())) continue;
      if (types.size > 0 && !types.has(GROUP_TYPE)) continue;
      groups.push({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: GROUP_TYPE });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups };
  },
};

/**
 * ListGroups 0-5: every group this broker coordinates, classic and KIP-848 consumer groups, filtered
 * by state (v4+, case-insensitive) and type (v5+: "classic" or "consumer"). A consumer group shows
 * protocol type "consumer" and its state (Empty, Assigning, Reconciling, Stable), as Kafka 4.4.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ListGroups } from "../../protocol/messages/list-groups.ts";
import type { HandlerFor } from "../registry.ts";

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
      if (types.size > 0 && !types.has(g.groupType)) continue;
      groups.push({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: g.groupType });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups };
  },
};

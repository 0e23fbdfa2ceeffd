/** DeleteGroups 0-2: deletes Empty groups and their offsets (tombstones in __consumer_offsets); a group with members gets NON_EMPTY_GROUP. */
import { DeleteGroups } from "../../protocol/messages/delete-groups.ts";
import type { HandlerFor } from "../registry.ts";

export const deleteGroupsHandler: HandlerFor<typeof DeleteGroups> = {
  api: DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    const groups = ctx.broker.groups;
    return { throttleTimeMs: 0, results: req.groupsNames.map((groupId) => ({ groupId, errorCode: groups.deleteGroup(groupId) })) };
  },
};

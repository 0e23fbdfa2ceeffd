/**
 * DescribeGroups 0-5: state, protocol and members of each group. As Kafka, member metadata and
 * assignments are shown only for a Stable group, and an unknown group is described as Dead
 * (GroupService.describeGroup decides both).
 */
import { DescribeGroups } from "../../protocol/messages/describe-groups.ts";
import { AUTHORIZED_OPERATIONS_OMITTED, GROUP_OPERATIONS } from "../authorized-operations.ts";
import type { HandlerFor } from "../registry.ts";

export const describeGroupsHandler: HandlerFor<typeof DescribeGroups> = {
  api: DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    const groups = ctx.broker.groups;
    const ops = req.includeAuthorizedOperations ? GROUP_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED;
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((groupId) => ({ ...groups.describeGroup(groupId), authorizedOperations: ops })),
    };
  },
};

/**
 * DescribeGroups 0-5: state, protocol and members of each group. As Kafka, member metadata and
 * assignments are shown only for a Stable group, and an unknown group is described as Dead.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { DescribeGroups } from "../../protocol/messages/describe-groups.ts";
import { groupIdError } from "../../coordinator/group-coordinator.ts";
import { AUTHORIZED_OPERATIONS_OMITTED, GROUP_OPERATIONS } from "../authorized-operations.ts";
import type { Handler } from "../registry.ts";

interface DescribeGroupsRequest {
  groups: string[];
  includeAuthorizedOperations: boolean;
}

const EMPTY = new Uint8Array(0);

export const describeGroupsHandler: Handler<DescribeGroupsRequest> = {
  api: DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    const coordinator = ctx.broker.groups.coordinator;
    const ops = req.includeAuthorizedOperations ? GROUP_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED;
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((groupId) => {
        const idErr = groupIdError(groupId);
        const g = coordinator.get(groupId);
        if (idErr !== ErrorCode.NONE || !g) {
          return { errorCode: idErr, groupId, groupState: "Dead", protocolType: "", protocolData: "", members: [], authorizedOperations: ops };
        }
        const stable = g.state === "Stable";
        return {
          errorCode: ErrorCode.NONE,
          groupId,
          groupState: g.state,
          protocolType: g.protocolType ?? "",
          protocolData: stable ? (g.protocolName ?? "") : "",
          members: [...g.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: stable ? (m.protocols.find((p) => p.name === g.protocolName)?.metadata ?? EMPTY) : EMPTY,
            memberAssignment: stable ? m.assignment : EMPTY,
          })),
          authorizedOperations: ops,
        };
      }),
    };
  },
};

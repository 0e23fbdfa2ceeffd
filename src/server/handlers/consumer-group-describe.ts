/**
 * ConsumerGroupDescribe 0-1 (KIP-848): each consumer group's state, epochs, assignor and members
 * with their current and target assignments. A group that is not a consumer group answers
 * GROUP_ID_NOT_FOUND ("... is not a consumer group." / "... not found."), as Kafka 4.4. v1 adds the
 * member type (1 = consumer protocol; Takhin has no classic members in consumer groups).
 */
import { ConsumerGroupDescribe } from "../../protocol/messages/consumer-group-describe.ts";
import { AUTHORIZED_OPERATIONS_OMITTED, GROUP_OPERATIONS } from "../authorized-operations.ts";
import type { HandlerFor } from "../registry.ts";

const CONSUMER_MEMBER_TYPE = 1;

export const consumerGroupDescribeHandler: HandlerFor<typeof ConsumerGroupDescribe> = {
  api: ConsumerGroupDescribe,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const ops = req.includeAuthorizedOperations ? GROUP_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED;
    return {
      throttleTimeMs: 0,
      groups: req.groupIds.map((groupId) => {
        const d = ctx.broker.groups.consumerGroupDescribe(groupId);
        if (d.errorCode !== 0) {
          return { errorCode: d.errorCode, errorMessage: d.errorMessage, groupId, groupState: "", groupEpoch: 0, assignmentEpoch: 0, assignorName: "", members: [], authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
        }
        return {
          errorCode: 0,
          errorMessage: null,
          groupId,
          groupState: d.groupState,
          groupEpoch: d.groupEpoch,
          assignmentEpoch: d.assignmentEpoch,
          assignorName: d.assignorName,
          members: d.members.map((m) => ({
            memberId: m.memberId,
            instanceId: m.instanceId,
            rackId: m.rackId,
            memberEpoch: m.memberEpoch,
            clientId: m.clientId,
            clientHost: m.clientHost,
            subscribedTopicNames: m.subscribedTopicNames,
            subscribedTopicRegex: m.subscribedTopicRegex ?? "",
            assignment: { topicPartitions: m.assignment },
            targetAssignment: { topicPartitions: m.targetAssignment },
            memberType: CONSUMER_MEMBER_TYPE,
          })),
          authorizedOperations: ops,
        };
      }),
    };
  },
  errorResponse(req, _version, errorCode) {
    return {
      throttleTimeMs: 0,
      groups: req.groupIds.map((groupId) => ({ errorCode, errorMessage: null, groupId, groupState: "", groupEpoch: 0, assignmentEpoch: 0, assignorName: "", members: [], authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED })),
    };
  },
};

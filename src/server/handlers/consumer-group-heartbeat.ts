/**
 * ConsumerGroupHeartbeat 0-1 (KIP-848, group.protocol=consumer): joins, heartbeats and leaves of a
 * consumer group member, delegated to the group service (coordinator/consumer-group). v0: the
 * coordinator chooses the member id; v1: the client does, and may subscribe by regular expression.
 * An error answers a null member id and epoch 0, as Kafka.
 */
import { ConsumerGroupHeartbeat } from "../../protocol/messages/consumer-group-heartbeat.ts";
import type { HeartbeatResult } from "../../coordinator/consumer-group/group.ts";
import { toList } from "../../coordinator/consumer-group/assignment.ts";
import type { HandlerFor } from "../registry.ts";

function response(r: HeartbeatResult) {
  if (r.errorCode !== 0) {
    return { throttleTimeMs: 0, errorCode: r.errorCode, errorMessage: r.errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
  }
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    memberId: r.memberId,
    memberEpoch: r.memberEpoch,
    heartbeatIntervalMs: r.heartbeatIntervalMs,
    assignment: r.assignment ? { topicPartitions: toList(r.assignment) } : null,
  };
}

export const consumerGroupHeartbeatHandler: HandlerFor<typeof ConsumerGroupHeartbeat> = {
  api: ConsumerGroupHeartbeat,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req, version) {
    const r = await ctx.broker.groups.consumerGroupHeartbeat({
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      instanceId: req.instanceId,
      rackId: req.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      subscribedTopicNames: req.subscribedTopicNames,
      subscribedTopicRegex: version >= 1 ? req.subscribedTopicRegex : null,
      serverAssignor: req.serverAssignor,
      topicPartitions: req.topicPartitions,
      clientId: ctx.clientId ?? "",
      clientHost: `/${ctx.connection.remoteAddress}`,
      version,
    });
    return response(r);
  },
  errorResponse(_req, _version, errorCode) {
    return { throttleTimeMs: 0, errorCode, errorMessage: null, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
  },
};

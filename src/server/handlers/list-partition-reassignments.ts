/**
 * ListPartitionReassignments (46, v0): the reassignments in progress (metadata/reassignments.ts),
 * of every topic (null topics) or of the partitions named; unknown topics and partitions not being
 * reassigned are left out, as Kafka 4.4 answers. In a cluster it is forwarded to the active
 * controller (cluster-node.ts FORWARDED_APIS) as Kafka's brokers forward it, and read from its image.
 */
import { ongoingReassignments } from "../../metadata/reassignments.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { ListPartitionReassignments } from "../../protocol/messages/list-partition-reassignments.ts";
import type { Handler } from "../registry.ts";

interface Request {
  timeoutMs: number;
  topics: { name: string; partitionIndexes: number[] }[] | null;
}

export const listPartitionReassignmentsHandler: Handler<Request> = {
  api: ListPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const byTopic = new Map<string, { partitionIndex: number; replicas: number[]; addingReplicas: number[]; removingReplicas: number[] }[]>();
    for (const r of ongoingReassignments(ctx.broker.metadata.image, req.topics)) {
      let list = byTopic.get(r.topic);
      if (!list) byTopic.set(r.topic, (list = []));
      list.push({ partitionIndex: r.partition, replicas: [...r.replicas], addingReplicas: [...r.addingReplicas], removingReplicas: [...r.removingReplicas] });
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    };
  },
  errorResponse(_req, _version, errorCode) {
    return { throttleTimeMs: 0, errorCode, errorMessage: null, topics: [] };
  },
};

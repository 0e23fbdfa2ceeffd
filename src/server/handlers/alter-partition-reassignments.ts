/**
 * AlterPartitionReassignments (45, v0-1): starts, replaces or (null replicas) cancels partition
 * reassignments; the decisions are metadata/reassignments.ts, committed as one metadata batch. In a
 * cluster the request is forwarded to the active controller (cluster-node.ts FORWARDED_APIS), which
 * runs this handler on its image. As Kafka 4.4's controller, every partition is decided against the
 * image before the request (a partition named twice gets its first change; the later entry is
 * answered NONE), an empty topic list answers an empty (not null) top-level message, and TimeoutMs is
 * not waited on: the answer follows the commit, the data moves afterwards
 * (ListPartitionReassignments shows the progress).
 */
import { reassignPartition } from "../../metadata/reassignments.ts";
import type { MetadataRecord } from "../../metadata/records.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { AlterPartitionReassignments } from "../../protocol/messages/alter-partition-reassignments.ts";
import type { Handler } from "../registry.ts";

interface Request {
  timeoutMs: number;
  allowReplicationFactorChange: boolean;
  topics: { name: string; partitions: { partitionIndex: number; replicas: number[] | null }[] }[];
}

interface PartitionResult {
  partitionIndex: number;
  errorCode: number;
  errorMessage: string | null;
}

export const alterPartitionReassignmentsHandler: Handler<Request> = {
  api: AlterPartitionReassignments,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req, version) {
    const metadata = ctx.broker.metadata;
    const image = metadata.image;
    const allowRf = version < 1 || req.allowReplicationFactorChange;
    const records: MetadataRecord[] = [];
    const changed = new Set<string>();
    const responses = req.topics.map((t) => {
      const topic = image.topic(t.name);
      const partitions = t.partitions.map((p): PartitionResult => {
        if (!topic) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Unable to find a topic named ${t.name}.` };
        if (!topic.partitions[p.partitionIndex]) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Unable to find partition ${t.name}:${p.partitionIndex}.` };
        const d = reassignPartition(image, topic.id, p.partitionIndex, p.replicas, allowRf);
        if ("error" in d) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode[d.error], errorMessage: d.error === "NO_REASSIGNMENT_IN_PROGRESS" ? null : d.message };
        const key = `${topic.id}:${p.partitionIndex}`;
        if (d.record && !changed.has(key)) {
          changed.add(key);
          records.push(d.record);
        }
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null };
      });
      return { name: t.name, partitions };
    });
    if (records.length > 0) metadata.commit(records);
    return {
      throttleTimeMs: 0,
      allowReplicationFactorChange: allowRf,
      errorCode: ErrorCode.NONE,
      errorMessage: req.topics.length === 0 ? "" : null,
      responses,
    };
  },
  errorResponse(req, version, errorCode) {
    return {
      throttleTimeMs: 0,
      allowReplicationFactorChange: version < 1 || req.allowReplicationFactorChange,
      errorCode,
      errorMessage: null,
      responses: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode, errorMessage: null })) })),
    };
  },
};

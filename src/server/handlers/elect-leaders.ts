/**
 * ElectLeaders (43, v0-2): PREFERRED or UNCLEAN leader elections for the partitions named, or for
 * every partition when the list is null (then, as Kafka 4.4 answers, every topic is listed but the
 * partitions that needed no election are left out, so a balanced topic has an empty list). The decisions are metadata/elections.ts; the changes are committed as one
 * metadata batch. In a cluster the request is forwarded to the active controller (cluster-node.ts
 * FORWARDED_APIS), which runs this handler on its image. TimeoutMs is not waited on: the answer goes
 * out once the batch is committed, and every broker applies it from the log.
 * An election type other than 0/1 is INVALID_REQUEST at the top level (v1+; per partition in v0).
 */
import { aliveBrokers, ELECTION_PREFERRED, ELECTION_UNCLEAN, electLeader } from "../../metadata/elections.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { ElectLeaders } from "../../protocol/messages/elect-leaders.ts";
import type { Handler } from "../registry.ts";

interface ElectLeadersRequest {
  electionType: number;
  topicPartitions: { topic: string; partitions: number[] }[] | null;
  timeoutMs: number;
}

interface PartitionResult {
  partitionId: number;
  errorCode: number;
  errorMessage: string | null;
}

export const electLeadersHandler: Handler<ElectLeadersRequest> = {
  api: ElectLeaders,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req, version) {
    const type = version === 0 ? ELECTION_PREFERRED : req.electionType;
    const metadata = ctx.broker.metadata;
    const image = metadata.image;
    if (type !== ELECTION_PREFERRED && type !== ELECTION_UNCLEAN) {
      const message = `unknown election type ${type} (0 PREFERRED, 1 UNCLEAN)`;
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.INVALID_REQUEST,
        replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({ topic: t.topic, partitionResult: t.partitions.map((p) => ({ partitionId: p, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: message })) })),
      };
    }
    const all = req.topicPartitions === null;
    const asked = req.topicPartitions ?? [...image.topicsByName.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((t) => ({ topic: t.name, partitions: t.partitions.map((_, i) => i) }));
    const alive = aliveBrokers(image);
    const byTopic = new Map<string, PartitionResult[]>();
    for (const t of asked) {
      const topic = image.topic(t.topic);
      const results = byTopic.get(t.topic) ?? [];
      byTopic.set(t.topic, results);
      for (const id of t.partitions) {
        const p = topic?.partitions[id];
        if (!topic || !p) {
          results.push({ partitionId: id, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: topic ? `topic ${t.topic} has no partition ${id}` : `no topic ${t.topic}` });
          continue;
        }
        const o = electLeader(p, type, alive);
        if ("error" in o) {
          if (!(all && o.error === "ELECTION_NOT_NEEDED")) results.push({ partitionId: id, errorCode: ErrorCode[o.error], errorMessage: o.message });
          continue;
        }
        metadata.changePartition(topic.id, id, o.isr === null ? { leader: o.leader } : { leader: o.leader, isr: [...o.isr] });
        results.push({ partitionId: id, errorCode: ErrorCode.NONE, errorMessage: null });
      }
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      replicaElectionResults: [...byTopic].map(([topic, partitionResult]) => ({ topic, partitionResult })),
    };
  },
  // The error on every partition asked (v0 has no top-level error code) and at the top.
  errorResponse(req, _version, errorCode) {
    return {
      throttleTimeMs: 0,
      errorCode,
      replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({ topic: t.topic, partitionResult: t.partitions.map((p) => ({ partitionId: p, errorCode, errorMessage: null })) })),
    };
  },
};

/**
 * Small builders for the steps the corpus repeats (create a topic and wait until its leaders are
 * known, produce one batch, fetch one partition). They only return data (scenario.ts); the names
 * and values they take are template strings (template.ts).
 */
import type { RequestStep, Step } from "../scenario.ts";
import type { BatchSpec } from "../template.ts";

export const ZERO_UUID = "AAAAAAAAAAAAAAAAAAAAAA";

export function createTopic(name = "${topic}", partitions = 1, configs: Record<string, string> = {}): RequestStep {
  return {
    api: "CreateTopics",
    version: 7,
    compare: false,
    body: {
      topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
      timeoutMs: 30_000,
      validateOnly: false,
    },
  };
}

/**
 * Metadata until the topic's last partition answers without error (Kafka's brokers learn of a new
 * topic asynchronously); captures the topic id as `captureId` when given.
 */
export function awaitTopic(name = "${topic}", partitions = 1, captureId?: string): RequestStep {
  return {
    api: "Metadata",
    version: 12,
    compare: false,
    body: { topics: [{ topicId: ZERO_UUID, name }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false },
    until: { path: `topics[0].partitions[${partitions - 1}].errorCode`, equals: 0 },
    ...(captureId ? { capture: { [captureId]: "topics[0].topicId" } } : {}),
  };
}

/**
 * ListOffsets until every partition answers without error: Kafka's Metadata can name a leader a
 * moment before that broker serves the partition (NOT_LEADER_OR_FOLLOWER meanwhile).
 */
export function awaitPartitions(name = "${topic}", partitions = 1): RequestStep {
  const ids = Array.from({ length: partitions }, (_, i) => i);
  return {
    api: "ListOffsets",
    version: 7,
    compare: false,
    body: { replicaId: -1, isolationLevel: 0, topics: [{ name, partitions: ids.map((p) => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp: -1n })) }] },
    until: { path: ids.map((p) => `topics[0].partitions[${p}].errorCode`), equals: 0 },
  };
}

/** A topic ready for produce and fetch on both brokers. */
export function topic(name = "${topic}", partitions = 1, configs: Record<string, string> = {}, captureId?: string): Step[] {
  return [createTopic(name, partitions, configs), awaitTopic(name, partitions, captureId), awaitPartitions(name, partitions)];
}

export function produceBody(topicName: string, partition: number, records: unknown, acks = -1): unknown {
  return { transactionalId: null, acks, timeoutMs: 10_000, topicData: [{ name: topicName, partitionData: [{ index: partition, records }] }] };
}

export function produce(batch: BatchSpec | null, opts: { topic?: string; partition?: number; version?: number; acks?: number; label?: string; compare?: boolean } = {}): RequestStep {
  return {
    api: "Produce",
    version: opts.version ?? 9,
    body: produceBody(opts.topic ?? "${topic}", opts.partition ?? 0, batch === null ? null : { $batch: batch }, opts.acks ?? -1),
    ...(opts.label ? { label: opts.label } : {}),
    ...(opts.compare === false ? { compare: false } : {}),
  };
}

export function fetchBody(version: number, topicName: string, partition: number, offset: number, opts: { topicIdVar?: string; maxWaitMs?: number; isolationLevel?: number } = {}): unknown {
  return {
    clusterId: null,
    replicaId: -1,
    replicaState: { replicaId: -1, replicaEpoch: -1n },
    maxWaitMs: opts.maxWaitMs ?? 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: opts.isolationLevel ?? 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{
      topic: topicName,
      topicId: version >= 13 ? `\${${opts.topicIdVar ?? "topicId"}}` : ZERO_UUID,
      partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: { $bigint: String(offset) }, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }],
    }],
    forgottenTopicsData: [],
    rackId: "",
  };
}

export function fetch(version: number, offset = 0, opts: { topic?: string; partition?: number; topicIdVar?: string; label?: string; maxWaitMs?: number } = {}): RequestStep {
  return {
    api: "Fetch",
    version,
    body: fetchBody(version, opts.topic ?? "${topic}", opts.partition ?? 0, offset, opts),
    ...(opts.label ? { label: opts.label } : {}),
  };
}

export function listOffsets(version: number, timestamp: unknown, opts: { topic?: string; partition?: number; label?: string; isolationLevel?: number } = {}): RequestStep {
  return {
    api: "ListOffsets",
    version,
    body: {
      replicaId: -1,
      isolationLevel: opts.isolationLevel ?? 0,
      topics: [{ name: opts.topic ?? "${topic}", partitions: [{ partitionIndex: opts.partition ?? 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }],
    },
    ...(opts.label ? { label: opts.label } : {}),
  };
}

export function metadata(version: number, topics: string[] | null, opts: { autoCreate?: boolean; label?: string; own?: string[] } = {}): RequestStep {
  return {
    api: "Metadata",
    version,
    body: {
      topics: topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })),
      allowAutoTopicCreation: opts.autoCreate ?? false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    },
    ...(opts.label ? { label: opts.label } : {}),
    ...(opts.own ? { own: opts.own } : {}),
  };
}

/** DescribeConfigs of one resource (2 = topic, 4 = broker). */
export function describeConfigs(version: number, resourceType: number, resourceName: string, keys: string[] | null, opts: { synonyms?: boolean; label?: string } = {}): RequestStep {
  return {
    api: "DescribeConfigs",
    version,
    body: { resources: [{ resourceType, resourceName, configurationKeys: keys }], includeSynonyms: opts.synonyms ?? true, includeDocumentation: false },
    ...(opts.label ? { label: opts.label } : {}),
  };
}

/**
 * DescribeConfigs until the topic's config `key` has `value`: Kafka applies an alteration on its
 * controller and the broker learns of it asynchronously, so a describe right after the answer
 * can still show the old value.
 */
export function awaitConfig(key: string, value: string | null, topicName = "${topic}"): RequestStep {
  return {
    api: "DescribeConfigs",
    version: 4,
    compare: false,
    body: { resources: [{ resourceType: 2, resourceName: topicName, configurationKeys: [key] }], includeSynonyms: false, includeDocumentation: false },
    until: { path: "results[0].configs[0].value", equals: value },
  };
}

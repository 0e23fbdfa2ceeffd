/**
 * Corpus: ApiVersions, Metadata, CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs,
 * AlterConfigs and IncrementalAlterConfigs, DescribeCluster, FindCoordinator, unsupported versions,
 * AlterPartitionReassignments / ListPartitionReassignments refusals.
 */
import type { Scenario } from "../scenario.ts";
import { awaitConfig, awaitPartitions, awaitTopic, createTopic, describeConfigs, metadata, topic, ZERO_UUID } from "./steps.ts";

const TOPIC = 2;
const BROKER = 4;

function createBody(topics: unknown[], validateOnly = false): unknown {
  return { topics, timeoutMs: 30_000, validateOnly };
}
function newTopic(name: unknown, numPartitions = 1, replicationFactor = 1, configs: Record<string, string> = {}, assignments: unknown[] = []): unknown {
  return { name, numPartitions, replicationFactor, assignments, configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) };
}

/** Broker configs both brokers have and whose defaults do not depend on the machine or the launcher. */
const BROKER_KEYS = [
  "log.retention.hours", "log.retention.ms", "log.retention.bytes", "log.segment.bytes", "log.cleanup.policy",
  "message.max.bytes", "num.partitions", "default.replication.factor", "auto.create.topics.enable",
  "compression.type", "min.insync.replicas", "offsets.retention.minutes", "offsets.topic.num.partitions",
  "group.initial.rebalance.delay.ms", "group.min.session.timeout.ms", "group.max.session.timeout.ms",
  "log.message.timestamp.type", "unclean.leader.election.enable", "no.such.broker.config",
];

/** Bodies for the unsupported-version scenarios: each names the scenario's topic or group. */
const UNSUPPORTED_BODIES: Record<string, unknown> = {
  Metadata: { topics: [{ topicId: ZERO_UUID, name: "${topic}" }], allowAutoTopicCreation: false },
  Produce: { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: "${topic}", partitionData: [{ index: 0, records: { $batch: { records: 1 } } }] }] },
  Fetch: { replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, topics: [{ topic: "${topic}", partitions: [{ partition: 0, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }] },
  ListOffsets: { replicaId: -1, topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0, timestamp: -1n, maxNumOffsets: 1 }] }] },
  JoinGroup: { groupId: "${group}", sessionTimeoutMs: 10_000, memberId: "", protocolType: "consumer", protocols: [{ name: "range", metadata: new Uint8Array(0) }] },
  OffsetCommit: { groupId: "${group}", generationIdOrMemberEpoch: -1, memberId: "", retentionTimeMs: -1n, topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: "" }] }] },
  OffsetFetch: { groupId: "${group}", topics: [{ name: "${topic}", partitionIndexes: [0] }] },
  DescribeConfigs: { resources: [{ resourceType: 2, resourceName: "${topic}", configurationKeys: ["retention.ms"] }] },
  CreateTopics: { topics: [{ name: "${topic2}", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: true },
};

export const ADMIN: Scenario[] = [
  // ---- ApiVersions
  ...[0, 1, 2, 3, 4].map((v): Scenario => ({
    name: `api-versions-v${v}`,
    steps: [{ api: "ApiVersions", version: v, body: { clientSoftwareName: "takhin-differential", clientSoftwareVersion: "1.0" } }],
  })),
  ...[6, 99].map((v): Scenario => ({
    // An ApiVersions request of a version the broker does not know (with the flexible header v2 a
    // client of that version would send): a v0 answer with error 35.
    name: `api-versions-unsupported-v${v}`,
    steps: [{ api: "ApiVersions", version: 3, headerVersion: v, decodeVersion: 0, body: { clientSoftwareName: "x", clientSoftwareVersion: "1" } }],
  })),
  {
    // The same with a non-flexible header v1 (no tagged fields after client_id).
    name: "api-versions-unsupported-v99-header-v1",
    steps: [{ api: "ApiVersions", version: 0, headerVersion: 99, decodeVersion: 0, body: {} }],
  },
  {
    name: "api-versions-bad-client-software-name",
    steps: [{ api: "ApiVersions", version: 3, body: { clientSoftwareName: "bad name!", clientSoftwareVersion: "1.0" } }],
  },
  // ---- unsupported versions of other APIs
  ...[
    ["Metadata", 99, 12], ["Produce", 2, 2], ["Fetch", 3, 4], ["ListOffsets", 0, 0], ["JoinGroup", 0, 0], ["OffsetCommit", 1, 2], ["OffsetFetch", 0, 1], ["DescribeConfigs", 0, 0], ["CreateTopics", 1, 1],
  ].map(([api, header, body]): Scenario => ({
    name: `unsupported-version-${String(api)}-v${header}`,
    steps: [
      ...topic(),
      // JoinGroup answers only after the initial rebalance delay (3 s).
      { api: api as string, version: body as number, headerVersion: header as number, timeoutMs: api === "JoinGroup" ? 15_000 : 3000, body: UNSUPPORTED_BODIES[api as string] },
      // The connection (or a new one, if the broker closed it) still serves.
      { api: "ApiVersions", version: 3, label: "after", body: { clientSoftwareName: "x", clientSoftwareVersion: "1" }, ignore: ["apiKeys", "supportedFeatures", "finalizedFeatures", "finalizedFeaturesEpoch", "zkMigrationReady"] },
    ],
  })),

  // ---- Metadata
  ...[0, 1, 4, 7, 9, 12].map((v): Scenario => ({
    name: `metadata-topic-v${v}`,
    steps: [...topic("${topic}", 3), metadata(v, ["${topic}"])],
  })),
  ...[1, 9, 12].map((v): Scenario => ({
    name: `metadata-all-topics-v${v}`,
    steps: [...topic("${topic}", 2), ...topic("${topic2}", 1), metadata(v, null, { own: ["topics"] })],
  })),
  ...[4, 12].map((v): Scenario => ({
    name: `metadata-unknown-topic-v${v}`,
    steps: [metadata(v, ["${topic}"], { autoCreate: false })],
  })),
  ...[4, 9, 12].map((v): Scenario => ({
    // Metadata with allowAutoTopicCreation creates the topic (auto.create.topics.enable on both).
    name: `metadata-auto-create-v${v}`,
    steps: [metadata(v, ["${topic}"], { autoCreate: true, label: "first" }), awaitTopic(), metadata(v, ["${topic}"], { label: "then" })],
  })),
  ...[4, 12].map((v): Scenario => ({
    name: `metadata-invalid-topic-names-v${v}`,
    steps: [metadata(v, ["bad name!", "${prefix}x/y", ".", "..", "${prefix}" + "a".repeat(250)], { autoCreate: true })],
  })),
  {
    name: "metadata-authorized-operations",
    steps: [...topic(), { ...metadata(10, ["${topic}"]), body: { topics: [{ topicId: ZERO_UUID, name: "${topic}" }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true } }],
  },
  {
    name: "describe-configs-documentation",
    steps: [...topic(), { ...describeConfigs(4, TOPIC, "${topic}", ["retention.ms", "cleanup.policy"]), body: { resources: [{ resourceType: TOPIC, resourceName: "${topic}", configurationKeys: ["retention.ms", "cleanup.policy"] }], includeSynonyms: false, includeDocumentation: true } }],
  },
  {
    name: "metadata-internal-topic",
    steps: [{ ...metadata(12, ["__consumer_offsets"]), ignore: ["topics[name=__consumer_offsets].partitions[partitionIndex=*].leaderEpoch"] }],
  },
  {
    name: "broker-configs-alter-validate-only",
    steps: [
      { api: "IncrementalAlterConfigs", version: 1, label: "cluster-default", body: { resources: [{ resourceType: BROKER, resourceName: "", configs: [{ name: "log.retention.ms", configOperation: 0, value: "1234" }] }], validateOnly: true } },
      { api: "IncrementalAlterConfigs", version: 1, label: "this-broker", body: { resources: [{ resourceType: BROKER, resourceName: "${nodeIdString}", configs: [{ name: "log.retention.ms", configOperation: 0, value: "1234" }] }], validateOnly: true } },
      { api: "IncrementalAlterConfigs", version: 1, label: "read-only-key", body: { resources: [{ resourceType: BROKER, resourceName: "${nodeIdString}", configs: [{ name: "broker.id", configOperation: 0, value: "7" }] }], validateOnly: true } },
      { api: "AlterConfigs", version: 2, label: "legacy-this-broker", body: { resources: [{ resourceType: BROKER, resourceName: "${nodeIdString}", configs: [{ name: "log.retention.ms", value: "1234" }] }], validateOnly: true } },
      describeConfigs(4, 8, "${nodeIdString}", ["root"], { label: "broker-logger" }),
    ],
  },
  {
    // Administration of an internal topic (validate_only or no-op, so neither broker's offsets topic changes).
    name: "internal-topic-administration",
    steps: [
      { api: "CreatePartitions", version: 3, label: "create-partitions", body: { topics: [{ name: "__consumer_offsets", count: 60, assignments: null }], timeoutMs: 30_000, validateOnly: true } },
      { api: "IncrementalAlterConfigs", version: 1, label: "alter-configs", body: { resources: [{ resourceType: TOPIC, resourceName: "__consumer_offsets", configs: [{ name: "retention.ms", configOperation: 0, value: "1000" }] }], validateOnly: true } },
      { api: "DeleteRecords", version: 2, label: "delete-records-noop", body: { topics: [{ name: "__consumer_offsets", partitions: [{ partitionIndex: 0, offset: 0n }] }], timeoutMs: 10_000 } },
      { ...describeConfigs(4, TOPIC, "__consumer_offsets", ["cleanup.policy", "segment.bytes", "compression.type"], { label: "describe" }) },
    ],
  },
  {
    name: "metadata-empty-topic-list",
    steps: [metadata(12, [])],
  },
  {
    name: "metadata-by-unknown-topic-id",
    steps: [{ api: "Metadata", version: 12, body: { topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAQ", name: null }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false } }],
  },

  // ---- CreateTopics
  ...[2, 4, 5, 7].map((v): Scenario => ({
    name: `create-topics-v${v}`,
    steps: [
      { api: "CreateTopics", version: v, body: createBody([newTopic("${topic}", 3)]) },
      awaitTopic("${topic}", 3),
      metadata(12, ["${topic}"]),
    ],
  })),
  ...[5, 7].map((v): Scenario => ({
    // numPartitions/replicationFactor -1 take the broker defaults (v4+); the answer lists every config.
    name: `create-topics-defaults-and-configs-v${v}`,
    steps: [
      { api: "CreateTopics", version: v, body: createBody([newTopic("${topic}", -1, -1, { "retention.ms": "3600000", "cleanup.policy": "compact", "max.message.bytes": "2000" })]) },
      awaitTopic(),
    ],
  })),
  {
    name: "create-topics-already-exists",
    steps: [createTopic(), awaitTopic(), { api: "CreateTopics", version: 7, body: createBody([newTopic("${topic}", 1)]) }],
  },
  ...[1, 7].map((v): Scenario => ({
    name: `create-topics-invalid-names-v${v}`,
    steps: [{
      api: "CreateTopics",
      version: v,
      body: createBody([newTopic("bad name!"), newTopic(""), newTopic("."), newTopic(".."), newTopic({ $repeat: "a", n: 250 }), newTopic("${prefix}a/b"), newTopic("${prefix}ok.name_-1")], true),
    }],
  })),
  {
    // 249 characters is the longest valid name; the internal topics' names are taken.
    name: "create-topics-name-limits-and-internal",
    steps: [{
      api: "CreateTopics",
      version: 7,
      body: createBody([newTopic({ $repeat: "b", n: 249 }), newTopic("__consumer_offsets"), newTopic("${prefix}with.dot"), newTopic("${prefix}with_underscore")], true),
    }],
  },
  {
    name: "create-topics-duplicate-in-request",
    steps: [{ api: "CreateTopics", version: 7, body: createBody([newTopic("${topic}"), newTopic("${topic}")]) }],
  },
  {
    name: "create-topics-bad-counts",
    steps: [{
      api: "CreateTopics",
      version: 7,
      body: createBody([newTopic("${prefix}p0", 0), newTopic("${prefix}pneg", -5), newTopic("${prefix}rf0", 1, 0), newTopic("${prefix}rf3", 1, 3), newTopic("${prefix}rfneg", 1, -2)], true),
    }],
  },
  {
    name: "create-topics-assignments",
    steps: [{
      api: "CreateTopics",
      version: 7,
      body: createBody([
        newTopic("${prefix}good", -1, -1, {}, [{ partitionIndex: 0, brokerIds: ["${nodeId}"] }, { partitionIndex: 1, brokerIds: ["${nodeId}"] }]),
        newTopic("${prefix}badbroker", -1, -1, {}, [{ partitionIndex: 0, brokerIds: [99] }]),
        newTopic("${prefix}gap", -1, -1, {}, [{ partitionIndex: 0, brokerIds: ["${nodeId}"] }, { partitionIndex: 2, brokerIds: ["${nodeId}"] }]),
        newTopic("${prefix}both", 2, -1, {}, [{ partitionIndex: 0, brokerIds: ["${nodeId}"] }]),
      ], true),
    }],
  },
  ...[1, 5, 7].map((v): Scenario => ({
    name: `create-topics-validate-only-v${v}`,
    steps: [{ api: "CreateTopics", version: v, body: createBody([newTopic("${topic}", 2, 1, { "retention.ms": "1000" })], true) }, metadata(12, ["${topic}"])],
  })),
  ...[
    ["cleanup-policy", { "cleanup.policy": "bogus" }], ["retention-not-number", { "retention.ms": "abc" }], ["unknown-name", { "no.such.config": "1" }],
    ["max-message-bytes-negative", { "max.message.bytes": "-1" }], ["compression", { "compression.type": "brotli" }], ["timestamp-type", { "message.timestamp.type": "Wallclock" }],
    ["min-isr-zero", { "min.insync.replicas": "0" }], ["segment-bytes-tiny", { "segment.bytes": "10" }], ["bool", { "unclean.leader.election.enable": "maybe" }],
    ["null-value", { "retention.ms": null }], ["min-isr-above-rf", { "min.insync.replicas": "3" }], ["retention-negative-two", { "retention.ms": "-2" }],
  ].map(([what, configs]): Scenario => ({
    name: `create-topics-validate-only-bad-config-${what as string}`,
    steps: [{ api: "CreateTopics", version: 7, body: createBody([newTopic("${topic}", 1, 1, configs as Record<string, string>)], true) }],
  })),

  // ---- DeleteTopics
  ...[1, 4, 5, 6].map((v): Scenario => ({
    name: `delete-topics-v${v}`,
    steps: [
      ...topic(),
      { api: "DeleteTopics", version: v, body: { topics: [{ name: "${topic}", topicId: ZERO_UUID }], topicNames: ["${topic}"], timeoutMs: 30_000 } },
      { api: "DeleteTopics", version: v, label: "again", body: { topics: [{ name: "${topic}", topicId: ZERO_UUID }], topicNames: ["${topic}"], timeoutMs: 30_000 } },
      { ...metadata(12, ["${topic}"]), until: { path: "topics[0].errorCode", equals: 3, tries: 50 } },
    ],
  })),
  {
    name: "delete-topics-unknown-topic-id",
    steps: [{ api: "DeleteTopics", version: 6, body: { topics: [{ name: null, topicId: "AAAAAAAAAAAAAAAAAAAAAQ" }], timeoutMs: 30_000 } }],
  },
  {
    name: "delete-topics-invalid-name",
    steps: [{ api: "DeleteTopics", version: 4, body: { topicNames: ["bad name!", ""], timeoutMs: 30_000 } }],
  },

  // ---- CreatePartitions
  ...[0, 1, 2, 3].map((v): Scenario => ({
    name: `create-partitions-v${v}`,
    steps: [
      ...topic(),
      { api: "CreatePartitions", version: v, body: { topics: [{ name: "${topic}", count: 3, assignments: null }], timeoutMs: 30_000, validateOnly: false } },
      awaitTopic("${topic}", 3),
      awaitPartitions("${topic}", 3),
      metadata(12, ["${topic}"]),
    ],
  })),
  {
    name: "create-partitions-bad-counts",
    steps: [
      ...topic("${topic}", 2),
      { api: "CreatePartitions", version: 3, label: "same", body: { topics: [{ name: "${topic}", count: 2, assignments: null }], timeoutMs: 30_000, validateOnly: false } },
      { api: "CreatePartitions", version: 3, label: "fewer", body: { topics: [{ name: "${topic}", count: 1, assignments: null }], timeoutMs: 30_000, validateOnly: false } },
      { api: "CreatePartitions", version: 3, label: "zero", body: { topics: [{ name: "${topic}", count: 0, assignments: null }], timeoutMs: 30_000, validateOnly: false } },
      { api: "CreatePartitions", version: 3, label: "negative", body: { topics: [{ name: "${topic}", count: -1, assignments: null }], timeoutMs: 30_000, validateOnly: false } },
      { api: "CreatePartitions", version: 3, label: "bad-assignment", body: { topics: [{ name: "${topic}", count: 3, assignments: [{ brokerIds: [99] }] }], timeoutMs: 30_000, validateOnly: false } },
      { api: "CreatePartitions", version: 3, label: "assignment-count", body: { topics: [{ name: "${topic}", count: 4, assignments: [{ brokerIds: ["${nodeId}"] }] }], timeoutMs: 30_000, validateOnly: false } },
      metadata(12, ["${topic}"]),
    ],
  },
  {
    name: "create-partitions-unknown-and-duplicate",
    steps: [
      { api: "CreatePartitions", version: 3, label: "unknown", body: { topics: [{ name: "${topic}", count: 3, assignments: null }], timeoutMs: 30_000, validateOnly: false } },
      ...topic("${topic2}"),
      { api: "CreatePartitions", version: 3, label: "duplicate", body: { topics: [{ name: "${topic2}", count: 3, assignments: null }, { name: "${topic2}", count: 4, assignments: null }], timeoutMs: 30_000, validateOnly: false } },
    ],
  },
  {
    name: "create-partitions-validate-only",
    steps: [
      ...topic(),
      { api: "CreatePartitions", version: 3, body: { topics: [{ name: "${topic}", count: 5, assignments: null }], timeoutMs: 30_000, validateOnly: true } },
      metadata(12, ["${topic}"]),
    ],
  },

  // ---- DescribeConfigs
  ...[1, 2, 3, 4].map((v): Scenario => ({
    name: `describe-configs-topic-all-v${v}`,
    steps: [...topic("${topic}", 1, { "retention.ms": "3600000", "cleanup.policy": "compact" }), describeConfigs(v, TOPIC, "${topic}", null)],
  })),
  {
    name: "describe-configs-topic-keys-no-synonyms",
    steps: [...topic("${topic}", 1, { "retention.ms": "3600000" }), describeConfigs(4, TOPIC, "${topic}", ["retention.ms", "segment.bytes", "no.such.config"], { synonyms: false })],
  },
  ...[1, 4].map((v): Scenario => ({
    name: `describe-configs-broker-keys-v${v}`,
    steps: [describeConfigs(v, BROKER, "${nodeIdString}", BROKER_KEYS)],
  })),
  {
    name: "describe-configs-bad-resources",
    steps: [
      describeConfigs(4, TOPIC, "${topic}", null, { label: "unknown-topic" }),
      describeConfigs(4, TOPIC, "bad name!", null, { label: "invalid-topic" }),
      describeConfigs(4, BROKER, "99", ["num.partitions"], { label: "other-broker" }),
      describeConfigs(4, BROKER, "abc", ["num.partitions"], { label: "broker-not-a-number" }),
      describeConfigs(4, 99, "x", null, { label: "unknown-resource-type" }),
    ],
  },

  // ---- IncrementalAlterConfigs and AlterConfigs
  ...[0, 1].map((v): Scenario => ({
    name: `incremental-alter-configs-set-delete-v${v}`,
    steps: [
      ...topic(),
      { api: "IncrementalAlterConfigs", version: v, label: "set", body: { resources: [{ resourceType: TOPIC, resourceName: "${topic}", configs: [{ name: "retention.ms", configOperation: 0, value: "1234" }, { name: "cleanup.policy", configOperation: 0, value: "compact" }] }], validateOnly: false } },
      awaitConfig("retention.ms", "1234"),
      awaitConfig("cleanup.policy", "compact"),
      describeConfigs(4, TOPIC, "${topic}", ["retention.ms", "cleanup.policy"], { label: "after-set" }),
      { api: "IncrementalAlterConfigs", version: v, label: "append", body: { resources: [{ resourceType: TOPIC, resourceName: "${topic}", configs: [{ name: "cleanup.policy", configOperation: 2, value: "delete" }] }], validateOnly: false } },
      awaitConfig("cleanup.policy", "compact,delete"),
      describeConfigs(4, TOPIC, "${topic}", ["cleanup.policy"], { label: "after-append" }),
      { api: "IncrementalAlterConfigs", version: v, label: "subtract", body: { resources: [{ resourceType: TOPIC, resourceName: "${topic}", configs: [{ name: "cleanup.policy", configOperation: 3, value: "compact" }] }], validateOnly: false } },
      { api: "IncrementalAlterConfigs", version: v, label: "delete", body: { resources: [{ resourceType: TOPIC, resourceName: "${topic}", configs: [{ name: "retention.ms", configOperation: 1, value: null }] }], validateOnly: false } },
      awaitConfig("retention.ms", "604800000"),
      awaitConfig("cleanup.policy", "delete"),
      describeConfigs(4, TOPIC, "${topic}", ["retention.ms", "cleanup.policy"], { label: "after-delete" }),
    ],
  })),
  ...[
    ["retention-not-number", "retention.ms", 0, "abc"], ["cleanup-policy", "cleanup.policy", 0, "bogus"], ["unknown-name", "no.such.config", 0, "1"],
    ["bad-operation", "retention.ms", 9, "1"], ["append-non-list", "retention.ms", 2, "5"], ["compression", "compression.type", 0, "brotli"],
    ["set-null", "retention.ms", 0, null], ["min-isr-zero", "min.insync.replicas", 0, "0"],
  ].map(([what, name, op, value]): Scenario => ({
    name: `incremental-alter-configs-bad-${what as string}`,
    steps: [
      ...topic(),
      { api: "IncrementalAlterConfigs", version: 1, body: { resources: [{ resourceType: TOPIC, resourceName: "${topic}", configs: [{ name, configOperation: op, value }] }], validateOnly: false } },
      describeConfigs(4, TOPIC, "${topic}", [name as string], { label: "unchanged", synonyms: false }),
    ],
  })),
  {
    name: "incremental-alter-configs-unknown-topic-and-validate-only",
    steps: [
      ...topic("${topic2}"),
      { api: "IncrementalAlterConfigs", version: 1, label: "unknown", body: { resources: [{ resourceType: TOPIC, resourceName: "${topic}", configs: [{ name: "retention.ms", configOperation: 0, value: "1" }] }], validateOnly: false } },
      { api: "IncrementalAlterConfigs", version: 1, label: "validate", body: { resources: [{ resourceType: TOPIC, resourceName: "${topic2}", configs: [{ name: "retention.ms", configOperation: 0, value: "777" }] }], validateOnly: true } },
      describeConfigs(4, TOPIC, "${topic2}", ["retention.ms"], { label: "unchanged", synonyms: false }),
      { api: "IncrementalAlterConfigs", version: 1, label: "duplicate-key", body: { resources: [{ resourceType: TOPIC, resourceName: "${topic2}", configs: [{ name: "retention.ms", configOperation: 0, value: "1" }, { name: "retention.ms", configOperation: 1, value: null }] }], validateOnly: false } },
    ],
  },
  ...[0, 1, 2].map((v): Scenario => ({
    name: `alter-configs-v${v}`,
    steps: [
      ...topic("${topic}", 1, { "cleanup.policy": "compact" }),
      // AlterConfigs replaces the whole set: cleanup.policy goes back to its default.
      { api: "AlterConfigs", version: v, body: { resources: [{ resourceType: TOPIC, resourceName: "${topic}", configs: [{ name: "retention.ms", value: "4321" }] }], validateOnly: false } },
      awaitConfig("retention.ms", "4321"),
      awaitConfig("cleanup.policy", "delete"),
      describeConfigs(4, TOPIC, "${topic}", ["retention.ms", "cleanup.policy"], { label: "after" }),
      { api: "AlterConfigs", version: v, label: "bad", body: { resources: [{ resourceType: TOPIC, resourceName: "${topic}", configs: [{ name: "retention.ms", value: "x" }] }], validateOnly: false } },
    ],
  })),

  // ---- cluster and coordinators
  ...[0, 1].map((v): Scenario => ({
    name: `describe-cluster-v${v}`,
    steps: [{ api: "DescribeCluster", version: v, body: { includeClusterAuthorizedOperations: false, endpointType: 1 } }],
  })),
  {
    name: "describe-cluster-controller-endpoints",
    steps: [{ api: "DescribeCluster", version: 1, body: { includeClusterAuthorizedOperations: false, endpointType: 2 } }, { api: "DescribeCluster", version: 1, label: "bad-type", body: { includeClusterAuthorizedOperations: false, endpointType: 9 } }],
  },
  ...[0, 1].map((v): Scenario => ({
    // SASL on a PLAINTEXT listener.
    name: `sasl-handshake-v${v}`,
    steps: [{ api: "SaslHandshake", version: v, timeoutMs: 3000, body: { mechanism: "PLAIN" } }],
  })),
  ...[0, 1, 3, 4, 6].map((v): Scenario => ({
    name: `find-coordinator-group-v${v}`,
    steps: [{ api: "FindCoordinator", version: v, body: { key: "${group}", keyType: 0, coordinatorKeys: ["${group}", "${group}2"] } }],
  })),
  {
    name: "find-coordinator-bad-key-type",
    steps: [{ api: "FindCoordinator", version: 4, body: { keyType: 7, coordinatorKeys: ["${group}"] } }],
  },
  // ---- AlterPartitionReassignments (45) / ListPartitionReassignments (46) on one broker (node 1)
  ...[0, 1].map((v): Scenario => ({
    name: `alter-partition-reassignments-v${v}-refusals`,
    steps: [
      ...topic(),
      {
        api: "AlterPartitionReassignments",
        version: v,
        body: {
          timeoutMs: 10_000,
          allowReplicationFactorChange: v === 0,
          topics: [
            { name: "${topic}", partitions: [{ partitionIndex: 9, replicas: [1] }, { partitionIndex: 0, replicas: [] }] },
            { name: "${topic2}", partitions: [{ partitionIndex: 0, replicas: [1] }] },
          ],
        },
      },
      { api: "AlterPartitionReassignments", version: v, body: { timeoutMs: 10_000, allowReplicationFactorChange: true, topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0, replicas: [1, 1] }] }] } },
      { api: "AlterPartitionReassignments", version: v, body: { timeoutMs: 10_000, allowReplicationFactorChange: true, topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0, replicas: [1, 7] }] }] } },
      { api: "AlterPartitionReassignments", version: v, body: { timeoutMs: 10_000, allowReplicationFactorChange: true, topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0, replicas: [7, 7] }] }] } },
      { api: "AlterPartitionReassignments", version: v, body: { timeoutMs: 10_000, allowReplicationFactorChange: true, topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0, replicas: null }] }] } },
      // The same replicas: nothing to move, NONE; an empty request.
      { api: "AlterPartitionReassignments", version: v, body: { timeoutMs: 10_000, allowReplicationFactorChange: true, topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0, replicas: [1] }] }] } },
      { api: "AlterPartitionReassignments", version: v, body: { timeoutMs: 10_000, allowReplicationFactorChange: true, topics: [] } },
    ],
  })),
  {
    name: "alter-partition-reassignments-v1-replication-factor-change-refused",
    steps: [
      ...topic(),
      { api: "AlterPartitionReassignments", version: 1, body: { timeoutMs: 10_000, allowReplicationFactorChange: false, topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0, replicas: [1, 7] }] }] } },
    ],
  },
  {
    name: "list-partition-reassignments",
    steps: [
      ...topic(),
      { api: "ListPartitionReassignments", version: 0, body: { timeoutMs: 10_000, topics: [{ name: "${topic}", partitionIndexes: [0, 5] }, { name: "${topic2}", partitionIndexes: [0] }] } },
    ],
  },
];

export { BROKER, TOPIC };

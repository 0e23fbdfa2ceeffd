/**
 * The known differences between Apache Kafka 4.4 and Takhin that the differential suite accepts,
 * each with its verdict and reason; docs/compatibility.md is written from this list
 * (`bun test/differential/report.ts --doc`). A difference matches an entry when its scenario and
 * path match the entry's patterns (whole-string regular expressions) and both values equal the
 * entry's (a value of ANY matches anything). Any difference that matches no entry fails the suite.
 *
 * verdict "intentional": Takhin differs on purpose (the reason says why);
 * verdict "setup": the two brokers are configured differently in a way that does not matter
 *   (the peer's server.properties sets a value Takhin has as its default, ...);
 * verdict "to-fix": a real difference; `fix` names the file and the change. The entry goes when
 *   the fix lands (the suite reports entries that no longer match anything).
 */
export const ANY = Symbol("any");

export interface Allowed {
  id: string;
  scenario: string;
  path: string;
  kafka: unknown;
  takhin: unknown;
  verdict: "intentional" | "setup" | "to-fix";
  reason: string;
  fix?: string;
  /** For entries that accept any value: one observed difference, shown in docs/compatibility.md. */
  example?: { kafka: unknown; takhin: unknown };
}

/** Pattern pieces: any key value inside brackets, any step label. */
const K = "[^\\]]*";
const STEP = "[^.]*";

/** API keys Apache Kafka 4.4 serves and Takhin does not (yet): neither advertised nor answered. */
const KAFKA_ONLY_APIS = [29, 30, 31, 34, 38, 39, 40, 41, 43, 45, 46, 48, 49, 55, 57, 61, 64, 74, 75, 76, 77, 78, 79, 80, 81, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94];
/** Topic configs Kafka 4.4 lists that Takhin does not implement. */
const KAFKA_ONLY_TOPIC_CONFIGS = ["remote\\.log\\.delete\\.on\\.disable", "remote\\.log\\.copy\\.disable", "remote\\.copy\\.lag\\.ms", "remote\\.copy\\.lag\\.bytes", "errors\\.deadletterqueue\\.group\\.enable", "max\\.decompressed\\.message\\.bytes"];
/** Broker settings the peer's server.properties sets (source STATIC_BROKER_CONFIG there); Takhin has the same values as defaults. */
const PEER_STATIC = ["log\\.segment\\.bytes", "num\\.partitions", "auto\\.create\\.topics\\.enable", "default\\.replication\\.factor", "group\\.initial\\.rebalance\\.delay\\.ms"];
const TOPIC_CONFIGS_PATH = `${STEP}\\.(topics|results)\\[(name|resourceName)=${K}\\]\\.configs`;

export const ALLOWED: Allowed[] = [
  // ---------------------------------------------------------------- ApiVersions
  {
    id: "api-versions-kafka-only-apis",
    scenario: "api-versions-v\\d",
    path: `${STEP}\\.apiKeys\\[apiKey=(${KAFKA_ONLY_APIS.join("|")})\\]`,
    kafka: ANY,
    takhin: "<absent>",
    verdict: "intentional",
    reason: "Not implemented yet (quotas, KRaft and share-group APIs, ...): not advertised, so clients do not use them; an unadvertised request is answered UNSUPPORTED_VERSION.",
    example: { kafka: { apiKey: 48, minVersion: 0, maxVersion: 1 }, takhin: "<absent>" },
  },
  {
    id: "api-versions-lower-max",
    scenario: "api-versions-.*",
    path: `${STEP}\\.apiKeys\\[apiKey=(0|1|2|3|8|9|15|18|28|35|42|60)\\]\\.maxVersion`,
    kafka: ANY,
    takhin: ANY,
    verdict: "intentional",
    reason: "The newest versions of these APIs (Produce 12-13, Fetch 18, ListOffsets 10-11, Metadata 13, OffsetCommit/OffsetFetch 10, DescribeGroups 6, TxnOffsetCommit 5-6 (transaction version 2's implicit AddOffsetsToTxn), ApiVersions 5, DescribeLogDirs 5, DeleteGroups 3, DescribeCluster 2) are not implemented; clients negotiate the highest version both sides serve.",
    example: { kafka: 13, takhin: 11 },
  },
  {
    id: "api-versions-lower-min",
    scenario: "api-versions-v\\d",
    path: `${STEP}\\.apiKeys\\[apiKey=(2|19|20|23|32|35)\\]\\.minVersion`,
    kafka: ANY,
    takhin: 0,
    verdict: "intentional",
    reason: "Kafka 4 dropped these old versions (KIP-896); Takhin still serves them so older clients (kafka-python 2.0, old librdkafka) keep working.",
    example: { kafka: 2, takhin: 0 },
  },
  {
    id: "api-versions-features",
    scenario: "api-versions-v[34]",
    path: `${STEP}\\.(supportedFeatures|finalizedFeatures|finalizedFeaturesEpoch)`,
    kafka: ANY,
    takhin: ANY,
    verdict: "intentional",
    reason: "Takhin has no feature flags (metadata.version, group.version, ...): it answers empty lists and epoch -1, which clients read as 'no finalized features'.",
    example: { kafka: [{ name: "metadata.version", minVersion: 7, maxVersion: 33 }], takhin: [] },
  },
  {
    id: "api-versions-unsupported-full-list",
    scenario: "api-versions-unsupported-v(6|99)",
    path: `${STEP}\\.apiKeys\\[apiKey=\\d+\\]`,
    kafka: "<absent>",
    takhin: ANY,
    verdict: "intentional",
    reason: "To an ApiVersions request of an unknown version Kafka 4.4 answers error 35 with only its ApiVersions entry; Takhin lists every API (DESIGN.md's rule). Clients read only the ApiVersions entry and retry at its max version, so both work.",
    example: { kafka: "<absent>", takhin: { apiKey: 0, minVersion: 0, maxVersion: 11 } },
  },
  {
    id: "api-versions-unsupported-header-v1",
    scenario: "api-versions-unsupported-v99-header-v1",
    path: `${STEP}\\.[$A-Za-z]+`,
    kafka: ANY,
    takhin: ANY,
    verdict: "intentional",
    reason: "An unknown ApiVersions version with a non-flexible request header: Kafka cannot parse the header (it expects v2) and closes the connection; Takhin reads the common header prefix and answers v0 with error 35. More lenient, and no client sends this.",
    example: { kafka: { $noResponse: "closed" }, takhin: { errorCode: 35 } },
  },
  // ---------------------------------------------------------------- unsupported versions of other APIs
  {
    id: "removed-versions-still-served",
    scenario: "unsupported-version-(Produce-v2|ListOffsets-v0|DescribeConfigs-v0|CreateTopics-v1)|create-topics-(invalid-names|validate-only)-v1",
    path: `\\d+:(Producev2|ListOffsetsv0|DescribeConfigsv0|CreateTopicsv1)\\.[$A-Za-z]+`,
    kafka: ANY,
    takhin: ANY,
    verdict: "intentional",
    reason: "Kafka 4 closes the connection on versions it removed (KIP-896). Takhin answers: Produce v0-2 with UNSUPPORTED_VERSION per partition (it must advertise Produce 0 for librdkafka's codec detection); ListOffsets v0, DescribeConfigs v0 and CreateTopics v0-1 are still served for older clients.",
    example: { kafka: { $noResponse: "closed" }, takhin: { errorCode: 35 } },
  },
  // ---------------------------------------------------------------- Metadata
  {
    id: "metadata-auto-create-synchronous",
    scenario: "metadata-auto-create-v\\d+",
    path: `first\\.topics\\[name=${K}\\]\\.(errorCode|partitions|topicId)`,
    kafka: ANY,
    takhin: ANY,
    verdict: "intentional",
    reason: "Kafka creates an auto-created topic asynchronously through its controller and answers the first Metadata with UNKNOWN_TOPIC_OR_PARTITION (3) and no partitions; Takhin creates it before answering and returns the new topic with its leaders. Clients retry on 3 anyway; Takhin's first answer is already usable.",
    example: { kafka: { errorCode: 3, partitions: [] }, takhin: { errorCode: 0, partitions: ["leader 1"] } },
  },
  // ---------------------------------------------------------------- configs (CreateTopics v5+, DescribeConfigs)
  {
    id: "topic-configs-kafka-only",
    scenario: ".*",
    path: `${TOPIC_CONFIGS_PATH}\\[name=(${KAFKA_ONLY_TOPIC_CONFIGS.join("|")})\\]`,
    kafka: ANY,
    takhin: "<absent>",
    verdict: "intentional",
    reason: "Tiered storage (remote.*) and share-group dead-letter queues are not implemented, so their configs are not listed. max.decompressed.message.bytes: Takhin bounds decompression with a fixed limit (MAX_DECOMPRESSED_BATCH_BYTES, 64 MiB, src/compression), not a topic config.",
    example: { kafka: { name: "remote.copy.lag.ms", value: "0", configSource: 5 }, takhin: "<absent>" },
  },
  {
    id: "config-source-peer-static",
    scenario: ".*",
    path: `${TOPIC_CONFIGS_PATH}\\[name=(segment\\.bytes|${PEER_STATIC.join("|")})\\]\\.configSource`,
    kafka: 4,
    takhin: 5,
    verdict: "setup",
    reason: "The peer's server.properties (peer/kafka/settings.ts) sets log.segment.bytes, num.partitions, auto.create.topics.enable, default.replication.factor and group.initial.rebalance.delay.ms to Kafka's defaults, so Kafka reports STATIC_BROKER_CONFIG (4) with a static synonym; Takhin has the same values as its defaults (DEFAULT_CONFIG, 5).",
  },
  {
    id: "config-source-peer-static-synonyms",
    scenario: ".*",
    path: `${TOPIC_CONFIGS_PATH}\\[name=(segment\\.bytes|${PEER_STATIC.join("|")})\\]\\.synonyms`,
    kafka: ANY,
    takhin: ANY,
    verdict: "setup",
    reason: "Synonyms of the same: The peer's server.properties (peer/kafka/settings.ts) sets log.segment.bytes, num.partitions, auto.create.topics.enable, default.replication.factor and group.initial.rebalance.delay.ms to Kafka's defaults, so Kafka reports STATIC_BROKER_CONFIG (4) with a static synonym; Takhin has the same values as its defaults (DEFAULT_CONFIG, 5).",
    example: { kafka: [{ name: "log.segment.bytes", value: "1073741824", source: 4 }, { name: "log.segment.bytes", value: "1073741824", source: 5 }], takhin: [{ name: "log.segment.bytes", value: "1073741824", source: 5 }] },
  },
  {
    id: "config-source-min-isr-cluster-default",
    scenario: ".*",
    path: `${TOPIC_CONFIGS_PATH}\\[name=min\\.insync\\.replicas\\]\\.configSource`,
    kafka: 3,
    takhin: 5,
    verdict: "setup",
    reason: "Kafka 4's storage format writes a cluster-level dynamic default min.insync.replicas=1 (DYNAMIC_DEFAULT_BROKER_CONFIG, 3) for eligible leader replicas (KIP-966); Takhin has no dynamic defaults and reports the same value as DEFAULT_CONFIG (5).",
  },
  {
    id: "config-source-min-isr-cluster-default-synonyms",
    scenario: ".*",
    path: `${TOPIC_CONFIGS_PATH}\\[name=min\\.insync\\.replicas\\]\\.synonyms`,
    kafka: ANY,
    takhin: ANY,
    verdict: "setup",
    reason: "Synonyms of the same: Kafka 4's storage format writes a cluster-level dynamic default min.insync.replicas=1 (DYNAMIC_DEFAULT_BROKER_CONFIG, 3) for eligible leader replicas (KIP-966); Takhin has no dynamic defaults and reports the same value as DEFAULT_CONFIG (5).",
    example: { kafka: [{ name: "min.insync.replicas", value: "1", source: 3 }, { name: "min.insync.replicas", value: "1", source: 5 }], takhin: [{ name: "min.insync.replicas", value: "1", source: 5 }] },
  },
  // ---------------------------------------------------------------- error messages
  {
    id: "error-messages-takhin-explains",
    scenario: ".*",
    path: `${STEP}\\..*errorMessage`,
    kafka: ANY,
    takhin: "<text>",
    verdict: "intentional",
    reason: "Takhin says why in errorMessage where Kafka leaves it null or empty (Produce, CreatePartitions, DescribeConfigs errors, ...). The error codes are compared separately; free text is never compared word for word.",
    example: { kafka: null, takhin: "<text>" },
  },
  // ---------------------------------------------------------------- CreateTopics / CreatePartitions
  {
    id: "create-topics-validate-only-topic-id",
    scenario: "create-topics-.*",
    path: `${STEP}\\.topics\\[name=${K}\\]\\.topicId`,
    kafka: "<topicId>",
    takhin: "AAAAAAAAAAAAAAAAAAAAAA",
    verdict: "intentional",
    reason: "For validate_only Kafka answers a freshly generated topic id that no topic will ever have; Takhin answers the zero id (no topic was created).",
  },
  // ---------------------------------------------------------------- Produce
  {
    id: "produce-null-records-kafka-silent",
    scenario: "produce-null-and-empty-records",
    path: `null\\.[$A-Za-z]+`,
    kafka: ANY,
    takhin: ANY,
    verdict: "intentional",
    reason: "Produce with a null records field: Kafka 4.4 never answers (the connection stays open and silent); Takhin answers INVALID_RECORD (87) for the partition.",
    example: { kafka: { $noResponse: "timeout" }, takhin: { errorCode: 87 } },
  },
  {
    id: "produce-duplicate-log-append-time",
    scenario: "idempotent-duplicate-(batch|older-batch)|produce-idempotent-compressed-multi-record",
    path: `${STEP}\\.responses\\[name=${K}\\]\\.partitionResponses\\[index=0\\]\\.logAppendTimeMs`,
    kafka: "<time>",
    takhin: -1,
    verdict: "intentional",
    reason: "A duplicate idempotent batch on a CreateTime topic: Kafka answers logAppendTimeMs with the cached batch's timestamp, Takhin -1, which is what the field means for CreateTime topics (and what both answer for the original batch).",
  },
  // ---------------------------------------------------------------- broker configs
  {
    id: "broker-logger-configs-not-implemented",
    scenario: "broker-configs-alter-validate-only",
    path: `broker-logger\\.(responses|results)\\[resourceName=${K}\\]\\.(errorCode|configs)`,
    kafka: ANY,
    takhin: ANY,
    verdict: "intentional",
    reason: "BROKER_LOGGER (resource type 8, log4j logger levels) is not implemented: Takhin refuses it with INVALID_REQUEST (42); Kafka accepts it (validate_only here). Dynamic BROKER configs, per broker and cluster-wide, are implemented and answer as Kafka does.",
    example: { kafka: 0, takhin: 42 },
  },
  // ---------------------------------------------------------------- IncrementalAlterConfigs
  {
    id: "incremental-alter-bad-operation",
    scenario: "incremental-alter-configs-bad-bad-operation",
    path: `${STEP}\\.responses\\[resourceName=${K}\\]\\.errorCode`,
    kafka: -1,
    takhin: 42,
    verdict: "intentional",
    reason: "An unknown config operation (9): Kafka fails with UNKNOWN_SERVER_ERROR (-1, an unhandled exception); Takhin answers INVALID_REQUEST (42), the code for a malformed request.",
  },
  // ---------------------------------------------------------------- groups
  {
    id: "offset-commit-empty-group-id",
    scenario: "offset-commit-bad-input",
    path: `empty-group-id\\.topics\\[name=${K}\\]\\.partitions\\[partitionIndex=0\\]\\.errorCode`,
    kafka: 0,
    takhin: 24,
    verdict: "intentional",
    reason: "Kafka 4.4 accepts an OffsetCommit for the empty group id \"\"; Takhin answers INVALID_GROUP_ID (24), as both do for JoinGroup. No client commits without a group id (the Java consumer refuses to).",
  },
];

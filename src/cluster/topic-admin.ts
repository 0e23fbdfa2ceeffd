/**
 * Topic administration with Kafka's semantics and error codes: CreateTopics, DeleteTopics,
 * CreatePartitions, DescribeConfigs, AlterConfigs, IncrementalAlterConfigs, and Metadata's
 * auto-creation. Handlers decode the request, call one of these functions and encode the outcome.
 * These functions check the request against the metadata image (names, counts, brokers, configs,
 * the limits on topics and partitions) and then ask the controller (through the TopicRegistry) for
 * the change, which it commits as metadata records; the registry's listeners keep the partition
 * logs in step.
 */
import { ErrorCode } from "../protocol/errors.ts";
import { ZERO_UUID } from "../protocol/reader.ts";
import type { BrokerConfig } from "../config/config.ts";
import { brokerLayers, describeBrokerConfigs, describeClusterDefaultConfigs } from "./broker-config.ts";
import { alterBrokerConfigs, incrementalAlterBrokerConfigs } from "./broker-config-alter.ts";
import { alterGroupConfigs, describeGroupConfigs, incrementalAlterGroupConfigs } from "./group-config-resource.ts";
import {
  ConfigResourceType,
  InvalidConfigError,
  describeTopicConfigs,
  isListConfig,
  resolveTopicConfig,
  topicConfigDef,
  validateTopicConfigs,
  type DescribedConfig,
} from "./topic-config.ts";
import { topicNameError, type TopicInfo, type TopicRegistry } from "./topics.ts";
import { MAX_METADATA_RECORDS_PER_REQUEST, MAX_PARTITIONS_PER_REQUEST, MAX_PARTITIONS_PER_TOPIC } from "../limits.ts";
import type { LocalController } from "../metadata/controller.ts";

export { MAX_PARTITIONS_PER_TOPIC };
/** Topics the coordinators create themselves; Metadata never auto-creates them. */
export const COORDINATOR_TOPICS: ReadonlySet<string> = new Set(["__consumer_offsets", "__transaction_state"]);

/** What topic administration needs of the broker (BrokerContext satisfies it). */
export interface AdminBroker {
  config: BrokerConfig;
  nodeId: number;
  advertisedHost: string;
  advertisedPort: number;
  topics: TopicRegistry;
  /** The controller: its image and its limits on topics and partitions. */
  metadata: LocalController;
}

export interface Outcome {
  errorCode: number;
  errorMessage: string | null;
}

const OK: Outcome = { errorCode: ErrorCode.NONE, errorMessage: null };
const fail = (errorCode: number, errorMessage: string): Outcome => ({ errorCode, errorMessage });

/** Kafka's collision rule: '.' and '_' are the same character in metric names. */
function collisionKey(name: string): string {
  return name.replaceAll(".", "_");
}

function namesSeenTwice(names: (string | null)[]): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const n of names) {
    if (n === null) continue;
    if (seen.has(n)) twice.add(n);
    seen.add(n);
  }
  return twice;
}

// ---------------------------------------------------------------------------------------------
// CreateTopics

export interface CreateTopicRequest {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: { name: string; value: string | null }[];
}

export interface CreateTopicOutcome extends Outcome {
  name: string;
  topicId: string;
  /** -1 on error. */
  numPartitions: number;
  replicationFactor: number;
  /** The resulting configs (CreateTopics v5+); empty on error. */
  configs: DescribedConfig[];
}

interface Plan {
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
  /** Manual replica assignment by partition index, when the request gave one. */
  assignments?: number[][];
}

/** Checks one assignment list (CreateTopics) against this single broker. */
function assignmentError(b: AdminBroker, assignments: CreateTopicRequest["assignments"]): Outcome | null {
  const indexes = assignments.map((a) => a.partitionIndex).sort((x, y) => x - y);
  for (let i = 0; i < indexes.length; i++) {
    if (indexes[i] !== i) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "Partitions must be numbered consecutively from 0 in the replica assignment.");
  }
  if (indexes.length > MAX_PARTITIONS_PER_TOPIC) return fail(ErrorCode.INVALID_PARTITIONS, `A topic has at most ${MAX_PARTITIONS_PER_TOPIC} partitions.`);
  return brokerListsError(b, assignments.map((a) => a.brokerIds), assignments[0]?.brokerIds.length ?? 0);
}

/** Unfenced brokers in the metadata image (this node at least), by id. */
function registeredBrokers(b: AdminBroker): number[] {
  const ids = [...b.metadata.image.brokers.values()].filter((x) => !x.fenced).map((x) => x.id);
  if (!ids.includes(b.nodeId)) ids.push(b.nodeId);
  return ids.sort((x, y) => x - y);
}

function brokerListsError(b: AdminBroker, lists: number[][], expectedReplicas: number): Outcome | null {
  for (const ids of lists) {
    if (ids.length === 0) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "A partition's replica assignment is empty.");
    if (new Set(ids).size !== ids.length) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Duplicate brokers in a replica assignment: ${ids.join(",")}.`);
    const registered = registeredBrokers(b);
    const unknown = ids.filter((id) => !registered.includes(id));
    if (unknown.length > 0) {
      const known = registered.length === 1 ? `The only broker is ${registered[0]}.` : `The registered brokers are ${registered.join(", ")}.`;
      return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Unknown broker(s) in replica assignment: ${unknown.join(", ")}. ${known}`);
    }
    if (ids.length !== expectedReplicas) {
      return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `All partitions must have the same number of replicas (${expectedReplicas}); one has ${ids.length}.`);
    }
  }
  return null;
}

function planTopic(b: AdminBroker, t: CreateTopicRequest): Plan | Outcome {
  let partitions: number;
  let replicationFactor: number;
  let assignments: number[][] | undefined;
  if (t.assignments.length > 0) {
    if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
      return fail(ErrorCode.INVALID_REQUEST, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.");
    }
    const err = assignmentError(b, t.assignments);
    if (err) return err;
    partitions = t.assignments.length;
    replicationFactor = t.assignments[0].brokerIds.length;
    assignments = [...t.assignments].sort((x, y) => x.partitionIndex - y.partitionIndex).map((a) => [...a.brokerIds]);
  } else {
    partitions = t.numPartitions === -1 ? b.config.numPartitions : t.numPartitions;
    if (partitions <= 0) return fail(ErrorCode.INVALID_PARTITIONS, "Number of partitions was set to an invalid non-positive value.");
    if (partitions > MAX_PARTITIONS_PER_TOPIC) return fail(ErrorCode.INVALID_PARTITIONS, `A topic has at most ${MAX_PARTITIONS_PER_TOPIC} partitions; ${partitions} requested.`);
    replicationFactor = t.replicationFactor === -1 ? b.config.defaultReplicationFactor : t.replicationFactor;
    if (replicationFactor <= 0) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0, or -1 to use the default value.");
    const brokers = registeredBrokers(b).length;
    if (replicationFactor > brokers) {
      return fail(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only ${brokers} broker(s) are registered.`,
      );
    }
  }
  const configs: Record<string, string> = {};
  for (const c of t.configs) {
    if (c.value === null) return fail(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${c.name}`);
    configs[c.name] = c.value;
  }
  const err = configError(configs, b);
  if (err) return err;
  return { partitions, replicationFactor, configs, assignments };
}

function configError(configs: Record<string, string>, b: AdminBroker, previous?: Record<string, string>): Outcome | null {
  try {
    validateTopicConfigs(configs);
    const remote = (configs["remote.storage.enable"] ?? "false").trim().toLowerCase() === "true";
    // Kafka's checks with tiered storage: the broker must have an object store, a compacted topic
    // cannot be tiered, and tiering once on is not turned off (Kafka 4.4 needs
    // remote.log.copy.disable and remote.log.delete.on.disable for that, which Takhin lacks).
    if (remote && !b.config.remoteStorageBucket) return fail(ErrorCode.INVALID_CONFIG, "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage (remote_storage_bucket is unset).");
    if (remote && (configs["cleanup.policy"] ?? "").includes("compact")) return fail(ErrorCode.INVALID_CONFIG, "Remote log storage only supports topics with cleanup.policy=delete");
    const was = (previous?.["remote.storage.enable"] ?? "false").trim().toLowerCase() === "true";
    if (was && !remote) return fail(ErrorCode.INVALID_CONFIG, "It is invalid to disable remote storage without deleting remote data (remote.log.delete.on.disable is not available in Takhin).");
    return null;
  } catch (e) {
    if (e instanceof InvalidConfigError) return fail(ErrorCode.INVALID_CONFIG, e.message);
    throw e;
  }
}

function createFailure(name: string, o: Outcome): CreateTopicOutcome {
  return { ...o, name, topicId: ZERO_UUID, numPartitions: -1, replicationFactor: -1, configs: [] };
}

/** Partitions a CreateTopics request asks for at most (Kafka's validateTotalNumberOfPartitions). */
function requestedPartitions(b: AdminBroker, topics: CreateTopicRequest[]): number {
  let n = 0;
  for (const t of topics) {
    if (t.assignments.length > 0) n += t.assignments.length;
    else if (t.numPartitions === -1) n += b.config.numPartitions;
    else if (t.numPartitions > 0) n += t.numPartitions;
  }
  return n;
}

// Kafka 4.4's messages for requests past its controller's bounds (checked against a Kafka 4.4 broker).
const EXCESSIVE_REQUEST = "Excessively large number of partitions per request.";
const EXCESSIVE_BATCH = "Unable to perform excessively large batch operation.";
const EXCESSIVE_ADDITION = "Excessively large number of additional partitions per request.";

/** Why the cluster cannot take `topics` more topics with `partitions` more partitions, or null. */
function clusterCapError(b: AdminBroker, topics: number, partitions: number): Outcome | null {
  const image = b.metadata.image;
  const { maxTopics, maxPartitions } = b.metadata.limits;
  if (image.topicsById.size + topics > maxTopics) {
    return fail(ErrorCode.POLICY_VIOLATION, `The cluster holds at most ${maxTopics} topics and has ${image.topicsById.size}.`);
  }
  if (image.partitionCount + partitions > maxPartitions) {
    return fail(ErrorCode.POLICY_VIOLATION, `The cluster holds at most ${maxPartitions} partitions and has ${image.partitionCount}; ${partitions} more requested.`);
  }
  return null;
}

/**
 * CreateTopics: every topic is checked first, then the valid ones are created (unless
 * validateOnly), each on its own. As Kafka's controller does, a request is refused whole
 * (POLICY_VIOLATION for every topic) when it asks for more than MAX_PARTITIONS_PER_REQUEST
 * partitions, or when its valid topics would take more than MAX_METADATA_RECORDS_PER_REQUEST
 * records (a TopicRecord, a ConfigRecord per override and a PartitionRecord per partition each).
 */
export function createTopics(b: AdminBroker, topics: CreateTopicRequest[], validateOnly: boolean): CreateTopicOutcome[] {
  if (requestedPartitions(b, topics) > MAX_PARTITIONS_PER_REQUEST) return topics.map((t) => createFailure(t.name, fail(ErrorCode.POLICY_VIOLATION, EXCESSIVE_REQUEST)));
  const duplicates = namesSeenTwice(topics.map((t) => t.name));
  // Collision keys of the existing topics and of those this request creates before each one.
  const keys = new Map<string, string>();
  for (const x of b.topics.list()) keys.set(collisionKey(x.name), x.name);
  let plannedTopics = 0;
  let plannedPartitions = 0;
  let records = 0;
  const checked = topics.map((t): Plan | Outcome => {
    if (duplicates.has(t.name)) return fail(ErrorCode.INVALID_REQUEST, `Found multiple entries for topic ${t.name} in the request.`);
    const nameErr = topicNameError(t.name);
    if (nameErr) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameErr);
    if (b.topics.get(t.name)) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
    const collides = keys.get(collisionKey(t.name));
    if (collides) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${t.name}' collides with existing topic: ${collides}`);
    const plan = planTopic(b, t);
    if ("errorCode" in plan) return plan;
    const capErr = clusterCapError(b, plannedTopics + 1, plannedPartitions + plan.partitions);
    if (capErr) return capErr;
    keys.set(collisionKey(t.name), t.name);
    plannedTopics++;
    plannedPartitions += plan.partitions;
    records += 1 + Object.keys(plan.configs).length + plan.partitions;
    return plan;
  });
  if (records > MAX_METADATA_RECORDS_PER_REQUEST) return topics.map((t) => createFailure(t.name, fail(ErrorCode.POLICY_VIOLATION, EXCESSIVE_BATCH)));
  const answered = new Set<string>();
  return topics.flatMap((t, i) => {
    // A name given twice is answered once (INVALID_REQUEST), as Kafka answers it.
    if (duplicates.has(t.name)) {
      if (answered.has(t.name)) return [];
      answered.add(t.name);
    }
    const plan = checked[i];
    if ("errorCode" in plan) return createFailure(t.name, plan);
    const topicId = validateOnly ? ZERO_UUID : b.topics.create(t.name, plan.partitions, plan.configs, { replicationFactor: plan.replicationFactor, assignments: plan.assignments }).id;
    return {
      ...OK,
      name: t.name,
      topicId,
      numPartitions: plan.partitions,
      replicationFactor: plan.replicationFactor,
      configs: describeTopicConfigs(plan.configs, { brokerValues: brokerLayers(b.metadata.image, b.nodeId) }),
    };
  });
}

/**
 * Metadata's auto-creation: an unknown topic with a valid name gets num.partitions partitions.
 * Returns the new topic, or the error to report for it.
 */
export function autoCreateTopic(b: AdminBroker, name: string): TopicInfo | Outcome {
  if (COORDINATOR_TOPICS.has(name)) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${name} is created by its coordinator`);
  const [r] = createTopics(b, [{ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [] }], false);
  if (r.errorCode !== ErrorCode.NONE) return r;
  return b.topics.get(name)!;
}

// ---------------------------------------------------------------------------------------------
// DeleteTopics

export interface TopicRef {
  name: string | null;
  topicId: string;
}

export interface DeleteTopicOutcome extends Outcome {
  name: string | null;
  topicId: string;
}

/** DeleteTopics by name (all versions) or by topic id (v6+). */
export function deleteTopics(b: AdminBroker, refs: TopicRef[]): DeleteTopicOutcome[] {
  const dupNames = namesSeenTwice(refs.map((r) => r.name));
  const dupIds = namesSeenTwice(refs.map((r) => (r.name === null && r.topicId !== ZERO_UUID ? r.topicId : null)));
  return refs.map((r) => {
    const res = (o: Outcome, t?: TopicInfo): DeleteTopicOutcome => ({ ...o, name: t?.name ?? r.name, topicId: t?.id ?? r.topicId });
    if (r.name !== null && r.topicId !== ZERO_UUID) return res(fail(ErrorCode.INVALID_REQUEST, "You may not specify both topic name and topic id."));
    if (r.name === null && r.topicId === ZERO_UUID) return res(fail(ErrorCode.INVALID_REQUEST, "Neither topic name nor id were specified."));
    if (r.name !== null && dupNames.has(r.name)) return res(fail(ErrorCode.INVALID_REQUEST, "Duplicate topic name."));
    if (r.name === null && dupIds.has(r.topicId)) return res(fail(ErrorCode.INVALID_REQUEST, "Duplicate topic id."));
    const t = r.name !== null ? b.topics.get(r.name) : b.topics.getById(r.topicId);
    if (!t) {
      return r.name !== null
        ? res(fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${r.name} does not exist.`))
        : res(fail(ErrorCode.UNKNOWN_TOPIC_ID, `No topic with id ${r.topicId}.`));
    }
    b.topics.delete(t.name);
    return res(OK, t);
  });
}

// ---------------------------------------------------------------------------------------------
// CreatePartitions

export interface CreatePartitionsRequest {
  name: string;
  count: number;
  assignments: { brokerIds: number[] }[] | null;
}

export interface NamedOutcome extends Outcome {
  name: string;
}

/** CreatePartitions: raises a topic's partition count (never lowers it). */
export function createPartitions(b: AdminBroker, topics: CreatePartitionsRequest[], validateOnly: boolean): NamedOutcome[] {
  let added = 0;
  for (const req of topics) added += Math.max(0, req.count - (b.topics.get(req.name)?.partitions ?? req.count));
  if (added > MAX_PARTITIONS_PER_REQUEST) return topics.map((req) => ({ ...fail(ErrorCode.POLICY_VIOLATION, EXCESSIVE_ADDITION), name: req.name }));
  const duplicates = namesSeenTwice(topics.map((t) => t.name));
  const answered = new Set<string>();
  return topics.flatMap((req) => {
    const res = (o: Outcome): NamedOutcome => ({ ...o, name: req.name });
    if (duplicates.has(req.name)) {
      // Answered once per name, as Kafka does.
      if (answered.has(req.name)) return [];
      answered.add(req.name);
      return res(fail(ErrorCode.INVALID_REQUEST, "Duplicate topic name."));
    }
    const t = b.topics.get(req.name);
    if (!t) return res(fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${req.name} does not exist.`));
    if (req.count < t.partitions) {
      return res(fail(ErrorCode.INVALID_PARTITIONS, `The topic ${t.name} currently has ${t.partitions} partition(s); ${req.count} would not be an increase.`));
    }
    if (req.count === t.partitions) return res(fail(ErrorCode.INVALID_PARTITIONS, `Topic already has ${t.partitions} partition(s).`));
    if (req.count > MAX_PARTITIONS_PER_TOPIC) {
      return res(fail(ErrorCode.INVALID_PARTITIONS, `A topic has at most ${MAX_PARTITIONS_PER_TOPIC} partitions; ${req.count} requested.`));
    }
    // Clients send an empty list as well as null for "no manual assignment".
    if (req.assignments !== null && req.assignments.length > 0) {
      const added = req.count - t.partitions;
      if (req.assignments.length !== added) {
        return res(fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Attempted to add ${added} additional partition(s), but only ${req.assignments.length} assignment(s) were specified.`));
      }
      const err = brokerListsError(b, req.assignments.map((a) => a.brokerIds), 1);
      if (err) return res(err);
    }
    const capErr = clusterCapError(b, 0, req.count - t.partitions);
    if (capErr) return res(capErr);
    const manual = req.assignments !== null && req.assignments.length > 0 ? req.assignments.map((a) => [...a.brokerIds]) : undefined;
    if (!validateOnly) b.topics.setPartitions(t.name, req.count, manual);
    return res(OK);
  });
}

// ---------------------------------------------------------------------------------------------
// Configs: describe, alter, incremental alter

export interface ConfigResourceRef {
  resourceType: number;
  resourceName: string;
}

export interface ResourceOutcome extends Outcome, ConfigResourceRef {}

export interface DescribeConfigsResource extends ConfigResourceRef {
  configurationKeys: string[] | null;
}

export interface DescribeConfigsOutcome extends ResourceOutcome {
  configs: DescribedConfig[];
}

/** A BROKER resource names this node ("" = cluster-wide dynamic defaults); otherwise an error. */
function brokerResourceError(b: AdminBroker, name: string): Outcome | null {
  if (name === "") return null;
  if (!/^-?\d+$/.test(name)) return fail(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${name}`);
  if (Number(name) !== b.nodeId) {
    return fail(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${b.nodeId} or empty string, but received ${name}`);
  }
  return null;
}

function topicResource(b: AdminBroker, name: string): TopicInfo | Outcome {
  const nameErr = topicNameError(name);
  if (nameErr) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameErr);
  return b.topics.get(name) ?? fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${name} does not exist.`);
}

function unsupportedResource(type: number): Outcome {
  return fail(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${type}; Takhin serves TOPIC (2), BROKER (4) and GROUP (32) configs`);
}

export function describeConfigs(
  b: AdminBroker,
  resources: DescribeConfigsResource[],
  includeSynonyms: boolean,
  includeDocumentation: boolean,
): DescribeConfigsOutcome[] {
  return resources.map((r) => {
    const ref = { resourceType: r.resourceType, resourceName: r.resourceName };
    const opts = { names: r.configurationKeys, includeSynonyms, includeDocumentation, brokerValues: brokerLayers(b.metadata.image, b.nodeId) };
    if (r.resourceType === ConfigResourceType.TOPIC) {
      const t = topicResource(b, r.resourceName);
      if ("errorCode" in t) return { ...ref, ...t, configs: [] };
      return { ...ref, ...OK, configs: describeTopicConfigs(t.configs, opts) };
    }
    if (r.resourceType === ConfigResourceType.BROKER) {
      const err = brokerResourceError(b, r.resourceName);
      if (err) return { ...ref, ...err, configs: [] };
      // "" asks for the cluster-wide dynamic defaults only.
      const image = b.metadata.image;
      return { ...ref, ...OK, configs: r.resourceName === "" ? describeClusterDefaultConfigs(image, opts) : describeBrokerConfigs(b, image, opts) };
    }
    if (r.resourceType === ConfigResourceType.GROUP) {
      const g = describeGroupConfigs(b, r.resourceName, opts);
      return { ...ref, ...g.outcome, configs: g.configs };
    }
    return { ...ref, ...unsupportedResource(r.resourceType), configs: [] };
  });
}

export interface AlterConfigsResource extends ConfigResourceRef {
  configs: { name: string; value: string | null }[];
}

/** Applies (or only checks) a topic's new override set. */
function applyTopicConfigs(b: AdminBroker, t: TopicInfo, next: Record<string, string>, validateOnly: boolean): Outcome {
  const err = configError(next, b, t.configs);
  if (err) return err;
  if (!validateOnly) b.topics.setConfigs(t.name, next);
  return OK;
}

function hasDuplicateKeys(configs: { name: string }[]): boolean {
  return new Set(configs.map((c) => c.name)).size !== configs.length;
}

/** AlterConfigs: the given configs replace the topic's (or BROKER resource's) whole override set. */
export function alterConfigs(b: AdminBroker, resources: AlterConfigsResource[], validateOnly: boolean): ResourceOutcome[] {
  return resources.map((r) => {
    const ref = { resourceType: r.resourceType, resourceName: r.resourceName };
    if (r.resourceType === ConfigResourceType.BROKER) return { ...ref, ...alterBrokerConfigs(b, r.resourceName, r.configs, validateOnly) };
    if (r.resourceType === ConfigResourceType.GROUP) return { ...ref, ...alterGroupConfigs(b, r.resourceName, r.configs, validateOnly) };
    if (r.resourceType !== ConfigResourceType.TOPIC) return { ...ref, ...unsupportedResource(r.resourceType) };
    const t = topicResource(b, r.resourceName);
    if ("errorCode" in t) return { ...ref, ...t };
    if (hasDuplicateKeys(r.configs)) return { ...ref, ...fail(ErrorCode.INVALID_REQUEST, "Error due to duplicate config keys") };
    const next: Record<string, string> = {};
    for (const c of r.configs) {
      if (c.value === null) return { ...ref, ...fail(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${c.name}`) };
      next[c.name] = c.value;
    }
    return { ...ref, ...applyTopicConfigs(b, t, next, validateOnly) };
  });
}

/** IncrementalAlterConfigs operations (AlterConfigOp.OpType). */
export const AlterConfigOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

export interface IncrementalAlterConfigsResource extends ConfigResourceRef {
  configs: { name: string; configOperation: number; value: string | null }[];
}

/** The list a topic config holds now: its override, else its effective (default) value. */
function currentList(t: TopicInfo, name: string): string[] {
  const value = resolveTopicConfig(topicConfigDef(name)!, t.configs, {}).value.trim();
  return value === "" ? [] : value.split(",").map((s) => s.trim());
}

/** Applies one incremental operation to `next`; returns an error outcome or null. */
function applyOp(t: TopicInfo, next: Record<string, string>, c: IncrementalAlterConfigsResource["configs"][number]): Outcome | null {
  const op = c.configOperation;
  if (op === AlterConfigOp.DELETE) {
    delete next[c.name];
    return null;
  }
  if (op !== AlterConfigOp.SET && op !== AlterConfigOp.APPEND && op !== AlterConfigOp.SUBTRACT) {
    return fail(ErrorCode.INVALID_REQUEST, `Unknown config operation ${op} for ${c.name}`);
  }
  if (!topicConfigDef(c.name)) return fail(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${c.name}`);
  if (c.value === null) return fail(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${c.name}`);
  if (op === AlterConfigOp.SET) {
    next[c.name] = c.value;
    return null;
  }
  const verb = op === AlterConfigOp.APPEND ? "append" : "subtract";
  if (!isListConfig(c.name)) return fail(ErrorCode.INVALID_CONFIG, `Config value ${verb} is not allowed for config key: ${c.name}`);
  const items = c.value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const base = next[c.name] !== undefined ? next[c.name].split(",").map((s) => s.trim()).filter((s) => s !== "") : currentList(t, c.name);
  const result = op === AlterConfigOp.APPEND ? [...base, ...items.filter((x) => !base.includes(x))] : base.filter((x) => !items.includes(x));
  next[c.name] = result.join(",");
  return null;
}

/** IncrementalAlterConfigs: SET / DELETE / APPEND / SUBTRACT against the current overrides (topics and BROKER resources). */
export function incrementalAlterConfigs(b: AdminBroker, resources: IncrementalAlterConfigsResource[], validateOnly: boolean): ResourceOutcome[] {
  return resources.map((r) => {
    const ref = { resourceType: r.resourceType, resourceName: r.resourceName };
    if (r.resourceType === ConfigResourceType.BROKER) return { ...ref, ...incrementalAlterBrokerConfigs(b, r.resourceName, r.configs, validateOnly) };
    if (r.resourceType === ConfigResourceType.GROUP) return { ...ref, ...incrementalAlterGroupConfigs(b, r.resourceName, r.configs, validateOnly) };
    if (r.resourceType !== ConfigResourceType.TOPIC) return { ...ref, ...unsupportedResource(r.resourceType) };
    const t = topicResource(b, r.resourceName);
    if ("errorCode" in t) return { ...ref, ...t };
    if (hasDuplicateKeys(r.configs)) return { ...ref, ...fail(ErrorCode.INVALID_REQUEST, "Error due to duplicate config keys") };
    const next = { ...t.configs };
    for (const c of r.configs) {
      const err = applyOp(t, next, c);
      if (err) return { ...ref, ...err };
    }
    return { ...ref, ...applyTopicConfigs(b, t, next, validateOnly) };
  });
}

/**
 * The broker's configs under Kafka's names, and the one place the broker reads their effective
 * values from: Kafka's default < the broker's static configuration (YAML / TAKHIN_*) < the dynamic
 * cluster-wide default (ConfigRecord BROKER "") < the dynamic per-broker value (ConfigRecord
 * BROKER "<node id>"). The dynamic layers live in the metadata image, so a change applies on
 * every broker as soon as it applies the record, and survives restarts (it is in the metadata log).
 *
 * Each key has Kafka's update mode: read-only (changed only by a restart with a new static value),
 * or cluster-wide (dynamic, per broker or as the cluster default). Takhin has no per-broker-only
 * dynamic key: Kafka's are listeners and security settings, which Takhin cannot change at run time.
 * Dynamic keys either take effect at once (`applied`: the topic-config defaults every partition
 * falls back to, max.connections) or are accepted and stored but change nothing because Takhin
 * has no such thread pool (`no-op`: num.io.threads, ...). docs/cluster.md lists them.
 *
 * DescribeConfigs for BROKER "<id>" lists every key with its effective value, the source of that
 * value and (include_synonyms) every layer that sets it, highest first, then Kafka's default; for
 * BROKER "" it lists only the dynamic cluster-wide defaults. Nothing here is sensitive.
 */
import type { BrokerConfig } from "../config/config.ts";
import type { LocalController } from "../metadata/controller.ts";
import type { MetadataImage } from "../metadata/image.ts";
import {
  ConfigSource,
  ConfigType,
  TOPIC_CONFIGS,
  type BrokerLayer,
  type ConfigSourceValue,
  type ConfigTypeValue,
  type DescribedConfig,
  type DescribeOptions,
  type ParsedValue,
} from "./topic-config.ts";

/** ConfigResource.Type BROKER. */
export const BROKER_RESOURCE = 4;

export interface BrokerIdentity {
  config: BrokerConfig;
  nodeId: number;
  advertisedHost: string;
  advertisedPort: number;
  /** Every client listener (server/context.ts ListenerEndpoint); absent: the one PLAINTEXT listener. */
  listeners?: readonly { name: string; securityProtocol: string; bindHost: string; advertisedHost: string; advertisedPort: number }[];
}

export type UpdateMode = "read-only" | "cluster-wide";

export interface BrokerKeyDef {
  name: string;
  type: ConfigTypeValue;
  mode: UpdateMode;
  /** Kafka's default (DEFAULT_CONFIG); null when Kafka has none. */
  kafkaDefault: string | null;
  /** The value Takhin's static configuration gives (STATIC_BROKER_CONFIG unless it equals Kafka's default); absent: none. */
  staticValue?: (b: BrokerIdentity) => string | null;
  /** Dynamic keys: whether a change takes effect in Takhin or is only stored. */
  effect?: "applied" | "no-op";
  /**
   * Broker configs a topic default falls back to after this one (log.retention.ms: minutes, then
   * hours), listed after its own synonyms as Kafka lists them.
   */
  fallbacks?: readonly string[];
  /** Range or value check of a parsed dynamic value: why it is invalid, or null. */
  check?: (v: ParsedValue) => string | null;
  doc: string;
}

const t = ConfigType;

function atLeast(min: number | bigint) {
  return (v: ParsedValue) => ((typeof v === "number" || typeof v === "bigint") && v < min ? `Value must be at least ${min}` : null);
}

/** Keys the broker's own configuration sets. Kafka's update modes, checked against Kafka 4.4. */
function ownKeys(): BrokerKeyDef[] {
  const ro = (name: string, type: ConfigTypeValue, kafkaDefault: string | null, staticValue: (b: BrokerIdentity) => string | null, doc: string): BrokerKeyDef => ({
    name,
    type,
    mode: "read-only",
    kafkaDefault,
    staticValue,
    doc,
  });
  return [
    ro("node.id", t.INT, null, (b) => String(b.nodeId), "This node's id."),
    ro("broker.id", t.INT, null, (b) => String(b.nodeId), "This broker's id (same as node.id)."),
    // Kafka can change listeners per broker at run time; Takhin's listener is bound at start.
    ro("listeners", t.STRING, null, (b) => b.listeners?.map((l) => `${l.name}://${l.bindHost}:${l.advertisedPort}`).join(",") ?? `PLAINTEXT://${b.config.host}:${b.advertisedPort}`, "Listener the Kafka API is served on."),
    ro("advertised.listeners", t.STRING, null, (b) => b.listeners?.map((l) => `${l.name}://${l.advertisedHost}:${l.advertisedPort}`).join(",") ?? `PLAINTEXT://${b.advertisedHost}:${b.advertisedPort}`, "Listener clients are told to use."),
    ro("log.dirs", t.STRING, null, (b) => b.config.dataDir, "Directory holding the logs and metadata."),
    ro("broker.rack", t.STRING, null, (b) => b.config.rack, "Rack of this broker."),
    ro("num.partitions", t.INT, "1", (b) => String(b.config.numPartitions), "Partitions of an auto-created topic or of CreateTopics with -1."),
    ro("default.replication.factor", t.INT, "1", (b) => String(b.config.defaultReplicationFactor), "Replication factor of an auto-created topic or of CreateTopics with -1."),
    ro("auto.create.topics.enable", t.BOOLEAN, "true", (b) => String(b.config.autoCreateTopicsEnable), "Create an unknown topic when a client asks for its metadata."),
    ro("delete.topic.enable", t.BOOLEAN, "true", () => "true", "Topics can be deleted."),
    ro("socket.request.max.bytes", t.INT, "104857600", (b) => String(b.config.socketRequestMaxBytes), "Largest request frame."),
    {
      name: "max.connections",
      type: t.INT,
      mode: "cluster-wide",
      kafkaDefault: "2147483647",
      staticValue: (b) => String(b.config.maxConnections),
      effect: "applied",
      check: atLeast(0),
      doc: "Most open client connections; a lower value refuses new connections (open ones stay).",
    },
    ro("connections.max.idle.ms", t.LONG, "600000", (b) => String(b.config.connectionsMaxIdleMs), "Idle time after which a connection is closed."),
    ro("group.initial.rebalance.delay.ms", t.INT, "3000", (b) => String(b.config.groupInitialRebalanceDelayMs), "How long an empty group's first rebalance waits for more members."),
    ro("group.min.session.timeout.ms", t.INT, "6000", (b) => String(b.config.groupMinSessionTimeoutMs), "Smallest session timeout a consumer may ask for."),
    ro("group.max.session.timeout.ms", t.INT, "1800000", (b) => String(b.config.groupMaxSessionTimeoutMs), "Largest session timeout a consumer may ask for."),
    ro("group.consumer.session.timeout.ms", t.INT, "45000", (b) => String(b.config.groupConsumerSessionTimeoutMs), "KIP-848 consumer groups: a member not heard from for this long is fenced."),
    ro("group.consumer.heartbeat.interval.ms", t.INT, "5000", (b) => String(b.config.groupConsumerHeartbeatIntervalMs), "KIP-848 consumer groups: the heartbeat interval members are told."),
    ro("offsets.retention.minutes", t.INT, "10080", (b) => String(b.config.offsetsRetentionMinutes), "How long an Empty group's committed offsets are kept."),
    ro("offsets.topic.num.partitions", t.INT, "50", (b) => String(b.config.offsetsTopicNumPartitions), "Partitions of __consumer_offsets when it is created."),
    ro("offsets.topic.replication.factor", t.SHORT, "3", (b) => String(b.config.offsetsTopicReplicationFactor), "Replicas of __consumer_offsets when a cluster creates it (at most the live brokers)."),
  ];
}

/** Kafka's dynamic thread-pool sizes: accepted and stored, but Takhin has no such pools (no effect). */
function threadKeys(): BrokerKeyDef[] {
  const pool = (name: string, kafkaDefault: string, doc: string): BrokerKeyDef => ({
    name,
    type: t.INT,
    mode: "cluster-wide",
    kafkaDefault,
    effect: "no-op",
    check: atLeast(1),
    doc: `${doc} Takhin has no such thread pool: the value is stored and listed, and changes nothing.`,
  });
  return [
    pool("num.io.threads", "8", "Threads processing requests in Kafka."),
    pool("num.network.threads", "3", "Threads reading requests from the network in Kafka."),
    pool("num.replica.fetchers", "1", "Fetcher threads per source broker in Kafka."),
    pool("background.threads", "10", "Threads for background tasks in Kafka."),
    pool("num.recovery.threads.per.data.dir", "2", "Log recovery threads per data directory in Kafka."),
    pool("log.cleaner.threads", "1", "Log cleaner threads in Kafka."),
  ];
}

/**
 * Kafka's replication throttles (KIP-73), which kafka-reassign-partitions sets with --throttle and
 * removes at --verify: accepted, stored and listed; Takhin does not throttle replication yet, so they
 * change nothing (docs/cluster.md).
 */
function throttleKeys(): BrokerKeyDef[] {
  const rate = (name: string, doc: string): BrokerKeyDef => ({
    name,
    type: t.LONG,
    mode: "cluster-wide",
    kafkaDefault: "9223372036854775807",
    effect: "no-op",
    check: atLeast(0),
    doc: `${doc} Takhin does not throttle replication yet: the value is stored and listed, and changes nothing.`,
  });
  return [
    rate("leader.replication.throttled.rate", "Bytes per second a leader sends to the throttled replicas of leader.replication.throttled.replicas in Kafka."),
    rate("follower.replication.throttled.rate", "Bytes per second a follower fetches for the throttled replicas of follower.replication.throttled.replicas in Kafka."),
    rate("replica.alter.log.dirs.io.max.bytes.per.second", "Bytes per second moved between log directories of one broker in Kafka."),
  ];
}

/** Broker defaults of topic configs Kafka does not let change at run time (read-only in Kafka 4.4). */
const READ_ONLY_TOPIC_DEFAULTS: ReadonlySet<string> = new Set([
  "log.retention.hours",
  "log.retention.minutes",
  "log.roll.hours",
  "log.roll.jitter.hours",
  "log.flush.scheduler.interval.ms",
]);

/** Broker configs that topic configs fall back to: dynamic (except the hours-based ones), applied at once. */
function topicDefaultKeys(): BrokerKeyDef[] {
  const out: BrokerKeyDef[] = [];
  const seen = new Set<string>();
  for (const def of TOPIC_CONFIGS) {
    for (const [i, syn] of def.synonyms.entries()) {
      if (seen.has(syn.name)) continue;
      seen.add(syn.name);
      const readOnly = READ_ONLY_TOPIC_DEFAULTS.has(syn.name);
      out.push({
        name: syn.name,
        type: syn.msPerUnit ? t.INT : def.type,
        mode: readOnly ? "read-only" : "cluster-wide",
        kafkaDefault: syn.default,
        effect: readOnly ? undefined : "applied",
        fallbacks: syn.default === null ? def.synonyms.slice(i + 1).map((x) => x.name) : undefined,
        // Same unit as the topic config (only unit-converted synonyms differ, and they are read-only).
        check: readOnly ? undefined : (v) => valueWhy(def.check?.(v) ?? null),
        doc: `Broker default of the topic config ${def.name}${readOnly ? "" : "; a change applies at once to every topic without an override"}.`,
      });
    }
  }
  return out;
}

/** A topic check's reason in Kafka's broker wording ("Value must be at least 1048576"). */
function valueWhy(why: string | null): string | null {
  return why === null ? null : `Value ${why}`;
}

/** Every broker key Takhin has, in the order DescribeConfigs lists them. */
export const BROKER_KEYS: readonly BrokerKeyDef[] = [...ownKeys(), ...threadKeys(), ...throttleKeys(), ...topicDefaultKeys()];
const BY_NAME = new Map(BROKER_KEYS.map((k) => [k.name, k]));

export function brokerKeyDef(name: string): BrokerKeyDef | undefined {
  return BY_NAME.get(name);
}

/** Names of the dynamic keys, by effect (for the docs and the tests). */
export function dynamicBrokerKeys(effect: "applied" | "no-op"): string[] {
  return BROKER_KEYS.filter((k) => k.mode === "cluster-wide" && k.effect === effect).map((k) => k.name);
}

/** The dynamic configs of one BROKER resource ("" = cluster-wide default) in the image. */
export function dynamicBrokerConfigs(image: MetadataImage, resourceName: string): Record<string, string> {
  return image.resourceConfigs(BROKER_RESOURCE, resourceName);
}

/** The dynamic layers of broker `nodeId`, highest first (per broker, then the cluster default). */
export function brokerLayers(image: MetadataImage, nodeId: number): BrokerLayer[] {
  return [
    { source: ConfigSource.DYNAMIC_BROKER_CONFIG, values: dynamicBrokerConfigs(image, String(nodeId)) },
    { source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, values: dynamicBrokerConfigs(image, "") },
  ];
}

interface Layered {
  value: string | null;
  source: ConfigSourceValue;
  synonyms: { name: string; value: string | null; source: ConfigSourceValue }[];
}

/** One key's layers, highest first: dynamic per broker, dynamic cluster default, static, Kafka's default. */
function layered(def: BrokerKeyDef, b: BrokerIdentity, layers: readonly BrokerLayer[]): Layered["synonyms"] {
  const synonyms: Layered["synonyms"] = [];
  for (const l of layers) {
    const v = l.values[def.name];
    if (v !== undefined) synonyms.push({ name: def.name, value: v, source: l.source });
  }
  const st = def.staticValue?.(b);
  // A static value equal to Kafka's default reads as the default (Takhin's defaults are Kafka's).
  if (st !== undefined && st !== null && st !== def.kafkaDefault) synonyms.push({ name: def.name, value: st, source: ConfigSource.STATIC_BROKER_CONFIG });
  if (def.kafkaDefault !== null) synonyms.push({ name: def.name, value: def.kafkaDefault, source: ConfigSource.DEFAULT_CONFIG });
  return synonyms;
}

function resolve(def: BrokerKeyDef, b: BrokerIdentity, layers: readonly BrokerLayer[]): Layered {
  const own = layered(def, b, layers);
  const st = def.staticValue?.(b);
  const top = own[0];
  // Kafka lists the fallbacks' layers after a set value (log.retention.ms=... then log.retention.hours=168).
  const synonyms = top ? [...own, ...(def.fallbacks ?? []).flatMap((n) => layered(BY_NAME.get(n)!, b, layers))] : own;
  if (top) return { value: top.value, source: top.source, synonyms };
  // No default and nothing set (broker.rack, log.retention.ms): listed with a null value.
  return { value: st ?? null, source: st === undefined || st === null ? ConfigSource.DEFAULT_CONFIG : ConfigSource.STATIC_BROKER_CONFIG, synonyms };
}

/** The effective value of one broker key on broker `b` (null when nothing sets it). */
export function effectiveBrokerValue(b: BrokerIdentity, image: MetadataImage, name: string): string | null {
  const def = BY_NAME.get(name);
  if (!def) throw new Error(`no broker config ${name}`);
  return resolve(def, b, brokerLayers(image, b.nodeId)).value;
}

/** The effective max.connections of broker `b` (its dynamic value when one is set). */
export function effectiveMaxConnections(b: BrokerIdentity, image: MetadataImage): number {
  const v = effectiveBrokerValue(b, image, "max.connections");
  return v === null ? b.config.maxConnections : Number(v);
}

function described(def: BrokerKeyDef, r: Layered, opts: DescribeOptions): DescribedConfig {
  return {
    name: def.name,
    value: r.value,
    readOnly: def.mode === "read-only",
    source: r.source,
    isSensitive: false,
    synonyms: opts.includeSynonyms ? r.synonyms : [],
    type: def.type,
    documentation: opts.includeDocumentation ? def.doc : null,
  };
}

/** BROKER "<node id>": every key of this node, filtered by `opts.names` when given. */
export function describeBrokerConfigs(b: BrokerIdentity, image: MetadataImage, opts: DescribeOptions = {}): DescribedConfig[] {
  const wanted = opts.names ? new Set(opts.names) : null;
  const layers = brokerLayers(image, b.nodeId);
  return BROKER_KEYS.filter((def) => !wanted || wanted.has(def.name)).map((def) => described(def, resolve(def, b, layers), opts));
}

/** BROKER "": the dynamic cluster-wide defaults only (as Kafka lists them), source DYNAMIC_DEFAULT_BROKER_CONFIG. */
export function describeClusterDefaultConfigs(image: MetadataImage, opts: DescribeOptions = {}): DescribedConfig[] {
  const wanted = opts.names ? new Set(opts.names) : null;
  const values = dynamicBrokerConfigs(image, "");
  const out: DescribedConfig[] = [];
  for (const def of BROKER_KEYS) {
    const v = values[def.name];
    if (v === undefined || (wanted && !wanted.has(def.name))) continue;
    const source = ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG;
    out.push(described(def, { value: v, source, synonyms: [{ name: def.name, value: v, source }] }, opts));
  }
  return out;
}

function sameConfigs(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/**
 * Calls `onChange` after each committed batch that changed broker `nodeId`'s dynamic layers (its
 * own BROKER resource or the cluster default), on one node and on every node of a cluster (each
 * applies the batch to its image). The partition logs re-read their effective configs then.
 */
export function watchBrokerConfigs(controller: LocalController, nodeId: number, onChange: () => void): void {
  controller.listen((image, _changes, previous) => {
    for (const name of ["", String(nodeId)]) {
      if (!sameConfigs(dynamicBrokerConfigs(previous, name), dynamicBrokerConfigs(image, name))) return onChange();
    }
  });
}

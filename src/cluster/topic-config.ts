/**
 * Kafka's topic-level configs (names, types, defaults, valid values and the broker configs each
 * falls back to), as Kafka 4.0 defines them, with:
 *  - validation of overrides (`validateTopicConfigs`: unknown names and bad values are INVALID_CONFIG
 *    with a message naming the key),
 *  - the effective config of a topic as typed values (`effectiveTopicConfig`), which the partition
 *    and storage layers read,
 *  - the described form (`describeTopicConfigs`) with each value's source and type, as
 *    DescribeConfigs and CreateTopics v5+ report it.
 *
 * Deliberate deviations: segment.index.bytes must be at least 8 (one offset-index entry; Kafka 4.0
 * accepts 4). remote.storage.enable=true is refused by the topic admin (topic-admin.ts) on a broker
 * without an object store (remote_storage_bucket unset), as a Kafka broker with
 * remote.log.storage.system.enable=false refuses it; docs/tiered-storage.md.
 */

/** org.apache.kafka.common.config.ConfigResource.Type */
export const ConfigResourceType = { UNKNOWN: 0, TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8, CLIENT_METRICS: 16, GROUP: 32 } as const;

/** DescribeConfigsResponse ConfigSource. */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const;
export type ConfigSourceValue = (typeof ConfigSource)[keyof typeof ConfigSource];

/** DescribeConfigsResponse ConfigType (v3+). */
export const ConfigType = { UNKNOWN: 0, BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7, CLASS: 8, PASSWORD: 9 } as const;
export type ConfigTypeValue = (typeof ConfigType)[keyof typeof ConfigType];

/** Long.MAX_VALUE as Kafka prints it: "never" for time and count limits. */
export const LONG_MAX = "9223372036854775807";
const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Smallest segment.bytes (KIP-1030, Kafka 4.0: 1 MiB). */
export const SEGMENT_BYTES_MIN = 1024 * 1024;
/** Smallest segment.index.bytes: room for one 8-byte offset-index entry. */
export const SEGMENT_INDEX_BYTES_MIN = 8;

export const COMPRESSION_TYPES = ["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"] as const;
export type CompressionType = (typeof COMPRESSION_TYPES)[number];
export const TIMESTAMP_TYPES = ["CreateTime", "LogAppendTime"] as const;
export type TimestampType = (typeof TIMESTAMP_TYPES)[number];
export const CLEANUP_POLICIES = ["compact", "delete"] as const;

/** A broker config a topic config falls back to; `msPerUnit` converts e.g. hours to the topic's ms. */
export interface BrokerSynonym {
  name: string;
  /** Kafka's broker default, null when the broker config has none (a later synonym applies). */
  default: string | null;
  msPerUnit?: number;
  /**
   * False when Kafka does not list this synonym at its default value (DEFAULT_CONFIG) in
   * DescribeConfigs: the hours-based retention/roll defaults and log.flush.scheduler.interval.ms.
   * A value set on the broker is listed all the same.
   */
  describedAtDefault?: false;
}

export interface TopicConfigDef {
  name: string;
  type: ConfigTypeValue;
  /** Kafka's default, used only when no broker synonym has a value. */
  default: string;
  /** Broker configs this one falls back to, in order of precedence. */
  synonyms: BrokerSynonym[];
  /** Checks a parsed value; returns why it is invalid, or null. */
  check?(value: ParsedValue): string | null;
  doc: string;
}

export type ParsedValue = bigint | number | boolean | string | string[];

function atLeast(min: bigint | number) {
  return (v: ParsedValue) => ((typeof v === "bigint" || typeof v === "number") && v < min ? `must be at least ${min}` : null);
}
function between(min: number, max: number) {
  return (v: ParsedValue) => (typeof v === "number" && (v < min || v > max) ? `must be between ${min} and ${max}` : null);
}
function oneOf(values: readonly string[]) {
  return (v: ParsedValue) => (typeof v === "string" && !values.includes(v) ? `must be one of [${values.join(", ")}]` : null);
}
function listOf(values: readonly string[]) {
  return (v: ParsedValue) => {
    if (!Array.isArray(v)) return null;
    if (v.length === 0) return `must name at least one of [${values.join(", ")}]`;
    const bad = v.find((x) => !values.includes(x));
    return bad === undefined ? null : `"${bad}" is not one of [${values.join(", ")}]`;
  };
}
/** leader/follower.replication.throttled.replicas: "*" or partitionId:brokerId pairs. */
function throttledReplicas(v: ParsedValue): string | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  if (v.length === 1 && v[0] === "*") return null;
  const bad = v.find((x) => !/^\d+:\d+$/.test(x));
  return bad === undefined ? null : `must be "*" or a list of partitionId:brokerId, not "${bad}"`;
}

const HOUR_MS = 3600_000;
const MINUTE_MS = 60_000;

const t = ConfigType;
const same = (name: string, def: string | null): BrokerSynonym[] => [{ name, default: def }];

/** Every topic config Takhin accepts, by name. */
export const TOPIC_CONFIGS: readonly TopicConfigDef[] = [
  { name: "cleanup.policy", type: t.LIST, default: "delete", synonyms: same("log.cleanup.policy", "delete"), check: listOf(CLEANUP_POLICIES),
    doc: "Retention policy of old segments: delete, compact, or both (comma-separated)." },
  { name: "compression.gzip.level", type: t.INT, default: "-1", synonyms: same("compression.gzip.level", "-1"),
    check: (v) => (typeof v === "number" && v !== -1 && (v < 1 || v > 9) ? "must be -1 or between 1 and 9" : null),
    doc: "Compression level when compression.type is gzip." },
  { name: "compression.lz4.level", type: t.INT, default: "9", synonyms: same("compression.lz4.level", "9"), check: between(1, 17),
    doc: "Compression level when compression.type is lz4." },
  { name: "compression.type", type: t.STRING, default: "producer", synonyms: same("compression.type", "producer"), check: oneOf(COMPRESSION_TYPES),
    doc: "Final compression of the topic's batches; 'producer' keeps the producer's codec." },
  { name: "compression.zstd.level", type: t.INT, default: "3", synonyms: same("compression.zstd.level", "3"), check: between(-131072, 22),
    doc: "Compression level when compression.type is zstd." },
  { name: "delete.retention.ms", type: t.LONG, default: "86400000", synonyms: same("log.cleaner.delete.retention.ms", "86400000"), check: atLeast(0n),
    doc: "How long delete tombstones are kept in compacted topics." },
  { name: "file.delete.delay.ms", type: t.LONG, default: "60000", synonyms: same("log.segment.delete.delay.ms", "60000"), check: atLeast(0n),
    doc: "Delay before a deleted segment's files are removed from disk." },
  { name: "flush.messages", type: t.LONG, default: LONG_MAX, synonyms: same("log.flush.interval.messages", LONG_MAX), check: atLeast(1n),
    doc: "fsync after this many messages." },
  { name: "flush.ms", type: t.LONG, default: LONG_MAX,
    synonyms: [{ name: "log.flush.interval.ms", default: null }, { name: "log.flush.scheduler.interval.ms", default: LONG_MAX, describedAtDefault: false }], check: atLeast(0n),
    doc: "fsync when the oldest unflushed message is older than this." },
  { name: "follower.replication.throttled.replicas", type: t.LIST, default: "", synonyms: [], check: throttledReplicas,
    doc: "Replicas throttled on the follower side." },
  { name: "index.interval.bytes", type: t.INT, default: "4096", synonyms: same("log.index.interval.bytes", "4096"), check: atLeast(0),
    doc: "Bytes of log between offset-index entries." },
  { name: "leader.replication.throttled.replicas", type: t.LIST, default: "", synonyms: [], check: throttledReplicas,
    doc: "Replicas throttled on the leader side." },
  { name: "local.retention.bytes", type: t.LONG, default: "-2", synonyms: same("log.local.retention.bytes", "-2"), check: atLeast(-2n),
    doc: "Local retention with tiered storage (-2 = retention.bytes)." },
  { name: "local.retention.ms", type: t.LONG, default: "-2", synonyms: same("log.local.retention.ms", "-2"), check: atLeast(-2n),
    doc: "Local retention with tiered storage (-2 = retention.ms)." },
  { name: "max.compaction.lag.ms", type: t.LONG, default: LONG_MAX, synonyms: same("log.cleaner.max.compaction.lag.ms", LONG_MAX), check: atLeast(1n),
    doc: "Longest time a message stays ineligible for compaction." },
  { name: "max.message.bytes", type: t.INT, default: "1048588", synonyms: same("message.max.bytes", "1048588"), check: atLeast(0),
    doc: "Largest record batch the topic accepts." },
  { name: "message.timestamp.after.max.ms", type: t.LONG, default: "3600000", synonyms: same("log.message.timestamp.after.max.ms", "3600000"),
    check: atLeast(0n), doc: "How far a CreateTime timestamp may lie in the future of the broker's clock." },
  { name: "message.timestamp.before.max.ms", type: t.LONG, default: LONG_MAX, synonyms: same("log.message.timestamp.before.max.ms", LONG_MAX),
    check: atLeast(0n), doc: "How far a CreateTime timestamp may lie in the past of the broker's clock." },
  { name: "message.timestamp.type", type: t.STRING, default: "CreateTime", synonyms: same("log.message.timestamp.type", "CreateTime"),
    check: oneOf(TIMESTAMP_TYPES), doc: "CreateTime keeps the producer's timestamp; LogAppendTime stamps the broker's." },
  { name: "min.cleanable.dirty.ratio", type: t.DOUBLE, default: "0.5", synonyms: same("log.cleaner.min.cleanable.ratio", "0.5"), check: between(0, 1),
    doc: "Dirty share of the log that makes it eligible for compaction." },
  { name: "min.compaction.lag.ms", type: t.LONG, default: "0", synonyms: same("log.cleaner.min.compaction.lag.ms", "0"), check: atLeast(0n),
    doc: "Shortest time a message stays uncompacted." },
  { name: "min.insync.replicas", type: t.INT, default: "1", synonyms: same("min.insync.replicas", "1"), check: atLeast(1),
    doc: "Replicas that must acknowledge an acks=all write." },
  { name: "preallocate", type: t.BOOLEAN, default: "false", synonyms: same("log.preallocate", "false"),
    doc: "Preallocate the file of a new segment." },
  { name: "remote.storage.enable", type: t.BOOLEAN, default: "false", synonyms: [],
    doc: "Tiered storage for the topic: rolled segments are uploaded to the object store and read back from it once deleted locally." },
  { name: "retention.bytes", type: t.LONG, default: "-1", synonyms: same("log.retention.bytes", "-1"),
    doc: "Largest size of a partition before old segments are deleted (-1 = no limit)." },
  { name: "retention.ms", type: t.LONG, default: "604800000",
    synonyms: [
      { name: "log.retention.ms", default: null },
      { name: "log.retention.minutes", default: null, msPerUnit: MINUTE_MS },
      { name: "log.retention.hours", default: "168", msPerUnit: HOUR_MS, describedAtDefault: false },
    ],
    check: atLeast(-1n), doc: "Longest time a segment is kept before deletion (-1 = no limit)." },
  { name: "segment.bytes", type: t.INT, default: "1073741824", synonyms: same("log.segment.bytes", "1073741824"), check: atLeast(SEGMENT_BYTES_MIN),
    doc: "Size of a segment file." },
  { name: "segment.index.bytes", type: t.INT, default: "10485760", synonyms: same("log.index.size.max.bytes", "10485760"),
    check: atLeast(SEGMENT_INDEX_BYTES_MIN), doc: "Size of a segment's offset index." },
  { name: "segment.jitter.ms", type: t.LONG, default: "0",
    synonyms: [{ name: "log.roll.jitter.ms", default: null }, { name: "log.roll.jitter.hours", default: "0", msPerUnit: HOUR_MS, describedAtDefault: false }],
    check: atLeast(0n), doc: "Largest random jitter subtracted from segment.ms." },
  { name: "segment.ms", type: t.LONG, default: "604800000",
    synonyms: [{ name: "log.roll.ms", default: null }, { name: "log.roll.hours", default: "168", msPerUnit: HOUR_MS, describedAtDefault: false }],
    check: atLeast(1n), doc: "Roll a new segment after this time even when it is not full." },
  { name: "unclean.leader.election.enable", type: t.BOOLEAN, default: "false", synonyms: same("unclean.leader.election.enable", "false"),
    doc: "Allow an out-of-sync replica to become leader." },
];

const BY_NAME = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));

export function topicConfigDef(name: string): TopicConfigDef | undefined {
  return BY_NAME.get(name);
}

export function isListConfig(name: string): boolean {
  return BY_NAME.get(name)?.type === ConfigType.LIST;
}

/** A config problem, reported as INVALID_CONFIG with `message`. */
export class InvalidConfigError extends Error {
  override name = "InvalidConfigError";
}

/** Parses a value by type; throws InvalidConfigError naming the key. */
export function parseConfigValue(name: string, type: ConfigTypeValue, raw: string): ParsedValue {
  const fail = (what: string) => new InvalidConfigError(`Invalid value ${raw} for configuration ${name}: ${what}`);
  const s = raw.trim();
  switch (type) {
    case ConfigType.BOOLEAN: {
      const l = s.toLowerCase();
      if (l === "true") return true;
      if (l === "false") return false;
      throw fail("expected value to be either true or false");
    }
    case ConfigType.INT:
    case ConfigType.SHORT:
    case ConfigType.LONG: {
      if (!/^[+-]?\d+$/.test(s)) throw fail("not a number of type " + (type === ConfigType.LONG ? "LONG" : "INT"));
      const n = BigInt(s);
      const [lo, hi] = type === ConfigType.LONG ? [INT64_MIN, INT64_MAX] : [INT32_MIN, INT32_MAX];
      if (n < lo || n > hi) throw fail(`out of range for type ${type === ConfigType.LONG ? "LONG" : "INT"}`);
      return type === ConfigType.LONG ? n : Number(n);
    }
    case ConfigType.DOUBLE: {
      const n = s === "" ? NaN : Number(s);
      if (!Number.isFinite(n)) throw fail("not a number of type DOUBLE");
      return n;
    }
    case ConfigType.LIST:
      return s === "" ? [] : s.split(",").map((x) => x.trim());
    default:
      return raw;
  }
}

/** Validates one override value; throws InvalidConfigError. */
export function validateTopicConfig(name: string, value: string | null): void {
  const def = BY_NAME.get(name);
  if (!def) throw new InvalidConfigError(`Unknown topic config name: ${name}`);
  if (value === null) throw new InvalidConfigError(`Null value not supported for topic config ${name}`);
  const parsed = parseConfigValue(name, def.type, value);
  const why = def.check?.(parsed);
  if (why) throw new InvalidConfigError(`Invalid value ${value} for configuration ${name}: value ${why}`);
}

/**
 * Validates a whole override set (each key, then the combinations Kafka checks); throws
 * InvalidConfigError naming the key.
 */
export function validateTopicConfigs(overrides: Record<string, string | null>, brokerValues: BrokerValues = {}): void {
  for (const [name, value] of Object.entries(overrides)) validateTopicConfig(name, value);
  const eff = effectiveTopicConfig(overrides as Record<string, string>, brokerValues);
  // Kafka's LogConfig.validateRemoteStorageRetention*: the local part cannot outlive the whole.
  if (eff.remoteStorageEnable && eff.retentionMs >= 0 && eff.localRetentionMs > eff.retentionMs) {
    throw new InvalidConfigError(`Invalid value ${eff.localRetentionMs} for configuration local.retention.ms: Value must not be more than retention.ms property value: ${eff.retentionMs}`);
  }
  if (eff.remoteStorageEnable && eff.retentionBytes >= 0 && eff.localRetentionBytes > eff.retentionBytes) {
    throw new InvalidConfigError(`Invalid value ${eff.localRetentionBytes} for configuration local.retention.bytes: Value must not be more than retention.bytes property value: ${eff.retentionBytes}`);
  }
  if (eff.minCompactionLagMs > eff.maxCompactionLagMs) {
    throw new InvalidConfigError(
      `conflict topic config setting min.compaction.lag.ms (${eff.minCompactionLagMs}) > max.compaction.lag.ms (${eff.maxCompactionLagMs})`,
    );
  }
}

/**
 * Broker-level values topic configs fall back to, by layer, highest precedence first: the
 * dynamic per-broker configs (DYNAMIC_BROKER_CONFIG), the dynamic cluster-wide defaults
 * (DYNAMIC_DEFAULT_BROKER_CONFIG), then static ones (STATIC_BROKER_CONFIG). Kafka names
 * ("log.retention.ms"). A plain record is one static layer.
 */
export interface BrokerLayer {
  source: ConfigSourceValue;
  values: Record<string, string>;
}
export type BrokerValues = Record<string, string> | readonly BrokerLayer[];

function layersOf(v: BrokerValues): readonly BrokerLayer[] {
  return Array.isArray(v) ? (v as readonly BrokerLayer[]) : [{ source: ConfigSource.STATIC_BROKER_CONFIG, values: v as Record<string, string> }];
}

export interface ResolvedConfig {
  name: string;
  value: string;
  source: ConfigSourceValue;
}

/**
 * One topic config's value: the topic override, else the first broker synonym set explicitly on the
 * broker (`brokerValues`, STATIC_BROKER_CONFIG), else the first broker synonym with a default,
 * else the topic default (both DEFAULT_CONFIG). Unit synonyms (hours, minutes) are converted to ms.
 */
export function resolveTopicConfig(def: TopicConfigDef, overrides: Record<string, string>, brokerValues: BrokerValues): ResolvedConfig {
  const own = overrides[def.name];
  if (own !== undefined) return { name: def.name, value: own, source: ConfigSource.DYNAMIC_TOPIC_CONFIG };
  const layers = layersOf(brokerValues);
  for (const syn of def.synonyms) {
    for (const layer of layers) {
      const v = layer.values[syn.name];
      if (v !== undefined) return { name: def.name, value: toTopicUnits(syn, v), source: layer.source };
    }
  }
  for (const syn of def.synonyms) {
    if (syn.default !== null) return { name: def.name, value: toTopicUnits(syn, syn.default), source: ConfigSource.DEFAULT_CONFIG };
  }
  return { name: def.name, value: def.default, source: ConfigSource.DEFAULT_CONFIG };
}

function toTopicUnits(syn: BrokerSynonym, value: string): string {
  if (!syn.msPerUnit) return value;
  return String(BigInt(value.trim()) * BigInt(syn.msPerUnit));
}

/** The typed effective config. Long.MAX_VALUE (and anything past 2^53) reads as Infinity. */
export interface EffectiveTopicConfig {
  cleanupPolicyDelete: boolean;
  cleanupPolicyCompact: boolean;
  compressionType: CompressionType;
  compressionGzipLevel: number;
  compressionLz4Level: number;
  compressionZstdLevel: number;
  deleteRetentionMs: number;
  fileDeleteDelayMs: number;
  flushMessages: number;
  flushMs: number;
  indexIntervalBytes: number;
  maxCompactionLagMs: number;
  maxMessageBytes: number;
  messageTimestampAfterMaxMs: number;
  messageTimestampBeforeMaxMs: number;
  messageTimestampType: TimestampType;
  minCleanableDirtyRatio: number;
  minCompactionLagMs: number;
  minInsyncReplicas: number;
  preallocate: boolean;
  /** remote.storage.enable: rolled segments go to the object store (src/storage/remote). */
  remoteStorageEnable: boolean;
  /** local.retention.ms / local.retention.bytes resolved (-2 = the total retention's value; -1 = no limit). */
  localRetentionMs: number;
  localRetentionBytes: number;
  /** -1 = no size limit (Kafka treats any negative value so). */
  retentionBytes: number;
  /** -1 = no time limit. */
  retentionMs: number;
  segmentBytes: number;
  segmentIndexBytes: number;
  segmentJitterMs: number;
  segmentMs: number;
  uncleanLeaderElectionEnable: boolean;
}

function longValue(raw: string): number {
  const n = BigInt(raw.trim());
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(n);
}

/**
 * The effective config of a topic: its overrides over the broker's values and Kafka's defaults.
 * `topicOrOverrides` is a TopicInfo (its `configs`) or a bare override map; overrides are assumed
 * valid (the catalogue only holds validated ones). `brokerValues` holds broker-level configs set
 * explicitly (Kafka names, e.g. "log.retention.ms"), by layer (broker-config.ts `brokerLayers`).
 */
export function effectiveTopicConfig(
  topicOrOverrides: { configs: Record<string, string> } | Record<string, string>,
  brokerValues: BrokerValues = {},
): EffectiveTopicConfig {
  const overrides = (isTopic(topicOrOverrides) ? topicOrOverrides.configs : topicOrOverrides) as Record<string, string>;
  const v = (name: string) => resolveTopicConfig(BY_NAME.get(name)!, overrides, brokerValues).value;
  const long = (name: string) => longValue(v(name));
  const int = (name: string) => Number(v(name).trim());
  const bool = (name: string) => v(name).trim().toLowerCase() === "true";
  const policies = v("cleanup.policy").split(",").map((s) => s.trim());
  const retentionBytes = long("retention.bytes");
  const retentionMs = long("retention.ms");
  const localRetentionMs = long("local.retention.ms");
  const localRetentionBytes = long("local.retention.bytes");
  return {
    cleanupPolicyDelete: policies.includes("delete"),
    cleanupPolicyCompact: policies.includes("compact"),
    compressionType: v("compression.type") as CompressionType,
    compressionGzipLevel: int("compression.gzip.level"),
    compressionLz4Level: int("compression.lz4.level"),
    compressionZstdLevel: int("compression.zstd.level"),
    deleteRetentionMs: long("delete.retention.ms"),
    fileDeleteDelayMs: long("file.delete.delay.ms"),
    flushMessages: long("flush.messages"),
    flushMs: long("flush.ms"),
    indexIntervalBytes: int("index.interval.bytes"),
    maxCompactionLagMs: long("max.compaction.lag.ms"),
    maxMessageBytes: int("max.message.bytes"),
    messageTimestampAfterMaxMs: long("message.timestamp.after.max.ms"),
    messageTimestampBeforeMaxMs: long("message.timestamp.before.max.ms"),
    messageTimestampType: v("message.timestamp.type") as TimestampType,
    minCleanableDirtyRatio: Number(v("min.cleanable.dirty.ratio")),
    minCompactionLagMs: long("min.compaction.lag.ms"),
    minInsyncReplicas: int("min.insync.replicas"),
    preallocate: bool("preallocate"),
    remoteStorageEnable: bool("remote.storage.enable"),
    localRetentionMs: localRetentionMs === -2 ? (retentionMs < 0 ? -1 : retentionMs) : localRetentionMs < 0 ? -1 : localRetentionMs,
    localRetentionBytes: localRetentionBytes === -2 ? (retentionBytes < 0 ? -1 : retentionBytes) : localRetentionBytes < 0 ? -1 : localRetentionBytes,
    retentionBytes: retentionBytes < 0 ? -1 : retentionBytes,
    retentionMs: retentionMs < 0 ? -1 : retentionMs,
    segmentBytes: int("segment.bytes"),
    segmentIndexBytes: int("segment.index.bytes"),
    segmentJitterMs: long("segment.jitter.ms"),
    segmentMs: long("segment.ms"),
    uncleanLeaderElectionEnable: bool("unclean.leader.election.enable"),
  };
}

function isTopic(x: object): x is { configs: Record<string, string> } {
  const c = (x as { configs?: unknown }).configs;
  return typeof c === "object" && c !== null && !Array.isArray(c);
}

/** One config as DescribeConfigs / CreateTopics v5+ describe it. */
export interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  source: ConfigSourceValue;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: ConfigSourceValue }[];
  type: ConfigTypeValue;
  documentation: string | null;
}

export interface DescribeOptions {
  /** null = every config. Unknown names are left out, as Kafka does. */
  names?: readonly string[] | null;
  includeSynonyms?: boolean;
  includeDocumentation?: boolean;
  brokerValues?: BrokerValues;
}

/** A topic's configs with value, source and type (synonyms: the override, then broker configs with a value). */
export function describeTopicConfigs(overrides: Record<string, string>, opts: DescribeOptions = {}): DescribedConfig[] {
  const brokerValues = opts.brokerValues ?? {};
  const wanted = opts.names ? new Set(opts.names) : null;
  const out: DescribedConfig[] = [];
  for (const def of TOPIC_CONFIGS) {
    if (wanted && !wanted.has(def.name)) continue;
    const r = resolveTopicConfig(def, overrides, brokerValues);
    const synonyms: DescribedConfig["synonyms"] = [];
    if (opts.includeSynonyms) {
      if (overrides[def.name] !== undefined) synonyms.push({ name: def.name, value: overrides[def.name], source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
      const layers = layersOf(brokerValues);
      // As Kafka 4.4 lists them: each synonym's set values (per broker, cluster default, static),
      // then its default; the defaults Kafka leaves out at default (the hours-based ones) appear
      // once a broker-level value of this config is set (retention.ms: log.retention.ms=...
      // DYNAMIC_DEFAULT_BROKER_CONFIG, then log.retention.hours=168 DEFAULT_CONFIG).
      const anySet = def.synonyms.some((syn) => layers.some((l) => l.values[syn.name] !== undefined));
      for (const syn of def.synonyms) {
        for (const layer of layers) {
          const v = layer.values[syn.name];
          if (v !== undefined) synonyms.push({ name: syn.name, value: v, source: layer.source });
        }
        if (syn.default !== null && (syn.describedAtDefault !== false || anySet)) synonyms.push({ name: syn.name, value: syn.default, source: ConfigSource.DEFAULT_CONFIG });
      }
    }
    out.push({
      name: def.name,
      value: r.value,
      readOnly: false,
      source: r.source,
      isSensitive: false,
      synonyms,
      type: def.type,
      documentation: opts.includeDocumentation ? def.doc : null,
    });
  }
  return out;
}

/**
 * Group configs: the GROUP config resource (ConfigResource type 32, Kafka 4.x) in DescribeConfigs,
 * AlterConfigs and IncrementalAlterConfigs — per-group overrides of the group coordinator's
 * broker-wide settings, stored as ConfigRecords (resource type GROUP, the group id as name) in the
 * metadata image, so they are committed through the controller, replicated in a cluster and kept
 * in the metadata log. Kafka stores them the same way; a group need not exist to have configs.
 *
 * The keys, their types, their broker-side synonyms and the checks are those Kafka 4.4 answers
 * (probed against a Kafka 4.4 broker; test/coordinator/group-configs-kafka.test.ts compares the two
 * side by side). Takhin serves classic and KIP-848 consumer groups, so two keys take effect:
 *   consumer.session.timeout.ms     the session timeout of the group's members (from their next heartbeat)
 *   consumer.heartbeat.interval.ms  the heartbeat interval the group's members are told
 * The others (share.*, streams.*, errors.deadletterqueue.*, consumer.assignment.interval.ms) are
 * checked and stored as Kafka does but change nothing: Takhin serves no share or streams groups and
 * assigns at once. docs/consumer-groups.md lists them.
 *
 * Checks, in Kafka's order: a DescribeConfigs resource name must not be "" (INVALID_REQUEST "Group
 * name must not be empty"); an alter of "" is refused ("Default group resources are not allowed.");
 * duplicate keys; per operation a null SET value; an unknown key (INVALID_CONFIG "Unknown group
 * config name: x"); APPEND/SUBTRACT on any key (Kafka 4.4 refuses them all); then each value: its type, the key's own
 * lower bound ("Value must be at least N"), then the broker's range for it ("x must be in the range
 * A to B inclusive."). The ranges are Kafka's broker defaults (group.consumer.min/max.session.timeout.ms
 * 45000-60000, heartbeat 5000-15000, ...), widened to include Takhin's configured default where that
 * lies outside (a test broker with a 6 s session timeout accepts a 6 s group override).
 * Deviation: an unknown IncrementalAlterConfigs operation is INVALID_REQUEST with a message; Kafka
 * 4.4 answers UNKNOWN_SERVER_ERROR (-1) without one.
 */
import type { BrokerConfig } from "../config/config.ts";
import type { MetadataRecord } from "../metadata/records.ts";
import type { LocalController } from "../metadata/controller.ts";
import type { MetadataImage } from "../metadata/image.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { ConfigSource, ConfigType, InvalidConfigError, parseConfigValue, type ConfigTypeValue, type DescribedConfig, type DescribeOptions, type ParsedValue } from "./topic-config.ts";

/** ConfigResource.Type GROUP. */
export const GROUP_RESOURCE = 32;

export interface GroupConfigBroker {
  config: BrokerConfig;
  metadata: LocalController;
}

export interface GroupConfigOutcome {
  errorCode: number;
  errorMessage: string | null;
}

const OK: GroupConfigOutcome = { errorCode: ErrorCode.NONE, errorMessage: null };
const fail = (errorCode: number, errorMessage: string): GroupConfigOutcome => ({ errorCode, errorMessage });

interface GroupKeyDef {
  name: string;
  type: ConfigTypeValue;
  /** The broker config the default comes from (DescribeConfigs' DEFAULT_CONFIG synonym); the key itself when Kafka has none. */
  brokerName: string;
  /** The default value (the broker's, for the two keys Takhin applies). */
  defaultValue: (c: BrokerConfig) => string;
  /** The value's own bound (ConfigDef's validator): "Value must be at least N". */
  atLeast?: number;
  /** The broker's range for it: "x must be in the range A to B inclusive." */
  range?: (c: BrokerConfig) => [number, number];
  /** Any other check, its whole message (Kafka's words). */
  check?: (value: ParsedValue, raw: string) => string | null;
  doc: string;
}

const fixed = (v: string) => () => v;
/** Kafka's broker range, widened to include Takhin's configured default. */
const around = (lo: number, hi: number, configured?: (c: BrokerConfig) => number) => (c: BrokerConfig): [number, number] => {
  const d = configured ? configured(c) : lo;
  return [Math.min(lo, d), Math.max(hi, d)];
};
const oneOf = (name: string, allowed: string[]) => (_v: ParsedValue, raw: string) =>
  allowed.includes(raw) ? null : `Invalid value ${raw} for configuration ${name}: String must be one of: ${allowed.join(", ")}`;

/** The keys in the order Kafka 4.4 lists them. */
const GROUP_KEYS: readonly GroupKeyDef[] = [
  {
    name: "consumer.session.timeout.ms", type: ConfigType.INT, brokerName: "group.consumer.session.timeout.ms",
    defaultValue: (c) => String(c.groupConsumerSessionTimeoutMs), atLeast: 1, range: around(45_000, 60_000, (c) => c.groupConsumerSessionTimeoutMs),
    doc: "Consumer-protocol groups: a member not heard from for this long is fenced (applied from its next heartbeat).",
  },
  {
    name: "streams.assignor.name", type: ConfigType.STRING, brokerName: "group.streams.assignors", defaultValue: fixed("sticky"),
    check: (_v, raw) => (raw === "sticky" ? null : `streams.assignor.name '${raw}' is not a registered task assignor. Registered assignors are: [sticky].`),
    doc: "Streams groups (not served by Takhin; stored only): the task assignor.",
  },
  {
    name: "consumer.assignment.interval.ms", type: ConfigType.INT, brokerName: "group.consumer.assignment.interval.ms", defaultValue: fixed("1000"),
    atLeast: 0, range: around(0, 15_000), doc: "Consumer-protocol groups: the interval between assignment updates (stored only: Takhin assigns at once).",
  },
  {
    name: "errors.deadletterqueue.copy.record.enable", type: ConfigType.BOOLEAN, brokerName: "errors.deadletterqueue.copy.record.enable", defaultValue: fixed("false"),
    doc: "Share groups (not served by Takhin; stored only): whether dead-letter records copy the original record.",
  },
  {
    name: "share.auto.offset.reset", type: ConfigType.STRING, brokerName: "share.auto.offset.reset", defaultValue: fixed("latest"),
    check: (_v, raw) =>
      raw === "earliest" || raw === "latest" || /^by_duration:P(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/.test(raw) && raw !== "by_duration:P" && !raw.endsWith("T")
        ? null
        : `Invalid value ${raw} for configuration share.auto.offset.reset: Invalid value \`${raw}\` for configuration share.auto.offset.reset. The value must be either 'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS>'.`,
    doc: "Share groups (not served by Takhin; stored only): where a share-partition starts.",
  },
  {
    name: "streams.rack.aware.assignment.tags", type: ConfigType.LIST, brokerName: "group.streams.rack.aware.assignment.tags", defaultValue: fixed(""),
    doc: "Streams groups (not served by Takhin; stored only): client tags spreading standby tasks.",
  },
  {
    name: "share.renew.acknowledge.enable", type: ConfigType.BOOLEAN, brokerName: "share.renew.acknowledge.enable", defaultValue: fixed("true"),
    doc: "Share groups (not served by Takhin; stored only): whether the renew acknowledgement is enabled.",
  },
  {
    name: "streams.initial.rebalance.delay.ms", type: ConfigType.INT, brokerName: "group.streams.initial.rebalance.delay.ms", defaultValue: fixed("3000"),
    atLeast: 0, doc: "Streams groups (not served by Takhin; stored only): the delay before the first rebalance.",
  },
  {
    name: "share.session.timeout.ms", type: ConfigType.INT, brokerName: "group.share.session.timeout.ms", defaultValue: fixed("45000"),
    atLeast: 1, range: around(45_000, 60_000), doc: "Share groups (not served by Takhin; stored only): the member session timeout.",
  },
  {
    name: "streams.assignment.interval.ms", type: ConfigType.INT, brokerName: "group.streams.assignment.interval.ms", defaultValue: fixed("1000"),
    atLeast: 0, range: around(0, 15_000), doc: "Streams groups (not served by Takhin; stored only): the interval between assignment updates.",
  },
  {
    name: "share.heartbeat.interval.ms", type: ConfigType.INT, brokerName: "group.share.heartbeat.interval.ms", defaultValue: fixed("5000"),
    atLeast: 1, range: around(5_000, 15_000), doc: "Share groups (not served by Takhin; stored only): the heartbeat interval.",
  },
  {
    name: "streams.heartbeat.interval.ms", type: ConfigType.INT, brokerName: "group.streams.heartbeat.interval.ms", defaultValue: fixed("5000"),
    atLeast: 1, range: around(5_000, 15_000), doc: "Streams groups (not served by Takhin; stored only): the heartbeat interval.",
  },
  {
    name: "share.delivery.count.limit", type: ConfigType.INT, brokerName: "group.share.delivery.count.limit", defaultValue: fixed("5"),
    atLeast: 2, range: around(2, 10), doc: "Share groups (not served by Takhin; stored only): delivery attempts per record.",
  },
  {
    name: "errors.deadletterqueue.topic.name", type: ConfigType.STRING, brokerName: "errors.deadletterqueue.topic.name", defaultValue: fixed(""),
    doc: "Share groups (not served by Takhin; stored only): the dead-letter topic.",
  },
  {
    name: "consumer.heartbeat.interval.ms", type: ConfigType.INT, brokerName: "group.consumer.heartbeat.interval.ms",
    defaultValue: (c) => String(c.groupConsumerHeartbeatIntervalMs), atLeast: 1, range: around(5_000, 15_000, (c) => c.groupConsumerHeartbeatIntervalMs),
    doc: "Consumer-protocol groups: the heartbeat interval members are told (from their next heartbeat).",
  },
  {
    name: "share.record.lock.duration.ms", type: ConfigType.INT, brokerName: "group.share.record.lock.duration.ms", defaultValue: fixed("30000"),
    atLeast: 1000, range: around(15_000, 60_000), doc: "Share groups (not served by Takhin; stored only): the record lock duration.",
  },
  {
    name: "share.assignment.interval.ms", type: ConfigType.INT, brokerName: "group.share.assignment.interval.ms", defaultValue: fixed("1000"),
    atLeast: 0, range: around(0, 15_000), doc: "Share groups (not served by Takhin; stored only): the interval between assignment updates.",
  },
  {
    name: "share.isolation.level", type: ConfigType.STRING, brokerName: "share.isolation.level", defaultValue: fixed("read_uncommitted"),
    check: oneOf("share.isolation.level", ["read_committed", "read_uncommitted"]), doc: "Share groups (not served by Takhin; stored only): the isolation level.",
  },
  {
    name: "streams.session.timeout.ms", type: ConfigType.INT, brokerName: "group.streams.session.timeout.ms", defaultValue: fixed("45000"),
    atLeast: 1, range: around(45_000, 60_000), doc: "Streams groups (not served by Takhin; stored only): the member session timeout.",
  },
  {
    name: "share.partition.max.record.locks", type: ConfigType.INT, brokerName: "group.share.partition.max.record.locks", defaultValue: fixed("2000"),
    atLeast: 100, range: around(100, 4_000), doc: "Share groups (not served by Takhin; stored only): record locks per share-partition.",
  },
  {
    name: "streams.num.standby.replicas", type: ConfigType.INT, brokerName: "group.streams.num.standby.replicas", defaultValue: fixed("0"),
    atLeast: 0, check: (v) => ((v as number) > 2 ? "streams.num.standby.replicas must be less than or equal to 2" : null),
    doc: "Streams groups (not served by Takhin; stored only): standby replicas per task.",
  },
];

const KEYS_BY_NAME = new Map(GROUP_KEYS.map((k) => [k.name, k]));

/** The overrides stored for `groupId` (a fresh copy). */
export function groupConfigOverrides(image: MetadataImage, groupId: string): Record<string, string> {
  return image.resourceConfigs(GROUP_RESOURCE, groupId);
}

/** What a group's overrides change in Takhin's KIP-848 coordinator (absent: the broker's value). */
export interface AppliedGroupConfig {
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
}

/** The applied overrides of `groupId` (stored values were checked when they were set). */
export function appliedGroupConfig(image: MetadataImage, groupId: string): AppliedGroupConfig {
  const o = groupConfigOverrides(image, groupId);
  const out: AppliedGroupConfig = {};
  const session = o["consumer.session.timeout.ms"];
  const heartbeat = o["consumer.heartbeat.interval.ms"];
  if (session !== undefined && Number.isSafeInteger(Number(session))) out.sessionTimeoutMs = Number(session);
  if (heartbeat !== undefined && Number.isSafeInteger(Number(heartbeat))) out.heartbeatIntervalMs = Number(heartbeat);
  return out;
}

/** DescribeConfigs on GROUP `groupId`: every key (or `opts.names`), overrides first in its synonyms. */
export function describeGroupConfigs(b: GroupConfigBroker, groupId: string, opts: DescribeOptions): { outcome: GroupConfigOutcome; configs: DescribedConfig[] } {
  if (groupId === "") return { outcome: fail(ErrorCode.INVALID_REQUEST, "Group name must not be empty"), configs: [] };
  const wanted = opts.names ? new Set(opts.names) : null;
  const overrides = groupConfigOverrides(b.metadata.image, groupId);
  const configs = GROUP_KEYS.filter((k) => !wanted || wanted.has(k.name)).map((k): DescribedConfig => {
    const base = { name: k.brokerName, value: k.defaultValue(b.config), source: ConfigSource.DEFAULT_CONFIG };
    const own = overrides[k.name];
    const synonyms = own === undefined ? [base] : [{ name: k.name, value: own, source: ConfigSource.GROUP_CONFIG }, base];
    return {
      name: k.name,
      value: own ?? base.value,
      readOnly: false,
      source: own === undefined ? ConfigSource.DEFAULT_CONFIG : ConfigSource.GROUP_CONFIG,
      isSensitive: false,
      synonyms: opts.includeSynonyms ? synonyms : [],
      type: k.type,
      documentation: opts.includeDocumentation ? k.doc : null,
    };
  });
  return { outcome: OK, configs };
}

/** Checks one new value of a known key; Kafka's messages. */
function checkValue(b: GroupConfigBroker, k: GroupKeyDef, raw: string): GroupConfigOutcome | null {
  let value: ParsedValue;
  try {
    value = parseConfigValue(k.name, k.type, raw);
  } catch (e) {
    if (!(e instanceof InvalidConfigError)) throw e;
    // Kafka's words; an integer beyond INT's range is "Not a number of type INT" too.
    const message = e.message.replace(/: not a number/, ": Not a number").replace(/: expected value/, ": Expected value").replace(/: out of range for type INT$/, ": Not a number of type INT");
    return fail(ErrorCode.INVALID_CONFIG, message);
  }
  if (typeof value === "number") {
    if (k.atLeast !== undefined && value < k.atLeast) return fail(ErrorCode.INVALID_CONFIG, `Invalid value ${raw} for configuration ${k.name}: Value must be at least ${k.atLeast}`);
    const range = k.range?.(b.config);
    if (range && (value < range[0] || value > range[1])) return fail(ErrorCode.INVALID_CONFIG, `${k.name} must be in the range ${range[0]} to ${range[1]} inclusive.`);
  }
  const why = k.check?.(value, raw);
  return why ? fail(ErrorCode.INVALID_CONFIG, why) : null;
}

/** Commits the difference between the group's stored set and `next` (nothing when validate_only). */
function commit(b: GroupConfigBroker, groupId: string, next: Record<string, string>, validateOnly: boolean): GroupConfigOutcome {
  if (validateOnly) return OK;
  const current = groupConfigOverrides(b.metadata.image, groupId);
  const records: MetadataRecord[] = [];
  for (const name of Object.keys(current).sort()) {
    if (!(name in next)) records.push({ type: "Config", resourceType: GROUP_RESOURCE, resourceName: groupId, name, value: null });
  }
  for (const name of Object.keys(next).sort()) {
    if (current[name] !== next[name]) records.push({ type: "Config", resourceType: GROUP_RESOURCE, resourceName: groupId, name, value: next[name]! });
  }
  if (records.length > 0) b.metadata.commit(records);
  return OK;
}

function duplicates(configs: { name: string }[]): boolean {
  return new Set(configs.map((c) => c.name)).size !== configs.length;
}

/** AlterConfigs (33) on GROUP `groupId`: the given set replaces the group's whole override set. */
export function alterGroupConfigs(b: GroupConfigBroker, groupId: string, configs: { name: string; value: string | null }[], validateOnly: boolean): GroupConfigOutcome {
  if (groupId === "") return fail(ErrorCode.INVALID_REQUEST, "Default group resources are not allowed.");
  if (duplicates(configs)) return fail(ErrorCode.INVALID_REQUEST, "Error due to duplicate config keys");
  const next: Record<string, string> = {};
  for (const c of configs) {
    if (c.value === null) return fail(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${c.name}`);
    const k = KEYS_BY_NAME.get(c.name);
    if (!k) return fail(ErrorCode.INVALID_CONFIG, `Unknown group config name: ${c.name}`);
    const err = checkValue(b, k, c.value);
    if (err) return err;
    next[c.name] = c.value;
  }
  return commit(b, groupId, next, validateOnly);
}

const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

/** IncrementalAlterConfigs (44) on GROUP `groupId`: SET / DELETE / APPEND / SUBTRACT on single keys. */
export function incrementalAlterGroupConfigs(
  b: GroupConfigBroker,
  groupId: string,
  configs: { name: string; configOperation: number; value: string | null }[],
  validateOnly: boolean,
): GroupConfigOutcome {
  if (groupId === "") return fail(ErrorCode.INVALID_REQUEST, "Default group resources are not allowed.");
  if (duplicates(configs)) return fail(ErrorCode.INVALID_REQUEST, "Error due to duplicate config keys");
  const next = groupConfigOverrides(b.metadata.image, groupId);
  for (const c of configs) {
    const op = c.configOperation;
    if (op === DELETE) {
      delete next[c.name];
      continue;
    }
    if (op !== SET && op !== APPEND && op !== SUBTRACT) return fail(ErrorCode.INVALID_REQUEST, `Unknown config operation ${op} for ${c.name}`);
    if (c.value === null) return fail(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${c.name}`);
    const k = KEYS_BY_NAME.get(c.name);
    if (!k) return fail(ErrorCode.INVALID_CONFIG, `Unknown group config name: ${c.name}`);
    // Kafka 4.4 refuses APPEND and SUBTRACT on every group key, the LIST-typed
    // streams.rack.aware.assignment.tags included (its check looks up the type elsewhere); so does Takhin.
    if (op !== SET) return fail(ErrorCode.INVALID_CONFIG, `Can't ${op === APPEND ? "APPEND" : "SUBTRACT"} to key ${c.name} because its type is not LIST.`);
    next[c.name] = c.value;
    const err = checkValue(b, k, next[c.name]!);
    if (err) return err;
  }
  return commit(b, groupId, next, validateOnly);
}

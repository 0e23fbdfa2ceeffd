/**
 * AlterConfigs and IncrementalAlterConfigs for BROKER resources: the checks Kafka 4.4 makes, with
 * its error codes and messages (probed against a Kafka 4.4 broker; docs/cluster.md "Dynamic broker
 * configs"), then the change as ConfigRecords (resource type BROKER, name "" for the cluster-wide
 * default or the node id) committed through the controller seam — the LocalController on one
 * node, the scratch controller of the active controller in a cluster (cluster-node.ts
 * decideAdmin), whose captured records the quorum commits.
 *
 * Checks, in Kafka's order: the resource name (an integer node id of a registered broker, or "");
 * duplicate keys; per operation a null SET value, an unknown operation, APPEND/SUBTRACT on a
 * non-list; then the keys: unknown ones (Takhin refuses them, Kafka stores them), read-only ones
 * ("Cannot update these configs dynamically: [..]"), then each new value's type and range.
 * Kafka answers value errors with INVALID_REQUEST, not INVALID_CONFIG, and so does Takhin.
 */
import { ErrorCode } from "../protocol/errors.ts";
import type { MetadataRecord } from "../metadata/records.ts";
import type { LocalController } from "../metadata/controller.ts";
import { BROKER_RESOURCE, brokerKeyDef, brokerLayers, dynamicBrokerConfigs, type BrokerIdentity } from "./broker-config.ts";
import { ConfigSource, ConfigType, InvalidConfigError, parseConfigValue, validateTopicConfigs } from "./topic-config.ts";

export interface AlterBroker extends BrokerIdentity {
  metadata: LocalController;
}

export interface BrokerAlterOutcome {
  errorCode: number;
  errorMessage: string | null;
}

const OK: BrokerAlterOutcome = { errorCode: ErrorCode.NONE, errorMessage: null };
const fail = (errorCode: number, errorMessage: string): BrokerAlterOutcome => ({ errorCode, errorMessage });

/** IncrementalAlterConfigs operations (AlterConfigOp.OpType). */
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

/**
 * Whether `name` may be altered: "", this node's id, or (in a cluster) the id of any registered
 * broker. The handler runs on the active controller, which cannot tell which broker a forwarded
 * request arrived at; Kafka's receiving broker refuses another broker's id, but its admin client
 * sends a broker's resource to that broker, so clients see no difference.
 */
function resourceError(b: AlterBroker, name: string): BrokerAlterOutcome | null {
  if (name === "") return null;
  if (!/^-?\d+$/.test(name)) return fail(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${name}`);
  const id = Number(name);
  if (id === b.nodeId || b.metadata.image.brokers.has(id)) return null;
  return fail(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${b.nodeId}, but received ${name}`);
}

function listOf(value: string): string[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** Checks the keys and values of a resource's new dynamic set; `touched` are the keys the request names. */
function checkNewSet(b: AlterBroker, resourceName: string, next: Record<string, string>, touched: string[]): BrokerAlterOutcome | null {
  const unknown = touched.filter((n) => !brokerKeyDef(n));
  if (unknown.length > 0) return fail(ErrorCode.INVALID_CONFIG, `Unknown broker config name(s): [${unknown.join(", ")}]`);
  const readOnly = touched.filter((n) => brokerKeyDef(n)!.mode === "read-only");
  if (readOnly.length > 0) return fail(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically: [${readOnly.join(", ")}]`);
  for (const name of touched) {
    const value = next[name];
    if (value === undefined) continue;
    const def = brokerKeyDef(name)!;
    try {
      const parsed = parseConfigValue(name, def.type, value);
      const why = def.check?.(parsed);
      if (why) return fail(ErrorCode.INVALID_REQUEST, `Invalid value ${value} for configuration ${name}: ${why}`);
    } catch (e) {
      if (!(e instanceof InvalidConfigError)) throw e;
      // Kafka's wording: "Not a number of type LONG".
      return fail(ErrorCode.INVALID_REQUEST, e.message.replace(/: not a number/, ": Not a number").replace(/: expected value/, ": Expected value"));
    }
  }
  // Combinations over the layers this set takes part in (min.compaction.lag.ms <= max.compaction.lag.ms).
  const layers = brokerLayers(b.metadata.image, b.nodeId).map((l) => {
    const own = (resourceName === "" && l.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG) || (resourceName !== "" && l.source === ConfigSource.DYNAMIC_BROKER_CONFIG);
    return own ? { ...l, values: next } : l;
  });
  try {
    validateTopicConfigs({}, layers);
  } catch (e) {
    if (e instanceof InvalidConfigError) return fail(ErrorCode.INVALID_REQUEST, e.message);
    throw e;
  }
  return null;
}

/** Commits the difference between the resource's current set and `next` (nothing when validate_only). */
function commit(b: AlterBroker, resourceName: string, next: Record<string, string>, validateOnly: boolean): BrokerAlterOutcome {
  if (validateOnly) return OK;
  const current = dynamicBrokerConfigs(b.metadata.image, resourceName);
  const records: MetadataRecord[] = [];
  for (const name of Object.keys(current).sort()) {
    if (!(name in next)) records.push({ type: "Config", resourceType: BROKER_RESOURCE, resourceName, name, value: null });
  }
  for (const name of Object.keys(next).sort()) {
    if (current[name] !== next[name]) records.push({ type: "Config", resourceType: BROKER_RESOURCE, resourceName, name, value: next[name] });
  }
  if (records.length > 0) b.metadata.commit(records);
  return OK;
}

function duplicates(configs: { name: string }[]): boolean {
  return new Set(configs.map((c) => c.name)).size !== configs.length;
}

/** AlterConfigs (33) on a BROKER resource: the given set replaces the resource's whole dynamic set. */
export function alterBrokerConfigs(
  b: AlterBroker,
  resourceName: string,
  configs: { name: string; value: string | null }[],
  validateOnly: boolean,
): BrokerAlterOutcome {
  const err = resourceError(b, resourceName);
  if (err) return err;
  if (duplicates(configs)) return fail(ErrorCode.INVALID_REQUEST, "Error due to duplicate config keys");
  const next: Record<string, string> = {};
  for (const c of configs) {
    if (c.value === null) return fail(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${c.name}`);
    next[c.name] = c.value;
  }
  // Removed keys are touched too: a read-only or unknown key cannot be in the current set.
  const checkErr = checkNewSet(b, resourceName, next, configs.map((c) => c.name));
  if (checkErr) return checkErr;
  return commit(b, resourceName, next, validateOnly);
}

/** IncrementalAlterConfigs (44) on a BROKER resource: SET / DELETE / APPEND / SUBTRACT on single keys. */
export function incrementalAlterBrokerConfigs(
  b: AlterBroker,
  resourceName: string,
  configs: { name: string; configOperation: number; value: string | null }[],
  validateOnly: boolean,
): BrokerAlterOutcome {
  const err = resourceError(b, resourceName);
  if (err) return err;
  if (duplicates(configs)) return fail(ErrorCode.INVALID_REQUEST, "Error due to duplicate config keys");
  const next = dynamicBrokerConfigs(b.metadata.image, resourceName);
  for (const c of configs) {
    const op = c.configOperation;
    if (op === DELETE) {
      delete next[c.name];
      continue;
    }
    if (op !== SET && op !== APPEND && op !== SUBTRACT) return fail(ErrorCode.INVALID_REQUEST, `Unknown config operation ${op} for ${c.name}`);
    if (c.value === null) return fail(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${c.name}`);
    if (op === SET) {
      next[c.name] = c.value;
      continue;
    }
    const def = brokerKeyDef(c.name);
    if (def?.type !== ConfigType.LIST) {
      return fail(ErrorCode.INVALID_CONFIG, `Config value ${op === APPEND ? "append" : "subtract"} is not allowed for config key: ${c.name}`);
    }
    // As Kafka: the resource's own value, else the key's default (not a lower layer).
    const base = listOf(next[c.name] ?? def.kafkaDefault ?? "");
    const items = listOf(c.value);
    next[c.name] = (op === APPEND ? [...base, ...items.filter((x) => !base.includes(x))] : base.filter((x) => !items.includes(x))).join(",");
  }
  const checkErr = checkNewSet(b, resourceName, next, configs.map((c) => c.name));
  if (checkErr) return checkErr;
  return commit(b, resourceName, next, validateOnly);
}

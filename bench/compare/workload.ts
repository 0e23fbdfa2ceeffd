/**
 * Workload files in the shape of the OpenMessaging Benchmark (OMB) workloads, parsed with
 * `Bun.YAML.parse` and validated field by field: a bad file is refused with a `WorkloadError` whose
 * message names the field. OMB's field names are kept as they are (topics, partitionsPerTopic,
 * messageSize, payloadFile, subscriptionsPerTopic, consumerPerSubscription, producersPerTopic,
 * producerRate, consumerBacklogSizeGB, testDurationMinutes, warmupDurationMinutes, keyDistributor,
 * and for max-rate discovery producerStartRate, producerIncrementRate, producerIncrementSeconds,
 * acceptableBacklog — see discovery.ts),
 * so an OMB workload file runs here unchanged. A few fields are ours (marked "extension" below).
 *
 * Pure apart from reading the file and its payload file.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";

export const WORKLOADS_DIR = join(import.meta.dir, "..", "workloads");

/** OMB's KeyDistributorType values. */
export const KEY_DISTRIBUTORS = ["NO_KEY", "KEY_ROUND_ROBIN", "RANDOM_NANO"] as const;
export type KeyDistributor = (typeof KEY_DISTRIBUTORS)[number];

/** The smallest record we can send: the first 8 bytes carry the send time for end-to-end latency. */
export const MIN_MESSAGE_BYTES = 16;
/** Upper bounds that keep a run on one machine sane; a larger value is refused, naming the field. */
export const LIMITS = {
  topics: 100,
  partitionsPerTopic: 10_000,
  messageSize: 8 * 1024 * 1024,
  producerProcesses: 32,
  consumerProcesses: 32,
  testDurationMinutes: 60,
  warmupDurationMinutes: 30,
  producerRate: 10_000_000,
  consumerBacklogSizeGB: 64,
  keySpace: 100_000_000,
} as const;

export interface Workload {
  /** OMB: a free-form title. */
  name: string;
  /** The file name without .yaml (how reports and the CLI refer to it). */
  id: string;
  topics: number;
  partitionsPerTopic: number;
  /** Bytes per record value. */
  messageSize: number;
  /** Absolute path of the payload, when the file named one that exists. */
  payloadFile: string | null;
  /** Set when the file named a payload that does not exist here (a random payload is used). */
  payloadFileMissing: string | null;
  subscriptionsPerTopic: number;
  consumerPerSubscription: number;
  producersPerTopic: number;
  /** Records per second over all producers; 0 = as fast as the producers can (max-rate). */
  producerRate: number;
  consumerBacklogSizeGB: number;
  /** OMB, max-rate discovery (producerRate 0; discovery.ts): first step's rate, records/s (null = 10,000). */
  producerStartRate: number | null;
  /** OMB, max-rate discovery: additive increase per successful step before the first failure (null = double). */
  producerIncrementRate: number | null;
  /** OMB, max-rate discovery: seconds per step (null = 4). */
  producerIncrementSeconds: number | null;
  /** OMB, max-rate discovery: records of backlog per subscription a step may end with (null = one second's worth). */
  acceptableBacklog: number | null;
  testDurationMinutes: number;
  warmupDurationMinutes: number;
  keyDistributor: KeyDistributor;
  /** Extension: how many distinct keys KEY_ROUND_ROBIN cycles through (default 10,000). */
  keySpace: number;
  /** Extension: topic configs applied at creation (e.g. cleanup.policy: compact, flush.messages: 1). */
  topicConfig: Record<string, string>;
  /** Extension: free text shown in the report. */
  description: string;
  /** OMB fields we accept but do not act on, with the value given (reported, never silently lost). */
  ignored: Record<string, unknown>;
}

export class WorkloadError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly file?: string,
  ) {
    super(`${file ? `${file}: ` : ""}${field}: ${message}`);
    this.name = "WorkloadError";
  }
}

/** OMB fields that are accepted and reported but have no effect in this harness. */
const OMB_IGNORED = [
  "useRandomizedPayloads",
  "randomBytesRatio",
  "randomizedPayloadPoolSize",
  "messageRateReceivedForSubscription",
  "producerPauseBeforeDrain",
  "producerPauseDuringDrain",
] as const;

const KNOWN = new Set<string>([
  "name",
  "topics",
  "partitionsPerTopic",
  "messageSize",
  "payloadFile",
  "subscriptionsPerTopic",
  "consumerPerSubscription",
  "producersPerTopic",
  "producerRate",
  "producerStartRate",
  "producerIncrementRate",
  "producerIncrementSeconds",
  "acceptableBacklog",
  "consumerBacklogSizeGB",
  "testDurationMinutes",
  "warmupDurationMinutes",
  "keyDistributor",
  "keySpace",
  "topicConfig",
  "description",
  ...OMB_IGNORED,
]);

type Raw = Record<string, unknown>;

function int(raw: Raw, field: string, min: number, max: number, dflt?: number, file?: string): number {
  const v = raw[field];
  if (v === undefined || v === null) {
    if (dflt === undefined) throw new WorkloadError(field, "is required", file);
    return dflt;
  }
  if (typeof v !== "number" || !Number.isInteger(v)) throw new WorkloadError(field, `must be an integer, got ${JSON.stringify(v)}`, file);
  if (v < min || v > max) throw new WorkloadError(field, `must be between ${min} and ${max}, got ${v}`, file);
  return v;
}

function num(raw: Raw, field: string, min: number, max: number, dflt?: number, file?: string, exclusiveMin = false): number {
  const v = raw[field];
  if (v === undefined || v === null) {
    if (dflt === undefined) throw new WorkloadError(field, "is required", file);
    return dflt;
  }
  if (typeof v !== "number" || !Number.isFinite(v)) throw new WorkloadError(field, `must be a number, got ${JSON.stringify(v)}`, file);
  if ((exclusiveMin ? v <= min : v < min) || v > max) throw new WorkloadError(field, `must be ${exclusiveMin ? "above" : "at least"} ${min} and at most ${max}, got ${v}`, file);
  return v;
}

/** topicConfig as a map, or as OMB driver files write it: a block of key=value lines. */
export function parseTopicConfig(v: unknown, field = "topicConfig", file?: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  const out: Record<string, string> = {};
  if (typeof v === "string") {
    for (const line of v.split("\n")) {
      const l = line.trim();
      if (!l || l.startsWith("#")) continue;
      const i = l.indexOf("=");
      if (i <= 0) throw new WorkloadError(field, `expected key=value, got "${l}"`, file);
      out[l.slice(0, i).trim()] = l.slice(i + 1).trim();
    }
    return out;
  }
  if (typeof v !== "object" || Array.isArray(v)) throw new WorkloadError(field, "must be a map of config names to values (or key=value lines)", file);
  for (const [k, val] of Object.entries(v as Raw)) {
    if (!/^[a-z0-9._-]+$/i.test(k)) throw new WorkloadError(`${field}.${k}`, "is not a config name", file);
    if (typeof val !== "string" && typeof val !== "number" && typeof val !== "boolean") throw new WorkloadError(`${field}.${k}`, "must be a string, number or boolean", file);
    out[k] = String(val);
  }
  return out;
}

/** Validates a parsed YAML document. `file` (when given) names the file in errors and anchors payloadFile. */
export function validateWorkload(doc: unknown, id: string, file?: string): Workload {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new WorkloadError("(document)", "must be a YAML mapping of workload fields", file);
  const raw = doc as Raw;
  for (const k of Object.keys(raw)) {
    if (!KNOWN.has(k)) throw new WorkloadError(k, `unknown field (known: ${[...KNOWN].join(", ")})`, file);
  }
  const name = raw.name;
  if (typeof name !== "string" || name.trim() === "") throw new WorkloadError("name", "is required and must be a non-empty string", file);
  const topics = int(raw, "topics", 1, LIMITS.topics, undefined, file);
  const partitionsPerTopic = int(raw, "partitionsPerTopic", 1, LIMITS.partitionsPerTopic, undefined, file);
  const messageSize = int(raw, "messageSize", MIN_MESSAGE_BYTES, LIMITS.messageSize, undefined, file);
  const subscriptionsPerTopic = int(raw, "subscriptionsPerTopic", 0, 16, 1, file);
  const consumerPerSubscription = int(raw, "consumerPerSubscription", 1, LIMITS.consumerProcesses, 1, file);
  const producersPerTopic = int(raw, "producersPerTopic", 1, LIMITS.producerProcesses, 1, file);
  if (topics * producersPerTopic > LIMITS.producerProcesses) throw new WorkloadError("producersPerTopic", `topics × producersPerTopic = ${topics * producersPerTopic}, more producer processes than ${LIMITS.producerProcesses}`, file);
  const consumers = topics * subscriptionsPerTopic * consumerPerSubscription;
  if (consumers > LIMITS.consumerProcesses) throw new WorkloadError("consumerPerSubscription", `topics × subscriptionsPerTopic × consumerPerSubscription = ${consumers}, more consumer processes than ${LIMITS.consumerProcesses}`, file);
  const producerRate = int(raw, "producerRate", 0, LIMITS.producerRate, undefined, file);
  const consumerBacklogSizeGB = num(raw, "consumerBacklogSizeGB", 0, LIMITS.consumerBacklogSizeGB, 0, file);
  const opt = (f: string, min: number, max: number): number | null => (raw[f] === undefined || raw[f] === null ? null : num(raw, f, min, max, undefined, file));
  const producerStartRate = opt("producerStartRate", 1, LIMITS.producerRate);
  const producerIncrementRate = opt("producerIncrementRate", 1, LIMITS.producerRate);
  const producerIncrementSeconds = opt("producerIncrementSeconds", 1, 600);
  const acceptableBacklog = opt("acceptableBacklog", 1, 1e12);
  const testDurationMinutes = num(raw, "testDurationMinutes", 0, LIMITS.testDurationMinutes, undefined, file, true);
  const warmupDurationMinutes = num(raw, "warmupDurationMinutes", 0, LIMITS.warmupDurationMinutes, 1, file);
  const kd = raw.keyDistributor ?? "NO_KEY";
  if (typeof kd !== "string" || !(KEY_DISTRIBUTORS as readonly string[]).includes(kd)) throw new WorkloadError("keyDistributor", `must be one of ${KEY_DISTRIBUTORS.join(", ")}, got ${JSON.stringify(kd)}`, file);
  const keySpace = int(raw, "keySpace", 1, LIMITS.keySpace, 10_000, file);
  const topicConfig = parseTopicConfig(raw.topicConfig, "topicConfig", file);
  if (topicConfig["cleanup.policy"]?.includes("compact") && kd === "NO_KEY") throw new WorkloadError("keyDistributor", "a compacted topic (topicConfig cleanup.policy=compact) needs keys: use KEY_ROUND_ROBIN or RANDOM_NANO", file);
  const description = raw.description ?? "";
  if (typeof description !== "string") throw new WorkloadError("description", "must be a string", file);

  let payloadFile: string | null = null;
  let payloadFileMissing: string | null = null;
  if (raw.payloadFile !== undefined && raw.payloadFile !== null) {
    if (typeof raw.payloadFile !== "string" || raw.payloadFile === "") throw new WorkloadError("payloadFile", "must be a path", file);
    const p = isAbsolute(raw.payloadFile) ? raw.payloadFile : resolve(file ? dirname(file) : process.cwd(), raw.payloadFile);
    if (existsSync(p)) {
      const size = readFileSync(p).length;
      if (size !== messageSize) throw new WorkloadError("payloadFile", `${raw.payloadFile} holds ${size} bytes but messageSize is ${messageSize}`, file);
      payloadFile = p;
    } else payloadFileMissing = raw.payloadFile;
  }
  const ignored: Record<string, unknown> = {};
  for (const k of OMB_IGNORED) if (raw[k] !== undefined) ignored[k] = raw[k];
  return {
    name: name.trim(),
    id,
    topics,
    partitionsPerTopic,
    messageSize,
    payloadFile,
    payloadFileMissing,
    subscriptionsPerTopic,
    consumerPerSubscription,
    producersPerTopic,
    producerRate,
    consumerBacklogSizeGB,
    producerStartRate,
    producerIncrementRate,
    producerIncrementSeconds,
    acceptableBacklog,
    testDurationMinutes,
    warmupDurationMinutes,
    keyDistributor: kd as KeyDistributor,
    keySpace,
    topicConfig,
    description,
    ignored,
  };
}

/** Parses YAML text; a syntax error becomes a WorkloadError naming the document. */
export function parseWorkload(text: string, id: string, file?: string): Workload {
  let doc: unknown;
  try {
    doc = Bun.YAML.parse(text);
  } catch (e) {
    throw new WorkloadError("(yaml)", `does not parse: ${(e as Error).message}`, file);
  }
  return validateWorkload(doc, id, file);
}

/** Resolves a workload argument: a path to a .yaml file, or the name of one in bench/workloads. */
export function resolveWorkloadPath(arg: string): string {
  const candidates = [arg, `${arg}.yaml`, join(WORKLOADS_DIR, arg), join(WORKLOADS_DIR, `${arg}.yaml`)];
  const found = candidates.find((c) => existsSync(c) && c.endsWith(".yaml"));
  if (!found) throw new WorkloadError("(file)", `no workload "${arg}" (a .yaml path, or one of: ${listWorkloads().join(", ")})`);
  return resolve(found);
}

export function loadWorkload(arg: string): Workload {
  const path = resolveWorkloadPath(arg);
  return parseWorkload(readFileSync(path, "utf8"), basename(path, ".yaml"), path);
}

export function listWorkloads(): string[] {
  const glob = new Bun.Glob("*.yaml");
  return [...glob.scanSync({ cwd: WORKLOADS_DIR })].map((f) => basename(f, ".yaml")).sort();
}

/**
 * Client configuration in the shape of OMB's Kafka driver files (driver-kafka/*.yaml):
 * replicationFactor, topicConfig, commonConfig, producerConfig, consumerConfig, the last four as
 * blocks of key=value lines (Java client property names; librdkafka accepts the same names for the
 * ones used here). Plus the `--target` option: `name=bootstrap[;topic:key=value][;producer:key=value]
 * [;consumer:key=value]`, where bootstrap `local` starts a Takhin broker for the run.
 */
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseTopicConfig, WorkloadError } from "./workload.ts";

export const DRIVERS_DIR = join(import.meta.dir, "..", "workloads", "drivers");
export const DEFAULT_DRIVER = join(DRIVERS_DIR, "kafka-throughput.yaml");

export interface Driver {
  name: string;
  file: string | null;
  replicationFactor: number;
  topicConfig: Record<string, string>;
  commonConfig: Record<string, string>;
  producerConfig: Record<string, string>;
  consumerConfig: Record<string, string>;
}

/**
 * Java-client properties that librdkafka does not know; dropped (and listed in the report) so an
 * unmodified OMB driver file still runs.
 */
export const JAVA_ONLY = new Set([
  "default.api.timeout.ms",
  "key.serializer",
  "value.serializer",
  "key.deserializer",
  "value.deserializer",
  "buffer.memory",
  "max.block.ms",
  "delivery.timeout.ms.java",
]);

const DRIVER_FIELDS = new Set(["name", "driverClass", "replicationFactor", "reset", "topicConfig", "commonConfig", "producerConfig", "consumerConfig"]);

export function parseDriver(text: string, file: string | null): Driver {
  let doc: unknown;
  try {
    doc = Bun.YAML.parse(text);
  } catch (e) {
    throw new WorkloadError("(yaml)", `does not parse: ${(e as Error).message}`, file ?? undefined);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new WorkloadError("(document)", "must be a YAML mapping", file ?? undefined);
  const raw = doc as Record<string, unknown>;
  for (const k of Object.keys(raw)) if (!DRIVER_FIELDS.has(k)) throw new WorkloadError(k, `unknown driver field (known: ${[...DRIVER_FIELDS].join(", ")})`, file ?? undefined);
  const rf = raw.replicationFactor ?? 1;
  if (typeof rf !== "number" || !Number.isInteger(rf) || rf < 1 || rf > 16) throw new WorkloadError("replicationFactor", `must be an integer 1..16, got ${JSON.stringify(rf)}`, file ?? undefined);
  const f = file ?? undefined;
  return {
    name: typeof raw.name === "string" ? raw.name : file ? basename(file, ".yaml") : "driver",
    file,
    replicationFactor: rf,
    topicConfig: parseTopicConfig(raw.topicConfig, "topicConfig", f),
    commonConfig: parseTopicConfig(raw.commonConfig, "commonConfig", f),
    producerConfig: parseTopicConfig(raw.producerConfig, "producerConfig", f),
    consumerConfig: parseTopicConfig(raw.consumerConfig, "consumerConfig", f),
  };
}

export function loadDriver(path: string = DEFAULT_DRIVER): Driver {
  const candidates = [path, join(DRIVERS_DIR, path), join(DRIVERS_DIR, `${path}.yaml`)];
  for (const c of candidates) {
    try {
      return parseDriver(readFileSync(c, "utf8"), c);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" && (e as NodeJS.ErrnoException).code !== "EISDIR") throw e;
    }
  }
  throw new WorkloadError("--driver", `no driver file "${path}"`);
}

/** Splits client properties into the ones passed to librdkafka and the Java-only ones dropped. */
export function librdkafkaConfig(props: Record<string, string>): { config: Record<string, string>; dropped: string[] } {
  const config: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(props)) {
    if (JAVA_ONLY.has(k)) dropped.push(k);
    else if (k !== "bootstrap.servers") config[k] = v;
  }
  return { config, dropped };
}

export interface Target {
  name: string;
  /** host:port[,host:port]; "local" starts a Takhin broker for the run, "local-kafka" an Apache Kafka peer (peer/kafka). */
  bootstrap: string;
  topicConfig: Record<string, string>;
  producerConfig: Record<string, string>;
  consumerConfig: Record<string, string>;
  /** The option as given, for the report. */
  spec: string;
}

/** The bootstrap value that starts Apache Kafka (peer/kafka) for the run, as "local" starts Takhin. */
export const LOCAL_KAFKA = "local-kafka";

/** Which broker a local target starts, or null for a remote one. */
export function localKind(t: Target): "takhin" | "kafka" | null {
  return t.bootstrap === "local" ? "takhin" : t.bootstrap === LOCAL_KAFKA ? "kafka" : null;
}

const HOSTPORT = /^[A-Za-z0-9._\-\[\]:]+:\d{1,5}$/;

export function parseBootstrap(s: string, option = "--bootstrap"): string {
  const parts = s.split(",").map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new WorkloadError(option, "needs host:port[,host:port]");
  for (const p of parts) if (!HOSTPORT.test(p)) throw new WorkloadError(option, `"${p}" is not host:port`);
  return parts.join(",");
}

/** `name=bootstrap[;topic:k=v][;producer:k=v][;consumer:k=v]` */
export function parseTarget(spec: string): Target {
  const [head, ...opts] = spec.split(";");
  const eq = head.indexOf("=");
  if (eq <= 0) throw new WorkloadError("--target", `expected name=bootstrap, got "${spec}"`);
  const name = head.slice(0, eq).trim();
  if (!/^[A-Za-z0-9._-]{1,40}$/.test(name)) throw new WorkloadError("--target", `name "${name}" must be 1-40 letters, digits, . _ -`);
  const bs = head.slice(eq + 1).trim();
  const bootstrap = bs === "local" || bs === LOCAL_KAFKA ? bs : parseBootstrap(bs, "--target");
  const t: Target = { name, bootstrap, topicConfig: {}, producerConfig: {}, consumerConfig: {}, spec };
  for (const o of opts) {
    if (!o.trim()) continue;
    const m = o.trim().match(/^(topic|producer|consumer):([A-Za-z0-9._-]+)=(.*)$/);
    if (!m) throw new WorkloadError("--target", `option "${o}" must be topic:key=value, producer:key=value or consumer:key=value`);
    const bag = m[1] === "topic" ? t.topicConfig : m[1] === "producer" ? t.producerConfig : t.consumerConfig;
    bag[m[2]] = m[3];
  }
  return t;
}

/**
 * Starts and stops Apache Kafka on loopback as Takhin's reference peer: one or N combined
 * broker+controller KRaft nodes (`process.roles=broker,controller`), each a `java kafka.Kafka`
 * process with the settings of ./settings.ts. Storage is formatted on first start.
 *
 * Data directory layout (`dataDir`):
 *   peer.json                 state: cluster id, bootstrap, one entry per node {nodeId, port, controllerPort, pid}
 *   log4j2.properties         the logging configuration every node uses
 *   node-<id>/server.properties, node-<id>/data (log.dirs),
 *   node-<id>/kafka.log       stdout+stderr: Kafka's own log (log4j2 Console appender, reached through
 *                             SLF4J; the pom pins slf4j-api 2.x so log4j-slf4j2-impl binds)
 *
 * Two ways to use it: `startKafkaPeer()` for tests and benchmarks (the handle's stop() ends the
 * processes), and the CLI (./cli.ts: start | stop | status) which leaves the nodes running and
 * finds them again through peer.json.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync, closeSync } from "node:fs";
import { join, resolve } from "node:path";
import { kafkaClasspath, kafkaVersion } from "./classpath.ts";
import { freePort, metadataBrokers } from "./probe.ts";
import { KAFKA_HEAP_OPTS, KAFKA_JVM_OPTS, LOG4J2_PROPERTIES, serverProperties, type NodeLayout } from "./settings.ts";
import { processAlive } from "../../src/util/process.ts";

const STATE_FILE = "peer.json";
/** First start of a JVM broker on 2 shared cores takes seconds; formatting too. */
const DEFAULT_START_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 30_000;
const PROBE_INTERVAL_MS = 250;

export interface KafkaPeerOptions {
  /** Number of combined broker+controller nodes (default 1). */
  nodes?: number;
  /** Kafka port of the first node (default: a free port); node i listens on port + i. */
  port?: number;
  dataDir: string;
  host?: string;
  startTimeoutMs?: number;
  /** Extra server.properties for this start (e.g. a benchmark's group.initial.rebalance.delay.ms=0). */
  overrides?: Record<string, string | number | boolean>;
  /** How often readiness is probed (default 250 ms); a benchmark timing the start probes finer. */
  probeIntervalMs?: number;
}

export interface PeerNodeState extends NodeLayout {
  pid: number;
}

export interface PeerState {
  kafkaVersion: string;
  clusterId: string;
  host: string;
  bootstrap: string;
  nodes: PeerNodeState[];
}

export interface KafkaPeer {
  readonly state: PeerState;
  readonly bootstrap: string;
  /** Milliseconds from spawning the JVMs to every node answering Metadata with the whole cluster. */
  readonly startupMs: number;
  /** Ends every node (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** SIGKILL one node (fault tests). */
  kill(nodeId: number): void;
}

function kafkaClusterId(): string {
  // Kafka's Uuid.toString: 16 random bytes, URL-safe base64 without padding (22 characters). As
  // Kafka's Uuid.randomUuid, never one starting with "-": kafka-storage would read it as a flag.
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}


export function readState(dataDir: string): PeerState | null {
  const file = join(dataDir, STATE_FILE);
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, "utf8")) as PeerState;
}

function layout(opts: KafkaPeerOptions, dataDir: string, host: string): NodeLayout[] {
  const count = opts.nodes ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 9) throw new Error(`--nodes must be 1..9, not ${count}`);
  const existing = readState(dataDir);
  return Array.from({ length: count }, (_, i) => {
    const old = existing?.nodes[i];
    const port = opts.port !== undefined ? opts.port + i : (old?.port ?? freePort(host));
    return { nodeId: i + 1, port, controllerPort: old?.controllerPort ?? freePort(host), logDir: join(dataDir, `node-${i + 1}`, "data") };
  });
}

function java(): string {
  const home = process.env.KAFKA_PEER_JAVA_HOME ?? process.env.JAVA_HOME;
  return home ? join(home, "bin", "java") : "java";
}

function runSync(cmd: string[], what: string): void {
  const res = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (res.exitCode !== 0) throw new Error(`${what} failed (exit ${res.exitCode}): ${res.stdout.toString()}${res.stderr.toString()}`.slice(0, 4000));
}

async function waitReady(host: string, nodes: NodeLayout[], procs: { exited: boolean; pid: number }[], timeoutMs: number, logOf: (id: number) => string, intervalMs = PROBE_INTERVAL_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answers = await Promise.all(nodes.map((n) => metadataBrokers(host, n.port, 2000)));
    if (answers.every((a) => a !== null && a.length === nodes.length)) return;
    const dead = procs.findIndex((p) => p.exited || !processAlive(p.pid));
    if (dead >= 0) throw new Error(`Kafka node ${nodes[dead]!.nodeId} exited during start; its log:\n${tail(logOf(nodes[dead]!.nodeId))}`);
    if (Date.now() > deadline) throw new Error(`Kafka did not answer Metadata with ${nodes.length} broker(s) within ${timeoutMs} ms`);
    await Bun.sleep(intervalMs);
  }
}

function tail(file: string, bytes = 4000): string {
  if (!existsSync(file)) return "(no log)";
  const text = readFileSync(file, "utf8");
  return text.slice(-bytes);
}

export async function startKafkaPeer(opts: KafkaPeerOptions): Promise<KafkaPeer> {
  const host = opts.host ?? "127.0.0.1";
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const previous = readState(dataDir);
  if (previous && previous.nodes.some((n) => processAlive(n.pid))) {
    throw new Error(`a Kafka peer is already running from ${dataDir} (pids ${previous.nodes.map((n) => n.pid).join(", ")}); stop it first`);
  }
  const classpath = kafkaClasspath();
  const nodes = layout(opts, dataDir, host);
  const clusterId = previous?.clusterId ?? kafkaClusterId();
  const log4j = join(dataDir, "log4j2.properties");
  writeFileSync(log4j, LOG4J2_PROPERTIES);
  const jvm = [java(), ...KAFKA_HEAP_OPTS, ...KAFKA_JVM_OPTS, `-Dlog4j2.configurationFile=${log4j}`, "-cp", classpath];

  const nodeDir = (id: number) => join(dataDir, `node-${id}`);
  const logOf = (id: number) => join(nodeDir(id), "kafka.log");
  for (const n of nodes) {
    mkdirSync(nodeDir(n.nodeId), { recursive: true });
    const props = join(nodeDir(n.nodeId), "server.properties");
    writeFileSync(props, serverProperties(n, nodes, host, opts.overrides));
    if (!existsSync(join(n.logDir, "meta.properties"))) {
      runSync([...jvm, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", props, "--ignore-formatted"], `formatting node ${n.nodeId}`);
    }
  }

  const startedAt = performance.now();
  const procs = nodes.map((n) => {
    const fd = openSync(logOf(n.nodeId), "a");
    const proc = Bun.spawn([...jvm, "kafka.Kafka", join(nodeDir(n.nodeId), "server.properties")], {
      stdin: "ignore",
      stdout: fd,
      stderr: fd,
    });
    closeSync(fd);
    const handle = { pid: proc.pid, exited: false, proc };
    void proc.exited.then(() => {
      handle.exited = true;
    });
    return handle;
  });
  const state: PeerState = {
    kafkaVersion: kafkaVersion(),
    clusterId,
    host,
    bootstrap: nodes.map((n) => `${host}:${n.port}`).join(","),
    nodes: nodes.map((n, i) => ({ ...n, pid: procs[i]!.pid })),
  };
  writeFileSync(join(dataDir, STATE_FILE), JSON.stringify(state, null, 2) + "\n");
  try {
    await waitReady(host, nodes, procs, opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, logOf, opts.probeIntervalMs);
  } catch (e) {
    await stopPids(procs.map((p) => p.pid));
    throw e;
  }
  const startupMs = performance.now() - startedAt;
  return {
    state,
    bootstrap: state.bootstrap,
    startupMs,
    stop: () => stopPids(procs.map((p) => p.pid)),
    kill(nodeId: number) {
      const p = procs[nodeId - 1];
      if (p && processAlive(p.pid)) process.kill(p.pid, "SIGKILL");
    },
  };
}

/** SIGTERM every pid, wait for them to go (Kafka shuts down cleanly), SIGKILL what is left. */
export async function stopPids(pids: number[]): Promise<void> {
  for (const pid of pids) if (processAlive(pid)) process.kill(pid, "SIGTERM");
  const deadline = Date.now() + STOP_GRACE_MS;
  while (pids.some(processAlive) && Date.now() < deadline) await Bun.sleep(100);
  for (const pid of pids) if (processAlive(pid)) process.kill(pid, "SIGKILL");
  while (pids.some(processAlive)) await Bun.sleep(20);
}

/** Status of a peer started by the CLI: each node's pid liveness and whether it answers Metadata. */
export async function peerStatus(dataDir: string): Promise<{ state: PeerState; nodes: { nodeId: number; running: boolean; brokers: number[] | null }[] } | null> {
  const state = readState(resolve(dataDir));
  if (!state) return null;
  const nodes = await Promise.all(
    state.nodes.map(async (n) => ({ nodeId: n.nodeId, running: processAlive(n.pid), brokers: processAlive(n.pid) ? await metadataBrokers(state.host, n.port, 2000) : null })),
  );
  return { state, nodes };
}

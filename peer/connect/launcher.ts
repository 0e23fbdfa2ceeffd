/**
 * Starts and stops a Kafka Connect worker in distributed mode (`ConnectDistributed`, the class
 * behind connect-distributed.sh) against any Kafka-compatible bootstrap — Takhin in the tests —
 * with the file connectors (FileStreamSource, FileStreamSink) on its classpath (./pom.xml).
 *
 * Worker directory layout (`dataDir`):
 *   connect.properties   the worker's config (below; `overrides` replace or add keys)
 *   log4j2.properties    Connect's log configuration (INFO to stdout)
 *   connect.log          stdout+stderr of the JVM, appended across restarts
 *
 * Config: StringConverter for keys and values (the file connectors' lines go through byte for
 * byte), internal topics `<topicPrefix>-configs` (1 partition), `-offsets` (25) and `-status` (5),
 * all compacted and with replication factor 1, created by the worker itself; offsets flushed every
 * second (Connect's default is 60 s) so tests see committed source offsets soon.
 *
 * Readiness: GET /health answers 200 once the worker has joined its group and read the config
 * topic (KIP-1017; 503 before). Several workers with the same groupId and topicPrefix form one
 * Connect cluster.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { processAlive } from "../../src/util/process.ts";
import { freePort } from "../kafka/probe.ts";
import { stopPids } from "../kafka/launcher.ts";
import { connectClasspath } from "./classpath.ts";

/** A JVM worker's first start on 2 shared cores takes seconds (class loading, the group join). */
const DEFAULT_START_TIMEOUT_MS = 90_000;
const PROBE_INTERVAL_MS = 200;
/** connect-distributed.sh's default heap is -Xms256M -Xmx2G; tests need far less than 2 GiB. */
export const CONNECT_HEAP_OPTS = ["-Xms256m", "-Xmx768m"];
/** A test worker lives for seconds to minutes: C1 only starts and warms up faster on 2 shared cores. */
export const CONNECT_JVM_OPTS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.awt.headless=true"];

export const CONNECT_LOG4J2_PROPERTIES = `status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = out
logger.reflections.name = org.reflections
logger.reflections.level = error
`;

export interface ConnectWorkerOptions {
  /** Kafka bootstrap servers (host:port,...). */
  bootstrap: string;
  /** The worker's directory (created if missing). */
  dataDir: string;
  /** Connect cluster id (group.id); default "takhin-connect". */
  groupId?: string;
  /** Prefix of the internal topics; default "connect" (connect-configs, connect-offsets, connect-status). */
  topicPrefix?: string;
  /** REST port (default: a free one). */
  port?: number;
  host?: string;
  startTimeoutMs?: number;
  /** Worker properties added or replaced (e.g. scheduled.rebalance.max.delay.ms for a rebalance test). */
  overrides?: Record<string, string | number | boolean>;
}

export interface ConnectWorker {
  /** REST base URL, e.g. http://127.0.0.1:8083 */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Milliseconds from spawning the JVM to GET /health answering 200. */
  readonly startupMs: number;
  readonly logFile: string;
  /** SIGTERM (Connect stops its connectors and leaves the group), SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** SIGKILL now, and wait for the process to be gone (fault tests). */
  kill(): Promise<void>;
}

export function workerProperties(opts: ConnectWorkerOptions, host: string, port: number): Record<string, string | number | boolean> {
  const prefix = opts.topicPrefix ?? "connect";
  return {
    "bootstrap.servers": opts.bootstrap,
    "group.id": opts.groupId ?? "takhin-connect",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    "config.storage.topic": `${prefix}-configs`,
    "offset.storage.topic": `${prefix}-offsets`,
    "status.storage.topic": `${prefix}-status`,
    "config.storage.replication.factor": 1,
    "offset.storage.replication.factor": 1,
    "status.storage.replication.factor": 1,
    "offset.storage.partitions": 25,
    "status.storage.partitions": 5,
    "offset.flush.interval.ms": 1000,
    listeners: `http://${host}:${port}`,
    "rest.advertised.host.name": host,
    "rest.advertised.port": port,
    // The file connectors are on the classpath; no plugin.path to scan.
    "plugin.discovery": "only_scan",
    ...opts.overrides,
  };
}

function java(): string {
  const home = process.env.CONNECT_PEER_JAVA_HOME ?? process.env.KAFKA_PEER_JAVA_HOME ?? process.env.JAVA_HOME;
  return home ? join(home, "bin", "java") : "java";
}

function tail(file: string, bytes = 4000): string {
  if (!existsSync(file)) return "(no log)";
  return readFileSync(file, "utf8").slice(-bytes);
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

export async function startConnectWorker(opts: ConnectWorkerOptions): Promise<ConnectWorker> {
  const host = opts.host ?? "127.0.0.1";
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const port = opts.port ?? freePort(host);
  const propsFile = join(dataDir, "connect.properties");
  const props = workerProperties(opts, host, port);
  writeFileSync(propsFile, Object.entries(props).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
  const log4j = join(dataDir, "log4j2.properties");
  writeFileSync(log4j, CONNECT_LOG4J2_PROPERTIES);
  const logFile = join(dataDir, "connect.log");
  const fd = openSync(logFile, "a");
  const startedAt = performance.now();
  const proc = Bun.spawn(
    [java(), ...CONNECT_HEAP_OPTS, ...CONNECT_JVM_OPTS, `-Dlog4j2.configurationFile=${log4j}`, "-cp", connectClasspath(), "org.apache.kafka.connect.cli.ConnectDistributed", propsFile],
    { stdin: "ignore", stdout: fd, stderr: fd },
  );
  closeSync(fd);
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  const url = `http://${host}:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  for (;;) {
    if (await healthy(url)) break;
    if (exited) throw new Error(`the Connect worker exited during start (code ${proc.exitCode}); its log:\n${tail(logFile)}`);
    if (Date.now() > deadline) {
      await stopPids([proc.pid]);
      throw new Error(`the Connect worker did not become healthy within ${opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS} ms; its log:\n${tail(logFile)}`);
    }
    await Bun.sleep(PROBE_INTERVAL_MS);
  }
  const startupMs = performance.now() - startedAt;
  return {
    url,
    port,
    pid: proc.pid,
    startupMs,
    logFile,
    stop: () => stopPids([proc.pid]),
    async kill() {
      if (processAlive(proc.pid)) process.kill(proc.pid, "SIGKILL");
      await proc.exited;
    },
  };
}

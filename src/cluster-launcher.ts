/**
 * A local cluster in one command: N combined nodes (broker + controller), each its own
 * `bun src/main.ts` process on 127.0.0.1, so one can be killed alone.
 *
 *   bun run cluster -- --nodes 3 [--base-port 19092] [--data-dir ./data/cluster]
 *
 * Node i (ids 0..N-1) serves Kafka on base-port + i and its controller listener on
 * base-port + 100 + i; its data lives in <data-dir>/node-<i>. Once every node is ready the launcher
 * prints one line, `takhin cluster ready bootstrap=127.0.0.1:<p0>,...`, stays in the foreground
 * with each node's log lines on stderr prefixed `[node-<i>]`, and on Ctrl-C (SIGINT) or SIGTERM
 * stops every node gracefully (SIGTERM, then SIGKILL after the grace period) and exits 0.
 *
 * As a library (tests): `const c = await startLocalCluster({ nodes: 3, basePort, dataDir })`,
 * then `c.bootstrap`, `c.stop()`, and the faults of test/cluster/faults: `c.kill(id)` (kill -9),
 * `c.pause(id)` / `c.resume(id)` (SIGSTOP / SIGCONT), `c.restart(id)` (same data directory),
 * `c.waitForBrokers(ids)` (every running node's Metadata lists exactly those brokers: registered
 * and unfenced), `c.activeController()`.
 *
 * `peerAddress(from, to)` makes node `from` dial node `to`'s controller listener at another address
 * (a fault-injecting proxy, test/helpers/fault-proxy.ts): each node then gets its own
 * controller_quorum_voters, its own entry with its real port and every other entry with the proxy's.
 * This works because the cluster id depends on the voter ids only (cluster-node.ts clusterIdOf).
 * `advertisedKafkaPort(id)` makes a node advertise its Kafka listener at another port (a proxy in
 * front of it, for faults on the path of clients and, with replication, of followers).
 */
import { join, resolve } from "node:path";
import { BrokerConnection } from "./client/connection.ts";
import { Metadata } from "./protocol/messages/metadata.ts";

const MAIN = join(import.meta.dir, "main.ts");
export const MAX_LOCAL_NODES = 9;
/** Output kept per node for diagnostics (the newest bytes). */
const OUTPUT_KEEP_CHARS = 256 * 1024;

export interface LocalClusterOptions {
  nodes: number;
  basePort?: number;
  dataDir?: string;
  /** Extra environment for every node (TAKHIN_LOG_LEVEL, ...). */
  env?: Record<string, string>;
  /** Extra environment for one node (TAKHIN_RACK per node, ...), over `env`. */
  nodeEnv?: (nodeId: number) => Record<string, string>;
  /** Each output line of a node, e.g. to forward it; kept in memory either way (bounded). */
  onLine?: (nodeId: number, line: string) => void;
  readyTimeoutMs?: number;
  /** Where node `from` reaches node `to`'s controller listener (default: its real address). */
  peerAddress?: (from: number, to: number) => { host: string; port: number };
  /** The Kafka port node `id` advertises (default: the port it listens on). */
  advertisedKafkaPort?: (id: number) => number;
  /** More client listeners of node `id`, e.g. "SASL_PLAINTEXT://127.0.0.1:0" (with their protocols in TAKHIN_LISTENER_SECURITY_PROTOCOL_MAP). */
  extraListeners?: (id: number) => string;
}

/** One node's answer to Metadata: the brokers it lists (registered and unfenced) and its controller. */
export interface NodeView {
  readonly nodeId: number;
  readonly brokers: number[];
  readonly controllerId: number;
}

const PROBE_TIMEOUT_MS = 2000;

export interface LocalNode {
  readonly id: number;
  readonly kafkaPort: number;
  readonly controllerPort: number;
  /** The Admin API port (basePort + 200 + id) unless TAKHIN_ADMIN_API_PORT is set in the environment. */
  readonly adminPort: number;
  readonly dataDir: string;
  proc: ReturnType<typeof Bun.spawn> | null;
  output: string;
  /** SIGSTOPped by pause() and not resumed yet. */
  paused: boolean;
}

export class LocalCluster {
  readonly nodes: LocalNode[] = [];
  private readonly env: Record<string, string>;

  constructor(
    private readonly o: Required<Omit<LocalClusterOptions, "env" | "onLine" | "peerAddress" | "advertisedKafkaPort" | "nodeEnv" | "extraListeners">> &
      Pick<LocalClusterOptions, "env" | "onLine" | "peerAddress" | "advertisedKafkaPort" | "nodeEnv" | "extraListeners">,
  ) {
    for (let id = 0; id < o.nodes; id++) {
      this.nodes.push({ id, kafkaPort: o.basePort + id, controllerPort: o.basePort + 100 + id, adminPort: o.basePort + 200 + id, dataDir: join(o.dataDir, `node-${id}`), proc: null, output: "", paused: false });
    }
    this.env = { TAKHIN_PROCESS_ROLES: "broker,controller", TAKHIN_HOST: "127.0.0.1", ...o.env };
  }

  /** Node `id`'s controller_quorum_voters: itself at its real port, the others where peerAddress says. */
  votersFor(id: number): string {
    return this.nodes
      .map((n) => {
        const a = n.id === id || !this.o.peerAddress ? { host: "127.0.0.1", port: n.controllerPort } : this.o.peerAddress(id, n.id);
        return `${n.id}@${a.host}:${a.port}`;
      })
      .join(",");
  }

  get bootstrap(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.kafkaPort}`).join(",");
  }

  node(id: number): LocalNode {
    const n = this.nodes[id];
    if (!n) throw new RangeError(`no node ${id}`);
    return n;
  }

  /** Starts node `id` (again); resolves once it printed its readiness line. */
  async start(id: number): Promise<void> {
    const n = this.node(id);
    if (n.proc && n.proc.exitCode === null && n.proc.signalCode === null) throw new Error(`node ${id} is running`);
    n.output = "";
    n.paused = false;
    const advertised = this.o.advertisedKafkaPort?.(id);
    const proc = Bun.spawn(["bun", MAIN], {
      env: {
        ...process.env,
        TAKHIN_CONTROLLER_QUORUM_VOTERS: this.votersFor(id),
        TAKHIN_ADMIN_API_PORT: process.env.TAKHIN_ADMIN_API_PORT ?? String(n.adminPort),
        // One Schema Registry port per node (basePort + 300 + id), not 8081 for all of them.
        TAKHIN_SCHEMA_REGISTRY_PORT: process.env.TAKHIN_SCHEMA_REGISTRY_PORT ?? String(n.kafkaPort + 300),
        // And one HTTP Proxy port per node (basePort + 400 + id).
        TAKHIN_HTTP_PROXY_PORT: process.env.TAKHIN_HTTP_PROXY_PORT ?? String(n.kafkaPort + 400),
        // And one console port per node (basePort + 500 + id).
        TAKHIN_CONSOLE_PORT: process.env.TAKHIN_CONSOLE_PORT ?? String(n.kafkaPort + 500),
        ...this.env,
        ...this.o.nodeEnv?.(id),
        TAKHIN_NODE_ID: String(id),
        TAKHIN_DATA_DIR: n.dataDir,
        TAKHIN_KAFKA_PORT: String(n.kafkaPort),
        TAKHIN_LISTENERS: `PLAINTEXT://127.0.0.1:${n.kafkaPort},CONTROLLER://127.0.0.1:${n.controllerPort}${this.o.extraListeners ? `,${this.o.extraListeners(id)}` : ""}`,
        ...(advertised !== undefined ? { TAKHIN_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${advertised},CONTROLLER://127.0.0.1:${n.controllerPort}` } : {}),
      },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    n.proc = proc;
    const decoder = new TextDecoder();
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      let partial = "";
      for await (const chunk of stream) {
        const text = decoder.decode(chunk, { stream: true });
        n.output = (n.output + text).slice(-OUTPUT_KEEP_CHARS);
        if (this.o.onLine) {
          const lines = (partial + text).split("\n");
          partial = lines.pop()!;
          for (const l of lines) this.o.onLine(id, l);
        }
      }
    };
    void pump(proc.stdout as ReadableStream<Uint8Array>);
    void pump(proc.stderr as ReadableStream<Uint8Array>);
    const deadline = Date.now() + this.o.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (/takhin ready kafka=/.test(n.output)) return;
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`node ${id} exited before it was ready:\n${n.output.slice(-3000)}`);
      await Bun.sleep(20);
    }
    throw new Error(`node ${id} not ready within ${this.o.readyTimeoutMs} ms:\n${n.output.slice(-3000)}`);
  }

  /** Sends `signal` (default SIGKILL, kill -9) to node `id` and waits for its exit. */
  async kill(id: number, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const n = this.node(id);
    const proc = n.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    // A stopped process takes SIGKILL, but a SIGTERM waits for SIGCONT.
    if (n.paused && signal !== "SIGKILL") proc.kill("SIGCONT");
    await proc.exited;
    n.paused = false;
  }

  /** SIGSTOP: the process stays, its sockets stay open, it answers nothing (a hung machine). */
  pause(id: number): void {
    const n = this.node(id);
    if (!this.isRunning(id)) throw new Error(`node ${id} is not running`);
    n.proc!.kill("SIGSTOP");
    n.paused = true;
  }

  /** SIGCONT after pause(). */
  resume(id: number): void {
    const n = this.node(id);
    if (!this.isRunning(id)) throw new Error(`node ${id} is not running`);
    n.proc!.kill("SIGCONT");
    n.paused = false;
  }

  /** kill -9 (or `signal`), then start again on the same data directory and ports. */
  async restart(id: number, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await this.kill(id, signal);
    await this.start(id);
  }

  /** Node `id`'s Metadata answer (brokers only), or null when it does not answer in time. */
  async view(id: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<NodeView | null> {
    if (!this.isRunning(id) || this.node(id).paused) return null;
    const c = new BrokerConnection("127.0.0.1", this.node(id).kafkaPort, { requestTimeoutMs: timeoutMs, connectTimeoutMs: timeoutMs, maxConnectAttempts: 1 });
    try {
      const { body } = await c.send(Metadata, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, { timeoutMs });
      return { nodeId: id, brokers: body.brokers.map((b) => b.nodeId).sort((a, b) => a - b), controllerId: body.controllerId };
    } catch {
      return null;
    } finally {
      c.close();
    }
  }

  /**
   * Waits until every running, unpaused node (or those in `askNodes`) lists exactly `brokers` in
   * Metadata (registered and unfenced) and names an active controller; returns the views.
   */
  async waitForBrokers(brokers: number[], o: { timeoutMs?: number; askNodes?: number[] } = {}): Promise<NodeView[]> {
    const want = [...brokers].sort((a, b) => a - b).join(",");
    const deadline = Date.now() + (o.timeoutMs ?? 30_000);
    let last: (NodeView | null)[] = [];
    for (;;) {
      const ask = o.askNodes ?? this.nodes.filter((n) => this.isRunning(n.id) && !n.paused).map((n) => n.id);
      last = await Promise.all(ask.map((id) => this.view(id)));
      if (last.every((v) => v !== null && v.brokers.join(",") === want && v.controllerId >= 0)) return last as NodeView[];
      if (Date.now() > deadline) throw new Error(`brokers [${want}] not seen by every node within ${o.timeoutMs ?? 30_000} ms: ${JSON.stringify(last)}`);
      await Bun.sleep(100);
    }
  }

  /** The active controller id as the running nodes report it, once they agree (or -1 after `timeoutMs`). */
  async activeController(o: { timeoutMs?: number; askNodes?: number[] } = {}): Promise<number> {
    const deadline = Date.now() + (o.timeoutMs ?? 30_000);
    while (Date.now() <= deadline) {
      const ask = o.askNodes ?? this.nodes.filter((n) => this.isRunning(n.id) && !n.paused).map((n) => n.id);
      const views = await Promise.all(ask.map((id) => this.view(id)));
      const ids = new Set(views.map((v) => v?.controllerId ?? -2));
      const [only] = [...ids];
      if (ids.size === 1 && only !== undefined && only >= 0 && ask.includes(only)) return only;
      await Bun.sleep(100);
    }
    return -1;
  }

  isRunning(id: number): boolean {
    const p = this.node(id).proc;
    return !!p && p.exitCode === null && p.signalCode === null;
  }

  /** Stops every node: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        const p = n.proc;
        if (!p || p.exitCode !== null || p.signalCode !== null) return;
        p.kill("SIGTERM");
        if (n.paused) p.kill("SIGCONT");
        const timer = setTimeout(() => p.kill("SIGKILL"), graceMs);
        await p.exited;
        clearTimeout(timer);
      }),
    );
  }
}

/** Starts every node at once (a quorum needs a majority before any node can register). */
export async function startLocalCluster(o: LocalClusterOptions): Promise<LocalCluster> {
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > MAX_LOCAL_NODES) throw new RangeError(`--nodes must be from 1 to ${MAX_LOCAL_NODES}, got ${o.nodes}`);
  const basePort = o.basePort ?? 19092;
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort + 100 + o.nodes > 65535) throw new RangeError(`--base-port must leave room for ${o.nodes} nodes below 65535, got ${basePort}`);
  const c = new LocalCluster({
    nodes: o.nodes,
    basePort,
    dataDir: resolve(o.dataDir ?? "./data/cluster"),
    env: o.env,
    nodeEnv: o.nodeEnv,
    onLine: o.onLine,
    readyTimeoutMs: o.readyTimeoutMs ?? 60_000,
    peerAddress: o.peerAddress,
    advertisedKafkaPort: o.advertisedKafkaPort,
    extraListeners: o.extraListeners,
  });
  try {
    await Promise.all(c.nodes.map((n) => c.start(n.id)));
  } catch (e) {
    await c.stop(2000);
    throw e;
  }
  return c;
}

const USAGE = `usage: bun run cluster -- [--nodes N] [--base-port P] [--data-dir D]

  --nodes N       combined nodes to start, 1-${MAX_LOCAL_NODES} (default 3)
  --base-port P   node i serves Kafka on P+i and its controller on P+100+i (default 19092)
  --data-dir D    node i keeps its data in D/node-<i> (default ./data/cluster)`;

export function parseClusterArgs(argv: string[]): { nodes: number; basePort: number; dataDir: string } | "help" {
  const out = { nodes: 3, basePort: 19092, dataDir: "./data/cluster" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    if (flag === "--help" || flag === "-h") return "help";
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--nodes" || flag === "--base-port") {
      if (!/^\d+$/.test(value)) throw new Error(`${flag} must be a number, got ${JSON.stringify(value)}`);
      if (flag === "--nodes") out.nodes = Number(value);
      else out.basePort = Number(value);
    } else if (flag === "--data-dir") out.dataDir = value;
    else throw new Error(`unknown option ${flag}`);
  }
  return out;
}

if (import.meta.main) {
  let args: ReturnType<typeof parseClusterArgs>;
  try {
    args = parseClusterArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`takhin cluster: ${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (args === "help") {
    console.log(USAGE);
    process.exit(0);
  }
  let cluster: LocalCluster | null = null;
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    console.error("takhin cluster: stopping every node");
    await cluster?.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stopAll());
  process.on("SIGTERM", () => void stopAll());
  try {
    cluster = await startLocalCluster({ ...args, onLine: (id, line) => process.stderr.write(`[node-${id}] ${line}\n`) });
  } catch (e) {
    console.error(`takhin cluster: ${(e as Error).message}`);
    process.exit(1);
  }
  console.log(`takhin cluster ready bootstrap=${cluster.bootstrap}`);
  for (const n of cluster.nodes) {
    void n.proc!.exited.then((code) => {
      if (!stopping) console.error(`takhin cluster: node ${n.id} exited (${n.proc!.signalCode ?? code}); the others keep running`);
    });
  }
}

/**
 * Starts the broker as a child process (`bun src/main.ts`) on 127.0.0.1 with its own data
 * directory, so that its CPU and RSS can be read from /proc apart from the load generator's, and
 * measures the time from spawn to the first accepted TCP connection.
 */
import type { Subprocess } from "bun";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const MAIN = join(ROOT, "src", "main.ts");

export interface BrokerProcess {
  pid: number;
  port: number;
  dataDir: string;
  /** Spawn to first accepted connection, in ms (includes starting Bun itself). */
  startupMs: number;
  /** The broker's own figure from its readiness log line (after Bun loaded the code). */
  selfReportedStartupMs: number | null;
  logs: string[];
  stop(): Promise<number>;
}

export interface SpawnOptions {
  dataDir: string;
  env?: Record<string, string>;
  /** Write a .cpuprofile into this directory when the broker exits. */
  cpuProfileDir?: string;
  cpuProfileName?: string;
  timeoutMs?: number;
  /** Another checkout's entry point (A/B runs against another commit); default this one's src/main.ts. */
  main?: string;
}

/** A port that was free a moment ago. */
export function freePort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

async function tryConnect(port: number): Promise<boolean> {
  try {
    const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    s.end();
    return true;
  } catch {
    return false;
  }
}

async function collect(stream: ReadableStream<Uint8Array>, lines: string[], onLine?: (l: string) => void): Promise<void> {
  const dec = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    rest += dec.decode(chunk, { stream: true });
    let i;
    while ((i = rest.indexOf("\n")) >= 0) {
      const line = rest.slice(0, i);
      rest = rest.slice(i + 1);
      if (lines.length < 2000) lines.push(line);
      onLine?.(line);
    }
  }
}

export async function spawnBroker(opts: SpawnOptions): Promise<BrokerProcess> {
  const port = freePort();
  const args = ["bun"];
  if (opts.cpuProfileDir) {
    args.push("--cpu-prof", `--cpu-prof-dir=${opts.cpuProfileDir}`);
    if (opts.cpuProfileName) args.push(`--cpu-prof-name=${opts.cpuProfileName}`);
  }
  args.push(opts.main ?? MAIN);
  const logs: string[] = [];
  let selfReported: number | null = null;
  const t0 = performance.now();
  const proc: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(args, {
    cwd: ROOT,
    env: {
      ...process.env,
      TAKHIN_HOST: "127.0.0.1",
      TAKHIN_KAFKA_PORT: String(port),
      TAKHIN_DATA_DIR: opts.dataDir,
      TAKHIN_LOG_LEVEL: "info",
      TAKHIN_ADMIN_API_PORT: "0",
      TAKHIN_SCHEMA_REGISTRY_PORT: "-1",
      TAKHIN_HTTP_PROXY_PORT: "-1",
      TAKHIN_CONSOLE_PORT: "-1",
      ...opts.env,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const onLine = (l: string) => {
    const m = l.match(/startupMs=([\d.]+)/);
    if (m) selfReported = Number(m[1]);
  };
  void collect(proc.stdout, logs, onLine);
  void collect(proc.stderr, logs, onLine);
  const deadline = t0 + (opts.timeoutMs ?? 15_000);
  let startupMs = NaN;
  for (;;) {
    if (await tryConnect(port)) {
      startupMs = performance.now() - t0;
      break;
    }
    if (proc.exitCode !== null || performance.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`broker did not start (exit ${proc.exitCode}):\n${logs.slice(-20).join("\n")}`);
    }
    await Bun.sleep(1);
  }
  return {
    pid: proc.pid,
    port,
    dataDir: opts.dataDir,
    startupMs,
    get selfReportedStartupMs() {
      return selfReported;
    },
    logs,
    async stop() {
      proc.kill("SIGINT");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      const code = await proc.exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * The broker as a child process (`bun src/main.ts`), for tests that SIGTERM or SIGKILL it. The
 * port is read from the readiness line; the output is kept (and drained, so the child never
 * blocks on a full pipe).
 */
import { join } from "node:path";

const REPO_ROOT = join(import.meta.dir, "..", "..");

export interface BrokerProcess {
  proc: ReturnType<typeof Bun.spawn>;
  port: number;
  /** Everything the broker printed so far. */
  output(): string;
  /** SIGKILL (if still running) and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM and wait; returns the exit code. */
  stop(): Promise<number>;
}

export async function spawnBroker(dataDir: string, env: Record<string, string> = {}, timeoutMs = 20_000, args: string[] = []): Promise<BrokerProcess> {
  const proc = Bun.spawn(["bun", join(REPO_ROOT, "src", "main.ts"), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, TAKHIN_DATA_DIR: dataDir, TAKHIN_KAFKA_PORT: "0", TAKHIN_HOST: "127.0.0.1", TAKHIN_LOG_FORMAT: "text", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let seen = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) seen += decoder.decode(chunk);
  };
  void pump(proc.stdout as ReadableStream<Uint8Array>);
  void pump(proc.stderr as ReadableStream<Uint8Array>);
  const kill = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    await proc.exited;
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /takhin ready kafka=[^\s]*:(\d+)/.exec(seen);
    if (m) {
      return {
        proc,
        port: Number(m[1]),
        output: () => seen,
        kill,
        async stop() {
          proc.kill("SIGTERM");
          return await proc.exited;
        },
      };
    }
    if (proc.exitCode !== null || proc.signalCode !== null) break;
    await Bun.sleep(20);
  }
  await kill();
  throw new Error(`broker did not report readiness: ${seen.slice(-2000)}`);
}

/**
 * Runs `bun src/main.ts <args>` expecting it to exit by itself (usage, a start failure), killed
 * after `timeoutMs`. Environment as spawnBroker's, with `env` on top.
 */
export async function runBrokerToExit(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<{ exitCode: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  const proc = Bun.spawn(["bun", join(REPO_ROOT, "src", "main.ts"), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, TAKHIN_KAFKA_PORT: "0", TAKHIN_HOST: "127.0.0.1", TAKHIN_LOG_FORMAT: "text", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, timeoutMs);
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout as ReadableStream).text(), new Response(proc.stderr as ReadableStream).text()]);
  await proc.exited;
  clearTimeout(timer);
  return { exitCode: proc.exitCode, stdout, stderr, timedOut };
}

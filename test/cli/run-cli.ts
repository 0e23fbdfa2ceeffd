/**
 * Runs the real `takhin` CLI (`bun bin/takhin.ts ...`) as a child process, with optional stdin,
 * bounded in time (killed after timeoutMs), and returns its exit code, stdout and stderr. Async,
 * so an in-process broker in the test keeps serving while the CLI runs.
 */
import { join } from "node:path";

export const CLI = join(import.meta.dir, "..", "..", "bin", "takhin.ts");
export const CLI_TIMEOUT_MS = 30_000;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export async function takhin(args: string[], opts: { stdin?: string | Uint8Array; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...opts.env };
  if (!opts.env || !("TAKHIN_BOOTSTRAP" in opts.env)) delete env.TAKHIN_BOOTSTRAP;
  const proc = Bun.spawn(["bun", CLI, ...args], {
    stdin: opts.stdin === undefined ? "ignore" : new Blob([opts.stdin]),
    stdout: "pipe",
    stderr: "pipe",
    env: env as Record<string, string>,
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, opts.timeoutMs ?? CLI_TIMEOUT_MS);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr, timedOut };
}

/** Fails with the CLI's output when it did not exit 0; returns stdout. */
export async function ok(args: string[], opts: Parameters<typeof takhin>[1] = {}): Promise<string> {
  const r = await takhin(args, opts);
  if (r.code !== 0) throw new Error(`takhin ${args.join(" ")} exited ${r.code}${r.timedOut ? " (timed out)" : ""}\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

export async function okJson(args: string[], opts: Parameters<typeof takhin>[1] = {}): Promise<any> {
  return JSON.parse(await ok([...args, "--json"], opts));
}

/** JSON lines (consume --format json) as objects. */
export function jsonLines(stdout: string): any[] {
  return stdout.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l));
}

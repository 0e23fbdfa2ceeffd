/**
 * Runs one admin client script as a subprocess (Node for the npm clients, the system Python for
 * confluent-kafka and kafka-python), killing it with SIGKILL at the deadline, and collects which
 * admin API versions it used from the broker's "admin request" debug lines.
 */
import { join } from "node:path";

export const NODE = "/usr/bin/node";
/** The system interpreter: the Debian packages of confluent-kafka and kafka-python live there. */
export const PYTHON = "/usr/bin/python3";
export const ADMIN_SCRIPTS_DIR = import.meta.dir;

export interface ScriptResult {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON, or null. */
  json: any;
}

export async function runScript(interpreter: string, script: string, args: string[], timeoutMs: number): Promise<ScriptResult> {
  const proc = Bun.spawn([interpreter, join(ADMIN_SCRIPTS_DIR, script), ...args], {
    cwd: ADMIN_SCRIPTS_DIR,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", NODE_NO_WARNINGS: "1" },
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, timeoutMs);
  try {
    const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    const last = stdout.trim().split("\n").pop() ?? "";
    let json: any = null;
    try {
      json = JSON.parse(last);
    } catch {}
    return { exitCode, timedOut, stdout, stderr, json };
  } finally {
    clearTimeout(timer);
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  }
}

/** "api -> sorted versions" used by `clientId`, from the broker's "admin request" debug lines. */
export function adminVersionsUsed(logs: string[], clientId: string): Record<string, number[]> {
  const out: Record<string, Set<number>> = {};
  for (const line of logs) {
    if (!line.includes("admin request") || !line.includes(`clientId=${clientId}`)) continue;
    const api = /\bapi=(\w+)/.exec(line)?.[1];
    const version = /\bversion=(\d+)/.exec(line)?.[1];
    if (!api || version === undefined) continue;
    (out[api] ??= new Set()).add(Number(version));
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort((a, b) => a - b)]));
}

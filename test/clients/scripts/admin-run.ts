/**
 * Runs one admin client script as a subprocess (Node for the npm clients, the system Python for
 * confluent-kafka and kafka-python), killing it with SIGKILL at the deadline, and collects which
 * admin API versions it used from the broker's "admin request" debug lines.
 */
import { join } from "node:path";
import { runClient } from "../clients.ts";

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
  const r = await runClient([interpreter, join(ADMIN_SCRIPTS_DIR, script), ...args], timeoutMs);
  const last = r.stdout.trim().split("\n").pop() ?? "";
  let json: any = null;
  try {
    json = JSON.parse(last);
  } catch {}
  return { exitCode: r.exitCode, timedOut: r.timedOut, stdout: r.stdout, stderr: r.stderr, json };
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

/**
 * Request input for the console API: bounded JSON bodies (CONSOLE_MAX_BODY_BYTES; more: 413) and
 * typed field readers that answer 400 with a message naming the field — the routes never see
 * unchecked input.
 */
import type { Context } from "hono";
import { CONSOLE_MAX_BODY_BYTES } from "../../limits.ts";
import { badRequest, ConsoleError } from "./errors.ts";

export type Body = Record<string, unknown>;

export async function readBody(c: Context): Promise<Body> {
  const req = c.req.raw;
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > CONSOLE_MAX_BODY_BYTES) throw new ConsoleError(413, `request body larger than ${CONSOLE_MAX_BODY_BYTES} bytes`);
  const reader = req.body?.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (reader)
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > CONSOLE_MAX_BODY_BYTES) {
        await reader.cancel().catch(() => {});
        throw new ConsoleError(413, `request body larger than ${CONSOLE_MAX_BODY_BYTES} bytes`);
      }
      chunks.push(value);
    }
  if (total === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (e) {
    throw badRequest(`the request body is not JSON: ${(e as Error).message}`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw badRequest("the request body must be a JSON object");
  return v as Body;
}

export function str(b: Body, name: string, opts: { optional?: boolean; maxLength?: number; pattern?: RegExp } = {}): string {
  const v = b[name];
  if (v === undefined || v === null) {
    if (opts.optional) return "";
    throw badRequest(`"${name}" is required`);
  }
  if (typeof v !== "string") throw badRequest(`"${name}" must be a string`);
  if (v.length > (opts.maxLength ?? 1024 * 1024)) throw badRequest(`"${name}" is longer than ${opts.maxLength} characters`);
  if (opts.pattern && !opts.pattern.test(v)) throw badRequest(`"${name}" is not valid: ${JSON.stringify(v.slice(0, 100))}`);
  return v;
}

export function optStr(b: Body, name: string, maxLength = 1024 * 1024): string | null {
  const v = b[name];
  if (v === undefined || v === null) return null;
  return str(b, name, { maxLength });
}

export function int(b: Body, name: string, min: number, max: number, fallback?: number): number {
  const v = b[name];
  if (v === undefined || v === null || v === "") {
    if (fallback !== undefined) return fallback;
    throw badRequest(`"${name}" is required`);
  }
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) throw badRequest(`"${name}" must be an integer from ${min} to ${max}`);
  return n;
}

export function bigintOf(v: unknown, name: string): bigint {
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^-?\d{1,19}$/.test(v)) {
    const n = BigInt(v);
    if (n <= 2n ** 63n - 1n && n >= -(2n ** 63n)) return n;
  }
  throw badRequest(`"${name}" must be a 64-bit integer`);
}

export function bool(b: Body, name: string, fallback = false): boolean {
  const v = b[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "boolean") throw badRequest(`"${name}" must be true or false`);
  return v;
}

export function stringMap(b: Body, name: string, maxEntries = 1000): Record<string, string> {
  const v = b[name];
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw badRequest(`"${name}" must be an object of strings`);
  const entries = Object.entries(v);
  if (entries.length > maxEntries) throw badRequest(`"${name}" has more than ${maxEntries} entries`);
  const out: Record<string, string> = {};
  for (const [k, x] of entries) {
    if (typeof x !== "string") throw badRequest(`"${name}.${k}" must be a string`);
    out[k] = x;
  }
  return out;
}

/** A query parameter as an integer in range (absent: fallback). */
export function queryInt(c: Context, name: string, min: number, max: number, fallback: number): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return fallback;
  if (!/^-?\d{1,16}$/.test(raw) || Number(raw) < min || Number(raw) > max) throw badRequest(`query parameter "${name}" must be an integer from ${min} to ${max}`);
  return Number(raw);
}

export const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
export const GROUP_NAME_MAX = 32_767;

export function topicParam(c: Context): string {
  const t = c.req.param("topic") ?? "";
  if (!TOPIC_NAME.test(t)) throw badRequest(`"${t.slice(0, 100)}" is not a valid topic name`);
  return t;
}

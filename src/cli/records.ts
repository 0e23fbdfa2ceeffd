/**
 * Record line formats shared by `produce` and `consume` (one record per line):
 *
 *   text    the line is the value, UTF-8. produce takes the key and headers from --key/--header;
 *           consume prints the value only (an empty line for a null value).
 *   json    {"key": string|null, "value": string|null, "headers": [{"key": k, "value": v|null}]
 *           or {"k": "v"}, "partition": n}: strings are UTF-8; every field is optional on input.
 *           consume prints {"topic","partition","offset","timestamp","key","value","headers"}.
 *   base64  the line is the value, base64 (standard alphabet, padding optional); binary-safe.
 *
 * Also the line splitter for input (bounded by CLI_MAX_LINE_BYTES) and Kafka's default
 * partitioner for keyed records (murmur2 of the key, positive, modulo the partition count), so a
 * key lands where the Java client would put it.
 */
import { CliError } from "./command.ts";
import { CLI_MAX_HEADERS, CLI_MAX_LINE_BYTES } from "./limits.ts";

export const FORMATS = ["text", "json", "base64"] as const;
export type Format = (typeof FORMATS)[number];

export interface LineRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
  partition?: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8");
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

function bad(lineNo: number, why: string): CliError {
  return new CliError("InvalidInput", `line ${lineNo}: ${why}`);
}

export function decodeBase64(s: string, lineNo: number): Uint8Array {
  if (!BASE64_RE.test(s)) throw bad(lineNo, "not base64");
  return new Uint8Array(Buffer.from(s, "base64"));
}

function optString(v: unknown, lineNo: number, what: string): Uint8Array | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== "string") throw bad(lineNo, `${what} must be a string or null`);
  return enc.encode(v);
}

/** One input line as a record; `defaults` carries --key and --header. */
export function parseLine(line: string, format: Format, lineNo: number, defaults: { key: Uint8Array | null; headers: { key: string; value: Uint8Array | null }[] }): LineRecord {
  if (format === "text") return { key: defaults.key, value: enc.encode(line), headers: defaults.headers };
  if (format === "base64") return { key: defaults.key, value: decodeBase64(line.trim(), lineNo), headers: defaults.headers };
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (e) {
    throw bad(lineNo, `not JSON (${(e as Error).message})`);
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw bad(lineNo, "want a JSON object");
  const o = obj as Record<string, unknown>;
  const key = optString(o.key, lineNo, "key");
  const value = optString(o.value, lineNo, "value");
  let headers = defaults.headers;
  if (o.headers !== undefined && o.headers !== null) {
    headers = [];
    const entries: [unknown, unknown][] = Array.isArray(o.headers)
      ? o.headers.map((h) => {
          if (typeof h !== "object" || h === null) throw bad(lineNo, "a header must be {key, value}");
          return [(h as Record<string, unknown>).key, (h as Record<string, unknown>).value];
        })
      : typeof o.headers === "object"
        ? Object.entries(o.headers as object)
        : (() => {
            throw bad(lineNo, "headers must be an object or an array");
          })();
    if (entries.length > CLI_MAX_HEADERS) throw bad(lineNo, `more than ${CLI_MAX_HEADERS} headers`);
    for (const [k, v] of entries) {
      if (typeof k !== "string") throw bad(lineNo, "a header key must be a string");
      headers.push({ key: k, value: optString(v, lineNo, `header ${k}`) ?? null });
    }
  }
  let partition: number | undefined;
  if (o.partition !== undefined) {
    if (!Number.isInteger(o.partition) || (o.partition as number) < 0) throw bad(lineNo, "partition must be a non-negative integer");
    partition = o.partition as number;
  }
  return { key: key === undefined ? defaults.key : key, value: value === undefined ? null : value, headers, partition };
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
}

const text = (b: Uint8Array | null) => (b === null ? null : dec.decode(b));

/** One consumed record in `format`, without the newline. */
export function formatRecord(r: ConsumedRecord, format: Format): string {
  if (format === "text") return r.value === null ? "" : dec.decode(r.value);
  if (format === "base64") return r.value === null ? "" : Buffer.from(r.value).toString("base64");
  return JSON.stringify({
    topic: r.topic,
    partition: r.partition,
    offset: Number(r.offset),
    timestamp: Number(r.timestamp),
    key: text(r.key),
    value: text(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: text(h.value) })),
  });
}

/** Splits a byte stream into lines (LF, a trailing CR dropped); a line past CLI_MAX_LINE_BYTES fails. */
export async function* lines(stream: ReadableStream<Uint8Array>, maxLineBytes = CLI_MAX_LINE_BYTES): AsyncGenerator<string> {
  let parts: Uint8Array[] = [];
  let size = 0;
  let lineNo = 0;
  const take = (chunk: Uint8Array): string => {
    parts.push(chunk);
    const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    parts = [];
    size = 0;
    lineNo++;
    let s = dec.decode(all);
    if (s.endsWith("\r")) s = s.slice(0, -1);
    return s;
  };
  for await (const chunk of stream) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      if (size + (nl - start) > maxLineBytes) throw new CliError("InvalidInput", `line ${lineNo + 1} is longer than ${maxLineBytes} bytes`);
      yield take(chunk.subarray(start, nl));
      start = nl + 1;
    }
    if (start < chunk.length) {
      size += chunk.length - start;
      if (size > maxLineBytes) throw new CliError("InvalidInput", `line ${lineNo + 1} is longer than ${maxLineBytes} bytes`);
      parts.push(chunk.slice(start));
    }
  }
  if (size > 0) yield take(new Uint8Array(0));
}

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as a signed 32-bit int. */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const n4 = length >> 2;
  for (let i = 0; i < n4; i++) {
    const i4 = i * 4;
    let k = (data[i4]! & 0xff) | ((data[i4 + 1]! & 0xff) << 8) | ((data[i4 + 2]! & 0xff) << 16) | ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = length & 3;
  const base = length & ~3;
  if (rest === 3) h ^= (data[base + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[base + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[base]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner picks for a key. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

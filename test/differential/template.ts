/**
 * The template language of the differential corpus: request bodies are plain data in which a few
 * forms stand for values that only exist at run time, so one scenario runs unchanged against
 * Apache Kafka and against Takhin.
 *
 *   "${name}"              the variable `name` itself (keeps its type: a captured producerId stays a bigint)
 *   "a-${name}-b"          string interpolation (variables rendered with String())
 *   { $batch: B }          one v2 record batch (src/protocol/record-batch.ts) built from B:
 *                            { records: number | NewRecordSpec[], producerId?, producerEpoch?,
 *                              baseSequence?, attributes?, baseTimestampMs?, valueBytes?,
 *                              compression?, corrupt?: "crc" | "length" | "magic" }
 *   { $batches: [B, ...] } several batches concatenated in one records field (multi-batch produce)
 *   { $bigint: "123" }     an int64 literal (JSON has no bigint)
 *   { $repeat: "x", n: 300 } a string of n copies (over-long names)
 *
 * Variables: `topic`, `topic2`, `group`, `prefix` (unique per scenario and run), `nodeId` (the
 * target's broker id), `now` (one timestamp shared by both targets of a run, so timestamp answers
 * compare), and whatever earlier steps captured from their responses.
 */
import { recompressBatch } from "../../src/compression/index.ts";
import { buildRecordBatch, Compression, type CompressionName, BATCH_OFFSET_CRC, BATCH_OFFSET_LENGTH, BATCH_OFFSET_MAGIC, type NewRecord } from "../../src/protocol/record-batch.ts";

export type Vars = Record<string, unknown>;

export interface NewRecordSpec {
  key?: string | null;
  value?: string | null;
  headers?: { key: string; value: string | null }[];
  /** Milliseconds after the batch's base timestamp. */
  timestampDeltaMs?: number;
}

export interface BatchSpec {
  /** A count (records "k<i>"/"v<i>", one ms apart) or the records themselves. */
  records: number | NewRecordSpec[];
  producerId?: unknown;
  producerEpoch?: unknown;
  baseSequence?: unknown;
  attributes?: number;
  /** Defaults to `${now}`. */
  baseTimestampMs?: unknown;
  /** Every record's value is this many bytes (oversized produce). */
  valueBytes?: number;
  /** Compress the records section with this codec (the batch header says so). */
  compression?: CompressionName;
  corrupt?: "crc" | "length" | "magic";
}

const enc = new TextEncoder();

function lookup(vars: Vars, name: string): unknown {
  if (!(name in vars)) throw new Error(`template variable \${${name}} is not defined`);
  return vars[name];
}

export function resolve(t: unknown, vars: Vars): unknown {
  if (typeof t === "string") {
    const whole = /^\$\{([A-Za-z0-9_]+)\}$/.exec(t);
    if (whole) return lookup(vars, whole[1]!);
    return t.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, n: string) => String(lookup(vars, n)));
  }
  if (Array.isArray(t)) return t.map((x) => resolve(x, vars));
  if (t !== null && typeof t === "object" && !(t instanceof Uint8Array)) {
    const o = t as Record<string, unknown>;
    if ("$batch" in o) return buildBatch(withNow(resolve(o.$batch, vars) as BatchSpec, vars));
    if ("$batches" in o) return concatBytes((o.$batches as unknown[]).map((b) => buildBatch(withNow(resolve(b, vars) as BatchSpec, vars))));
    if ("$bigint" in o) return BigInt(resolve(o.$bigint, vars) as string);
    if ("$repeat" in o) return String(resolve(o.$repeat, vars)).repeat(Number(o.n));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = resolve(v, vars);
    return out;
  }
  return t;
}

function withNow(spec: BatchSpec, vars: Vars): BatchSpec {
  return spec.baseTimestampMs === undefined ? { ...spec, baseTimestampMs: vars.now } : spec;
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

function big(v: unknown, dflt: bigint): bigint {
  return v === undefined ? dflt : BigInt(v as bigint | number | string);
}

export function buildBatch(spec: BatchSpec): Uint8Array {
  const base = big(spec.baseTimestampMs, 0n);
  const specs: NewRecordSpec[] = typeof spec.records === "number"
    ? Array.from({ length: spec.records }, (_, i) => ({ key: `k${i}`, value: `v${i}`, timestampDeltaMs: i }))
    : spec.records;
  const records: NewRecord[] = specs.map((r) => ({
    key: r.key === undefined || r.key === null ? null : enc.encode(r.key),
    value: spec.valueBytes !== undefined ? new Uint8Array(spec.valueBytes).fill(0x61) : r.value === undefined || r.value === null ? null : enc.encode(r.value),
    headers: (r.headers ?? []).map((h) => ({ key: h.key, value: h.value === null ? null : enc.encode(h.value) })),
    timestampMs: base + BigInt(r.timestampDeltaMs ?? 0),
  }));
  let bytes = buildRecordBatch({
    baseTimestampMs: base,
    records,
    attributes: spec.attributes ?? 0,
    producerId: big(spec.producerId, -1n),
    producerEpoch: spec.producerEpoch === undefined ? -1 : Number(spec.producerEpoch),
    baseSequence: spec.baseSequence === undefined ? -1 : Number(spec.baseSequence),
  });
  if (spec.compression && spec.compression !== "none") bytes = recompressBatch(bytes, Compression[spec.compression]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (spec.corrupt === "crc") view.setUint32(BATCH_OFFSET_CRC, view.getUint32(BATCH_OFFSET_CRC) ^ 0xdeadbeef);
  if (spec.corrupt === "magic") view.setInt8(BATCH_OFFSET_MAGIC, 7);
  // A batchLength that claims more bytes than the request carries.
  if (spec.corrupt === "length") view.setInt32(BATCH_OFFSET_LENGTH, view.getInt32(BATCH_OFFSET_LENGTH) + 1000);
  return bytes;
}

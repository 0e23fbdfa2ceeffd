/**
 * The normalisation every answer goes through before Kafka's and Takhin's are compared. It drops
 * or masks only what legitimately differs between two correct brokers; everything else is
 * compared exactly. Each rule, and why:
 *
 *   clusterId                      -> "<clusterId>"   random per cluster
 *   port (== the target's port)    -> "<port>"        each broker listens on its own free port
 *   topicId (non-zero)             -> "<topicId>"     random per topic; zero stays zero (absent id)
 *   memberId, leader (non-empty)   -> "member#N"      generated ids; N numbers them by first appearance
 *                                                     in the scenario, so "the leader is the member
 *                                                     that joined first" still compares
 *   producerId (>= 0)              -> "pid#N"         allocated ids; numbered as member ids are
 *   errorMessage, batchIndexErrorMessage, documentation (non-empty) -> "<text>"
 *                                                     free text: its presence is compared, not its words
 *   logAppendTimeMs (!= -1), record timestamps of LogAppendTime batches -> "<time>"  the broker's clock
 *   logDir -> "<dir>", totalBytes/usableBytes -> "<bytes>"                         the machine's disk
 *   sessionId (non-zero)           -> "<session>"     fetch session ids are the broker's choice
 *   int64 -> number (every value the corpus produces fits), bytes -> hex (first 64 bytes)
 *   records                        -> the decoded batches (header fields and records), so stored
 *                                     offsets, epochs, sequences and payloads compare field by field
 *
 * Arrays of structs that carry a natural key (name, topic, groupId, apiKey, partition index,
 * resource name, ...) become objects keyed by it (`configs[name=retention.ms]`): their order is
 * not part of the protocol, and a keyed diff says which entry differs. Config synonyms stay a list:
 * their order is the precedence. Throttle times are compared
 * as they are (both brokers answer 0 without quotas).
 */
import { batchRecords } from "../../src/compression/index.ts";
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD_BYTES, COMPRESSION_MASK, iterateRecords, readBatchHeader, TIMESTAMP_TYPE_BIT } from "../../src/protocol/record-batch.ts";
import type { Target } from "./driver.ts";
import type { RequestStep } from "./scenario.ts";

export interface Identity {
  target: Target;
  prefix: string;
  /** Generated id -> its canonical name, per scenario. */
  canonical: Map<string, string>;
}

const ZERO_UUID = "AAAAAAAAAAAAAAAAAAAAAA";
const KEY_FIELDS = ["name", "topic", "groupId", "apiKey", "partitionIndex", "partition", "index", "resourceName", "key", "brokerId", "nodeId", "memberId", "groupInstanceId", "logDir"];
const TEXT_FIELDS = new Set(["errorMessage", "batchIndexErrorMessage", "documentation"]);
const OWN_KEYS = ["name", "topic", "groupId"];
/** Arrays whose order carries meaning (synonyms are listed in precedence order): compared by index. */
const ORDERED = new Set(["synonyms"]);

const utf8 = new TextDecoder("utf-8", { fatal: false });

function hex(b: Uint8Array): string {
  const shown = Buffer.from(b.subarray(0, 64)).toString("hex");
  return b.length > 64 ? `${shown}...(${b.length} bytes)` : shown;
}

function canonical(id: Identity, kind: string, raw: string): string {
  const key = `${kind}:${raw}`;
  let c = id.canonical.get(key);
  if (!c) {
    let n = 0;
    for (const k of id.canonical.keys()) if (k.startsWith(`${kind}:`)) n++;
    c = `${kind}#${n + 1}`;
    id.canonical.set(key, c);
  }
  return c;
}

function text(b: Uint8Array | null): string | null {
  return b === null ? null : utf8.decode(b);
}

/** Decodes a records field into its batches; a trailing partial batch is reported by its size. */
function decodeRecords(bytes: Uint8Array, id: Identity): unknown[] {
  const out: unknown[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes.length - pos < BATCH_HEADER_BYTES) {
      out.push({ $partialBatchBytes: bytes.length - pos });
      break;
    }
    const h = readBatchHeader(bytes, pos);
    const size = BATCH_LOG_OVERHEAD_BYTES + h.batchLength;
    if (pos + size > bytes.length) {
      out.push({ $partialBatchBytes: bytes.length - pos });
      break;
    }
    const batch = bytes.subarray(pos, pos + size);
    const appendTime = (h.attributes & TIMESTAMP_TYPE_BIT) !== 0;
    let records: unknown;
    try {
      const inner = (h.attributes & COMPRESSION_MASK) === 0 ? batch.subarray(BATCH_HEADER_BYTES) : batchRecords(batch);
      records = [...iterateRecords(inner, h.recordCount)].map((r) => ({
        offsetDelta: r.offsetDelta,
        timestampDelta: appendTime ? "<time>" : Number(r.timestampDelta),
        key: text(r.key),
        value: r.value && r.value.length > 64 ? `(${r.value.length} bytes)` : text(r.value),
        headers: r.headers.map((x) => [x.key, text(x.value)]),
      }));
    } catch (e) {
      records = { $undecodable: String((e as Error).message) };
    }
    out.push({
      baseOffset: Number(h.baseOffset),
      partitionLeaderEpoch: h.partitionLeaderEpoch,
      magic: h.magic,
      attributes: h.attributes,
      lastOffsetDelta: h.lastOffsetDelta,
      baseTimestamp: appendTime ? "<time>" : Number(h.baseTimestamp),
      maxTimestamp: appendTime ? "<time>" : Number(h.maxTimestamp),
      producerId: h.producerId >= 0n ? canonical(id, "pid", String(h.producerId)) : Number(h.producerId),
      producerEpoch: h.producerEpoch,
      baseSequence: h.baseSequence,
      recordCount: h.recordCount,
      records,
    });
    pos += size;
  }
  return out;
}

function globToRegExp(glob: string): RegExp {
  const esc = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^.]*");
  return new RegExp(`^${esc}$`);
}

function keyOf(elems: unknown[]): string | null {
  if (elems.length === 0 || !elems.every((e) => e !== null && typeof e === "object" && !Array.isArray(e))) return null;
  for (const k of KEY_FIELDS) {
    const vals = elems.map((e) => (e as Record<string, unknown>)[k]);
    if (vals.every((v) => typeof v === "string" || typeof v === "number") && new Set(vals).size === vals.length) return k;
  }
  return null;
}

function field(name: string, v: unknown, id: Identity): unknown {
  if (name === "clusterId" && typeof v === "string") return "<clusterId>";
  if (name === "port" && v === id.target.port) return "<port>";
  if (name === "topicId" && typeof v === "string" && v !== ZERO_UUID) return "<topicId>";
  if ((name === "memberId" || name === "leader") && typeof v === "string" && v !== "") return canonical(id, "member", v);
  if (name === "producerId" && typeof v === "bigint" && v >= 0n) return canonical(id, "pid", String(v));
  if (TEXT_FIELDS.has(name) && typeof v === "string" && v !== "") return "<text>";
  if (name === "logAppendTimeMs" && typeof v === "bigint" && v !== -1n) return "<time>";
  if (name === "logDir" && typeof v === "string") return "<dir>";
  if (name === "sessionId" && typeof v === "number" && v !== 0) return "<session>";
  if ((name === "totalBytes" || name === "usableBytes") && typeof v === "bigint" && v >= 0n) return "<bytes>";
  return undefined;
}

export function normalise(res: unknown, step: RequestStep, id: Identity): unknown {
  const ignore = (step.ignore ?? []).map(globToRegExp);
  const own = new Set(step.own ?? []);
  const OMIT = Symbol("omit");

  const walk = (v: unknown, name: string, path: string): unknown => {
    if (path && ignore.some((r) => r.test(path))) return OMIT;
    const special = field(name, v, id);
    if (special !== undefined) return special;
    if (typeof v === "bigint") return Number(v);
    if (v instanceof Uint8Array) return name === "records" ? decodeRecords(v, id) : hex(v);
    if (Array.isArray(v)) {
      let elems = v;
      if (own.has(path)) {
        elems = elems.filter((e) => OWN_KEYS.some((k) => typeof e?.[k] === "string" && (e[k] as string).startsWith(id.prefix)));
      }
      const key = ORDERED.has(name) ? null : keyOf(elems);
      if (key === null) return elems.map((e, i) => walk(e, name, `${path}[${i}]`));
      const out: Record<string, unknown> = {};
      // Key values are the raw ones except generated ids, which take their canonical names.
      const named = elems.map((e) => {
        const raw = (e as Record<string, unknown>)[key];
        const canon = field(key, raw, id);
        return { e, k: `${key}=${String(canon ?? raw)}` };
      });
      named.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
      for (const { e, k } of named) {
        const w = walk(e, name, `${path}[${k}]`);
        if (w !== OMIT) out[`[${k}]`] = w;
      }
      return out;
    }
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const w = walk(x, k, path ? `${path}.${k}` : k);
        if (w !== OMIT) out[k] = w;
      }
      return out;
    }
    return v;
  };
  const r = walk(res, "", "");
  return r;
}

/**
 * The Kafka request path's share of /metrics: one request middleware that counts into plain
 * numbers and typed arrays, nothing else. prom-client only reads these at scrape time (metrics.ts,
 * collect callbacks), so a request costs a few array increments and, for Produce and Fetch, one
 * walk over the topics of the request or response to add up record bytes.
 *
 * Counted per (API key, version): requests, handler failures, latency histogram (LATENCY_BUCKETS_S,
 * cumulative on scrape) and latency sum; per error code: responses carrying it (the top-level
 * error code, and for Produce/Fetch each partition's); per topic: record bytes in (Produce) and
 * out (Fetch). Bounded: API keys and versions by MAX_API_KEY/MAX_VERSION (others fall in no
 * series), topics by METRICS_MAX_TOPICS (further topics add to "_other"), error codes by MAX_ERROR_CODE.
 */
import { METRICS_MAX_TOPICS } from "../limits.ts";
import type { RequestContext } from "../server/context.ts";
import { observe, type HandlerResult, type RequestMiddleware } from "../server/middleware.ts";

/** Upper bounds (seconds) of the request latency histogram. */
export const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
const MAX_API_KEY = 128;
const MAX_VERSION = 32;
const MAX_ERROR_CODE = 256;
const SLOTS = MAX_API_KEY * MAX_VERSION;
const NB = LATENCY_BUCKETS_S.length + 1;
const PRODUCE = 0;
const FETCH = 1;
export const OTHER_TOPIC = "_other";

export interface TopicBytes {
  in: number;
  out: number;
}

export class RequestCounters implements RequestMiddleware {
  readonly name = "admin-metrics";
  readonly requests = new Float64Array(SLOTS);
  readonly failures = new Float64Array(SLOTS);
  readonly latencySum = new Float64Array(SLOTS);
  /** Per slot NB buckets (not cumulative; the last is above the highest bound). */
  readonly latencyBuckets = new Float64Array(SLOTS * NB);
  readonly errors = new Float64Array(MAX_ERROR_CODE);
  readonly topicBytes = new Map<string, TopicBytes>();
  /** API names by key, learnt from the requests seen (for labels). */
  readonly apiNames: string[] = [];
  /** Set false to stop counting (the middleware stays in the chain; used by the benchmark). */
  enabled = true;

  constructor(private readonly topicNameOf: (topicId: string) => string | undefined) {}

  handle(ctx: RequestContext, request: unknown, next: () => HandlerResult): HandlerResult {
    if (!this.enabled) return next();
    const t0 = performance.now();
    const key = ctx.apiKey;
    const slot = key < MAX_API_KEY && ctx.apiVersion < MAX_VERSION ? key * MAX_VERSION + ctx.apiVersion : -1;
    if (key === PRODUCE) this.countProduce(request);
    let result: unknown;
    const out = observe(next, (failed) => {
      if (slot < 0) return;
      const s = (performance.now() - t0) / 1000;
      this.requests[slot]++;
      if (failed !== null) this.failures[slot]++;
      this.latencySum[slot] += s;
      let b = 0;
      while (b < LATENCY_BUCKETS_S.length && s > LATENCY_BUCKETS_S[b]) b++;
      this.latencyBuckets[slot * NB + b]++;
      if (this.apiNames[key] === undefined) this.apiNames[key] = ctx.api.name;
    });
    if (out instanceof Promise) return out.then((r) => (this.countResponse(key, r), r));
    result = out;
    this.countResponse(key, result);
    return out;
  }

  private bytesOf(topic: string): TopicBytes {
    let b = this.topicBytes.get(topic);
    if (!b) {
      if (this.topicBytes.size >= METRICS_MAX_TOPICS) topic = OTHER_TOPIC;
      b = this.topicBytes.get(topic);
      if (!b) {
        b = { in: 0, out: 0 };
        this.topicBytes.set(topic, b);
      }
    }
    return b;
  }

  /** Forgets a deleted topic's bytes (its series go away on the next scrape). */
  forgetTopic(name: string): void {
    this.topicBytes.delete(name);
  }

  private countProduce(request: unknown): void {
    const topics = (request as { topicData?: { name: string; partitionData: { records: Uint8Array | null }[] }[] }).topicData;
    if (!topics) return;
    for (const t of topics) {
      let n = 0;
      for (const p of t.partitionData) n += p.records?.length ?? 0;
      if (n > 0) this.bytesOf(t.name).in += n;
    }
  }

  private countResponse(key: number, res: unknown): void {
    if (typeof res !== "object" || res === null) return;
    const top = (res as { errorCode?: unknown }).errorCode;
    if (typeof top === "number" && top !== 0) this.error(top);
    if (key === PRODUCE) {
      for (const t of (res as { responses?: { partitionResponses: { errorCode: number }[] }[] }).responses ?? []) {
        for (const p of t.partitionResponses) if (p.errorCode !== 0) this.error(p.errorCode);
      }
    } else if (key === FETCH) {
      for (const t of (res as { responses?: { topic?: string; topicId?: string; partitions: { errorCode: number; records?: Uint8Array | Uint8Array[] | null }[] }[] }).responses ?? []) {
        let n = 0;
        for (const p of t.partitions) {
          if (p.errorCode !== 0) this.error(p.errorCode);
          const r = p.records;
          if (r) n += Array.isArray(r) ? r.reduce((s, c) => s + c.length, 0) : r.length;
        }
        if (n > 0) {
          const name = t.topic || (t.topicId ? this.topicNameOf(t.topicId) : undefined) || OTHER_TOPIC;
          this.bytesOf(name).out += n;
        }
      }
    }
  }

  private error(code: number): void {
    // Negative codes (UNKNOWN_SERVER_ERROR = -1) share the last slot's neighbour scheme: index by code + 1.
    const i = code + 1;
    if (i >= 0 && i < MAX_ERROR_CODE) this.errors[i]++;
  }

  /** Every (api key, version) with at least one request. */
  *slots(): Generator<{ apiKey: number; version: number; api: string; requests: number; failures: number; sum: number; buckets: Float64Array }> {
    for (let slot = 0; slot < SLOTS; slot++) {
      if (this.requests[slot] === 0) continue;
      const apiKey = Math.floor(slot / MAX_VERSION);
      yield {
        apiKey,
        version: slot % MAX_VERSION,
        api: this.apiNames[apiKey] ?? String(apiKey),
        requests: this.requests[slot],
        failures: this.failures[slot],
        sum: this.latencySum[slot],
        buckets: this.latencyBuckets.subarray(slot * NB, slot * NB + NB),
      };
    }
  }

  /** Error codes seen, with counts. */
  *errorCounts(): Generator<{ code: number; count: number }> {
    for (let i = 0; i < MAX_ERROR_CODE; i++) if (this.errors[i] > 0) yield { code: i - 1, count: this.errors[i] };
  }
}

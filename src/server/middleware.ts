/**
 * The request middleware chain of the Kafka listener. Every decoded request passes through it on
 * its way to the handler:
 *
 *   Connection (framing, header, body decode)
 *     -> middleware[0] -> middleware[1] -> ... -> handler.handle(ctx, request, version)
 *   <- response (or NO_RESPONSE) <- ...
 *
 * A middleware sees the request context (api, version, correlation id, client id, connection) and
 * the decoded request, and calls `next()` at most once to go on; it may return without calling it
 * (an authoriser or a quota answering for the handler) or throw (answered UNKNOWN_SERVER_ERROR by
 * the connection, exactly as if the handler had thrown; error-responses.ts — except an error with
 * `closeConnection: true`, which closes the connection without an answer). The value returned
 * by next() is the handler's result, possibly a Promise: a middleware that needs the outcome
 * (metrics, logging) must handle both, as `observe()` does.
 *
 * Where later parts plug in, in this order: authentication (SASL state of the connection),
 * authorisation, quotas (throttle), metrics, request logging. With no middleware the chain costs
 * one length check per request.
 *
 * Limits: at most MAX_REQUEST_MIDDLEWARES in one chain; names are unique.
 */
import { MAX_REQUEST_MIDDLEWARES } from "../limits.ts";
import type { Logger } from "../util/log.ts";
import type { RequestContext } from "./context.ts";
import type { Handler, NO_RESPONSE } from "./registry.ts";

export type HandlerResult = unknown | typeof NO_RESPONSE | Promise<unknown>;

export interface RequestMiddleware {
  /** Unique in a chain (request-log, metrics, ...); use() refuses a duplicate. */
  readonly name: string;
  handle(ctx: RequestContext, request: unknown, next: () => HandlerResult): HandlerResult;
}

export interface UseOptions {
  /** Where in the chain: "last" (nearest the handler, default) or "first" (outermost). */
  position?: "first" | "last";
}

export class MiddlewareChain {
  private list: RequestMiddleware[] = [];

  /** Adds a middleware; returns a function that removes it again. */
  use(mw: RequestMiddleware, opts: UseOptions = {}): () => void {
    if (this.list.some((m) => m.name === mw.name)) throw new Error(`middleware ${mw.name} is already in the chain`);
    if (this.list.length >= MAX_REQUEST_MIDDLEWARES) throw new Error(`at most ${MAX_REQUEST_MIDDLEWARES} request middlewares (MAX_REQUEST_MIDDLEWARES)`);
    // A new array each time: a request already in the chain keeps the list it started with.
    this.list = opts.position === "first" ? [mw, ...this.list] : [...this.list, mw];
    return () => this.remove(mw.name);
  }

  remove(name: string): boolean {
    const before = this.list.length;
    this.list = this.list.filter((m) => m.name !== name);
    return this.list.length !== before;
  }

  names(): string[] {
    return this.list.map((m) => m.name);
  }

  /** Runs the request through every middleware and then the handler. */
  run(ctx: RequestContext, handler: Handler, request: unknown): HandlerResult {
    const list = this.list;
    if (list.length === 0) return handler.handle(ctx, request, ctx.apiVersion);
    const step = (i: number): HandlerResult => {
      if (i === list.length) return handler.handle(ctx, request, ctx.apiVersion);
      const mw = list[i];
      let called = false;
      return mw.handle(ctx, request, () => {
        if (called) throw new Error(`middleware ${mw.name} called next() twice`);
        called = true;
        return step(i + 1);
      });
    };
    return step(0);
  }
}

/**
 * Calls `done(failed)` once the result is settled (at once for a plain value, on settlement for a
 * Promise) and passes the result on unchanged; rethrows a synchronous throw after noting it.
 */
export function observe(run: () => HandlerResult, done: (failed: unknown) => void): HandlerResult {
  let result: HandlerResult;
  try {
    result = run();
  } catch (e) {
    done(e ?? new Error("thrown"));
    throw e;
  }
  if (result instanceof Promise) {
    return result.then(
      (v) => {
        done(null);
        return v;
      },
      (e) => {
        done(e ?? new Error("rejected"));
        throw e;
      },
    );
  }
  done(null);
  return result;
}

export interface RequestLogOptions {
  log: Logger;
  /** Log level of the per-request line (default debug). */
  level?: "debug" | "info";
}

/** One line per request: api, version, correlation id, client id, connection, latency, outcome. */
export function requestLogging(opts: RequestLogOptions): RequestMiddleware {
  const write = opts.level === "info" ? opts.log.info : opts.log.debug;
  return {
    name: "request-log",
    handle(ctx, _request, next) {
      const t0 = performance.now();
      return observe(next, (failed) => {
        write("request", {
          api: ctx.api.name,
          apiVersion: ctx.apiVersion,
          correlationId: ctx.correlationId,
          clientId: ctx.clientId,
          conn: ctx.connection.id,
          latencyMs: Math.round((performance.now() - t0) * 1000) / 1000,
          ...(failed ? { failed: failed instanceof Error ? failed.message : String(failed) } : {}),
        });
      });
    },
  };
}

/** Upper bounds (ms) of the latency histogram buckets; the last bucket is everything above. */
export const LATENCY_BUCKETS_MS = [0.1, 0.5, 1, 5, 10, 50, 100, 500, 1000, 5000] as const;

export interface ApiMetrics {
  api: string;
  apiKey: number;
  requests: number;
  /** Requests whose handler (or a middleware after this one) threw. */
  failures: number;
  totalLatencyMs: number;
  maxLatencyMs: number;
  /** Counts per LATENCY_BUCKETS_MS bucket, plus one for above the last bound. */
  latencyBuckets: number[];
  /** Requests by version. */
  byVersion: Record<number, number>;
}

/**
 * Request counts and latency by API, in memory (for the Admin API's metrics endpoint). Bounded:
 * one entry per API key the registry serves (the chain only sees served keys and versions).
 */
export class RequestMetrics implements RequestMiddleware {
  readonly name = "metrics";
  private readonly byKey = new Map<number, ApiMetrics>();

  handle(ctx: RequestContext, _request: unknown, next: () => HandlerResult): HandlerResult {
    const t0 = performance.now();
    return observe(next, (failed) => this.record(ctx, performance.now() - t0, failed !== null));
  }

  private record(ctx: RequestContext, latencyMs: number, failed: boolean): void {
    let m = this.byKey.get(ctx.apiKey);
    if (!m) {
      m = { api: ctx.api.name, apiKey: ctx.apiKey, requests: 0, failures: 0, totalLatencyMs: 0, maxLatencyMs: 0, latencyBuckets: new Array(LATENCY_BUCKETS_MS.length + 1).fill(0), byVersion: {} };
      this.byKey.set(ctx.apiKey, m);
    }
    m.requests++;
    if (failed) m.failures++;
    m.totalLatencyMs += latencyMs;
    if (latencyMs > m.maxLatencyMs) m.maxLatencyMs = latencyMs;
    let b = 0;
    while (b < LATENCY_BUCKETS_MS.length && latencyMs > LATENCY_BUCKETS_MS[b]) b++;
    m.latencyBuckets[b]++;
    m.byVersion[ctx.apiVersion] = (m.byVersion[ctx.apiVersion] ?? 0) + 1;
  }

  /** A copy of every API's figures, by API key. */
  snapshot(): ApiMetrics[] {
    return [...this.byKey.values()]
      .sort((a, b) => a.apiKey - b.apiKey)
      .map((m) => ({ ...m, latencyBuckets: [...m.latencyBuckets], byVersion: { ...m.byVersion } }));
  }

  reset(): void {
    this.byKey.clear();
  }
}

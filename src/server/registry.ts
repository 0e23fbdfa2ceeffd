/**
 * The one registry of API handlers. It dispatches requests and is also the source of the
 * ApiVersions answer, so adding an API is one new file under handlers/ plus one line in
 * handlers/index.ts. A handler declares the version range it serves; the schema (src/protocol)
 * must cover that range.
 */
import { inRange, type ApiDef, type RequestOf, type ResponseInput } from "../protocol/schema.ts";
import type { RequestContext } from "./context.ts";
import { errorResponseBuilder, failsWithoutResponse } from "./error-responses.ts";

/** Returned by a handler when the protocol sends no response (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol("no response");

export interface Handler<Req = any, Res = any> {
  api: ApiDef;
  minVersion: number;
  maxVersion: number;
  handle(ctx: RequestContext, request: Req, version: number): Res | typeof NO_RESPONSE | Promise<Res | typeof NO_RESPONSE>;
  /**
   * The response that carries `errorCode` for every part of this request; used when the handler
   * threw. Without it the registry uses error-responses.ts, else a top-level errorCode.
   */
  errorResponse?(request: Req, version: number, errorCode: number): Res;
}

/**
 * A handler typed from its API's schema (compile time only): it receives the decoded request
 * (`RequestOf`) and returns what the encoder accepts (`ResponseInput`: an omitted field encodes as
 * its default), so a misspelt or mistyped field is a type error.
 */
export type HandlerFor<A extends ApiDef> = Handler<RequestOf<A>, ResponseInput<A>> & { api: A };

export class HandlerRegistry {
  private readonly byKey = new Map<number, Handler>();

  register(h: Handler): void {
    if (this.byKey.has(h.api.apiKey)) throw new Error(`handler for ${h.api.name} registered twice`);
    this.checkRange(h);
    this.byKey.set(h.api.apiKey, h);
  }

  /**
   * Puts `h` in place of the handler for its API (or adds it) and returns the one it replaced.
   * For instrumentation and fault injection in tests and benchmarks: wrap the returned handler.
   */
  replace(h: Handler): Handler | undefined {
    this.checkRange(h);
    const previous = this.byKey.get(h.api.apiKey);
    this.byKey.set(h.api.apiKey, h);
    return previous;
  }

  private checkRange(h: Handler): void {
    for (const def of [h.api.request, h.api.response]) {
      if (!inRange(def.valid, h.minVersion) || !inRange(def.valid, h.maxVersion)) {
        throw new Error(`${h.api.name} handler serves ${h.minVersion}-${h.maxVersion} but ${def.name} schema covers ${def.valid.min}-${def.valid.max}`);
      }
    }
  }

  /**
   * The response to send when `handler` (or a middleware before it) threw: the handler's own
   * error form, else error-responses.ts, else defaults with a top-level errorCode. Null when the
   * request must get no response (Produce acks=0) or the version has nowhere to put an error.
   */
  errorResponse(handler: Handler, request: unknown, version: number, errorCode: number): unknown | null {
    if (failsWithoutResponse(handler.api.apiKey, request)) return null;
    if (handler.errorResponse) return handler.errorResponse(request, version, errorCode);
    const build = errorResponseBuilder(handler.api.apiKey);
    if (build) return build(request, version, errorCode);
    const field = handler.api.response.fields.find((f) => f.name === "errorCode" && inRange(f.versions, version));
    return field ? { errorCode } : null;
  }

  get(apiKey: number): Handler | undefined {
    return this.byKey.get(apiKey);
  }

  supports(apiKey: number, version: number): boolean {
    const h = this.byKey.get(apiKey);
    return !!h && version >= h.minVersion && version <= h.maxVersion;
  }

  /** The ApiVersions list: every served API with its range, by key. */
  versions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
    return [...this.byKey.values()]
      .map((h) => ({ apiKey: h.api.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }
}

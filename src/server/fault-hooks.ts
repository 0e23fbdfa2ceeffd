/**
 * The fault hook point for embedders' tests (src/embed/faults.ts is its one user): a request-level
 * hook run as the outermost request middleware, installed only while a test has set a fault.
 *
 *   delay   hold the request's response back `delayMs` after its handler answered
 *   drop    close the connection instead of handling the request (no response)
 *   error   answer the request with `errorCode` in the API's own error form (registry.errorResponse),
 *           without running the handler — how a paused (loading) or moved group coordinator answers
 *
 * Produce faults per partition sit in the replica manager (ReplicaManager.produceFaults), where
 * the per-partition answer is made.
 *
 * Never reachable from the wire: no request, config key or environment variable sets a hook; only
 * code in the same process holding the Broker object can. With no hook installed the broker pays
 * nothing (the middleware is not in the chain).
 */
import type { RequestContext } from "./context.ts";
import type { RequestMiddleware } from "./middleware.ts";

export type RequestFault = { kind: "delay"; delayMs: number } | { kind: "drop"; reason: string } | { kind: "error"; errorCode: number };

/** Decides, per request, whether a fault applies (null: none). Called before the handler. */
export type RequestFaultHook = (ctx: RequestContext, request: unknown) => RequestFault | null;

export const FAULT_MIDDLEWARE = "test-faults";

class DroppedByFault extends Error {
  readonly closeConnection = true;
}

export function requestFaultMiddleware(hook: RequestFaultHook): RequestMiddleware {
  return {
    name: FAULT_MIDDLEWARE,
    handle(ctx, request, next) {
      const fault = hook(ctx, request);
      if (fault === null) return next();
      if (fault.kind === "drop") throw new DroppedByFault(fault.reason);
      if (fault.kind === "error") {
        const handler = ctx.broker.registry.get(ctx.apiKey)!;
        const body = ctx.broker.registry.errorResponse(handler, request, ctx.apiVersion, fault.errorCode);
        if (body === null) throw new DroppedByFault(`${ctx.api.name} has no response to carry error ${fault.errorCode}`);
        return body;
      }
      const delayMs = fault.delayMs;
      return Promise.resolve(next()).then((res) => new Promise((resolve) => setTimeout(() => resolve(res), delayMs)));
    },
  };
}

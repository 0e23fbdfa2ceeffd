/**
 * The Admin API's routes (Hono). Paths and bodies are documented in openapi.ts; the data comes
 * from views.ts, cluster-config.ts and users.ts, the operations (reassignments, leadership
 * transfer, drain, decommission) from operations.ts, the metrics from metrics.ts.
 *
 * Errors: every client mistake is a 4xx with { "message", "code" } (errors.ts): an unknown path
 * 404 not_found, a known path with another method 405 method_not_allowed (with Allow), a body that
 * is not JSON 400 malformed_json, a body over ADMIN_API_MAX_BODY_BYTES 413 body_too_large, a body
 * that is not application/json 415, a user that exists 409 user_exists. An unexpected failure is a logged 500 with the same shape.
 */
import { Hono, type Context } from "hono";
import { ADMIN_API_MAX_BODY_BYTES } from "../limits.ts";
import type { BrokerContext } from "../server/context.ts";
import type { ServiceStatus } from "../server/lifecycle.ts";
import { applyPatch, describeClusterConfig, parsePatch } from "./cluster-config.ts";
import { AdminError, errorBody } from "./errors.ts";
import type { BrokerMetrics } from "./metrics.ts";
import { OPENAPI_DOCUMENT } from "./openapi.ts";
import { createUser, deleteUser, listUsers, parseNewUser } from "./users.ts";
import * as views from "./views.ts";
import { integrity, scrubNow } from "./integrity.ts";
import * as ops from "./operations.ts";
import { httpSecurity } from "../security/http-auth.ts";
import { adminChecks, adminOpenPath } from "./authorization.ts";

export interface AdminAppDeps {
  context: BrokerContext;
  /** Every service's status (the broker's ServiceHost). */
  status: () => ServiceStatus[];
  /** The Admin API's own service name (it is up while it answers). */
  selfName: string;
  metrics: BrokerMetrics | null;
}

/** Reads a JSON body, bounded by ADMIN_API_MAX_BODY_BYTES (also when no Content-Length is sent). */
async function jsonBody(c: Context): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) throw new AdminError(415, "the body must be application/json", "unsupported_media_type");
  const declared = Number(c.req.header("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > ADMIN_API_MAX_BODY_BYTES) throw new AdminError(413, `body over ${ADMIN_API_MAX_BODY_BYTES} bytes`, "body_too_large");
  const reader = c.req.raw.body?.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > ADMIN_API_MAX_BODY_BYTES) {
        await reader.cancel();
        throw new AdminError(413, `body over ${ADMIN_API_MAX_BODY_BYTES} bytes`, "body_too_large");
      }
      chunks.push(value);
    }
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AdminError(400, `malformed JSON: ${(e as Error).message}`, "malformed_json");
  }
}

function readiness(d: AdminAppDeps) {
  const components = [...views.components(d.status(), { name: d.selfName }), views.logDirsComponent(d.context)];
  const up = components.every((c) => c.status === "up");
  return { body: { status: up ? "up" : "down", components }, status: up ? 200 : 503 } as const;
}

/** OpenAPI paths as Hono patterns ({name} -> :name), with their methods, for the 405 answer. */
const ROUTE_METHODS: { pattern: RegExp; methods: string[] }[] = Object.entries(OPENAPI_DOCUMENT.paths).map(([path, ops]) => ({
  pattern: new RegExp("^" + path.replace(/\{[^}]+\}/g, "[^/]+").replace(/\./g, "\\.") + "/?$"),
  methods: Object.keys(ops).map((m) => m.toUpperCase()),
}));

export function adminApp(d: AdminAppDeps): Hono {
  const ctx = d.context;
  const app = new Hono();
  app.use(
    "*",
    httpSecurity({
      security: ctx.security,
      authorizer: ctx.authorizer,
      open: adminOpenPath,
      checks: adminChecks,
      refuse: (c, status, message) => c.json(errorBody(message, status === 401 ? "unauthenticated" : "forbidden"), status),
    }),
  );

  app.get("/v1/brokers", (c) => c.json(views.brokers(ctx)));
  app.get("/v1/brokers/:id", (c) => {
    const raw = c.req.param("id");
    if (!/^\d{1,10}$/.test(raw)) throw new AdminError(400, `broker id must be a non-negative integer, got ${JSON.stringify(raw)}`, "invalid_broker_id");
    const b = views.brokers(ctx).find((x) => x.node_id === Number(raw));
    if (!b) throw new AdminError(404, `broker ${raw} is not registered`, "broker_not_found");
    return c.json(b);
  });
  const brokerId = (c: Context): number => {
    const raw = c.req.param("id") ?? "";
    if (!/^\d{1,10}$/.test(raw) || Number(raw) > 2 ** 31 - 1) throw new AdminError(400, `broker id must be a non-negative integer, got ${JSON.stringify(raw)}`, "invalid_broker_id");
    return Number(raw);
  };
  app.put("/v1/brokers/:id/maintenance", async (c) => c.json(await ops.drain(ctx, brokerId(c))));
  app.put("/v1/brokers/:id/decommission", async (c) => c.json(await ops.decommission(ctx, brokerId(c))));
  app.get("/v1/brokers/:id/decommission", (c) => c.json(ops.decommissionStatus(ctx, brokerId(c))));
  app.get("/v1/partitions/reassignments", async (c) => c.json(await ops.listReassignments(ctx)));
  app.post("/v1/partitions/reassignments", async (c) => c.json(await ops.reassign(ctx, ops.parseReassignments(await jsonBody(c)))));
  app.post("/v1/partitions/:topic/:partition/transfer_leadership", async (c) => {
    const raw = c.req.param("partition");
    if (!/^\d{1,10}$/.test(raw) || Number(raw) > 2 ** 31 - 1) throw new AdminError(400, `partition must be a non-negative integer, got ${JSON.stringify(raw)}`, "invalid_partition");
    const t = c.req.query("target");
    if (t !== undefined && (!/^\d{1,10}$/.test(t) || Number(t) > 2 ** 31 - 1)) throw new AdminError(400, `target must be a broker id, got ${JSON.stringify(t)}`, "invalid_broker_id");
    return c.json(await ops.transferLeadership(ctx, c.req.param("topic"), Number(raw), t === undefined ? null : Number(t)));
  });
  app.get("/v1/cluster/health_overview", (c) => c.json(views.healthOverview(ctx)));
  app.get("/v1/cluster_config", (c) => c.json(describeClusterConfig(ctx)));
  app.put("/v1/cluster_config", async (c) => c.json(await applyPatch(ctx, parsePatch(await jsonBody(c)))));
  app.get("/v1/security/users", async (c) => c.json(await listUsers(ctx)));
  app.post("/v1/security/users", async (c) => c.json(await createUser(ctx, parseNewUser(await jsonBody(c)))));
  app.delete("/v1/security/users/:username", async (c) => c.json(await deleteUser(ctx, c.req.param("username"))));
  app.get("/v1/topics", (c) => c.json(views.topics(ctx)));
  app.get("/v1/topics/:name", (c) => {
    const name = c.req.param("name");
    const t = views.topic(ctx, name);
    if (!t) throw new AdminError(404, `topic ${JSON.stringify(name)} does not exist`, "topic_not_found");
    return c.json(t);
  });
  app.get("/v1/storage/integrity", (c) => c.json(integrity(ctx)));
  app.post("/v1/storage/scrub", async (c) => c.json(await scrubNow(ctx)));
  app.get("/v1/groups", (c) => c.json(views.groups(ctx)));
  app.get("/v1/groups/:id", (c) => {
    const id = c.req.param("id");
    const g = views.group(ctx, id);
    if (!g) throw new AdminError(404, `group ${JSON.stringify(id)} is not known to this node's coordinator`, "group_not_found");
    return c.json(g);
  });
  const ready = (c: Context) => {
    const r = readiness(d);
    return c.json(r.body, r.status);
  };
  app.get("/v1/status/ready", ready);
  app.get("/health/ready", ready);
  app.get("/health/live", (c) => c.json({ status: "up" }));
  app.get("/v1/openapi.json", (c) => c.json(OPENAPI_DOCUMENT));
  app.get("/metrics", async (c) => {
    if (!d.metrics) throw new AdminError(404, "metrics are not served by this broker", "not_found");
    const { body, contentType } = await d.metrics.render(c.req.header("accept") ?? null);
    return c.body(body, 200, { "content-type": contentType });
  });

  app.notFound((c) => {
    const path = c.req.path;
    const route = ROUTE_METHODS.find((r) => r.pattern.test(path));
    if (route) {
      c.header("allow", route.methods.join(", "));
      return c.json(errorBody(`${c.req.method} is not allowed on ${path}; allowed: ${route.methods.join(", ")}`, "method_not_allowed"), 405);
    }
    return c.json(errorBody(`no such path: ${path}`, "not_found"), 404);
  });
  app.onError((err, c) => {
    if (err instanceof AdminError) return c.json(errorBody(err.message, err.code), err.status);
    ctx.log.error("admin api: request failed", { path: c.req.path, method: c.req.method, error: err });
    return c.json(errorBody(`internal error: ${err.message}`, "internal_error"), 500);
  });
  return app;
}

/**
 * The Admin API service: one HTTP server (Bun.serve) on admin_api_host:admin_api_port (default
 * 9644, Redpanda's; 0 a free port; -1 no server) serving the Admin API routes (app.ts), the
 * health probes and /metrics. A Service of the broker's lifecycle: it starts once the Kafka
 * listener and the coordinators are up and stops first.
 *
 * The request counters for /metrics (request-counters.ts) go into the Kafka middleware chain when
 * the service is created (before the listener starts), when metrics_enabled is true.
 */
import type { Server } from "bun";
import { ADMIN_API_MAX_BODY_BYTES } from "../limits.ts";
import type { BrokerContext } from "../server/context.ts";
import { OperatorError, type Service, type ServiceStatus } from "../server/lifecycle.ts";
import { adminApp } from "./app.ts";
import { BrokerMetrics } from "./metrics.ts";
import { RequestCounters } from "./request-counters.ts";

export const ADMIN_API_SERVICE = "admin-api";

export interface AdminApiDeps {
  context: BrokerContext;
  status: () => ServiceStatus[];
  connections: () => number;
  dependsOn: readonly string[];
}

export class AdminApiService implements Service {
  readonly name = ADMIN_API_SERVICE;
  readonly dependsOn: readonly string[];
  /** The Kafka request counters (null when metrics_enabled is false). */
  readonly counters: RequestCounters | null;
  private server: Server<undefined> | null = null;
  private metrics: BrokerMetrics | null = null;

  constructor(private readonly deps: AdminApiDeps) {
    this.dependsOn = deps.dependsOn;
    const ctx = deps.context;
    this.counters = ctx.config.metricsEnabled ? new RequestCounters((id) => ctx.metadata?.image.topicsById.get(id)?.name) : null;
    if (this.counters) ctx.middleware.use(this.counters, { position: "first" });
  }

  get port(): number | undefined {
    return this.server?.port;
  }

  start(): void {
    const ctx = this.deps.context;
    const { config } = ctx;
    const host = config.adminApiHost ?? config.host;
    const metrics = (this.metrics = new BrokerMetrics({ context: ctx, counters: this.counters, connections: this.deps.connections }));
    const app = adminApp({ context: ctx, status: this.deps.status, selfName: this.name, metrics });
    try {
      this.server = Bun.serve({
        hostname: host,
        port: config.adminApiPort,
        // A backstop above the app's own bound (app.ts answers 413 with a JSON body first).
        maxRequestBodySize: ADMIN_API_MAX_BODY_BYTES * 2,
        fetch: app.fetch,
        error(e) {
          ctx.log.error("admin api: server error", { error: e });
          return Response.json({ message: "internal error", code: "internal_error" }, { status: 500 });
        },
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE") throw new OperatorError(`port ${config.adminApiPort} on ${host} is already in use (admin_api_port / TAKHIN_ADMIN_API_PORT; -1 turns the Admin API off)`);
      if (code === "EACCES") throw new OperatorError(`no permission to listen on port ${config.adminApiPort} on ${host} (admin_api_port)`);
      throw e;
    }
    ctx.log.info("admin api listening", { address: `${host}:${this.server.port}` });
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    this.metrics?.close();
    this.metrics = null;
    if (s) await s.stop(true);
  }
}

/**
 * The Schema Registry service: one HTTP server (Bun.serve) on schema_registry_host:
 * schema_registry_port (default 8081, Confluent's; 0 a free port; -1 no server) serving the
 * Confluent-compatible REST API (app.ts) over the registry (registry.ts) whose state lives in the
 * `_schemas` topic (store.ts), replayed when the service starts. A Service of the broker's
 * lifecycle: it starts once the Kafka listener is up and stops before it.
 */
import type { Server } from "bun";
import { SCHEMA_REGISTRY_MAX_BODY_BYTES } from "../limits.ts";
import type { BrokerContext } from "../server/context.ts";
import { OperatorError, type Service } from "../server/lifecycle.ts";
import { schemaRegistryApp } from "./app.ts";
import { Registry } from "./registry.ts";
import { SchemaLog } from "./store.ts";
import { WriteForwarder } from "./forward.ts";

export const SCHEMA_REGISTRY_SERVICE = "schema-registry";
export { SCHEMA_REGISTRY_ENDPOINT, schemaRegistryEndpoint } from "./forward.ts";

export interface SchemaRegistryDeps {
  context: BrokerContext;
  dependsOn: readonly string[];
}

export class SchemaRegistryService implements Service {
  readonly name = SCHEMA_REGISTRY_SERVICE;
  readonly dependsOn: readonly string[];
  private server: Server<undefined> | null = null;
  registry: Registry | null = null;

  constructor(private readonly deps: SchemaRegistryDeps) {
    this.dependsOn = deps.dependsOn;
  }

  get port(): number | undefined {
    return this.server?.port;
  }

  start(): void {
    const ctx = this.deps.context;
    const { config } = ctx;
    const host = config.schemaRegistryHost ?? config.host;
    const registry = (this.registry = new Registry());
    const log = new SchemaLog(ctx, registry.state);
    const forwarder = new WriteForwarder(ctx, log);
    registry.attach(log, forwarder);
    const t0 = performance.now();
    log.catchUp();
    const app = schemaRegistryApp(registry, ctx.log, forwarder, { security: ctx.security, authorizer: ctx.authorizer });
    try {
      this.server = Bun.serve({
        hostname: host,
        port: config.schemaRegistryPort,
        // A backstop above the app's own bound (app.ts answers 413 with Confluent's body first).
        maxRequestBodySize: SCHEMA_REGISTRY_MAX_BODY_BYTES * 2,
        fetch: app.fetch,
        error(e) {
          ctx.log.error("schema registry: server error", { error: e });
          return Response.json({ error_code: 50001, message: "internal error" }, { status: 500 });
        },
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE") throw new OperatorError(`port ${config.schemaRegistryPort} on ${host} is already in use (schema_registry_port / TAKHIN_SCHEMA_REGISTRY_PORT; -1 turns the Schema Registry off)`);
      if (code === "EACCES") throw new OperatorError(`no permission to listen on port ${config.schemaRegistryPort} on ${host} (schema_registry_port)`);
      throw e;
    }
    ctx.log.info("schema registry listening", { address: `${host}:${this.server.port}`, subjects: registry.state.subjects.size, schemas: registry.state.schemas.size, loadMs: Math.round(performance.now() - t0) });
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await s.stop(true);
  }
}

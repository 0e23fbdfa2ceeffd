/**
 * `takhin console`: the web console on its own against any Kafka-compatible cluster (--bootstrap),
 * with the Schema Registry, Admin API and Kafka Connect at the URLs given. Serves until
 * interrupted (SIGINT/SIGTERM). See docs/console.md.
 */
import { startStandaloneConsole } from "../console/standalone.ts";
import { UsageError } from "./args.ts";
import { int, str, type Leaf } from "./command.ts";

export const consoleCommand: Leaf = {
  name: "console",
  summary: "serve the web console for a cluster (Takhin or Apache Kafka)",
  details: "Open the printed URL in a browser. Without --roles the console runs in development mode (no login, everyone admin, a banner says so).",
  flags: [
    { name: "port", kind: "int", value: "PORT", help: "HTTP port (default 8080; 0 picks a free port)" },
    { name: "host", kind: "string", value: "HOST", help: "address to listen on (default 127.0.0.1)" },
    { name: "schema-registry", kind: "string", value: "URL", help: "Schema Registry URL (Confluent-compatible)" },
    { name: "admin-api", kind: "string", value: "URL", help: "Takhin Admin API URL (for /metrics)" },
    { name: "connect", kind: "string", value: "URL", help: "Kafka Connect REST URL" },
    { name: "roles", kind: "string", value: "USER:ROLE,...", help: "turn login on: users and roles (viewer, editor, admin; *:ROLE for everyone else)" },
    { name: "login-bootstrap", kind: "string", value: "host:port", help: "a SASL_PLAINTEXT listener to check login passwords on" },
    { name: "login-mechanism", kind: "string", value: "M", help: "PLAIN, SCRAM-SHA-256 (default) or SCRAM-SHA-512" },
  ],
  positionals: [],
  async run(ctx) {
    const port = int(ctx, "port") ?? 8080;
    if (port < 0 || port > 65535) throw new UsageError("--port must be from 0 to 65535");
    for (const f of ["schema-registry", "admin-api", "connect"]) {
      const v = str(ctx, f);
      if (v !== undefined && !/^https?:\/\/[^\s/]+/.test(v)) throw new UsageError(`--${f} must be an http(s) URL`);
    }
    await (await ctx.client()).metadata([]);
    let c;
    try {
      c = startStandaloneConsole({
        bootstrap: ctx.bootstrap,
        host: str(ctx, "host") ?? "127.0.0.1",
        port,
        schemaRegistryUrl: str(ctx, "schema-registry") ?? null,
        adminApiUrl: str(ctx, "admin-api") ?? null,
        connectUrl: str(ctx, "connect") ?? null,
        roles: str(ctx, "roles") ?? null,
        loginBootstrap: str(ctx, "login-bootstrap") ?? null,
        loginMechanism: str(ctx, "login-mechanism"),
        log: (msg, fields) => ctx.out.err(`${msg} ${JSON.stringify(fields, (_k, v) => (v instanceof Error ? v.message : v))}`),
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    ctx.out.err(`takhin console: ${c.url} (cluster ${ctx.bootstrap}${c.console.sessions.devMode ? "; development mode: no login" : ""})`);
    await ctx.out.flush();
    await ctx.interrupted;
    await c.stop();
  },
};

/**
 * The console on its own, against any Kafka-compatible cluster (Takhin or Apache Kafka): the same
 * app as the broker's service, its client bootstrapped at the addresses given, the registry,
 * Admin API and Connect at the URLs given. Used by `takhin console` (src/cli/console.ts).
 */
import type { Server } from "bun";
import { KafkaClient, parseAddress } from "../client/index.ts";
import { consoleApp, type ConsoleApp } from "./app.ts";
import { parseRoles } from "./auth.ts";
import { LOGIN_MECHANISMS, saslLogin, type LoginMechanism } from "./sasl-login.ts";
import { serveConsole } from "./server.ts";

export interface StandaloneOptions {
  bootstrap: string;
  host: string;
  port: number;
  schemaRegistryUrl?: string | null;
  adminApiUrl?: string | null;
  connectUrl?: string | null;
  roles?: string | null;
  /** host:port of a SASL_PLAINTEXT listener to check logins on (needed with roles). */
  loginBootstrap?: string | null;
  loginMechanism?: string;
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

export interface StandaloneConsole {
  server: Server<undefined>;
  console: ConsoleApp;
  url: string;
  stop(): Promise<void>;
}

export function startStandaloneConsole(o: StandaloneOptions): StandaloneConsole {
  const roles = parseRoles(o.roles);
  const mechanism = (o.loginMechanism ?? "SCRAM-SHA-256").toUpperCase() as LoginMechanism;
  if (!LOGIN_MECHANISMS.includes(mechanism)) throw new Error(`login mechanism "${o.loginMechanism}" is not one of ${LOGIN_MECHANISMS.join(", ")}`);
  if (roles && !o.loginBootstrap) throw new Error("roles turn login on: give the SASL_PLAINTEXT listener to check passwords on (--login-bootstrap host:port)");
  const loginAt = o.loginBootstrap ? parseAddress(o.loginBootstrap) : null;
  let client: KafkaClient | null = null;
  const log = o.log ?? ((msg, fields) => console.error(msg, fields));
  const app = consoleApp({
    client: () => (client ??= new KafkaClient({ bootstrap: o.bootstrap, clientId: "takhin-console" })),
    schemaRegistryUrl: o.schemaRegistryUrl ?? null,
    adminApiUrl: o.adminApiUrl ?? null,
    connectUrl: o.connectUrl ?? null,
    roles,
    login: roles && loginAt ? (user, password) => saslLogin(loginAt, mechanism, user, password) : null,
    log,
  });
  const server = serveConsole(app, o.host, o.port, (e) => log("console: server error", { error: e }));
  return {
    server,
    console: app,
    url: `http://${o.host.includes(":") ? `[${o.host}]` : o.host}:${server.port}`,
    async stop() {
      client?.close();
      await server.stop(true);
    },
  };
}

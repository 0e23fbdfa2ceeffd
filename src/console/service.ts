/**
 * The console as a service of the broker's lifecycle: one HTTP server on console_host:console_port
 * (default 8080; 0 a free port; -1 no console). It starts after the Kafka listener (and the Admin
 * API and Schema Registry when they run on this node, so their URLs are known) and reaches this
 * node the way it would reach any cluster: the internal Kafka client bootstrapped at this node's
 * advertised listener, the registry and Admin API over HTTP at their ports. Login (console_roles
 * set) checks passwords by a SASL exchange with this node's first SASL_PLAINTEXT listener.
 */
import type { Server } from "bun";
import { KafkaClient } from "../client/index.ts";
import type { BrokerContext } from "../server/context.ts";
import { OperatorError, type Service } from "../server/lifecycle.ts";
import { consoleApp, type ConsoleApp } from "./app.ts";
import { parseRoles } from "./auth.ts";
import { LOGIN_MECHANISMS, saslLogin, type LoginMechanism } from "./sasl-login.ts";
import { serveConsole } from "./server.ts";

export const CONSOLE_SERVICE = "console";

export interface ConsoleServiceDeps {
  context: BrokerContext;
  dependsOn: readonly string[];
  /** The ports of this node's Schema Registry and Admin API, once started (undefined: not running). */
  schemaRegistryPort: () => number | undefined;
  adminApiPort: () => number | undefined;
}

const urlHost = (h: string) => (h.includes(":") ? `[${h}]` : h === "0.0.0.0" || h === "::" ? "127.0.0.1" : h);

export class ConsoleService implements Service {
  readonly name = CONSOLE_SERVICE;
  readonly dependsOn: readonly string[];
  private server: Server<undefined> | null = null;
  private client: KafkaClient | null = null;
  console: ConsoleApp | null = null;

  constructor(private readonly deps: ConsoleServiceDeps) {
    this.dependsOn = deps.dependsOn;
  }

  get port(): number | undefined {
    return this.server?.port;
  }

  start(): void {
    const ctx = this.deps.context;
    const { config } = ctx;
    const host = config.consoleHost ?? config.host;
    let roles;
    try {
      roles = parseRoles(config.consoleRoles);
    } catch (e) {
      throw new OperatorError((e as Error).message);
    }
    const mechanism = config.consoleLoginMechanism.toUpperCase() as LoginMechanism;
    if (!LOGIN_MECHANISMS.includes(mechanism)) throw new OperatorError(`console_login_mechanism "${config.consoleLoginMechanism}" is not one of ${LOGIN_MECHANISMS.join(", ")}`);
    const sasl = ctx.listeners.find((l) => l.securityProtocol === "SASL_PLAINTEXT");
    if (roles && !sasl) throw new OperatorError("console_roles turns console login on, which checks passwords on a SASL_PLAINTEXT listener: add one to listeners");
    const self = `${ctx.advertisedHost}:${ctx.advertisedPort}`;
    const sr = this.deps.schemaRegistryPort();
    const admin = this.deps.adminApiPort();
    this.console = consoleApp({
      client: () => (this.client ??= new KafkaClient({ bootstrap: self, clientId: `takhin-console-${ctx.nodeId}` })),
      schemaRegistryUrl: sr !== undefined ? `http://${urlHost(config.schemaRegistryHost ?? config.host)}:${sr}` : null,
      adminApiUrl: admin !== undefined ? `http://${urlHost(config.adminApiHost ?? config.host)}:${admin}` : null,
      connectUrl: config.consoleConnectUrl,
      roles,
      login: roles && sasl ? (user, password) => saslLogin({ host: sasl.advertisedHost, port: sasl.advertisedPort }, mechanism, user, password) : null,
      log: (msg, fields) => ctx.log.warn(msg, fields),
    });
    this.server = serveConsole(this.console, host, config.consolePort, (e) => ctx.log.error("console: server error", { error: e }));
    ctx.log.info("console listening", { address: `${host}:${this.server.port}`, login: roles ? "on" : "off (development mode)" });
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    this.client?.close();
    this.client = null;
    if (s) await s.stop(true);
  }
}

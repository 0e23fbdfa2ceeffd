/**
 * The HTTP Proxy service: one HTTP server (Bun.serve) on http_proxy_host:http_proxy_port
 * (default 8082, Confluent REST Proxy's; 0 a free port; -1 no server) serving Confluent's REST
 * Proxy API (app.ts, consumer-routes.ts, v3.ts). A Service of the broker's lifecycle: it starts
 * once the Kafka listener is up (and after the Schema Registry when that runs) and stops first.
 *
 * What it calls, all in-process except where a Kafka client would talk to another broker:
 * the metadata image (metadata routes), the replica manager (produce to partitions this node
 * leads), the Schema Registry's Registry (schemas by id, inline schemas registered), and the
 * internal client (src/client) bootstrapped at this node's own listener for what lives on other
 * nodes: partitions they lead, the group coordinator of a consumer instance's group, fetches.
 *
 * When the Schema Registry service is off on this node, the proxy keeps its own Registry over the
 * same `_schemas` topic (no HTTP server), so the schema formats still work.
 */
import type { Server } from "bun";
import { KafkaClient } from "../client/index.ts";
import { Registry } from "../schema-registry/registry.ts";
import { SchemaRegistryService } from "../schema-registry/service.ts";
import { SchemaLog } from "../schema-registry/store.ts";
import type { BrokerContext } from "../server/context.ts";
import { OperatorError, type Service } from "../server/lifecycle.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { httpProxyApp } from "./app.ts";
import { topicNotFound } from "./errors.ts";
import { consumerRoutes } from "./consumer-routes.ts";
import { ConsumerManager } from "./consumers.ts";
import { ProxyProducer } from "./producer.ts";
import { v3Routes } from "./v3.ts";

export const HTTP_PROXY_SERVICE = "http-proxy";

export interface HttpProxyDeps {
  context: BrokerContext;
  dependsOn: readonly string[];
  /** The Schema Registry service of this node, when it runs. */
  schemaRegistry: () => SchemaRegistryService | undefined;
}

export class HttpProxyService implements Service {
  readonly name = HTTP_PROXY_SERVICE;
  readonly dependsOn: readonly string[];
  private server: Server<undefined> | null = null;
  private client: KafkaClient | null = null;
  private ownRegistry: Registry | null = null;
  consumers: ConsumerManager | null = null;

  constructor(private readonly deps: HttpProxyDeps) {
    this.dependsOn = deps.dependsOn;
  }

  get port(): number | undefined {
    return this.server?.port;
  }

  private registry(): Registry | null {
    const sr = this.deps.schemaRegistry()?.registry;
    if (sr) return sr;
    if (!this.ownRegistry) {
      const r = new Registry();
      const log = new SchemaLog(this.deps.context, r.state);
      r.attach(log);
      log.catchUp();
      this.ownRegistry = r;
    }
    return this.ownRegistry;
  }

  start(): void {
    const ctx = this.deps.context;
    const { config } = ctx;
    const host = config.httpProxyHost ?? config.host;
    const self = `${ctx.advertisedHost}:${ctx.advertisedPort}`;
    const clientOf = () => (this.client ??= new KafkaClient({ bootstrap: self, clientId: `takhin-http-proxy-${ctx.nodeId}` }));
    const producer = new ProxyProducer(ctx, clientOf);
    const registry = () => this.registry();
    const consumers = (this.consumers = new ConsumerManager({ context: ctx, bootstrap: self, registry, instanceTimeoutMs: config.consumerInstanceTimeoutMs }));
    let baseUrl = "";
    // A produce to an unknown topic creates it when auto_create_topics_enable allows, as a Kafka
    // producer's Metadata request does (Confluent's proxy produces through one): CreateTopics with the
    // broker's defaults through the controller, then the image has it here.
    const ensureTopic = async (topic: string) => {
      if (ctx.metadata.image.topic(topic)) return;
      if (!config.autoCreateTopicsEnable || !/^[A-Za-z0-9._-]{1,249}$/.test(topic) || topic === "." || topic === "..") throw topicNotFound();
      const [r] = await clientOf().createTopics([{ name: topic }]).catch(() => [undefined]);
      if (r && r.errorCode !== 0 && r.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) throw topicNotFound();
      for (let i = 0; i < 250; i++) {
        const t = ctx.metadata.image.topic(topic);
        if (t && t.partitions.every((p) => p.leader >= 0)) return;
        await Bun.sleep(20);
      }
      throw topicNotFound();
    };
    const app = httpProxyApp({
      context: ctx,
      ensureTopic,
      log: ctx.log,
      producer,
      registry,
      extend: (a) => {
        consumerRoutes(a, { consumers, baseUrl: () => baseUrl, authorizer: this.deps.context.authorizer });
        v3Routes(a, { context: ctx, producer, registry, client: clientOf });
      },
    });
    try {
      this.server = Bun.serve({
        hostname: host,
        port: config.httpProxyPort,
        // No server-wide cap: the app bounds every body as it reads it (body.ts: 413 past
        // HTTP_PROXY_MAX_BODY_BYTES; the v3 streaming produce: per record), and a streaming produce
        // may carry any number of records for as long as the connection lasts (Bun applies this cap
        // to chunked bodies too, so a finite one would end long streams).
        maxRequestBodySize: Number.MAX_SAFE_INTEGER,
        // Long polls (GET .../records) wait up to HTTP_PROXY_MAX_POLL_MS; idle sockets close after this.
        idleTimeout: 60,
        fetch: app.fetch,
        error(e) {
          ctx.log.error("http proxy: server error", { error: e });
          return Response.json({ error_code: 500, message: "Internal Server Error" }, { status: 500 });
        },
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE") throw new OperatorError(`port ${config.httpProxyPort} on ${host} is already in use (http_proxy_port / TAKHIN_HTTP_PROXY_PORT; -1 turns the HTTP Proxy off)`);
      if (code === "EACCES") throw new OperatorError(`no permission to listen on port ${config.httpProxyPort} on ${host} (http_proxy_port)`);
      throw e;
    }
    const advertised = ctx.advertisedHost;
    baseUrl = `http://${advertised.includes(":") ? `[${advertised}]` : advertised}:${this.server.port}`;
    consumers.start();
    ctx.log.info("http proxy listening", { address: `${host}:${this.server.port}` });
  }

  /** Consumer instances leave their groups while the Kafka listener still serves. */
  async quiesce(): Promise<void> {
    await this.consumers?.closeAll();
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    await this.consumers?.closeAll();
    this.consumers = null;
    this.client?.close();
    this.client = null;
    if (s) await s.stop(true);
  }
}

/**
 * The HTTP Proxy's routes (Hono), Confluent REST Proxy's API v2 (and v3 from v3.ts):
 *
 *   GET  /topics                                   ["t1","t2"]
 *   GET  /topics/{topic}                           {name, configs, partitions:[{partition, leader, replicas}]}
 *   POST /topics/{topic}                           produce; {key_schema_id, value_schema_id, offsets}
 *   GET  /topics/{topic}/partitions[/{p}]          partitions with leader and replicas {broker, leader, in_sync}
 *   POST /topics/{topic}/partitions/{p}            produce to one partition
 *   GET  /brokers                                  {"brokers":[ids]}
 *   /consumers/...                                 consumer instances (consumer-routes.ts)
 *
 * Every answer is JSON; every failure Confluent's {error_code, message} (errors.ts). Content
 * types are negotiated as content-type.ts says.
 */
import { httpSecurity } from "../security/http-auth.ts";
import { filterLists, proxyChecks } from "./authorization.ts";
import { Hono, type Context } from "hono";
import type { Registry } from "../schema-registry/registry.ts";
import type { BrokerContext } from "../server/context.ts";
import type { Logger } from "../util/log.ts";
import { readObject } from "./body.ts";
import { negotiate, requestFormat, V2_JSON } from "./content-type.ts";
import { notFound, ProxyError } from "./errors.ts";
import { brokerIds, partitionsV2, partitionV2, topicImage, topicNames, topicV2 } from "./metadata.ts";
import { parseProduceV2 } from "./produce-request.ts";
import type { ProxyProducer } from "./producer.ts";

export interface ProxyDeps {
  context: BrokerContext;
  log: Logger;
  producer: ProxyProducer;
  registry: () => Registry | null;
  /** Resolves when the topic exists (created first when auto_create_topics_enable allows); 40401 otherwise. */
  ensureTopic: (topic: string) => Promise<void>;
  /** Further routes mounted on the same app (consumers, v3). */
  extend?: (app: Hono) => void;
}

/** A JSON answer with the negotiated content type. */
export function answer(c: Context, body: unknown, offered = V2_JSON, status = 200): Response {
  const type = negotiate(c.req.header("accept"), offered);
  return new Response(JSON.stringify(body), { status, headers: { "content-type": type } });
}

export function noContent(c: Context): Response {
  negotiate(c.req.header("accept"), V2_JSON);
  return new Response(null, { status: 204 });
}

export function partitionParam(c: Context): number {
  const raw = c.req.param("partition") ?? "";
  if (!/^\d{1,10}$/.test(raw) || Number(raw) > 2 ** 31 - 1) throw notFound();
  return Number(raw);
}

export function errorResponse(e: ProxyError): Response {
  return new Response(JSON.stringify(e.body()), { status: e.status, headers: { "content-type": V2_JSON } });
}

export function httpProxyApp(deps: ProxyDeps): Hono {
  const { context: ctx } = deps;
  // strict: false — the reference posts to /consumers/testgroup/ (a trailing slash).
  const app = new Hono({ strict: false });
  app.use(
    "*",
    httpSecurity({
      security: ctx.security,
      authorizer: ctx.authorizer,
      open: () => false,
      checks: proxyChecks,
      refuse: (_c, status, message) => errorResponse(new ProxyError(status === 401 ? 40101 : 40301, message)),
    }),
  );
  app.use("*", filterLists(ctx.authorizer));

  app.get("/", (c) => answer(c, {}));
  app.get("/topics", (c) => answer(c, topicNames(ctx)));
  app.get("/topics/:topic", (c) => answer(c, topicV2(ctx, c.req.param("topic"))));
  app.get("/topics/:topic/partitions", (c) => answer(c, partitionsV2(ctx, c.req.param("topic"))));
  app.get("/topics/:topic/partitions/:partition", (c) => answer(c, partitionV2(ctx, c.req.param("topic"), partitionParam(c))));
  app.get("/brokers", (c) => answer(c, { brokers: brokerIds(ctx) }));

  const produce = async (c: Context, partition?: number) => {
    const format = requestFormat(c.req.header("content-type"));
    negotiate(c.req.header("accept"), V2_JSON);
    const topic = c.req.param("topic")!;
    await deps.ensureTopic(topic);
    const body = await readObject(c.req.raw);
    const req = await parseProduceV2(body, format, topic, deps.registry);
    const offsets = await deps.producer.produce(topic, req.records, partition);
    return answer(c, { key_schema_id: req.keySchemaId, value_schema_id: req.valueSchemaId, offsets: offsets.map(({ partition, offset, error_code, error }) => ({ partition, offset, error_code, error })) });
  };
  app.post("/topics/:topic", (c) => produce(c));
  app.post("/topics/:topic/partitions/:partition", (c) => {
    const p = partitionParam(c);
    const t = topicImage(ctx, c.req.param("topic"));
    if (p >= t.partitions.length) throw new ProxyError(40402, "Partition not found.");
    return produce(c, p);
  });

  deps.extend?.(app);

  app.notFound(() => errorResponse(notFound()));
  app.onError((err) => {
    if (err instanceof ProxyError) return errorResponse(err);
    deps.log.error("http proxy: unexpected error", { error: err });
    return errorResponse(new ProxyError(500, `Internal Server Error: ${err.message}`));
  });
  return app;
}

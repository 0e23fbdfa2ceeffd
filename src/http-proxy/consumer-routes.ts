/**
 * The v2 consumer routes (Confluent REST Proxy), over ConsumerManager (consumers.ts):
 *
 *   POST   /consumers/{group}                                   create -> {instance_id, base_uri}
 *   DELETE /consumers/{group}/instances/{name}                  204
 *   POST   .../subscription {topics:[..]} | {topic_pattern}     204     GET -> {topics}   DELETE 204
 *   POST   .../assignments {partitions:[{topic, partition}]}    204     GET -> {partitions}
 *   POST   .../positions {offsets:[{topic, partition, offset}]} 204
 *   POST   .../positions/beginning|end {partitions:[..]}        204
 *   GET    .../records?timeout=ms&max_bytes=n                   [{topic, key, value, partition, offset}]
 *   POST   .../offsets {offsets:[..]} (none: what was read)     200
 *   GET    .../offsets {partitions:[..]}                        {offsets:[{topic, partition, offset, metadata}]}
 *
 * An instance lives on the node that created it; its base_uri names that node's proxy. Another
 * node does not know it and answers 40403, as Confluent's proxies do.
 */
import type { Authorizer } from "../security/authorizer.ts";
import { requireTopicReads } from "./authorization.ts";
import type { Context, Hono } from "hono";
import { HTTP_PROXY_MAX_CONSUMER_PARTITIONS, HTTP_PROXY_MAX_RESPONSE_BYTES } from "../limits.ts";
import { answer, noContent } from "./app.ts";
import { readJson, readObject } from "./body.ts";
import { acceptedRecordsFormat, checkPlainContentType, negotiate, recordsType, V2_JSON } from "./content-type.ts";
import { formatMismatch, unprocessable } from "./errors.ts";
import type { ConsumerManager } from "./consumers.ts";
import type { TopicPartition } from "./group-member.ts";

export interface ConsumerRouteDeps {
  consumers: ConsumerManager;
  baseUrl: () => string;
  /** The ACLs a subscription's or assignment's topics are checked against (READ). */
  authorizer: Authorizer;
}

function partitionList(v: unknown, field: string): TopicPartition[] {
  if (!Array.isArray(v)) throw unprocessable(`${field} may not be empty`);
  if (v.length > HTTP_PROXY_MAX_CONSUMER_PARTITIONS) throw unprocessable(`${field} holds at most ${HTTP_PROXY_MAX_CONSUMER_PARTITIONS} entries`);
  return v.map((x, i) => {
    const o = x as Record<string, unknown>;
    if (!o || typeof o !== "object" || typeof o.topic !== "string" || o.topic === "" || typeof o.partition !== "number" || !Number.isInteger(o.partition) || o.partition < 0) throw unprocessable(`${field}[${i}] needs a topic and a partition`);
    return { topic: o.topic, partition: o.partition };
  });
}

function offsetList(v: unknown): (TopicPartition & { offset: number; metadata?: string })[] {
  if (!Array.isArray(v)) throw unprocessable("offsets may not be empty");
  const parts = partitionList(v, "offsets");
  return parts.map((p, i) => {
    const o = v[i] as Record<string, unknown>;
    if (typeof o.offset !== "number" || !Number.isSafeInteger(o.offset) || o.offset < 0) throw unprocessable(`offsets[${i}].offset is not an offset`);
    return { ...p, offset: o.offset, ...(typeof o.metadata === "string" ? { metadata: o.metadata.slice(0, 4096) } : {}) };
  });
}

function intQuery(c: Context, name: string, dflt: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return dflt;
  if (!/^-?\d{1,12}$/.test(raw)) throw unprocessable(`${name} is not an integer`);
  const n = Number(raw);
  return n < 0 ? dflt : Math.min(n, max);
}

export function consumerRoutes(app: Hono, deps: ConsumerRouteDeps): void {
  const { consumers } = deps;
  const inst = (c: Context) => consumers.get(c.req.param("group")!, c.req.param("instance")!);
  const base = "/consumers/:group/instances/:instance";

  app.post("/consumers/:group", async (c) => {
    checkPlainContentType(c.req.header("content-type"));
    negotiate(c.req.header("accept"), V2_JSON);
    const body = await readObject(c.req.raw, {});
    const group = c.req.param("group");
    const ci = consumers.create(group, body);
    return answer(c, { instance_id: ci.name, base_uri: `${deps.baseUrl()}/consumers/${encodeURIComponent(group)}/instances/${encodeURIComponent(ci.name)}` });
  });
  app.delete(base, async (c) => {
    checkPlainContentType(c.req.header("content-type"));
    await consumers.delete(c.req.param("group"), c.req.param("instance"));
    return noContent(c);
  });

  app.post(`${base}/subscription`, async (c) => {
    checkPlainContentType(c.req.header("content-type"));
    const ci = inst(c);
    const body = await readObject(c.req.raw);
    const topics = body.topics;
    const pattern = body.topic_pattern;
    if (topics !== undefined && pattern !== undefined) throw unprocessable("topics and topic_pattern are exclusive");
    if (pattern !== undefined) {
      if (typeof pattern !== "string" || pattern === "") throw unprocessable("topic_pattern is a non-empty string");
      await ci.exclusive(() => ci.subscribe(null, pattern));
    } else {
      if (!Array.isArray(topics) || topics.length === 0 || topics.some((t) => typeof t !== "string" || t === "")) throw unprocessable("topics may not be empty");
      requireTopicReads(c, deps.authorizer, topics as string[]);
      await ci.exclusive(() => ci.subscribe(topics as string[], null));
    }
    return noContent(c);
  });
  app.get(`${base}/subscription`, (c) => answer(c, inst(c).subscriptionView()));
  app.delete(`${base}/subscription`, async (c) => {
    const ci = inst(c);
    await ci.exclusive(() => ci.unsubscribe());
    return noContent(c);
  });

  app.post(`${base}/assignments`, async (c) => {
    checkPlainContentType(c.req.header("content-type"));
    const ci = inst(c);
    const parts = partitionList((await readObject(c.req.raw)).partitions, "partitions");
    requireTopicReads(c, deps.authorizer, [...new Set(parts.map((p) => p.topic))]);
    await ci.exclusive(() => ci.assign(parts));
    return noContent(c);
  });
  app.get(`${base}/assignments`, (c) => answer(c, { partitions: inst(c).assignments() }));

  app.post(`${base}/positions`, async (c) => {
    checkPlainContentType(c.req.header("content-type"));
    const ci = inst(c);
    const offsets = offsetList((await readObject(c.req.raw)).offsets);
    await ci.exclusive(() => ci.seek(offsets));
    return noContent(c);
  });
  for (const where of ["beginning", "end"] as const) {
    app.post(`${base}/positions/${where}`, async (c) => {
      checkPlainContentType(c.req.header("content-type"));
      const ci = inst(c);
      const parts = partitionList((await readObject(c.req.raw)).partitions, "partitions");
      await ci.exclusive(() => ci.seekTo(parts, where));
      return noContent(c);
    });
  }

  app.get(`${base}/records`, async (c) => {
    const ci = inst(c);
    const accept = c.req.header("accept");
    const asked = acceptedRecordsFormat(accept);
    if (asked !== null && asked !== ci.config.format) throw formatMismatch();
    const type = asked !== null ? recordsType(asked) : negotiate(accept, recordsType(ci.config.format));
    const timeoutMs = intQuery(c, "timeout", ci.config.requestTimeoutMs, Number.MAX_SAFE_INTEGER);
    const maxBytes = intQuery(c, "max_bytes", HTTP_PROXY_MAX_RESPONSE_BYTES, HTTP_PROXY_MAX_RESPONSE_BYTES);
    const records = await ci.exclusive(() => ci.records(timeoutMs, maxBytes));
    return new Response(JSON.stringify(records), { status: 200, headers: { "content-type": type } });
  });

  app.post(`${base}/offsets`, async (c) => {
    checkPlainContentType(c.req.header("content-type"));
    const ci = inst(c);
    const body = (await readJson(c.req.raw, {})) as Record<string, unknown> | null;
    const offsets = body && typeof body === "object" && body.offsets !== undefined ? offsetList(body.offsets) : null;
    await ci.exclusive(() => ci.commit(offsets));
    negotiate(c.req.header("accept"), V2_JSON);
    return new Response(null, { status: 200 });
  });
  // Confluent's reference sends the partitions as a GET body; Bun's HTTP server drops GET bodies
  // (a difference, docs/http-proxy.md): the partitions come from a body when one is readable, else
  // from ?partitions=<the same JSON array>, else they are the instance's assigned partitions.
  app.get(`${base}/offsets`, async (c) => {
    const ci = inst(c);
    const body = (await readJson(c.req.raw, {})) as Record<string, unknown>;
    const q = c.req.query("partitions");
    let raw: unknown = body && typeof body === "object" ? body.partitions : undefined;
    if (raw === undefined && q !== undefined) {
      try {
        raw = JSON.parse(q);
      } catch {
        throw unprocessable("partitions is not a JSON array");
      }
    }
    const parts = raw === undefined ? ci.assignments() : partitionList(raw, "partitions");
    return answer(c, { offsets: await ci.exclusive(() => ci.committedOffsets(parts)) });
  });
}

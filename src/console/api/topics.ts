/**
 * Cluster and topic routes:
 *
 *   GET    /api/overview                       brokers, controller, leaderless / under-replicated
 *   GET    /api/metrics                        the Admin API's /metrics text (for the overview charts)
 *   GET    /api/topics?search=&internal=1      topics with partitions, records, size
 *   POST   /api/topics                         {name, partitions, replicationFactor, configs, validateOnly}
 *   GET    /api/topics/:topic                  partitions (leaders, replicas, ISR, offsets) and configs
 *   PATCH  /api/topics/:topic/configs          {set: {k: v}, remove: [k]}
 *   POST   /api/topics/:topic/partitions       {count}: the new total
 *   DELETE /api/topics/:topic?confirm=NAME     the name again, as the page's confirmation
 */
import { alterTopicConfigs } from "../../cli/kafka.ts";
import { badRequest } from "./errors.ts";
import type { App, ConsoleDeps } from "./deps.ts";
import { addPartitions, createTopic, deleteTopic, describeTopic, listTopics, overview } from "./kafka-ops.ts";
import { bool, int, readBody, str, stringMap, TOPIC_NAME, topicParam } from "./input.ts";
import type { Role } from "../auth.ts";

export function topicRoutes(app: App, deps: ConsoleDeps, need: (r: Role) => any): void {
  app.get("/api/overview", async (c) => c.json({ ...(await overview(deps.client())), registry: deps.registry.configured, connect: deps.connectUrl !== null, adminApi: deps.adminApi.configured }));
  app.get("/api/metrics", async (c) => c.text(await deps.adminApi.call<string>("GET", "/metrics", undefined, { raw: true })));
  app.get("/api/topics", async (c) => {
    const search = (c.req.query("search") ?? "").slice(0, 249);
    return c.json(await listTopics(deps.client(), { search, internal: c.req.query("internal") === "1" }));
  });
  app.post("/api/topics", need("editor"), async (c) => {
    const b = await readBody(c);
    const name = str(b, "name", { pattern: TOPIC_NAME, maxLength: 249 });
    if (name === "." || name === "..") throw badRequest(`"${name}" is not a valid topic name`);
    const t = { name, partitions: int(b, "partitions", -1, 100_000, -1), replicationFactor: int(b, "replicationFactor", -1, 32_767, -1), configs: stringMap(b, "configs") };
    return c.json(await createTopic(deps.client(), t, bool(b, "validateOnly")), 201);
  });
  app.get("/api/topics/:topic", async (c) => c.json(await describeTopic(deps.client(), topicParam(c))));
  app.patch("/api/topics/:topic/configs", need("editor"), async (c) => {
    const topic = topicParam(c);
    const b = await readBody(c);
    const set = Object.entries(stringMap(b, "set"));
    const removeRaw = b.remove ?? [];
    if (!Array.isArray(removeRaw) || removeRaw.some((x) => typeof x !== "string") || removeRaw.length > 1000) throw badRequest(`"remove" must be a list of config names`);
    if (set.length === 0 && removeRaw.length === 0) throw badRequest(`nothing to change: give "set" or "remove"`);
    await alterTopicConfigs(deps.client(), topic, set, removeRaw as string[], bool(b, "validateOnly"));
    return c.json({ topic, set: Object.fromEntries(set), removed: removeRaw });
  });
  app.post("/api/topics/:topic/partitions", need("editor"), async (c) => {
    const topic = topicParam(c);
    const b = await readBody(c);
    const count = int(b, "count", 1, 100_000);
    await addPartitions(deps.client(), topic, count);
    return c.json({ topic, partitions: count });
  });
  app.delete("/api/topics/:topic", need("editor"), async (c) => {
    const topic = topicParam(c);
    if (c.req.query("confirm") !== topic) throw badRequest(`to delete a topic, confirm its name: ?confirm=${topic}`);
    await deleteTopic(deps.client(), topic);
    return c.json({ deleted: topic });
  });
}

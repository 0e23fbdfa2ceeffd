/**
 * The Admin API and /metrics on an in-process broker over real HTTP and Kafka sockets: every
 * endpoint answers with its documented fields; every client mistake answers its 4xx with a JSON
 * { message, code } body; /metrics passes a strict exposition-format parser and its figures move
 * with real produce, fetch and commit traffic; the OpenAPI document lists every route the app has
 * and each documented path answers.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { KafkaClient } from "../../src/client/index.ts";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { OffsetCommit } from "../../src/protocol/messages/offset-commit.ts";
import { OPENAPI_DOCUMENT } from "../../src/admin/openapi.ts";
import { startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { parseExposition } from "./exposition.ts";

let b: TestBroker;
let base: string;
let client: KafkaClient;

beforeAll(async () => {
  b = await startTestBroker();
  base = `http://127.0.0.1:${b.broker.services.get("admin-api")!.port}`;
  client = await KafkaClient.connect({ bootstrap: b.bootstrap });
  await client.createTopics([{ name: "orders", numPartitions: 2, replicationFactor: 1 }]);
  for (let i = 0; i < 5; i++) await client.produce("orders", 0, buildRecordBatch({ records: [{ value: new TextEncoder().encode(`v${i}`) }] }));
  await client.fetch("orders", 0, 0n);
  const { body } = await client.send(OffsetCommit, { groupId: "g1", generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, topics: [{ name: "orders", partitions: [{ partitionIndex: 0, committedOffset: 2n, committedLeaderEpoch: -1, committedMetadata: null }] }] } as never, { apiVersion: 8 } as never);
  expect((body as { topics: { partitions: { errorCode: number }[] }[] }).topics[0].partitions[0].errorCode).toBe(0);
});
afterAll(async () => {
  client?.close();
  await b?.stop();
});

const get = (path: string, init?: RequestInit) => fetch(base + path, init);
async function expectError(r: Response, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.headers.get("content-type")).toContain("application/json");
  const body = (await r.json()) as { message: string; code: string };
  expect(typeof body.message).toBe("string");
  expect(body.message.length).toBeGreaterThan(0);
  expect(body.code).toBe(code);
}

describe("endpoints", () => {
  test("brokers: list and one", async () => {
    const list = (await (await get("/v1/brokers")).json()) as any[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ node_id: 0, fenced: false, is_alive: true, is_controller: true, self: true });
    expect(list[0].endpoints[0].port).toBe(b.port);
    expect(await (await get("/v1/brokers/0")).json()).toEqual(list[0]);
  });
  test("health overview", async () => {
    expect(await (await get("/v1/cluster/health_overview")).json()).toEqual({
      is_healthy: true, controller_id: 0, all_nodes: [0], nodes_down: [], leaderless_partitions: [], leaderless_count: 0, under_replicated_partitions: [], under_replicated_count: 0,
    });
  });
  test("topics: list and describe with offsets and sizes", async () => {
    const list = (await (await get("/v1/topics")).json()) as any[];
    expect(list.find((t) => t.topic === "orders")).toMatchObject({ partition_count: 2, replication_factor: 1, internal: false });
    const t = (await (await get("/v1/topics/orders")).json()) as any;
    expect(t.partitions).toHaveLength(2);
    expect(t.partitions[0]).toMatchObject({ partition_id: 0, leader_id: 0, replicas: [0], isr: [0], local: true, log_start_offset: 0, log_end_offset: 5, high_watermark: 5, under_replicated: false });
    expect(t.partitions[0].size_bytes).toBeGreaterThan(0);
    expect(t.partitions[1]).toMatchObject({ log_end_offset: 0, size_bytes: 0 });
  });
  test("groups: list and describe with lag", async () => {
    const list = (await (await get("/v1/groups")).json()) as any[];
    expect(list.find((g) => g.group_id === "g1")).toBeDefined();
    const g = (await (await get("/v1/groups/g1")).json()) as any;
    expect(g.members).toEqual([]);
    expect(g.partitions).toEqual([{ topic: "orders", partition_id: 0, committed_offset: 2, high_watermark: 5, lag: 3 }]);
    expect(g.total_lag).toBe(3);
  });
  test("health probes list every component up", async () => {
    for (const p of ["/health/ready", "/v1/status/ready"]) {
      const r = await get(p);
      expect(r.status).toBe(200);
      const body = (await r.json()) as any;
      expect(body.status).toBe("up");
      const names = body.components.map((c: any) => c.name);
      for (const n of ["storage", "metadata", "group-coordinator", "kafka-listener", "admin-api"]) expect(names).toContain(n);
    }
    expect(await (await get("/health/live")).json()).toEqual({ status: "up" });
  });
  test("cluster_config: GET lists keys with sources; PUT upserts and removes through the Kafka rules", async () => {
    const before = (await (await get("/v1/cluster_config")).json()) as any[];
    expect(before.find((c) => c.key === "log.retention.ms")).toMatchObject({ dynamic_value: null, read_only: false });
    const put = (body: unknown) => get("/v1/cluster_config", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const r = await put({ upsert: { "log.retention.ms": 3_600_000 } });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ applied: true, upserted: ["log.retention.ms"], removed: [] });
    const after = (await (await get("/v1/cluster_config")).json()) as any[];
    expect(after.find((c) => c.key === "log.retention.ms")).toMatchObject({ value: "3600000", dynamic_value: "3600000", source: "DYNAMIC_DEFAULT_BROKER_CONFIG" });
    // Persisted in the metadata log: the image holds it as BROKER "" config.
    expect(b.broker.context.metadata.image.resourceConfigs(4, "")["log.retention.ms"]).toBe("3600000");
    expect((await put({ remove: ["log.retention.ms"] })).status).toBe(200);
    expect(b.broker.context.metadata.image.resourceConfigs(4, "")["log.retention.ms"]).toBeUndefined();
  });
  test("openapi: every route the app serves is documented and every documented path answers", async () => {
    const doc = (await (await get("/v1/openapi.json")).json()) as typeof OPENAPI_DOCUMENT;
    expect(doc.openapi).toMatch(/^3\./);
    const { adminApp } = await import("../../src/admin/app.ts");
    const app = adminApp({ context: b.broker.context, status: () => [], selfName: "x", metrics: null });
    for (const r of app.routes) {
      if (r.method === "ALL") continue;
      const path = r.path.replace(/:([a-zA-Z]+)/g, "{$1}");
      expect(Object.keys(doc.paths)).toContain(path);
      expect(Object.keys((doc.paths as any)[path])).toContain(r.method.toLowerCase());
    }
    const sample: Record<string, string> = { "{id}": "0", "{name}": "orders" };
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!("get" in ops)) continue;
      const concrete = path.replace(/\{[^}]+\}/g, (m) => (path.startsWith("/v1/groups") ? "g1" : sample[m]));
      const r = await get(concrete);
      expect({ path, status: r.status }).toEqual({ path, status: 200 });
    }
  });
});

describe("client mistakes answer 4xx with a JSON body", () => {
  const put = (body: string, type = "application/json") => get("/v1/cluster_config", { method: "PUT", headers: { "content-type": type }, body });
  test("unknown things: 404", async () => {
    await expectError(await get("/v1/topics/nope"), 404, "topic_not_found");
    await expectError(await get("/v1/groups/nope"), 404, "group_not_found");
    await expectError(await get("/v1/brokers/7"), 404, "broker_not_found");
    await expectError(await get("/v1/no/such/path"), 404, "not_found");
  });
  test("bad ids and bodies: 400", async () => {
    await expectError(await get("/v1/brokers/abc"), 400, "invalid_broker_id");
    await expectError(await put("{not json"), 400, "malformed_json");
    await expectError(await put("[1,2]"), 400, "invalid_body");
    await expectError(await put(JSON.stringify({ upsert: { "log.retention.ms": "abc" } })), 400, "invalid_request");
    await expectError(await put(JSON.stringify({ upsert: { "no.such.key": "1" } })), 400, "invalid_config");
    await expectError(await put(JSON.stringify({ upsert: { "node.id": "3" } })), 400, "invalid_request");
    await expectError(await put(JSON.stringify({ upsert: { a: { nested: 1 } } })), 400, "invalid_config");
    await expectError(await put(JSON.stringify({ extra: 1 })), 400, "invalid_body");
    await expectError(await put("{}", "text/plain"), 415, "unsupported_media_type");
  });
  test("oversized body: 413", async () => {
    await expectError(await put(JSON.stringify({ upsert: { x: "y".repeat(1024 * 1024 + 10) } })), 413, "body_too_large");
  });
  test("wrong method: 405 on every documented path", async () => {
    for (const [path, ops] of Object.entries(OPENAPI_DOCUMENT.paths)) {
      const concrete = path.replace(/\{[^}]+\}/g, "x");
      const method = ["POST", "DELETE", "PUT", "PATCH"].find((m) => !(m.toLowerCase() in ops))!;
      const r = await get(concrete, { method });
      await expectError(r, 405, "method_not_allowed");
      expect(r.headers.get("allow")).toBeTruthy();
    }
  });
});

describe("/metrics", () => {
  test("Prometheus text passes a strict parser and counts the traffic", async () => {
    const r = await get("/metrics");
    expect(r.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const fams = parseExposition(await r.text());
    const val = (name: string, labels: Record<string, string>) => fams.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(val("takhin_kafka_requests_total", { api: "Produce" })).toBe(5);
    expect(val("takhin_kafka_request_duration_seconds", { api: "Produce", le: "+Inf" })).toBe(5);
    expect(fams.get("takhin_kafka_request_duration_seconds")!.samples.find((s) => s.name.endsWith("_count") && s.labels.api === "Produce")!.value).toBe(5);
    expect(val("takhin_topic_bytes_in_total", { topic: "orders" })).toBeGreaterThan(0);
    expect(val("takhin_topic_bytes_out_total", { topic: "orders" })).toBeGreaterThan(0);
    expect(val("takhin_partition_log_end_offset", { topic: "orders", partition: "0" })).toBe(5);
    expect(val("takhin_partition_high_watermark", { topic: "orders", partition: "0" })).toBe(5);
    expect(val("takhin_consumer_group_lag", { group: "g1", topic: "orders", partition: "0" })).toBe(3);
    expect(val("takhin_connections", {})).toBeGreaterThanOrEqual(1);
    expect(val("takhin_under_replicated_partitions", {})).toBe(0);
    expect(fams.has("process_resident_memory_bytes")).toBe(true);
    expect(fams.has("process_cpu_seconds_total")).toBe(true);
  });
  test("errors by code: a produce to an unknown partition counts its error code", async () => {
    const res = await client.send((await import("../../src/protocol/messages/produce.ts")).Produce, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: "orders", partitionData: [{ index: 9, records: buildRecordBatch({ records: [{ value: new Uint8Array(1) }] }) }] }] } as never);
    const code = (res.body as any).responses[0].partitionResponses[0].errorCode as number;
    expect(code).not.toBe(0);
    const fams = parseExposition(await (await get("/metrics")).text());
    expect(fams.get("takhin_kafka_errors_total")!.samples.find((s) => s.labels.code === String(code))!.value).toBeGreaterThanOrEqual(1);
  });
  test("OpenMetrics on content negotiation", async () => {
    const r = await get("/metrics", { headers: { accept: "application/openmetrics-text; version=1.0.0" } });
    expect(r.headers.get("content-type")).toContain("application/openmetrics-text");
    const text = await r.text();
    expect(text.endsWith("# EOF\n")).toBe(true);
    expect(text).toContain("# TYPE takhin_kafka_requests counter");
    expect(text).toMatch(/^takhin_kafka_requests_total\{api="Produce"/m);
  });
});

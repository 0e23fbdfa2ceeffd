/**
 * Confluent REST Proxy's API reference, section "API v2" (docs/api.rst of confluentinc/kafka-rest),
 * run in its order: every example request with the method, path, query, headers (Host, Accept,
 * Content-Type) and body the reference prints, and its answer checked against the reference's
 * example answer — status, Content-Type, shape, and the values a real cluster determines (the
 * reference's offsets and schema ids are illustrative: here they are the ones this broker assigned,
 * checked for consistency). One fix to the printed bodies: the Avro examples lack the comma between
 * "value_schema" and "records" (invalid JSON that Confluent's proxy refuses too); it is added.
 *
 * The topics are the reference's: test (3 partitions, so partitions 1 and 2 exist), test1, test2.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { partitionForKey } from "../../src/cli/records.ts";
import { removeDir } from "../helpers/broker.ts";
import { call, createTopic, getWithBody, startProxyBroker, type ProxyBroker } from "./helpers.ts";

let b: ProxyBroker;
const V2 = "application/vnd.kafka.v2+json";
const ACCEPT = "application/vnd.kafka.v2+json, application/vnd.kafka+json, application/json";
const PROXY = "kafkaproxy.example.com";
const INSTANCE = "proxy-instance.kafkaproxy.example.com";
const intSchema = '{"name":"int","type": "int"}';

beforeAll(async () => {
  b = await startProxyBroker({ schemaRegistryPort: 0 });
  await createTopic(b.bootstrap, "test", 3);
  await createTopic(b.bootstrap, "test1", 1);
  await createTopic(b.bootstrap, "test2", 1);
}, 60_000);

afterAll(async () => {
  await b?.stop();
  if (b) removeDir(b.dataDir);
});

const u = (path: string) => `${b.url}${path}`;
/** Offsets must be consecutive per partition, in request order, from where the partition was. */
const ends = new Map<number, number>();
function expectOffsets(offsets: { partition: number; offset: number; error_code?: unknown; error?: unknown }[], partitions: number[]): void {
  expect(offsets.map((o) => o.partition)).toEqual(partitions);
  for (const o of offsets) {
    expect(o.offset).toBe(ends.get(o.partition) ?? 0);
    ends.set(o.partition, o.offset + 1);
    expect(o.error_code).toBeNull();
    expect(o.error).toBeNull();
  }
}
const keyed = (key: string) => partitionForKey(new TextEncoder().encode(key), 3);

describe("API v2 reference, in order", () => {
  test("GET /topics", async () => {
    const r = await call(u("/topics"), { headers: { Host: PROXY, Accept: V2 } });
    expect(r).toMatchObject({ status: 200, type: V2 });
    expect([...r.body].sort()).toEqual(["test", "test1", "test2"]);
  });

  test("GET /topics/test", async () => {
    const r = await call(u("/topics/test"), { headers: { Accept: V2 } });
    expect(r).toMatchObject({ status: 200, type: V2 });
    const n = b.broker.context.nodeId;
    expect(r.body).toEqual({ name: "test", configs: {}, partitions: [0, 1, 2].map((partition) => ({ partition, leader: n, replicas: [{ broker: n, leader: true, in_sync: true }] })) });
  });

  test("POST /topics/test — binary", async () => {
    const r = await call(u("/topics/test"), { method: "POST", headers: { Host: PROXY, "Content-Type": "application/vnd.kafka.binary.v2+json", Accept: ACCEPT }, body: JSON.stringify({ records: [{ key: "a2V5", value: "Y29uZmx1ZW50" }, { value: "a2Fma2E=", partition: 1 }, { value: "bG9ncw==" }] }) });
    expect(r).toMatchObject({ status: 200, type: V2, body: { key_schema_id: null, value_schema_id: null } });
    expect(r.body.offsets[0].partition).toBe(keyed("key"));
    expect(r.body.offsets[1].partition).toBe(1);
    expectOffsets(r.body.offsets, r.body.offsets.map((o: { partition: number }) => o.partition));
  });

  test("POST /topics/test — Avro", async () => {
    const r = await call(u("/topics/test"), { method: "POST", headers: { Host: PROXY, "Content-Type": "application/vnd.kafka.avro.v2+json", Accept: ACCEPT }, body: `{ "value_schema": ${JSON.stringify(intSchema)}, "records": [ { "value": 12 }, { "value": 24, "partition": 1 } ] }` });
    expect(r).toMatchObject({ status: 200, type: V2, body: { key_schema_id: null } });
    expect(Number.isInteger(r.body.value_schema_id)).toBe(true);
    expect(r.body.offsets[1].partition).toBe(1);
    expectOffsets(r.body.offsets, r.body.offsets.map((o: { partition: number }) => o.partition));
  });

  test("POST /topics/test — JSON", async () => {
    const r = await call(u("/topics/test"), { method: "POST", headers: { Host: PROXY, "Content-Type": "application/vnd.kafka.json.v2+json", Accept: ACCEPT }, body: JSON.stringify({ records: [{ key: "somekey", value: { foo: "bar" } }, { value: ["foo", "bar"], partition: 1 }, { value: 53.5 }] }) });
    expect(r).toMatchObject({ status: 200, type: V2, body: { key_schema_id: null, value_schema_id: null } });
    expect(r.body.offsets[0].partition).toBe(keyed('"somekey"'));
    expectOffsets(r.body.offsets, r.body.offsets.map((o: { partition: number }) => o.partition));
  });

  test("GET /topics/test/partitions and /topics/test/partitions/1", async () => {
    const all = await call(u("/topics/test/partitions"), { headers: { Host: PROXY, Accept: ACCEPT } });
    expect(all).toMatchObject({ status: 200, type: V2 });
    expect(all.body.map((p: { partition: number }) => p.partition)).toEqual([0, 1, 2]);
    const one = await call(u("/topics/test/partitions/1"), { headers: { Host: PROXY, Accept: ACCEPT } });
    expect(one).toMatchObject({ status: 200, type: V2, body: all.body[1] });
  });

  test("POST /topics/test/partitions/1 — binary, Avro, JSON", async () => {
    const post = (type: string, body: string) => call(u("/topics/test/partitions/1"), { method: "POST", headers: { Host: PROXY, "Content-Type": type, Accept: ACCEPT }, body });
    const bin = await post("application/vnd.kafka.binary.v2+json", JSON.stringify({ records: [{ key: "a2V5", value: "Y29uZmx1ZW50" }, { value: "a2Fma2E=" }] }));
    expect(bin).toMatchObject({ status: 200, type: V2, body: { key_schema_id: null, value_schema_id: null } });
    expectOffsets(bin.body.offsets, [1, 1]);
    const avro = await post("application/vnd.kafka.avro.v2+json", `{ "value_schema": ${JSON.stringify(intSchema)}, "records": [ { "value": 25 }, { "value": 26 } ] }`);
    expect(avro).toMatchObject({ status: 200, body: { key_schema_id: null } });
    expect(Number.isInteger(avro.body.value_schema_id)).toBe(true);
    expectOffsets(avro.body.offsets, [1, 1]);
    const json = await post("application/vnd.kafka.json.v2+json", JSON.stringify({ records: [{ key: "somekey", value: { foo: "bar" } }, { value: 53.5 }] }));
    expect(json).toMatchObject({ status: 200, body: { key_schema_id: null, value_schema_id: null } });
    expectOffsets(json.body.offsets, [1, 1]);
  });

  test("consumers: create, subscription (topics, pattern), records, offsets, unsubscribe, assignments, positions, delete", async () => {
    // POST /consumers/testgroup/ (with the trailing slash)
    const created = await call(u("/consumers/testgroup/"), { method: "POST", headers: { Host: PROXY, "Content-Type": V2 }, body: JSON.stringify({ name: "my_consumer", format: "binary", "auto.offset.reset": "earliest", "auto.commit.enable": "false" }) });
    expect(created).toMatchObject({ status: 200, type: V2, body: { instance_id: "my_consumer", base_uri: u("/consumers/testgroup/instances/my_consumer") } });
    const base = created.body.base_uri as string;
    const h = (extra: Record<string, string>) => ({ Host: INSTANCE, ...extra });

    const sub1 = await fetch(`${base}/subscription`, { method: "POST", headers: h({ "Content-Type": V2 }), body: JSON.stringify({ topics: ["test1", "test2"] }) });
    expect(sub1.status).toBe(204);
    expect(await call(`${base}/subscription`, { headers: h({ Accept: V2 }) })).toMatchObject({ status: 200, type: V2, body: { topics: ["test1", "test2"] } });
    const sub2 = await fetch(`${base}/subscription`, { method: "POST", headers: h({ "Content-Type": V2 }), body: JSON.stringify({ topic_pattern: "test.*" }) });
    expect(sub2.status).toBe(204);
    expect(await call(`${base}/subscription`, { headers: h({ Accept: V2 }) })).toMatchObject({ status: 200, body: { topics: ["test", "test1", "test2"] } });

    // GET records?timeout=3000&max_bytes=300000 until everything produced above (14 records on test) arrived.
    const got: { topic: string; key: string | null; value: string; partition: number; offset: number }[] = [];
    for (let i = 0; i < 20 && got.length < 14; i++) {
      const r = await call(`${base}/records?timeout=3000&max_bytes=300000`, { headers: h({ Accept: "application/vnd.kafka.binary.v2+json" }) });
      expect(r).toMatchObject({ status: 200, type: "application/vnd.kafka.binary.v2+json" });
      got.push(...r.body);
    }
    expect(got).toHaveLength(14);
    for (const r of got) expect(Object.keys(r).sort()).toEqual(["key", "offset", "partition", "topic", "value"]);
    expect(got.find((r) => r.key === "a2V5" && r.value === "Y29uZmx1ZW50" && r.partition === keyed("key"))).toBeDefined();
    expect(got.filter((r) => r.partition === 1).map((r) => r.offset)).toEqual(Array.from({ length: ends.get(1)! }, (_, i) => i));

    const commit = await fetch(`${base}/offsets`, { method: "POST", headers: h({ "Content-Type": V2 }), body: JSON.stringify({ offsets: [{ topic: "test", partition: 0, offset: 20 }, { topic: "test", partition: 1, offset: 30 }] }) });
    expect(commit.status).toBe(200);
    const committed = await getWithBody(`${base}/offsets`, h({ Accept: ACCEPT }), JSON.stringify({ partitions: [{ topic: "test", partition: 0 }, { topic: "test", partition: 1 }] }));
    expect(committed.status).toBe(200);
    expect(committed.body.offsets.filter((o: { topic: string; partition: number }) => o.topic === "test" && o.partition < 2)).toEqual([{ topic: "test", partition: 0, offset: 20, metadata: "" }, { topic: "test", partition: 1, offset: 30, metadata: "" }]);

    expect((await fetch(`${base}/subscription`, { method: "DELETE", headers: h({ Accept: ACCEPT }) })).status).toBe(204);

    const assign = await fetch(`${base}/assignments`, { method: "POST", headers: h({ "Content-Type": V2 }), body: JSON.stringify({ partitions: [{ topic: "test", partition: 0 }, { topic: "test", partition: 1 }] }) });
    expect(assign.status).toBe(204);
    expect(await call(`${base}/assignments`, { headers: h({ Accept: V2 }) })).toMatchObject({ status: 200, type: V2, body: { partitions: [{ topic: "test", partition: 0 }, { topic: "test", partition: 1 }] } });

    const positions = await fetch(`${base}/positions`, { method: "POST", headers: h({ "Content-Type": V2 }), body: JSON.stringify({ offsets: [{ topic: "test", partition: 0, offset: 20 }, { topic: "test", partition: 1, offset: 30 }] }) });
    expect(positions.status).toBe(204);
    const parts = JSON.stringify({ partitions: [{ topic: "test", partition: 0 }, { topic: "test", partition: 1 }] });
    expect((await fetch(`${base}/positions/beginning`, { method: "POST", headers: h({ "Content-Type": V2 }), body: parts })).status).toBe(204);
    const again = await call(`${base}/records?timeout=3000&max_bytes=300000`, { headers: h({ Accept: "application/vnd.kafka.binary.v2+json" }) });
    expect(again.body.length).toBeGreaterThan(0);
    expect(again.body.every((r: { offset: number; partition: number }) => r.partition < 2)).toBe(true);
    expect((await fetch(`${base}/positions/end`, { method: "POST", headers: h({ "Content-Type": V2 }), body: parts })).status).toBe(204);
    expect(await call(`${base}/records?timeout=300`, { headers: h({ Accept: "application/vnd.kafka.binary.v2+json" }) })).toMatchObject({ status: 200, body: [] });

    expect((await fetch(base, { method: "DELETE", headers: h({ "Content-Type": V2 }) })).status).toBe(204);
  }, 90_000);

  test("records in the Avro and JSON formats (avrogroup/my_avro_consumer, jsongroup/my_json_consumer)", async () => {
    await createTopic(b.bootstrap, "users", 3);
    const userSchema = JSON.stringify({ type: "record", name: "User", fields: [{ name: "id", type: "int" }, { name: "name", type: "string" }] });
    const p = await call(u("/topics/users"), { method: "POST", headers: { "Content-Type": "application/vnd.kafka.avro.v2+json" }, body: JSON.stringify({ key_schema: '"int"', value_schema: userSchema, records: [{ key: 1, value: { id: 1, name: "Bill" } }, { key: 2, value: { id: 2, name: "Melinda" } }] }) });
    expect(p.status).toBe(200);
    expect(Number.isInteger(p.body.key_schema_id)).toBe(true);
    const avro = await call(u("/consumers/avrogroup"), { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ name: "my_avro_consumer", format: "avro", "auto.offset.reset": "earliest" }) });
    const avroBase = avro.body.base_uri as string;
    expect((await fetch(`${avroBase}/subscription`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ topics: ["users"] }) })).status).toBe(204);
    const users: unknown[] = [];
    for (let i = 0; i < 20 && users.length < 2; i++) {
      const r = await call(`${avroBase}/records?timeout=3000&max_bytes=300000`, { headers: { Host: INSTANCE, Accept: "application/vnd.kafka.avro.v2+json" } });
      expect(r).toMatchObject({ status: 200, type: "application/vnd.kafka.avro.v2+json" });
      users.push(...r.body);
    }
    expect(users.map((r): unknown => ({ ...(r as object), offset: 0 })).sort((x: any, y: any) => x.key - y.key)).toEqual([
      { topic: "users", key: 1, value: { id: 1, name: "Bill" }, partition: p.body.offsets[0].partition, offset: 0 },
      { topic: "users", key: 2, value: { id: 2, name: "Melinda" }, partition: p.body.offsets[1].partition, offset: 0 },
    ]);

    const json = await call(u("/consumers/jsongroup"), { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ name: "my_json_consumer", format: "json", "auto.offset.reset": "earliest" }) });
    const jsonBase = json.body.base_uri as string;
    expect((await fetch(`${jsonBase}/assignments`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ partitions: [{ topic: "test", partition: 1 }] }) })).status).toBe(204);
    // Partition 1 holds binary, Avro and JSON records; start at the JSON ones produced to /partitions/1.
    const jsonStart = ends.get(1)! - 2;
    expect((await fetch(`${jsonBase}/positions`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ offsets: [{ topic: "test", partition: 1, offset: jsonStart }] }) })).status).toBe(204);
    const r = await call(`${jsonBase}/records?timeout=3000&max_bytes=300000`, { headers: { Host: INSTANCE, Accept: "application/vnd.kafka.json.v2+json" } });
    expect(r).toMatchObject({ status: 200, type: "application/vnd.kafka.json.v2+json" });
    expect(r.body).toEqual([
      { topic: "test", key: "somekey", value: { foo: "bar" }, partition: 1, offset: jsonStart },
      { topic: "test", key: null, value: 53.5, partition: 1, offset: jsonStart + 1 },
    ]);
    await fetch(avroBase, { method: "DELETE" });
    await fetch(jsonBase, { method: "DELETE" });
  }, 90_000);

  test("GET /brokers", async () => {
    expect(await call(u("/brokers"), { headers: { Host: PROXY, Accept: ACCEPT } })).toMatchObject({ status: 200, type: V2, body: { brokers: [b.broker.context.nodeId] } });
  });
});

/**
 * Confluent REST Proxy API v2, metadata and produce: the requests of Confluent's API reference
 * (docs/api.rst of confluentinc/kafka-rest, "API v2") sent as printed — method, path, headers and
 * bodies — with their answers' shapes and values asserted; the bytes produced over HTTP read back
 * byte-exact by kcat; bad input answered with Confluent's error JSON.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { removeDir } from "../helpers/broker.ts";
import { call, createTopic, startProxyBroker, type ProxyBroker } from "./helpers.ts";

let b: ProxyBroker;
const V2 = "application/vnd.kafka.v2+json";
const ACCEPT = "application/vnd.kafka.v2+json, application/vnd.kafka+json, application/json";

beforeAll(async () => {
  b = await startProxyBroker({ schemaRegistryPort: 0 });
  await createTopic(b.bootstrap, "test", 3, { "retention.ms": "86400000" });
  await createTopic(b.bootstrap, "plain", 1);
}, 60_000);

afterAll(async () => {
  await b?.stop();
  if (b) removeDir(b.dataDir);
});

async function kcatRead(topic: string, partition: number, count: number, format = "%k\\t%s\\n", from: number | "beginning" = "beginning"): Promise<Buffer> {
  const p = Bun.spawn(["kcat", "-C", "-b", b.bootstrap, "-t", topic, "-p", String(partition), "-o", String(from), "-c", String(count), "-e", "-q", "-f", format], { stdout: "pipe", stderr: "pipe" });
  const killer = setTimeout(() => p.kill(), 30_000);
  const out = Buffer.from(await new Response(p.stdout).arrayBuffer());
  await p.exited;
  clearTimeout(killer);
  return out;
}

describe("metadata (API v2 examples)", () => {
  test("GET /topics", async () => {
    const r = await call(`${b.url}/topics`, { headers: { Host: "kafkaproxy.example.com", Accept: V2 } });
    expect(r.status).toBe(200);
    expect(r.type).toBe(V2);
    expect(r.body).toEqual(expect.arrayContaining(["test", "plain"]));
    expect(r.body.every((t: unknown) => typeof t === "string")).toBe(true);
  });

  test("GET /topics/test: name, configs, partitions with leader and replicas", async () => {
    const r = await call(`${b.url}/topics/test`, { headers: { Accept: V2 } });
    expect(r.status).toBe(200);
    expect(r.type).toBe(V2);
    const node = b.broker.context.nodeId;
    expect(r.body.name).toBe("test");
    expect(r.body.configs).toEqual({ "retention.ms": "86400000" });
    expect(r.body.partitions).toEqual([0, 1, 2].map((p) => ({ partition: p, leader: node, replicas: [{ broker: node, leader: true, in_sync: true }] })));
  });

  test("GET /topics/test/partitions and /partitions/1", async () => {
    const all = await call(`${b.url}/topics/test/partitions`, { headers: { Host: "kafkaproxy.example.com", Accept: ACCEPT } });
    expect(all.status).toBe(200);
    expect(all.body.map((p: { partition: number }) => p.partition)).toEqual([0, 1, 2]);
    const one = await call(`${b.url}/topics/test/partitions/1`, { headers: { Host: "kafkaproxy.example.com", Accept: ACCEPT } });
    expect(one.status).toBe(200);
    expect(one.body).toEqual(all.body[1]);
  });

  test("GET /brokers", async () => {
    const r = await call(`${b.url}/brokers`, { headers: { Accept: V2 } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ brokers: [b.broker.context.nodeId] });
  });

  test("unknown topic 40401, unknown partition 40402, unknown path 404", async () => {
    expect(await call(`${b.url}/topics/nope`, { headers: { Accept: V2 } })).toMatchObject({ status: 404, body: { error_code: 40401, message: "Topic not found." } });
    expect(await call(`${b.url}/topics/test/partitions/7`, { headers: { Accept: V2 } })).toMatchObject({ status: 404, body: { error_code: 40402, message: "Partition not found." } });
    expect(await call(`${b.url}/topics/test/partitions/x`, { headers: { Accept: V2 } })).toMatchObject({ status: 404, body: { error_code: 404 } });
    expect(await call(`${b.url}/nothing/here`)).toMatchObject({ status: 404, body: { error_code: 404, message: "HTTP 404 Not Found" } });
  });

  test("content negotiation: weighted Accept, 406 for a type it cannot answer", async () => {
    const weighted = await call(`${b.url}/topics`, { headers: { Accept: "application/vnd.kafka.v2+json; q=0.9, application/json; q=0.5" } });
    expect(weighted.status).toBe(200);
    expect(weighted.type).toBe(V2);
    expect(await call(`${b.url}/topics`, { headers: { Accept: "text/html" } })).toMatchObject({ status: 406, body: { error_code: 406 } });
  });
});

describe("produce (API v2 examples)", () => {
  test("binary: keyed record by murmur2, a record to partition 1, a keyless one; read byte-exact by kcat", async () => {
    const r = await call(`${b.url}/topics/test`, {
      method: "POST",
      headers: { Host: "kafkaproxy.example.com", "Content-Type": "application/vnd.kafka.binary.v2+json", Accept: ACCEPT },
      body: JSON.stringify({ records: [{ key: "a2V5", value: "Y29uZmx1ZW50" }, { value: "a2Fma2E=", partition: 1 }, { value: "bG9ncw==" }] }),
    });
    expect(r.status).toBe(200);
    expect(r.type).toBe(V2);
    expect(r.body.key_schema_id).toBeNull();
    expect(r.body.value_schema_id).toBeNull();
    expect(r.body.offsets).toHaveLength(3);
    // The Java client's default partitioner puts key "key" on murmur2("key") % 3 = ...
    const { partitionForKey } = await import("../../src/cli/records.ts");
    const keyed = partitionForKey(new TextEncoder().encode("key"), 3);
    expect(r.body.offsets[0]).toEqual({ partition: keyed, offset: 0, error_code: null, error: null });
    expect(r.body.offsets[1]).toMatchObject({ partition: 1, error_code: null, error: null });
    for (const o of r.body.offsets) expect(typeof o.offset).toBe("number");
    const out = await kcatRead("test", keyed, 1);
    expect(out.toString()).toBe("key\tconfluent\n");
    const p1 = await kcatRead("test", 1, 1, "%s\\n", r.body.offsets[1].offset);
    expect(p1.toString().split("\n")).toContain("kafka");
  });

  test("binary bytes that are not UTF-8 arrive byte-exact", async () => {
    const bytes = new Uint8Array(256).map((_, i) => i);
    const r = await call(`${b.url}/topics/plain/partitions/0`, {
      method: "POST",
      headers: { "Content-Type": "application/vnd.kafka.binary.v2+json", Accept: V2 },
      body: JSON.stringify({ records: [{ value: Buffer.from(bytes).toString("base64") }] }),
    });
    expect(r.status).toBe(200);
    expect(r.body.offsets[0]).toMatchObject({ partition: 0, offset: 0 });
    const out = await kcatRead("plain", 0, 1, "%s");
    expect(new Uint8Array(out)).toEqual(bytes);
  });

  test("json: key, object, array and number values", async () => {
    const r = await call(`${b.url}/topics/test`, {
      method: "POST",
      headers: { Host: "kafkaproxy.example.com", "Content-Type": "application/vnd.kafka.json.v2+json", Accept: ACCEPT },
      body: JSON.stringify({ records: [{ key: "somekey", value: { foo: "bar" } }, { value: ["foo", "bar"], partition: 1 }, { value: 53.5 }] }),
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ key_schema_id: null, value_schema_id: null });
    expect(r.body.offsets[1].partition).toBe(1);
    const { partitionForKey } = await import("../../src/cli/records.ts");
    const keyed = partitionForKey(new TextEncoder().encode('"somekey"'), 3);
    expect(r.body.offsets[0].partition).toBe(keyed);
    const out = (await kcatRead("test", keyed, 10, "%k\\t%s\\n")).toString();
    expect(out).toContain('"somekey"\t{"foo":"bar"}\n');
  });

  test("avro: the reference's value_schema (an int) registered, framed as magic 0 + schema id", async () => {
    const r = await call(`${b.url}/topics/test`, {
      method: "POST",
      headers: { Host: "kafkaproxy.example.com", "Content-Type": "application/vnd.kafka.avro.v2+json", Accept: ACCEPT },
      body: JSON.stringify({ value_schema: '{"name":"int","type": "int"}', records: [{ value: 12 }, { value: 24, partition: 1 }] }),
    });
    expect(r.status).toBe(200);
    expect(r.body.key_schema_id).toBeNull();
    expect(typeof r.body.value_schema_id).toBe("number");
    const id = r.body.value_schema_id as number;
    // The schema is in Takhin's Schema Registry under test-value.
    const sr = b.broker.services.get<import("../../src/schema-registry/service.ts").SchemaRegistryService>("schema-registry")!;
    expect(sr.registry!.state.versions("test-value", false).length).toBe(1);
    const { partition, offset } = r.body.offsets[1];
    expect(partition).toBe(1);
    const out = await kcatRead("test", 1, offset + 1, "%o %s\\n");
    const line = out.subarray(out.lastIndexOf(Buffer.from(`${offset} `)));
    // 0 | id (4 bytes BE) | zigzag varint 24 = 48
    expect([...line.subarray(String(offset).length + 1, String(offset).length + 7)]).toEqual([0, (id >>> 24) & 255, (id >>> 16) & 255, (id >>> 8) & 255, id & 255, 48]);
    // Again by id: same id answered, nothing new registered.
    const again = await call(`${b.url}/topics/test`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.avro.v2+json" }, body: JSON.stringify({ value_schema_id: id, records: [{ value: 1 }] }) });
    expect(again).toMatchObject({ status: 200, body: { value_schema_id: id } });
  });

  test("jsonschema and protobuf values framed with their schema ids", async () => {
    const js = await call(`${b.url}/topics/plain`, {
      method: "POST",
      headers: { "Content-Type": "application/vnd.kafka.jsonschema.v2+json", Accept: V2 },
      body: JSON.stringify({ value_schema: JSON.stringify({ type: "object", properties: { f1: { type: "string" } }, required: ["f1"] }), records: [{ value: { f1: "bar" } }] }),
    });
    expect(js.status).toBe(200);
    const bad = await call(`${b.url}/topics/plain`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.jsonschema.v2+json" }, body: JSON.stringify({ value_schema_id: js.body.value_schema_id, records: [{ value: { f1: 1 } }] }) });
    expect(bad).toMatchObject({ status: 422, body: { error_code: 42203 } });
    await createTopic(b.bootstrap, "plain2", 1);
    const pb = await call(`${b.url}/topics/plain2`, {
      method: "POST",
      headers: { "Content-Type": "application/vnd.kafka.protobuf.v2+json", Accept: V2 },
      body: JSON.stringify({ value_schema: 'syntax = "proto3"; message MyRecord { string f1 = 1; }', records: [{ value: { f1: "bar" } }] }),
    });
    expect(pb.status).toBe(200);
    expect(pb.body.value_schema_id).not.toBe(js.body.value_schema_id);
    const jsLine = await kcatRead("plain", 0, 1, "%s", js.body.offsets[0].offset);
    expect(jsLine[0]).toBe(0);
    expect(jsLine.readInt32BE(1)).toBe(js.body.value_schema_id);
    expect(jsLine.subarray(5).toString()).toBe('{"f1":"bar"}');
    const pbLine = await kcatRead("plain2", 0, 1, "%s");
    expect(pbLine.readInt32BE(1)).toBe(pb.body.value_schema_id);
    // message index [0], then field 1 (tag 0x0a) length 3 "bar"
    expect([...pbLine.subarray(5)]).toEqual([0, 0x0a, 3, 0x62, 0x61, 0x72]);
  });

  test("avro with the Schema Registry service off on the node (the proxy's own registry over _schemas); no auto-creation when it is off", async () => {
    const other = await startProxyBroker({ autoCreateTopicsEnable: false });
    try {
      await createTopic(other.bootstrap, "noreg", 1);
      const r = await call(`${other.url}/topics/noreg`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.avro.v2+json" }, body: JSON.stringify({ value_schema: '"string"', records: [{ value: "x" }] }) });
      expect(r).toMatchObject({ status: 200, body: { value_schema_id: 1 } });
      const again = await call(`${other.url}/topics/noreg`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.avro.v2+json" }, body: JSON.stringify({ value_schema_id: 1, records: [{ value: "y" }] }) });
      expect(again).toMatchObject({ status: 200, body: { value_schema_id: 1, offsets: [{ offset: 1 }] } });
      expect(await call(`${other.url}/topics/noreg`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.avro.v2+json" }, body: JSON.stringify({ value_schema_id: 99, records: [{ value: "y" }] }) })).toMatchObject({ status: 404, body: { error_code: 40403 } });
      // auto_create_topics_enable false: an unknown topic is 40401.
      expect(await call(`${other.url}/topics/unknown`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.binary.v2+json" }, body: JSON.stringify({ records: [{ value: "YQ==" }] }) })).toMatchObject({ status: 404, body: { error_code: 40401 } });
    } finally {
      await other.stop();
      removeDir(other.dataDir);
    }
  });

  test("bad input: Confluent's codes", async () => {
    const post = (path: string, type: string, body: string) => call(`${b.url}${path}`, { method: "POST", headers: { "Content-Type": type }, body });
    expect(await post("/topics/test", "application/vnd.kafka.binary.v2+json", JSON.stringify({ records: [] }))).toMatchObject({ status: 422, body: { error_code: 422, message: "records may not be empty" } });
    expect(await post("/topics/test", "application/vnd.kafka.binary.v2+json", "{not json")).toMatchObject({ status: 400, body: { error_code: 400 } });
    // A name Kafka refuses is not created: 40401.
    expect(await post("/topics/bad%20name", "application/vnd.kafka.binary.v2+json", JSON.stringify({ records: [{ value: "YQ==" }] }))).toMatchObject({ status: 404, body: { error_code: 40401 } });
    expect(await post("/topics/test/partitions/9", "application/vnd.kafka.binary.v2+json", JSON.stringify({ records: [{ value: "YQ==" }] }))).toMatchObject({ status: 404, body: { error_code: 40402 } });
    expect(await post("/topics/test", "application/vnd.kafka.binary.v2+json", JSON.stringify({ records: [{ value: "YQ==", partition: 5 }] }))).toMatchObject({ status: 404, body: { error_code: 40402 } });
    expect(await post("/topics/test", "text/plain", JSON.stringify({ records: [{ value: "YQ==" }] }))).toMatchObject({ status: 415, body: { error_code: 415 } });
    expect(await post("/topics/test", "application/vnd.kafka.avro.v2+json", JSON.stringify({ records: [{ key: 1, value: 2 }] }))).toMatchObject({ status: 422, body: { error_code: 42201 } });
    expect(await post("/topics/test", "application/vnd.kafka.avro.v2+json", JSON.stringify({ records: [{ value: 2 }] }))).toMatchObject({ status: 422, body: { error_code: 42202 } });
    expect(await post("/topics/test", "application/vnd.kafka.avro.v2+json", JSON.stringify({ value_schema: "{nope", records: [{ value: 2 }] }))).toMatchObject({ status: 422, body: { error_code: 42205 } });
    expect(await post("/topics/plain", "application/vnd.kafka.avro.v2+json", JSON.stringify({ key_schema: '"string"', records: [{ key: 2 }] }))).toMatchObject({ status: 422, body: { error_code: 42203 } });
    // A schema the subject's compatibility refuses: the registry's 409.
    expect(await post("/topics/test", "application/vnd.kafka.avro.v2+json", JSON.stringify({ value_schema: '"string"', records: [{ value: "x" }] }))).toMatchObject({ status: 409, body: { error_code: 409 } });
    expect(await post("/topics/test", "application/vnd.kafka.binary.v2+json", JSON.stringify({ records: [{ value: "not base64!" }] }))).toMatchObject({ status: 422, body: { error_code: 422 } });
    const many = { records: Array.from({ length: 10_001 }, () => ({ value: null })) };
    expect(await post("/topics/test", "application/vnd.kafka.binary.v2+json", JSON.stringify(many))).toMatchObject({ status: 422, body: { error_code: 422 } });
    const huge = await fetch(`${b.url}/topics/test`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.binary.v2+json" }, body: "x".repeat(17 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error_code: 413 });
  });
});

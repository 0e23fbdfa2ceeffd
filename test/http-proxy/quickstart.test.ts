/**
 * Confluent REST Proxy's quick start (docs/quickstart.rst of confluentinc/kafka-rest), its curl
 * commands as fetch() calls with the same methods, headers, bodies and URLs (port 8082 becomes the
 * test proxy's), against a broker that starts empty, as the quick start's does: topics jsontest,
 * avrotest, avrokeytest2 and binarytest are created by the first produce (auto_create_topics_enable,
 * as Kafka's). Answers are compared with the printed ones. The quick start's reads are repeated
 * until they return data (Confluent's notes that the first read can come back empty while the
 * consumer joins); its Avro consumer prints offset 1 where the topic holds one record: ours is 0.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { removeDir } from "../helpers/broker.ts";
import { call, startProxyBroker, type ProxyBroker } from "./helpers.ts";

let b: ProxyBroker;
let localhost = "";

beforeAll(async () => {
  b = await startProxyBroker({ schemaRegistryPort: 0 });
  localhost = b.url.replace("127.0.0.1", "localhost");
}, 60_000);

afterAll(async () => {
  await b?.stop();
  if (b) removeDir(b.dataDir);
});

async function readUntilData(url: string, accept: string): Promise<unknown[]> {
  for (let i = 0; i < 20; i++) {
    const r = await call(url, { method: "GET", headers: { Accept: accept } });
    expect(r.status).toBe(200);
    expect(r.type).toBe(accept);
    if (r.body.length > 0) return r.body;
  }
  return [];
}

describe("REST Proxy quick start", () => {
  test("Produce and Consume JSON Messages", async () => {
    const p = await call(`${localhost}/topics/jsontest`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.json.v2+json", Accept: "application/vnd.kafka.v2+json" }, body: '{"records":[{"value":{"foo":"bar"}}]}' });
    expect(p).toMatchObject({ status: 200, body: { offsets: [{ partition: 0, offset: 0, error_code: null, error: null }], key_schema_id: null, value_schema_id: null } });
    const c = await call(`${localhost}/consumers/my_json_consumer`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.v2+json" }, body: '{"name": "my_consumer_instance", "format": "json", "auto.offset.reset": "earliest"}' });
    expect(c).toMatchObject({ status: 200, body: { instance_id: "my_consumer_instance", base_uri: `http://127.0.0.1:${new URL(b.url).port}/consumers/my_json_consumer/instances/my_consumer_instance` } });
    const sub = await fetch(`${localhost}/consumers/my_json_consumer/instances/my_consumer_instance/subscription`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.v2+json" }, body: '{"topics":["jsontest"]}' });
    expect(sub.status).toBe(204);
    expect(await sub.text()).toBe("");
    expect(await readUntilData(`${localhost}/consumers/my_json_consumer/instances/my_consumer_instance/records`, "application/vnd.kafka.json.v2+json")).toEqual([{ key: null, value: { foo: "bar" }, partition: 0, offset: 0, topic: "jsontest" }]);
    const del = await fetch(`${localhost}/consumers/my_json_consumer/instances/my_consumer_instance`, { method: "DELETE", headers: { "Content-Type": "application/vnd.kafka.v2+json" } });
    expect(del.status).toBe(204);
    expect(await del.text()).toBe("");
  }, 60_000);

  test("Produce and Consume Avro Messages", async () => {
    const userSchema = '{\\"type\\": \\"record\\", \\"name\\": \\"User\\", \\"fields\\": [{\\"name\\": \\"name\\", \\"type\\": \\"string\\"}]}';
    const p = await call(`${localhost}/topics/avrotest`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.avro.v2+json", Accept: "application/vnd.kafka.v2+json" }, body: `{"value_schema": "${userSchema}", "records": [{"value": {"name": "testUser"}}]}` });
    expect(p).toMatchObject({ status: 200, body: { offsets: [{ partition: 0, offset: 0, error_code: null, error: null }], key_schema_id: null } });
    const valueId = p.body.value_schema_id as number;
    expect(Number.isInteger(valueId)).toBe(true);
    const kv = await call(`${localhost}/topics/avrokeytest2`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.avro.v2+json", Accept: "application/vnd.kafka.v2+json" }, body: `{"key_schema": "{\\"name\\":\\"user_id\\"  ,\\"type\\": \\"int\\"   }", "value_schema": "${userSchema}", "records": [{"key" : 1 , "value": {"name": "testUser"}}]}` });
    // The printed answer: key_schema_id 2, value_schema_id 1 — the same schema keeps its id across subjects.
    expect(kv).toMatchObject({ status: 200, body: { offsets: [{ partition: 0, offset: 0, error_code: null, error: null }], key_schema_id: valueId + 1, value_schema_id: valueId } });
    const c = await call(`${localhost}/consumers/my_avro_consumer`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.v2+json" }, body: '{"name": "my_consumer_instance", "format": "avro", "auto.offset.reset": "earliest"}' });
    expect(c).toMatchObject({ status: 200, body: { instance_id: "my_consumer_instance" } });
    expect((await fetch(`${localhost}/consumers/my_avro_consumer/instances/my_consumer_instance/subscription`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.v2+json" }, body: '{"topics":["avrotest"]}' })).status).toBe(204);
    expect(await readUntilData(`${localhost}/consumers/my_avro_consumer/instances/my_consumer_instance/records`, "application/vnd.kafka.avro.v2+json")).toEqual([{ key: null, value: { name: "testUser" }, partition: 0, offset: 0, topic: "avrotest" }]);
    expect((await fetch(`${localhost}/consumers/my_avro_consumer/instances/my_consumer_instance`, { method: "DELETE", headers: { "Content-Type": "application/vnd.kafka.v2+json" } })).status).toBe(204);
  }, 60_000);

  test("Produce and Consume Binary Messages", async () => {
    const p = await call(`${localhost}/topics/binarytest`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.binary.v2+json", Accept: "application/vnd.kafka.v2+json" }, body: '{"records":[{"value":"S2Fma2E="}]}' });
    expect(p).toMatchObject({ status: 200, body: { offsets: [{ partition: 0, offset: 0, error_code: null, error: null }], key_schema_id: null, value_schema_id: null } });
    const c = await call(`${localhost}/consumers/my_binary_consumer`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.v2+json" }, body: '{"name": "my_consumer_instance", "format": "binary", "auto.offset.reset": "earliest"}' });
    expect(c).toMatchObject({ status: 200, body: { instance_id: "my_consumer_instance" } });
    expect((await fetch(`${localhost}/consumers/my_binary_consumer/instances/my_consumer_instance/subscription`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.v2+json" }, body: '{"topics":["binarytest"]}' })).status).toBe(204);
    expect(await readUntilData(`${localhost}/consumers/my_binary_consumer/instances/my_consumer_instance/records`, "application/vnd.kafka.binary.v2+json")).toEqual([{ key: null, value: "S2Fma2E=", partition: 0, offset: 0, topic: "binarytest" }]);
    expect((await fetch(`${localhost}/consumers/my_binary_consumer/instances/my_consumer_instance`, { method: "DELETE", headers: { "Content-Type": "application/vnd.kafka.v2+json" } })).status).toBe(204);
  }, 60_000);

  test("Inspect Topic Metadata", async () => {
    const topics = await call(`${localhost}/topics`);
    expect(topics.status).toBe(200);
    expect(topics.body).toEqual(["__consumer_offsets", "_schemas", "avrokeytest2", "avrotest", "binarytest", "jsontest"]);
    const n = b.broker.context.nodeId;
    const one = { partition: 0, leader: n, replicas: [{ broker: n, leader: true, in_sync: true }] };
    expect(await call(`${localhost}/topics/avrotest`)).toMatchObject({ status: 200, body: { name: "avrotest", configs: {}, partitions: [one] } });
    expect(await call(`${localhost}/topics/avrotest/partitions`)).toMatchObject({ status: 200, body: [one] });
  });
});

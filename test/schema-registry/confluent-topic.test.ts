/**
 * A `_schemas` topic written in Confluent Schema Registry's own key/value JSON (fixture
 * fixtures/confluent-schemas.jsonl: NOOP markers, global and subject CONFIG with Confluent 7's
 * extra null fields, Avro/Protobuf/JSON SCHEMA records with references and metadata fields, a
 * soft-deleted subject (DELETE_SUBJECT then deleted:true rewrites), a permanently deleted
 * version (tombstone), a subject MODE) is produced through Takhin's Kafka API by a client; a
 * registry started on that data directory serves exactly that state, continues the ids after the
 * highest one, and what it writes itself is read back after another restart.
 */
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { KafkaClient } from "../../src/client/index.ts";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";

const CT = "application/vnd.schemaregistry.v1+json";
const dataDir = tempDir("takhin-sr-confluent-");
let b: TestBroker | null = null;
let base = "";
afterAll(async () => {
  await b?.stop();
});

async function call(method: string, path: string, body?: unknown) {
  const r = await fetch(base + path, { method, headers: { "content-type": CT }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as any };
}
async function withRegistry() {
  b = await startTestBroker({ schemaRegistryPort: 0 }, dataDir);
  base = `http://127.0.0.1:${b.broker.services.get("schema-registry")!.port}`;
}

test("a registry reads a _schemas topic Confluent's registry wrote", async () => {
  const lines = (await Bun.file(join(import.meta.dir, "fixtures", "confluent-schemas.jsonl")).text()).trim().split("\n");
  const records = lines.map((l) => JSON.parse(l) as [string, string | null]);
  const enc = new TextEncoder();
  b = await startTestBroker({}, dataDir);
  const client = await KafkaClient.connect({ bootstrap: b.bootstrap } as never);
  try {
    const [created] = (await client.createTopics([{ name: "_schemas", numPartitions: 1, replicationFactor: 1, configs: { "cleanup.policy": "compact" } }])) as { errorCode: number }[];
    expect(created!.errorCode).toBe(0);
    // Confluent writes one record per batch; half of them here, the rest in one batch.
    const half = Math.floor(records.length / 2);
    const batchOf = (rs: [string, string | null][]) => buildRecordBatch({ records: rs.map(([k, v]) => ({ key: enc.encode(k), value: v === null ? null : enc.encode(v), timestampMs: BigInt(Date.now()) })) } as never);
    for (const r of records.slice(0, half)) expect((await client.produce("_schemas", 0, batchOf([r]), { acks: -1, timeoutMs: 10_000 }))!.errorCode).toBe(0);
    expect((await client.produce("_schemas", 0, batchOf(records.slice(half)), { acks: -1, timeoutMs: 10_000 }))!.errorCode).toBe(0);
  } finally {
    client.close();
  }
  await b.stop();
  b = null;

  await withRegistry();
  expect((await call("GET", "/subjects")).json).toEqual(["Kafka-key", "event-value", "frozen", "invoice-value", "money.proto", "orders-value"]);
  expect((await call("GET", "/subjects?deleted=true")).json).toEqual(["Kafka-key", "event-value", "frozen", "invoice-value", "money.proto", "old", "orders-value"]);
  expect((await call("GET", "/subjects/old/versions?deleted=true")).json).toEqual([1, 2]);
  expect((await call("GET", "/subjects/old/versions")).status).toBe(404);
  expect((await call("GET", "/subjects/gone/versions?deleted=true")).json.error_code).toBe(40401);
  expect((await call("GET", "/schemas/ids/1")).json).toEqual({ schema: '"string"' });
  expect((await call("GET", "/subjects/orders-value/versions/latest")).json).toMatchObject({ version: 2, id: 3 });
  expect((await call("GET", "/schemas/ids/5")).json).toMatchObject({ schemaType: "PROTOBUF", references: [{ name: "money.proto", subject: "money.proto", version: 1 }] });
  expect((await call("GET", "/subjects/money.proto/versions/1/referencedby")).json).toEqual([5]);
  expect((await call("GET", "/schemas/ids/6")).json.schemaType).toBe("JSON");
  // A soft-deleted version's id still answers; a permanently deleted one's does not.
  expect((await call("GET", "/schemas/ids/7")).status).toBe(200);
  expect((await call("GET", "/schemas/ids/9")).json.error_code).toBe(40403);
  expect((await call("GET", "/config")).json).toEqual({ compatibilityLevel: "FULL" });
  expect((await call("GET", "/config/orders-value")).json).toEqual({ compatibilityLevel: "BACKWARD_TRANSITIVE" });
  expect((await call("GET", "/mode/frozen")).json).toEqual({ mode: "READONLY" });
  expect((await call("POST", "/subjects/frozen/versions", { schema: JSON.stringify({ type: "record", name: "Frozen2", fields: [] }) })).json.error_code).toBe(42205);
  // BACKWARD_TRANSITIVE from the subject's config: a field without default is refused.
  const bad = JSON.stringify({ type: "record", name: "Order", namespace: "shop", fields: [{ name: "id", type: "string" }, { name: "x", type: "int" }] });
  expect((await call("POST", "/subjects/orders-value/versions", { schema: bad })).status).toBe(409);
  // The Protobuf schema with its reference parses, so a lookup finds it.
  const invoice = (await call("GET", "/subjects/invoice-value/versions/1")).json;
  expect((await call("POST", "/subjects/invoice-value", { schemaType: "PROTOBUF", schema: invoice.schema, references: invoice.references })).json).toMatchObject({ id: 5, version: 1 });
  // New ids continue after the highest one in the topic (10), also past the permanently deleted 9.
  const id = (await call("POST", "/subjects/new-value/versions", { schema: JSON.stringify({ type: "record", name: "New", fields: [] }) })).json.id;
  expect(id).toBe(11);

  await b!.stop();
  await withRegistry();
  expect((await call("GET", "/subjects/new-value/versions/1")).json).toMatchObject({ id: 11 });
  expect((await call("GET", "/subjects/orders-value/versions")).json).toEqual([1, 2]);
}, 60_000);

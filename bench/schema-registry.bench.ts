/**
 * Schema Registry figures against one in-process broker over loopback HTTP:
 *   - registrations/s: new Avro schemas (each a new id, each committed to _schemas before its
 *     answer), CONCURRENCY requests in flight;
 *   - lookups/s: GET /schemas/ids/{id} (what a deserializer asks on a cache miss) and
 *     POST /subjects/{s} (schema -> version), CONCURRENCY in flight;
 *   - the serializers' lookup by id: the first get (an HTTP round trip) and the cached ones, for
 *     confluent-kafka-python's SchemaRegistryClient.get_schema (the pinned venv of
 *     test/schema-registry/python) and @kafkajs/confluent-schema-registry's getSchema (Node).
 *
 *   bun bench/schema-registry.bench.ts [registrations=2000] [lookupSeconds=3]
 *
 * Prints a markdown table (docs/schema-registry.md keeps one). A figure, not a test.
 */
import { join } from "node:path";
import { startTestBroker } from "../test/helpers/broker.ts";

const registrations = Number(process.argv[2] ?? 2000);
const lookupMs = Number(process.argv[3] ?? 3) * 1000;
const CONCURRENCY = 16;
const CT = { "content-type": "application/vnd.schemaregistry.v1+json" };
const b = await startTestBroker({ schemaRegistryPort: 0 });
const url = `http://127.0.0.1:${b.broker.services.get("schema-registry")!.port}`;
const schema = (i: number) => JSON.stringify({ type: "record", name: `R${i}`, namespace: "bench", fields: [{ name: "a", type: "string" }, { name: "b", type: "long", default: 0 }] });

async function pool(n: number, fn: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) await fn(next++);
  }));
  return (performance.now() - t0) / 1000;
}
async function timed(fn: () => Promise<void>): Promise<number> {
  const end = performance.now() + lookupMs;
  let n = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      await fn();
      n++;
    }
  }));
  return n / ((performance.now() - t0) / 1000);
}

// Warm-up: the topic, the HTTP path, the JIT.
for (let i = 0; i < 50; i++) await fetch(`${url}/subjects/warm-${i}/versions`, { method: "POST", headers: CT, body: JSON.stringify({ schema: schema(1_000_000 + i) }) });
const ids: number[] = [];
const regS = await pool(registrations, async (i) => {
  const r = await fetch(`${url}/subjects/bench-${i}/versions`, { method: "POST", headers: CT, body: JSON.stringify({ schema: schema(i) }) });
  if (r.status !== 200) throw new Error(`register: ${r.status} ${await r.text()}`);
  ids.push(((await r.json()) as { id: number }).id);
});
let k = 0;
const byIdPerS = await timed(async () => {
  const r = await fetch(`${url}/schemas/ids/${ids[k++ % ids.length]}`);
  if (r.status !== 200) throw new Error(`get by id: ${r.status}`);
  await r.arrayBuffer();
});
const lookupPerS = await timed(async () => {
  const i = k++ % registrations;
  const r = await fetch(`${url}/subjects/bench-${i}`, { method: "POST", headers: CT, body: JSON.stringify({ schema: schema(i) }) });
  if (r.status !== 200) throw new Error(`lookup: ${r.status}`);
  await r.arrayBuffer();
});

const CACHED_CALLS = 100_000;
// Asynchronous: the registry answering the child runs in this process.
async function run(cmd: string[]): Promise<{ firstUs: number; cachedUs: number } | string> {
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", cwd: join(import.meta.dir, "..") });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  if ((await p.exited) !== 0) return `failed: ${err.trim().split("\n").pop()}`;
  return JSON.parse(out.trim().split("\n").pop()!);
}
const venv = Bun.spawnSync(["bash", join(import.meta.dir, "../test/schema-registry/python/venv.sh")], { stderr: "pipe" });
const python = venv.exitCode === 0 ? venv.stdout.toString().trim() : null;
const py = python
  ? await run([python, "-c", `
import json, sys, time
from confluent_kafka.schema_registry import SchemaRegistryClient
c = SchemaRegistryClient({"url": sys.argv[1]}); i = int(sys.argv[2]); n = int(sys.argv[3])
t = time.perf_counter(); c.get_schema(i); first = (time.perf_counter() - t) * 1e6
t = time.perf_counter()
for _ in range(n): c.get_schema(i)
print(json.dumps({"firstUs": first, "cachedUs": (time.perf_counter() - t) * 1e6 / n}))
`, url, String(ids[0]), String(CACHED_CALLS)])
  : "no venv";
const js = await run(["/usr/bin/node", "--input-type=module", "-e", `
import { SchemaRegistry } from "@kafkajs/confluent-schema-registry";
const [url, id, n] = process.argv.slice(1);
const r = new SchemaRegistry({ host: url });
let t = performance.now(); await r.getSchema(Number(id)); const first = (performance.now() - t) * 1000;
t = performance.now();
for (let i = 0; i < Number(n); i++) await r.getSchema(Number(id));
console.log(JSON.stringify({ firstUs: first, cachedUs: ((performance.now() - t) * 1000) / Number(n) }));
`, url, String(ids[0]), String(CACHED_CALLS)]);
await b.stop();

const f = (x: number) => Math.round(x).toLocaleString("en-US");
const lat = (r: Awaited<ReturnType<typeof run>>) => (typeof r === "string" ? r : `${f(r.firstUs)} µs | ${r.cachedUs.toFixed(2)} µs`);
console.log(`| what | figure |\n|---|---|`);
console.log(`| registrations/s (new schema each, committed, ${CONCURRENCY} in flight, ${registrations} total) | ${f(registrations / regS)} |`);
console.log(`| GET /schemas/ids/{id} per s (${CONCURRENCY} in flight) | ${f(byIdPerS)} |`);
console.log(`| POST /subjects/{s} lookups per s (${CONCURRENCY} in flight) | ${f(lookupPerS)} |`);
console.log(`\n| serializer's lookup by id | first (HTTP) | cached (mean of ${CACHED_CALLS.toLocaleString("en-US")}) |\n|---|---|---|`);
console.log(`| confluent-kafka-python 2.16.1 get_schema | ${lat(py)} |`);
console.log(`| @kafkajs/confluent-schema-registry 3.9.0 getSchema | ${lat(js)} |`);
process.exit(0);

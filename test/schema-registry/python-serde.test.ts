/**
 * confluent-kafka-python 2.x (PyPI, pinned in python/requirements.txt, its own librdkafka wheel)
 * against Takhin's registry and broker: SchemaRegistryClient with AvroSerializer,
 * ProtobufSerializer and JSONSerializer registers v1 and a compatible v2, an incompatible v3 is
 * refused with 409, every record produced is consumed through Takhin and decoded by the
 * deserializers from the ids the records carry. The venv comes from python/venv.sh (created once
 * per machine; .ci/run creates it first).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { startTestBroker, type TestBroker } from "../helpers/broker.ts";

const PER_VERSION = 20;
const SCRIPT_TIMEOUT_MS = 120_000;
let b: TestBroker;
let url: string;
let python: string;

beforeAll(async () => {
  const venv = Bun.spawnSync(["bash", join(import.meta.dir, "python", "venv.sh")], { stderr: "pipe" });
  if (venv.exitCode !== 0) throw new Error(`python/venv.sh failed: ${venv.stderr.toString().slice(-2000)}`);
  python = venv.stdout.toString().trim();
  b = await startTestBroker({ schemaRegistryPort: 0 });
  url = `http://127.0.0.1:${b.broker.services.get("schema-registry")!.port}`;
}, 180_000);
afterAll(async () => {
  await b?.stop();
});

test("confluent-kafka-python serializers: Avro, Protobuf, JSON Schema end to end", async () => {
  const proc = Bun.spawn([python, join(import.meta.dir, "python", "serde.py"), b.bootstrap, url, String(PER_VERSION)], { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill(), SCRIPT_TIMEOUT_MS);
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  clearTimeout(timer);
  if (proc.exitCode !== 0) throw new Error(`serde.py failed (${proc.exitCode}): ${stderr.slice(-3000)}`);
  const out = JSON.parse(stdout.trim().split("\n").pop()!);
  for (const type of ["AVRO", "PROTOBUF", "JSON"]) {
    const r = out[type];
    expect(r.ids).toHaveLength(2);
    expect(r.ids[1]).toBeGreaterThan(r.ids[0]);
    expect(r.versions).toEqual([1, 2]);
    expect(r.refused).toMatchObject({ status: 409, code: 409 });
    expect(r.compatibleBad).toBe(false);
    expect(r.produced).toBe(2 * PER_VERSION);
    expect(r.decoded).toHaveLength(2 * PER_VERSION);
    expect(r.decoded.every((d: any) => d.magic === 0)).toBe(true);
    const byId = (id: number) => r.decoded.filter((d: any) => d.id === id);
    expect(byId(r.ids[0])).toHaveLength(PER_VERSION);
    expect(byId(r.ids[1])).toHaveLength(PER_VERSION);
    expect(new Set(r.decoded.map((d: any) => d.value.sensor)).size).toBe(PER_VERSION);
    for (const d of byId(r.ids[1])) expect(d.value.unit).toBe("K");
    for (const d of byId(r.ids[0])) expect(d.value.unit === undefined || d.value.unit === "" || d.value.unit === "C").toBe(true);
    const stored = (await (await fetch(`${url}/schemas/ids/${r.ids[0]}`)).json()) as { schemaType?: string; schema: string };
    expect(stored.schemaType ?? "AVRO").toBe(type);
    // The serializer sent a base64 FileDescriptorProto; the registry keeps and serves the .proto text.
    if (type === "PROTOBUF") expect(stored.schema).toContain("message Reading {");
  }
  console.log(`python cached get_schema: ${["AVRO", "PROTOBUF", "JSON"].map((t) => `${t} first ${out[t].firstLookupUs.toFixed(0)} µs, cached ${out[t].cachedLookupUs.toFixed(2)} µs`).join("; ")}`);
}, 180_000);

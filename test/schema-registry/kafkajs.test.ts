/**
 * @kafkajs/confluent-schema-registry (npm) with kafkajs, under Node, against Takhin's registry and
 * broker: Avro, Protobuf and JSON Schema records registered, evolved compatibly, produced in
 * Confluent's wire format, an incompatible change refused with 409, and every record consumed and
 * decoded by the ids it carries.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { startTestBroker, type TestBroker } from "../helpers/broker.ts";

const NODE = "/usr/bin/node";
const PER_VERSION = 20;
const SCRIPT_TIMEOUT_MS = 60_000;
let b: TestBroker;
let url: string;

beforeAll(async () => {
  b = await startTestBroker({ schemaRegistryPort: 0 });
  url = `http://127.0.0.1:${b.broker.services.get("schema-registry")!.port}`;
});
afterAll(async () => {
  await b?.stop();
});

test("kafkajs serializers: Avro, Protobuf, JSON Schema end to end", async () => {
  const proc = Bun.spawn([NODE, join(import.meta.dir, "scripts", "kafkajs-serde.mjs"), b.bootstrap, url, String(PER_VERSION)], { stdout: "pipe", stderr: "pipe", cwd: join(import.meta.dir, "../..") });
  const timer = setTimeout(() => proc.kill(), SCRIPT_TIMEOUT_MS);
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  clearTimeout(timer);
  if (proc.exitCode !== 0) throw new Error(`script failed (${proc.exitCode}): ${stderr.slice(-2000)}`);
  const out = JSON.parse(stdout.trim().split("\n").pop()!);
  for (const type of ["AVRO", "PROTOBUF", "JSON"]) {
    const r = out[type];
    expect(r.ids).toHaveLength(2);
    expect(r.ids[1]).toBeGreaterThan(r.ids[0]);
    expect(r.latestId).toBe(r.ids[1]);
    expect(r.refused?.status).toBe(409);
    expect(r.produced).toBe(2 * PER_VERSION);
    expect(r.decoded).toHaveLength(2 * PER_VERSION);
    const byId = (id: number) => r.decoded.filter((d: any) => d.id === id);
    expect(byId(r.ids[0])).toHaveLength(PER_VERSION);
    expect(byId(r.ids[1])).toHaveLength(PER_VERSION);
    expect(r.decoded.every((d: any) => d.magic === 0)).toBe(true);
    const sensors = new Set(r.decoded.map((d: any) => d.value.sensor));
    expect(sensors.size).toBe(PER_VERSION);
    for (const d of byId(r.ids[1])) expect(d.value.unit).toBe("K");
    // The stored schema is what the ids point to.
    const stored = (await (await fetch(`${url}/schemas/ids/${r.ids[0]}`)).json()) as { schemaType?: string };
    expect(stored.schemaType ?? "AVRO").toBe(type);
  }
}, 90_000);

/**
 * Records across the HTTP Proxy and Apache Kafka's own Java tools: produced over HTTP (binary and
 * json), read by kafka-console-consumer (Kafka 4.4's ConsoleConsumer) byte for byte with keys,
 * partitions and offsets; produced by kafka-console-producer, read over HTTP by a consumer instance.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { removeDir } from "../helpers/broker.ts";
import { explain, requireJava, runJava } from "../java/java.ts";
import { call, createTopic, startProxyBroker, type ProxyBroker } from "./helpers.ts";

let b: ProxyBroker;
const V2 = "application/vnd.kafka.v2+json";
const PRODUCER = "org.apache.kafka.tools.ConsoleProducer";
const CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";

beforeAll(async () => {
  requireJava();
  b = await startProxyBroker();
  await createTopic(b.bootstrap, "java-in", 2);
  await createTopic(b.bootstrap, "java-out", 1);
}, 120_000);

afterAll(async () => {
  await b?.stop();
  if (b) removeDir(b.dataDir);
});

describe("HTTP Proxy and Kafka's Java console tools", () => {
  test("produced over HTTP, read by kafka-console-consumer byte for byte", async () => {
    const values = ["héllo wörld ✓", "ünïcödé 🚀", "plain"];
    const r = await call(`${b.url}/topics/java-in`, {
      method: "POST",
      headers: { "Content-Type": "application/vnd.kafka.binary.v2+json", Accept: V2 },
      body: JSON.stringify({ records: values.map((v, i) => ({ key: Buffer.from(`k${i}`).toString("base64"), value: Buffer.from(v).toString("base64") })) }),
    });
    expect(r.status).toBe(200);
    const json = await call(`${b.url}/topics/java-in/partitions/1`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.json.v2+json" }, body: JSON.stringify({ records: [{ key: "jk", value: { a: [1, "two"] } }] }) });
    expect(json.status).toBe(200);
    const run = await runJava(CONSUMER, [
      "--bootstrap-server", b.bootstrap, "--topic", "java-in", "--from-beginning", "--max-messages", "4", "--timeout-ms", "30000",
      "--formatter-property", "print.key=true", "--formatter-property", "print.partition=true", "--formatter-property", "print.offset=true",
    ], { timeoutMs: 90_000 });
    expect(run.exitCode, explain(run)).toBe(0);
    const rows = run.stdout.split("\n").filter((l) => l.startsWith("Partition:")).map((l) => {
      const [p, o, k, v] = l.split("\t");
      return `${p!.replace("Partition:", "")}/${o!.replace("Offset:", "")}\t${k}\t${v}`;
    });
    const expected = values.map((v, i) => `${r.body.offsets[i].partition}/${r.body.offsets[i].offset}\tk${i}\t${v}`);
    expected.push(`1/${json.body.offsets[0].offset}\t"jk"\t{"a":[1,"two"]}`);
    expect(rows.sort()).toEqual(expected.sort());
  }, 120_000);

  test("produced by kafka-console-producer, read over HTTP", async () => {
    const lines = ["a:first ✓", "b:second", "c:third"];
    const run = await runJava(PRODUCER, ["--bootstrap-server", b.bootstrap, "--topic", "java-out", "--reader-property", "parse.key=true", "--reader-property", "key.separator=:"], { stdin: lines.join("\n") + "\n", timeoutMs: 90_000 });
    expect(run.exitCode, explain(run)).toBe(0);
    const created = await call(`${b.url}/consumers/java-readers`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ name: "r", format: "binary", "auto.offset.reset": "earliest" }) });
    const base = created.body.base_uri as string;
    expect((await fetch(`${base}/assignments`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ partitions: [{ topic: "java-out", partition: 0 }] }) })).status).toBe(204);
    const got: { key: string; value: string; offset: number }[] = [];
    for (let i = 0; i < 20 && got.length < 3; i++) got.push(...(await call(`${base}/records?timeout=1000`, { headers: { Accept: "application/vnd.kafka.binary.v2+json" } })).body);
    expect(got.map((r) => `${Buffer.from(r.key, "base64")}:${Buffer.from(r.value, "base64")}`)).toEqual(lines);
    expect(got.map((r) => r.offset)).toEqual([0, 1, 2]);
    expect((await fetch(base, { method: "DELETE" })).status).toBe(204);
  }, 120_000);
});

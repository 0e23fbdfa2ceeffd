/**
 * Every client family on a 3-node cluster (issue 14 item 9): each discovers the three brokers
 * (its own metadata/admin call: ids and ports of every node) and produces to and consumes from a
 * topic of three partitions whose leaders sit on the three nodes (replication factor 1, which is
 * enough for discovery: the client must send each partition's records to its own leader and read
 * them from there). Clients: librdkafka (confluent-kafka-python and kcat), kafka-python, kafkajs,
 * @platformatic/kafka, Go Sarama, the Java client — the scripts of test/clients and test/java.
 * What each produced is read back by the same client where it consumes without a group
 * (kafka-python, @platformatic/kafka, Sarama, Java), otherwise by librdkafka's simple consumer
 * (kcat -C: confluent-kafka-python's consumer asks FindCoordinator first, which a cluster does not
 * answer yet — issue 14 item 6), and by the internal client: every record at its partition,
 * offsets dense from 0, keys, values, headers and timestamps as produced. Every client gets one
 * seed address (node 0) and must find the other two nodes itself.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { confluentPython, kafkajs, kafkaPython, kcatJson, platformatic, runClient, type ClientSpec } from "../../clients/clients.ts";
import { byPartition, comparable, generateRecords, KCAT, KCAT_FORMAT, lastJson, NODE, parseKcat, PYTHON, runProc, runScript, type ConsumedRecord, type WireRecord } from "../../clients/scripts/pc-common.ts";
import { explain, runJava, suiteClasspath } from "../../java/java.ts";
import { removeDir, tempDir } from "../../helpers/broker.ts";
import { metadataOf, readAll, startFaultCluster, until, type FaultCluster } from "./harness.ts";

const PARTITIONS = 3;
const RECORDS = 90;
const CLIENT_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 150_000;

let fc: FaultCluster;
let dir: string;
let seed = 100;

beforeAll(async () => {
  fc = await startFaultCluster({ nodes: 3 });
  await fc.cluster.waitForBrokers([0, 1, 2]);
  dir = tempDir("takhin-faults-clients-");
}, 90_000);
afterAll(async () => {
  if (fc) await fc.stop();
  if (dir) removeDir(dir);
}, 30_000);

/** A topic whose three partitions are led by the three nodes, and records for it on disk. */
async function prepare(name: string): Promise<{ topic: string; records: WireRecord[]; recordsFile: string }> {
  const topic = `fam-${name}`;
  const [r] = await fc.client().createTopics([{ name: topic, numPartitions: PARTITIONS, replicationFactor: 1 }]);
  expect(r?.errorCode).toBe(0);
  const leaders = await until(`leaders of ${topic} on every node`, async () => {
    const views = await Promise.all([0, 1, 2].map((id) => metadataOf(fc.cluster, id)));
    const ls = views.map((md) => md?.topics.find((t) => t.name === topic)?.partitions.map((p) => p.leaderId).sort());
    return ls.every((l) => l && l.length === PARTITIONS && l.every((x) => x >= 0) && l.join() === ls[0]!.join()) ? ls[0]! : null;
  }, 15_000);
  expect(leaders).toEqual([0, 1, 2]);
  const records = generateRecords(RECORDS, PARTITIONS, seed++);
  const recordsFile = join(dir, `${topic}.json`);
  await Bun.write(recordsFile, JSON.stringify(records));
  return { topic, records, recordsFile };
}

function expectedPlacement(records: WireRecord[]): [number, number][] {
  const next = new Array(PARTITIONS).fill(0);
  return records.map((r) => [r.p, next[r.p]++]);
}

/** What a consumer read is exactly what was produced: per partition, dense offsets, same records. */
function expectSame(consumed: ConsumedRecord[], records: WireRecord[], o: { timestamps?: boolean } = {}): void {
  const want = byPartition(records, PARTITIONS);
  const got = byPartition(consumed, PARTITIONS);
  for (let p = 0; p < PARTITIONS; p++) {
    const rows = got[p]!.sort((a, b) => a.o - b.o);
    expect({ p, offsets: rows.map((r) => r.o) }).toEqual({ p, offsets: want[p]!.map((_, i) => i) });
    const strip = (r: WireRecord) => (o.timestamps === false ? { ...comparable(r), ts: 0 } : comparable(r));
    expect({ p, records: rows.map(strip) }).toEqual({ p, records: want[p]!.map(strip) });
  }
}

/** The internal client reads each partition from its leader: the counts and dense offsets. */
async function expectOnLeaders(topic: string, records: WireRecord[]): Promise<void> {
  const want = byPartition(records, PARTITIONS).map((rs) => rs.length);
  const c = fc.client();
  for (let p = 0; p < PARTITIONS; p++) {
    const got = await readAll(c, topic, p);
    expect({ p, offsets: got.map(([o]) => Number(o)) }).toEqual({ p, offsets: [...Array(want[p]).keys()] });
  }
}

function expectDiscovered(spec: ClientSpec, stdout: string): void {
  const d = spec.parse(stdout);
  const want = [0, 1, 2].map((id) => ({ nodeId: id, host: "127.0.0.1", port: fc.cluster.node(id).kafkaPort }));
  expect({ client: spec.name, brokers: [...d.brokers].sort((a, b) => a.nodeId - b.nodeId) }).toEqual({ client: spec.name, brokers: want });
  if (d.controllerId !== undefined) expect([0, 1, 2]).toContain(d.controllerId);
}

async function discover(spec: ClientSpec): Promise<void> {
  const res = await runClient(spec.argv(seed0()), CLIENT_TIMEOUT_MS);
  if (res.exitCode !== 0) throw new Error(`${spec.name}: exit ${res.exitCode} timedOut=${res.timedOut}\n${res.stderr.slice(-2000)}`);
  expectDiscovered(spec, res.stdout);
}

/** One seed address (node 0): the client must find the other nodes itself. */
const seed0 = () => `127.0.0.1:${fc.cluster.node(0).kafkaPort}`;

const script = (interpreter: string, file: string, clientId: string) => (spec: Record<string, unknown>) =>
  runScript(interpreter, file, { bootstrap: seed0(), clientId, ...spec }, dir, CLIENT_TIMEOUT_MS);
const confluent = script(PYTHON, "pc-confluent.py", "fam-confluent");
const kafkaPy = script(PYTHON, "pc-kafka-python.py", "fam-kafka-python");

/** librdkafka's simple consumer (kcat -C: partitions assigned, no group) from the beginning. */
async function kcatRead(topic: string): Promise<ConsumedRecord[]> {
  const cons = await runProc([KCAT, "-C", "-b", seed0(), "-t", topic, "-o", "beginning", "-e", "-q", "-X", "client.id=fam-kcat", "-X", "check.crcs=true", "-f", KCAT_FORMAT.replaceAll("\\n", "\n")], { timeoutMs: CLIENT_TIMEOUT_MS });
  if (cons.exitCode !== 0 || cons.timedOut) throw new Error(`kcat -C ${topic}: exit ${cons.exitCode} timedOut=${cons.timedOut}\n${cons.stderr}`);
  return parseKcat(cons.stdoutBytes!);
}

async function consumeWith(run: (spec: Record<string, unknown>) => Promise<any>, topic: string, records: WireRecord[]): Promise<void> {
  const res = await run({ mode: "consume", topics: [{ topic, partitions: PARTITIONS }], timestamp: records[0]!.ts });
  expectSame(res.fromBeginning, records);
}

describe("every client family on a 3-node cluster", () => {
  test("confluent-kafka-python (librdkafka)", async () => {
    await discover(confluentPython);
    const { topic, records, recordsFile } = await prepare("confluent");
    const res = await confluent({ mode: "produce", jobs: [{ topic, codec: "lz4", recordsFile }] });
    expect(res.errors).toEqual([]);
    expect(res.delivered[topic]).toEqual(expectedPlacement(records));
    expectSame(await kcatRead(topic), records, { timestamps: true });
    await expectOnLeaders(topic, records);
  }, TEST_TIMEOUT_MS);

  test("kafka-python", async () => {
    await discover(kafkaPython);
    const { topic, records, recordsFile } = await prepare("kafka-python");
    const res = await kafkaPy({ mode: "produce", jobs: [{ topic, codec: "gzip", recordsFile }] });
    expect(res.errors).toEqual([]);
    expect(res.delivered[topic]).toEqual(expectedPlacement(records));
    await consumeWith(kafkaPy, topic, records);
    await expectOnLeaders(topic, records);
  }, TEST_TIMEOUT_MS);

  test("kafkajs (read back by librdkafka)", async () => {
    await discover(kafkajs);
    const { topic, records, recordsFile } = await prepare("kafkajs");
    const res = await script(NODE, "pc-kafkajs.mjs", "fam-kafkajs")({ mode: "produce", jobs: [{ topic, codec: "none", recordsFile }], timestamp: records[0]!.ts });
    expect(res.delivered[topic]).toEqual(expectedPlacement(records));
    expectSame(await kcatRead(topic), records);
    await expectOnLeaders(topic, records);
  }, TEST_TIMEOUT_MS);

  test("@platformatic/kafka", async () => {
    await discover(platformatic);
    const { topic, records, recordsFile } = await prepare("platformatic");
    const run = script(NODE, "pc-platformatic.mjs", "fam-platformatic");
    const res = await run({ mode: "produce", jobs: [{ topic, codec: "snappy", recordsFile }] });
    expect(res.delivered[topic]).toEqual(expectedPlacement(records));
    await consumeWith(run, topic, records);
    await expectOnLeaders(topic, records);
  }, TEST_TIMEOUT_MS);

  test("kcat (librdkafka)", async () => {
    await discover(kcatJson);
    const { topic, records } = await prepare("kcat");
    // kcat -P takes text lines; the partition is given per run (-p), so one run per partition.
    const enc = (s: string | null) => (s === null ? "" : Buffer.from(s, "base64").toString("hex"));
    const lines = records.map((r, i) => ({ p: r.p, key: `k${i}`, value: `${enc(r.v)}` }));
    for (let p = 0; p < PARTITIONS; p++) {
      const input = lines.filter((l) => l.p === p).map((l) => `${l.key}\t${l.value}\n`).join("");
      const prod = await runProc([KCAT, "-P", "-b", seed0(), "-t", topic, "-p", String(p), "-K", "\t", "-z", "zstd", "-X", "client.id=fam-kcat"], { timeoutMs: CLIENT_TIMEOUT_MS, stdin: input });
      expect({ p, exit: prod.exitCode, err: prod.stderr }).toEqual({ p, exit: 0, err: "" });
    }
    const got = byPartition(await kcatRead(topic), PARTITIONS);
    for (let p = 0; p < PARTITIONS; p++) {
      const want = lines.filter((l) => l.p === p);
      const rows = got[p]!.sort((a, b) => a.o - b.o);
      expect(rows.map((r) => [r.o, Buffer.from(r.k!, "base64").toString(), Buffer.from(r.v ?? "", "base64").toString()])).toEqual(want.map((l, i) => [i, l.key, l.value]));
    }
    await expectOnLeaders(topic, records);
  }, TEST_TIMEOUT_MS);

  test("Go Sarama (sync producer, partition consumers)", async () => {
    const bin = await buildSarama();
    const run = async (mode: string, spec: Record<string, unknown>) => {
      const path = join(dir, `sarama-${mode}.json`);
      await Bun.write(path, JSON.stringify({ version: "2.2.0", clientId: "fam-sarama", ...spec }));
      return lastJson(`sarama ${mode}`, await runProc([bin, seed0(), mode, path], { timeoutMs: CLIENT_TIMEOUT_MS }));
    };
    const { topic, records, recordsFile } = await prepare("sarama");
    const md = await run("metadata", {});
    expect([...md.brokers].sort((a: any, b: any) => a.nodeId - b.nodeId)).toEqual([0, 1, 2].map((id) => ({ nodeId: id, addr: `127.0.0.1:${fc.cluster.node(id).kafkaPort}` })));
    const res = await run("produce", { jobs: [{ topic, codec: "gzip", recordsFile, producer: "sync", idempotent: false }] });
    expect(res.errors).toEqual([]);
    expect(res.delivered[topic]).toEqual(expectedPlacement(records));
    const consumed = await run("consume", { topics: [{ topic, partitions: PARTITIONS }] });
    expect(consumed.errors).toEqual([]);
    expectSame(consumed.records, records);
    await expectOnLeaders(topic, records);
  }, TEST_TIMEOUT_MS);

  test("the Java client (kafka-clients 4.4: admin, producer, assigned consumer)", async () => {
    const classpath = suiteClasspath();
    const { topic } = await prepare("java");
    const perPartition = 30;
    const r = await runJava("ClusterClients", [seed0(), topic, String(PARTITIONS), String(perPartition)], { classpath, timeoutMs: 120_000 });
    if (r.exitCode !== 0) throw new Error(explain(r));
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(out.brokers).toEqual([0, 1, 2].map((id) => ({ id, host: "127.0.0.1", port: fc.cluster.node(id).kafkaPort })));
    expect([0, 1, 2]).toContain(out.controller);
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = [...Array(perPartition).keys()];
      expect(out.sent[String(p)]).toEqual(offsets);
      expect(out.read[String(p)]).toEqual(offsets.map((i) => [i, `k${i}`, `p${p}-${i}`]));
    }
  }, TEST_TIMEOUT_MS);
});

/** Builds test/clients/go/sarama offline against Debian's GOPATH (as test/clients/go-clients.test.ts does). */
async function buildSarama(): Promise<string> {
  const gopath = "/usr/share/gocode";
  const go = Bun.which("go");
  if (!go) throw new Error("the Go toolchain is missing: apt-get install golang-go (see .ci/run)");
  if (!existsSync(join(gopath, "src", "github.com/Shopify/sarama"))) throw new Error("Sarama is missing: apt-get install golang-github-shopify-sarama-dev (see .ci/run)");
  const out = join(dir, "sarama");
  const res = await runProc([go, "build", "-o", out, join(import.meta.dir, "..", "..", "clients", "go", "sarama", "main.go")], {
    timeoutMs: 120_000,
    env: {
      GO111MODULE: "off",
      GOPATH: `${gopath}:${join(dir, "gopath")}`,
      GOFLAGS: "",
      GOPROXY: "off",
      CGO_ENABLED: "1",
      ...(process.env.GOCACHE || process.env.XDG_CACHE_HOME || process.env.HOME ? {} : { GOCACHE: join(dir, "gocache") }),
    },
  });
  if (res.timedOut || res.exitCode !== 0) throw new Error(`go build of sarama failed (exit ${res.exitCode}):\n${res.stderr.slice(-4000)}`);
  return out;
}

/**
 * The Go clients Debian packages as source, built offline in GOPATH mode from
 * test/clients/go/<client>/main.go into a temporary directory once per run, then driven against an
 * in-process broker:
 *
 * - Sarama (golang-github-shopify-sarama-dev): metadata; ClusterAdmin create (with configs and
 *   validate-only) / describe configs / list / create partitions / delete; sync and async producers
 *   under every codec, acks=all, idempotent, keyed records with headers and CreateTime timestamps,
 *   read back by partition consumers byte-exact; a three-member consumer group on six partitions
 *   reading every record once and committing, then a restarted member resuming from the commits.
 *   Config.Version is set to the newest this Sarama knows, to 0.11.0.0 (the oldest whose Produce
 *   and Fetch versions Takhin serves), and left at Sarama's default (0.8.2.0: Produce v0 and Fetch
 *   v0, which Takhin refuses as Kafka 4 does; metadata still works).
 *
 * - kafka-go (golang-github-segmentio-kafka-go-dev, 0.2.1): it predates message format v2 and
 *   produces with Produce v2 and fetches with Fetch v2, which Takhin, like Kafka 4 (KIP-896), does
 *   not serve: the produce is answered UNSUPPORTED_VERSION and the fetch closes the connection,
 *   both reported to the caller. What it does speak works: metadata, CreateTopics v0 with configs,
 *   DeleteTopics v1, ListOffsets v1, and the consumer-group protocol: three readers on six
 *   partitions own two each and commit offsets; their sessions expire (its Close sends no
 *   LeaveGroup); a restarted reader starts at the committed offsets.
 *
 * The API versions each client used are printed at the end. Every client run is a subprocess
 * killed at its deadline. A missing Go toolchain or client source fails the suite with the
 * packages to install (.ci/run installs them).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { removeDir, tempDir, type TestBroker } from "../helpers/broker.ts";
import { startGroupBroker } from "./scripts/groups-harness.ts";
import {
  ALL_CODECS,
  byPartition,
  comparable,
  generateRecords,
  lastJson,
  recordApiVersions,
  runProc,
  versionsUsed,
  type Codec,
  type ConsumedRecord,
  type WireRecord,
} from "./scripts/pc-common.ts";

const GO_DIR = join(import.meta.dir, "go");
const GOPATH_SYSTEM = "/usr/share/gocode";
const CLIENTS = {
  sarama: { pkg: "golang-github-shopify-sarama-dev", src: "github.com/Shopify/sarama" },
  "kafka-go": { pkg: "golang-github-segmentio-kafka-go-dev", src: "github.com/segmentio/kafka-go" },
} as const;
type ClientName = keyof typeof CLIENTS;

// The first build on a fresh machine compiles cgo (DataDog/zstd) and takes minutes on a loaded 2-core box.
const BUILD_TIMEOUT_MS = 300_000;
const CLIENT_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 60_000;
const PARTITIONS = 3;
const RECORDS_PER_TOPIC = 120;
/** The newest Kafka version the packaged Sarama (1.22) knows. */
const SARAMA_MAX = "2.2.0";
/** The oldest version at which Sarama sends Produce v3 and Fetch v4, the oldest Takhin serves. */
const SARAMA_OLDEST_SERVED = "0.11.0.0";
/**
 * This Sarama sends Produce v3 and Fetch v4 at most, and zstd needs Produce v7 / Fetch v10 (KIP-110):
 * its zstd batches are refused with UNSUPPORTED_COMPRESSION_TYPE, as Kafka refuses them.
 */
const SARAMA_CODECS: Codec[] = ["none", "gzip", "snappy", "lz4"];

let tb: TestBroker;
let dir: string;
let seen: ReturnType<typeof recordApiVersions>;
const binaries = new Map<ClientName, string>();
const buildErrors = new Map<ClientName, string>();
const packageVersions = new Map<ClientName, string>();
let goVersion = "";
/** Per topic: the compression codecs and producer ids of the batches the broker received. */
const batches = new Map<string, { codecs: Set<number>; producerIds: Set<bigint>; sequences: number[] }>();

function dpkgVersion(pkg: string): string {
  const r = Bun.spawnSync(["dpkg-query", "-W", "-f", "${Version}", pkg], { stderr: "pipe" });
  return r.exitCode === 0 ? r.stdout.toString().trim() : "";
}

/** Builds one client offline against Debian's GOPATH; records the failure instead of throwing. */
async function build(name: ClientName): Promise<void> {
  const { pkg, src } = CLIENTS[name];
  const go = Bun.which("go");
  if (!go) {
    buildErrors.set(name, "the Go toolchain is missing: apt-get install golang-go (see .ci/run)");
    return;
  }
  if (!existsSync(join(GOPATH_SYSTEM, "src", src))) {
    buildErrors.set(name, `${src} is missing from ${GOPATH_SYSTEM}: apt-get install ${pkg} (see .ci/run)`);
    return;
  }
  packageVersions.set(name, dpkgVersion(pkg));
  const out = join(dir, name);
  // By file: GOPATH mode cannot import a directory outside GOPATH by its absolute path.
  const res = await runProc([go, "build", "-o", out, join(GO_DIR, name, "main.go")], {
    timeoutMs: BUILD_TIMEOUT_MS,
    // GOPATH mode: no module download, only the sources Debian installed. The build cache stays
    // the user's, so later runs link in a second or two.
    env: {
      GO111MODULE: "off",
      GOPATH: `${GOPATH_SYSTEM}:${join(dir, "gopath")}`,
      GOFLAGS: "",
      GOPROXY: "off",
      CGO_ENABLED: "1",
      // Go needs a cache directory; without HOME (or XDG_CACHE_HOME) use one in the temp dir.
      ...(process.env.GOCACHE || process.env.XDG_CACHE_HOME || process.env.HOME ? {} : { GOCACHE: join(dir, "gocache") }),
    },
  });
  if (res.timedOut || res.exitCode !== 0) {
    buildErrors.set(name, `go build of ${name} failed (exit ${res.exitCode}, timedOut ${res.timedOut}):\n${res.stderr.slice(-4000)}`);
    return;
  }
  binaries.set(name, out);
}

function binary(name: ClientName): string {
  const err = buildErrors.get(name);
  if (err) throw new Error(err);
  const bin = binaries.get(name);
  if (!bin) throw new Error(`${name} was not built`);
  return bin;
}

/** Runs `<client> <bootstrap> <mode> <spec.json>` and returns its last JSON line. */
async function run(name: ClientName, mode: string, spec: Record<string, unknown>, timeoutMs = CLIENT_TIMEOUT_MS): Promise<any> {
  const bin = binary(name);
  const specPath = join(dir, `spec-${name}-${mode}-${Math.random().toString(36).slice(2)}.json`);
  await Bun.write(specPath, JSON.stringify(spec));
  const res = await runProc([bin, tb.bootstrap, mode, specPath], { timeoutMs });
  return lastJson(`${name} ${mode}`, res);
}

/** Notes the codec (attributes & 7) and producer id of every v2 batch a Produce request carries. */
function recordBatches(): void {
  tb.broker.context.middleware.use({
    name: "record-produce-batches",
    handle(ctx, request, next) {
      if (ctx.apiKey !== 0) return next();
      const req = request as { topicData: { name: string; partitionData: { records: Uint8Array | null }[] }[] };
      for (const t of req.topicData) {
        let entry = batches.get(t.name);
        if (!entry) batches.set(t.name, (entry = { codecs: new Set(), producerIds: new Set(), sequences: [] }));
        for (const p of t.partitionData) {
          const r = p.records;
          if (!r) continue;
          const view = new DataView(r.buffer, r.byteOffset, r.byteLength);
          for (let pos = 0; pos + 61 <= r.byteLength; pos += 12 + view.getInt32(pos + 8)) {
            if (view.getInt8(pos + 16) !== 2) break;
            entry.codecs.add(view.getInt16(pos + 21) & 7);
            entry.producerIds.add(view.getBigInt64(pos + 43));
            entry.sequences.push(view.getInt32(pos + 53));
          }
        }
      }
      return next();
    },
  });
}

beforeAll(async () => {
  dir = tempDir("takhin-go-");
  const go = Bun.which("go");
  if (go) goVersion = Bun.spawnSync([go, "version"]).stdout.toString().trim();
  const started = performance.now();
  await Promise.all((Object.keys(CLIENTS) as ClientName[]).map(build));
  console.log(`${goVersion || "no go"}; built ${[...binaries.keys()].join(", ") || "nothing"} in ${Math.round(performance.now() - started)} ms`);
  tb = await startGroupBroker();
  seen = recordApiVersions(tb);
  recordBatches();
}, BUILD_TIMEOUT_MS + 10_000);

afterAll(async () => {
  for (const [name, version] of packageVersions) console.log(`${name} ${version}`);
  for (const client of [...seen.keys()].filter((c) => c.startsWith("go-")).map((c) => c.replace(/-\d+$/, "")).filter((c, i, all) => all.indexOf(c) === i).sort()) {
    console.log(`${client} API versions: ${JSON.stringify(versionsUsed(seen, client))}`);
  }
  await tb?.stop();
  if (tb) removeDir(tb.dataDir);
  removeDir(dir);
});

const CODEC_BITS: Record<Codec, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

/** Where each record must land: its partition and its rank among that partition's records. */
function expectedPlacement(records: WireRecord[]): [number, number][] {
  const next = new Array(PARTITIONS).fill(0);
  return records.map((r) => [r.p, next[r.p]++]);
}

/** Partition, dense offsets from 0, key, value, headers and timestamp, byte-exact, per topic. */
function expectSameRecords(consumed: ConsumedRecord[], produced: Map<string, WireRecord[]>): void {
  for (const [topic, records] of produced) {
    const want = byPartition(records, PARTITIONS);
    const got = byPartition(consumed.filter((r) => r.t === topic), PARTITIONS);
    for (let p = 0; p < PARTITIONS; p++) {
      const where = `${topic}/${p}`;
      const rows = got[p].sort((a, b) => a.o - b.o);
      expect({ where, offsets: rows.map((r) => r.o) }).toEqual({ where, offsets: want[p].map((_, i) => i) });
      expect({ where, records: rows.map(comparable) }).toEqual({ where, records: want[p].map(comparable) });
    }
  }
  expect(consumed.length).toBe([...produced.values()].reduce((n, rs) => n + rs.length, 0));
}

interface ProduceJob {
  topic: string;
  codec: Codec;
  producer: "sync" | "async";
  idempotent: boolean;
  recordsFile: string;
}

let seed = 100;
async function prepare(prefix: string, combos: { codec: Codec; producer: "sync" | "async"; idempotent: boolean }[]): Promise<{ jobs: ProduceJob[]; produced: Map<string, WireRecord[]> }> {
  const jobs: ProduceJob[] = [];
  const produced = new Map<string, WireRecord[]>();
  for (const c of combos) {
    const topic = `${prefix}-${c.codec}-${c.producer}${c.idempotent ? "-idem" : ""}`;
    tb.broker.context.topics.create(topic, PARTITIONS);
    const records = generateRecords(RECORDS_PER_TOPIC, PARTITIONS, seed++);
    const recordsFile = join(dir, `${topic}.json`);
    await Bun.write(recordsFile, JSON.stringify(records));
    produced.set(topic, records);
    jobs.push({ topic, recordsFile, ...c });
  }
  return { jobs, produced };
}

function expectBatches(jobs: ProduceJob[]): void {
  for (const j of jobs) {
    const b = batches.get(j.topic);
    expect({ topic: j.topic, codecs: b && [...b.codecs] }).toEqual({ topic: j.topic, codecs: [CODEC_BITS[j.codec]] });
    const ids = [...b!.producerIds];
    expect({ topic: j.topic, idempotent: ids.every((id) => id >= 0n), ids: ids.length }).toEqual({ topic: j.topic, idempotent: j.idempotent, ids: 1 });
    if (j.idempotent) expect(b!.sequences[0]).toBe(0);
  }
}

function topicWithRecords(name: string, partitions: number, perPartition: number, from = 0): void {
  if (!tb.broker.context.topics.get(name)) tb.broker.context.topics.create(name, partitions);
  const enc = new TextEncoder();
  for (let p = 0; p < partitions; p++) {
    const part = tb.broker.context.partitions.get(name, p)!;
    const records = Array.from({ length: perPartition }, (_, i) => ({ key: enc.encode(`k${p}`), value: enc.encode(`v${p}-${from + i}`) }));
    expect(part.appendProduced(buildRecordBatch({ records }), Date.now()).errorCode).toBe(0);
  }
}

/**
 * Sarama's Consumer.Offsets.Retention: with its default (0) this Sarama commits with OffsetCommit
 * v1, which Takhin does not serve (2-9, as Kafka 4 after KIP-896); any retention selects v2.
 */
const RETENTION_MS = 86_400_000;

const committed = (group: string, topic: string, p: number) => tb.broker.context.groups.coordinator.offsets.get(group, topic, p)?.offset;

describe("sarama", () => {
  test("metadata at the default and the newest version: one broker, topics with their partition counts", async () => {
    tb.broker.context.topics.create("go-sarama-meta", 4);
    for (const version of ["default", SARAMA_MAX]) {
      const out = await run("sarama", "metadata", { version, clientId: `go-sarama-${version === "default" ? "default" : "max"}` });
      console.log(`sarama metadata ${version}: ${JSON.stringify(out)}`);
      expect(out.brokers).toEqual([{ nodeId: tb.broker.context.nodeId, addr: tb.bootstrap }]);
      expect(out.topics).toContainEqual({ name: "go-sarama-meta", partitions: 4 });
      // Metadata v0 (the default version) carries no controller id.
      if (version === SARAMA_MAX) expect(out.controllerId).toBe(tb.broker.context.nodeId);
    }
  }, TEST_TIMEOUT_MS);

  test("ClusterAdmin: create with configs, describe configs, list, create partitions, delete", async () => {
    const topic = "go-sarama-admin";
    const out = await run("sarama", "admin", {
      version: SARAMA_MAX,
      clientId: "go-sarama-max",
      topic,
      partitions: 3,
      newPartitions: 5,
      configs: { "retention.ms": "3600000", "cleanup.policy": "compact", "max.message.bytes": "2097152" },
    });
    console.log(`sarama admin: ${JSON.stringify(out)}`);
    // This Sarama's DescribeCluster sends Metadata v0, which has no controller id (it reads -1).
    expect(out.describeCluster).toMatchObject({ brokers: [tb.broker.context.nodeId], error: null });
    expect(out.validateOnly).toBeNull();
    expect(out.create).toBeNull();
    expect(out.createAgain).toMatch(/already exists/i);
    expect(out.describeConfig.error).toBeNull();
    for (const [name, value] of Object.entries({ "retention.ms": "3600000", "cleanup.policy": "compact", "max.message.bytes": "2097152" })) {
      expect({ name, entry: out.describeConfig.entries[name] }).toMatchObject({ name, entry: { value, default: false } });
    }
    expect(out.describeConfig.entries["segment.bytes"]?.default).toBe(true);
    expect(out.listTopics).toMatchObject({ partitions: 3, replicationFactor: 1, error: null });
    expect(out.listTopics.configs).toMatchObject({ "retention.ms": "3600000", "cleanup.policy": "compact" });
    expect(out.createPartitions).toBeNull();
    expect(out.createPartitionsFewer).toMatch(/partition/i);
    expect(out.describeTopics).toEqual({ partitions: 5, error: null });
    expect(out.delete).toBeNull();
    expect(out.deleteAgain).toMatch(/does not exist|unknown topic/i);
    expect(out.listAfterDelete).toEqual({ present: false, error: null });
    expect(tb.broker.context.topics.get(topic)).toBeUndefined();
  }, TEST_TIMEOUT_MS);

  test("newest version: sync and idempotent async producers under none/gzip/snappy/lz4, read back byte-exact", async () => {
    const combos = SARAMA_CODECS.flatMap((codec) => [
      { codec, producer: "sync" as const, idempotent: false },
      { codec, producer: "async" as const, idempotent: true },
    ]);
    const { jobs, produced } = await prepare("go-sarama", combos);
    const res = await run("sarama", "produce", { version: SARAMA_MAX, clientId: "go-sarama-max", jobs });
    console.log(`sarama produce ms per topic: ${JSON.stringify(res.ms)}`);
    expect(res.errors).toEqual([]);
    for (const j of jobs) expect({ topic: j.topic, delivered: res.delivered[j.topic] }).toEqual({ topic: j.topic, delivered: expectedPlacement(produced.get(j.topic)!) });
    expectBatches(jobs);
    const consumed = await run("sarama", "consume", { version: SARAMA_MAX, clientId: "go-sarama-max", topics: jobs.map((j) => ({ topic: j.topic, partitions: PARTITIONS })) });
    expect(consumed.errors).toEqual([]);
    expectSameRecords(consumed.records, produced);
  }, TEST_TIMEOUT_MS);

  test("zstd over Produce v3 is refused with UNSUPPORTED_COMPRESSION_TYPE (76), as Kafka does; nothing is appended", async () => {
    const { jobs } = await prepare("go-sarama", [{ codec: "zstd", producer: "sync", idempotent: false }]);
    const res = await run("sarama", "produce", { version: SARAMA_MAX, clientId: "go-sarama-max", jobs });
    expect(res.errors.length).toBe(RECORDS_PER_TOPIC);
    for (const e of res.errors) expect(e).toMatch(/does not support the compression type/);
    expect(batches.get(jobs[0].topic)?.codecs).toEqual(new Set([CODEC_BITS.zstd]));
    for (let p = 0; p < PARTITIONS; p++) expect(tb.broker.context.partitions.get(jobs[0].topic, p)!.logEndOffset).toBe(0);
  }, TEST_TIMEOUT_MS);

  test("version 0.11.0.0 (Produce v3, Fetch v4): idempotent sync producer, none/gzip/snappy/lz4, read back byte-exact", async () => {
    const combos = SARAMA_CODECS.map((codec) => ({ codec, producer: "sync" as const, idempotent: true }));
    const { jobs, produced } = await prepare("go-sarama-011", combos);
    const res = await run("sarama", "produce", { version: SARAMA_OLDEST_SERVED, clientId: "go-sarama-0.11", jobs });
    expect(res.errors).toEqual([]);
    for (const j of jobs) expect(res.delivered[j.topic]).toEqual(expectedPlacement(produced.get(j.topic)!));
    expectBatches(jobs);
    const consumed = await run("sarama", "consume", { version: SARAMA_OLDEST_SERVED, clientId: "go-sarama-0.11", topics: jobs.map((j) => ({ topic: j.topic, partitions: PARTITIONS })) });
    expect(consumed.errors).toEqual([]);
    expectSameRecords(consumed.records, produced);
  }, TEST_TIMEOUT_MS);

  test("default version (0.8.2.0): Produce v0 is refused per partition and Fetch v0 closes the connection, both reported", async () => {
    const { jobs, produced } = await prepare("go-sarama-default", [{ codec: "none", producer: "sync", idempotent: false }]);
    // Headers need 0.11 and Sarama refuses them itself at this version: send records without.
    await Bun.write(jobs[0].recordsFile, JSON.stringify(produced.get(jobs[0].topic)!.map((r) => ({ ...r, h: [] }))));
    const res = await run("sarama", "produce", { version: "default", clientId: "go-sarama-default", jobs });
    console.log(`sarama default-version produce: ${res.errors.length} errors, first: ${res.errors[0]}`);
    expect(res.errors.length).toBe(RECORDS_PER_TOPIC);
    for (const e of res.errors) expect(e).toMatch(/version of API is not supported/);
    expect(tb.broker.context.partitions.get(jobs[0].topic, 0)!.logEndOffset).toBe(0);
    topicWithRecords("go-sarama-default-read", 1, 3);
    const consumed = await run("sarama", "consume", { version: "default", clientId: "go-sarama-default", topics: [{ topic: "go-sarama-default-read", partitions: 1 }], timeoutMs: 3000 });
    console.log(`sarama default-version consume: ${JSON.stringify(consumed.errors)}`);
    expect(consumed.records).toEqual([]);
    expect(consumed.errors.length).toBe(1);
  }, TEST_TIMEOUT_MS);

  test("consumer group: 3 members on 6 partitions read every record once and commit; a restarted member resumes", async () => {
    const topic = "go-sarama-group";
    const group = "g-go-sarama";
    topicWithRecords(topic, 6, 10);
    const first = await run("sarama", "group", { version: SARAMA_MAX, clientId: "go-sarama-group", topic, group, members: 3, expected: 60, timeoutMs: 25_000, retentionMs: RETENTION_MS }, 40_000);
    console.log(`sarama group: assignments ${JSON.stringify(first.assignments)} perMember ${JSON.stringify(first.perMember)} history ${JSON.stringify(first.history)} errors ${JSON.stringify(first.errors)}`);
    expect(first.timedOut).toBe(false);
    expect(first.assignments.map((a: number[]) => a.length)).toEqual([2, 2, 2]);
    expect(first.assignments.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(first.distinct).toBe(60);
    expect(first.duplicates).toBe(0);
    expect(first.perMember).toEqual([20, 20, 20]);
    for (let p = 0; p < 6; p++) expect(committed(group, topic, p)).toBe(10n);

    topicWithRecords(topic, 6, 5, 10);
    const second = await run("sarama", "group", { version: SARAMA_MAX, clientId: "go-sarama-group", topic, group, members: 1, expected: 30, timeoutMs: 25_000, retentionMs: RETENTION_MS }, 40_000);
    expect(second.timedOut).toBe(false);
    expect(second.duplicates).toBe(0);
    const offsets = (second.records as ConsumedRecord[]).map((r) => `${r.p}:${r.o}`).sort();
    const want = Array.from({ length: 6 }, (_, p) => Array.from({ length: 5 }, (_, i) => `${p}:${10 + i}`)).flat().sort();
    expect(offsets).toEqual(want);
    for (let p = 0; p < 6; p++) expect(committed(group, topic, p)).toBe(15n);
  }, TEST_TIMEOUT_MS);
});

describe("kafka-go", () => {
  test("metadata: the broker and the named topics with their partition counts; no topics when none are named", async () => {
    tb.broker.context.topics.create("go-kafka-go-meta", 4);
    tb.broker.context.topics.create("go-kafka-go-meta2", 2);
    const out = await run("kafka-go", "metadata", { clientId: "go-kafka-go", topics: ["go-kafka-go-meta", "go-kafka-go-meta2"] });
    console.log(`kafka-go metadata: ${JSON.stringify(out)}`);
    expect(out.named.brokers).toEqual([{ nodeId: tb.broker.context.nodeId, host: "127.0.0.1", port: tb.port }]);
    expect(out.named.topics).toEqual([
      { name: "go-kafka-go-meta", partitions: 4 },
      { name: "go-kafka-go-meta2", partitions: 2 },
    ]);
    // ReadPartitions() without names sends Metadata v1 with an empty topic array, which asks for
    // no topics (null would ask for all), so Kafka and Takhin both answer none.
    expect(out.all.topics).toEqual([]);
  }, TEST_TIMEOUT_MS);

  test("CreateTopics with configs, again (already exists, which it calls success), DeleteTopics, again (unknown)", async () => {
    const topic = "go-kafka-go-admin";
    const configs = { "retention.ms": "7200000", "cleanup.policy": "compact" };
    const created = await run("kafka-go", "admin", { clientId: "go-kafka-go", topic, partitions: 3, configs });
    console.log(`kafka-go admin: ${JSON.stringify(created)}`);
    expect(created.create).toBeNull();
    // This kafka-go turns TOPIC_ALREADY_EXISTS into success.
    expect(created.createAgain).toBeNull();
    expect(created.partitions).toEqual({ count: 3, error: null });
    expect(tb.broker.context.topics.get(topic)?.configs).toMatchObject(configs);
    const deleted = await run("kafka-go", "delete", { clientId: "go-kafka-go", topic });
    console.log(`kafka-go delete: ${JSON.stringify(deleted)}`);
    expect(deleted.delete).toBeNull();
    expect(deleted.deleteAgain).toMatch(/unknown topic/i);
    expect(tb.broker.context.topics.get(topic)).toBeUndefined();
  }, TEST_TIMEOUT_MS);

  test("ListOffsets v1: first and last offset of each partition", async () => {
    const topic = "go-kafka-go-offsets";
    topicWithRecords(topic, 3, 7);
    const out = await run("kafka-go", "offsets", { clientId: "go-kafka-go", topic, partitions: 3 });
    expect(out.offsets).toEqual([0, 1, 2].map((partition) => ({ partition, first: 0, last: 7, error: null })));
  }, TEST_TIMEOUT_MS);

  test("Produce v2 is answered UNSUPPORTED_VERSION and Fetch v2 closes the connection; both reach the caller", async () => {
    const topic = "go-kafka-go-old-formats";
    topicWithRecords(topic, 1, 2);
    const produced = await run("kafka-go", "produce", { clientId: "go-kafka-go", topic });
    console.log(`kafka-go produce: ${JSON.stringify(produced)}`);
    for (const codec of ["none", "gzip"]) expect(produced[codec].error).toMatch(/^\[35\] Unsupported Version/);
    expect(tb.broker.context.partitions.get(topic, 0)!.logEndOffset).toBe(2);
    const fetched = await run("kafka-go", "fetch", { clientId: "go-kafka-go", topic });
    console.log(`kafka-go fetch: ${JSON.stringify(fetched)}`);
    expect(fetched.error).toMatch(/EOF|connection reset|broken pipe/);
  }, TEST_TIMEOUT_MS);

  test("consumer group: 3 readers on 6 partitions own 2 each and commit; sessions expire; a restarted reader starts at the commits", async () => {
    const topic = "go-kafka-go-group";
    const group = "g-go-kafka-go";
    topicWithRecords(topic, 6, 10);
    const commitOffsets = Object.fromEntries([0, 1, 2, 3, 4, 5].map((p) => [String(p), 3 + p]));
    const first = await run("kafka-go", "group", { clientId: "go-kafka-go-group", topic, partitions: 6, group, members: 3, stableMs: 700, timeoutMs: 20_000, commitOffsets }, 40_000);
    console.log(`kafka-go group: ${JSON.stringify({ ...first, logs: undefined })}`);
    if (!first.stable) console.log(JSON.stringify(first.logs, null, 1));
    expect(first.stable).toBe(true);
    const owned = first.assignments.map((a: Record<string, number>) => Object.keys(a).map(Number).sort());
    expect(owned.map((a: number[]) => a.length)).toEqual([2, 2, 2]);
    expect(owned.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
    // Nothing committed yet: each reader would start at the first offset (-2).
    for (const a of first.assignments) for (const o of Object.values(a)) expect(o).toBe(-2);
    expect(first.commitErrors).toEqual([]);
    expect(first.closeErrors).toEqual([]);
    for (let p = 0; p < 6; p++) expect(committed(group, topic, p)).toBe(BigInt(3 + p));
    // This kafka-go's Close sends no LeaveGroup: the broker expires the members at their 1.5 s
    // session timeout, and the empty group keeps its offsets.
    const until = Date.now() + 8000;
    while ((tb.broker.context.groups.coordinator.get(group)?.members.size ?? 0) > 0 && Date.now() < until) await Bun.sleep(100);
    expect(tb.broker.context.groups.coordinator.get(group)?.members.size ?? 0).toBe(0);
    for (let p = 0; p < 6; p++) expect(committed(group, topic, p)).toBe(BigInt(3 + p));

    const second = await run("kafka-go", "group", { clientId: "go-kafka-go-group", topic, partitions: 6, group, members: 1, stableMs: 300, timeoutMs: 20_000, commitOffsets: {} }, 40_000);
    expect(second.stable).toBe(true);
    expect(second.assignments).toEqual([commitOffsets]);
  }, TEST_TIMEOUT_MS);
});

/**
 * Real clients produce and consume through an in-process broker, byte-exact. Each producer writes
 * the same kind of generated records (binary keys, some null; binary + text values, empty, null and
 * 20 KB ones; UTF-8 headers; explicit CreateTime timestamps; three partitions) to one topic per
 * codec it supports, and the records are read back from the beginning and from a timestamp
 * (ListOffsets by time) by the same client where it can consume without a group, and by another
 * client: librdkafka → kafka-python, kafka-python → librdkafka, kafkajs → kcat and librdkafka,
 * @platformatic/kafka → librdkafka. Partition, offset (dense from 0), key, value, headers (in
 * order) and timestamp are compared with what was produced.
 *
 * Codecs: librdkafka (confluent-kafka-python, kcat) all five; kafka-python none/gzip (no snappy,
 * lz4 or zstandard module installed); kafkajs none/gzip (the others need codec plugins);
 * @platformatic/kafka none/gzip/snappy/lz4 (its zstd needs Node ≥ 22.15's zlib).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import {
  ALL_CODECS,
  byPartition,
  comparable,
  generateRecords,
  KCAT,
  KCAT_FORMAT,
  NODE,
  parseKcat,
  PYTHON,
  recordApiVersions,
  runProc,
  runScript,
  versionsUsed,
  type Codec,
  type ConsumedRecord,
  type WireRecord,
} from "./scripts/pc-common.ts";

const PARTITIONS = 3;
const RECORDS_PER_TOPIC = 150;
const CLIENT_TIMEOUT_MS = 45_000;
const TEST_TIMEOUT_MS = 100_000;

let tb: TestBroker;
let dir: string;
let seen: ReturnType<typeof recordApiVersions>;
/** Topic → records produced to it and the timestamp used for the by-time read. */
const produced = new Map<string, { records: WireRecord[]; timestamp: number }>();
let seed = 1;

beforeAll(async () => {
  tb = await startTestBroker();
  seen = recordApiVersions(tb);
  dir = tempDir("takhin-pc-");
});
afterAll(async () => {
  for (const client of ["pc-confluent", "pc-kafka-python", "pc-kafkajs", "pc-platformatic", "pc-kcat"]) {
    console.log(`${client} API versions: ${JSON.stringify(versionsUsed(seen, client))}`);
  }
  await tb.stop();
  removeDir(tb.dataDir);
  removeDir(dir);
});

/** Creates `pc-<client>-<codec>` topics with fresh records; returns the producer jobs. */
async function prepare(client: string, codecs: Codec[]): Promise<{ topic: string; codec: Codec; recordsFile: string }[]> {
  const jobs = [];
  for (const codec of codecs) {
    const topic = `pc-${client}-${codec}`;
    tb.broker.context.topics.create(topic, PARTITIONS);
    const records = generateRecords(RECORDS_PER_TOPIC, PARTITIONS, seed++);
    const recordsFile = join(dir, `${topic}.json`);
    await Bun.write(recordsFile, JSON.stringify(records));
    produced.set(topic, { records, timestamp: records[Math.floor(records.length / 2)].ts });
    jobs.push({ topic, codec, recordsFile });
  }
  return jobs;
}

/** Where each record must land: its partition and its rank among that partition's records. */
function expectedPlacement(records: WireRecord[]): [number, number][] {
  const next = new Array(PARTITIONS).fill(0);
  return records.map((r) => [r.p, next[r.p]++]);
}

function expectDelivered(delivered: Record<string, ([number, number] | null)[]>, topics: string[]): void {
  for (const topic of topics) expect({ topic, delivered: delivered[topic] }).toEqual({ topic, delivered: expectedPlacement(produced.get(topic)!.records) });
}

/** Compares what a consumer read (from the beginning, or from `timestamp`) with what was produced. */
function expectRecords(consumed: ConsumedRecord[], topics: string[], fromTimestamp: boolean, opts: { timestampType?: boolean } = {}): void {
  const byTopic = new Map<string, ConsumedRecord[]>();
  for (const r of consumed) {
    if (!byTopic.has(r.t)) byTopic.set(r.t, []);
    byTopic.get(r.t)!.push(r);
  }
  expect([...byTopic.keys()].sort()).toEqual([...topics].sort());
  for (const topic of topics) {
    const { records, timestamp } = produced.get(topic)!;
    const want = byPartition(records, PARTITIONS);
    const got = byPartition(byTopic.get(topic)!, PARTITIONS);
    for (let p = 0; p < PARTITIONS; p++) {
      const first = fromTimestamp ? want[p].findIndex((r) => r.ts >= timestamp) : 0;
      expect(first).toBeGreaterThanOrEqual(0);
      const rows = got[p].sort((a, b) => a.o - b.o);
      const where = `${topic}/${p}${fromTimestamp ? ` from ts ${timestamp}` : ""}`;
      expect({ where, offsets: rows.map((r) => r.o) }).toEqual({ where, offsets: want[p].slice(first).map((_, i) => first + i) });
      expect({ where, records: rows.map(comparable) }).toEqual({ where, records: want[p].slice(first).map(comparable) });
      if (opts.timestampType !== false) for (const r of rows) expect(r.tt).toBe(0);
    }
  }
}

/** ListOffsets by timestamp as the client saw it: per partition, the first offset with ts ≥ T. */
function expectOffsetsForTimes(found: Record<string, Record<string, number>>, topics: string[]): void {
  for (const topic of topics) {
    const { records, timestamp } = produced.get(topic)!;
    const want = Object.fromEntries(byPartition(records, PARTITIONS).map((rs, p) => [String(p), rs.findIndex((r) => r.ts >= timestamp)]));
    expect({ topic, offsets: found[topic] }).toEqual({ topic, offsets: want });
  }
}

async function confluent(spec: Record<string, unknown>): Promise<any> {
  return runScript(PYTHON, "pc-confluent.py", { bootstrap: tb.bootstrap, clientId: "pc-confluent", ...spec }, dir, CLIENT_TIMEOUT_MS);
}
async function kafkaPython(spec: Record<string, unknown>): Promise<any> {
  return runScript(PYTHON, "pc-kafka-python.py", { bootstrap: tb.bootstrap, clientId: "pc-kafka-python", ...spec }, dir, CLIENT_TIMEOUT_MS);
}

/** Reads topics with one consumer script, from the beginning and from each topic's timestamp. */
async function consumeWith(run: (spec: Record<string, unknown>) => Promise<any>, topics: string[]): Promise<void> {
  // One timestamp per run: all topics of a producer share the generation clock closely enough, but
  // each topic is checked against its own; use the first topic's and compare against that.
  const timestamp = produced.get(topics[0])!.timestamp;
  for (const t of topics) produced.get(t)!.timestamp = timestamp;
  const res = await run({ mode: "consume", topics: topics.map((topic) => ({ topic, partitions: PARTITIONS })), timestamp });
  expectRecords(res.fromBeginning, topics, false);
  expectOffsetsForTimes(res.offsetsForTimes, topics);
  expectRecords(res.fromTimestamp, topics, true);
}

describe("confluent-kafka-python (librdkafka)", () => {
  test(
    "produces under every codec; reads back itself and (none, gzip) with kafka-python",
    async () => {
      const jobs = await prepare("confluent", ALL_CODECS);
      const res = await confluent({ mode: "produce", jobs });
      expect(res.version).toBe("1.7.0");
      expect(res.errors).toEqual([]);
      expectDelivered(res.delivered, jobs.map((j) => j.topic));
      await consumeWith(confluent, jobs.map((j) => j.topic));
      await consumeWith(kafkaPython, jobs.filter((j) => j.codec === "none" || j.codec === "gzip").map((j) => j.topic));
    },
    TEST_TIMEOUT_MS,
  );
});

describe("kafka-python", () => {
  test(
    "produces none and gzip; reads back itself and with librdkafka",
    async () => {
      const jobs = await prepare("kafka-python", ["none", "gzip"]);
      const res = await kafkaPython({ mode: "produce", jobs });
      expect(res.version).toBe("2.0.2");
      expect(res.errors).toEqual([]);
      expectDelivered(res.delivered, jobs.map((j) => j.topic));
      await consumeWith(kafkaPython, jobs.map((j) => j.topic));
      await consumeWith(confluent, jobs.map((j) => j.topic));
    },
    TEST_TIMEOUT_MS,
  );
});

describe("kafkajs", () => {
  test(
    "produces none and gzip with headers and timestamps; ListOffsets via admin; read by kcat and librdkafka",
    async () => {
      const jobs = await prepare("kafkajs", ["none", "gzip"]);
      const topics = jobs.map((j) => j.topic);
      const timestamp = produced.get(topics[0])!.timestamp;
      for (const t of topics) produced.get(t)!.timestamp = timestamp;
      const res = await runScript(NODE, "pc-kafkajs.mjs", { mode: "produce", bootstrap: tb.bootstrap, clientId: "pc-kafkajs", jobs, timestamp }, dir, CLIENT_TIMEOUT_MS);
      expect(res.version).toBe("2.2.4");
      expectDelivered(res.delivered, topics);
      for (const topic of topics) {
        const counts = byPartition(produced.get(topic)!.records, PARTITIONS).map((rs) => rs.length);
        expect(res.offsets[topic].sort((a: any, b: any) => a.partition - b.partition)).toEqual(counts.map((high, partition) => ({ partition, low: 0, high })));
        const byTs = Object.fromEntries(res.offsetsByTimestamp[topic].map((o: any) => [String(o.partition), o.offset]));
        expectOffsetsForTimes({ [topic]: byTs }, [topic]);
      }
      // kcat (librdkafka) from the beginning, then from the timestamp.
      for (const topic of topics) {
        const all = await kcatConsume(topic, "beginning");
        expectRecords(all, [topic], false, { timestampType: false });
        const later = await kcatConsume(topic, `s@${timestamp}`);
        expectRecords(later, [topic], true, { timestampType: false });
      }
      await consumeWith(confluent, topics);
    },
    TEST_TIMEOUT_MS,
  );
});

describe("@platformatic/kafka", () => {
  test(
    "produces none, gzip, snappy and lz4; reads back with Consumer.fetch/listOffsets and with librdkafka",
    async () => {
      const jobs = await prepare("platformatic", ["none", "gzip", "snappy", "lz4"]);
      const topics = jobs.map((j) => j.topic);
      const platformatic = (spec: Record<string, unknown>) =>
        runScript(NODE, "pc-platformatic.mjs", { bootstrap: tb.bootstrap, clientId: "pc-platformatic", ...spec }, dir, CLIENT_TIMEOUT_MS);
      const res = await platformatic({ mode: "produce", jobs });
      expect(res.version).toBe("1.35.0");
      expectDelivered(res.delivered, topics);
      await consumeWith(platformatic, topics);
      await consumeWith(confluent, topics);
    },
    TEST_TIMEOUT_MS,
  );
});

async function kcatConsume(topic: string, offset: string): Promise<ConsumedRecord[]> {
  const res = await runProc(
    [KCAT, "-C", "-b", tb.bootstrap, "-t", topic, "-o", offset, "-e", "-q", "-X", "client.id=pc-kcat", "-X", "check.crcs=true", "-f", KCAT_FORMAT.replaceAll("\\n", "\n")],
    { timeoutMs: CLIENT_TIMEOUT_MS },
  );
  if (res.exitCode !== 0 || res.timedOut) throw new Error(`kcat -C ${topic}: exit ${res.exitCode} timedOut=${res.timedOut}\n${res.stderr}`);
  // runProc decodes stdout as text; keys and values here are binary, so read it again as bytes.
  return parseKcat(res.stdoutBytes!);
}

describe("kcat (librdkafka)", () => {
  test(
    "produces keyed lines with headers under every codec and reads them back from the beginning and from a timestamp",
    async () => {
      const lines: { key: string; value: string }[] = [];
      for (let i = 0; i < 300; i++) lines.push({ key: `kc-${i}-ключ`, value: `значение ${i} \x01\x7f ${"x".repeat(i % 50)}` });
      const input = lines.map((l) => `${l.key}\t${l.value}\n`).join("");
      const headers: [string, string][] = [
        ["trace", "abc-123"],
        ["ünï", "名前"],
      ];
      for (const codec of ALL_CODECS) {
        const topic = `pc-kcat-${codec}`;
        tb.broker.context.topics.create(topic, PARTITIONS);
        const before = Date.now();
        const prod = await runProc(
          [KCAT, "-P", "-b", tb.bootstrap, "-t", topic, "-K", "\t", "-z", codec, "-X", "client.id=pc-kcat", "-X", "linger.ms=5", ...headers.flatMap(([n, v]) => ["-H", `${n}=${v}`])],
          { timeoutMs: CLIENT_TIMEOUT_MS, stdin: input },
        );
        const after = Date.now();
        expect({ codec, exit: prod.exitCode, timedOut: prod.timedOut, stderr: prod.stderr }).toEqual({ codec, exit: 0, timedOut: false, stderr: "" });
        const got = await kcatConsume(topic, "beginning");
        const enc = (s: string) => Buffer.from(s, "utf8").toString("base64");
        const wantHeaders = headers.map(([n, v]): [string, string] => [n, enc(v)]);
        // librdkafka's partitioner places the keys; each partition must hold its keys in input order,
        // at dense offsets, and all of them together exactly the input.
        const byP = byPartition(got, PARTITIONS);
        for (let p = 0; p < PARTITIONS; p++) {
          const rows = byP[p].sort((a, b) => a.o - b.o);
          expect(rows.map((r) => r.o)).toEqual(rows.map((_, i) => i));
          const indexes = rows.map((r) => Number(Buffer.from(r.k!, "base64").toString().split("-")[1]));
          expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
        }
        expect(got.map((r) => ({ k: r.k, v: r.v, h: r.h })).sort((a, b) => (a.k! < b.k! ? -1 : 1))).toEqual(
          lines.map((l) => ({ k: enc(l.key), v: enc(l.value), h: wantHeaders })).sort((a, b) => (a.k < b.k ? -1 : 1)),
        );
        for (const r of got) {
          expect(r.ts).toBeGreaterThanOrEqual(before - 1);
          expect(r.ts).toBeLessThanOrEqual(after + 1);
        }
        // From a timestamp: per partition, everything from the first record with ts ≥ T.
        const sortedTs = got.map((r) => r.ts).sort((a, b) => a - b);
        const t = sortedTs[Math.floor(sortedTs.length / 2)];
        const later = await kcatConsume(topic, `s@${t}`);
        const want = byP.flatMap((rows) => {
          const i = rows.findIndex((r) => r.ts >= t);
          return i < 0 ? [] : rows.slice(i);
        });
        const key = (r: ConsumedRecord) => `${r.p}/${r.o}`;
        expect(later.map(key).sort()).toEqual(want.map(key).sort());
        expect(later.map(comparable).sort((a, b) => (a.k! < b.k! ? -1 : 1))).toEqual(want.map(comparable).sort((a, b) => (a.k! < b.k! ? -1 : 1)));
      }
    },
    TEST_TIMEOUT_MS,
  );
});

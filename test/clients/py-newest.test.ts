/**
 * The Python clients at their newest PyPI releases, pinned in test/clients/python/requirements.txt
 * and installed by test/clients/python/venv.sh (.ci/run runs it; the test runs it too, a no-op when
 * the venv is cached): kafka-python 3.x and the newest 2.x (in a venv of its own), aiokafka and confluent-kafka-python 2.x (librdkafka 2.16;
 * this suite covers its classic-protocol side: the KIP-848, transaction and schema registry suites
 * cover the rest), against one in-process broker.
 *
 * Each script (test/clients/scripts/newest-*.py) exercises what its client offers and prints what
 * it observed; this file asserts it: admin (create topics with configs, metadata, describe configs,
 * create partitions, describe cluster, list/describe groups, committed offsets, list transactions,
 * delete topics); produce and consume under every codec (none, gzip, snappy, lz4, zstd) with an
 * idempotent producer, keys, headers (one empty) and explicit CreateTime timestamps, ListOffsets by
 * time, earliest and latest; seek, seek-to-end and auto_offset_reset=none; consumer groups with every
 * assignor the client ships (two members each, commits; the range group with static members); a
 * committed and an aborted transaction read with both isolation levels (aiokafka also commits the
 * consumer's offsets inside the transaction, consume-transform-produce). The API versions each
 * client negotiated are printed at the end (they are the README's client table rows).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { recordApiVersions, runProc, runScript, versionsUsed } from "./scripts/pc-common.ts";

const CODECS = ["none", "gzip", "snappy", "lz4", "zstd"];
const N = 40;
const SCRIPT_TIMEOUT_MS = 150_000;
const TEST_TIMEOUT_MS = 200_000;

let tb: TestBroker;
let dir: string;
let python: string;
/** kafka-python 2.x (its own venv: requirements-kafka-python2.txt). */
let python2: string;
let seen: ReturnType<typeof recordApiVersions>;
/** group id → the group instance ids its JoinGroup requests carried. */
const instanceIds = new Map<string, Set<string | null>>();

beforeAll(async () => {
  const venv = async (...args: string[]) => {
    const r = await runProc(["bash", `${import.meta.dir}/python/venv.sh`, ...args], { timeoutMs: 300_000 });
    if (r.exitCode !== 0) throw new Error(`venv.sh ${args.join(" ")} failed: ${r.stderr}`);
    return r.stdout.trim().split("\n").pop()!;
  };
  python = await venv();
  python2 = await venv("requirements-kafka-python2.txt");
  tb = await startTestBroker();
  seen = recordApiVersions(tb);
  tb.broker.context.middleware.use({
    name: "join-group-instance-ids",
    handle(ctx, req, next) {
      if (ctx.api.name === "JoinGroup") {
        const r = req as { groupId: string; groupInstanceId?: string | null };
        if (!instanceIds.has(r.groupId)) instanceIds.set(r.groupId, new Set());
        instanceIds.get(r.groupId)!.add(r.groupInstanceId ?? null);
      }
      return next();
    },
  });
  dir = tempDir("takhin-pynew-");
});
afterAll(async () => {
  for (const client of ["newest-kafka-python3", "newest-kafka-python2", "newest-aiokafka", "newest-confluent"]) console.log(`${client} API versions: ${JSON.stringify(versionsUsed(seen, client))}`);
  await tb?.stop();
  if (tb) removeDir(tb.dataDir);
  if (dir) removeDir(dir);
});

/** The records each script produced to a codec topic: record i on partition i % 2 at offset ⌊i/2⌋. */
function expectedRecords(codec: string, baseTs: number): unknown[] {
  const out = [];
  for (let i = 0; i < N; i++) {
    out.push({ p: i % 2, o: Math.floor(i / 2), k: `k${i}`, v: `v${i}-${"x".repeat(i * 50)}`, h: [["h", `${codec}${i}`], ["n", ""]], ts: baseTs + i, tt: 0 });
  }
  return out.sort((a, b) => a.p - b.p || a.o - b.o);
}

/** What both scripts report the same way. */
function expectCommon(res: any, prefix: string): void {
  const topics = [...CODECS, "groups", "grow", "cfg"].map((t) => `${prefix}-${t}`);
  for (const t of topics) expect(res.listTopics).toContain(t);
  expect(res.describeTopics).toEqual([{ topic: `${prefix}-groups`, partitions: 6 }]);
  expect(res.growPartitions).toBe(3);
  expect(res.afterDelete).toBe(false);
  for (const codec of CODECS) {
    const got = res.codecs[codec];
    const where = `${prefix} ${codec}`;
    expect({ where, delivered: got.delivered }).toEqual({ where, delivered: Array.from({ length: N }, (_, i) => [i % 2, Math.floor(i / 2)]) });
    // Every record carries baseTs + i; recover baseTs from record 0 and check them all against it.
    const baseTs = got.records.find((r: any) => r.k === "k0").ts;
    expect({ where, records: got.records }).toEqual({ where, records: expectedRecords(codec, baseTs) });
    // The first record with ts ≥ baseTs + 20 is record 20: offset 10 on both partitions.
    expect({ where, offsetsForTimes: got.offsetsForTimes, end: got.end, begin: got.begin }).toEqual({ where, offsetsForTimes: { "0": 10, "1": 10 }, end: { "0": 20, "1": 20 }, begin: { "0": 0, "1": 0 } });
  }
  expect(res.seeks.latest).toBe(20);
  expect(res.seeks.afterSeek5).toBe(5);
}

/** Two members of one group: both assigned, disjointly, all 6 partitions; all 60 records once; all committed. */
function expectGroup(name: string, g: any, want?: number[][]): void {
  const [a, b] = g.assigned as number[][];
  expect({ name, a: a.length > 0, b: b.length > 0 }).toEqual({ name, a: true, b: true });
  expect({ name, all: [...a, ...b].sort() }).toEqual({ name, all: [0, 1, 2, 3, 4, 5] });
  if (want) expect({ name, assigned: [a, b].sort() }).toEqual({ name, assigned: want });
  expect({ name, consumed: g.consumed, dupes: g.dupes }).toEqual({ name, consumed: 60, dupes: 0 });
  expect({ name, committed: g.committed }).toEqual({ name, committed: Object.fromEntries([0, 1, 2, 3, 4, 5].map((p) => [String(p), 10])) });
  expect({ name, state: g.described.state, protocolType: g.described.protocolType, protocol: g.described.protocol }).toEqual({ name, state: "Stable", protocolType: "consumer", protocol: name });
  expect(g.described.members.length).toBe(2);
}

/** kafka-python 3.x (the newest release) and 2.x (the newest of the 2 line): one script, their differences asserted. */
async function kafkaPythonSuite(py: string, version: string, prefix: string): Promise<void> {
  const v3 = version.startsWith("3.");
  const clientId = `newest-kafka-python${version[0]}`;
  const res = await runScript(py, "newest-kafka-python.py", { bootstrap: tb.bootstrap, clientId, prefix }, dir, SCRIPT_TIMEOUT_MS);
  expect(res.version).toBe(version);
  expectCommon(res, prefix);
  expect(res.describeConfigs["retention.ms"]).toMatchObject({ value: "123456789", config_source: "DYNAMIC_TOPIC_CONFIG" });
  expect(res.describeConfigs["cleanup.policy"]).toMatchObject({ value: "delete", config_source: "DEFAULT_CONFIG" });
  expect(res.seeks.resetNone).toBe("NoOffsetForPartitionError");
  const assignors = v3 ? ["range", "roundrobin", "sticky", "cooperative-sticky"] : ["range", "roundrobin", "sticky"];
  expect(Object.keys(res.groups)).toEqual(assignors);
  for (const [name, g] of Object.entries<any>(res.groups)) {
    expect({ name, errors: g.errors }).toEqual({ name, errors: [] });
    expectGroup(name, g, name === "range" ? [[0, 1, 2], [3, 4, 5]] : name === "roundrobin" ? [[0, 2, 4], [1, 3, 5]] : undefined);
  }
  // Static members: JoinGroup carried their instance ids; 3.x's DescribeGroups v5 shows them too.
  expect([...instanceIds.get(`${prefix}-g-range`)!].sort()).toEqual([`${prefix}-g-range-static-0`, `${prefix}-g-range-static-1`]);
  expect([...instanceIds.get(`${prefix}-g-sticky`)!]).toEqual([null]);
  if (v3) {
    expect(res.groups.range.described.members.map((m: any) => m[0])).toEqual([`${prefix}-g-range-static-0`, `${prefix}-g-range-static-1`]);
    for (const name of ["roundrobin", "sticky", "cooperative-sticky"]) expect(res.groups[name].described.members.map((m: any) => m[0])).toEqual([null, null]);
  }
  expect(res.listGroups).toEqual(assignors.map((n) => [`${prefix}-g-${n}`, "consumer", "classic"]).sort());
  expect(res.txn.read_committed).toEqual([0, 1, 2, 3, 4].map((i) => `commit${i}`));
  expect(res.txn.read_uncommitted).toEqual([...[0, 1, 2, 3, 4].map((i) => `commit${i}`), ...[0, 1, 2].map((i) => `abort${i}`)]);
  if (v3) expect(res.listTransactions).toEqual([[`${prefix}-tx`, "CompleteAbort"]]);
  else expect(res.listTransactions).toContain("kafka-python 2.x has no list_transactions");
  const used = versionsUsed(seen, clientId);
  const apis = ["InitProducerId", "AddPartitionsToTxn", "EndTxn", "JoinGroup", "SyncGroup", "OffsetCommit", "OffsetFetch", "DescribeConfigs", "CreatePartitions"];
  for (const api of v3 ? [...apis, "ListTransactions"] : apis) expect({ api, used: used[api] !== undefined }).toEqual({ api, used: true });
}

describe("kafka-python (newest: 3.x)", () => {
  test(
    "admin, every codec idempotently, headers, timestamps, seeks, four assignors, static members, transactions",
    () => kafkaPythonSuite(python, "3.0.12", "kp"),
    TEST_TIMEOUT_MS,
  );
});

describe("kafka-python (newest 2.x)", () => {
  test(
    "admin, every codec idempotently, headers, timestamps, seeks, three assignors, static members, transactions",
    () => kafkaPythonSuite(python2, "2.3.3", "kq"),
    TEST_TIMEOUT_MS,
  );
});

describe("aiokafka (newest)", () => {
  test(
    "admin, every codec idempotently, headers, timestamps, seeks, three assignors, static members, consume-transform-produce",
    async () => {
      const prefix = "aio";
      const res = await runScript(python, "newest-aiokafka.py", { bootstrap: tb.bootstrap, clientId: "newest-aiokafka", prefix }, dir, SCRIPT_TIMEOUT_MS);
      expect(res.version).toBe("0.14.0");
      expectCommon(res, prefix);
      expect(res.createTopics.every(([, code]: [string, number]) => code === 0)).toBe(true);
      expect(res.describeConfigs).toEqual({ "retention.ms": "123456789" });
      expect(res.describeCluster).toEqual({ brokers: 1 });
      expect(res.seeks.seekToEnd).toBe(20);
      expect(res.seeks.resetNone).toBe("OffsetOutOfRangeError");
      expect(Object.keys(res.groups)).toEqual(["range", "roundrobin", "sticky"]);
      for (const [name, g] of Object.entries<any>(res.groups)) expectGroup(name, g, name === "range" ? [[0, 1, 2], [3, 4, 5]] : name === "roundrobin" ? [[0, 2, 4], [1, 3, 5]] : undefined);
      // aiokafka's DescribeGroups is v3 (no instance ids); its JoinGroup v5 carried them.
      expect([...instanceIds.get(`${prefix}-g-range`)!].sort()).toEqual([`${prefix}-g-range-static-0`, `${prefix}-g-range-static-1`]);
      expect([...instanceIds.get(`${prefix}-g-sticky`)!]).toEqual([null]);
      expect(res.listGroups).toEqual(["range", "roundrobin", "sticky"].map((n) => [`${prefix}-g-${n}`, "consumer"]).sort());
      // The committed transaction's outputs and offsets count; the aborted one's do not.
      expect(res.txn.committedOffset).toBe(6);
      expect(res.txn.read_committed).toEqual([0, 1, 2, 3, 4, 5].map((i) => `IN${i}`));
      expect(res.txn.read_uncommitted).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `IN${i}`));
      expect(res.deleteTopics).toEqual([[`${prefix}-grow`, 0]]);
      const used = versionsUsed(seen, "newest-aiokafka");
      for (const api of ["InitProducerId", "AddPartitionsToTxn", "AddOffsetsToTxn", "TxnOffsetCommit", "EndTxn", "JoinGroup", "Heartbeat"]) expect(used[api]).toBeDefined();
      expect(used.JoinGroup.every((v) => v >= 5)).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );
});

describe("confluent-kafka-python 2.x (librdkafka 2.16, classic protocol)", () => {
  test(
    "admin, every codec idempotently, headers, timestamps, seeks, three assignors, static members",
    async () => {
      const prefix = "ck";
      const res = await runScript(python, "newest-confluent.py", { bootstrap: tb.bootstrap, clientId: "newest-confluent", prefix }, dir, SCRIPT_TIMEOUT_MS);
      expect(res.version).toBe("2.16.1");
      expect(res.librdkafka).toBe("2.16.0");
      expectCommon(res, prefix);
      // Config sources as librdkafka numbers them: 1 DYNAMIC_TOPIC_CONFIG, 5 DEFAULT_CONFIG.
      expect(res.describeConfigs).toEqual({ "retention.ms": ["123456789", 1], "cleanup.policy": ["compact", 1], "segment.bytes": ["1073741824", 5] });
      expect(res.describeCluster).toEqual({ brokers: 1 });
      for (const codec of CODECS) {
        // ListOffsets MAX_TIMESTAMP (KIP-734): the last record of each partition, i = 38 and 39.
        const baseTs = res.codecs[codec].records.find((r: any) => r.k === "k0").ts;
        expect({ codec, max: res.codecs[codec].maxTimestamp }).toEqual({ codec, max: { "0": [19, baseTs + 38], "1": [19, baseTs + 39] } });
      }
      expect(res.seeks.afterSeek12).toBe(12);
      expect(res.seeks.resetError).toBe("_AUTO_OFFSET_RESET");
      expect(Object.keys(res.groups)).toEqual(["range", "roundrobin", "cooperative-sticky"]);
      for (const [name, g] of Object.entries<any>(res.groups)) {
        expectGroup(name, { ...g, described: { ...g.described, state: g.described.state === "STABLE" ? "Stable" : g.described.state, protocolType: "consumer" } }, name === "range" ? [[0, 1, 2], [3, 4, 5]] : name === "roundrobin" ? [[0, 2, 4], [1, 3, 5]] : undefined);
      }
      expect(res.groups.range.described.members).toEqual([[`${prefix}-g-range-static-0`, [0, 1, 2]], [`${prefix}-g-range-static-1`, [3, 4, 5]]]);
      expect(res.groups.roundrobin.described.members.map((m: any) => m[0])).toEqual([null, null]);
      // Static members do not leave on close (Kafka's rule): the range group stays Stable.
      expect(res.listGroups).toEqual([[`${prefix}-g-cooperative-sticky`, "EMPTY", "CLASSIC"], [`${prefix}-g-range`, "STABLE", "CLASSIC"], [`${prefix}-g-roundrobin`, "EMPTY", "CLASSIC"]]);
      const used = versionsUsed(seen, "newest-confluent");
      for (const api of ["InitProducerId", "JoinGroup", "SyncGroup", "Heartbeat", "OffsetCommit", "OffsetFetch", "DescribeGroups", "ListGroups", "IncrementalAlterConfigs", "ListOffsets"]) expect({ api, used: used[api] !== undefined }).toEqual({ api, used: true });
    },
    TEST_TIMEOUT_MS,
  );
});

/**
 * KIP-848 consumer groups with librdkafka 2.16 (confluent-kafka-python 2.16.1 from PyPI, in the
 * pinned venv test/schema-registry/python/venv.sh makes — shared with the Schema Registry suites),
 * group.protocol=consumer: member processes (scripts/kip848-member-confluent.py) join and leave an
 * in-process Takhin's group, one is SIGKILLed (its partitions move after the session timeout), no
 * partition ever has two owners (CLOCK_MONOTONIC-stamped callbacks of every member, checked as in
 * kip848-java.test.ts), commits resume after a broker restart, and a regex subscription picks up a
 * topic created later.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { checkNoTwoOwners as checkOwners, events, owned, produce, spawnLines, until as waitUntil, type Member } from "./kip848-harness.ts";

const SESSION_MS = 6000;
const WAIT_MS = 60_000;
const T = "k848r-orders";
const PARTITIONS = 6;
const PER_PARTITION = 50;
const GROUP = "k848-librdkafka";
const SCRIPT = join(import.meta.dir, "scripts", "kip848-member-confluent.py");
const VENV_SH = join(import.meta.dir, "..", "schema-registry", "python", "venv.sh");

const dataDir = tempDir();
let tb: TestBroker;
let python = "";
const overrides = { groupConsumerSessionTimeoutMs: SESSION_MS, groupConsumerHeartbeatIntervalMs: 500, groupInitialRebalanceDelayMs: 0 };
const members: Member[] = [];

beforeAll(async () => {
  const venv = Bun.spawnSync(["bash", VENV_SH], { stdout: "pipe", stderr: "pipe" });
  if (venv.exitCode !== 0) throw new Error(`venv: ${venv.stderr}`);
  python = venv.stdout.toString().trim();
  tb = await startTestBroker(overrides, dataDir);
  tb.broker.context.topics.create(T, PARTITIONS);
  await produce(tb.port, T, PARTITIONS, PER_PARTITION, 0);
}, 120_000);

afterAll(async () => {
  for (const m of members) await m.proc.stop(5000).catch(() => {});
  await tb.stop();
  removeDir(dataDir);
});

function start(name: string, sub: string, assignor = "uniform", group = GROUP): Member {
  const m: Member = { name, proc: spawnLines([python, SCRIPT, tb.bootstrap, group, sub, assignor]), killedAt: null };
  members.push(m);
  return m;
}
const until = (what: string, pred: () => boolean, timeoutMs = WAIT_MS) => waitUntil(what, pred, members, timeoutMs);
const union = (ms: Member[]) => new Set(ms.flatMap((m) => [...owned(m)]));
const balanced = (ms: Member[]) => union(ms).size === PARTITIONS && ms.every((m) => owned(m).size === PARTITIONS / ms.length) && ms.reduce((n, m) => n + owned(m).size, 0) === PARTITIONS;

describe("librdkafka 2.16 (confluent-kafka-python), group.protocol=consumer", () => {
  test(
    "members join and leave, a SIGKILLed member's partitions move after its session timeout, never two owners",
    async () => {
      const a = start("a", T);
      await until("a owns every partition", () => owned(a).size === PARTITIONS);
      const b = start("b", T);
      const c = start("c", T);
      await until("a, b, c own two each", () => balanced([a, b, c]));
      const described = tb.broker.context.groups.consumerGroupDescribe(GROUP);
      expect(described.members.map((m) => m.clientId)).toEqual(["kip848-librdkafka", "kip848-librdkafka", "kip848-librdkafka"]);
      expect(described.groupState).toBe("Stable");

      await c.proc.stop();
      await until("a, b own three each after c left", () => balanced([a, b]));
      const d = start("d", T);
      await until("a, b, d own two each", () => balanced([a, b, d]));
      const killedAt = process.hrtime.bigint();
      await b.proc.kill();
      b.killedAt = killedAt;
      const t0 = Date.now();
      await until("a, d own three each after b's session expired", () => balanced([a, d]), SESSION_MS + WAIT_MS);
      console.log(`librdkafka: b's partitions reassigned ${Date.now() - t0} ms after SIGKILL (session timeout ${SESSION_MS} ms)`);

      const consumed = () => new Set(members.flatMap((m) => events(m).filter((e) => e.event === "record").map((e) => `${e.partition}:${e.offset}`))).size;
      await until("all records consumed", () => consumed() === PARTITIONS * PER_PARTITION);
      // each member commits after every batch: wait for the committed offsets to reach the end
      const committed = () => tb.broker.context.groups.fetchOffsets(GROUP, [{ name: T, partitions: [0, 1, 2, 3, 4, 5] }]).topics[0]!.partitions.map((p) => Number(p.entry?.offset ?? -1));
      await until("offsets committed at the end", () => committed().every((o) => o === PER_PARTITION));
      await a.proc.stop();
      await d.proc.stop();
      const r = checkOwners(members);
      console.log(`librdkafka: ownership intervals checked: ${r.intervals} over ${r.partitions} partitions`);
      expect(r.partitions).toBe(PARTITIONS);
    },
    300_000,
  );

  test(
    "commits resume after a broker restart",
    async () => {
      await tb.stop();
      tb = await startTestBroker(overrides, dataDir);
      await produce(tb.port, T, PARTITIONS, 10, PER_PARTITION);
      const e = start("e", T);
      await until("e consumed the new records", () => events(e).filter((x) => x.event === "record").length >= PARTITIONS * 10);
      await Bun.sleep(1000);
      const recs = events(e).filter((x) => x.event === "record");
      expect(recs.length).toBe(PARTITIONS * 10);
      expect(recs.every((x) => x.offset >= PER_PARTITION)).toBe(true);
      await e.proc.stop();
      checkOwners(members);
    },
    180_000,
  );

  test(
    "a regex subscription picks up a topic created later",
    async () => {
      tb.broker.context.topics.create("k848r-rx-1", 2);
      const r = start("r", "regex:k848r-rx-.*", "range", "k848r-regex");
      await until("r owns k848r-rx-1", () => owned(r).size === 2);
      tb.broker.context.topics.create("k848r-rx-2", 3);
      tb.broker.context.topics.create("k848r-other", 1);
      await until("r owns k848r-rx-2 too", () => owned(r).size === 5);
      expect([...owned(r)].sort()).toEqual(["k848r-rx-1:0", "k848r-rx-1:1", "k848r-rx-2:0", "k848r-rx-2:1", "k848r-rx-2:2"]);
      const g = tb.broker.context.groups.consumerGroupDescribe("k848r-regex");
      console.log(`librdkafka regex subscription as the broker sees it: names ${JSON.stringify(g.members[0]?.subscribedTopicNames)} regex ${g.members[0]?.subscribedTopicRegex}`);
      await r.proc.stop();
    },
    180_000,
  );
});

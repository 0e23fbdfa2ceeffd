/**
 * KIP-848 consumer groups with the Apache Kafka Java client 4.4 (kafka-clients as peer/kafka pins it,
 * group.protocol=consumer): member processes (test/java/Kip848Member.java) join and leave an in-process
 * Takhin's group, one is SIGKILLed, a regex subscription (SubscriptionPattern, resolved by the broker)
 * picks up a topic created later, offsets committed before a broker restart are where a new member
 * resumes, and Kafka's kafka-consumer-groups --describe shows the members and their offsets.
 *
 * No two owners, ever: every member logs assigned / revoked / lost with System.nanoTime()
 * (CLOCK_MONOTONIC, one clock for all processes of the machine); each partition's ownership
 * intervals, a SIGKILLed member's ending at its kill, must not overlap.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { explain, runJava, spawnJava, suiteClasspath } from "../java/java.ts";
import { checkNoTwoOwners as checkOwners, events, owned, produce as produceTo, until as waitUntil, type Member } from "./kip848-harness.ts";

const GROUPS_TOOL = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
const SESSION_MS = 6000;
const WAIT_MS = 60_000;
const T = "k848-orders";
const PARTITIONS = 6;
const PER_PARTITION = 50;
const GROUP = "k848-java";

const dataDir = tempDir();
let tb: TestBroker;
let classpath = "";
const overrides = { groupConsumerSessionTimeoutMs: SESSION_MS, groupConsumerHeartbeatIntervalMs: 500, groupInitialRebalanceDelayMs: 0 };

beforeAll(async () => {
  classpath = suiteClasspath();
  tb = await startTestBroker(overrides, dataDir);
  tb.broker.context.topics.create(T, PARTITIONS);
  await produceTo(tb.port, T, PARTITIONS, PER_PARTITION, 0);
}, 120_000);

afterAll(async () => {
  for (const m of members) await m.proc.stop(5000).catch(() => {});
  await tb.stop();
  removeDir(dataDir);
});

const members: Member[] = [];

function start(name: string, sub: string, assignor = "uniform", group = GROUP, instance = "-"): Member {
  const m: Member = { name, proc: spawnJava("Kip848Member", [tb.bootstrap, group, sub, assignor, instance], { classpath }), killedAt: null };
  members.push(m);
  return m;
}

const until = (what: string, pred: () => boolean, timeoutMs = WAIT_MS) => waitUntil(what, pred, members, timeoutMs);
const checkNoTwoOwners = () => checkOwners(members);

const all = Array.from({ length: PARTITIONS }, (_, p) => `${T}:${p}`);
const union = (ms: Member[]) => new Set(ms.flatMap((m) => [...owned(m)]));
const balanced = (ms: Member[]) => union(ms).size === PARTITIONS && ms.every((m) => owned(m).size === PARTITIONS / ms.length) && ms.reduce((n, m) => n + owned(m).size, 0) === PARTITIONS;

async function describeGroup(args: string[], command = ["--describe", "--group", GROUP]): Promise<Record<string, string>[]> {
  const run = await runJava(GROUPS_TOOL, ["--bootstrap-server", tb.bootstrap, ...command, ...args], { classpath, timeoutMs: 60_000 });
  if (run.exitCode !== 0) throw new Error(explain(run));
  const lines = run.stdout.split("\n").filter((l) => l.trim() !== "");
  const start = lines.findIndex((l) => l.trim().startsWith("GROUP"));
  if (start < 0) throw new Error(`no table: ${explain(run)}`);
  const cols = lines[start]!.trim().split(/\s+/);
  return lines.slice(start + 1).map((l) => l.trim().split(/\s+/)).filter((c) => c.length === cols.length).map((c) => Object.fromEntries(cols.map((k, i) => [k, c[i]!])));
}

describe("Java client 4.4, group.protocol=consumer", () => {
  test(
    "members join and leave, a SIGKILLed member's partitions move after its session timeout, never two owners; kafka-consumer-groups shows the members",
    async () => {
      const a = start("a", T);
      await until("a owns every partition", () => owned(a).size === PARTITIONS);
      const b = start("b", T);
      const c = start("c", T);
      await until("a, b, c own two each", () => balanced([a, b, c]));
      const rows = await describeGroup(["--members"]);
      expect(rows.length).toBe(3);
      expect(rows.every((r) => r["#PARTITIONS"] === "2" && r["CLIENT-ID"] === "kip848-member" && r.HOST === "/127.0.0.1")).toBe(true);
      const state = await describeGroup(["--state"]);
      expect(state[0]).toMatchObject({ GROUP, "ASSIGNMENT-STRATEGY": "uniform", STATE: "Stable", "#MEMBERS": "3" });
      // ListGroups v5: the group's type
      const listed = await describeGroup(["--type", "consumer"], ["--list"]);
      expect(listed.find((r) => r.GROUP === GROUP)).toEqual({ GROUP, TYPE: "Consumer" });
      expect((await describeGroup(["--type", "classic"], ["--list"])).find((r) => r.GROUP === GROUP)).toBeUndefined();

      await c.proc.stop(); // leaves the group
      await until("a, b own three each after c left", () => balanced([a, b]));
      const d = start("d", T);
      await until("a, b, d own two each", () => balanced([a, b, d]));
      const killedAt = process.hrtime.bigint();
      await b.proc.kill();
      b.killedAt = killedAt;
      const t0 = Date.now();
      await until("a, d own three each after b's session expired", () => balanced([a, d]), SESSION_MS + WAIT_MS);
      console.log(`b's partitions reassigned ${Date.now() - t0} ms after SIGKILL (session timeout ${SESSION_MS} ms)`);
      // Not before b's session expired (a lower bound only: b's last heartbeat was at most one interval before the kill).
      expect(Date.now() - t0).toBeGreaterThanOrEqual(SESSION_MS - 1000);

      // every record consumed and committed: the tool shows lag 0 on every partition, with a member as consumer
      const consumed = () => new Set(members.flatMap((m) => events(m).filter((e) => e.event === "record").map((e) => `${e.partition}:${e.offset}`))).size;
      await until("all records consumed", () => consumed() === PARTITIONS * PER_PARTITION);
      let offsets: Record<string, string>[] = [];
      for (let i = 0; i < 20; i++) {
        offsets = await describeGroup([]);
        if (offsets.length === PARTITIONS && offsets.every((r) => r["CURRENT-OFFSET"] === String(PER_PARTITION))) break;
        await Bun.sleep(500);
      }
      expect(offsets.map((r) => [r.TOPIC, r.PARTITION, r["CURRENT-OFFSET"], r.LAG]).sort()).toEqual(all.map((_, p) => [T, String(p), String(PER_PARTITION), "0"]).sort());
      expect(offsets.every((r) => r["CONSUMER-ID"] !== "-")).toBe(true);

      await a.proc.stop();
      await d.proc.stop();
      const r = checkNoTwoOwners();
      console.log(`ownership intervals checked: ${r.intervals} over ${r.partitions} partitions`);
      expect(r.partitions).toBe(PARTITIONS);
    },
    300_000,
  );

  test(
    "commits resume after a broker restart",
    async () => {
      await tb.stop();
      tb = await startTestBroker(overrides, dataDir);
      await produceTo(tb.port, T, PARTITIONS, 10, PER_PARTITION);
      const e = start("e", T);
      await until("e consumed the new records", () => events(e).filter((x) => x.event === "record").length >= PARTITIONS * 10);
      await Bun.sleep(1000);
      const recs = events(e).filter((x) => x.event === "record");
      // exactly the records after the committed offsets: none of the first PER_PARTITION again
      expect(recs.length).toBe(PARTITIONS * 10);
      expect(recs.every((x) => x.offset >= PER_PARTITION)).toBe(true);
      await e.proc.stop();
      checkNoTwoOwners();
    },
    180_000,
  );

  test(
    "a regex subscription (broker-side, RE2/J syntax) picks up a topic created later",
    async () => {
      tb.broker.context.topics.create("k848-rx-1", 2);
      const r = start("r", "regex:k848-rx-.*", "range", "k848-regex");
      await until("r owns k848-rx-1", () => owned(r).size === 2);
      tb.broker.context.topics.create("k848-rx-2", 3);
      tb.broker.context.topics.create("k848-other", 1);
      await until("r owns k848-rx-2 too", () => owned(r).size === 5);
      expect([...owned(r)].sort()).toEqual(["k848-rx-1:0", "k848-rx-1:1", "k848-rx-2:0", "k848-rx-2:1", "k848-rx-2:2"]);
      await r.proc.stop();
    },
    180_000,
  );
});

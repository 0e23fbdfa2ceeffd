/**
 * Real consumer-group clients against an in-process broker (short initial rebalance delay):
 * confluent-kafka-python with the range, roundrobin and cooperative-sticky assignors, kcat -G,
 * kafkajs, @platformatic/kafka and kafka-python. Scenarios: 3 members on 6 partitions get 2 each and
 * read every record once; a member that leaves or dies is replaced with every partition owned; a
 * static member restarted within its session timeout causes no rebalance; after a crash exactly the
 * uncommitted tail is delivered again; a restarted consumer starts from the committed offsets;
 * kcat -G -e members exit by themselves once they reach the end. The group API versions each client
 * used are printed at the end. Each client runs as a subprocess killed at its timeout.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { removeDir, type TestBroker } from "../helpers/broker.ts";
import { KCAT, NODE, PYTHON, runClient, SCRIPTS_DIR, type RunResult } from "./clients.ts";
import { formatApiVersions, recordGroupApiVersions, startGroupBroker } from "./scripts/groups-harness.ts";
import { join } from "node:path";

const CLIENT_TIMEOUT_MS = 60_000;
const PARTITIONS = 6;
const PER_PARTITION = 10;
const TOTAL = PARTITIONS * PER_PARTITION;

let tb: TestBroker;
let apiVersions: ReturnType<typeof recordGroupApiVersions>;
beforeAll(async () => {
  tb = await startGroupBroker({ initialRebalanceDelayMs: 200 });
  apiVersions = recordGroupApiVersions(tb.broker);
});
afterAll(async () => {
  console.log(`group API versions used, by client:\n${formatApiVersions(apiVersions)}`);
  await tb.stop();
  removeDir(tb.dataDir);
});

function topicWithRecords(name: string, partitions = PARTITIONS, perPartition = PER_PARTITION): void {
  tb.broker.context.topics.create(name, partitions);
  const enc = new TextEncoder();
  for (let p = 0; p < partitions; p++) {
    const part = tb.broker.context.partitions.get(name, p)!;
    const records = Array.from({ length: perPartition }, (_, i) => ({ key: enc.encode(`k${p}`), value: enc.encode(`v${p}-${i}`) }));
    expect(part.appendProduced(buildRecordBatch({ records }), Date.now()).errorCode).toBe(0);
  }
}

function json(r: RunResult): any {
  const line = r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (r.timedOut || !line) throw new Error(`client failed (exit ${r.exitCode}, timedOut ${r.timedOut})\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-3000)}`);
  return JSON.parse(line);
}

const generation = (group: string) => tb.broker.context.groups.coordinator.get(group)?.generationId;
const committed = (group: string, topic: string, p: number) => tb.broker.context.groups.coordinator.offsets.get(group, topic, p)?.offset;

function expectTwoEach(assignments: number[][]): void {
  expect(assignments.map((a) => a.length)).toEqual([2, 2, 2]);
  expect(assignments.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
}

describe("confluent-kafka-python", () => {
  for (const assignor of ["range", "roundrobin", "cooperative-sticky"]) {
    test(`${assignor}: 3 members share 6 partitions, read every record once; after one leaves the other two own all`, async () => {
      const topic = `cf-${assignor}`;
      topicWithRecords(topic);
      const out = json(await runClient([PYTHON, join(SCRIPTS_DIR, "groups-confluent.py"), tb.bootstrap, "three", topic, `g-${topic}`, assignor, String(TOTAL)], CLIENT_TIMEOUT_MS));
      console.log(`confluent ${assignor}: ${JSON.stringify(out)} generation ${generation(`g-${topic}`)}`);
      expectTwoEach(out.assignments);
      expect(out.distinct).toBe(TOTAL);
      expect(out.duplicates).toBe(0);
      expect(out.afterLeave.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
      for (let p = 0; p < PARTITIONS; p++) expect(committed(`g-${topic}`, topic, p)).toBe(BigInt(PER_PARTITION));
    }, CLIENT_TIMEOUT_MS + 5000);
  }

  test("a static member restarted within its session timeout causes no rebalance", async () => {
    const topic = "cf-static";
    topicWithRecords(topic);
    const out = json(await runClient([PYTHON, join(SCRIPTS_DIR, "groups-confluent.py"), tb.bootstrap, "static", topic, "g-cf-static", "range", String(TOTAL)], CLIENT_TIMEOUT_MS));
    console.log(`confluent static: ${JSON.stringify(out)} generation ${generation("g-cf-static")}`);
    expect(out.first).toEqual([0, 1, 2, 3, 4, 5]);
    expect(out.second).toEqual([0, 1, 2, 3, 4, 5]);
    expect(generation("g-cf-static")).toBe(1);
  }, CLIENT_TIMEOUT_MS + 5000);

  test("after a crash exactly the uncommitted tail is delivered again", async () => {
    const topic = "cf-crash";
    topicWithRecords(topic, 1, 40);
    const args = (mode: string) => [PYTHON, join(SCRIPTS_DIR, "groups-confluent.py"), tb.bootstrap, mode, topic, "g-cf-crash", "range", "40"];
    const first = json(await runClient(args("crash"), CLIENT_TIMEOUT_MS));
    expect(first.offsets).toEqual([...Array(20).keys()]);
    expect(committed("g-cf-crash", topic, 0)).toBe(20n);
    const second = json(await runClient(args("resume"), CLIENT_TIMEOUT_MS));
    expect(second.offsets).toEqual([...Array(20).keys()].map((i) => i + 20));
  }, 2 * CLIENT_TIMEOUT_MS + 5000);
});

/** A long-running subprocess whose stdout/stderr are collected as they arrive. */
function spawnCollecting(argv: string[]) {
  const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const state = { stdout: "", stderr: "", proc };
  const pump = async (s: ReadableStream<Uint8Array>, k: "stdout" | "stderr") => {
    const d = new TextDecoder();
    for await (const chunk of s) state[k] += d.decode(chunk);
  };
  void pump(proc.stdout as ReadableStream<Uint8Array>, "stdout");
  void pump(proc.stderr as ReadableStream<Uint8Array>, "stderr");
  return state;
}

/** kcat's latest "% Group g rebalanced ...: assigned: t [0], t [1]" line, as partition numbers (null after a revoke). */
function kcatAssignment(stderr: string): number[] | null {
  const lines = stderr.split("\n").filter((l) => l.includes("rebalanced"));
  const last = lines[lines.length - 1];
  if (!last || !last.includes("assigned:")) return null;
  return [...last.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])).sort();
}

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await Bun.sleep(50);
  }
  return cond();
}

describe("kcat -G", () => {
  test("3 members get 2 partitions each and read every record once; a SIGKILLed member is replaced within the session timeout", async () => {
    const topic = "kcat-g";
    topicWithRecords(topic);
    const argv = (i: number) => [KCAT, "-b", tb.bootstrap, "-G", "g-kcat", topic, "-o", "beginning", "-u", "-f", "%p:%o\n", "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=300", "-X", `client.id=takhin-groups-kcat-${i}`];
    const members = [0, 1, 2].map((i) => spawnCollecting(argv(i)));
    try {
      const lines = () => members.flatMap((m) => m.stdout.split("\n").filter((l) => l.includes(":")));
      const settled = await until(() => members.every((m) => kcatAssignment(m.stderr)?.length === 2) && new Set(lines()).size === TOTAL, 30_000);
      const assignments = members.map((m) => kcatAssignment(m.stderr) ?? []);
      console.log(`kcat: assignments ${JSON.stringify(assignments)}, records ${lines().length}, generation ${generation("g-kcat")}`);
      expect(settled).toBe(true);
      expectTwoEach(assignments);
      expect(lines().length).toBe(TOTAL);
      members[0]!.proc.kill("SIGKILL");
      await members[0]!.proc.exited;
      const rest = members.slice(1);
      const replaced = await until(() => rest.flatMap((m) => kcatAssignment(m.stderr) ?? []).sort().join() === "0,1,2,3,4,5", 20_000);
      console.log(`kcat after SIGKILL: ${JSON.stringify(rest.map((m) => kcatAssignment(m.stderr)))}, generation ${generation("g-kcat")}`);
      expect(replaced).toBe(true);
    } finally {
      for (const m of members) {
        m.proc.kill("SIGKILL");
        await m.proc.exited;
      }
    }
  }, 60_000);
});

describe("kcat -G -e", () => {
  test("3 members read every record once and each exits by itself (LeaveGroup answered, no hang on close)", async () => {
    const topic = "kcat-e";
    topicWithRecords(topic);
    const argv = (i: number) => [KCAT, "-b", tb.bootstrap, "-G", "g-kcat-e", topic, "-e", "-X", "auto.offset.reset=earliest", "-u", "-f", "%p:%o\n", "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=300", "-X", `client.id=takhin-groups-kcat-e-${i}`];
    const members = [0, 1, 2].map((i) => spawnCollecting(argv(i)));
    // A member that does not exit on its own is killed at the deadline and the test fails on its signal.
    const killer = setTimeout(() => members.forEach((m) => m.proc.kill("SIGKILL")), 40_000);
    try {
      const exits = await Promise.all(members.map(async (m) => [await m.proc.exited, m.proc.signalCode ?? null]));
      const lines = members.flatMap((m) => m.stdout.split("\n").filter((l) => l.includes(":")));
      console.log(`kcat -e: exits ${JSON.stringify(exits)}, records ${lines.length}, group ${tb.broker.context.groups.coordinator.get("g-kcat-e")?.state}`);
      expect(exits).toEqual([[0, null], [0, null], [0, null]]);
      // Members that leave commit first, so a partition passed on is read on from there (no -o, which kcat re-applies on every assignment).
      expect(new Set(lines).size).toBe(TOTAL);
      expect(lines.length).toBe(TOTAL);
      expect(tb.broker.context.groups.coordinator.get("g-kcat-e")?.state).toBe("Empty");
      for (let p = 0; p < PARTITIONS; p++) expect(committed("g-kcat-e", topic, p)).toBe(BigInt(PER_PARTITION));
    } finally {
      clearTimeout(killer);
      for (const m of members) m.proc.kill("SIGKILL");
    }
  }, 45_000);
});

describe("@platformatic/kafka 1.35", () => {
  const script = join(SCRIPTS_DIR, "groups-platformatic.mjs");
  test("3 members share 6 partitions, read every record once; after one leaves the other two own all; a restart resumes at the committed offsets", async () => {
    const topic = "pf-g";
    const group = "g-pf";
    topicWithRecords(topic);
    const out = json(await runClient([NODE, script, tb.bootstrap, "three", topic, group, String(TOTAL)], CLIENT_TIMEOUT_MS));
    console.log(`platformatic: ${JSON.stringify(out)} generation ${generation(group)}`);
    expectTwoEach(out.assignments);
    expect(out.distinct).toBe(TOTAL);
    expect(out.duplicates).toBe(0);
    expect(out.afterLeave.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (let p = 0; p < PARTITIONS; p++) expect(committed(group, topic, p)).toBe(BigInt(PER_PARTITION));
    // Two more records per partition; a new consumer of the group must read exactly those.
    const enc = new TextEncoder();
    for (let p = 0; p < PARTITIONS; p++) {
      const records = [0, 1].map((i) => ({ key: null, value: enc.encode(`late${p}-${i}`) }));
      expect(tb.broker.context.partitions.get(topic, p)!.appendProduced(buildRecordBatch({ records }), Date.now()).errorCode).toBe(0);
    }
    const resumed = json(await runClient([NODE, script, tb.bootstrap, "resume", topic, group, String(2 * PARTITIONS)], CLIENT_TIMEOUT_MS));
    console.log(`platformatic resume: ${JSON.stringify(resumed)}`);
    const expected = [...Array(PARTITIONS).keys()].flatMap((p) => [`${p}:${PER_PARTITION}`, `${p}:${PER_PARTITION + 1}`]).sort();
    expect(resumed.offsets).toEqual(expected);
    for (let p = 0; p < PARTITIONS; p++) expect(committed(group, topic, p)).toBe(BigInt(PER_PARTITION + 2));
  }, 2 * CLIENT_TIMEOUT_MS + 5000);
});

describe("kafkajs and kafka-python", () => {
  const cases: [string, string, string][] = [
    ["kafkajs 2.2.4", NODE, "groups-kafkajs.mjs"],
    ["kafka-python 2.0.2", PYTHON, "groups-kafka-python.py"],
  ];
  for (const [name, interpreter, script] of cases) {
    test(`${name}: 3 members share 6 partitions, read every record once; after one leaves the other two own all`, async () => {
      const topic = `t-${script.replace(/\W/g, "")}`;
      topicWithRecords(topic);
      const group = `g-${topic}`;
      const out = json(await runClient([interpreter, join(SCRIPTS_DIR, script), tb.bootstrap, topic, group, String(TOTAL)], CLIENT_TIMEOUT_MS));
      console.log(`${name}: ${JSON.stringify(out)} generation ${generation(group)}`);
      expectTwoEach(out.assignments);
      expect(out.distinct).toBe(TOTAL);
      expect(out.duplicates).toBe(0);
      expect(out.afterLeave.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
    }, CLIENT_TIMEOUT_MS + 5000);
  }
});

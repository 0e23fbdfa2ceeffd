/**
 * Topic metadata changing under a consumer group, with a real client: librdkafka
 * (confluent-kafka-python) with a regex subscription that picks up a new topic, CreatePartitions on
 * a subscribed topic and a subscribed topic deleted, and the same with a subscription by names.
 * Each change makes the consumer re-join (with a changed subscription, or as the leader asking for a
 * new assignment); the broker must answer that JoinGroup at once. The client's rebalance timeout
 * (max.poll.interval.ms) is 5 minutes and each phase gives up after PHASE_S seconds, far below it:
 * a broker that held the re-join until the rebalance timeout fails every phase after the first.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { removeDir, type TestBroker } from "../helpers/broker.ts";
import { NODE, PYTHON, runClient, SCRIPTS_DIR, type RunResult } from "./clients.ts";
import { startGroupBroker } from "./scripts/groups-harness.ts";
import { join } from "node:path";

/** Seconds each phase waits for its assignment (the stall it guards against is 300 s). */
const PHASE_S = 30;
const CLIENT_TIMEOUT_MS = 5 * PHASE_S * 1000;

let tb: TestBroker;
beforeAll(async () => {
  tb = await startGroupBroker({ initialRebalanceDelayMs: 200 });
});
afterAll(async () => {
  await tb.stop();
  removeDir(tb.dataDir);
});

function json(r: RunResult): any {
  const line = r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (r.timedOut || !line) throw new Error(`client failed (exit ${r.exitCode}, timedOut ${r.timedOut})\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-3000)}`);
  return JSON.parse(line);
}

const generation = (group: string) => tb.broker.context.groups.coordinator.get(group)?.generationId ?? 0;

describe("confluent-kafka-python: the group rebalances promptly when topic metadata changes", () => {
  for (const mode of ["regex", "literal"] as const) {
    test(`${mode} subscription: ${mode === "regex" ? "new topic, " : ""}partitions added, topic deleted`, async () => {
      const group = `rb-${mode}`;
      tb.broker.context.topics.create(`${group}-a`, 2);
      tb.broker.context.topics.create(`${group}-b`, 1);
      const out = json(await runClient([PYTHON, join(SCRIPTS_DIR, "groups-rebalance-confluent.py"), tb.bootstrap, mode, group, String(PHASE_S)], CLIENT_TIMEOUT_MS));
      console.log(`confluent ${mode}: ${JSON.stringify(out.phases)} generation ${generation(group)}`);
      const expected = mode === "regex" ? ["initial", "newTopic", "addPartitions", "topicDeleted"] : ["initial", "addPartitions", "topicDeleted"];
      expect(Object.keys(out.phases)).toEqual(expected);
      for (const name of expected) expect({ phase: name, ok: out.phases[name].ok }).toEqual({ phase: name, ok: true });
      // One generation for the first assignment, then at least one more per change.
      expect(generation(group)).toBeGreaterThanOrEqual(expected.length);
    }, CLIENT_TIMEOUT_MS + 10_000);
  }
});

describe("kafkajs: the group rebalances promptly when partitions are added", () => {
  test("CreatePartitions on the subscribed topic reaches the consumer as a new assignment", async () => {
    const topic = "rb-kafkajs-a";
    tb.broker.context.topics.create(topic, 2);
    const out = json(await runClient([NODE, join(SCRIPTS_DIR, "groups-rebalance-kafkajs.mjs"), tb.bootstrap, topic, "rb-kafkajs", String(PHASE_S)], CLIENT_TIMEOUT_MS));
    console.log(`kafkajs: ${JSON.stringify(out.phases)} generation ${generation("rb-kafkajs")}`);
    expect(out.phases.initial).toMatchObject({ ok: true, assignment: [0, 1] });
    expect(out.phases.addPartitions).toMatchObject({ ok: true, assignment: [0, 1, 2] });
    expect(generation("rb-kafkajs")).toBeGreaterThanOrEqual(2);
  }, CLIENT_TIMEOUT_MS + 10_000);
});

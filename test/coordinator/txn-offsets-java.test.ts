/**
 * KIP-447 with Apache Kafka's Java client (kafka-clients 4.4, test/java/TxnOffsetsSuite.java)
 * against one Takhin broker: sendOffsetsToTransaction with a consumer's group metadata commits the
 * group's offsets only with the commit (the admin client sees the old ones before), and the group
 * coordinator fences what KIP-447 fences — a generation from before a rebalance (ILLEGAL_GENERATION:
 * CommitFailedException), an unknown member id (UNKNOWN_MEMBER_ID: CommitFailedException), a static
 * member's instance id under another member id (FENCED_INSTANCE_ID: FencedInstanceIdException) —
 * while the current members' metadata commits; an aborted transaction's offsets never show.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { explain, runJava, suiteClasspath } from "../java/java.ts";

const RUN_TIMEOUT_MS = 150_000;
const PREFIX = "jtxo";

let tb: TestBroker;
let classpath = "";

beforeAll(async () => {
  classpath = suiteClasspath();
  tb = await startTestBroker({ transactionStateLogNumPartitions: 5 }, undefined, { groups: { initialRebalanceDelayMs: 100 } });
}, 120_000);
afterAll(async () => {
  await tb.stop();
  removeDir(tb.dataDir);
});

test("sendOffsetsToTransaction with group metadata: visible after commit; stale generation, unknown member and fenced instance refused; aborted offsets never show", async () => {
  tb.broker.context.topics.create(`${PREFIX}-in`, 2);
  const run = await runJava("TxnOffsetsSuite", [tb.bootstrap, PREFIX], { classpath, timeoutMs: RUN_TIMEOUT_MS });
  const steps = new Map<string, any>();
  for (const line of run.stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const o = JSON.parse(line);
    if (o.step) steps.set(o.step, o);
    if (o.done) steps.set("__done", o);
  }
  if (!steps.has("__done")) throw new Error(`TxnOffsetsSuite did not finish: ${explain(run)}`);
  for (const s of steps.values()) if (s.error) throw new Error(`TxnOffsetsSuite step ${s.step}: ${JSON.stringify(s.error)}\n${explain(run)}`);
  const tp = (p: number) => `${PREFIX}-in-${p}`;

  const member = steps.get("member");
  expect(member.ownsBoth).toBe(true);
  expect(member.metadata.generation).toBeGreaterThan(0);

  const commit = steps.get("commit");
  expect(commit.before).toEqual({});
  expect(commit.after).toEqual({ [tp(0)]: 3, [tp(1)]: 4 });
  expect(commit.committedSeenByMember).toEqual({ [tp(0)]: 3, [tp(1)]: 4 });

  const rebalance = steps.get("rebalance");
  expect(rebalance.split).toBe(true);
  expect(rebalance.a.generation).toBeGreaterThan(member.metadata.generation);

  const stale = steps.get("stale");
  expect(stale.thrown?.class).toBe("org.apache.kafka.clients.consumer.CommitFailedException");
  expect(stale.thrown.abortError).toBeNull();
  expect(stale.offsets).toEqual({ [tp(0)]: 3, [tp(1)]: 4 });

  const bogus = steps.get("bogus");
  expect(bogus.unknownMember?.class).toBe("org.apache.kafka.clients.consumer.CommitFailedException");
  expect(bogus.fencedInstance?.class).toBe("org.apache.kafka.common.errors.FencedInstanceIdException");
  expect(bogus.offsets).toEqual({ [tp(0)]: 3, [tp(1)]: 4 });

  const current = steps.get("current");
  expect({ withA: current.withA, withB: current.withB }).toEqual({ withA: null, withB: null });
  expect(current.offsets).toEqual({ [tp(0)]: 8, [tp(1)]: 9 });

  expect(steps.get("abort").offsets).toEqual({ [tp(0)]: 8, [tp(1)]: 9 });
}, 200_000);

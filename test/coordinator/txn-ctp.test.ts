/**
 * A consume-transform-produce loop (test/java/Ctp.java: Java consumer at read_committed, a
 * transactional producer with a fixed transactional.id, sendOffsetsToTransaction with the
 * consumer's group metadata) whose process is SIGKILLed several times in the middle of its input,
 * each time inside an open transaction whose records and offsets were already sent, and started again: the output must hold every input exactly once (checked by content). It holds
 * only if each kill's open transaction is aborted (by the restarted producer's InitProducerId, which
 * fences the dead one) together with its offsets, and each committed transaction's records and
 * offsets became visible together.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { explain, runJava, spawnJava, suiteClasspath, type JavaProcess } from "../java/java.ts";

const IN = "ctp-in";
const OUT = "ctp-out";
const COUNT = 20_000;
const KILLS = 3;

let tb: TestBroker;
let classpath = "";
const procs: JavaProcess[] = [];

beforeAll(async () => {
  classpath = suiteClasspath();
  tb = await startTestBroker({ transactionStateLogNumPartitions: 3 }, undefined, { groups: { initialRebalanceDelayMs: 0 } });
}, 120_000);
afterAll(async () => {
  for (const p of procs) await p.kill().catch(() => {});
  await tb.stop();
  removeDir(tb.dataDir);
});

const lastProcessed = (p: JavaProcess) => Math.max(0, ...p.lines.filter((l) => l.startsWith('{"processed"')).map((l) => JSON.parse(l).processed as number));

test(
  `consume-transform-produce with transactions, SIGKILLed ${KILLS} times mid-input: every input exactly once in the output`,
  async () => {
    tb.broker.context.topics.create(IN, 2);
    tb.broker.context.topics.create(OUT, 2);
    const produced = await runJava("Ctp", ["produce", tb.bootstrap, IN, String(COUNT)], { classpath, timeoutMs: 60_000 });
    if (produced.exitCode !== 0) throw new Error(explain(produced));
    const killedAt: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const p = spawnJava("Ctp", ["run", tb.bootstrap, IN, OUT, "ctp-group", "ctp-txn", "1000"], { classpath });
      procs.push(p);
      // Each run commits transactions of its own, then dies without warning inside an open one
      // (its records written to the output, its offsets sent to the group coordinator).
      await p.waitLine((l) => l.startsWith('{"open"'), 90_000);
      await p.kill();
      killedAt.push(lastProcessed(p));
    }
    const last = spawnJava("Ctp", ["run", tb.bootstrap, IN, OUT, "ctp-group", "ctp-txn"], { classpath });
    procs.push(last);
    const read = await runJava("Ctp", ["read", tb.bootstrap, OUT, String(COUNT), "120000"], { classpath, timeoutMs: 180_000 });
    if (read.exitCode !== 0) throw new Error(explain(read));
    await last.stop(2000);
    const values: string[] = JSON.parse(read.stdout.trim().split("\n").pop()!).values;
    console.log(`ctp: runs killed after committing ${killedAt.join(", ")} records; the last run committed ${lastProcessed(last)}; output ${values.length} records`);
    // Every kill came before the input was done, so each restart had work left.
    expect(killedAt.reduce((a, b) => a + b, 0)).toBeLessThan(COUNT);
    expect(values.length).toBe(COUNT);
    expect(new Set(values).size).toBe(COUNT);
    expect([...values].sort()).toEqual(Array.from({ length: COUNT }, (_, i) => `t-v${i}`).sort());
  },
  400_000,
);

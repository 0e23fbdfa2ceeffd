/**
 * Kafka Streams (kafka-streams 4.4 from Maven) with processing.guarantee=exactly_once_v2 against
 * one Takhin broker: a word count (test/java/StreamsEos.java: split, groupBy through a repartition
 * topic, a count store with its changelog, counts to an output topic) over a known input must
 * produce exactly the expected counts, read by a read_committed consumer; then more input, the
 * application SIGKILLed while it works through it and started again on the same state directory —
 * and the counts are still exact (no input counted twice, none lost), which only holds if its
 * transactions (produce, changelog, sendOffsetsToTransaction) committed or aborted as a whole.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { explain, runJava, spawnJava, suiteClasspath, type JavaProcess } from "../java/java.ts";

const IN = "wc-in";
const OUT = "wc-out";
const APP = "wc-eos";
const WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"];

let tb: TestBroker;
let classpath = "";
let dir = "";
const apps: JavaProcess[] = [];

beforeAll(async () => {
  classpath = suiteClasspath();
  tb = await startTestBroker({ transactionStateLogNumPartitions: 3 }, undefined, { groups: { initialRebalanceDelayMs: 0 } });
  dir = tempDir("takhin-streams-");
}, 120_000);
afterAll(async () => {
  for (const a of apps) await a.kill().catch(() => {});
  await tb.stop();
  removeDir(tb.dataDir);
  removeDir(dir);
});

/** `n` lines of words from a seeded sequence, and how often each word occurs in them. */
function lines(n: number, seed: number): { text: string; counts: Map<string, number> } {
  let x = seed >>> 0;
  const next = () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x;
  };
  const counts = new Map<string, number>();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = 1 + (next() % 6);
    const ws: string[] = [];
    for (let j = 0; j < len; j++) {
      const w = WORDS[next() % WORDS.length]!;
      ws.push(w);
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    out.push(ws.join(" "));
  }
  return { text: out.join("\n") + "\n", counts };
}

async function produce(name: string, text: string): Promise<void> {
  const file = join(dir, `${name}.txt`);
  await Bun.write(file, text);
  const r = await runJava("StreamsEos", ["produce", tb.bootstrap, IN, file], { classpath, timeoutMs: 60_000 });
  if (r.exitCode !== 0) throw new Error(explain(r));
}

async function readCounts(expectedTotal: number): Promise<{ counts: Record<string, number>; records: number }> {
  const r = await runJava("StreamsEos", ["read", tb.bootstrap, OUT, String(expectedTotal), "90000"], { classpath, timeoutMs: 120_000 });
  if (r.exitCode !== 0) throw new Error(explain(r));
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

function startApp(): JavaProcess {
  const a = spawnJava("StreamsEos", ["run", tb.bootstrap, APP, IN, OUT, join(dir, "state")], { classpath });
  apps.push(a);
  return a;
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

test(
  "exactly_once_v2 word count: exact counts, and still exact after the application is SIGKILLed mid-work and restarted",
  async () => {
    tb.broker.context.topics.create(IN, 2);
    tb.broker.context.topics.create(OUT, 2);
    const first = lines(300, 7);
    await produce("first", first.text);
    const app = startApp();
    await app.waitLine((l) => l.includes('"RUNNING"'), 90_000);
    const one = await readCounts(sum(first.counts));
    expect(one.counts).toEqual(Object.fromEntries([...first.counts].sort()));

    // More input; the application is killed while it works through it, then started again.
    const second = lines(20_000, 11);
    await produce("second", second.text);
    // The application is killed once it has read 2000 lines of the second input (its own progress lines).
    const firstTotal = sum(first.counts);
    const processed = () => Math.max(0, ...app.lines.filter((l) => l.startsWith('{"processed"')).map((l) => JSON.parse(l).processed as number));
    await app.waitLine((l) => l.startsWith('{"processed"') && JSON.parse(l).processed >= 2300, 90_000);
    await app.kill();
    const linesAtKill = processed();
    const again = startApp();
    await again.waitLine((l) => l.includes('"RUNNING"'), 90_000);
    const total = new Map(first.counts);
    for (const [w, n] of second.counts) total.set(w, (total.get(w) ?? 0) + n);
    console.log(`streams EOS: killed after reading ${linesAtKill} of ${300 + 20_000} input lines (first run of ${firstTotal + sum(second.counts)} words)`);
    // The kill came in the middle of the second input (else the restart proves nothing).
    expect(linesAtKill).toBeLessThan(300 + 20_000);
    const two = await readCounts(sum(total));
    expect(two.counts).toEqual(Object.fromEntries([...total].sort()));
    expect(again.lines.some((l) => l.includes('"error"'))).toBe(false);
    await again.stop();
  },
  300_000,
);

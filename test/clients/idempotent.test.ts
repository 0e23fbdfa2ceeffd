/**
 * Idempotent producers against the broker: librdkafka (confluent-kafka-python,
 * enable.idempotence=true, acks=all) and kafkajs (idempotent: true) must land exactly the records
 * they produced — each once, in order, at dense offsets — and so must a librdkafka producer whose
 * broker is stopped and restarted on the same data directory and port while it is sending: its
 * in-flight batches are retried with their original sequence numbers, so the restarted broker has
 * to recover the producer state from the log and drop the duplicates rather than append them.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { KCAT, NODE, PYTHON, recordApiVersions, runProc, runScript, startLossyProxy, versionsUsed } from "./scripts/pc-common.ts";

const PARTITIONS = 3;
const CLIENT_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 90_000;

let tb: TestBroker;
let dir: string;
const dataDirs: string[] = [];
let seen: ReturnType<typeof recordApiVersions>;

beforeAll(async () => {
  tb = await startTestBroker();
  dataDirs.push(tb.dataDir);
  seen = recordApiVersions(tb);
  dir = tempDir("takhin-idem-");
});
afterAll(async () => {
  for (const client of ["pc-idem-confluent", "pc-idem-kafkajs"]) console.log(`${client} API versions: ${JSON.stringify(versionsUsed(seen, client))}`);
  await tb.stop();
  for (const d of dataDirs) removeDir(d);
  removeDir(dir);
});

interface Row {
  p: number;
  o: number;
  k: string;
  v: string;
}

/** Everything in a topic, read by kcat; keys and values here are plain ASCII without spaces. */
async function readTopic(topic: string): Promise<Row[]> {
  const res = await runProc([KCAT, "-C", "-b", tb.bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-X", "check.crcs=true", "-f", "%p %o %k %s\n"], {
    timeoutMs: CLIENT_TIMEOUT_MS,
  });
  if (res.exitCode !== 0 || res.timedOut) throw new Error(`kcat -C ${topic}: exit ${res.exitCode} timedOut=${res.timedOut}\n${res.stderr}`);
  return res.stdout
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => {
      const [p, o, k, v] = l.split(" ");
      return { p: Number(p), o: Number(o), k, v };
    });
}

/**
 * Message i (key "k<i>", value "<prefix>-<i>-....") went to partition i % 3. Each partition must
 * hold its messages once each, in order, at offsets from `firstOffset[p]` up, and nothing else.
 */
function expectExactly(rows: Row[], batches: { prefix: string; count: number; pad: number }[]): void {
  const want: Row[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const { prefix, count, pad } of batches) {
    for (let i = 0; i < count; i++) {
      const p = i % PARTITIONS;
      want[p].push({ p, o: want[p].length, k: `k${i}`, v: `${prefix}-${i}-${".".repeat(pad)}` });
    }
  }
  const got: Row[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const r of rows) got[r.p].push(r);
  for (let p = 0; p < PARTITIONS; p++) {
    got[p].sort((a, b) => a.o - b.o);
    const dupes = got[p].length - new Set(got[p].map((r) => r.v)).size;
    expect({ partition: p, count: got[p].length, duplicates: dupes }).toEqual({ partition: p, count: want[p].length, duplicates: 0 });
    expect(got[p]).toEqual(want[p]);
  }
}

/** Delivery reports: message i at partition i % 3, offset base + floor(i / 3). */
function expectDelivered(delivered: Record<string, [number, number]> | [number, number][], count: number, base = 0): void {
  const want: Record<string, [number, number]> = {};
  for (let i = 0; i < count; i++) want[String(i)] = [i % PARTITIONS, base + Math.floor(i / PARTITIONS)];
  expect(Array.isArray(delivered) ? Object.fromEntries(delivered.map((d, i) => [String(i), d])) : delivered).toEqual(want);
}

test(
  "librdkafka enable.idempotence=true, acks=all: 6000 records, each exactly once at dense offsets",
  async () => {
    const topic = "idem-confluent";
    tb.broker.context.topics.create(topic, PARTITIONS);
    const spec = { mode: "idempotent", bootstrap: tb.bootstrap, clientId: "pc-idem-confluent", topic, partitions: PARTITIONS, count: 6000, prefix: "c", pad: 60, codec: "lz4" };
    const res = await runScript(PYTHON, "pc-confluent.py", spec, dir, CLIENT_TIMEOUT_MS);
    expect({ errors: res.errors, fatal: res.fatal, undelivered: res.undelivered }).toEqual({ errors: [], fatal: [], undelivered: 0 });
    expectDelivered(res.delivered, 6000);
    expectExactly(await readTopic(topic), [{ prefix: "c", count: 6000, pad: 60 }]);
    expect(versionsUsed(seen, "pc-idem-confluent").InitProducerId?.length).toBeGreaterThan(0);
  },
  TEST_TIMEOUT_MS,
);

test(
  "kafkajs idempotent: true: 3000 records in 30 sends, each exactly once at dense offsets",
  async () => {
    const topic = "idem-kafkajs";
    tb.broker.context.topics.create(topic, PARTITIONS);
    const spec = { mode: "idempotent", bootstrap: tb.bootstrap, clientId: "pc-idem-kafkajs", topic, partitions: PARTITIONS, count: 3000, prefix: "j", pad: 40, chunk: 100, codec: "gzip" };
    const res = await runScript(NODE, "pc-kafkajs.mjs", spec, dir, CLIENT_TIMEOUT_MS);
    expectDelivered(res.delivered, 3000);
    expectExactly(await readTopic(topic), [{ prefix: "j", count: 3000, pad: 40 }]);
    expect(versionsUsed(seen, "pc-idem-kafkajs").InitProducerId?.length).toBeGreaterThan(0);
  },
  TEST_TIMEOUT_MS,
);

for (const client of ["librdkafka", "kafkajs"] as const) {
  test(
    `${client} idempotent producer whose Produce responses get lost retries into duplicates the broker drops`,
    async () => {
      const topic = `idem-lossy-${client}`;
      tb.broker.context.topics.create(topic, PARTITIONS);
      const proxy = startLossyProxy(tb.port, 5);
      // Metadata names the endpoint of the listener a request came in on (00275f4): point it at the proxy.
      const listener = tb.broker.context.listeners[0]!;
      listener.advertisedPort = proxy.port;
      tb.broker.context.advertisedPort = proxy.port;
      const count = 3000;
      try {
        const common = { mode: "idempotent", bootstrap: `127.0.0.1:${proxy.port}`, topic, partitions: PARTITIONS, count, prefix: "l", pad: 20 };
        const res =
          client === "librdkafka"
            ? await runScript(PYTHON, "pc-confluent.py", { ...common, clientId: "pc-idem-confluent-lossy", batch: 100, paceEvery: 100, paceMs: 5 }, dir, CLIENT_TIMEOUT_MS)
            : await runScript(NODE, "pc-kafkajs.mjs", { ...common, clientId: "pc-idem-kafkajs-lossy", chunk: 60 }, dir, CLIENT_TIMEOUT_MS);
        if (client === "librdkafka") expect({ errors: res.errors, fatal: res.fatal, undelivered: res.undelivered }).toEqual({ errors: [], fatal: [], undelivered: 0 });
        expectDelivered(res.delivered, count);
      } finally {
        listener.advertisedPort = tb.port;
        tb.broker.context.advertisedPort = tb.port;
        proxy.stop();
      }
      // Responses really were lost, so batches really were sent twice.
      expect(proxy.stats.dropped).toBeGreaterThan(3);
      expect(proxy.stats.produceRequests).toBeGreaterThan(proxy.stats.dropped);
      expectExactly(await readTopic(topic), [{ prefix: "l", count, pad: 20 }]);
    },
    TEST_TIMEOUT_MS,
  );
}

test(
  "librdkafka idempotent producer survives a broker restart mid-stream on the same data dir: no loss, no duplicates",
  async () => {
    const topic = "idem-restart";
    tb.broker.context.topics.create(topic, PARTITIONS);
    // A multiple of 3, so every partition ends at the same offset for the second producer.
    const count = 7800;
    const spec = {
      mode: "idempotent",
      bootstrap: tb.bootstrap,
      clientId: "pc-idem-confluent-restart",
      topic,
      partitions: PARTITIONS,
      count,
      prefix: "r",
      pad: 60,
      paceEvery: 50,
      paceMs: 10,
      batch: 100,
    };
    const port = tb.port;
    const dataDir = tb.dataDir;
    let restart: Promise<void> | null = null;
    let deliveredBeforeStop = -1;
    const run = runScript(PYTHON, "pc-confluent.py", spec, dir, CLIENT_TIMEOUT_MS, {
      onLine: (line) => {
        const m = /^progress (\d+)$/.exec(line);
        if (!m || restart || Number(m[1]) < 1500) return;
        deliveredBeforeStop = Number(m[1]);
        restart = (async () => {
          await tb.stop();
          await Bun.sleep(300);
          tb = await startTestBroker({ kafkaPort: port }, dataDir);
          recordApiVersions(tb, seen);
        })();
      },
    });
    const res = await run;
    expect(restart).not.toBeNull();
    await restart;
    expect(deliveredBeforeStop).toBeLessThan(count);
    expect({ errors: res.errors, fatal: res.fatal, undelivered: res.undelivered }).toEqual({ errors: [], fatal: [], undelivered: 0 });
    expectDelivered(res.delivered, count);
    expectExactly(await readTopic(topic), [{ prefix: "r", count, pad: 60 }]);

    // A second, new idempotent producer (kafkajs) appends after the recovered log.
    const more = { mode: "idempotent", bootstrap: tb.bootstrap, clientId: "pc-idem-kafkajs-after", topic, partitions: PARTITIONS, count: 600, prefix: "after", pad: 10, chunk: 100 };
    const res2 = await runScript(NODE, "pc-kafkajs.mjs", more, dir, CLIENT_TIMEOUT_MS);
    expectDelivered(res2.delivered, 600, count / PARTITIONS);
    const rows = await readTopic(topic);
    // Offsets continue densely per partition after the first producer's records.
    for (let p = 0; p < PARTITIONS; p++) {
      const tail = rows.filter((r) => r.p === p && r.v.startsWith("after-")).sort((a, b) => a.o - b.o);
      expect(tail.map((r) => r.o)).toEqual(tail.map((_, i) => count / PARTITIONS + i));
    }
    expect(rows.length).toBe(count + 600);
  },
  TEST_TIMEOUT_MS,
);

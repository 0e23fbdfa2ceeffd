/**
 * Real clients on compacted segments: confluent_kafka (librdkafka, lz4 batches) produces a CDC-style
 * upsert stream (2,000 primary keys, 40,000 changes, every 13th a delete) to a cleanup.policy=compact
 * topic; the broker's cleaner compacts it on its own timer; kcat and Apache Kafka's Java console
 * consumer read it from the beginning, and folding what they read (last value per key, a tombstone
 * deletes) equals the source table, while they read far fewer records than were produced.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { RawClient, removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { KCAT, PYTHON, runClient } from "../clients/clients.ts";
import { explain, requireJava, runJava } from "../java/java.ts";

const KEYS = 2000;
const CHANGES = 40_000;
const TOPIC = "cdc-table";
let tb: TestBroker;

function change(i: number): { key: string; value: string | null } {
  const key = `pk-${(i * 7919) % KEYS}`;
  // Hex of a hash: values that compress about as well as real rows (the topic must span segments).
  return { key, value: i % 13 === 0 ? null : `row-${i}-${new Bun.CryptoHasher("sha256").update(String(i)).digest("hex")}` };
}

function sourceTable(): Map<string, string> {
  const t = new Map<string, string>();
  for (let i = 0; i < CHANGES; i++) {
    const c = change(i);
    if (c.value === null) t.delete(c.key);
    else t.set(c.key, c.value);
  }
  return t;
}

const PRODUCER = `
import sys
import hashlib
from confluent_kafka import Producer
p = Producer({"bootstrap.servers": sys.argv[1], "compression.type": "lz4", "linger.ms": 5, "enable.idempotence": True})
KEYS, CHANGES = ${KEYS}, ${CHANGES}
for i in range(CHANGES):
    key = "pk-%d" % ((i * 7919) % KEYS)
    value = None if i % 13 == 0 else "row-%d-%s" % (i, hashlib.sha256(str(i).encode()).hexdigest())
    while True:
        try:
            p.produce("${TOPIC}", key=key, value=value, partition=0)
            break
        except BufferError:
            p.poll(0.05)
    p.poll(0)
left = p.flush(60)
print("left", left)
`;

beforeAll(async () => {
  tb = await startTestBroker({ logCleanerBackoffMs: 100 });
  const c = await RawClient.connect(tb.port);
  const configs = { "cleanup.policy": "compact", "segment.bytes": "1048576", "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "0" };
  const r = await c.call(CreateTopics, 5, {
    topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
    timeoutMs: 5000,
  });
  c.close();
  expect(r.topics[0].errorCode).toBe(0);
  const produced = await runClient([PYTHON, "-c", PRODUCER, tb.bootstrap], 120_000);
  if (produced.exitCode !== 0 || !produced.stdout.includes("left 0")) throw new Error(`producer failed: ${produced.stderr}`);
  // The cleaner runs on its timer: wait (bounded) until it has cleaned and nothing is dirty.
  const cleaner = tb.broker.context.partitions.logs.cleaner;
  const deadline = Date.now() + 60_000;
  while ((cleaner.totals.recordsRemoved === 0 || cleaner.activeCleanings > 0 || cleaner.dirtyLogs().length > 0) && Date.now() < deadline) await Bun.sleep(100);
  const log = tb.broker.context.partitions.logs.getLog(TOPIC, 0)!;
  console.log(`${TOPIC}: ${log.logEndOffset} records produced; after compaction ${log.sizeBytes} bytes in ${log.segmentCount} segments`, cleaner.totals);
  expect(cleaner.totals.recordsRemoved).toBeGreaterThan(CHANGES / 3); // all but the active segment's
}, 200_000);

afterAll(async () => {
  await tb?.stop();
  if (tb) removeDir(tb.dataDir);
});

function fold(rows: { key: string; value: string | null }[]): Map<string, string> {
  const t = new Map<string, string>();
  for (const r of rows) {
    if (r.value === null) t.delete(r.key);
    else t.set(r.key, r.value);
  }
  return t;
}

test("kcat reads the compacted topic from the beginning: the folded records equal the source table", async () => {
  const run = await runClient([KCAT, "-C", "-b", tb.bootstrap, "-t", TOPIC, "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%k\t%S\t%s\n"], 60_000);
  expect(run.exitCode).toBe(0);
  const rows = run.stdout.split("\n").filter((l) => l !== "").map((l) => {
    const [key, size, value] = l.split("\t");
    return { key: key!, value: size === "-1" ? null : value! };
  });
  expect(rows.length).toBeLessThan(CHANGES / 2);
  const got = fold(rows);
  expect(got.size).toBe(sourceTable().size);
  expect(got).toEqual(sourceTable());
}, 90_000);

test("the Java console consumer reads the compacted topic: the folded records equal the source table", async () => {
  requireJava();
  const run = await runJava("org.apache.kafka.tools.consumer.ConsoleConsumer", [
    "--bootstrap-server", tb.bootstrap, "--topic", TOPIC, "--from-beginning", "--timeout-ms", "15000",
    "--formatter-property", "print.key=true", "--formatter-property", "null.literal=<NULL>",
  ], { timeoutMs: 90_000 });
  if (run.timedOut) throw new Error(explain(run));
  const rows = run.stdout.split("\n").filter((l) => l.startsWith("pk-")).map((l) => {
    const [key, value] = l.split("\t");
    return { key: key!, value: value === "<NULL>" ? null : value! };
  });
  expect(rows.length).toBeLessThan(CHANGES / 2);
  expect(fold(rows)).toEqual(sourceTable());
}, 120_000);

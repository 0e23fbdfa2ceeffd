/**
 * Compaction of transactional data and of the internal compacted topics, with real clients:
 * - a confluent_kafka (librdkafka) transactional producer writes an upsert stream to a
 *   cleanup.policy=compact topic in 120 transactions, every fourth aborted (keys overlap the
 *   committed ones, some committed records are deletes); the cleaner compacts it (the log is rolled
 *   in-process so that every segment is cleanable); kcat with isolation.level=read_committed and
 *   with read_uncommitted both read exactly the committed table (no aborted record is left at all);
 * - __transaction_state (created by the transaction coordinator with cleanup.policy=compact) is
 *   compacted too, and after a restart the coordinator, replaying the compacted log, serves the same
 *   transactional id: the producer initialises (fencing the old epoch) and commits once more;
 * - _schemas (created by the schema registry with cleanup.policy=compact): 40 compatibility changes
 *   of one subject and 5 versions; compaction leaves one config record; after a restart the registry,
 *   replaying the compacted log, answers the last compatibility and every version.
 */
import { afterAll, expect, test } from "bun:test";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { readBatchHeader } from "../../src/protocol/record-batch.ts";
import type { PartitionLog } from "../../src/storage/partition-log.ts";
import { RawClient, removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { KCAT, PYTHON, runClient } from "../clients/clients.ts";

const TOPIC = "txn-table";
const TXNS = 120;
const PER_TXN = 20;
const KEYS = 300;
const TXN_ID = "cdc-txn";
const dataDir = tempDir("cleaner-txn-clients-");
let tb: TestBroker | null = null;

afterAll(async () => {
  await tb?.stop();
  removeDir(dataDir);
});

/** Record j of transaction t: key, value (null: a delete), whether the transaction aborts. */
function change(t: number, j: number): { key: string; value: string | null; aborted: boolean } {
  const aborted = t % 4 === 3;
  const n = t * PER_TXN + j;
  const key = `pk-${(n * 7919) % KEYS}`;
  const value = !aborted && n % 17 === 0 ? null : `${aborted ? "aborted" : "row"}-${t}-${j}-${"x".repeat(1500)}`;
  return { key, value, aborted };
}

function committedTable(): Map<string, string> {
  const table = new Map<string, string>();
  for (let t = 0; t < TXNS; t++) {
    for (let j = 0; j < PER_TXN; j++) {
      const c = change(t, j);
      if (c.aborted) continue;
      if (c.value === null) table.delete(c.key);
      else table.set(c.key, c.value);
    }
  }
  return table;
}

const PRODUCER = `
import sys
from confluent_kafka import Producer
bootstrap, topic, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
TXNS, PER_TXN, KEYS = ${TXNS}, ${PER_TXN}, ${KEYS}
p = Producer({"bootstrap.servers": bootstrap, "transactional.id": "${TXN_ID}", "linger.ms": 2})
p.init_transactions(30)
for t in range(first, first + count):
    aborted = t % 4 == 3
    p.begin_transaction()
    for j in range(PER_TXN):
        n = t * PER_TXN + j
        key = "pk-%d" % ((n * 7919) % KEYS)
        value = None if (not aborted and n % 17 == 0) else "%s-%d-%d-%s" % ("aborted" if aborted else "row", t, j, "x" * 1500)
        p.produce(topic, key=key, value=value, partition=0)
    if aborted:
        p.flush(30)  # abort_transaction purges what is still queued: send it first
        p.abort_transaction(30)
    else:
        p.commit_transaction(30)
print("done", count)
`;

async function kcatTable(isolation: "read_committed" | "read_uncommitted"): Promise<{ rows: number; aborted: number; table: Map<string, string> }> {
  const run = await runClient([KCAT, "-C", "-b", tb!.bootstrap, "-t", TOPIC, "-p", "0", "-o", "beginning", "-e", "-q", "-X", `isolation.level=${isolation}`, "-f", "%k\t%S\t%s\n"], 60_000);
  expect(run.exitCode).toBe(0);
  const table = new Map<string, string>();
  let rows = 0;
  let aborted = 0;
  for (const line of run.stdout.split("\n")) {
    if (line === "") continue;
    const [key, size, value] = line.split("\t");
    rows++;
    if (value!.startsWith("aborted-")) aborted++;
    if (size === "-1") table.delete(key!);
    else table.set(key!, value!);
  }
  return { rows, aborted, table };
}

function recordCount(log: PartitionLog): number {
  let n = 0;
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = log.read(offset, 1 << 20, { maxOffsetExclusive: log.logEndOffset });
    if (r.batches.length === 0) break;
    for (const view of r.batches) {
      for (let pos = 0; pos < view.length; ) {
        const h = readBatchHeader(view, pos);
        n += h.recordCount;
        offset = Number(h.baseOffset) + h.lastOffsetDelta + 1;
        pos += 12 + h.batchLength;
      }
    }
  }
  return n;
}

/** The partitions of `topic` holding records. */
function logsOf(topic: string): PartitionLog[] {
  const logs = tb!.broker.context.partitions.logs;
  const out: PartitionLog[] = [];
  for (let p = 0; ; p++) {
    const log = logs.getLog(topic, p);
    if (!log) return out;
    if (log.logEndOffset > 0) out.push(log);
  }
}

async function cleanAll(): Promise<void> {
  const cleaner = tb!.broker.context.partitions.logs.cleaner;
  await cleaner.whenIdle();
  for (let round = 0; round < 20 && (await cleaner.runOnce()).length > 0; round++) {
    // until nothing needs cleaning (bounded)
  }
  expect(cleaner.dirtyLogs()).toEqual([]);
}

test("a transactional upsert stream with aborts compacts to the committed table; __transaction_state compacts and serves the id after a restart", async () => {
  tb = await startTestBroker({}, dataDir);
  const c = await RawClient.connect(tb.port);
  const configs = { "cleanup.policy": "compact", "segment.bytes": "1048576", "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "0" };
  const r = await c.call(CreateTopics, 5, {
    topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
    timeoutMs: 5000,
  });
  c.close();
  expect(r.topics[0].errorCode).toBe(0);
  const produced = await runClient([PYTHON, "-c", PRODUCER, tb.bootstrap, TOPIC, "0", String(TXNS)], 180_000);
  if (produced.exitCode !== 0) throw new Error(`producer failed: ${produced.stderr}`);

  const expected = committedTable();
  const before = await kcatTable("read_committed");
  expect(before.table).toEqual(expected);
  expect((await kcatTable("read_uncommitted")).aborted).toBe((TXNS / 4) * PER_TXN);

  // Every segment cleanable: roll the data log and the transaction log, then clean until nothing is dirty.
  const data = tb.broker.context.partitions.logs.getLog(TOPIC, 0)!;
  const state = logsOf("__transaction_state");
  expect(state.length).toBe(1);
  const partition = tb.broker.context.partitions.get("__transaction_state", state[0]!.partition)!;
  expect(partition.config.cleanupPolicyCompact).toBe(true);
  expect(state[0]!.logConfig.compact).toBe(true);
  const stateRecordsBefore = recordCount(state[0]!);
  data.rollNow();
  state[0]!.rollNow();
  await cleanAll();

  const committed = await kcatTable("read_committed");
  const uncommitted = await kcatTable("read_uncommitted");
  console.log(`${TOPIC}: ${TXNS * PER_TXN} records in ${TXNS} transactions; after compaction ${committed.rows} read committed, ${uncommitted.rows} uncommitted; __transaction_state ${stateRecordsBefore} -> ${recordCount(state[0]!)} records`);
  expect(committed.table).toEqual(expected);
  expect(uncommitted.aborted).toBe(0); // every aborted record removed
  expect(uncommitted.table).toEqual(expected);
  expect(committed.rows).toBeLessThan(KEYS + 1);
  expect(recordCount(state[0]!)).toBeLessThan(stateRecordsBefore / 10);

  // Restart: the coordinator replays the compacted __transaction_state; the same id goes on.
  await tb.stop();
  tb = await startTestBroker({}, dataDir);
  const more = await runClient([PYTHON, "-c", PRODUCER, tb.bootstrap, TOPIC, String(TXNS), "1"], 120_000);
  if (more.exitCode !== 0) throw new Error(`producer after restart failed: ${more.stderr}`);
  const after = await kcatTable("read_committed");
  for (let j = 0; j < PER_TXN; j++) {
    const ch = change(TXNS, j);
    if (ch.value === null) expected.delete(ch.key);
    else expected.set(ch.key, ch.value);
  }
  expect(after.table).toEqual(expected);
  await tb.stop();
  tb = null;
}, 400_000);

test("_schemas compacts to the registry's state, which a restart replays", async () => {
  const dir = tempDir("cleaner-schemas-");
  tb = await startTestBroker({ schemaRegistryPort: 0 }, dir);
  const base = () => `http://127.0.0.1:${tb!.broker.services.get("schema-registry")!.port}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base()}${path}`, { method, headers: { "content-type": "application/vnd.schemaregistry.v1+json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  await call("PUT", "/config/orders", { compatibility: "NONE" });
  for (let v = 0; v < 5; v++) {
    const schema = { type: "record", name: "Order", fields: [{ name: "id", type: "long" }, ...Array.from({ length: v }, (_, i) => ({ name: `f${i}`, type: "string", default: "" }))] };
    await call("POST", "/subjects/orders/versions", { schema: JSON.stringify(schema) });
  }
  const levels = ["BACKWARD", "FORWARD", "FULL", "NONE"];
  for (let i = 0; i < 40; i++) await call("PUT", "/config/orders", { compatibility: levels[i % levels.length] });
  const last = levels[39 % levels.length];
  const log = tb.broker.context.partitions.logs.getLog("_schemas", 0)!;
  expect(tb.broker.context.partitions.get("_schemas", 0)!.config.cleanupPolicyCompact).toBe(true);
  const recordsBefore = recordCount(log);
  log.rollNow();
  await cleanAll();
  const recordsAfter = recordCount(log);
  console.log(`_schemas: ${recordsBefore} -> ${recordsAfter} records`);
  expect(recordsAfter).toBeLessThanOrEqual(recordsBefore - 40);
  // kcat: one config record of the subject is left.
  const run = await runClient([KCAT, "-C", "-b", tb.bootstrap, "-t", "_schemas", "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%k\n"], 60_000);
  expect(run.exitCode).toBe(0);
  expect(run.stdout.split("\n").filter((k) => k.includes('"CONFIG"') && k.includes('"orders"')).length).toBe(1);

  await tb.stop();
  tb = await startTestBroker({ schemaRegistryPort: 0 }, dir);
  expect((await call("GET", "/config/orders")).compatibilityLevel).toBe(last);
  expect(await call("GET", "/subjects/orders/versions")).toEqual([1, 2, 3, 4, 5]);
  await tb.stop();
  tb = null;
  removeDir(dir);
}, 200_000);

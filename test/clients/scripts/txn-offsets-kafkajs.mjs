// kafkajs 2.2.4 transactional producer committing a consumer group's offsets in its transactions
// (transaction.sendOffsets: AddOffsetsToTxn + TxnOffsetCommit, then EndTxn). argv: bootstrap,
// transactional id, group, input topic, output topic. Transaction 1 produces a record and commits
// offset 5 of input-0 (committed); transaction 2 commits offset 9 of input-0 (aborted);
// transaction 3 commits offset 7 of input-1 and is left open (the process exits without ending it).
// The group's offsets are read with the admin client (OffsetFetch) before and after each end
// (after a commit, until they show: the markers may be written after EndTxn answered).
// Prints one JSON object.
import { Kafka, logLevel } from "kafkajs";

const [bootstrap, transactionalId, group, input, output] = process.argv.slice(2);
const kafka = new Kafka({ clientId: "takhin-txn-offsets-kafkajs", brokers: bootstrap.split(","), logLevel: logLevel.NOTHING, retry: { retries: 10 } });
const admin = kafka.admin();
const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
const out = { client: "kafkajs", phases: {} };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** EndTxn answers before the markers are written (Kafka completes them asynchronously): wait until the group shows `want`. */
async function settled(partition, want) {
  const deadline = Date.now() + 20000;
  let m = await offsets();
  while (m[partition] !== want && Date.now() < deadline) {
    await sleep(100);
    m = await offsets();
  }
  return m;
}

/**
 * kafkajs does not retry AddOffsetsToTxn's CONCURRENT_TRANSACTIONS (the previous transaction's
 * markers are still being completed: Kafka answers so too, and the Java client retries it), nor
 * TxnOffsetCommit's COORDINATOR_LOAD_IN_PROGRESS (a group coordinator that is still loading its
 * offsets partition, e.g. just after a cluster starts; Kafka answers so too): retry the send here,
 * bounded.
 */
async function sendOffsets(txn, args) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await txn.sendOffsets(args);
    } catch (e) {
      if (!/concurrent operation|coordinator is loading/.test(e.message) || attempt >= 100) throw e;
      out.concurrentRetries = (out.concurrentRetries ?? 0) + 1;
      await sleep(100);
    }
  }
}

async function offsets() {
  const [t] = await admin.fetchOffsets({ groupId: group, topics: [input] });
  const m = {};
  for (const p of t.partitions) m[p.partition] = Number(p.offset);
  return m;
}

try {
  await admin.connect();
  await producer.connect();
  const t1 = await producer.transaction();
  await t1.send({ topic: output, messages: [{ key: "k", value: "from-txn-1" }] });
  await sendOffsets(t1, { consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 0, offset: "5" }] }] });
  out.phases.beforeCommit = await offsets();
  await t1.commit();
  out.phases.afterCommit = await settled(0, 5);

  const t2 = await producer.transaction();
  await sendOffsets(t2, { consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 0, offset: "9" }] }] });
  out.phases.beforeAbort = await offsets();
  await t2.abort();
  // The abort's markers are written asynchronously too; the next transaction's first request waits for them (CONCURRENT_TRANSACTIONS is retried).
  out.phases.afterAbort = await offsets();

  const t3 = await producer.transaction();
  await sendOffsets(t3, { consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 1, offset: "7" }] }] });
  out.phases.leftOpen = await offsets();
  out.ok = true;
} catch (e) {
  out.ok = false;
  out.error = `${e.name}: ${e.message}`;
}
await admin.disconnect().catch(() => {});
console.log(JSON.stringify(out));
// Transaction 3 stays open: exit without ending it (disconnect would not abort it either).
process.exit(0);

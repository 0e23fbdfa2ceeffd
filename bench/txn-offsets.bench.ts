/**
 * Transactional offsets benchmark: the group coordinator's cost of a transactional offset commit
 * next to a plain one, in the same run against the same in-process broker, and the replay of a
 * __consumer_offsets partition full of transactional commits at start.
 *
 *   bun bench/txn-offsets.bench.ts [--requests 3000] [--partitions 1] [--replay-txns 20000]
 *
 * Over one connection, requests one after another (the latency of each, then p50/p99 and req/s):
 *   OffsetCommit v8          --partitions partitions per request
 *   TxnOffsetCommit v3       the same offsets as the next transaction of one producer (pending)
 *   marker                   that producer's COMMIT marker to the group's offsets partition,
 *                            through the broker's TxnMarkerWriter (what EndTxn does), making them visible
 * The broker runs with transaction_partition_verification_enable false, so the numbers are the group
 * coordinator's and the log's, without the transaction coordinator's check.
 * Replay: --replay-txns transactions (a TxnOffsetCommit and its marker each, every tenth aborted) are
 * written, the broker restarts on the same data three times, and the load time the group service logs is shown.
 */
import { startTestBroker, removeDir, tempDir, RawClient } from "../test/helpers/broker.ts";
import { InitProducerId } from "../src/protocol/messages/init-producer-id.ts";
import { OffsetCommit } from "../src/protocol/messages/offset-commit.ts";
import { TxnOffsetCommit } from "../src/protocol/messages/txn-offset-commit.ts";
import { FindCoordinator } from "../src/protocol/messages/find-coordinator.ts";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

const REQUESTS = arg("requests", 3000);
const PARTITIONS = arg("partitions", 1);
const REPLAY_TXNS = arg("replay-txns", 20000);
const TOPIC = "bench-in";
const GROUP = "bench-group";

function stats(name: string, ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))]!;
  const total = ms.reduce((a, b) => a + b, 0);
  return `${name.padEnd(22)} n=${ms.length}  p50 ${q(0.5).toFixed(3)} ms  p99 ${q(0.99).toFixed(3)} ms  ${(ms.length / (total / 1000)).toFixed(0)} req/s`;
}

const dir = tempDir("bench-txn-offsets-");
let tb = await startTestBroker({ transactionPartitionVerificationEnable: false, autoCreateTopicsEnable: false } as never, dir);
tb.broker.context.topics.create(TOPIC, Math.max(PARTITIONS, 1));
let c = await RawClient.connect(tb.port);
await c.call(FindCoordinator, 3, { key: GROUP, keyType: 0 });
const ip = await c.call(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
const producerId: bigint = ip.producerId;
const offsetsPartition = tb.broker.context.groups.partitionFor(GROUP);
const parts = (o: bigint) => Array.from({ length: PARTITIONS }, (_, p) => ({ partitionIndex: p, committedOffset: o, committedLeaderEpoch: -1, committedMetadata: "" }));

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

const plain: number[] = [];
const txn: number[] = [];
const marker: number[] = [];
// Warm-up, then interleaved rounds so drift on a shared machine affects both alike.
for (let i = 0; i < 200; i++) await c.call(OffsetCommit, 8, { groupId: GROUP, generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, topics: [{ name: TOPIC, partitions: parts(BigInt(i)) }] });
for (let i = 0; i < REQUESTS; i++) {
  plain.push(await timed(() => c.call(OffsetCommit, 8, { groupId: GROUP, generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, topics: [{ name: TOPIC, partitions: parts(BigInt(i)) }] })));
  txn.push(await timed(() => c.call(TxnOffsetCommit, 3, { transactionalId: "bench", groupId: GROUP, producerId, producerEpoch: 0, generationId: -1, memberId: "", groupInstanceId: null, topics: [{ name: TOPIC, partitions: parts(BigInt(i)) }] })));
  marker.push(await timed(() => tb.broker.context.txnMarkers.writeMarkers({ producerId, producerEpoch: 0, coordinatorEpoch: 0, result: "commit", partitions: [{ topic: "__consumer_offsets", partition: offsetsPartition }] })));
}
console.log(`partitions per commit: ${PARTITIONS}`);
console.log(stats("OffsetCommit v8", plain));
console.log(stats("TxnOffsetCommit v3", txn));
console.log(stats("COMMIT marker", marker));

// Replay: a partition full of transactional commits and their markers.
const t0 = performance.now();
for (let i = 0; i < REPLAY_TXNS; i++) {
  await c.call(TxnOffsetCommit, 3, { transactionalId: "bench", groupId: GROUP, producerId, producerEpoch: 0, generationId: -1, memberId: "", groupInstanceId: null, topics: [{ name: TOPIC, partitions: parts(BigInt(i)) }] });
  await tb.broker.context.txnMarkers.writeMarkers({ producerId, producerEpoch: 0, coordinatorEpoch: 0, result: i % 10 === 9 ? "abort" : "commit", partitions: [{ topic: "__consumer_offsets", partition: offsetsPartition }] });
}
const writeMs = performance.now() - t0;
const records = tb.broker.context.partitions.hosted("__consumer_offsets", offsetsPartition)!.logEndOffset;
c.close();
await tb.stop();
console.log(`replay: ${REPLAY_TXNS} transactions written in ${(writeMs / 1000).toFixed(1)} s; the offsets partition's log end: ${records}`);
// Three restarts (the first reads a cold page cache less often than it seems: the files were just written).
for (let k = 0; k < 3; k++) {
  tb = await startTestBroker({ transactionPartitionVerificationEnable: false, autoCreateTopicsEnable: false } as never, dir);
  const loaded = tb.logs.find((l) => l.includes("loaded consumer groups"));
  console.log(`  restart ${k + 1}: ${loaded?.replace(/^.*loaded consumer groups/, "loaded consumer groups") ?? "(no load line)"}`);
  await tb.stop();
}
removeDir(dir);

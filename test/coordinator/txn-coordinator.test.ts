/**
 * The transaction coordinator over real sockets and real files, one broker, request by request:
 * FindCoordinator key type 1 (and v4 batches) creating __transaction_state on first use;
 * InitProducerId's epoch bumps, KIP-360 bumps and their retries, fencing and the error each version
 * sees (PRODUCER_FENCED from v4, INVALID_PRODUCER_EPOCH before), INVALID_TRANSACTION_TIMEOUT;
 * AddPartitionsToTxn (unknown partitions, v4 verify_only), the produce path's verification,
 * EndTxn (fencing per version, KIP-890 part 2 bumps on v5 and their retries), the markers and the
 * Complete record; InitProducerId aborting an ongoing transaction (CONCURRENT_TRANSACTIONS, then a
 * bumped epoch); transactions past their timeout aborted by the coordinator; idle ids expired to a
 * tombstone; a PrepareCommit whose markers never got out (a marker-write fault injected, the only
 * mock here) finished by the restarted coordinator; the state replayed from __transaction_state after a restart; DescribeTransactions and
 * ListTransactions with their filters.
 *
 * Waiting for the coordinator's background work (markers, sweeps) polls its answers with a
 * generous bound; nothing asserts on how long anything took.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { TRANSACTION_STATE_TOPIC, decodeTxnKey, decodeTxnValue, readTxnPartition, txnPartitionFor } from "../../src/coordinator/txn/txn-log.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { AddOffsetsToTxn } from "../../src/protocol/messages/add-offsets-to-txn.ts";
import { AddPartitionsToTxn } from "../../src/protocol/messages/add-partitions-to-txn.ts";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { DescribeTransactions } from "../../src/protocol/messages/describe-transactions.ts";
import { EndTxn } from "../../src/protocol/messages/end-txn.ts";
import { FindCoordinator } from "../../src/protocol/messages/find-coordinator.ts";
import { InitProducerId } from "../../src/protocol/messages/init-producer-id.ts";
import { ListTransactions } from "../../src/protocol/messages/list-transactions.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { buildRecordBatch, TRANSACTIONAL_BIT } from "../../src/protocol/record-batch.ts";
import { RawClient, removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";

const TOPIC = "txc-data";
const STATE_PARTITIONS = 3;
const WAIT_MS = 20_000;
const enc = new TextEncoder();
const dataDir = tempDir("txn-coordinator-");
let tb: TestBroker;
let c: RawClient;
let correlation = 1;

async function start(): Promise<void> {
  tb = await startTestBroker(
    {
      autoCreateTopicsEnable: false,
      transactionStateLogNumPartitions: STATE_PARTITIONS,
      transactionMaxTimeoutMs: 60_000,
      transactionAbortTimedOutTransactionCleanupIntervalMs: 100,
    },
    dataDir,
  );
  c = await RawClient.connect(tb.port);
}

async function restart(): Promise<void> {
  c.close();
  await tb.stop();
  await start();
}

beforeAll(async () => {
  await start();
  tb.broker.context.topics.create(TOPIC, 3);
});
afterAll(async () => {
  c?.close();
  await tb?.stop();
  removeDir(dataDir);
});

const call = (api: Parameters<RawClient["call"]>[0], version: number, body: unknown) => c.call(api, version, body, correlation++);

async function init(id: string, version = 4, timeoutMs = 30_000, expected: { producerId: bigint; epoch: number } | null = null) {
  return call(InitProducerId, version, { transactionalId: id, transactionTimeoutMs: timeoutMs, producerId: expected?.producerId ?? -1n, producerEpoch: expected?.epoch ?? -1 });
}

/** InitProducerId retried while the coordinator answers CONCURRENT_TRANSACTIONS (what clients do). */
async function initRetrying(id: string, version = 4, timeoutMs = 30_000) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const r = await init(id, version, timeoutMs);
    if (r.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS || Date.now() > deadline) return r;
    await Bun.sleep(20);
  }
}

async function addPartitions(id: string, p: { producerId: bigint; producerEpoch: number }, partitions: number[], version = 3, topic = TOPIC): Promise<number[]> {
  const r = await call(AddPartitionsToTxn, version, { v3AndBelowTransactionalId: id, v3AndBelowProducerId: p.producerId, v3AndBelowProducerEpoch: p.producerEpoch, v3AndBelowTopics: [{ name: topic, partitions }] });
  const byIndex = new Map<number, number>(r.resultsByTopicV3AndBelow.flatMap((t: any) => t.resultsByPartition.map((x: any) => [x.partitionIndex, x.partitionErrorCode])));
  return partitions.map((i) => byIndex.get(i)!);
}

async function endTxn(id: string, p: { producerId: bigint; producerEpoch: number }, committed: boolean, version = 3) {
  return call(EndTxn, version, { transactionalId: id, producerId: p.producerId, producerEpoch: p.producerEpoch, committed });
}

async function produceTxn(id: string, p: { producerId: bigint; producerEpoch: number }, partition: number, sequence: number, values: string[]): Promise<number> {
  const records = buildRecordBatch({
    attributes: TRANSACTIONAL_BIT,
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    baseSequence: sequence,
    records: values.map((v) => ({ key: enc.encode(v), value: enc.encode(v) })),
  });
  const r = await call(Produce, 9, { transactionalId: id, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }] });
  return r.responses[0].partitionResponses[0].errorCode;
}

async function describeTxn(id: string) {
  const r = await call(DescribeTransactions, 0, { transactionalIds: [id] });
  return r.transactionStates[0];
}

/** Polls DescribeTransactions until `pred` holds (the markers and the sweeps run in the background). */
async function describeUntil(id: string, pred: (d: any) => boolean): Promise<any> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const d = await describeTxn(id);
    if (pred(d) || Date.now() > deadline) return d;
    await Bun.sleep(20);
  }
}

const pid = (r: any) => ({ producerId: r.producerId as bigint, producerEpoch: r.producerEpoch as number });

describe("transaction coordinator", () => {
  test("FindCoordinator key type 1 names this broker (v1-3 and batched v4+) and creates __transaction_state on first use, compacted", async () => {
    expect(tb.broker.context.topics.get(TRANSACTION_STATE_TOPIC)).toBeUndefined();
    const one = await call(FindCoordinator, 3, { key: "fc-1", keyType: 1, coordinatorKeys: [] });
    expect(one).toMatchObject({ errorCode: 0, nodeId: tb.broker.context.nodeId, port: tb.port });
    const many = await call(FindCoordinator, 4, { keyType: 1, coordinatorKeys: ["fc-a", "fc-b", ""] });
    expect(many.coordinators.map((x: any) => [x.key, x.errorCode, x.port])).toEqual([["fc-a", 0, tb.port], ["fc-b", 0, tb.port], ["", ErrorCode.INVALID_REQUEST, -1]]);
    const t = tb.broker.context.topics.get(TRANSACTION_STATE_TOPIC)!;
    expect(t.partitions).toBe(STATE_PARTITIONS);
    expect(t.configs["cleanup.policy"]).toBe("compact");
    // Kafka's placement: abs(String.hashCode) % partitions, the same as groups.
    expect(txnPartitionFor("abc", 50)).toBe(96354 % 50);
  });

  test("ApiVersions advertises the transaction APIs at Kafka 4.4's ranges", async () => {
    const r = await call(ApiVersions, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    const range = (k: number) => r.apiKeys.find((a: any) => a.apiKey === k);
    expect([22, 24, 25, 26, 27, 65, 66].map((k) => [k, range(k)?.minVersion, range(k)?.maxVersion])).toEqual([
      [22, 0, 5],
      [24, 0, 5],
      [25, 0, 4],
      [26, 0, 5],
      [27, 1, 2],
      [65, 0, 0],
      [66, 0, 2],
    ]);
  });

  test("InitProducerId: timeouts past transaction_max_timeout_ms refused, epochs bumped, KIP-360 bumps and retries, fencing per version", async () => {
    expect((await init("ip-1", 4, 60_001)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await init("ip-1", 4, 0)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await init("", 4)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    const first = await init("ip-1", 4);
    expect(first).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    expect(first.producerId).toBeGreaterThanOrEqual(0n);
    const second = await init("ip-1", 1);
    expect([second.errorCode, second.producerId, second.producerEpoch]).toEqual([0, first.producerId, 1]);
    // KIP-360: the producer's own id and epoch bump it; the same request again (a lost answer) gets the same epoch.
    const bumped = await init("ip-1", 4, 30_000, { producerId: first.producerId, epoch: 1 });
    expect([bumped.errorCode, bumped.producerEpoch]).toEqual([0, 2]);
    const retried = await init("ip-1", 4, 30_000, { producerId: first.producerId, epoch: 1 });
    expect([retried.errorCode, retried.producerEpoch]).toEqual([0, 2]);
    // An older epoch is a zombie: PRODUCER_FENCED from v4, INVALID_PRODUCER_EPOCH for v3.
    expect((await init("ip-1", 4, 30_000, { producerId: first.producerId, epoch: 0 })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await init("ip-1", 3, 30_000, { producerId: first.producerId, epoch: 0 })).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    // Another id's producer id is not this one's.
    expect((await init("ip-1", 4, 30_000, { producerId: first.producerId + 1000n, epoch: 2 })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    // Transactional ids get their own producer ids.
    const other = await init("ip-2", 4);
    expect(other.producerId).not.toBe(first.producerId);
  });

  test("a committed transaction: partitions added (unknown ones refused), produce verified, markers written, CompleteCommit; stale epochs fenced per version", async () => {
    const p = pid(await init("tx-c"));
    expect(await addPartitions("tx-c", p, [0, 7])).toEqual([ErrorCode.OPERATION_NOT_ATTEMPTED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect((await describeTxn("tx-c")).transactionState).toBe("Empty");
    expect(await addPartitions("tx-c", p, [0, 1])).toEqual([0, 0]);
    const d = await describeTxn("tx-c");
    expect([d.transactionState, d.producerId, d.producerEpoch, d.transactionTimeoutMs, d.topics]).toEqual(["Ongoing", p.producerId, p.producerEpoch, 30_000, [{ topic: TOPIC, partitions: [0, 1] }]]);
    expect(d.transactionStartTimeMs).toBeGreaterThan(0n);
    expect(await produceTxn("tx-c", p, 0, 0, ["c0", "c1"])).toBe(ErrorCode.NONE);
    // A partition not added to the transaction is refused by the coordinator's verification.
    expect(await produceTxn("tx-c", p, 2, 0, ["c2"])).toBe(ErrorCode.INVALID_TXN_STATE);
    // The brokers' form (v4+, verify_only) answers the same question.
    const v = await call(AddPartitionsToTxn, 4, { transactions: [{ transactionalId: "tx-c", producerId: p.producerId, producerEpoch: p.producerEpoch, verifyOnly: true, topics: [{ name: TOPIC, partitions: [0, 2] }] }] });
    expect(v.errorCode).toBe(0);
    expect(v.resultsByTransaction[0].topicResults[0].resultsByPartition.map((x: any) => x.partitionErrorCode)).toEqual([0, ErrorCode.INVALID_TXN_STATE]);
    const partition0 = tb.broker.context.partitions.get(TOPIC, 0)!;
    expect(partition0.lastStableOffset).toBeLessThan(partition0.logEndOffset);
    // An older epoch cannot end it: PRODUCER_FENCED (v2+), INVALID_PRODUCER_EPOCH (v0-1).
    expect((await endTxn("tx-c", { ...p, producerEpoch: p.producerEpoch - 1 }, true, 3)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await endTxn("tx-c", { ...p, producerEpoch: p.producerEpoch - 1 }, true, 1)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await endTxn("tx-c", { ...p, producerId: p.producerId + 1n }, true, 3)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect((await endTxn("tx-c", p, true, 3)).errorCode).toBe(ErrorCode.NONE);
    const done = await describeUntil("tx-c", (x) => x.transactionState === "CompleteCommit");
    expect([done.transactionState, done.topics]).toEqual(["CompleteCommit", []]);
    // The marker is in both partitions: nothing is unstable any more.
    for (const i of [0, 1]) {
      const part = tb.broker.context.partitions.get(TOPIC, i)!;
      expect(part.lastStableOffset).toBe(part.logEndOffset);
    }
    expect(partition0.logEndOffset).toBe(3); // c0, c1, COMMIT
    // Ending it again with the same result is answered NONE (a retry); the other result is INVALID_TXN_STATE.
    expect((await endTxn("tx-c", p, true, 3)).errorCode).toBe(ErrorCode.NONE);
    expect((await endTxn("tx-c", p, false, 3)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  test("InitProducerId during an ongoing transaction aborts it (CONCURRENT_TRANSACTIONS, then a bumped epoch) and fences the old producer", async () => {
    const p = pid(await init("tx-f"));
    expect(await addPartitions("tx-f", p, [1])).toEqual([0]);
    expect(await produceTxn("tx-f", p, 1, 0, ["zombie"])).toBe(0);
    expect((await init("tx-f")).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    const next = await initRetrying("tx-f");
    expect(next.errorCode).toBe(0);
    expect(next.producerId).toBe(p.producerId);
    expect(next.producerEpoch).toBe(p.producerEpoch + 2); // the fencing abort's bump, then this init's
    expect((await describeTxn("tx-f")).transactionState).toBe("Empty");
    const part = tb.broker.context.partitions.get(TOPIC, 1)!;
    expect(part.lastStableOffset).toBe(part.logEndOffset);
    // The zombie can neither add partitions nor end a transaction.
    expect(await addPartitions("tx-f", p, [2], 3)).toEqual([ErrorCode.PRODUCER_FENCED]);
    expect(await addPartitions("tx-f", p, [2], 1)).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH]);
    expect((await endTxn("tx-f", p, true)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await produceTxn("tx-f", p, 2, 0, ["z"])).not.toBe(ErrorCode.NONE);
  });

  test("EndTxn v5 (transaction version 2) bumps the epoch at every end and names it; a retry with the previous epoch answers NONE", async () => {
    const p = pid(await init("tx-v2"));
    expect(await addPartitions("tx-v2", p, [2])).toEqual([0]);
    const end = await endTxn("tx-v2", p, true, 5);
    expect([end.errorCode, end.producerId, end.producerEpoch]).toEqual([0, p.producerId, p.producerEpoch + 1]);
    await describeUntil("tx-v2", (x) => x.transactionState === "CompleteCommit");
    const retry = await endTxn("tx-v2", p, true, 5);
    expect([retry.errorCode, retry.producerEpoch]).toEqual([0, p.producerEpoch + 1]);
    // The next transaction runs at the bumped epoch: the old one is fenced.
    expect(await addPartitions("tx-v2", p, [2])).toEqual([ErrorCode.PRODUCER_FENCED]);
    // At the bumped epoch, a commit with nothing added is INVALID_TXN_STATE and an abort a valid (empty) end that bumps again.
    const bumped = { producerId: p.producerId, producerEpoch: p.producerEpoch + 1 };
    expect((await endTxn("tx-v2", bumped, true, 5)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    const emptyAfterCommit = await endTxn("tx-v2", bumped, false, 5);
    expect([emptyAfterCommit.errorCode, emptyAfterCommit.producerEpoch]).toEqual([0, bumped.producerEpoch + 1]);
    expect((await describeUntil("tx-v2", (x) => x.transactionState === "CompleteAbort")).topics).toEqual([]);
    // An abort with nothing added (a fresh id, Empty) is a valid end in v2, and bumps too.
    const q = pid(await init("tx-v2-empty"));
    const empty = await endTxn("tx-v2-empty", q, false, 5);
    expect([empty.errorCode, empty.producerEpoch]).toEqual([0, q.producerEpoch + 1]);
  });

  test("AddOffsetsToTxn adds the group's __consumer_offsets partition to the transaction", async () => {
    const p = pid(await init("tx-o"));
    expect((await call(AddOffsetsToTxn, 3, { transactionalId: "tx-o", producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: "txc-group" })).errorCode).toBe(0);
    const d = await describeTxn("tx-o");
    expect(d.topics).toEqual([{ topic: "__consumer_offsets", partitions: [tb.broker.context.groups.partitionFor("txc-group")] }]);
    expect((await call(AddOffsetsToTxn, 1, { transactionalId: "tx-o", producerId: p.producerId, producerEpoch: p.producerEpoch - 1, groupId: "txc-group" })).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await endTxn("tx-o", p, false)).errorCode).toBe(0);
    expect((await describeUntil("tx-o", (x) => x.transactionState === "CompleteAbort")).transactionState).toBe("CompleteAbort");
  });

  test("a transaction past its timeout is aborted by the coordinator: its producer is fenced and the LSO moves past it", async () => {
    const p = pid(await init("tx-t", 4, 1000));
    expect(await addPartitions("tx-t", p, [0])).toEqual([0]);
    expect(await produceTxn("tx-t", p, 0, 0, ["late"])).toBe(0);
    const part = tb.broker.context.partitions.get(TOPIC, 0)!;
    expect(part.lastStableOffset).toBeLessThan(part.logEndOffset);
    const d = await describeUntil("tx-t", (x) => x.transactionState === "CompleteAbort");
    expect([d.transactionState, d.producerEpoch]).toEqual(["CompleteAbort", p.producerEpoch + 1]);
    expect(part.lastStableOffset).toBe(part.logEndOffset);
    expect((await endTxn("tx-t", p, true)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect(tb.logs.some((l) => l.includes("aborting a transaction past its timeout"))).toBe(true);
  });

  test("ListTransactions filters by state, producer id, duration and pattern; DescribeTransactions answers unknown ids TRANSACTIONAL_ID_NOT_FOUND", async () => {
    const p = pid(await init("ls-open"));
    expect(await addPartitions("ls-open", p, [2])).toEqual([0]);
    const all = await call(ListTransactions, 0, { stateFilters: [], producerIdFilters: [] });
    const ids = all.transactionStates.map((t: any) => t.transactionalId);
    for (const id of ["ip-1", "tx-c", "tx-f", "ls-open"]) expect(ids).toContain(id);
    const ongoing = await call(ListTransactions, 0, { stateFilters: ["Ongoing", "Bogus"], producerIdFilters: [] });
    expect(ongoing.unknownStateFilters).toEqual(["Bogus"]);
    expect(ongoing.transactionStates).toEqual([{ transactionalId: "ls-open", producerId: p.producerId, transactionState: "Ongoing" }]);
    const byPid = await call(ListTransactions, 0, { stateFilters: [], producerIdFilters: [p.producerId] });
    expect(byPid.transactionStates.map((t: any) => t.transactionalId)).toEqual(["ls-open"]);
    const longRunning = await call(ListTransactions, 1, { stateFilters: [], producerIdFilters: [], durationFilter: 3_600_000n });
    expect(longRunning.transactionStates).toEqual([]);
    const pattern = await call(ListTransactions, 2, { stateFilters: [], producerIdFilters: [], durationFilter: -1n, transactionalIdPattern: "tx-[cf]" });
    expect(pattern.transactionStates.map((t: any) => t.transactionalId).sort()).toEqual(["tx-c", "tx-f"]);
    // Not a regular expression, one RE2 (Kafka's engine) refuses, one that would backtrack without bound here.
    for (const transactionalIdPattern of ["(", "(tx)\\1", "(a+)+b"]) {
      const bad = await call(ListTransactions, 2, { stateFilters: [], producerIdFilters: [], durationFilter: -1n, transactionalIdPattern });
      expect([transactionalIdPattern, bad.errorCode]).toEqual([transactionalIdPattern, ErrorCode.INVALID_REGULAR_EXPRESSION]);
    }
    expect((await describeTxn("never-seen")).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    expect((await endTxn("ls-open", p, false)).errorCode).toBe(0);
  });

  test("a coordinator stopped between PrepareCommit and its markers: the next one finds PrepareCommit in the log and finishes the commit", async () => {
    const p = pid(await init("pc-resume"));
    expect(await addPartitions("pc-resume", p, [2])).toEqual([0]);
    expect(await produceTxn("pc-resume", p, 2, 0, ["pc"])).toBe(0);
    // A fault the test cannot cause otherwise: every marker write fails with a retriable error (the coordinator keeps retrying).
    // It stays in place until this broker stops (the restarted one has its own marker writer).
    const markers = tb.broker.context.txnMarkers;
    let attempts = 0;
    markers.writeMarkers = async (req) => {
      attempts++;
      return req.partitions.map((x) => ({ ...x, errorCode: ErrorCode.NOT_ENOUGH_REPLICAS }));
    };
    expect((await endTxn("pc-resume", p, true)).errorCode).toBe(0);
    const stuck = await describeUntil("pc-resume", () => attempts >= 2);
    expect(stuck.transactionState).toBe("PrepareCommit");
    expect((await init("pc-resume")).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    const part = () => tb.broker.context.partitions.get(TOPIC, 2)!;
    expect(part().lastStableOffset).toBeLessThan(part().logEndOffset);
    await restart();
    const done = await describeUntil("pc-resume", (x) => x.transactionState === "CompleteCommit");
    expect([done.transactionState, done.producerEpoch]).toEqual(["CompleteCommit", p.producerEpoch]);
    expect(part().lastStableOffset).toBe(part().logEndOffset);
  });

  test("after a restart the coordinator replays __transaction_state (Kafka's records): ids, epochs, states and an ongoing transaction come back", async () => {
    const p = pid(await init("rs-open"));
    expect(await addPartitions("rs-open", p, [1])).toEqual([0]);
    expect(await produceTxn("rs-open", p, 1, 0, ["r0"])).toBe(0);
    const before = await describeTxn("tx-c");
    // The records are Kafka's TransactionLogKey/Value: the last one of tx-c is CompleteCommit (status 4) with no partitions.
    const state = tb.broker.context.partitions.get(TRANSACTION_STATE_TOPIC, txnPartitionFor("tx-c", STATE_PARTITIONS))!;
    const recs = [...readTxnPartition(state, () => {})].filter((r) => r.transactionalId === "tx-c");
    expect(recs.map((r) => r.value!.status)).toEqual([0, 1, 2, 4]); // InitProducerId (Empty), AddPartitions (Ongoing), EndTxn (PrepareCommit), after the markers CompleteCommit
    expect(recs.at(-1)!.value!.partitions).toEqual([]);
    expect(decodeTxnKey(new Uint8Array([0, 0, 0, 2, 0x61, 0x62]))).toBe("ab");
    expect(decodeTxnValue(new Uint8Array([0, 9]))).toBeNull(); // a value version this broker does not know
    await restart();
    const after = await describeTxn("tx-c");
    expect([after.transactionState, after.producerId, after.producerEpoch]).toEqual([before.transactionState, before.producerId, before.producerEpoch]);
    const open = await describeTxn("rs-open");
    expect([open.transactionState, open.topics]).toEqual(["Ongoing", [{ topic: TOPIC, partitions: [1] }]]);
    // The producer carries on where it was: it commits, and the next init bumps from the replayed epoch.
    expect((await endTxn("rs-open", p, true)).errorCode).toBe(0);
    await describeUntil("rs-open", (x) => x.transactionState === "CompleteCommit");
    const again = await init("rs-open");
    expect([again.producerId, again.producerEpoch]).toEqual([p.producerId, p.producerEpoch + 1]);
    expect(tb.logs.some((l) => l.includes("loaded transactional ids"))).toBe(true);
  });
});

test("transactional ids unused past transactional_id_expiration_ms are removed with a tombstone, also after a restart", async () => {
  const dir = tempDir("txn-expiry-");
  const config = { transactionStateLogNumPartitions: 1, transactionalIdExpirationMs: 300, transactionRemoveExpiredTransactionCleanupIntervalMs: 100 };
  let b = await startTestBroker(config, dir);
  let rc = await RawClient.connect(b.port);
  try {
    const r = await rc.call(InitProducerId, 4, { transactionalId: "exp-1", transactionTimeoutMs: 10_000, producerId: -1n, producerEpoch: -1 });
    expect(r.errorCode).toBe(0);
    const deadline = Date.now() + WAIT_MS;
    let code = 0;
    while (Date.now() < deadline) {
      code = (await rc.call(DescribeTransactions, 0, { transactionalIds: ["exp-1"] })).transactionStates[0].errorCode;
      if (code === ErrorCode.TRANSACTIONAL_ID_NOT_FOUND) break;
      await Bun.sleep(20);
    }
    expect(code).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    const recs = [...readTxnPartition(b.broker.context.partitions.get(TRANSACTION_STATE_TOPIC, 0)!, () => {})];
    expect(recs.at(-1)).toEqual({ transactionalId: "exp-1", value: null });
    rc.close();
    await b.stop();
    b = await startTestBroker(config, dir);
    rc = await RawClient.connect(b.port);
    expect((await rc.call(DescribeTransactions, 0, { transactionalIds: ["exp-1"] })).transactionStates[0].errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    // The id starts again with a new producer id.
    const fresh = await rc.call(InitProducerId, 4, { transactionalId: "exp-1", transactionTimeoutMs: 10_000, producerId: -1n, producerEpoch: -1 });
    expect([fresh.errorCode, fresh.producerEpoch]).toEqual([0, 0]);
    expect(fresh.producerId).not.toBe(r.producerId);
  } finally {
    rc.close();
    await b.stop();
    removeDir(dir);
  }
}, 60_000);

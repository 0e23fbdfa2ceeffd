/**
 * Transactional offsets (issue 16 item 3) over real sockets and real files, on one broker:
 * TxnOffsetCommit from a producer id InitProducerId granted, the COMMIT/ABORT markers written by
 * the broker's TxnMarkerWriter (context.txnMarkers, what EndTxn's WriteTxnMarkers reaches) to the
 * group's __consumer_offsets partition, and OffsetFetch before and after, with and without
 * require_stable; a plain commit between a transactional one and its marker wins (it is later in
 * the log); a restart replays the log to the same offsets (pending ones still pending, aborted ones
 * never visible); the v3 committer checks (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
 * FENCED_INSTANCE_ID); a fenced producer epoch; and, with transaction verification on and no
 * transaction coordinator, the refusal the produce path answers too.
 *
 * Until the transaction coordinator lands, the broker runs with
 * transaction_partition_verification_enable false (Kafka's switch: no check with the coordinator),
 * so a producer id from InitProducerId without a transactional id can commit transactionally.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { ConsumerGroupHeartbeat } from "../../src/protocol/messages/consumer-group-heartbeat.ts";
import { ListGroups } from "../../src/protocol/messages/list-groups.ts";
import { FindCoordinator } from "../../src/protocol/messages/find-coordinator.ts";
import { InitProducerId } from "../../src/protocol/messages/init-producer-id.ts";
import { JoinGroup } from "../../src/protocol/messages/join-group.ts";
import { OffsetCommit } from "../../src/protocol/messages/offset-commit.ts";
import { OffsetFetch } from "../../src/protocol/messages/offset-fetch.ts";
import { SyncGroup } from "../../src/protocol/messages/sync-group.ts";
import { TxnOffsetCommit } from "../../src/protocol/messages/txn-offset-commit.ts";
import { WriteTxnMarkers } from "../../src/protocol/messages/write-txn-markers.ts";
import { RawClient, removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";

const TOPIC = "txo-in";
const GROUP = "txo-group";
const dataDir = tempDir("txn-offsets-");
let tb: TestBroker;
let c: RawClient;

async function start(): Promise<void> {
  tb = await startTestBroker({ transactionPartitionVerificationEnable: false, autoCreateTopicsEnable: false }, dataDir, { groups: { initialRebalanceDelayMs: 0 } });
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
  expect((await c.call(FindCoordinator, 3, { key: GROUP, keyType: 0 })).errorCode).toBe(ErrorCode.NONE);
});
afterAll(async () => {
  c?.close();
  await tb?.stop();
  removeDir(dataDir);
});

async function producer(): Promise<{ producerId: bigint; producerEpoch: number }> {
  const r = await c.call(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  expect(r.errorCode).toBe(ErrorCode.NONE);
  return { producerId: r.producerId, producerEpoch: r.producerEpoch };
}

interface TxnCommitArgs {
  producerId: bigint;
  producerEpoch: number;
  offsets: Record<number, bigint>;
  group?: string;
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
  version?: number;
  topic?: string;
}

/** TxnOffsetCommit; the error code of each partition in request order. */
async function txnCommit(a: TxnCommitArgs): Promise<number[]> {
  const r = await c.call(TxnOffsetCommit, a.version ?? 3, {
    transactionalId: "txo-tx",
    groupId: a.group ?? GROUP,
    producerId: a.producerId,
    producerEpoch: a.producerEpoch,
    generationId: a.generationId ?? -1,
    memberId: a.memberId ?? "",
    groupInstanceId: a.groupInstanceId ?? null,
    topics: [{ name: a.topic ?? TOPIC, partitions: Object.entries(a.offsets).map(([p, o]) => ({ partitionIndex: Number(p), committedOffset: o, committedLeaderEpoch: -1, committedMetadata: `txn-${o}` })) }],
  });
  return r.topics.flatMap((t: any) => t.partitions.map((p: any) => p.errorCode));
}

async function marker(producerId: bigint, producerEpoch: number, result: "commit" | "abort", group = GROUP): Promise<void> {
  const partition = tb.broker.context.groups.partitionFor(group);
  const r = await tb.broker.context.txnMarkers.writeMarkers({ producerId, producerEpoch, coordinatorEpoch: 0, result, partitions: [{ topic: "__consumer_offsets", partition }] });
  expect(r.map((x) => x.errorCode)).toEqual([ErrorCode.NONE]);
}

/** OffsetFetch v7 (and v8, which must agree): partition -> [offset, errorCode]. */
async function fetched(requireStable: boolean, group = GROUP): Promise<Record<number, [bigint, number]>> {
  const v7 = await c.call(OffsetFetch, 7, { groupId: group, topics: [{ name: TOPIC, partitionIndexes: [0, 1, 2] }], requireStable });
  const v8 = await c.call(OffsetFetch, 8, { groups: [{ groupId: group, topics: [{ name: TOPIC, partitionIndexes: [0, 1, 2] }] }], requireStable });
  const out: Record<number, [bigint, number]> = {};
  for (const p of v7.topics[0].partitions) out[p.partitionIndex] = [p.committedOffset, p.errorCode];
  const out8: Record<number, [bigint, number]> = {};
  for (const p of v8.groups[0].topics[0].partitions) out8[p.partitionIndex] = [p.committedOffset, p.errorCode];
  expect(out8).toEqual(out);
  return out;
}

const NONE = ErrorCode.NONE;
const UNSTABLE = ErrorCode.UNSTABLE_OFFSET_COMMIT;

describe("transactional offsets", () => {
  test("ApiVersions advertises TxnOffsetCommit 0-4", async () => {
    const r = await c.call(ApiVersions, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    const k = r.apiKeys.find((x: any) => x.apiKey === 28);
    expect([k.minVersion, k.maxVersion]).toEqual([0, 4]);
  });

  test("invisible until the COMMIT marker; require_stable answers UNSTABLE_OFFSET_COMMIT meanwhile; ABORT drops them", async () => {
    const p = await producer();
    expect(await txnCommit({ ...p, offsets: { 0: 10n, 1: 11n } })).toEqual([NONE, NONE]);
    expect(await fetched(false)).toEqual({ 0: [-1n, NONE], 1: [-1n, NONE], 2: [-1n, NONE] });
    expect(await fetched(true)).toEqual({ 0: [-1n, UNSTABLE], 1: [-1n, UNSTABLE], 2: [-1n, NONE] });
    // OffsetFetch v6 has no require_stable: the last committed offsets.
    const v6 = await c.call(OffsetFetch, 6, { groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0] }] });
    expect([v6.topics[0].partitions[0].committedOffset, v6.topics[0].partitions[0].errorCode]).toEqual([-1n, NONE]);
    await marker(p.producerId, p.producerEpoch, "commit");
    expect(await fetched(true)).toEqual({ 0: [10n, NONE], 1: [11n, NONE], 2: [-1n, NONE] });
    const meta = await c.call(OffsetFetch, 7, { groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0] }], requireStable: true });
    expect(meta.topics[0].partitions[0].metadata).toBe("txn-10");

    // The next transaction of the same producer is aborted: nothing of it is ever visible.
    expect(await txnCommit({ ...p, offsets: { 0: 20n, 2: 22n } })).toEqual([NONE, NONE]);
    expect(await fetched(true)).toEqual({ 0: [-1n, UNSTABLE], 1: [11n, NONE], 2: [-1n, UNSTABLE] });
    expect(await fetched(false)).toEqual({ 0: [10n, NONE], 1: [11n, NONE], 2: [-1n, NONE] });
    await marker(p.producerId, p.producerEpoch, "abort");
    expect(await fetched(true)).toEqual({ 0: [10n, NONE], 1: [11n, NONE], 2: [-1n, NONE] });
  });

  test("two producers' transactions on one group complete independently", async () => {
    const a = await producer();
    const b = await producer();
    expect(await txnCommit({ ...a, offsets: { 0: 30n } })).toEqual([NONE]);
    expect(await txnCommit({ ...b, offsets: { 0: 31n, 1: 41n } })).toEqual([NONE, NONE]);
    await marker(b.producerId, b.producerEpoch, "abort");
    // a's commit on partition 0 is still pending.
    expect(await fetched(true)).toEqual({ 0: [-1n, UNSTABLE], 1: [11n, NONE], 2: [-1n, NONE] });
    await marker(a.producerId, a.producerEpoch, "commit");
    expect(await fetched(true)).toEqual({ 0: [30n, NONE], 1: [11n, NONE], 2: [-1n, NONE] });
  });

  test("a plain commit written after a transactional one stays when the transaction commits (the later record wins)", async () => {
    const p = await producer();
    expect(await txnCommit({ ...p, offsets: { 1: 50n } })).toEqual([NONE]);
    const plain = await c.call(OffsetCommit, 8, { groupId: GROUP, generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 1, committedOffset: 45n, committedLeaderEpoch: -1, committedMetadata: "" }] }] });
    expect(plain.topics[0].partitions[0].errorCode).toBe(NONE);
    expect(await fetched(false)).toEqual({ 0: [30n, NONE], 1: [45n, NONE], 2: [-1n, NONE] });
    expect(await fetched(true)).toEqual({ 0: [30n, NONE], 1: [-1n, UNSTABLE], 2: [-1n, NONE] });
    await marker(p.producerId, p.producerEpoch, "commit");
    expect(await fetched(true)).toEqual({ 0: [30n, NONE], 1: [45n, NONE], 2: [-1n, NONE] });
  });

  test("a restart replays the log: committed stay, a pending commit is still pending and completes after, aborted ones never show", async () => {
    const p = await producer();
    expect(await txnCommit({ ...p, offsets: { 2: 60n } })).toEqual([NONE]);
    const q = await producer();
    expect(await txnCommit({ ...q, offsets: { 0: 70n } })).toEqual([NONE]);
    await marker(q.producerId, q.producerEpoch, "abort");
    const before = await fetched(false);
    await restart();
    expect(await fetched(false)).toEqual(before);
    expect(await fetched(true)).toEqual({ 0: [30n, NONE], 1: [45n, NONE], 2: [-1n, UNSTABLE] });
    await marker(p.producerId, p.producerEpoch, "commit");
    expect(await fetched(true)).toEqual({ 0: [30n, NONE], 1: [45n, NONE], 2: [60n, NONE] });
    await restart();
    expect(await fetched(true)).toEqual({ 0: [30n, NONE], 1: [45n, NONE], 2: [60n, NONE] });
  });

  test("a marker written by a WriteTxnMarkers request (as another node's transaction coordinator sends it) completes the pending offsets", async () => {
    const p = await producer();
    const q = await producer();
    expect(await txnCommit({ ...p, offsets: { 0: 90n } })).toEqual([NONE]);
    expect(await txnCommit({ ...q, offsets: { 1: 91n } })).toEqual([NONE]);
    const partition = tb.broker.context.groups.partitionFor(GROUP);
    const r = await c.call(WriteTxnMarkers, 1, {
      markers: [
        { producerId: p.producerId, producerEpoch: p.producerEpoch, transactionResult: true, topics: [{ name: "__consumer_offsets", partitionIndexes: [partition] }], coordinatorEpoch: 0 },
        { producerId: q.producerId, producerEpoch: q.producerEpoch, transactionResult: false, topics: [{ name: "__consumer_offsets", partitionIndexes: [partition] }], coordinatorEpoch: 0 },
      ],
    });
    expect(r.markers.map((m: any) => m.topics[0].partitions[0].errorCode)).toEqual([NONE, NONE]);
    expect(await fetched(true)).toEqual({ 0: [90n, NONE], 1: [45n, NONE], 2: [60n, NONE] });
  });

  test("a producer epoch older than the one the offsets partition saw is INVALID_PRODUCER_EPOCH", async () => {
    const p = await producer();
    // The transaction coordinator bumped the epoch (as EndTxn under transaction version 2 or an abort on timeout does).
    await marker(p.producerId, p.producerEpoch + 1, "abort");
    expect(await txnCommit({ ...p, offsets: { 0: 80n } })).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH]);
    expect(await txnCommit({ ...p, producerEpoch: p.producerEpoch + 1, offsets: { 0: 81n } })).toEqual([NONE]);
    await marker(p.producerId, p.producerEpoch + 1, "abort");
    expect((await fetched(true))[0]).toEqual([90n, NONE]);
  });

  test("unknown topics and partitions are UNKNOWN_TOPIC_OR_PARTITION; metadata too large is OFFSET_METADATA_TOO_LARGE", async () => {
    const p = await producer();
    expect(await txnCommit({ ...p, topic: "no-such-topic", offsets: { 0: 1n } })).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(await txnCommit({ ...p, offsets: { 7: 1n } })).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    const big = await c.call(TxnOffsetCommit, 3, {
      transactionalId: "txo-tx", groupId: GROUP, producerId: p.producerId, producerEpoch: p.producerEpoch, generationId: -1, memberId: "", groupInstanceId: null,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: "x".repeat(5000) }] }],
    });
    expect(big.topics[0].partitions[0].errorCode).toBe(ErrorCode.OFFSET_METADATA_TOO_LARGE);
    const bad = await c.call(TxnOffsetCommit, 3, { transactionalId: "t", groupId: "", producerId: p.producerId, producerEpoch: 0, generationId: -1, memberId: "", groupInstanceId: null, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: "" }] }] });
    expect(bad.topics[0].partitions[0].errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  test("v3+ checks the committer (KIP-447): ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID; v0 carries none and is accepted", async () => {
    const group = "txo-members";
    const p = await producer();
    // A group that does not exist: generation -1 creates it (a simple group), a generation does not.
    expect(await txnCommit({ ...p, group: "txo-nobody", generationId: 3, memberId: "m", offsets: { 0: 1n } })).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    const join = await c.call(JoinGroup, 5, { groupId: group, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId: "", groupInstanceId: "inst-1", protocolType: "consumer", protocols: [{ name: "range", metadata: new Uint8Array(0) }] });
    expect(join.errorCode).toBe(NONE);
    const sync = await c.call(SyncGroup, 3, { groupId: group, generationId: join.generationId, memberId: join.memberId, groupInstanceId: "inst-1", assignments: [{ memberId: join.memberId, assignment: new Uint8Array(0) }] });
    expect(sync.errorCode).toBe(NONE);
    const member = { group, memberId: join.memberId, groupInstanceId: "inst-1", generationId: join.generationId };
    expect(await txnCommit({ ...p, ...member, generationId: join.generationId + 1, offsets: { 0: 5n } })).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(await txnCommit({ ...p, ...member, memberId: "someone-else", groupInstanceId: null, offsets: { 0: 5n } })).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await txnCommit({ ...p, ...member, memberId: "someone-else", offsets: { 0: 5n } })).toEqual([ErrorCode.FENCED_INSTANCE_ID]);
    // v0 has no member fields: accepted in a group with members (Kafka's rule for transactional commits).
    expect(await txnCommit({ ...p, group, version: 0, offsets: { 1: 6n } })).toEqual([NONE]);
    expect(await txnCommit({ ...p, ...member, offsets: { 0: 5n } })).toEqual([NONE]);
    await marker(p.producerId, p.producerEpoch, "commit", group);
    expect(await fetched(true, group)).toEqual({ 0: [5n, NONE], 1: [6n, NONE], 2: [-1n, NONE] });
  });

  test("a KIP-848 consumer group: member epoch checked (stale: ILLEGAL_GENERATION, unknown member: UNKNOWN_MEMBER_ID), offsets pending until the marker, no classic group appears", async () => {
    const group = "txo-kip848";
    const hb = await c.call(ConsumerGroupHeartbeat, 1, {
      groupId: group, memberId: "kip848-m1", memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000,
      subscribedTopicNames: [TOPIC], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [],
    });
    expect(hb.errorCode).toBe(NONE);
    const epoch: number = hb.memberEpoch;
    const p = await producer();
    const member = { group, memberId: "kip848-m1", generationId: epoch };
    expect(await txnCommit({ ...p, ...member, generationId: epoch + 1, offsets: { 0: 3n } })).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(await txnCommit({ ...p, ...member, memberId: "nobody", offsets: { 0: 3n } })).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    // Without a member (v0-2) in a group with members: UNKNOWN_MEMBER_ID (Kafka's consumer-group rule).
    expect(await txnCommit({ ...p, group, version: 0, offsets: { 0: 3n } })).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await txnCommit({ ...p, ...member, offsets: { 0: 3n, 1: 4n } })).toEqual([NONE, NONE]);
    expect(await fetched(true, group)).toEqual({ 0: [-1n, UNSTABLE], 1: [-1n, UNSTABLE], 2: [-1n, NONE] });
    await marker(p.producerId, p.producerEpoch, "commit", group);
    expect(await fetched(true, group)).toEqual({ 0: [3n, NONE], 1: [4n, NONE], 2: [-1n, NONE] });
    const listed = await c.call(ListGroups, 5, { statesFilter: [], typesFilter: [] });
    expect(listed.groups.filter((g: any) => g.groupId === group).map((g: any) => g.groupType ?? g.protocolType)).toEqual(["consumer"]);
    await restart();
    expect(await fetched(true, group)).toEqual({ 0: [3n, NONE], 1: [4n, NONE], 2: [-1n, NONE] });
  });

  test("with verification on and no transaction coordinator wired, TxnOffsetCommit is refused INVALID_TXN_STATE (as a transactional produce is)", async () => {
    const other = await startTestBroker({ autoCreateTopicsEnable: false });
    const oc = await RawClient.connect(other.port);
    try {
      other.broker.context.topics.create(TOPIC, 1);
      // The broker wires its transaction coordinator; this case takes it away again.
      other.broker.context.replicas.txnVerifier = null;
      const ip = await oc.call(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
      const r = await oc.call(TxnOffsetCommit, 3, { transactionalId: "t", groupId: GROUP, producerId: ip.producerId, producerEpoch: ip.producerEpoch, generationId: -1, memberId: "", groupInstanceId: null, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: "" }] }] });
      expect(r.topics[0].partitions[0].errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
      const f = await oc.call(OffsetFetch, 7, { groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0] }], requireStable: true });
      expect([f.topics[0].partitions[0].committedOffset, f.topics[0].partitions[0].errorCode]).toEqual([-1n, NONE]);
    } finally {
      oc.close();
      await other.stop();
      removeDir(other.dataDir);
    }
  });
});

/**
 * Transactional offsets on a real 3-node cluster in one process (issue 16 item 3): TxnOffsetCommit
 * to the group's coordinator (the leader of its __consumer_offsets partition, replication factor 3),
 * one transaction committed by its marker, two left pending; then the coordinator's broker stops and
 * another broker becomes leader of the offsets partition: it loads the group from its replica of the
 * log and shows the committed offsets, answers UNSTABLE_OFFSET_COMMIT (require_stable) for the
 * pending ones, and the markers written there afterwards (its TxnMarkerWriter, as the transaction
 * coordinator's EndTxn reaches it) commit one and abort the other.
 *
 * Runs with transaction_partition_verification_enable false (no transaction coordinator needed to
 * verify the offsets partition; producer ids come from InitProducerId without a transactional id).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { startBroker, type Broker } from "../../src/server/broker.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { FindCoordinator } from "../../src/protocol/messages/find-coordinator.ts";
import { InitProducerId } from "../../src/protocol/messages/init-producer-id.ts";
import { OffsetFetch } from "../../src/protocol/messages/offset-fetch.ts";
import { TxnOffsetCommit } from "../../src/protocol/messages/txn-offset-commit.ts";
import { createLogger } from "../../src/util/log.ts";
import { RawClient, tempDir } from "../helpers/broker.ts";
import { freeBasePort } from "./faults/harness.ts";

const base = await freeBasePort(3);
const voters = [0, 1, 2].map((i) => `${i}@127.0.0.1:${base + 100 + i}`).join(",");
const root = tempDir("takhin-txn-offsets-cluster-");
const brokers: (Broker | null)[] = [null, null, null];
const TOPIC = "txo-cluster";
const GROUP = "txo-cluster-group";

function start(i: number): Promise<Broker> {
  return startBroker({
    env: {},
    log: createLogger({ level: process.env.TAKHIN_TEST_LOGS ? "info" : "error", format: "text" }),
    overrides: {
      nodeId: i, adminApiPort: 0, schemaRegistryPort: -1, httpProxyPort: -1, consolePort: -1, host: "127.0.0.1", dataDir: `${root}/n${i}`,
      processRoles: "broker,controller", controllerQuorumVoters: voters,
      listeners: `PLAINTEXT://127.0.0.1:${base + i},CONTROLLER://127.0.0.1:${base + 100 + i}`,
      offsetsTopicNumPartitions: 3, transactionPartitionVerificationEnable: false,
    },
  });
}

async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await f();
    if (v) return v;
    await Bun.sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function withClient<T>(port: number, f: (c: RawClient) => Promise<T>): Promise<T> {
  const c = await RawClient.connect(port);
  try {
    return await f(c);
  } finally {
    c.close();
  }
}

/** The group's coordinator as every live broker names it (the same node everywhere). */
async function coordinator(): Promise<number> {
  const found = await until("one coordinator named by every live broker", async () => {
    const named = new Set<number>();
    for (let i = 0; i < 3; i++) {
      if (!brokers[i]) continue;
      const r = await withClient(base + i, (c) => c.call(FindCoordinator, 3, { key: GROUP, keyType: 0 }));
      if (r.errorCode !== ErrorCode.NONE) return null;
      named.add(r.nodeId);
    }
    return named.size === 1 ? { nodeId: [...named][0]! } : null;
  });
  return found.nodeId;
}

async function txnCommit(node: number, producerId: bigint, offsets: Record<number, bigint>): Promise<number[]> {
  const r = await withClient(base + node, (c) =>
    c.call(TxnOffsetCommit, 3, {
      transactionalId: "txo-cluster-tx", groupId: GROUP, producerId, producerEpoch: 0, generationId: -1, memberId: "", groupInstanceId: null,
      topics: [{ name: TOPIC, partitions: Object.entries(offsets).map(([p, o]) => ({ partitionIndex: Number(p), committedOffset: o, committedLeaderEpoch: -1, committedMetadata: "" })) }],
    }),
  );
  return r.topics[0].partitions.map((p: any) => p.errorCode);
}

async function fetched(node: number, requireStable: boolean): Promise<{ errorCode: number; partitions: [bigint, number][] }> {
  const r = await withClient(base + node, (c) => c.call(OffsetFetch, 7, { groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0, 1, 2] }], requireStable }));
  return { errorCode: r.errorCode, partitions: r.topics[0]?.partitions.map((p: any) => [p.committedOffset, p.errorCode]) ?? [] };
}

async function marker(node: number, producerId: bigint, result: "commit" | "abort"): Promise<number[]> {
  const b = brokers[node]!;
  const partition = b.context.groups.partitionFor(GROUP);
  const r = await b.context.txnMarkers.writeMarkers({ producerId, producerEpoch: 0, coordinatorEpoch: 0, result, partitions: [{ topic: "__consumer_offsets", partition }] });
  return r.map((x) => x.errorCode);
}

afterAll(async () => {
  await Promise.all(brokers.map((b) => b?.stop(500)));
}, 30_000);

describe("transactional offsets on a 3-node cluster", () => {
  test("committed and pending transactional offsets survive the offsets partition's leader moving; markers on the new leader complete them", async () => {
    (await Promise.all([0, 1, 2].map(start))).forEach((b, i) => (brokers[i] = b));
    const created = await until("the topic", async () => {
      const r = await withClient(base, (c) => c.call(CreateTopics, 5, { topics: [{ name: TOPIC, numPartitions: 3, replicationFactor: 3, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false }));
      return [ErrorCode.NONE, ErrorCode.TOPIC_ALREADY_EXISTS].includes(r.topics[0].errorCode) ? r : null;
    });
    expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
    await until("the topic on every node", async () => brokers.every((b) => b!.context.topics.get(TOPIC)));
    const first = await coordinator();
    const pids = await Promise.all([0, 1, 2].map(async () => {
      const r = await until("a producer id", async () => {
        const ip = await withClient(base, (c) => c.call(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }));
        return ip.errorCode === ErrorCode.NONE ? ip : null;
      });
      return r.producerId as bigint;
    }));
    const [committedTxn, pendingCommit, pendingAbort] = pids as [bigint, bigint, bigint];

    // A broker that is not the coordinator refuses.
    const other = [0, 1, 2].find((i) => i !== first)!;
    expect(await txnCommit(other, committedTxn, { 0: 1n })).toEqual([ErrorCode.NOT_COORDINATOR]);

    expect(await txnCommit(first, committedTxn, { 0: 10n, 1: 11n })).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    expect(await marker(first, committedTxn, "commit")).toEqual([ErrorCode.NONE]);
    expect(await txnCommit(first, pendingCommit, { 1: 21n, 2: 22n })).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    expect(await txnCommit(first, pendingAbort, { 0: 30n })).toEqual([ErrorCode.NONE]);
    const UNSTABLE = ErrorCode.UNSTABLE_OFFSET_COMMIT;
    expect((await fetched(first, true)).partitions).toEqual([[-1n, UNSTABLE], [-1n, UNSTABLE], [-1n, UNSTABLE]]);
    expect((await fetched(first, false)).partitions).toEqual([[10n, 0], [11n, 0], [-1n, 0]]);

    // The coordinator's broker stops (controlled shutdown moves its leaderships); another leads the offsets partition.
    await brokers[first]!.stop(500);
    brokers[first] = null;
    const second = await coordinator();
    expect(second).not.toBe(first);
    await until("the group loaded on the new coordinator", async () => (await fetched(second, false)).errorCode === ErrorCode.NONE);
    expect((await fetched(second, false)).partitions).toEqual([[10n, 0], [11n, 0], [-1n, 0]]);
    expect((await fetched(second, true)).partitions).toEqual([[-1n, UNSTABLE], [-1n, UNSTABLE], [-1n, UNSTABLE]]);

    expect(await marker(second, pendingAbort, "abort")).toEqual([ErrorCode.NONE]);
    expect((await fetched(second, true)).partitions).toEqual([[10n, 0], [-1n, UNSTABLE], [-1n, UNSTABLE]]);
    expect(await marker(second, pendingCommit, "commit")).toEqual([ErrorCode.NONE]);
    expect((await fetched(second, true)).partitions).toEqual([[10n, 0], [21n, 0], [22n, 0]]);
    // A new transactional commit on the new coordinator works too.
    expect(await txnCommit(second, committedTxn, { 2: 40n })).toEqual([ErrorCode.NONE]);
    expect(await marker(second, committedTxn, "commit")).toEqual([ErrorCode.NONE]);
    expect((await fetched(second, true)).partitions).toEqual([[10n, 0], [21n, 0], [40n, 0]]);
  }, 120_000);
});

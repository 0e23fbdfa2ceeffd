/**
 * What a follower answers and holds (issue 15): OffsetForLeaderEpoch is answered by the leader only
 * (Kafka 4.4's ReplicaManager asks the partition for the leader's log whatever the replica id),
 * with the epoch checks first; a follower's high watermark is min(leader's HW, own log end) and
 * follows the leader's also downwards (Kafka's follower sets it from every fetch response); a
 * consumer's Fetch carrying lastFetchedEpoch is checked against the leader-epoch cache as Kafka 4.4
 * checks every fetch (an epoch newer than the log's: OFFSET_OUT_OF_RANGE with -1 watermarks).
 */
import { afterAll, describe, expect, test } from "bun:test";
import path from "node:path";
import { Partition } from "../../src/cluster/partition.ts";
import { effectiveTopicConfig } from "../../src/cluster/topic-config.ts";
import { KafkaClient } from "../../src/client/index.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { OffsetForLeaderEpoch } from "../../src/protocol/messages/offset-for-leader-epoch.ts";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { startBroker, type Broker } from "../../src/server/broker.ts";
import { PartitionLog } from "../../src/storage/index.ts";
import { createLogger } from "../../src/util/log.ts";
import { RawClient, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { makeTempDir } from "../storage/temp-dir.ts";
import { freeBasePort } from "./faults/harness.ts";

const brokers: Broker[] = [];
const raws: RawClient[] = [];
const testBrokers: TestBroker[] = [];

afterAll(async () => {
  for (const r of raws) r.close();
  await Promise.all([...brokers.map((b) => b.stop(500)), ...testBrokers.map((b) => b.stop())]);
}, 30_000);

async function until(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (ok()) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function batch(n: number, tag: string): Uint8Array {
  return buildRecordBatch({ records: Array.from({ length: n }, (_, i) => ({ key: null, value: new TextEncoder().encode(`${tag}-${i}`), timestampMs: BigInt(Date.now()) })) } as never);
}

describe("a follower's high watermark", () => {
  test("is min(leader's HW, own log end), downwards too", () => {
    const dir = path.join(makeTempDir("follower-hw"), "t-0");
    const topic = { name: "t", id: "AAAAAAAAAAAAAAAAAAAAAA", partitions: 1, configs: {}, internal: false };
    const p = new Partition(topic, 0, PartitionLog.open(dir, "t", 0), effectiveTopicConfig(topic));
    // The leader's batches (offsets 0..9 and 10..19), appended as a follower does.
    const leader = new Partition(topic, 0, PartitionLog.open(path.join(makeTempDir("follower-hw-leader"), "t-0"), "t", 0), effectiveTopicConfig(topic));
    leader.appendAsLeader(batch(10, "a"), { origin: "client" });
    leader.appendAsLeader(batch(10, "b"), { origin: "client" });
    const r = leader.readForReplica(0, 1 << 20, true);
    p.appendAsFollower(Buffer.concat(r.records));
    expect(p.logEndOffset).toBe(20);
    p.followerHighWatermark(15);
    expect(p.highWatermark).toBe(15);
    p.followerHighWatermark(50); // never above its own log end
    expect(p.highWatermark).toBe(20);
    // A new leader whose HW is still behind the old one's: the follower follows it down.
    p.followerHighWatermark(12);
    expect(p.highWatermark).toBe(12);
    p.followerHighWatermark(18);
    expect(p.highWatermark).toBe(18);
    leader.log.close();
    p.log.close();
  });
});

describe("OffsetForLeaderEpoch on a 3-node cluster", () => {
  test("the leader answers; a follower answers NOT_LEADER_OR_FOLLOWER, after the epoch checks", async () => {
    const base = await freeBasePort(3);
    const voters = [0, 1, 2].map((i) => `${i}@127.0.0.1:${base + 100 + i}`).join(",");
    const root = tempDir("takhin-olfe-");
    const started = await Promise.all(
      [0, 1, 2].map((i) =>
        startBroker({
          env: {},
          log: createLogger({ level: process.env.TAKHIN_TEST_LOGS ? "info" : "error", format: "text" }),
          overrides: { nodeId: i, adminApiPort: 0, schemaRegistryPort: -1, httpProxyPort: -1, consolePort: -1, host: "127.0.0.1", dataDir: `${root}/n${i}`, processRoles: "broker,controller", controllerQuorumVoters: voters, listeners: `PLAINTEXT://127.0.0.1:${base + i},CONTROLLER://127.0.0.1:${base + 100 + i}` },
        }),
      ),
    );
    brokers.push(...started);
    const client = await KafkaClient.connect({ bootstrap: [`127.0.0.1:${base}`] } as never);
    try {
      const created = await client.createTopics([{ name: "olfe", numPartitions: 1, replicationFactor: 3 }]);
      expect((created as { errorCode: number }[])[0]!.errorCode).toBe(0);
      await until("the topic on every node", () => brokers.every((b) => b.context.partitions.hosted("olfe", 0) !== undefined));
      for (let k = 0; k < 3; k++) expect((await client.produce("olfe", 0, batch(4, `r${k}`), { acks: -1, timeoutMs: 10_000 }))!.errorCode).toBe(0);
    } finally {
      await client.close();
    }
    const reg = brokers[0]!.context.topics.partition("olfe", 0)!;
    await until("every node's image agrees on the leader", () => brokers.every((b) => b.context.topics.partition("olfe", 0)?.leader === reg.leader && b.context.partitions.hosted("olfe", 0)!.leaderEpoch === reg.leaderEpoch));
    const ask = async (node: number, currentLeaderEpoch: number, replicaId = -1, topic = "olfe") => {
      const raw = await RawClient.connect(base + node);
      raws.push(raw);
      const r = await raw.call(OffsetForLeaderEpoch, 4, { replicaId, topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch, leaderEpoch: reg.leaderEpoch }] }] }, 7);
      return r.topics[0].partitions[0] as { errorCode: number; leaderEpoch: number; endOffset: bigint };
    };
    const le = reg.leaderEpoch;
    expect(await ask(reg.leader, le)).toMatchObject({ errorCode: ErrorCode.NONE, leaderEpoch: le, endOffset: 12n });
    expect(await ask(reg.leader, -1)).toMatchObject({ errorCode: ErrorCode.NONE, endOffset: 12n });
    for (const f of [0, 1, 2].filter((i) => i !== reg.leader)) {
      expect((await ask(f, le)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      expect((await ask(f, -1)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      // A replica id (a follower asking) changes nothing: Kafka answers only from the leader.
      expect((await ask(f, le, (f + 1) % 3)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      expect((await ask(f, le + 1)).errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
      if (le > 0) expect((await ask(f, le - 1)).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
      expect((await ask(f, le, -1, "no-such-topic")).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
  }, 60_000);
});

describe("a consumer's Fetch with lastFetchedEpoch (v12+)", () => {
  test("an epoch newer than every epoch of the log answers OFFSET_OUT_OF_RANGE with -1 watermarks, as Kafka 4.4; a known one reads", async () => {
    const tb = await startTestBroker();
    testBrokers.push(tb);
    const client = await KafkaClient.connect({ bootstrap: [tb.bootstrap] } as never);
    try {
      expect((await client.createTopics([{ name: "lfe", numPartitions: 1, replicationFactor: 1 }]) as { errorCode: number }[])[0]!.errorCode).toBe(0);
      for (let k = 0; k < 2; k++) expect((await client.produce("lfe", 0, batch(3, `r${k}`), { acks: -1, timeoutMs: 10_000 }))!.errorCode).toBe(0);
    } finally {
      await client.close();
    }
    const raw = await RawClient.connect(tb.port);
    raws.push(raw);
    const epoch = tb.broker.context.partitions.get("lfe", 0)!.leaderEpoch;
    const fetch = async (lastFetchedEpoch: number, fetchOffset: bigint, currentLeaderEpoch = epoch) => {
      const r = await raw.call(Fetch, 12, { replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topic: "lfe", partitions: [{ partition: 0, currentLeaderEpoch, fetchOffset, lastFetchedEpoch, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }], forgottenTopicsData: [], rackId: "" }, 9);
      return r.responses[0].partitions[0] as { errorCode: number; highWatermark: bigint; lastStableOffset: bigint; logStartOffset: bigint; records: Uint8Array | null; divergingEpoch?: { epoch: number; endOffset: bigint } };
    };
    const beyond = await fetch(epoch + 3, 1n);
    expect(beyond).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n });
    expect(beyond.records?.length ?? 0).toBe(0);
    // Without the current-epoch check too (a consumer that has no leader epoch yet).
    expect((await fetch(epoch + 3, 1n, -1)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    const known = await fetch(epoch, 3n);
    expect(known).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 6n });
    expect(known.records!.length).toBeGreaterThan(0);
    expect(known.divergingEpoch?.epoch ?? -1).toBe(-1);
    // No lastFetchedEpoch: unchecked, as before.
    expect((await fetch(-1, 0n)).errorCode).toBe(ErrorCode.NONE);
  }, 30_000);
});

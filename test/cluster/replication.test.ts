/**
 * Partition replication on a real 3-node cluster in one process (three startBroker nodes with
 * their own quorum, listeners and data directories, talking over loopback sockets): records
 * produced with acks=all reach every replica's log byte for byte; a stopped follower leaves the ISR
 * after replica_lag_time_max_ms and min.insync.replicas decides what acks=all answers; when the leader
 * stops, a new leader from the ISR holds every acknowledged record byte for byte and the client goes on.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { startBroker, type Broker } from "../../src/server/broker.ts";
import { KafkaClient, KafkaError } from "../../src/client/index.ts";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { createLogger } from "../../src/util/log.ts";
import { tempDir } from "../helpers/broker.ts";

const LAG_MS = 1500;
const base = 20000 + Math.floor(Math.random() * 10000);
const voters = [0, 1, 2].map((i) => `${i}@127.0.0.1:${base + 100 + i}`).join(",");
const root = tempDir("takhin-repl-");
const brokers: (Broker | null)[] = [null, null, null];

function start(i: number): Promise<Broker> {
  return startBroker({
    env: {},
    log: createLogger({ level: process.env.TAKHIN_TEST_LOGS ? "info" : "error", format: "text" }),
    replication: { replicaLagTimeMaxMs: LAG_MS },
    overrides: { nodeId: i, adminApiPort: 0, schemaRegistryPort: -1, httpProxyPort: -1, consolePort: -1, host: "127.0.0.1", dataDir: `${root}/n${i}`, processRoles: "broker,controller", controllerQuorumVoters: voters, listeners: `PLAINTEXT://127.0.0.1:${base + i},CONTROLLER://127.0.0.1:${base + 100 + i}` },
  });
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await ok()) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function batch(n: number, tag: string): Uint8Array {
  return buildRecordBatch({ records: Array.from({ length: n }, (_, i) => ({ key: null, value: new TextEncoder().encode(`${tag}-${i}`), timestampMs: BigInt(Date.now()) })) } as never);
}

function logBytes(b: Broker, topic: string, upTo: number): Buffer {
  const p = b.context.partitions.hosted(topic, 0)!;
  const r = p.log.read(p.logStartOffset, 64 * 1024 * 1024, { maxOffsetExclusive: upTo });
  return Buffer.concat(r.batches);
}

afterAll(async () => {
  await Promise.all(brokers.map((b) => b?.stop(500)));
}, 30_000);

describe("replication on a 3-node cluster", () => {
  test("acks=all records are byte-identical in all three replicas; a stopped follower leaves the ISR and min.insync decides", async () => {
    (await Promise.all([0, 1, 2].map(start))).forEach((b, i) => (brokers[i] = b));
    const client = await KafkaClient.connect({ bootstrap: [`127.0.0.1:${base}`] } as never);
    try {
      const created = await client.createTopics([{ name: "r3", numPartitions: 1, replicationFactor: 3, configs: { "min.insync.replicas": "2" } }]);
      expect((created as { errorCode: number }[])[0]!.errorCode).toBe(0);
      await until("the topic on every node", () => brokers.every((b) => b!.context.partitions.hosted("r3", 0) !== undefined));
      for (let k = 0; k < 20; k++) {
        const r = await client.produce("r3", 0, batch(5, `a${k}`), { acks: -1, timeoutMs: 10_000 });
        expect(r!.errorCode).toBe(0);
      }
      const leaderId = brokers[0]!.context.topics.partition("r3", 0)!.leader;
      const leader = brokers[leaderId]!;
      const hw = leader.context.partitions.hosted("r3", 0)!.highWatermark;
      expect(hw).toBe(100);
      await until("followers' HW", () => brokers.every((b) => b!.context.partitions.hosted("r3", 0)!.highWatermark === 100));
      const bytes = brokers.map((b) => logBytes(b!, "r3", hw));
      expect(bytes[0]!.length).toBeGreaterThan(0);
      expect(bytes[1]!.equals(bytes[0]!)).toBe(true);
      expect(bytes[2]!.equals(bytes[0]!)).toBe(true);

      // A follower stops: the ISR shrinks after the lag time; acks=all with min.insync 2 still works.
      const followerId = [0, 1, 2].find((i) => i !== leaderId && i !== leader.context.metadata.controllerId) ?? [0, 1, 2].find((i) => i !== leaderId)!;
      await brokers[followerId]!.stop(500);
      brokers[followerId] = null;
      const shrinkStart = Date.now();
      // As in Kafka, an idle follower at the log end stays in sync: new records make it lag.
      expect((await client.produce("r3", 0, batch(1, "lag"), { acks: 1 }))!.errorCode).toBe(0);
      await until("ISR shrink", () => !leader.context.topics.partition("r3", 0)!.isr.includes(followerId), 20_000);
      if (process.env.TAKHIN_TEST_LOGS) console.error(`ISR shrank ${Date.now() - shrinkStart} ms after the follower stopped (lag ${LAG_MS})`);
      const r2 = await client.produce("r3", 0, batch(3, "b"), { acks: -1, timeoutMs: 10_000 });
      expect(r2!.errorCode).toBe(0);
      // min.insync.replicas 3 on a 2-member ISR: NOT_ENOUGH_REPLICAS before appending.
      const altered = await client.send((await import("../../src/protocol/messages/incremental-alter-configs.ts")).IncrementalAlterConfigs, { resources: [{ resourceType: 2, resourceName: "r3", configs: [{ name: "min.insync.replicas", configOperation: 0, value: "3" }] }], validateOnly: false } as never);
      expect(altered.body).toBeDefined();
      await until("min.insync 3 on the leader", () => leader.context.partitions.hosted("r3", 0)!.minInsyncReplicas === 3);
      const before = leader.context.partitions.hosted("r3", 0)!.logEndOffset;
      const err = await client.produce("r3", 0, batch(1, "c"), { acks: -1, timeoutMs: 5000 }).then(() => null, (e) => e);
      expect(err).toBeInstanceOf(KafkaError);
      expect((err as KafkaError).code).toBe(19); // NOT_ENOUGH_REPLICAS
      expect(leader.context.partitions.hosted("r3", 0)!.logEndOffset).toBe(before);

      // The follower comes back: it catches up and the ISR expands.
      brokers[followerId] = await start(followerId);
      await until("ISR expand", () => leader.context.topics.partition("r3", 0)!.isr.includes(followerId), 20_000);
      const r3 = await client.produce("r3", 0, batch(2, "d"), { acks: -1, timeoutMs: 10_000 });
      expect(r3!.errorCode).toBe(0);
      const hw2 = leader.context.partitions.hosted("r3", 0)!.highWatermark;
      await until("the returned follower's HW", () => brokers[followerId]!.context.partitions.hosted("r3", 0)!.highWatermark === hw2);
      expect(logBytes(brokers[followerId]!, "r3", hw2).equals(logBytes(leader, "r3", hw2))).toBe(true);
    } finally {
      client.close();
    }
  }, 90_000);

  test("the leader stops: a new leader from the ISR has every acknowledged record and producing and fetching go on", async () => {
    const anyNode = () => brokers.find((b) => b !== null)!;
    const oldLeaderId = anyNode().context.topics.partition("r3", 0)!.leader;
    const survivor = [0, 1, 2].find((i) => i !== oldLeaderId)!;
    const client = await KafkaClient.connect({ bootstrap: [`127.0.0.1:${base + survivor}`] } as never);
    try {
      const { IncrementalAlterConfigs } = await import("../../src/protocol/messages/incremental-alter-configs.ts");
      await client.send(IncrementalAlterConfigs, { resources: [{ resourceType: 2, resourceName: "r3", configs: [{ name: "min.insync.replicas", configOperation: 0, value: "2" }] }], validateOnly: false } as never);
      await until("min.insync 2 everywhere", () => brokers.every((b) => b!.context.partitions.hosted("r3", 0)!.minInsyncReplicas === 2));
      const oldLeader = brokers[oldLeaderId]!;
      await until("every replica at the leader's HW", () => brokers.every((b) => b!.context.partitions.hosted("r3", 0)!.highWatermark === oldLeader.context.partitions.hosted("r3", 0)!.highWatermark));
      const acked = oldLeader.context.partitions.hosted("r3", 0)!.highWatermark;
      const ackedBytes = logBytes(oldLeader, "r3", acked);
      await oldLeader.stop(500);
      brokers[oldLeaderId] = null;
      await until("a new leader", () => {
        const reg = anyNode().context.topics.partition("r3", 0)!;
        return reg.leader >= 0 && reg.leader !== oldLeaderId;
      }, 20_000);
      const reg = anyNode().context.topics.partition("r3", 0)!;
      expect(reg.isr).not.toContain(oldLeaderId);
      const newLeader = brokers[reg.leader]!;
      expect(logBytes(newLeader, "r3", acked).equals(ackedBytes)).toBe(true);
      await client.leaderOf("r3", 0, true);
      const r = await client.produce("r3", 0, batch(4, "after"), { acks: -1, timeoutMs: 10_000 });
      expect(Number(r!.baseOffset)).toBe(newLeader.context.partitions.hosted("r3", 0)!.logEndOffset - 4);
      expect(Number(r!.baseOffset)).toBeGreaterThanOrEqual(acked);
      const f = await client.fetch("r3", 0, BigInt(acked));
      expect(Number(f.highWatermark)).toBe(Number(r!.baseOffset) + 4);
    } finally {
      client.close();
    }
  }, 60_000);
});

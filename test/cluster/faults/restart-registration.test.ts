/**
 * A restarted broker acts on no partition until its own new registration is in its metadata image
 * (issue 15; cluster-node.ts registeredIn). The image it restarts with still names its previous
 * incarnation as the leader; acting on it would lead that epoch again with whatever log the
 * restart left, while the controller moves the leadership away (a split brain at one leader epoch,
 * which divergence by epochs cannot see). Kafka's broker serves nothing until it has caught up
 * with the metadata log past its own registration.
 *
 * Deterministic: the leader is killed (kill -9) and restarted cut off from the controller quorum
 * (every controller link blackholed), so it cannot register however long the test takes; its Kafka
 * listener stays reachable. While cut off it must answer Produce and Fetch for the partition it
 * led NOT_LEADER_OR_FOLLOWER (before the fix it appended the record at its stale epoch, while
 * another node led the partition). Healed, it registers, follows the new leader and holds exactly
 * the acknowledged records.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { BrokerConnection } from "../../../src/client/connection.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { Fetch } from "../../../src/protocol/messages/fetch.ts";
import { Produce } from "../../../src/protocol/messages/produce.ts";
import { join } from "node:path";
import { LATEST_TIMESTAMP } from "../../../src/client/client.ts";
import { BLACKHOLE } from "../../helpers/fault-proxy.ts";
import { logBytesBelow } from "./replication-schedule.ts";
import { batchOf, metadataOf, readAll, startFaultCluster, until, type FaultCluster } from "./harness.ts";

let fc: FaultCluster;

beforeAll(async () => {
  fc = await startFaultCluster({ nodes: 3, proxy: true });
  await fc.cluster.waitForBrokers([0, 1, 2]);
}, 90_000);
afterAll(async () => fc && (await fc.stop()), 30_000);

const TOPIC = "rereg";

async function leadersOn(id: number): Promise<Map<number, { leader: number; epoch: number; isr: number[] }> | null> {
  const md = await metadataOf(fc.cluster, id);
  const t = md?.topics.find((x) => x.name === TOPIC);
  if (!t || t.errorCode !== 0) return null;
  return new Map(t.partitions.map((p) => [p.partitionIndex, { leader: p.leaderId, epoch: p.leaderEpoch, isr: [...p.isrNodes] }]));
}

describe("a restarted broker before its registration is applied", () => {
  test("leads nothing (NOT_LEADER_OR_FOLLOWER) while it cannot register; once registered it follows and holds exactly the acknowledged records", async () => {
    const { cluster, net } = fc;
    const c = fc.client();
    const [created] = await c.createTopics([{ name: TOPIC, numPartitions: 3, replicationFactor: 3 }]);
    expect(created?.errorCode).toBe(0);
    const controller = await cluster.activeController();
    // A partition led by a node that is not the active controller (its restart leaves the quorum whole).
    const led = await until("a partition led by a broker that is not the controller, full ISR everywhere", async () => {
      for (const id of [0, 1, 2]) {
        const ls = await leadersOn(id);
        if (!ls || [...ls.values()].some((p) => p.leader < 0 || p.isr.length !== 3)) return null;
      }
      const ls = (await leadersOn(controller))!;
      const hit = [...ls].find(([, p]) => p.leader !== controller);
      return hit ? { partition: hit[0], leader: hit[1].leader, epoch: hit[1].epoch } : null;
    }, 20_000);
    const values = Array.from({ length: 40 }, (_, i) => `v${i}`);
    for (let i = 0; i < values.length; i += 10) expect((await c.produce(TOPIC, led.partition, batchOf(values.slice(i, i + 10)), { acks: -1 }))?.errorCode ?? 0).toBe(0);

    const victim = led.leader;
    await cluster.kill(victim);
    net!.isolate(victim, BLACKHOLE);
    const starting = cluster.start(victim).catch((e: Error) => e);
    const node = cluster.node(victim);
    const connect = () => new BrokerConnection("127.0.0.1", node.kafkaPort, { requestTimeoutMs: 5000, connectTimeoutMs: 1000, maxConnectAttempts: 1 });
    let conn = connect();
    try {
      // Its Kafka listener answers (it opens before the registration is sent).
      const produceOnce = async () => {
        conn.close();
        conn = connect();
        const { body } = await conn.send(Produce, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: led.partition, records: batchOf(["stale-epoch"]) }] }] } as never);
        return (body as { responses: { partitionResponses: { errorCode: number; baseOffset: bigint }[] }[] }).responses[0]!.partitionResponses[0]!;
      };
      const first = await until("the restarted broker's Kafka listener", () => produceOnce().catch(() => null), 30_000, 100);
      // Its image (from its own metadata log) still names it the leader at the old epoch.
      const stale = (await leadersOn(victim))?.get(led.partition);
      expect(stale?.leader).toBe(victim);
      expect(first.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      // Meanwhile the controller fenced the old incarnation and moved the leadership.
      const moved = await until("another leader on the connected nodes", async () => {
        const p = (await leadersOn([0, 1, 2].find((n) => n !== victim)!))?.get(led.partition);
        return p && p.leader >= 0 && p.leader !== victim ? p : null;
      }, 20_000);
      expect(moved.epoch).toBeGreaterThan(led.epoch);
      // Still cut off, still not registered: it still leads nothing, and serves no consumer fetch.
      expect((await produceOnce()).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      const { body: f } = await conn.send(Fetch, { replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topic: TOPIC, partitions: [{ partition: led.partition, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }], forgottenTopicsData: [], rackId: "" } as never, { version: 12 });
      expect((f as { responses: { partitions: { errorCode: number }[] }[] }).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    } finally {
      conn.close();
      net!.heal();
    }
    expect(await starting).toBeUndefined();
    await cluster.waitForBrokers([0, 1, 2], { timeoutMs: 30_000 });
    await until("the partition's ISR whole again on every node", async () => {
      for (const id of [0, 1, 2]) {
        const p = (await leadersOn(id))?.get(led.partition);
        if (!p || p.leader < 0 || p.isr.length !== 3) return false;
      }
      return true;
    }, 60_000, 200);
    // The partition holds exactly the acknowledged records, and every replica the same bytes, the restarted one too.
    const reader = fc.client();
    const rows = await readAll(reader, TOPIC, led.partition);
    expect(rows.map(([, v]) => v)).toEqual(values);
    expect(rows.map(([o]) => o)).toEqual(values.map((_, i) => BigInt(i)));
    const hw = (await reader.listOffsets(TOPIC, led.partition, LATEST_TIMESTAMP)).offset;
    expect(hw).toBe(BigInt(values.length));
    await until("every replica's log the same below the high watermark", async () => {
      const digests = [0, 1, 2].map((n) => Buffer.from(logBytesBelow(join(cluster.node(n).dataDir, `${TOPIC}-${led.partition}`), hw)).toString("hex"));
      return digests[0]!.length > 0 && digests.every((d) => d === digests[0]);
    }, 20_000, 200);
  }, 180_000);
});

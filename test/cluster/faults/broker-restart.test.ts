/**
 * A killed broker restarted on the same data directory (issue 14 item 9): after kill -9 its
 * partitions (replication factor 1) are leaderless on every other node, no node lists it; after
 * the restart it registers again, is unfenced, leads its partitions again, serves every record it
 * had acknowledged before the kill at the same offsets, and takes new ones.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { batchOf, metadataOf, readAll, startFaultCluster, until, type FaultCluster } from "./harness.ts";

let fc: FaultCluster;

beforeAll(async () => {
  fc = await startFaultCluster({ nodes: 3 });
  await fc.cluster.waitForBrokers([0, 1, 2]);
}, 90_000);
afterAll(async () => fc && (await fc.stop()), 30_000);

const TOPIC = "restart";
const PER_PARTITION = 200;

describe("kill -9 and restart of a broker", () => {
  test("it rejoins, leads its partitions again and serves its data intact", async () => {
    const { cluster } = fc;
    const c = fc.client();
    const [created] = await c.createTopics([{ name: TOPIC, numPartitions: 3, replicationFactor: 1 }]);
    expect(created?.errorCode).toBe(0);
    const leaders = new Map<number, number>();
    await until("every partition led", async () => {
      const md = await c.metadata([TOPIC]);
      for (const p of md.topics[0]!.partitions) leaders.set(p.partitionIndex, p.leaderId);
      return [...leaders.values()].every((l) => l >= 0) && leaders.size === 3;
    }, 10_000);
    expect(new Set(leaders.values()).size).toBe(3); // one partition led by each node

    for (let p = 0; p < 3; p++)
      for (let i = 0; i < PER_PARTITION; i += 50) {
        const r = await c.produce(TOPIC, p, batchOf(Array.from({ length: 50 }, (_, k) => `p${p}-${i + k}`)), { acks: -1 });
        expect(r?.baseOffset).toBe(BigInt(i));
      }

    const controller = await cluster.activeController();
    const victim = [0, 1, 2].find((n) => n !== controller)!; // a broker, not the controller (that is controller-failover.test.ts)
    const victimPartition = [...leaders].find(([, l]) => l === victim)![0];
    await cluster.kill(victim);

    const others = [0, 1, 2].filter((n) => n !== victim);
    await cluster.waitForBrokers(others, { timeoutMs: 20_000 });
    for (const id of others) {
      const md = await metadataOf(cluster, id);
      const p = md!.topics.find((t) => t.name === TOPIC)!.partitions.find((x) => x.partitionIndex === victimPartition)!;
      expect(p.leaderId).toBe(-1); // replication factor 1: nobody else can lead it
    }

    await cluster.start(victim);
    await cluster.waitForBrokers([0, 1, 2], { timeoutMs: 30_000 });
    await until("the restarted broker leads its partition again on every node", async () => {
      for (const id of [0, 1, 2]) {
        const md = await metadataOf(cluster, id);
        const p = md?.topics.find((t) => t.name === TOPIC)?.partitions.find((x) => x.partitionIndex === victimPartition);
        if (p?.leaderId !== victim) return false;
      }
      return true;
    }, 20_000);

    const reader = fc.client();
    for (let p = 0; p < 3; p++) {
      const got = await readAll(reader, TOPIC, p);
      expect(got.length).toBe(PER_PARTITION);
      got.forEach(([o, v], i) => {
        expect(o).toBe(BigInt(i));
        expect(v).toBe(`p${p}-${i}`);
      });
    }
    const more = await until("a produce to the restarted broker", async () => reader.produce(TOPIC, victimPartition, batchOf(["new"]), { acks: -1 }), 10_000);
    expect(more?.baseOffset).toBe(BigInt(PER_PARTITION));
  }, 120_000);
});

/**
 * Broker fencing (issue 14 items 4 and 9): a broker SIGSTOPped past the session timeout (3 s) stops
 * heartbeating; the active controller fences it — no node's Metadata lists it any more and the
 * partitions it led whose ISR holds another replica get a new leader (ISR without it), a replication
 * factor 1 partition it led is left leaderless — and after SIGCONT its next heartbeat unfences it:
 * listed again, leading its leaderless partition again. The time from SIGSTOP to the fencing
 * being visible on every other node is printed (a figure, not a threshold).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { metadataOf, startFaultCluster, until, type FaultCluster } from "./harness.ts";

let fc: FaultCluster;

beforeAll(async () => {
  fc = await startFaultCluster({ nodes: 3 });
  await fc.cluster.waitForBrokers([0, 1, 2]);
}, 90_000);
afterAll(async () => fc && (await fc.stop()), 30_000);

describe("SIGSTOP past the session timeout", () => {
  test("the controller fences the broker and moves its leaderships; SIGCONT unfences it", async () => {
    const { cluster } = fc;
    const c = fc.client();
    const created = await c.createTopics([
      { name: "rf3", numPartitions: 3, replicationFactor: 3 },
      { name: "rf1", numPartitions: 3, replicationFactor: 1 },
    ]);
    expect(created.map((t) => t.errorCode)).toEqual([0, 0]);
    const controller = await cluster.activeController();
    const victim = [0, 1, 2].find((n) => n !== controller)!;
    const others = [0, 1, 2].filter((n) => n !== victim);
    const before = await until("leaders of every partition", async () => {
      const md = await metadataOf(cluster, controller);
      const ok = md && ["rf1", "rf3"].every((n) => md.topics.find((t) => t.name === n)?.partitions.every((p) => p.leaderId >= 0));
      return ok ? md : null;
    }, 10_000);
    const ledBefore = (topic: string) => before.topics.find((t) => t.name === topic)!.partitions.filter((p) => p.leaderId === victim).map((p) => p.partitionIndex);
    expect(ledBefore("rf3").length).toBeGreaterThan(0); // placement spreads leaders over every broker
    expect(ledBefore("rf1").length).toBeGreaterThan(0);

    const stoppedAt = performance.now();
    cluster.pause(victim);
    await cluster.waitForBrokers(others, { askNodes: others, timeoutMs: 20_000 });
    const fencingMs = performance.now() - stoppedAt;
    console.log(`broker fencing: SIGSTOP of node ${victim} -> gone from every other node's Metadata: ${fencingMs.toFixed(0)} ms (session timeout 3000 ms)`);

    await until("leaderships moved on every other node", async () => {
      for (const id of others) {
        const md = await metadataOf(cluster, id);
        if (!md) return false;
        for (const p of md.topics.find((t) => t.name === "rf3")!.partitions) {
          if (p.leaderId === victim || p.leaderId < 0 || p.isrNodes.includes(victim)) return false;
        }
        for (const i of ledBefore("rf1")) if (md.topics.find((t) => t.name === "rf1")!.partitions[i]!.leaderId !== -1) return false;
      }
      return true;
    }, 10_000);

    const resumedAt = performance.now();
    cluster.resume(victim);
    await cluster.waitForBrokers([0, 1, 2], { timeoutMs: 20_000 });
    console.log(`broker unfencing: SIGCONT of node ${victim} -> listed by every node again: ${(performance.now() - resumedAt).toFixed(0)} ms`);
    await until("the unfenced broker leads its replication factor 1 partitions again", async () => {
      for (const id of [0, 1, 2]) {
        const md = await metadataOf(cluster, id);
        if (!md) return false;
        for (const i of ledBefore("rf1")) if (md.topics.find((t) => t.name === "rf1")!.partitions[i]!.leaderId !== victim) return false;
      }
      return true;
    }, 10_000);
  }, 90_000);
});

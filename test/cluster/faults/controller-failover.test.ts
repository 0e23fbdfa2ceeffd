/**
 * kill -9 of the active controller (issue 14 item 9): the two survivors elect another, which
 * accepts CreateTopics, DeleteTopics and CreatePartitions; the killed node restarted rejoins as a
 * broker (registered, unfenced in every node's Metadata) and follows the newer metadata. The time
 * from the kill to the first CreateTopics that succeeds is printed (a figure, not a threshold).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CreatePartitions } from "../../../src/protocol/messages/create-partitions.ts";
import { createTopicVia, digestOf, metadataOf, nodeClient, startFaultCluster, until, type FaultCluster } from "./harness.ts";

let fc: FaultCluster;

beforeAll(async () => {
  fc = await startFaultCluster({ nodes: 3 });
  await fc.cluster.waitForBrokers([0, 1, 2]);
}, 90_000);
afterAll(async () => fc && (await fc.stop()), 30_000);

describe("kill -9 of the active controller", () => {
  test("another is elected, admin requests go on, the killed node rejoins", async () => {
    const { cluster } = fc;
    expect(await createTopicVia(cluster, 0, "before", 3)).toBe(0);
    const old = await cluster.activeController();
    expect(old).toBeGreaterThanOrEqual(0);
    const survivors = [0, 1, 2].filter((n) => n !== old);

    const killedAt = performance.now();
    await cluster.kill(old);
    // Ask the survivors in turn until one creates the topic (NOT_CONTROLLER, timeouts and refused connections retried).
    let attempt = 0;
    await until(
      "CreateTopics after the controller was killed",
      async () => (await createTopicVia(cluster, survivors[attempt++ % 2]!, "after", 2, 2000)) === 0,
      30_000,
      20,
    );
    const failoverMs = performance.now() - killedAt;
    console.log(`controller failover: kill -9 of node ${old} -> first CreateTopics ok: ${failoverMs.toFixed(0)} ms`);

    const now = await cluster.activeController({ askNodes: survivors });
    expect(survivors).toContain(now);

    const c = nodeClient(cluster, survivors[0]!);
    try {
      const { body } = await c.send(CreatePartitions, { topics: [{ name: "before", count: 5, assignments: null }], timeoutMs: 5000, validateOnly: false });
      expect(body.results.map((r) => r.errorCode)).toEqual([0]);
      const [del] = await c.deleteTopics(["after"], { timeoutMs: 5000 });
      expect(del?.errorCode).toBe(0);
    } finally {
      c.close();
    }

    // Every survivor's image shows the changes (partitions on the dead node are leaderless: RF 1).
    await until(
      "survivors see 5 partitions of before and no topic after",
      async () => {
        for (const id of survivors) {
          const md = await metadataOf(cluster, id);
          const names = md?.topics.map((t) => t.name) ?? [];
          if (!md || names.includes("after") || md.topics.find((t) => t.name === "before")?.partitions.length !== 5) return false;
        }
        return true;
      },
      10_000,
    );

    await cluster.start(old);
    await cluster.waitForBrokers([0, 1, 2], { timeoutMs: 30_000 });
    // The rejoined node caught up: its image is the others'.
    const digests = await until(
      "every node's metadata agrees after the rejoin",
      async () => {
        const ds = await Promise.all([0, 1, 2].map(async (id) => { const md = await metadataOf(cluster, id); return md && digestOf(md); }));
        return ds.every((d) => d !== null && d === ds[0]) ? ds : null;
      },
      15_000,
    );
    expect(JSON.parse(digests[0]!).topics.map((t: { name: string }) => t.name)).toEqual(["before"]);
  }, 90_000);
});

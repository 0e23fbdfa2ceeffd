/**
 * A network partition that isolates the active controller (issue 14 item 9). Every node reaches
 * the others' controller listeners through a FaultNet (test/helpers/fault-proxy.ts): one proxy
 * per directed link. Blackholing every link from and to the controller leaves it alone: the two
 * others elect a new controller among themselves and accept CreateTopics (and fence the isolated
 * broker after its session); the isolated node refuses metadata changes (an error code, or no
 * answer within the request timeout) and the topic it was asked for exists nowhere, ever. After
 * healing, every node's image is the same (Metadata of every node compared: brokers, controller,
 * topics, ids, leaders, epochs, replicas, ISR) and holds the majority's topic.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { BLACKHOLE, DROP } from "../../helpers/fault-proxy.ts";
import { createTopicVia, digestOf, metadataOf, startFaultCluster, until, type FaultCluster } from "./harness.ts";

let fc: FaultCluster;

beforeAll(async () => {
  fc = await startFaultCluster({ nodes: 3, proxy: true });
  await fc.cluster.waitForBrokers([0, 1, 2]);
}, 90_000);
afterAll(async () => fc && (await fc.stop()), 30_000);

async function digests(ids: number[]): Promise<(string | null)[]> {
  return Promise.all(ids.map(async (id) => { const md = await metadataOf(fc.cluster, id); return md && digestOf(md); }));
}

async function agreeing(ids: number[], timeoutMs: number): Promise<string> {
  return until("every node's metadata agrees", async () => {
    const ds = await digests(ids);
    return ds.every((d) => d !== null && d === ds[0]) ? ds[0] : null;
  }, timeoutMs);
}

describe("network partition isolating the controller", () => {
  for (const [round, mode] of [[1, BLACKHOLE], [2, DROP]] as const) {
    test(`round ${round} (${mode.kind}): the majority goes on, the minority refuses, after healing all images agree`, async () => {
      const { cluster, net } = fc;
      const old = await cluster.activeController();
      expect(old).toBeGreaterThanOrEqual(0);
      const majority = [0, 1, 2].filter((n) => n !== old);

      net!.isolate(old, mode);
      const cutAt = performance.now();
      let turn = 0;
      await until(`CreateTopics on the majority side`, async () => (await createTopicVia(cluster, majority[turn++ % 2]!, `majority-${round}`, 3, 2000)) === 0, 30_000, 50);
      console.log(`partition (${mode.kind}): controller ${old} isolated -> first CreateTopics ok on the majority: ${(performance.now() - cutAt).toFixed(0)} ms`);
      const now = await cluster.activeController({ askNodes: majority });
      expect(majority).toContain(now);

      const refused = await createTopicVia(cluster, old, `minority-${round}`, 1, 3000);
      expect(refused).not.toBe(0);
      // The isolated node is fenced by the majority's controller once its session runs out.
      await cluster.waitForBrokers(majority, { askNodes: majority, timeoutMs: 20_000 });

      net!.heal();
      await cluster.waitForBrokers([0, 1, 2], { timeoutMs: 30_000 });
      const image = JSON.parse(await agreeing([0, 1, 2], 20_000));
      const names = image.topics.map((t: { name: string }) => t.name);
      expect(names).toContain(`majority-${round}`);
      expect(names).not.toContain(`minority-${round}`);
      expect(image.controller).toBeGreaterThanOrEqual(0);
    }, 120_000);
  }
});

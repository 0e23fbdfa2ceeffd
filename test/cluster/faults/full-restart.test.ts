/**
 * A full cluster restart (issue 14 item 9): every node killed with kill -9 at once, then started
 * again on the same data directories. Topics (names and ids), partition counts and replica
 * assignments, topic configs set at creation and by AlterConfigs, and the records produced all
 * survive; every node's image agrees afterwards and the cluster takes new admin requests.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { IncrementalAlterConfigs } from "../../../src/protocol/messages/incremental-alter-configs.ts";
import { batchOf, digestOf, metadataOf, readAll, startFaultCluster, until, type FaultCluster } from "./harness.ts";

let fc: FaultCluster;

beforeAll(async () => {
  fc = await startFaultCluster({ nodes: 3 });
  await fc.cluster.waitForBrokers([0, 1, 2]);
}, 90_000);
afterAll(async () => fc && (await fc.stop()), 30_000);

/** Topic name -> [id, replicas per partition] from node `id`'s Metadata. */
async function layout(id: number) {
  const md = await metadataOf(fc.cluster, id);
  if (!md) return null;
  return Object.fromEntries(
    md.topics
      .filter((t) => t.name !== null)
      .map((t) => [t.name!, [t.topicId, [...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => p.replicaNodes.join(","))]])
      .sort(),
  );
}

async function configsOf(topic: string): Promise<Record<string, string>> {
  const [r] = await fc.client().describeConfigs([{ type: 2, name: topic, keys: ["retention.ms", "cleanup.policy", "max.message.bytes"] }]);
  expect(r?.errorCode).toBe(0);
  return Object.fromEntries(r!.configs.map((c) => [c.name, c.value ?? ""]));
}

describe("full cluster restart", () => {
  test("topics, partitions, configs and records survive kill -9 of every node", async () => {
    const { cluster } = fc;
    const c = fc.client();
    const created = await c.createTopics([
      { name: "keep-a", numPartitions: 4, replicationFactor: 3, configs: { "retention.ms": "123456789" } },
      { name: "keep-b", numPartitions: 3, replicationFactor: 1, configs: { "cleanup.policy": "compact" } },
      { name: "gone", numPartitions: 1, replicationFactor: 1 },
    ]);
    expect(created.map((t) => t.errorCode)).toEqual([0, 0, 0]);
    const { body } = await c.send(IncrementalAlterConfigs, {
      resources: [{ resourceType: 2, resourceName: "keep-b", configs: [{ name: "max.message.bytes", configOperation: 0, value: "65536" }] }],
      validateOnly: false,
    });
    expect(body.responses.map((r) => r.errorCode)).toEqual([0]);
    expect((await c.deleteTopics(["gone"]))[0]?.errorCode).toBe(0);
    for (let p = 0; p < 3; p++) await until(`produce to keep-b-${p}`, () => c.produce("keep-b", p, batchOf([`b${p}-0`, `b${p}-1`]), { acks: -1 }), 10_000);

    const layoutBefore = await until("every node agrees before the restart", async () => {
      const ls = await Promise.all([0, 1, 2].map(layout));
      return ls.every((l) => l && JSON.stringify(l) === JSON.stringify(ls[0])) ? ls[0] : null;
    }, 10_000);
    expect(Object.keys(layoutBefore!)).toEqual(["keep-a", "keep-b"]);
    const configsBefore = { a: await configsOf("keep-a"), b: await configsOf("keep-b") };
    expect(configsBefore.a["retention.ms"]).toBe("123456789");
    expect(configsBefore.b["cleanup.policy"]).toBe("compact");
    expect(configsBefore.b["max.message.bytes"]).toBe("65536");

    await Promise.all([0, 1, 2].map((id) => cluster.kill(id)));
    await Promise.all([0, 1, 2].map((id) => cluster.start(id)));
    await cluster.waitForBrokers([0, 1, 2], { timeoutMs: 30_000 });

    await until("every node's image agrees after the restart", async () => {
      const ds = await Promise.all([0, 1, 2].map(async (id) => { const md = await metadataOf(cluster, id); return md && digestOf(md); }));
      return ds.every((d) => d !== null && d === ds[0]);
    }, 15_000);
    expect(await layout(0)).toEqual(layoutBefore!);
    expect({ a: await configsOf("keep-a"), b: await configsOf("keep-b") }).toEqual(configsBefore);
    const reader = fc.client();
    for (let p = 0; p < 3; p++) {
      const got = await until(`read keep-b-${p}`, () => readAll(reader, "keep-b", p), 15_000);
      expect(got).toEqual([[0n, `b${p}-0`], [1n, `b${p}-1`]]);
    }
    const [again] = await reader.createTopics([{ name: "after-restart", numPartitions: 2, replicationFactor: 3 }]);
    expect(again?.errorCode).toBe(0);
  }, 120_000);
});

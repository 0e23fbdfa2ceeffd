/**
 * The HTTP Proxy on a 3-node cluster in one process (three startBroker nodes, each with its own
 * proxy on a free port): one node's proxy produces to partitions led by every node (its own
 * through the replica manager, the others' with the internal client) and each record lands on its
 * leader; metadata answers the same on every node; a consumer instance lives on the node that
 * created it (base_uri names that node's proxy), joins its group whose coordinator may be another
 * node, reads every partition; another node's proxy answers 40403 for it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { KafkaClient } from "../../src/client/index.ts";
import { HTTP_PROXY_SERVICE, type HttpProxyService } from "../../src/http-proxy/service.ts";
import { startBroker, type Broker } from "../../src/server/broker.ts";
import { createLogger } from "../../src/util/log.ts";
import { tempDir } from "../helpers/broker.ts";
import { freeBasePort } from "../cluster/faults/harness.ts";
import { call } from "./helpers.ts";

const V2 = "application/vnd.kafka.v2+json";
const brokers: Broker[] = [];
const urls: string[] = [];
let base = 0;

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await ok()) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  base = await freeBasePort(3);
  const root = tempDir("takhin-proxy-cluster-");
  const voters = [0, 1, 2].map((i) => `${i}@127.0.0.1:${base + 100 + i}`).join(",");
  const started = await Promise.all(
    [0, 1, 2].map((i) =>
      startBroker({
        env: {},
        log: createLogger({ level: process.env.TAKHIN_TEST_LOGS ? "info" : "error", format: "text" }),
        groups: { initialRebalanceDelayMs: 0 },
        overrides: { nodeId: i, adminApiPort: 0, schemaRegistryPort: -1, httpProxyPort: 0, consolePort: -1, host: "127.0.0.1", dataDir: `${root}/n${i}`, processRoles: "broker,controller", controllerQuorumVoters: voters, listeners: `PLAINTEXT://127.0.0.1:${base + i},CONTROLLER://127.0.0.1:${base + 100 + i}` },
      }),
    ),
  );
  brokers.push(...started);
  for (const b of brokers) urls.push(`http://127.0.0.1:${b.services.get<HttpProxyService>(HTTP_PROXY_SERVICE)!.port}`);
  const client = await KafkaClient.connect({ bootstrap: [`127.0.0.1:${base}`] });
  try {
    await until("three live brokers", async () => (await client.metadata([])).brokers.length === 3);
    const [r] = await client.createTopics([{ name: "spread", numPartitions: 6, replicationFactor: 2 }]);
    expect(r!.errorCode).toBe(0);
  } finally {
    client.close();
  }
  await until("the topic's leaders on every node's image", () => brokers.every((b) => b.context.metadata.image.topic("spread")?.partitions.every((p) => p.leader >= 0) === true));
}, 90_000);

afterAll(async () => {
  await Promise.all(brokers.map((b) => b.stop(500)));
}, 30_000);

describe("HTTP Proxy on a 3-node cluster", () => {
  test("metadata is the same from every node", async () => {
    const views = await Promise.all(urls.map((u) => call(`${u}/topics/spread`, { headers: { Accept: V2 } })));
    for (const v of views) expect(v.body).toEqual(views[0]!.body);
    expect(views[0]!.body.partitions).toHaveLength(6);
    expect((await call(`${urls[1]}/brokers`)).body).toEqual({ brokers: [0, 1, 2] });
  });

  test("node 0's proxy produces to partitions led by every node; each record is on its leader", async () => {
    const image = brokers[0]!.context.metadata.image.topic("spread")!;
    const leaders = new Set(image.partitions.map((p) => p.leader));
    expect(leaders.size).toBeGreaterThan(1);
    const records = image.partitions.map((_, p) => ({ value: Buffer.from(`to-${p}`).toString("base64"), partition: p }));
    const r = await call(`${urls[0]}/topics/spread`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.binary.v2+json", Accept: V2 }, body: JSON.stringify({ records }) });
    expect(r.status).toBe(200);
    r.body.offsets.forEach((o: unknown, p: number) => expect(o).toEqual({ partition: p, offset: 0, error_code: null, error: null }));
    for (let p = 0; p < 6; p++) {
      const leader = brokers[image.partitions[p]!.leader]!;
      const log = leader.context.partitions.hosted("spread", p)!;
      expect(log.logEndOffset).toBe(1);
    }
    // The v3 produce from node 2 too.
    const v3 = await call(`${urls[2]}/v3/clusters/${brokers[2]!.context.clusterId}/topics/spread/records`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ partition_id: image.partitions.findIndex((p) => p.leader !== 2), value: { type: "STRING", data: "v3" } }) });
    expect(v3.body).toMatchObject({ error_code: 200, offset: 1 });
  });

  test("a consumer instance on node 1: base_uri names node 1, it reads all six partitions; node 2 answers 40403", async () => {
    const created = await call(`${urls[1]}/consumers/cgroup`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ name: "ci", format: "binary", "auto.offset.reset": "earliest" }) });
    expect(created.status).toBe(200);
    expect(created.body.base_uri).toBe(`${urls[1]}/consumers/cgroup/instances/ci`);
    const base1 = created.body.base_uri as string;
    expect((await fetch(`${base1}/subscription`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ topics: ["spread"] }) })).status).toBe(204);
    const got: { partition: number; value: string }[] = [];
    for (let i = 0; i < 30 && got.length < 7; i++) {
      const r = await call(`${base1}/records?timeout=1000`, { headers: { Accept: "application/vnd.kafka.binary.v2+json" } });
      expect(r.status).toBe(200);
      got.push(...r.body);
    }
    expect(got.filter((r) => Buffer.from(r.value, "base64").toString().startsWith("to-")).map((r) => `${r.partition}:${Buffer.from(r.value, "base64").toString()}`).sort()).toEqual([0, 1, 2, 3, 4, 5].map((p) => `${p}:to-${p}`));
    expect(got).toHaveLength(7);
    const elsewhere = await call(`${urls[2]}/consumers/cgroup/instances/ci/records`, { headers: { Accept: "application/vnd.kafka.binary.v2+json" } });
    expect(elsewhere).toMatchObject({ status: 404, body: { error_code: 40403 } });
    expect((await fetch(base1, { method: "DELETE" })).status).toBe(204);
  }, 60_000);
});

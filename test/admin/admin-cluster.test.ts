/**
 * The Admin API on a 3-node cluster (node processes from startLocalCluster, each with its own
 * admin port): every node lists the three brokers and agrees on the controller; a replicated
 * topic shows its replicas and ISR on every node and offsets on its leader; a cluster_config PUT
 * sent to one node goes through the controller into the metadata log and every node then shows it,
 * and so does a SCRAM user POSTed to /v1/security/users (and its DELETE from another node);
 * /metrics carries the Raft state on every node.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startLocalCluster, type LocalCluster } from "../../src/cluster-launcher.ts";
import { KafkaClient } from "../../src/client/index.ts";
import { freeBasePort, waitFor } from "../cluster/quorum-cluster.ts";
import { tempDir } from "../helpers/broker.ts";
import { parseExposition } from "./exposition.ts";

let cluster: LocalCluster;
let base: number;
const admin = (id: number, path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${base + 200 + id}${path}`, init);
const json = async (id: number, path: string) => (await (await admin(id, path)).json()) as any;

beforeAll(async () => {
  base = await freeBasePort(3);
  cluster = await startLocalCluster({
    nodes: 3,
    basePort: base,
    dataDir: tempDir("takhin-admin-cluster-"),
    env: { TAKHIN_LOG_LEVEL: "info" },
    nodeEnv: (id) => ({ TAKHIN_ADMIN_API_PORT: String(base + 200 + id) }),
    readyTimeoutMs: 90_000,
  });
  await cluster.waitForBrokers([0, 1, 2], { timeoutMs: 60_000 });
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
}, 60_000);

test("brokers and health overview agree on every node", async () => {
  const controllers = new Set<number>();
  for (const id of [0, 1, 2]) {
    const brokers = await waitFor(`node ${id} lists 3 unfenced brokers`, async () => {
      const b = await json(id, "/v1/brokers");
      return b.length === 3 && b.every((x: any) => !x.fenced) ? b : undefined;
    });
    expect(brokers.map((b: any) => b.node_id)).toEqual([0, 1, 2]);
    expect(brokers.find((b: any) => b.self).node_id).toBe(id);
    const h = await json(id, "/v1/cluster/health_overview");
    expect(h.all_nodes).toEqual([0, 1, 2]);
    expect(h.nodes_down).toEqual([]);
    controllers.add(h.controller_id);
    expect((await admin(id, "/health/ready")).status).toBe(200);
  }
  expect(controllers.size).toBe(1);
  expect([...controllers][0]).toBeGreaterThanOrEqual(0);
}, 60_000);

test("a replicated topic: replicas and ISR everywhere, offsets on the leader", async () => {
  const client = await KafkaClient.connect({ bootstrap: cluster.bootstrap });
  try {
    const [r] = await client.createTopics([{ name: "adm", numPartitions: 1, replicationFactor: 3 }]);
    expect(r.errorCode).toBe(0);
    for (const id of [0, 1, 2]) {
      const t = await waitFor(`node ${id} knows topic adm with a full ISR`, async () => {
        const res = await admin(id, "/v1/topics/adm");
        if (res.status !== 200) return undefined;
        const body = (await res.json()) as any;
        return body.partitions[0].isr.length === 3 && body.partitions[0].leader_id >= 0 ? body : undefined;
      });
      const p = t.partitions[0];
      expect([...p.replicas].sort()).toEqual([0, 1, 2]);
      if (p.leader_id === id) expect(p.log_end_offset).toBe(0);
    }
  } finally {
    client.close();
  }
}, 60_000);

test("cluster_config PUT on one node is committed by the controller and seen on all", async () => {
  const r = await admin(1, "/v1/cluster_config", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ upsert: { "log.retention.ms": "7200000" } }) });
  expect(r.status).toBe(200);
  for (const id of [0, 1, 2]) {
    await waitFor(`node ${id} shows the new value`, async () => ((await json(id, "/v1/cluster_config")).find((c: any) => c.key === "log.retention.ms")?.dynamic_value === "7200000" ? true : undefined));
  }
  const bad = await admin(2, "/v1/cluster_config", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ upsert: { "log.retention.ms": "x" } }) });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as any).code).toBe("invalid_request");
}, 60_000);

test("a SCRAM user POSTed on one node is committed by the controller, listed on all, deleted from another", async () => {
  const r = await admin(2, "/v1/security/users", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "erin", password: "erin-pw", algorithm: "SCRAM-SHA-512" }) });
  expect({ status: r.status, body: await r.json() }).toMatchObject({ status: 200 });
  for (const id of [0, 1, 2]) {
    await waitFor(`node ${id} lists erin`, async () => ((await json(id, "/v1/security/users")).some((u: any) => u.username === "erin" && u.mechanisms[0]?.mechanism === "SCRAM-SHA-512") ? true : undefined));
  }
  expect((await admin(0, "/v1/security/users/erin", { method: "DELETE" })).status).toBe(200);
  for (const id of [0, 1, 2]) await waitFor(`node ${id} no longer lists erin`, async () => ((await json(id, "/v1/security/users")).length === 0 ? true : undefined));
}, 60_000);

test("/metrics on every node: Raft term and controller", async () => {
  const terms = new Set<number>();
  for (const id of [0, 1, 2]) {
    const fams = parseExposition(await (await admin(id, "/metrics")).text());
    const term = fams.get("takhin_raft_term")!.samples[0].value;
    expect(term).toBeGreaterThan(0);
    terms.add(term);
    expect(fams.get("takhin_brokers")!.samples.find((s) => s.labels.state === "alive")!.value).toBe(3);
  }
  const active = await Promise.all([0, 1, 2].map(async (id) => parseExposition(await (await admin(id, "/metrics")).text()).get("takhin_controller_active")!.samples[0].value));
  expect(active.reduce((a, b) => a + b, 0)).toBe(1);
  expect(terms.size).toBe(1);
}, 60_000);

/**
 * Client quotas in a 3-node cluster: AlterClientQuotas sent to every node goes to the active
 * controller (forwarded where needed), the ClientQuota records replicate through the Raft quorum,
 * and every node describes all of them.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { freeBasePort, waitFor } from "../cluster/quorum-cluster.ts";
import { startLocalCluster, type LocalCluster } from "../../src/cluster-launcher.ts";
import { removeDir, tempDir } from "../helpers/broker.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { AlterClientQuotas } from "../../src/protocol/messages/alter-client-quotas.ts";
import { DescribeClientQuotas } from "../../src/protocol/messages/describe-client-quotas.ts";

let cluster: LocalCluster;
let dir = "";

beforeAll(async () => {
  dir = tempDir("takhin-quotas-cluster-");
  cluster = await startLocalCluster({ nodes: 3, basePort: await freeBasePort(3), dataDir: dir, env: { TAKHIN_LOG_LEVEL: "info" }, readyTimeoutMs: 90_000 });
}, 120_000);
afterAll(async () => {
  await cluster?.stop(3000);
  removeDir(dir);
});

test("a quota set through any node is described by every node", async () => {
  for (const id of [0, 1, 2]) {
    const c = await RawClient.connect(cluster.node(id).kafkaPort);
    let last = "";
    await waitFor(`node ${id} answers AlterClientQuotas (${last})`, async () => {
      const res = await c.call(AlterClientQuotas, 1, { entries: [{ entity: [{ entityType: "user", entityName: `user${id}` }], ops: [{ key: "producer_byte_rate", value: 1000 + id, remove: false }] }], validateOnly: false });
      last = JSON.stringify(res.entries);
      return res.entries[0].errorCode === 0 ? res : undefined;
    }, 30_000, 500);
    c.close();
  }
  const expected = [0, 1, 2].map((id) => ({ entity: [{ entityType: "user", entityName: `user${id}` }], values: [{ key: "producer_byte_rate", value: 1000 + id }] }));
  for (const id of [0, 1, 2]) {
    const c = await RawClient.connect(cluster.node(id).kafkaPort);
    const entries = await waitFor(`node ${id} has the three quotas`, async () => {
      const r = await c.call(DescribeClientQuotas, 1, { components: [{ entityType: "user", matchType: 2, match: null }], strict: true });
      return r.entries?.length === 3 ? r.entries : undefined;
    }, 30_000, 200);
    expect(entries).toEqual(expected);
    c.close();
  }
}, 180_000);

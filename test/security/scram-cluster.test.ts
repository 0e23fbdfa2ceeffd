/**
 * SCRAM users in a 3-node cluster (issue 19 item 2): AlterUserScramCredentials sent to every node
 * goes to the active controller (forwarded where needed), the UserScramCredential records replicate
 * through the Raft quorum, and kcat logs in with SCRAM-SHA-256 on every node's SASL_PLAINTEXT
 * listener (a second client listener beside the PLAINTEXT inter-broker one); Metadata over the
 * SASL listener names every broker's SASL endpoint.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { freeBasePort, waitFor } from "../cluster/quorum-cluster.ts";
import { startLocalCluster, type LocalCluster } from "../../src/cluster-launcher.ts";
import { removeDir, tempDir } from "../helpers/broker.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { AlterUserScramCredentials } from "../../src/protocol/messages/alter-user-scram-credentials.ts";
import { DescribeUserScramCredentials } from "../../src/protocol/messages/describe-user-scram-credentials.ts";
import { saltedPassword } from "../../src/security/sasl/scram.ts";
import { KCAT } from "../clients/clients.ts";

let cluster: LocalCluster;
let dir = "";

beforeAll(async () => {
  dir = tempDir("takhin-scram-cluster-");
  cluster = await startLocalCluster({
    nodes: 3,
    basePort: await freeBasePort(3),
    dataDir: dir,
    env: { TAKHIN_LOG_LEVEL: "info", TAKHIN_LISTENER_SECURITY_PROTOCOL_MAP: "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT", TAKHIN_SASL_ENABLED_MECHANISMS: "SCRAM-SHA-256" },
    extraListeners: () => "SASL_PLAINTEXT://127.0.0.1:0",
    readyTimeoutMs: 90_000,
  });
}, 120_000);
afterAll(async () => {
  await cluster?.stop(3000);
  removeDir(dir);
});

/** The SASL port a node bound, from its readiness line. */
function saslPort(id: number): number {
  const m = /kafka=\S*SASL_PLAINTEXT:\/\/127\.0\.0\.1:(\d+)/.exec(cluster.node(id).output);
  if (!m) throw new Error(`node ${id} has no SASL_PLAINTEXT listener in its readiness line`);
  return Number(m[1]);
}

async function kcatLogin(port: number, user: string, password: string) {
  const proc = Bun.spawn([KCAT, "-b", `127.0.0.1:${port}`, "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=SCRAM-SHA-256", "-X", `sasl.username=${user}`, "-X", `sasl.password=${password}`, "-L", "-J", "-m", "5"], { stdout: "pipe", stderr: "pipe" });
  const killer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  clearTimeout(killer);
  return { code: await proc.exited, out, err };
}

test("a SCRAM user created through any node logs in on every node", async () => {
  const salt = new Uint8Array(16).fill(5);
  for (const id of [0, 1, 2]) {
    const c = await RawClient.connect(cluster.node(id).kafkaPort);
    const name = `user${id}`;
    let last = "";
    const r = await waitFor(`node ${id} answers AlterUserScramCredentials (${last})`, async () => {
      const res = await c.call(AlterUserScramCredentials, 0, { deletions: [], upsertions: [{ name, mechanism: 1, iterations: 4096, salt, saltedPassword: saltedPassword(1, `${name}-secret`, salt, 4096) }] });
      if (res.results[0].errorCode !== 0) last = JSON.stringify(res.results);
      return res.results[0].errorCode === 0 ? res : undefined;
    }, 30_000, 500).catch((e) => {
      throw new Error(`${(e as Error).message}; last answer ${last}`);
    });
    expect(r.results).toEqual([{ userName: name, errorCode: 0, errorMessage: null }]);
    c.close();
  }
  for (const id of [0, 1, 2]) {
    // Replicated: every node describes all three users.
    const c = await RawClient.connect(cluster.node(id).kafkaPort);
    await waitFor(`node ${id} has the three users`, async () => ((await c.call(DescribeUserScramCredentials, 0, { users: null })).results.length === 3 ? true : undefined), 30_000, 200);
    c.close();
    for (const user of ["user0", "user1", "user2"]) {
      const r = await kcatLogin(saslPort(id), user, `${user}-secret`);
      expect(r.code, r.err).toBe(0);
      const brokers = JSON.parse(r.out.trim().split("\n").pop()!).brokers.map((b: { name: string }) => b.name).sort();
      expect(brokers).toEqual([0, 1, 2].map((n) => `127.0.0.1:${saslPort(n)}`).sort());
    }
    const wrong = await kcatLogin(saslPort(id), "user0", "wrong");
    expect(wrong.code).not.toBe(0);
    expect(wrong.err).toContain("invalid credentials with SASL mechanism SCRAM-SHA-256");
  }
}, 180_000);

test("forwarded requests keep their bytes fields (a Buffer view of the frame, as the decoder gives it)", async () => {
  const { toTaggedJson, fromTaggedJson } = await import("../../src/cluster/cluster-node.ts");
  const frame = Buffer.from([9, 9, 1, 2, 3, 9]);
  const back = fromTaggedJson(toTaggedJson({ salt: frame.subarray(2, 5), n: 5n, plain: new Uint8Array([7]) })) as { salt: Uint8Array; n: bigint; plain: Uint8Array };
  expect([...back.salt]).toEqual([1, 2, 3]);
  expect(back.n).toBe(5n);
  expect([...back.plain]).toEqual([7]);
});

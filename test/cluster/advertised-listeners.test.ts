/**
 * advertised_listeners with a port other than the listener's: a node behind a proxy (or NAT) tells
 * clients and peers the advertised port, as Kafka does, and kcat reaches the cluster through it.
 * The port of each node's listener and the port it advertises differ here (a FaultProxy in front of
 * every node), so an answer with the listener's port fails the test.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { metadataOf, startFaultCluster, until, type FaultCluster } from "./faults/harness.ts";

let fc: FaultCluster;

beforeAll(async () => {
  fc = await startFaultCluster({ nodes: 3, kafkaProxy: true });
}, 90_000);
afterAll(async () => {
  await fc?.stop();
});

test("Metadata names every broker at its advertised (proxy) port, and kcat works through the proxies", async () => {
  const proxyPorts = fc.kafkaProxies.map((p) => p.port);
  const listenPorts = [0, 1, 2].map((id) => fc.cluster.node(id).kafkaPort);
  for (const p of proxyPorts) expect(listenPorts).not.toContain(p);
  const md = await until("three registered brokers", async () => {
    const m = await metadataOf(fc.cluster, 0);
    return m && m.brokers.length === 3 ? m : null;
  }, 30_000);
  expect(md.brokers.map((b) => [b.nodeId, b.port]).sort((a, b) => a[0]! - b[0]!)).toEqual(proxyPorts.map((p, id) => [id, p]));

  // Async: the proxies run in this process, so a synchronous spawn would stall them.
  const proc = Bun.spawn(["kcat", "-b", `127.0.0.1:${proxyPorts[1]}`, "-L", "-J", "-m", "10"], { stdout: "pipe", stderr: "pipe" });
  const killer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  clearTimeout(killer);
  expect({ exit: await proc.exited, stderr }).toEqual({ exit: 0, stderr: expect.any(String) });
  const listed = JSON.parse(stdout);
  expect(listed.brokers.map((b: { name: string }) => b.name).sort()).toEqual(proxyPorts.map((p) => `127.0.0.1:${p}`).sort());
}, 90_000);

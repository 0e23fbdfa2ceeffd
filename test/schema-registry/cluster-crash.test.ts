/**
 * The Schema Registry on a 3-process cluster (src/cluster-launcher.ts, one `bun src/main.ts` per
 * node, each registry on a free port): registrations run through the two other nodes while the
 * node leading `_schemas`-0 is killed with SIGKILL. Every registration that was answered 200 keeps
 * its id: no two subjects got the same id, and after the killed node is back every node serves
 * every acknowledged subject with the id it was answered with.
 */
import { afterAll, expect, test } from "bun:test";
import { metadataOf, startFaultCluster, until, type FaultCluster } from "../cluster/faults/harness.ts";

const CT = { "content-type": "application/vnd.schemaregistry.v1+json" };
let fc: FaultCluster | null = null;
afterAll(async () => {
  await fc?.stop();
}, 30_000);

// Each node's registry takes a free port (the bun test preload turns it off for spawned nodes);
// the port is read from the node's "schema registry listening" line after each start.
const ports = new Map<number, number>();
function notePort(id: number): void {
  const m = [...fc!.cluster.node(id).output.matchAll(/schema registry listening address=[^\s]*:(\d+)/g)].pop();
  if (!m) throw new Error(`node ${id} printed no schema registry address`);
  ports.set(id, Number(m[1]));
}
const url = (id: number) => `http://127.0.0.1:${ports.get(id)}`;
const schema = (name: string) => JSON.stringify({ type: "record", name, namespace: "crash", fields: [{ name: "f", type: "long" }] });
async function register(id: number, subject: string): Promise<number | null> {
  try {
    const r = await fetch(`${url(id)}/subjects/${subject}/versions`, { method: "POST", headers: CT, body: JSON.stringify({ schema: schema(subject.replace(/-/g, "_")) }), signal: AbortSignal.timeout(20_000) });
    if (r.status !== 200 && process.env.TAKHIN_TEST_LOGS) console.error(subject, r.status, await r.text());
    return r.status === 200 ? ((await r.json()) as { id: number }).id : null;
  } catch (e) {
    if (process.env.TAKHIN_TEST_LOGS) console.error(subject, (e as Error).message);
    return null;
  }
}
async function schemasLeader(from: number): Promise<number> {
  const md = await metadataOf(fc!.cluster, from);
  return md?.topics.find((t) => t.name === "_schemas")?.partitions[0]?.leaderId ?? -1;
}

test("kill -9 of the leader's node during registrations: no acknowledged id lost or given twice", async () => {
  fc = await startFaultCluster({ env: { TAKHIN_SCHEMA_REGISTRY_PORT: "0" } });
  for (const id of [0, 1, 2]) notePort(id);
  const acked = new Map<string, number>();
  await fc.cluster.waitForBrokers([0, 1, 2], { timeoutMs: 30_000 });
  // The first write creates _schemas; a cluster just formed may still be electing.
  acked.set("first", await until("the first registration", () => register(0, "first"), 30_000));
  const leader = await until("a leader for _schemas-0", async () => {
    const l = await schemasLeader(0);
    return l >= 0 ? l : null;
  }, 20_000);
  const others = [0, 1, 2].filter((n) => n !== leader);

  // Two writers, one through each surviving node, before, during and after the kill.
  let stop = false;
  let attempts = 0;
  const writers = others.map(async (node, w) => {
    for (let k = 0; !stop && k < 400; k++) {
      const subject = `w${w}-${k}`;
      attempts++;
      const id = await register(node, subject);
      if (id !== null) acked.set(subject, id);
    }
  });
  await until("some registrations before the kill", async () => acked.size >= 10, 30_000);
  const beforeKill = acked.size;
  await fc.cluster.kill(leader);
  await until("registrations after the kill", async () => acked.size >= beforeKill + 10, 60_000);
  stop = true;
  await Promise.all(writers);

  const ids = [...acked.values()];
  expect(new Set(ids).size).toBe(ids.length);
  await fc.cluster.start(leader);
  notePort(leader);
  for (const node of [0, 1, 2]) {
    await until(`node ${node} serves every acknowledged subject`, async () => {
      for (const [subject, id] of acked) {
        const r = await fetch(`${url(node)}/subjects/${subject}/versions/1`).catch(() => null);
        if (!r || r.status !== 200) return false;
        expect(((await r.json()) as { id: number }).id).toBe(id);
      }
      return true;
    }, 60_000);
  }
  // New ids continue past every acknowledged one.
  const next = await register(leader, "after-crash");
  expect(next).toBeGreaterThan(Math.max(...ids));
  console.log(`acknowledged ${acked.size} of ${attempts + 2} registrations across the kill`);
}, 240_000);

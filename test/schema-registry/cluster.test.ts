/**
 * The Schema Registry on a 3-node cluster in one process (three nodes with their own quorum,
 * listeners, registries and data directories over loopback): the registry on the node leading
 * `_schemas`-0 assigns ids, the others forward writes to it and serve reads from their replica.
 * Registrations through every node (also at once) get distinct ids that every node serves alike;
 * when the leader's node stops, writes resume through the new leader with no id handed out twice,
 * and the node that stopped comes back with the whole state.
 */
import { afterAll, expect, test } from "bun:test";
import { startBroker, type Broker } from "../../src/server/broker.ts";
import { createLogger } from "../../src/util/log.ts";
import { tempDir } from "../helpers/broker.ts";
import { freeBasePort } from "../cluster/faults/harness.ts";
import type { SchemaRegistryService } from "../../src/schema-registry/service.ts";

const CT = "application/vnd.schemaregistry.v1+json";
const root = tempDir("takhin-sr-cluster-");
const nodes: (Broker | null)[] = [null, null, null];
let base = 0;

function start(i: number): Promise<Broker> {
  const voters = [0, 1, 2].map((n) => `${n}@127.0.0.1:${base + 100 + n}`).join(",");
  return startBroker({
    env: {},
    log: createLogger({ level: process.env.TAKHIN_TEST_LOGS ? "info" : "error", format: "text" }),
    overrides: { nodeId: i, adminApiPort: 0, schemaRegistryPort: 0, httpProxyPort: -1, consolePort: -1, host: "127.0.0.1", dataDir: `${root}/n${i}`, processRoles: "broker,controller", controllerQuorumVoters: voters, listeners: `PLAINTEXT://127.0.0.1:${base + i},CONTROLLER://127.0.0.1:${base + 100 + i}` },
  });
}
const url = (i: number) => `http://127.0.0.1:${nodes[i]!.services.get("schema-registry")!.port}`;

async function call(i: number, method: string, path: string, body?: unknown) {
  const r = await fetch(url(i) + path, { method, headers: { "content-type": CT }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  return { status: r.status, json: (await r.json()) as any };
}
async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await ok()) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}
const schema = (name: string) => JSON.stringify({ type: "record", name, namespace: "cluster", fields: [{ name: "f", type: "string" }] });
async function register(i: number, subject: string, name: string): Promise<number> {
  const r = await call(i, "POST", `/subjects/${subject}/versions`, { schema: schema(name) });
  if (r.status !== 200) throw new Error(`register ${subject} through node ${i}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.id;
}
const live = () => [0, 1, 2].filter((i) => nodes[i] !== null);
const schemasLeader = () => nodes[live()[0]!]!.context.topics.partition("_schemas", 0)?.leader ?? -1;

afterAll(async () => {
  await Promise.all(nodes.map((b) => b?.stop(500)));
}, 30_000);

test("ids from one leader, writes through every node, failover without reusing an id", async () => {
  base = await freeBasePort(3);
  (await Promise.all([0, 1, 2].map(start))).forEach((b, i) => (nodes[i] = b));
  await until("a controller", () => nodes.every((b) => b!.context.metadata.image.brokers.size === 3));

  // The first write creates _schemas (replication factor 3) through whichever node it reaches.
  const ids = new Map<string, number>();
  ids.set("s0", await register(1, "s0", "S0"));
  await until("_schemas on every node", () => nodes.every((b) => b!.context.partitions.hosted("_schemas", 0) !== undefined));
  expect(nodes[0]!.context.topics.partition("_schemas", 0)!.replicas.length).toBe(3);

  // One registration through each node: the node that took it reads its own write at once.
  for (const i of [0, 1, 2]) {
    const id = await register(i, `one-${i}`, `One${i}`);
    ids.set(`one-${i}`, id);
    expect((await call(i, "GET", `/subjects/one-${i}/versions/latest`)).json).toMatchObject({ id, version: 1 });
  }
  // Registrations through all three at once.
  const burst = await Promise.all([0, 1, 2].flatMap((i) => [0, 1, 2, 3].map(async (k) => [`b-${i}-${k}`, await register(i, `b-${i}-${k}`, `B${i}x${k}`)] as const)));
  for (const [s, id] of burst) ids.set(s, id);
  expect(new Set(ids.values()).size).toBe(ids.size);
  // The same schema under a new subject through another node: the same id.
  expect(await register((schemasLeader() + 1) % 3, "again", "One0")).toBe(ids.get("one-0")!);

  // Every node serves the same subjects and the same schema for every id.
  await until("the leader applied everything", async () => (await call(schemasLeader(), "GET", "/subjects")).json.length === ids.size + 1);
  const subjects = (await call(schemasLeader(), "GET", "/subjects")).json;
  expect(subjects.length).toBe(ids.size + 1);
  for (const i of [0, 1, 2]) {
    await until(`node ${i} caught up`, async () => JSON.stringify((await call(i, "GET", "/subjects")).json) === JSON.stringify(subjects));
    for (const [s, id] of ids) expect((await call(i, "GET", `/schemas/ids/${id}/versions`)).json).toContainEqual({ subject: s, version: 1 });
  }
  // In-process callers (the HTTP Proxy registers inline schemas) on a node that does not lead go to the leader too.
  const follower = (schemasLeader() + 1) % 3;
  const inProcess = await nodes[follower]!.services.get<SchemaRegistryService>("schema-registry")!.registry!.register("in-process", { schema: schema("InProcess"), schemaType: "AVRO", references: [] }, false);
  expect(inProcess.version).toBe(1);
  ids.set("in-process", inProcess.id);
  expect(new Set(ids.values()).size).toBe(ids.size);
  // Config writes go through the leader too.
  expect((await call((schemasLeader() + 2) % 3, "PUT", "/config/one-1", { compatibility: "FULL" })).json).toEqual({ compatibility: "FULL" });

  // The leader's node stops: writes through a survivor resume on the new leader with fresh ids.
  const oldLeader = schemasLeader();
  const maxBefore = Math.max(...ids.values());
  await nodes[oldLeader]!.stop(500);
  nodes[oldLeader] = null;
  const survivor = live()[0]!;
  const afterId = await register(survivor, "after-failover", "After");
  expect(afterId).toBeGreaterThan(maxBefore);
  await until("a new leader", () => schemasLeader() >= 0 && schemasLeader() !== oldLeader);
  const other = live().find((i) => i !== survivor)!;
  const afterId2 = await register(other, "after-failover-2", "After2");
  expect(afterId2).toBeGreaterThan(afterId);
  expect((await call(other, "GET", "/config/one-1")).json).toEqual({ compatibilityLevel: "FULL" });
  // An old schema registered again keeps its id.
  expect(await register(other, "one-2", "One2")).toBe(ids.get("one-2")!);

  // The stopped node comes back and serves everything, including what was written without it.
  nodes[oldLeader] = await start(oldLeader);
  await until("the restarted node caught up", async () => (await call(oldLeader, "GET", "/subjects/after-failover-2/versions/1").catch(() => ({ json: {} }))).json.id === afterId2);
  expect((await call(oldLeader, "GET", "/subjects")).json.length).toBe(ids.size + 3);
  const afterId3 = await register(oldLeader, "after-restart", "After3");
  expect(afterId3).toBeGreaterThan(afterId2);
}, 120_000);

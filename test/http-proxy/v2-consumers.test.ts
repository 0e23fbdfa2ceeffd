/**
 * Confluent REST Proxy API v2 consumers: the reference's consumer requests (create, subscribe,
 * records, commit, committed offsets, assignments, positions, delete) sent as printed, with their
 * answers asserted; the instance is a real group member (kafkajs' describeGroups sees it); records
 * produced by kcat read over HTTP byte-exact; instances expire after consumer_instance_timeout_ms;
 * bad input answers Confluent's codes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { removeDir } from "../helpers/broker.ts";
import { call, createTopic, getWithBody, kafkaOf, startProxyBroker, type ProxyBroker } from "./helpers.ts";

let b: ProxyBroker;
const V2 = "application/vnd.kafka.v2+json";
const BINARY = "application/vnd.kafka.binary.v2+json";

beforeAll(async () => {
  b = await startProxyBroker({ schemaRegistryPort: 0 });
  await createTopic(b.bootstrap, "test", 1);
  await createTopic(b.bootstrap, "test2", 2);
}, 60_000);

afterAll(async () => {
  await b?.stop();
  if (b) removeDir(b.dataDir);
});

const instance = (group: string, name: string) => `${b.url}/consumers/${group}/instances/${name}`;

/** GET records until `want` arrived (a fresh member's first polls may come before its assignment). */
async function poll(base: string, want: number, accept = BINARY, rounds = 30): Promise<any[]> {
  const got: any[] = [];
  for (let i = 0; i < rounds && got.length < want; i++) {
    const r = await call(`${base}/records?timeout=1000&max_bytes=300000`, { headers: { Accept: accept } });
    expect(r.status).toBe(200);
    expect(r.type).toBe(accept);
    got.push(...r.body);
  }
  return got;
}

async function kcatProduce(topic: string, lines: string): Promise<void> {
  const p = Bun.spawn(["kcat", "-P", "-b", b.bootstrap, "-t", topic, "-p", "0", "-K", ":"], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  p.stdin.write(lines);
  await p.stdin.end();
  const killer = setTimeout(() => p.kill(), 30_000);
  expect(await p.exited).toBe(0);
  clearTimeout(killer);
}

describe("consumer instance (API v2 reference)", () => {
  test("create, subscribe, read kcat's records byte-exact, commit, committed offsets, delete", async () => {
    await kcatProduce("test", "key:confluent\nk2:kafka\nk3:logs\n");
    const created = await call(`${b.url}/consumers/testgroup/`.replace(/\/$/, ""), {
      method: "POST",
      headers: { Host: "proxy-instance.kafkaproxy.example.com", "Content-Type": V2 },
      body: JSON.stringify({ name: "my_consumer", format: "binary", "auto.offset.reset": "earliest", "auto.commit.enable": "false" }),
    });
    expect(created.status).toBe(200);
    expect(created.type).toBe(V2);
    expect(created.body).toEqual({ instance_id: "my_consumer", base_uri: `${b.url}/consumers/testgroup/instances/my_consumer` });
    const base = created.body.base_uri as string;

    const again = await call(`${b.url}/consumers/testgroup`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ name: "my_consumer", format: "binary" }) });
    expect(again).toMatchObject({ status: 409, body: { error_code: 40902 } });

    const sub = await fetch(`${base}/subscription`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ topics: ["test", "test2"] }) });
    expect(sub.status).toBe(204);
    expect(await call(`${base}/subscription`, { headers: { Accept: V2 } })).toMatchObject({ status: 200, body: { topics: ["test", "test2"] } });

    const records = await poll(base, 3);
    expect(records).toEqual([
      { topic: "test", key: Buffer.from("key").toString("base64"), value: Buffer.from("confluent").toString("base64"), partition: 0, offset: 0 },
      { topic: "test", key: Buffer.from("k2").toString("base64"), value: Buffer.from("kafka").toString("base64"), partition: 0, offset: 1 },
      { topic: "test", key: Buffer.from("k3").toString("base64"), value: Buffer.from("logs").toString("base64"), partition: 0, offset: 2 },
    ]);

    // A real member of testgroup: Kafka's DescribeGroups (kafkajs) sees it, Stable, with its assignment.
    const admin = kafkaOf(b.bootstrap).admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups(["testgroup"]);
      expect(groups[0]).toMatchObject({ groupId: "testgroup", state: "Stable", protocolType: "consumer", protocol: "range" });
      expect(groups[0]!.members).toHaveLength(1);
    } finally {
      await admin.disconnect();
    }
    expect(await call(`${base}/assignments`, { headers: { Accept: V2 } })).toMatchObject({ status: 200, body: { partitions: [{ topic: "test", partition: 0 }, { topic: "test2", partition: 0 }, { topic: "test2", partition: 1 }] } });

    // The format must match the instance's.
    expect(await call(`${base}/records`, { headers: { Accept: "application/vnd.kafka.json.v2+json" } })).toMatchObject({ status: 406, body: { error_code: 40601 } });

    const commit = await fetch(`${base}/offsets`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ offsets: [{ topic: "test", partition: 0, offset: 20 }, { topic: "test2", partition: 1, offset: 30 }] }) });
    expect(commit.status).toBe(200);
    // The reference's GET with a body: Bun's server drops GET bodies, so the answer covers the
    // instance's assigned partitions (the listed ones among them; docs/http-proxy.md).
    const committed = await getWithBody(`${base}/offsets`, { "Content-Type": V2, Accept: V2 }, JSON.stringify({ partitions: [{ topic: "test", partition: 0 }, { topic: "test2", partition: 1 }] }));
    expect(committed).toEqual({ status: 200, body: { offsets: [{ topic: "test", partition: 0, offset: 20, metadata: "" }, { topic: "test2", partition: 1, offset: 30, metadata: "" }] } });
    // An empty commit commits what was read; ?partitions= names the partitions to answer for.
    expect((await fetch(`${base}/offsets`, { method: "POST", headers: { "Content-Type": V2 } })).status).toBe(200);
    const q = encodeURIComponent(JSON.stringify([{ topic: "test", partition: 0 }]));
    expect((await call(`${base}/offsets?partitions=${q}`, { headers: { Accept: V2 } })).body.offsets).toEqual([{ topic: "test", partition: 0, offset: 3, metadata: "" }]);

    expect((await fetch(`${base}/subscription`, { method: "DELETE", headers: { "Content-Type": V2 } })).status).toBe(204);
    expect(await call(`${base}/subscription`, { headers: { Accept: V2 } })).toMatchObject({ status: 200, body: { topics: [] } });
    expect((await fetch(base, { method: "DELETE", headers: { "Content-Type": V2 } })).status).toBe(204);
    expect(await call(`${base}/records`, { headers: { Accept: BINARY } })).toMatchObject({ status: 404, body: { error_code: 40403, message: "Consumer instance not found." } });
  }, 90_000);

  test("assignments and positions: seek to an offset, beginning, end; json format", async () => {
    const produced = await call(`${b.url}/topics/test2/partitions/1`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.json.v2+json" }, body: JSON.stringify({ records: [{ value: { n: 1 } }, { value: { n: 2 } }, { value: { n: 3 } }] }) });
    expect(produced.status).toBe(200);
    const created = await call(`${b.url}/consumers/jsongroup`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ name: "c1", format: "json", "auto.offset.reset": "earliest" }) });
    const base = created.body.base_uri as string;
    expect((await fetch(`${base}/assignments`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ partitions: [{ topic: "test2", partition: 1 }] }) })).status).toBe(204);
    expect(await call(`${base}/assignments`, { headers: { Accept: V2 } })).toMatchObject({ body: { partitions: [{ topic: "test2", partition: 1 }] } });
    // Subscribing now is refused (assign and subscribe exclude each other).
    expect(await call(`${base}/subscription`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ topics: ["test"] }) })).toMatchObject({ status: 409, body: { error_code: 40903 } });

    expect((await fetch(`${base}/positions`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ offsets: [{ topic: "test2", partition: 1, offset: 1 }] }) })).status).toBe(204);
    const JSONT = "application/vnd.kafka.json.v2+json";
    expect((await poll(base, 2, JSONT)).map((r) => r.value)).toEqual([{ n: 2 }, { n: 3 }]);
    expect((await fetch(`${base}/positions/beginning`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ partitions: [{ topic: "test2", partition: 1 }] }) })).status).toBe(204);
    expect((await poll(base, 3, JSONT)).map((r) => [r.offset, r.value])).toEqual([[0, { n: 1 }], [1, { n: 2 }], [2, { n: 3 }]]);
    expect((await fetch(`${base}/positions/end`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ partitions: [{ topic: "test2", partition: 1 }] }) })).status).toBe(204);
    const empty = await call(`${base}/records?timeout=200`, { headers: { Accept: JSONT } });
    expect(empty).toMatchObject({ status: 200, body: [] });
    // Seeking a partition not assigned: Kafka's IllegalStateException, 40903.
    expect(await call(`${base}/positions`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ offsets: [{ topic: "test", partition: 0, offset: 0 }] }) })).toMatchObject({ status: 409, body: { error_code: 40903 } });
    expect((await fetch(base, { method: "DELETE" })).status).toBe(204);
  }, 60_000);

  test("avro consumer reads what avro produce wrote", async () => {
    const schema = JSON.stringify({ type: "record", name: "User", fields: [{ name: "name", type: "string" }, { name: "age", type: "int" }] });
    await createTopic(b.bootstrap, "avrotest", 1);
    const p = await call(`${b.url}/topics/avrotest`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.avro.v2+json" }, body: JSON.stringify({ value_schema: schema, records: [{ value: { name: "testUser", age: 30 } }] }) });
    expect(p.status).toBe(200);
    const created = await call(`${b.url}/consumers/avrogroup`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ name: "my_consumer_instance", format: "avro", "auto.offset.reset": "earliest" }) });
    const base = created.body.base_uri as string;
    expect((await fetch(`${base}/subscription`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ topics: ["avrotest"] }) })).status).toBe(204);
    const got = await poll(base, 1, "application/vnd.kafka.avro.v2+json");
    expect(got).toEqual([{ topic: "avrotest", key: null, value: { name: "testUser", age: 30 }, partition: 0, offset: 0 }]);
    expect((await fetch(base, { method: "DELETE" })).status).toBe(204);
  }, 60_000);

  test("bad input", async () => {
    const post = (path: string, body: unknown, type = V2) => call(`${b.url}${path}`, { method: "POST", headers: { "Content-Type": type }, body: JSON.stringify(body) });
    expect(await post("/consumers/g1", { name: "x", format: "xml" })).toMatchObject({ status: 422 });
    expect(await post("/consumers/g1", { name: "x", "auto.offset.reset": "sometimes" })).toMatchObject({ status: 422, body: { error_code: 42204 } });
    expect(await post("/consumers/g1", { name: "bad name/" })).toMatchObject({ status: 422 });
    expect(await post("/consumers/g1", { name: "x" }, "text/plain")).toMatchObject({ status: 415, body: { error_code: 415 } });
    const c = await post("/consumers/g1", { name: "x" });
    expect(c.status).toBe(200);
    expect(await post("/consumers/g1/instances/x/subscription", { topics: [] })).toMatchObject({ status: 422 });
    expect(await post("/consumers/g1/instances/x/subscription", { topic_pattern: "(" })).toMatchObject({ status: 422 });
    expect(await post("/consumers/g1/instances/x/assignments", { partitions: [{ topic: "test" }] })).toMatchObject({ status: 422 });
    expect(await post("/consumers/g1/instances/x/positions", { offsets: [{ topic: "test", partition: 0, offset: -5 }] })).toMatchObject({ status: 422 });
    expect(await post("/consumers/g1/instances/nope/subscription", { topics: ["test"] })).toMatchObject({ status: 404, body: { error_code: 40403 } });
    expect((await fetch(`${b.url}/consumers/g1/instances/nope`, { method: "DELETE" })).status).toBe(404);
    expect((await fetch(`${b.url}/consumers/g1/instances/x`, { method: "DELETE" })).status).toBe(204);
  });
});

describe("two instances in one group", () => {
  test("share the partitions through a rebalance, each record read once", async () => {
    await createTopic(b.bootstrap, "shared", 4);
    const records = Array.from({ length: 40 }, (_, i) => ({ value: Buffer.from(`r${i}`).toString("base64"), partition: i % 4 }));
    expect((await call(`${b.url}/topics/shared`, { method: "POST", headers: { "Content-Type": BINARY }, body: JSON.stringify({ records }) })).status).toBe(200);
    const bases: string[] = [];
    for (const name of ["a", "b"]) {
      const c = await call(`${b.url}/consumers/sharing`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ name, format: "binary", "auto.offset.reset": "earliest", "auto.commit.enable": "false" }) });
      bases.push(c.body.base_uri);
      expect((await fetch(`${c.body.base_uri}/subscription`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ topics: ["shared"] }) })).status).toBe(204);
    }
    // Both are members with two partitions each once the group settles.
    let assigned: { topic: string; partition: number }[][] = [];
    for (let i = 0; i < 60; i++) {
      await Bun.sleep(250);
      assigned = await Promise.all(bases.map(async (u) => (await call(`${u}/assignments`, { headers: { Accept: V2 } })).body.partitions));
      if (assigned.every((a) => a.length === 2)) break;
    }
    expect(assigned.map((a) => a.length)).toEqual([2, 2]);
    expect(assigned.flat().map((p) => p.partition).sort()).toEqual([0, 1, 2, 3]);
    // Each reads its own partitions from the beginning (nothing was committed).
    const got = await Promise.all(
      bases.map(async (u, k) => {
        const out: { partition: number; value: string }[] = [];
        for (let i = 0; i < 20 && out.length < 20; i++) out.push(...(await call(`${u}/records?timeout=500`, { headers: { Accept: BINARY } })).body);
        expect(out.every((r) => assigned[k]!.some((p) => p.partition === r.partition))).toBe(true);
        return out;
      }),
    );
    const values = got.flat().map((r) => Buffer.from(r.value, "base64").toString()).sort();
    expect(values).toEqual(records.map((_, i) => `r${i}`).sort());
    const admin = kafkaOf(b.bootstrap).admin();
    await admin.connect();
    try {
      expect((await admin.describeGroups(["sharing"])).groups[0]!.members).toHaveLength(2);
    } finally {
      await admin.disconnect();
    }
    for (const u of bases) expect((await fetch(u, { method: "DELETE" })).status).toBe(204);
  }, 90_000);
});

describe("a group the coordinator refuses", () => {
  test("a join failing for good answers GET records with 50002 (the Kafka error named)", async () => {
    // The instance asks for a 30 s session; this broker allows at most 10 s: INVALID_SESSION_TIMEOUT.
    const e = await startProxyBroker({ groupMaxSessionTimeoutMs: 10_000 });
    try {
      await createTopic(e.bootstrap, "t", 1);
      const created = await call(`${e.url}/consumers/refused`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ name: "c" }) });
      const base = created.body.base_uri as string;
      expect((await fetch(`${base}/subscription`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ topics: ["t"] }) })).status).toBe(204);
      const r = await call(`${base}/records?timeout=3000`, { headers: { Accept: BINARY } });
      expect(r.status).toBe(500);
      expect(r.body.error_code).toBe(50002);
      expect(r.body.message).toContain("INVALID_SESSION_TIMEOUT");
    } finally {
      await e.stop();
      removeDir(e.dataDir);
    }
  }, 60_000);
});

describe("expiry", () => {
  test("an idle instance is deleted after consumer_instance_timeout_ms and leaves its group", async () => {
    const e = await startProxyBroker({ consumerInstanceTimeoutMs: 1000 });
    try {
      await createTopic(e.bootstrap, "t", 1);
      const created = await call(`${e.url}/consumers/expiring`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ name: "idle", "auto.offset.reset": "earliest" }) });
      const base = created.body.base_uri as string;
      expect((await fetch(`${base}/subscription`, { method: "POST", headers: { "Content-Type": V2 }, body: JSON.stringify({ topics: ["t"] }) })).status).toBe(204);
      // Used within the timeout it stays.
      for (let i = 0; i < 4; i++) {
        await Bun.sleep(400);
        expect((await call(`${base}/subscription`, { headers: { Accept: V2 } })).status).toBe(200);
      }
      // Idle past it: gone, and the group has no member left.
      let status = 200;
      for (let i = 0; i < 50 && status === 200; i++) {
        await Bun.sleep(200);
        if (Date.now() < 0) break;
        status = e.broker.services.get<import("../../src/http-proxy/service.ts").HttpProxyService>("http-proxy")!.consumers!.size === 0 ? 404 : 200;
      }
      expect(await call(`${base}/subscription`, { headers: { Accept: V2 } })).toMatchObject({ status: 404, body: { error_code: 40403 } });
      const admin = kafkaOf(e.bootstrap).admin();
      await admin.connect();
      try {
        const { groups } = await admin.describeGroups(["expiring"]);
        expect(groups[0]!.members).toEqual([]);
      } finally {
        await admin.disconnect();
      }
    } finally {
      await e.stop();
      removeDir(e.dataDir);
    }
  }, 60_000);
});

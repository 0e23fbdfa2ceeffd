/**
 * The console's HTTP API against a real Takhin broker (in-process, real sockets, the console
 * service and the Schema Registry on): every area's routes, and bad input answered with a 4xx and
 * a message, never a crash. Login and roles are in auth.test.ts; ACLs in security.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import avro from "avsc";
import { ConsoleSession, commitGroup, createTopic, produceValues, startConsoleBroker, type ConsoleBroker } from "./helpers.ts";

let cb: ConsoleBroker;
let s: ConsoleSession;

beforeAll(async () => {
  cb = await startConsoleBroker();
  s = await new ConsoleSession(cb.url).init();
  await createTopic(cb.client, "seeded", 2);
  await produceValues(cb.client, "seeded", 0, Array.from({ length: 30 }, (_, i) => JSON.stringify({ n: i, kind: i % 3 === 0 ? "fizz" : "plain" })));
  await produceValues(cb.client, "seeded", 1, ["one", "two", "three"], "k1");
}, 30_000);
afterAll(async () => {
  await cb?.stop();
});

describe("session and shell", () => {
  test("development mode: a session with a CSRF token, the banner's flag, the page and its assets", async () => {
    const r = await s.call("GET", "/api/session");
    expect(r.status).toBe(200);
    expect(r.body.devMode).toBe(true);
    expect(r.body.role).toBe("admin");
    expect(r.body.csrf.length).toBeGreaterThan(20);
    expect(r.body.features.registry).toBe(true);
    const page = await s.call("GET", "/");
    expect(page.status).toBe(200);
    expect(page.text).toContain("/assets/console.js");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    const js = await s.call("GET", "/assets/console.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toContain("javascript");
    // No address to fetch anything from at run time (the SVG namespace is a name, not a fetch).
    expect(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(js.text)).toBe(false);
  });
  test("a change without the CSRF token is refused; unknown routes answer JSON 404", async () => {
    const r = await s.call("POST", "/api/topics", { name: "nocsrf" }, { "x-csrf-token": "" });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("CSRF");
    const wrong = await s.call("POST", "/api/topics", { name: "nocsrf" }, { "x-csrf-token": "x".repeat(32) });
    expect(wrong.status).toBe(403);
    const nf = await s.call("GET", "/api/nothing");
    expect(nf.status).toBe(404);
    expect(nf.body.error.message).toContain("/api/nothing");
  });
  test("overview: brokers, controller, partitions", async () => {
    const r = await s.call("GET", "/api/overview");
    expect(r.status).toBe(200);
    expect(r.body.brokers.length).toBe(1);
    expect(r.body.controller).toBe(r.body.brokers[0].nodeId);
    expect(r.body.leaderless).toEqual([]);
    expect(r.body.partitions).toBeGreaterThanOrEqual(2);
  });
});

describe("topics", () => {
  test("create, list with search, describe, alter configs, add partitions, delete with confirmation", async () => {
    const c = await s.call("POST", "/api/topics", { name: "api-topic", partitions: 2, replicationFactor: 1, configs: { "retention.ms": "3600000" } });
    expect(c.status).toBe(201);
    expect(c.body.partitions).toBe(2);
    const dup = await s.call("POST", "/api/topics", { name: "api-topic", partitions: 1 });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe("TOPIC_ALREADY_EXISTS");
    const list = await s.call("GET", "/api/topics?search=API-TOP");
    expect(list.body.topics.map((t: any) => t.name)).toEqual(["api-topic"]);
    const seeded = (await s.call("GET", "/api/topics?search=seeded")).body.topics[0];
    expect(seeded.records).toBe("33");
    expect(Number(seeded.sizeBytes)).toBeGreaterThan(0);
    const d = await s.call("GET", "/api/topics/api-topic");
    expect(d.body.partitions.map((p: any) => p.partition)).toEqual([0, 1]);
    expect(d.body.configs.find((x: any) => x.name === "retention.ms").value).toBe("3600000");
    const alter = await s.call("PATCH", "/api/topics/api-topic/configs", { set: { "retention.ms": "7200000" } });
    expect(alter.status).toBe(200);
    expect((await s.call("GET", "/api/topics/api-topic")).body.configs.find((x: any) => x.name === "retention.ms").value).toBe("7200000");
    const badCfg = await s.call("PATCH", "/api/topics/api-topic/configs", { set: { "no.such.config": "1" } });
    expect(badCfg.status).toBe(400);
    const add = await s.call("POST", "/api/topics/api-topic/partitions", { count: 4 });
    expect(add.status).toBe(200);
    const fewer = await s.call("POST", "/api/topics/api-topic/partitions", { count: 2 });
    expect(fewer.status).toBe(400);
    expect(fewer.body.error.code).toBe("INVALID_PARTITIONS");
    const noConfirm = await s.call("DELETE", "/api/topics/api-topic");
    expect(noConfirm.status).toBe(400);
    expect(noConfirm.body.error.message).toContain("confirm");
    const del = await s.call("DELETE", "/api/topics/api-topic?confirm=api-topic");
    expect(del.status).toBe(200);
    expect((await s.call("GET", "/api/topics/api-topic")).status).toBe(404);
  });
  test("bad input: names, numbers, JSON, sizes", async () => {
    for (const body of [{}, { name: "bad name!" }, { name: "x".repeat(300) }, { name: "ok", partitions: "many" }, { name: "ok", partitions: 1.5 }, { name: "ok", configs: { a: 1 } }, { name: ".." }]) {
      const r = await s.call("POST", "/api/topics", body);
      expect(r.status).toBe(400);
      expect(typeof r.body.error.message).toBe("string");
    }
    const notJson = await s.call("POST", "/api/topics", "{not json");
    expect(notJson.status).toBe(400);
    const arr = await s.call("POST", "/api/topics", "[1,2]");
    expect(arr.status).toBe(400);
    const big = await s.call("POST", "/api/topics", JSON.stringify({ name: "big", pad: "x".repeat(2 * 1024 * 1024) }));
    expect(big.status).toBe(413);
    expect((await s.call("GET", "/api/topics/bad%20name")).status).toBe(400);
    expect((await s.call("GET", "/api/topics/missing-topic")).status).toBe(404);
  });
});

describe("messages", () => {
  test("a page from earliest, newest, an offset and a timestamp; partitions chosen", async () => {
    const first = await s.call("GET", "/api/topics/seeded/messages?partitions=0&limit=5");
    expect(first.status).toBe(200);
    expect(first.body.messages.map((m: any) => m.offset)).toEqual(["0", "1", "2", "3", "4"]);
    expect(first.body.messages[0].value.as).toBe("json");
    expect(JSON.parse(first.body.messages[0].value.text)).toEqual({ n: 0, kind: "fizz" });
    expect(first.body.messages[0].headers).toEqual([{ key: "source", value: "test" }]);
    const newest = await s.call("GET", "/api/topics/seeded/messages?partitions=0&start=latest&limit=3");
    expect(newest.body.messages.map((m: any) => m.offset).sort()).toEqual(["27", "28", "29"]);
    const at = await s.call("GET", "/api/topics/seeded/messages?partitions=0&start=offset&offset=25&limit=100");
    expect(at.body.messages.map((m: any) => m.offset)).toEqual(["25", "26", "27", "28", "29"]);
    const ts = first.body.messages[0].timestamp;
    const byTime = await s.call("GET", `/api/topics/seeded/messages?partitions=1&start=timestamp&timestamp=${ts}&limit=10`);
    expect(byTime.body.messages.map((m: any) => m.value.text)).toEqual(["one", "two", "three"]);
    expect(byTime.body.messages[0].key).toEqual({ as: "text", text: "k1" });
    const future = await s.call("GET", `/api/topics/seeded/messages?start=timestamp&timestamp=${Date.now() + 3_600_000}`);
    expect(future.body.messages).toEqual([]);
    const both = await s.call("GET", "/api/topics/seeded/messages?limit=500");
    expect(both.body.messages.length).toBe(33);
  });
  test("formats: hex, base64, msgpack, text; bad format names refused", async () => {
    const hex = await s.call("GET", "/api/topics/seeded/messages?partitions=1&limit=1&valueFormat=hex");
    expect(hex.body.messages[0].value).toEqual({ as: "hex", text: Buffer.from("one").toString("hex") });
    const b64 = await s.call("GET", "/api/topics/seeded/messages?partitions=1&limit=1&valueFormat=base64");
    expect(b64.body.messages[0].value.text).toBe(Buffer.from("one").toString("base64"));
    await createTopic(cb.client, "packed", 1);
    // {"a": 1, "b": [true, null], "c": "x"} in MessagePack.
    await produceValues(cb.client, "packed", 0, [new Uint8Array([0x83, 0xa1, 0x61, 0x01, 0xa1, 0x62, 0x92, 0xc3, 0xc0, 0xa1, 0x63, 0xa1, 0x78]), new Uint8Array([0xc1])]);
    const mp = await s.call("GET", "/api/topics/packed/messages?valueFormat=msgpack");
    expect(mp.body.messages[0].value.as).toBe("msgpack");
    expect(JSON.parse(mp.body.messages[0].value.text)).toEqual({ a: 1, b: [true, null], c: "x" });
    expect(mp.body.messages[1].value.error).toContain("not msgpack");
    const auto = await s.call("GET", "/api/topics/packed/messages");
    expect(auto.body.messages[1].value.as).toBe("hex");
    for (const q of ["valueFormat=xml", "start=middle", "start=offset&offset=abc", "limit=0", "limit=501", "partitions=x", "partitions=7"]) {
      const r = await s.call("GET", `/api/topics/seeded/messages?${q}`);
      expect(r.status).toBe(400);
      expect(r.body.error.message.length).toBeGreaterThan(5);
    }
  });
  test("Avro values through the registry's wire format", async () => {
    const schema = { type: "record", name: "Order", fields: [{ name: "id", type: "long" }, { name: "item", type: "string" }] };
    const reg = await s.call("POST", "/api/schemas/avro-orders-value", { schema: JSON.stringify(schema), schemaType: "AVRO" });
    expect(reg.status).toBe(201);
    const t = avro.Type.forSchema(schema as avro.Schema);
    const payload = t.toBuffer({ id: 7, item: "tea" });
    const framed = new Uint8Array(5 + payload.length);
    framed[0] = 0;
    new DataView(framed.buffer).setInt32(1, reg.body.id);
    framed.set(payload, 5);
    await createTopic(cb.client, "avro-orders", 1);
    await produceValues(cb.client, "avro-orders", 0, [framed]);
    const r = await s.call("GET", "/api/topics/avro-orders/messages");
    expect(r.body.messages[0].value.as).toBe("avro");
    expect(r.body.messages[0].value.schemaId).toBe(reg.body.id);
    expect(JSON.parse(r.body.messages[0].value.text)).toEqual({ id: 7, item: "tea" });
  });
  test("Protobuf and JSON Schema values through the registry's wire format", async () => {
    const proto = 'syntax = "proto3";\nmessage Ping { string host = 1; int32 ms = 2; }\n';
    const pr = await s.call("POST", "/api/schemas/pings-value", { schema: proto, schemaType: "PROTOBUF" });
    expect(pr.status).toBe(201);
    const js = await s.call("POST", "/api/schemas/events-value", { schema: JSON.stringify({ type: "object", properties: { kind: { type: "string" } } }), schemaType: "JSON" });
    expect(js.status).toBe(201);
    const frame = (id: number, payload: Uint8Array) => {
      const b = new Uint8Array(5 + payload.length);
      new DataView(b.buffer).setInt32(1, id);
      b.set(payload, 5);
      return b;
    };
    // Protobuf: message indexes [0] (the single byte 0), then field 1 "db-1" and field 2 = 7.
    const ping = new Uint8Array([0x00, 0x0a, 0x04, ...new TextEncoder().encode("db-1"), 0x10, 0x07]);
    await createTopic(cb.client, "registry-mixed", 1);
    await produceValues(cb.client, "registry-mixed", 0, [frame(pr.body.id, ping), frame(js.body.id, new TextEncoder().encode('{"kind":"login"}')), frame(999_999, new Uint8Array([1, 2]))]);
    const r = await s.call("GET", "/api/topics/registry-mixed/messages?valueFormat=registry");
    const [a, b, c] = r.body.messages.map((m: any) => m.value);
    expect(a.as).toBe("protobuf");
    expect(JSON.parse(a.text)).toEqual({ host: "db-1", ms: 7 });
    expect(b.as).toBe("jsonschema");
    expect(JSON.parse(b.text)).toEqual({ kind: "login" });
    // An id the registry does not have: shown as hex with the registry's reason.
    expect(c.as).toBe("hex");
    expect(c.error).toContain("not registry");
  });
  test("produce: text, JSON, base64, hex, headers, partition by key; bad input refused", async () => {
    await createTopic(cb.client, "produced", 3);
    const a = await s.call("POST", "/api/topics/produced/messages", { key: "user-1", value: '{"x": 1}', valueFormat: "json", headers: [{ key: "h", value: "v" }] });
    expect(a.status).toBe(201);
    const again = await s.call("POST", "/api/topics/produced/messages", { key: "user-1", value: "second" });
    expect(again.body.partition).toBe(a.body.partition);
    const other = (a.body.partition + 1) % 3;
    const hex = await s.call("POST", "/api/topics/produced/messages", { partition: other, value: "00ff", valueFormat: "hex" });
    expect(hex.body).toEqual({ partition: other, offset: "0" });
    const read = await s.call("GET", `/api/topics/produced/messages?partitions=${a.body.partition}&limit=10`);
    expect(read.body.messages[0].value.text).toBe('{\n  "x": 1\n}');
    expect(read.body.messages[0].headers).toEqual([{ key: "h", value: "v" }]);
    const raw = await s.call("GET", `/api/topics/produced/messages?partitions=${other}&valueFormat=hex`);
    expect(raw.body.messages[0].value.text).toBe("00ff");
    for (const body of [{ value: "zz", valueFormat: "hex" }, { value: "{bad", valueFormat: "json" }, { value: "x", valueFormat: "yaml" }, { value: "x", partition: 9 }, { value: "x", partition: -1 }, { value: 5 }, { value: "x", headers: "h=v" }, { value: "x", headers: [{ value: "no key" }] }]) {
      const r = await s.call("POST", "/api/topics/produced/messages", body);
      expect(r.status).toBe(400);
    }
    expect((await s.call("POST", "/api/topics/no-such-topic/messages", { value: "x" })).status).toBe(404);
  });
  test("JS filter search: matches, limits, syntax errors, endless loops stopped", async () => {
    const r = await s.call("POST", "/api/topics/seeded/search", { code: 'return value !== null && JSON.parse(value).kind === "fizz"', partitions: [0] });
    expect(r.status).toBe(200);
    expect(r.body.scanned).toBe(30);
    expect(r.body.matched).toBe(10);
    expect(r.body.messages.map((m: any) => Number(m.offset))).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
    const limited = await s.call("POST", "/api/topics/seeded/search", { code: "return true", limit: 2 });
    expect(limited.body.messages.length).toBe(2);
    const scanned = await s.call("POST", "/api/topics/seeded/search", { code: "return true", partitions: [0], maxScanned: 7 });
    expect(scanned.body.scanned).toBe(7);
    const byHeader = await s.call("POST", "/api/topics/seeded/search", { code: 'return headers.source === "test" && key === "k1" && partition === 1 && offset === "2"' });
    expect(byHeader.body.messages.map((m: any) => m.value.text)).toEqual(["three"]);
    const syntax = await s.call("POST", "/api/topics/seeded/search", { code: "return (" });
    expect(syntax.status).toBe(400);
    expect(syntax.body.error.message).toContain("does not compile");
    const loop = await s.call("POST", "/api/topics/seeded/search", { code: "for (;;) {}", partitions: [1] });
    expect(loop.status).toBe(200);
    expect(loop.body.error.kind).toBe("timeout");
    const noCode = await s.call("POST", "/api/topics/seeded/search", {});
    expect(noCode.status).toBe(400);
  }, 20_000);
  test("export streams every message as NDJSON, JSON or CSV", async () => {
    const nd = await s.call("GET", "/api/topics/seeded/export?format=ndjson");
    expect(nd.status).toBe(200);
    const lines = nd.text.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.length).toBe(33);
    const json = await s.call("GET", "/api/topics/seeded/export?format=json&partitions=1");
    expect(JSON.parse(json.text).map((m: any) => m.value.text)).toEqual(["one", "two", "three"]);
    const csv = await s.call("GET", "/api/topics/seeded/export?format=csv&partitions=1");
    expect(csv.text.split("\r\n")[0]).toBe("partition,offset,timestamp,key,value,headers");
    expect(csv.text.split("\r\n").length).toBe(5);
    expect((await s.call("GET", "/api/topics/seeded/export?format=xml")).status).toBe(400);
  });
  test("live tail over SSE sees new messages; streams per client are bounded", async () => {
    await createTopic(cb.client, "tailed", 1);
    const ctl = new AbortController();
    const res = await fetch(`${cb.url}/api/topics/tailed/tail`, { signal: ctl.signal });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    let text = "";
    const until = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += new TextDecoder().decode(value);
      }
    };
    await until("event: ready");
    await produceValues(cb.client, "tailed", 0, ["live-1"]);
    await until("live-1");
    expect(text).toContain("event: messages");
    // Three more fill this client's four; a fifth is refused.
    const more = await Promise.all([1, 2, 3].map(() => fetch(`${cb.url}/api/topics/tailed/tail`, { signal: ctl.signal })));
    const fifth = await fetch(`${cb.url}/api/topics/tailed/tail`);
    expect(fifth.status).toBe(429);
    expect(((await fifth.json()) as any).error.message).toContain("live tails");
    ctl.abort();
    for (const m of more) await m.body?.cancel().catch(() => {});
    // Closed streams free their slots.
    let ok = false;
    for (let i = 0; i < 100 && !ok; i++) {
      const r = await fetch(`${cb.url}/api/topics/tailed/tail`);
      ok = r.status === 200;
      await r.body?.cancel().catch(() => {});
      if (!ok) await Bun.sleep(50);
    }
    expect(ok).toBe(true);
  }, 20_000);
});

describe("consumer groups", () => {
  test("lag, reset with a dry run, shift, timestamp, delete offsets and the group", async () => {
    await commitGroup(cb.client, "billing", [{ topic: "seeded", partition: 0, offset: 10n }, { topic: "seeded", partition: 1, offset: 3n }]);
    const list = await s.call("GET", "/api/groups");
    expect(list.body.groups.map((g: any) => g.groupId)).toContain("billing");
    const g = await s.call("GET", "/api/groups/billing");
    expect(g.body.lag).toEqual([
      { topic: "seeded", partition: 0, committed: "10", logEnd: "30", lag: "20", member: null },
      { topic: "seeded", partition: 1, committed: "3", logEnd: "3", lag: "0", member: null },
    ]);
    expect(g.body.totalLag).toBe("20");
    const dry = await s.call("POST", "/api/groups/billing/reset", { topic: "seeded", partitions: [0], to: "earliest", dryRun: true });
    expect(dry.body.partitions).toEqual([{ topic: "seeded", partition: 0, current: "10", target: "0", lagAfter: "30" }]);
    expect((await s.call("GET", "/api/groups/billing")).body.lag[0].committed).toBe("10");
    const latest = await s.call("POST", "/api/groups/billing/reset", { topic: "seeded", to: "latest" });
    expect(latest.body.applied).toBe(true);
    expect((await s.call("GET", "/api/groups/billing")).body.totalLag).toBe("0");
    const shift = await s.call("POST", "/api/groups/billing/reset", { topic: "seeded", partitions: [0], to: "shift", by: "-5" });
    expect(shift.body.partitions[0].target).toBe("25");
    const offset = await s.call("POST", "/api/groups/billing/reset", { topic: "seeded", partitions: [0], to: "offset", offset: "1000" });
    expect(offset.body.partitions[0].target).toBe("30");
    const ts = (await s.call("GET", "/api/topics/seeded/messages?partitions=0&limit=1")).body.messages[0].timestamp;
    const byTime = await s.call("POST", "/api/groups/billing/reset", { topic: "seeded", partitions: [0], to: "timestamp", timestampMs: ts, dryRun: true });
    expect(byTime.body.partitions[0].target).toBe("0");
    for (const body of [{ topic: "seeded", to: "sideways" }, { topic: "seeded", to: "offset" }, { topic: "seeded", to: "shift", by: "x" }, { to: "latest" }, { topic: "seeded", to: "latest", partitions: [9] }]) {
      const r = await s.call("POST", "/api/groups/billing/reset", body);
      expect(r.status).toBe(400);
    }
    const delOffsets = await s.call("DELETE", "/api/groups/billing/offsets?topic=seeded&partitions=1");
    expect(delOffsets.status).toBe(200);
    expect((await s.call("GET", "/api/groups/billing")).body.lag.map((r: any) => r.partition)).toEqual([0]);
    const del = await s.call("DELETE", "/api/groups/billing");
    expect(del.status).toBe(200);
    expect((await s.call("GET", "/api/groups")).body.groups.map((x: any) => x.groupId)).not.toContain("billing");
  });
});

describe("schemas", () => {
  const v1 = { type: "record", name: "User", fields: [{ name: "name", type: "string" }] };
  const v2 = { type: "record", name: "User", fields: [{ name: "name", type: "string" }, { name: "age", type: "int", default: 0 }] };
  const bad = { type: "record", name: "User", fields: [{ name: "name", type: "int" }] };
  test("register after a compatibility check, refuse an incompatible version, versions and levels", async () => {
    expect((await s.call("POST", "/api/schemas/users-value/check", { schema: JSON.stringify(v1) })).body).toEqual({ compatible: true, messages: [], firstVersion: true });
    expect((await s.call("POST", "/api/schemas/users-value", { schema: JSON.stringify(v1) })).status).toBe(201);
    expect((await s.call("POST", "/api/schemas/users-value/check", { schema: JSON.stringify(v2) })).body.compatible).toBe(true);
    expect((await s.call("POST", "/api/schemas/users-value", { schema: JSON.stringify(v2) })).status).toBe(201);
    const check = await s.call("POST", "/api/schemas/users-value/check", { schema: JSON.stringify(bad) });
    expect(check.body.compatible).toBe(false);
    expect(check.body.messages.length).toBeGreaterThan(0);
    const refused = await s.call("POST", "/api/schemas/users-value", { schema: JSON.stringify(bad) });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("INCOMPATIBLE_SCHEMA");
    const subj = await s.call("GET", "/api/schemas/users-value");
    expect(subj.body.versions).toEqual([1, 2]);
    expect(subj.body.compatibility).toBe("BACKWARD");
    expect((await s.call("GET", "/api/schemas/users-value/versions/1")).body.schema).toBe(JSON.stringify(v1));
    expect((await s.call("PUT", "/api/schemas/users-value/config", { compatibility: "NONE" })).status).toBe(200);
    expect((await s.call("POST", "/api/schemas/users-value", { schema: JSON.stringify(bad) })).status).toBe(201);
    const list = await s.call("GET", "/api/schemas");
    expect(list.body.subjects.find((x: any) => x.subject === "users-value")).toMatchObject({ latestVersion: 3, schemaType: "AVRO" });
    expect((await s.call("PUT", "/api/schemas/users-value/config", { compatibility: "SOMETIMES" })).status).toBe(400);
    expect((await s.call("POST", "/api/schemas/users-value", { schema: "{not avro" })).status).toBe(422);
    expect((await s.call("POST", "/api/schemas/users-value", { schema: "{}", schemaType: "XML" })).status).toBe(400);
    expect((await s.call("GET", "/api/schemas/no-such-subject")).status).toBe(404);
    expect((await s.call("GET", "/api/schemas/users-value/versions/x")).status).toBe(400);
  });
});

describe("Connect without a URL", () => {
  test("answers 503 with what to configure", async () => {
    const r = await s.call("GET", "/api/connect/connectors");
    expect(r.status).toBe(503);
    expect(r.body.error.message).toContain("console_connect_url");
  });
});

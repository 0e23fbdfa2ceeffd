/**
 * The Schema Registry's API, the rest of the surface over real HTTP: every endpoint with bad input
 * answering Confluent's error code (unknown subject 40401, version 40402, schema 40403, invalid
 * schema 42201, invalid version 42202, invalid compatibility 42203, invalid mode 42204, malformed
 * JSON or a field of the wrong JSON type 400, a body that is not an object 422, oversized 413); schema references across subjects
 * for each format (Avro named types, Protobuf imports, JSON Schema $refs), with compatibility
 * checked through them; normalize=true (query and subject config) for each format; IMPORT mode
 * with client-chosen ids for each format.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SCHEMA_REGISTRY_MAX_BODY_BYTES } from "../../src/limits.ts";
import { startTestBroker, type TestBroker } from "../helpers/broker.ts";

const CT = "application/vnd.schemaregistry.v1+json";
let b: TestBroker;
let base: string;
beforeAll(async () => {
  b = await startTestBroker({ schemaRegistryPort: 0 });
  base = `http://127.0.0.1:${b.broker.services.get("schema-registry")!.port}`;
});
afterAll(async () => {
  await b?.stop();
});

async function call(method: string, path: string, body?: unknown) {
  const r = await fetch(base + path, { method, headers: { "content-type": CT }, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
  const text = await r.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: r.status, json, type: r.headers.get("content-type") ?? "" };
}
async function expectError(method: string, path: string, body: unknown, status: number, code: number) {
  const r = await call(method, path, body);
  if (r.json?.error_code !== code || r.status !== status) throw new Error(`${method} ${path}: expected ${status}/${code}, got ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
  expect(r.type).toContain(CT);
  expect(typeof r.json.message).toBe("string");
}

const avro = (name: string, fields: object[] = [{ name: "a", type: "string" }]) => JSON.stringify({ type: "record", name, namespace: "cov", fields });

describe("bad input on every endpoint", () => {
  beforeAll(async () => {
    expect((await call("POST", "/subjects/known/versions", { schema: avro("Known") })).status).toBe(200);
  });
  test("unknown subject 40401, version 40402, schema 40403", async () => {
    const cases: [string, string, unknown, number, number][] = [
      ["GET", "/subjects/nope/versions", undefined, 404, 40401],
      ["GET", "/subjects/nope/versions/latest", undefined, 404, 40401],
      ["GET", "/subjects/nope/versions/1/schema", undefined, 404, 40401],
      ["GET", "/subjects/nope/versions/1/referencedby", undefined, 404, 40401],
      ["POST", "/subjects/nope", { schema: avro("Known") }, 404, 40401],
      ["DELETE", "/subjects/nope", undefined, 404, 40401],
      ["DELETE", "/subjects/nope/versions/1", undefined, 404, 40401],
      ["POST", "/compatibility/subjects/nope/versions/1", { schema: avro("Known") }, 404, 40401],
      ["GET", "/subjects/known/versions/7", undefined, 404, 40402],
      ["GET", "/subjects/known/versions/7/schema", undefined, 404, 40402],
      ["GET", "/subjects/known/versions/7/referencedby", undefined, 404, 40402],
      ["DELETE", "/subjects/known/versions/7", undefined, 404, 40402],
      ["POST", "/compatibility/subjects/known/versions/7", { schema: avro("Known") }, 404, 40402],
      ["GET", "/schemas/ids/424242", undefined, 404, 40403],
      ["GET", "/schemas/ids/424242/schema", undefined, 404, 40403],
      ["GET", "/schemas/ids/424242/subjects", undefined, 404, 40403],
      ["GET", "/schemas/ids/424242/versions", undefined, 404, 40403],
      ["POST", "/subjects/known", { schema: avro("Other") }, 404, 40403],
      ["GET", "/config/known", undefined, 404, 40408],
      ["DELETE", "/config/known", undefined, 404, 40408],
      ["GET", "/mode/known", undefined, 404, 40409],
      ["DELETE", "/mode/known", undefined, 404, 40409],
    ];
    for (const [m, p, body, status, code] of cases) await expectError(m, p, body, status, code);
  });
  test("invalid schema 42201, version 42202, compatibility 42203, mode 42204", async () => {
    const paths = ["/subjects/known/versions", "/subjects/known", "/compatibility/subjects/known/versions/latest", "/compatibility/subjects/known/versions"];
    for (const p of paths) {
      await expectError("POST", p, { schema: "{oops" }, 422, 42201);
      await expectError("POST", p, { schema: avro("Known"), schemaType: "XML" }, 422, 42201);
      await expectError("POST", p, { schemaType: "PROTOBUF", schema: "message {" }, 422, 42201);
      await expectError("POST", p, { schemaType: "JSON", schema: '{"type": 5}' }, 422, 42201);
      await expectError("POST", p, { schema: avro("Known"), references: [{ name: "x", subject: "nope", version: 1 }] }, 422, 42201);
      // A field of the wrong JSON type: 400, as Confluent's JSON binding answers.
      await expectError("POST", p, { schema: avro("Known"), references: "no" }, 400, 400);
      await expectError("POST", p, { schema: { type: "record", name: "X", fields: [] } }, 400, 400);
      await expectError("POST", p, { schema: avro("Known"), schemaType: 3 }, 400, 400);
      await expectError("POST", p, {}, 422, 42201);
    }
    for (const v of ["0", "x", "-3", "2147483648"]) {
      await expectError("GET", `/subjects/known/versions/${v}`, undefined, 422, 42202);
      await expectError("GET", `/subjects/known/versions/${v}/schema`, undefined, 422, 42202);
      await expectError("DELETE", `/subjects/known/versions/${v}`, undefined, 422, 42202);
      await expectError("POST", `/compatibility/subjects/known/versions/${v}`, { schema: avro("Known") }, 422, 42202);
    }
    for (const p of ["/config", "/config/known"]) {
      await expectError("PUT", p, { compatibility: "SOMETIMES" }, 422, 42203);
      await expectError("PUT", p, { compatibility: 7 }, 422, 42203);
      await expectError("PUT", p, {}, 422, 42203);
    }
    for (const p of ["/mode", "/mode/known"]) {
      await expectError("PUT", p, { mode: "WRITEONLY" }, 422, 42204);
      await expectError("PUT", p, {}, 422, 42204);
    }
  });
  test("malformed JSON 400, not an object 422, oversized 413 on every endpoint with a body", async () => {
    const bodied: [string, string][] = [
      ["POST", "/subjects/known/versions"],
      ["POST", "/subjects/known"],
      ["POST", "/compatibility/subjects/known/versions/latest"],
      ["POST", "/compatibility/subjects/known/versions"],
      ["PUT", "/config"],
      ["PUT", "/config/known"],
      ["PUT", "/mode"],
      ["PUT", "/mode/known"],
    ];
    const big = JSON.stringify({ schema: "x".repeat(SCHEMA_REGISTRY_MAX_BODY_BYTES + 1) });
    for (const [m, p] of bodied) {
      await expectError(m, p, '{"schema": ', 400, 400);
      await expectError(m, p, "[]", 422, 422);
      await expectError(m, p, '"text"', 422, 422);
      await expectError(m, p, big, 413, 413);
    }
    // The registry still answers after all of that.
    expect((await call("GET", "/subjects/known/versions")).json).toEqual([1]);
  });
});

describe("references across subjects", () => {
  test("Avro: a named type from another subject; evolving the referenced type is checked through the reference", async () => {
    const addr1 = JSON.stringify({ type: "record", name: "Addr", namespace: "cov", fields: [{ name: "city", type: "string" }] });
    const addr2 = JSON.stringify({ type: "record", name: "Addr", namespace: "cov", fields: [{ name: "city", type: "string" }, { name: "zip", type: "string" }] });
    await call("POST", "/subjects/cov-addr/versions", { schema: addr1 });
    await call("PUT", "/config/cov-addr", { compatibility: "NONE" });
    await call("POST", "/subjects/cov-addr/versions", { schema: addr2 });
    const person = JSON.stringify({ type: "record", name: "Person", namespace: "cov", fields: [{ name: "home", type: "cov.Addr" }] });
    const p1 = await call("POST", "/subjects/cov-person/versions", { schema: person, references: [{ name: "cov.Addr", subject: "cov-addr", version: 1 }] });
    expect(p1.status).toBe(200);
    // The same text referencing version 2 reads v1 data only if zip had a default: refused.
    const p2 = await call("POST", "/subjects/cov-person/versions", { schema: person, references: [{ name: "cov.Addr", subject: "cov-addr", version: 2 }] });
    expect(p2.status).toBe(409);
    expect((await call("GET", "/subjects/cov-addr/versions/1/referencedby")).json).toEqual([p1.json.id]);
  });
  test("Protobuf: an import resolved from another subject", async () => {
    const money = 'syntax = "proto3";\npackage covm;\nmessage Money { int64 cents = 1; }';
    await call("POST", "/subjects/covm.proto/versions", { schemaType: "PROTOBUF", schema: money });
    const order = 'syntax = "proto3";\npackage covo;\nimport "covm.proto";\nmessage Order { covm.Money total = 1; }';
    const refs = [{ name: "covm.proto", subject: "covm.proto", version: 1 }];
    const r = await call("POST", "/subjects/covo-value/versions", { schemaType: "PROTOBUF", schema: order, references: refs });
    expect(r.status).toBe(200);
    expect((await call("GET", `/schemas/ids/${r.json.id}`)).json).toMatchObject({ schemaType: "PROTOBUF", references: refs });
    // ?format=serialized: the descriptor names the import as its dependency.
    const ser = (await call("GET", `/schemas/ids/${r.json.id}?format=serialized`)).json.schema as string;
    expect(Buffer.from(ser, "base64").toString("latin1")).toContain("covm.proto");
    const changed = 'syntax = "proto3";\npackage covo;\nimport "covm.proto";\nmessage Order { string total = 1; }';
    expect((await call("POST", "/compatibility/subjects/covo-value/versions/latest", { schemaType: "PROTOBUF", schema: changed, references: refs })).json).toEqual({ is_compatible: false });
  });
  test("JSON Schema: a $ref to another subject's schema, checked through the reference", async () => {
    const item1 = JSON.stringify({ type: "object", properties: { sku: { type: "string" } }, additionalProperties: false });
    const item2 = JSON.stringify({ type: "object", properties: { sku: { type: "integer" } }, additionalProperties: false });
    await call("POST", "/subjects/cov-item/versions", { schemaType: "JSON", schema: item1 });
    await call("PUT", "/config/cov-item", { compatibility: "NONE" });
    await call("POST", "/subjects/cov-item/versions", { schemaType: "JSON", schema: item2 });
    const cart = JSON.stringify({ type: "object", properties: { item: { $ref: "item.json" } } });
    await expectError("POST", "/subjects/cov-cart/versions", { schemaType: "JSON", schema: cart }, 422, 42201);
    const r = await call("POST", "/subjects/cov-cart/versions", { schemaType: "JSON", schema: cart, references: [{ name: "item.json", subject: "cov-item", version: 1 }] });
    expect(r.status).toBe(200);
    const r2 = await call("POST", "/subjects/cov-cart/versions", { schemaType: "JSON", schema: cart, references: [{ name: "item.json", subject: "cov-item", version: 2 }] });
    expect(r2.status).toBe(409);
    expect((await call("GET", "/subjects/cov-item/versions/1/referencedby")).json).toEqual([r.json.id]);
  });
});

describe("normalize=true", () => {
  const cases = {
    AVRO: [
      JSON.stringify({ type: "record", name: "N", namespace: "cov", fields: [{ name: "a", type: "string" }] }),
      JSON.stringify({ namespace: "cov", fields: [{ type: { type: "string" }, name: "a" }], name: "N", type: "record" }, null, 2),
    ],
    PROTOBUF: [
      'syntax = "proto3";\npackage covn;\nmessage N { string a = 1; int32 b = 2; }',
      'syntax="proto3";   package covn;\n\n\nmessage N {\n    string a = 1;\n    int32 b = 2;\n}\n',
    ],
    JSON: [
      JSON.stringify({ type: "object", properties: { a: { type: "string" }, b: { type: "number" } } }),
      JSON.stringify({ properties: { b: { type: "number" }, a: { type: "string" } }, type: "object" }, null, 1),
    ],
  };
  for (const [type, [a, b2]] of Object.entries(cases)) {
    test(`${type}: equivalent texts get one id and one stored normal form (query and subject config)`, async () => {
      const subject = `cov-norm-${type.toLowerCase()}`;
      const r1 = await call("POST", `/subjects/${subject}/versions?normalize=true`, { schemaType: type, schema: a });
      expect(r1.status).toBe(200);
      const r2 = await call("POST", `/subjects/${subject}/versions?normalize=true`, { schemaType: type, schema: b2 });
      expect(r2.json).toEqual({ id: r1.json.id });
      expect((await call("GET", `/subjects/${subject}/versions`)).json).toEqual([1]);
      const stored = (await call("GET", `/schemas/ids/${r1.json.id}`)).json.schema as string;
      expect(stored).not.toBe(a);
      // The lookup with normalize finds it from the other text.
      expect((await call("POST", `/subjects/${subject}?normalize=true`, { schemaType: type, schema: b2 })).json).toMatchObject({ id: r1.json.id, version: 1 });
      // A subject whose config says normalize: the same without the query parameter.
      const other = `${subject}-cfg`;
      expect((await call("PUT", `/config/${other}`, { normalize: true })).json).toEqual({ normalize: true });
      const r3 = await call("POST", `/subjects/${other}/versions`, { schemaType: type, schema: b2 });
      expect(r3.json).toEqual({ id: r1.json.id });
    });
  }
});

describe("IMPORT mode with client-chosen ids, each format", () => {
  test("ids and versions as given; an id taken by another schema is refused; ids continue past them", async () => {
    expect((await call("PUT", "/mode/cov-import?force=true", { mode: "IMPORT" })).json).toEqual({ mode: "IMPORT" });
    const schemas = [
      { schemaType: "AVRO", schema: avro("Imp1"), id: 9001, version: 4 },
      { schemaType: "PROTOBUF", schema: 'syntax = "proto3";\npackage covi;\nmessage Imp2 { string a = 1; }', id: 9002, version: 5 },
      { schemaType: "JSON", schema: JSON.stringify({ type: "object", title: "Imp3" }), id: 9003, version: 6 },
    ];
    // In IMPORT mode the compatibility of the subject is not checked (three formats in one subject).
    for (const s of schemas) expect((await call("POST", "/subjects/cov-import/versions", s)).json).toEqual({ id: s.id });
    expect((await call("GET", "/subjects/cov-import/versions")).json).toEqual([4, 5, 6]);
    for (const s of schemas) expect((await call("GET", `/schemas/ids/${s.id}`)).json.schemaType ?? "AVRO").toBe(s.schemaType);
    await expectError("POST", "/subjects/cov-import/versions", { schema: avro("Imp4"), id: 9001, version: 7 }, 422, 42207);
    await call("PUT", "/mode/cov-import", { mode: "READWRITE" });
    const next = (await call("POST", "/subjects/cov-after-import/versions", { schema: avro("After") })).json.id;
    expect(next).toBe(9004);
  });
});

/**
 * The Schema Registry's REST API on an in-process broker over real HTTP: every endpoint with its
 * Confluent response shape, every client mistake with Confluent's error code, and the state read
 * back from the `_schemas` topic after a restart on the same data directory.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { SCHEMA_REGISTRY_MAX_BODY_BYTES } from "../../src/limits.ts";

const CT = "application/vnd.schemaregistry.v1+json";
let b: TestBroker;
let base: string;
const dataDir = tempDir();

async function start() {
  b = await startTestBroker({ schemaRegistryPort: 0 }, dataDir);
  base = `http://127.0.0.1:${b.broker.services.get("schema-registry")!.port}`;
}
beforeAll(start);
afterAll(async () => {
  await b?.stop();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = { "content-type": CT }) {
  const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
  const text = await r.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: r.status, json, type: r.headers.get("content-type") ?? "" };
}
async function expectError(p: Promise<{ status: number; json: any; type: string }>, status: number, errorCode: number) {
  const r = await p;
  expect(r.type).toContain(CT);
  expect(r.json.error_code).toBe(errorCode);
  expect(typeof r.json.message).toBe("string");
  expect(r.json.message.length).toBeGreaterThan(0);
  expect(r.status).toBe(status);
  return r.json;
}

const rec = (fields: object[], name = "User") => JSON.stringify({ type: "record", name, namespace: "t", fields });
const V1 = rec([{ name: "name", type: "string" }]);
const V2 = rec([{ name: "name", type: "string" }, { name: "age", type: "int", default: 0 }]);
const BAD = rec([{ name: "name", type: "string" }, { name: "email", type: "string" }]);

describe("subjects and versions", () => {
  test("register, re-register, list, get, lookup", async () => {
    const r1 = await call("POST", "/subjects/users-value/versions", { schema: V1 });
    expect(r1.status).toBe(200);
    expect(r1.type).toContain(CT);
    const id1 = r1.json.id as number;
    expect(id1).toBeGreaterThan(0);
    // The same schema again: the same id, no new version.
    expect((await call("POST", "/subjects/users-value/versions", { schema: V1 })).json).toEqual({ id: id1 });
    const r2 = await call("POST", "/subjects/users-value/versions", { schema: V2 });
    expect(r2.json.id).toBe(id1 + 1);
    // The same schema under another subject: the same id, version 1 there.
    expect((await call("POST", "/subjects/other-value/versions", { schema: V2 })).json).toEqual({ id: id1 + 1 });
    expect((await call("GET", "/subjects")).json).toEqual(["other-value", "users-value"]);
    expect((await call("GET", "/subjects?subjectPrefix=users")).json).toEqual(["users-value"]);
    expect((await call("GET", "/subjects/users-value/versions")).json).toEqual([1, 2]);
    expect((await call("GET", "/subjects/users-value/versions/1")).json).toEqual({ subject: "users-value", version: 1, id: id1, schema: V1 });
    expect((await call("GET", "/subjects/users-value/versions/latest")).json).toMatchObject({ version: 2, id: id1 + 1 });
    expect((await call("GET", "/subjects/users-value/versions/-1")).json).toMatchObject({ version: 2 });
    expect((await call("GET", "/subjects/users-value/versions/2/schema")).json).toEqual(JSON.parse(V2));
    expect((await call("POST", "/subjects/users-value", { schema: V1 })).json).toEqual({ subject: "users-value", version: 1, id: id1, schema: V1 });
    // Whitespace does not matter to a lookup.
    expect((await call("POST", "/subjects/users-value", { schema: JSON.stringify(JSON.parse(V1), null, 2) })).json).toMatchObject({ version: 1 });
  });
  test("schemas by id", async () => {
    const id = (await call("POST", "/subjects/users-value", { schema: V2 })).json.id;
    expect((await call("GET", `/schemas/ids/${id}`)).json).toEqual({ schema: V2 });
    expect((await call("GET", `/schemas/ids/${id}/schema`)).json).toEqual(JSON.parse(V2));
    expect((await call("GET", `/schemas/ids/${id}/subjects`)).json).toEqual(["other-value", "users-value"]);
    expect((await call("GET", `/schemas/ids/${id}/versions`)).json).toEqual([{ subject: "other-value", version: 1 }, { subject: "users-value", version: 2 }]);
    expect((await call("GET", "/schemas/types")).json.sort()).toEqual(["AVRO", "JSON", "PROTOBUF"]);
    const all = (await call("GET", "/schemas?subjectPrefix=users&latestOnly=true")).json;
    expect(all).toEqual([{ subject: "users-value", version: 2, id, schema: V2 }]);
  });
  test("an incompatible schema is refused with 409 and its reasons", async () => {
    const e = await expectError(call("POST", "/subjects/users-value/versions", { schema: BAD }), 409, 409);
    expect(e.message).toContain("READER_FIELD_MISSING_DEFAULT_VALUE");
    expect(e.message).toContain("email");
    expect(e.message).toContain("{oldSchemaVersion: 2}");
    const c = await call("POST", "/compatibility/subjects/users-value/versions/latest?verbose=true", { schema: BAD });
    expect(c.json.is_compatible).toBe(false);
    expect(c.json.messages.some((m: string) => m.includes("READER_FIELD_MISSING_DEFAULT_VALUE"))).toBe(true);
    expect((await call("POST", "/compatibility/subjects/users-value/versions/latest", { schema: V2 })).json).toEqual({ is_compatible: true });
    expect((await call("POST", "/compatibility/subjects/users-value/versions?verbose=true", { schema: V2 })).json).toEqual({ is_compatible: true, messages: [] });
    expect((await call("POST", "/compatibility/subjects/users-value/versions/1", { schema: BAD })).json).toEqual({ is_compatible: false });
  });
  test("references: an Avro named type from another subject", async () => {
    const addr = JSON.stringify({ type: "record", name: "Address", namespace: "t", fields: [{ name: "city", type: "string" }] });
    const a = (await call("POST", "/subjects/address/versions", { schema: addr })).json.id;
    const person = JSON.stringify({ type: "record", name: "Person", namespace: "t", fields: [{ name: "home", type: "t.Address" }] });
    await expectError(call("POST", "/subjects/person/versions", { schema: person }), 422, 42201);
    const refs = [{ name: "t.Address", subject: "address", version: 1 }];
    const p = (await call("POST", "/subjects/person/versions", { schema: person, references: refs })).json.id;
    expect(p).toBeGreaterThan(a);
    expect((await call("GET", "/subjects/person/versions/1")).json).toEqual({ subject: "person", version: 1, id: p, references: refs, schema: person });
    expect((await call("GET", "/subjects/address/versions/1/referencedby")).json).toEqual([p]);
    // A referenced version cannot be deleted.
    await expectError(call("DELETE", "/subjects/address/versions/1"), 422, 42206);
  });
  test("soft and permanent delete", async () => {
    await call("POST", "/subjects/gone/versions", { schema: V1 });
    await call("POST", "/subjects/gone/versions", { schema: V2 });
    await expectError(call("DELETE", "/subjects/gone/versions/1?permanent=true"), 404, 40407);
    expect((await call("DELETE", "/subjects/gone/versions/1")).json).toBe(1);
    await expectError(call("DELETE", "/subjects/gone/versions/1"), 404, 40406);
    expect((await call("GET", "/subjects/gone/versions")).json).toEqual([2]);
    expect((await call("GET", "/subjects/gone/versions?deleted=true")).json).toEqual([1, 2]);
    await expectError(call("GET", "/subjects/gone/versions/1"), 404, 40402);
    expect((await call("GET", "/subjects/gone/versions/1?deleted=true")).json).toMatchObject({ version: 1 });
    expect((await call("DELETE", "/subjects/gone/versions/1?permanent=true")).json).toBe(1);
    await expectError(call("DELETE", "/subjects/gone?permanent=true"), 404, 40405);
    expect((await call("DELETE", "/subjects/gone")).json).toEqual([2]);
    await expectError(call("DELETE", "/subjects/gone"), 404, 40404);
    expect((await call("GET", "/subjects")).json).not.toContain("gone");
    expect((await call("GET", "/subjects?deleted=true")).json).toContain("gone");
    await expectError(call("GET", "/subjects/gone/versions"), 404, 40401);
    expect((await call("DELETE", "/subjects/gone?permanent=true")).json).toEqual([2]);
    expect((await call("GET", "/subjects?deleted=true")).json).not.toContain("gone");
    // A new registration after a permanent delete starts again at version 1.
    await call("POST", "/subjects/gone/versions", { schema: V1 });
    expect((await call("GET", "/subjects/gone/versions")).json).toEqual([1]);
  });
});

describe("config and mode", () => {
  test("global and subject compatibility", async () => {
    expect((await call("GET", "/config")).json).toEqual({ compatibilityLevel: "BACKWARD" });
    await expectError(call("GET", "/config/users-value"), 404, 40408);
    expect((await call("GET", "/config/users-value?defaultToGlobal=true")).json).toEqual({ compatibilityLevel: "BACKWARD" });
    expect((await call("PUT", "/config/users-value", { compatibility: "none" })).json).toEqual({ compatibility: "NONE" });
    expect((await call("GET", "/config/users-value")).json).toEqual({ compatibilityLevel: "NONE" });
    // NONE lets the incompatible schema in.
    expect((await call("POST", "/subjects/users-value/versions", { schema: BAD })).status).toBe(200);
    expect((await call("DELETE", "/config/users-value")).json).toEqual({ compatibilityLevel: "NONE" });
    await expectError(call("DELETE", "/config/users-value"), 404, 40408);
    expect((await call("PUT", "/config", { compatibility: "FULL_TRANSITIVE", normalize: true })).json).toEqual({ compatibility: "FULL_TRANSITIVE", normalize: true });
    expect((await call("GET", "/config")).json).toEqual({ compatibilityLevel: "FULL_TRANSITIVE", normalize: true });
    expect((await call("DELETE", "/config")).json).toMatchObject({ compatibilityLevel: "FULL_TRANSITIVE" });
    expect((await call("GET", "/config")).json).toEqual({ compatibilityLevel: "BACKWARD" });
    await expectError(call("PUT", "/config", { compatibility: "SIDEWAYS" }), 422, 42203);
    await expectError(call("PUT", "/config/x", {}), 422, 42203);
  });
  test("modes: READONLY refuses writes, IMPORT takes the client's ids", async () => {
    expect((await call("GET", "/mode")).json).toEqual({ mode: "READWRITE" });
    expect((await call("PUT", "/mode/users-value", { mode: "READONLY" })).json).toEqual({ mode: "READONLY" });
    await expectError(call("POST", "/subjects/users-value/versions", { schema: V1.replace("User", "Other") }), 422, 42205);
    expect((await call("DELETE", "/mode/users-value")).json).toEqual({ mode: "READONLY" });
    await expectError(call("GET", "/mode/users-value"), 404, 40409);
    expect((await call("GET", "/mode/users-value?defaultToGlobal=true")).json).toEqual({ mode: "READWRITE" });
    await expectError(call("PUT", "/mode", { mode: "SOMETIMES" }), 422, 42204);
    // IMPORT on a registry with subjects needs force.
    await expectError(call("PUT", "/mode", { mode: "IMPORT" }), 422, 42205);
    expect((await call("PUT", "/mode/imported", { mode: "IMPORT" })).json).toEqual({ mode: "IMPORT" });
    expect((await call("POST", "/subjects/imported/versions", { schema: V1.replace("User", "Imp"), id: 5000, version: 3 })).json).toEqual({ id: 5000 });
    expect((await call("GET", "/subjects/imported/versions/3")).json).toMatchObject({ id: 5000, version: 3 });
    await expectError(call("POST", "/subjects/imported/versions", { schema: V2.replace("User", "Imp2"), id: 5000 }), 422, 42207);
    await expectError(call("POST", "/subjects/users-value/versions", { schema: V2, id: 7000 }), 422, 42205);
    await call("PUT", "/mode/imported", { mode: "READWRITE" });
    // Ids continue past the imported one.
    expect((await call("POST", "/subjects/after-import/versions", { schema: V1.replace("User", "After") })).json.id).toBe(5001);
  });
});

describe("Protobuf and JSON Schema", () => {
  test("protobuf: register, evolve, refuse a changed field type, import a reference", async () => {
    const p1 = 'syntax = "proto3";\npackage shop;\nmessage Order { string id = 1; int64 cents = 2; }';
    const p2 = 'syntax = "proto3";\npackage shop;\nmessage Order { string id = 1; int64 cents = 2; repeated string tags = 3; }';
    const bad = 'syntax = "proto3";\npackage shop;\nmessage Order { string id = 1; string cents = 2; }';
    const id = (await call("POST", "/subjects/orders-value/versions", { schemaType: "PROTOBUF", schema: p1 })).json.id;
    expect((await call("GET", `/schemas/ids/${id}`)).json).toEqual({ schemaType: "PROTOBUF", schema: p1 });
    expect((await call("POST", "/subjects/orders-value/versions", { schemaType: "PROTOBUF", schema: p2 })).status).toBe(200);
    expect((await expectError(call("POST", "/subjects/orders-value/versions", { schemaType: "PROTOBUF", schema: bad }), 409, 409)).message).toContain("FIELD_SCALAR_KIND_CHANGED");
    await expectError(call("POST", "/subjects/orders-value/versions", { schemaType: "PROTOBUF", schema: "message {" }), 422, 42201);
    const money = 'syntax = "proto3";\npackage common;\nmessage Money { int64 cents = 1; string currency = 2; }';
    await call("POST", "/subjects/money.proto/versions", { schemaType: "PROTOBUF", schema: money });
    const withRef = 'syntax = "proto3";\npackage shop;\nimport "money.proto";\nmessage Invoice { common.Money total = 1; }';
    await expectError(call("POST", "/subjects/invoices-value/versions", { schemaType: "PROTOBUF", schema: withRef }), 422, 42201);
    const r = await call("POST", "/subjects/invoices-value/versions", { schemaType: "PROTOBUF", schema: withRef, references: [{ name: "money.proto", subject: "money.proto", version: 1 }] });
    expect(r.status).toBe(200);
  });
  test("json schema: open and closed content models", async () => {
    const open1 = JSON.stringify({ type: "object", properties: { a: { type: "string" } } });
    const openAdded = JSON.stringify({ type: "object", properties: { a: { type: "string" }, b: { type: "number" } } });
    const closed1 = JSON.stringify({ type: "object", properties: { a: { type: "string" }, b: { type: "number" } }, additionalProperties: false });
    const closedRemoved = JSON.stringify({ type: "object", properties: { a: { type: "string" } }, additionalProperties: false });
    await call("POST", "/subjects/open/versions", { schemaType: "JSON", schema: open1 });
    expect((await expectError(call("POST", "/subjects/open/versions", { schemaType: "JSON", schema: openAdded }), 409, 409)).message).toContain("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL");
    await call("POST", "/subjects/closed/versions", { schemaType: "JSON", schema: closed1 });
    expect((await expectError(call("POST", "/subjects/closed/versions", { schemaType: "JSON", schema: closedRemoved }), 409, 409)).message).toContain("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL");
    // Adding a property to a closed model is backward compatible.
    const closedAdded = JSON.stringify({ type: "object", properties: { a: { type: "string" }, b: { type: "number" }, c: { type: "boolean" } }, additionalProperties: false });
    expect((await call("POST", "/subjects/closed/versions", { schemaType: "JSON", schema: closedAdded })).status).toBe(200);
    await expectError(call("POST", "/subjects/closed/versions", { schemaType: "JSON", schema: '{"type": 12}' }), 422, 42201);
  });
});

describe("bad input", () => {
  test("unknown subject, version, id", async () => {
    await expectError(call("GET", "/subjects/nope/versions"), 404, 40401);
    await expectError(call("GET", "/subjects/nope/versions/1"), 404, 40401);
    await expectError(call("GET", "/subjects/users-value/versions/99"), 404, 40402);
    await expectError(call("GET", "/schemas/ids/99999"), 404, 40403);
    await expectError(call("POST", "/subjects/nope", { schema: V1 }), 404, 40401);
    await expectError(call("POST", "/subjects/users-value", { schema: rec([{ name: "zzz", type: "long" }]) }), 404, 40403);
    await expectError(call("POST", "/compatibility/subjects/nope/versions/latest", { schema: V1 }), 404, 40401);
  });
  test("invalid version, schema, schema type", async () => {
    for (const v of ["0", "abc", "1.5", "99999999999", "-2"]) await expectError(call("GET", `/subjects/users-value/versions/${v}`), 422, 42202);
    await expectError(call("POST", "/subjects/x/versions", { schema: "{not json" }), 422, 42201);
    await expectError(call("POST", "/subjects/x/versions", { schema: JSON.stringify({ type: "record", name: "R", fields: [{ name: "a", type: "nope" }] }) }), 422, 42201);
    await expectError(call("POST", "/subjects/x/versions", { schema: V1, schemaType: "XML" }), 422, 42201);
    await expectError(call("POST", "/subjects/x/versions", {}), 422, 42201);
    await expectError(call("POST", "/subjects/x/versions", { schema: V1, references: [{ name: "r", subject: "nope", version: 1 }] }), 422, 42201);
  });
  test("malformed JSON, not an object, oversized, wrong content type, unknown path, wrong method", async () => {
    await expectError(call("POST", "/subjects/x/versions", "{"), 400, 400);
    await expectError(call("POST", "/subjects/x/versions", "[1,2]"), 422, 422);
    await expectError(call("POST", "/subjects/x/versions", JSON.stringify({ schema: "x".repeat(SCHEMA_REGISTRY_MAX_BODY_BYTES + 10) })), 413, 413);
    await expectError(call("POST", "/subjects/x/versions", JSON.stringify({ schema: V1 }), { "content-type": "text/csv" }), 415, 415);
    await expectError(call("GET", "/nope"), 404, 404);
    const r = await expectError(call("PUT", "/subjects/x/versions"), 405, 405);
    expect(r.message).toContain("405");
    // application/json is accepted too.
    expect((await call("POST", "/subjects/users-value", { schema: V1 }, { "content-type": "application/json" })).status).toBe(200);
  });
});

describe("restart", () => {
  test("the state is read back from _schemas", async () => {
    const before = {
      subjects: (await call("GET", "/subjects?deleted=true")).json,
      users: (await call("GET", "/subjects/users-value/versions")).json,
      latest: (await call("GET", "/subjects/users-value/versions/latest")).json,
      imported: (await call("GET", "/subjects/imported/versions/3")).json,
      config: (await call("GET", "/config")).json,
    };
    await call("PUT", "/config/users-value", { compatibility: "FORWARD" });
    await b.stop();
    await start();
    expect((await call("GET", "/subjects?deleted=true")).json).toEqual(before.subjects);
    expect((await call("GET", "/subjects/users-value/versions")).json).toEqual(before.users);
    expect((await call("GET", "/subjects/users-value/versions/latest")).json).toEqual(before.latest);
    expect((await call("GET", "/subjects/imported/versions/3")).json).toEqual(before.imported);
    expect((await call("GET", "/config/users-value")).json).toEqual({ compatibilityLevel: "FORWARD" });
    // New ids continue after the highest one stored.
    const id = (await call("POST", "/subjects/after-restart/versions", { schema: V1.replace("User", "AfterRestart") })).json.id;
    expect(id).toBeGreaterThan(5001);
  });
});

/**
 * Property tests: the registry's compatibility decisions agree with what the libraries do with
 * the data. Avro: on generated writer/reader pairs, "the reader has no incompatibilities with the
 * writer" is exactly "avsc builds a resolver from the writer to the reader", and when it does,
 * random writer data decodes with the reader. JSON Schema: when the check says compatible, every
 * generated value the writer accepts, the reader (ajv) accepts. Each format at each level, with
 * the cases of the Avro specification and Confluent's documentation, is in api.test.ts and below.
 */
import { describe, expect, test } from "bun:test";
import avro from "avsc";
import Ajv from "ajv";
import fc from "fast-check";
import { avroReaderIncompatibilities } from "../../src/schema-registry/formats/avro.ts";
import { JSON_FORMAT } from "../../src/schema-registry/formats/json-schema.ts";
import { AVRO_FORMAT } from "../../src/schema-registry/formats/avro.ts";
import { PROTOBUF_FORMAT } from "../../src/schema-registry/formats/protobuf.ts";
import { incompatibilities, COMPATIBILITY_LEVELS } from "../../src/schema-registry/compatibility.ts";

const NS = "p";
const primitive = fc.constantFrom("int", "long", "float", "double", "string", "bytes", "boolean");
/** A field type and a valid default for it (undefined: none available); named types are named after their field (unique in a schema). */
const fieldType = (field: string): fc.Arbitrary<{ type: unknown; def: unknown }> => fc.oneof(
  primitive.map((t) => ({ type: t, def: { int: 0, long: 0, float: 0, double: 0, string: "", bytes: "", boolean: false }[t] })),
  primitive.map((t) => ({ type: ["null", t], def: null })),
  fc.subarray(["X", "Y", "Z"], { minLength: 1 }).chain((symbols) =>
    fc.boolean().map((withDefault) => ({ type: { type: "enum", name: `E_${field}`, namespace: NS, symbols, ...(withDefault ? { default: symbols[0] } : {}) }, def: symbols[0] })),
  ),
  primitive.map((t) => ({ type: { type: "array", items: t }, def: [] })),
  primitive.map((t) => ({ type: { type: "map", values: t }, def: {} })),
  fc.constantFrom(4, 8).map((size) => ({ type: { type: "fixed", name: `F_${field}`, namespace: NS, size }, def: undefined })),
  fc.constantFrom("int", "string").map((t) => ({ type: { type: "record", name: `N_${field}`, namespace: NS, fields: [{ name: "x", type: t }] }, def: undefined })),
);
const recordSchema = fc
  .uniqueArray(fc.constantFrom("a", "b", "c", "d", "e").chain((name) => fc.record({ name: fc.constant(name), t: fieldType(name), withDefault: fc.boolean() })), { selector: (f) => f.name, minLength: 1, maxLength: 5 })
  .map((fields) => ({
    type: "record",
    name: "R",
    namespace: NS,
    fields: fields.map((f) => ({ name: f.name, type: f.t.type, ...(f.withDefault && f.t.def !== undefined ? { default: f.t.def } : {}) })),
  }));

function resolves(reader: avro.Type, writer: avro.Type): boolean {
  try {
    reader.createResolver(writer);
    return true;
  } catch {
    return false;
  }
}

describe("Avro", () => {
  test("property: a verdict agrees with avsc's resolver, and compatible pairs decode random writer data", () => {
    fc.assert(
      fc.property(recordSchema, recordSchema, (w, r) => {
        const writer = avro.Type.forSchema(w as avro.Schema, { wrapUnions: "auto" });
        const reader = avro.Type.forSchema(r as avro.Schema, { wrapUnions: "auto" });
        const reasons = avroReaderIncompatibilities(reader, writer);
        expect(reasons.length === 0).toBe(resolves(reader, writer));
        if (reasons.length === 0) {
          const resolver = reader.createResolver(writer);
          for (let i = 0; i < 3; i++) {
            const value = writer.random();
            const decoded = reader.fromBuffer(writer.toBuffer(value), resolver);
            expect(reader.isValid(decoded)).toBe(true);
          }
        }
      }),
      { numRuns: 400 },
    );
  }, 60_000);

  test("property: FULL is BACKWARD and FORWARD; NONE accepts anything", () => {
    fc.assert(
      fc.property(recordSchema, recordSchema, (a, b) => {
        const pa = AVRO_FORMAT.parse(JSON.stringify(a), [], false);
        const pb = AVRO_FORMAT.parse(JSON.stringify(b), [], false);
        const backward = incompatibilities(AVRO_FORMAT, "BACKWARD", pa, pb).length === 0;
        const forward = incompatibilities(AVRO_FORMAT, "FORWARD", pa, pb).length === 0;
        expect(incompatibilities(AVRO_FORMAT, "FULL", pa, pb).length === 0).toBe(backward && forward);
        expect(incompatibilities(AVRO_FORMAT, "FULL_TRANSITIVE", pa, pb).length === 0).toBe(backward && forward);
        expect(incompatibilities(AVRO_FORMAT, "NONE", pa, pb)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  test("the Avro specification's resolution cases", () => {
    const t = (s: unknown) => avro.Type.forSchema(s as avro.Schema, { wrapUnions: "auto" });
    const ok = (reader: unknown, writer: unknown) => avroReaderIncompatibilities(t(reader), t(writer));
    // Promotions.
    for (const [w, r] of [["int", "long"], ["int", "double"], ["long", "float"], ["float", "double"], ["string", "bytes"], ["bytes", "string"]]) expect(ok(r, w)).toEqual([]);
    for (const [w, r] of [["long", "int"], ["double", "float"], ["string", "int"], ["boolean", "int"]]) expect(ok(r, w)[0]).toContain("TYPE_MISMATCH");
    // Records: a reader field missing in the writer needs a default.
    const rec = (fields: unknown[]) => ({ type: "record", name: "R", fields });
    expect(ok(rec([{ name: "a", type: "int" }, { name: "b", type: "int", default: 1 }]), rec([{ name: "a", type: "int" }]))).toEqual([]);
    expect(ok(rec([{ name: "a", type: "int" }, { name: "b", type: "int" }]), rec([{ name: "a", type: "int" }]))[0]).toContain("READER_FIELD_MISSING_DEFAULT_VALUE");
    // Aliases rename a field or a record.
    expect(ok(rec([{ name: "b", type: "int", aliases: ["a"] }]), rec([{ name: "a", type: "int" }]))).toEqual([]);
    expect(ok({ type: "record", name: "S", aliases: ["R"], fields: [] }, rec([]))).toEqual([]);
    expect(ok({ type: "record", name: "S", fields: [] }, rec([]))[0]).toContain("NAME_MISMATCH");
    // Enums, fixed, unions.
    const en = (symbols: string[], def?: string) => ({ type: "enum", name: "E", symbols, ...(def ? { default: def } : {}) });
    expect(ok(en(["A"]), en(["A", "B"]))[0]).toContain("MISSING_ENUM_SYMBOLS");
    expect(ok(en(["A"], "A"), en(["A", "B"]))).toEqual([]);
    expect(ok({ type: "fixed", name: "F", size: 4 }, { type: "fixed", name: "F", size: 8 })[0]).toContain("FIXED_SIZE_MISMATCH");
    expect(ok(["null", "string"], "string")).toEqual([]);
    expect(ok("string", ["null", "string"])[0]).toContain("TYPE_MISMATCH");
    expect(ok(["null", "int"], ["null", "string"])[0]).toContain("MISSING_UNION_BRANCH");
    expect(ok(["null", "long"], ["null", "int"])).toEqual([]);
    // A recursive type terminates.
    const list = { type: "record", name: "L", fields: [{ name: "v", type: "int" }, { name: "next", type: ["null", "L"], default: null }] };
    expect(ok(list, list)).toEqual([]);
  });
});

describe("JSON Schema", () => {
  const leaf = fc.constantFrom<Record<string, unknown>>({ type: "string" }, { type: "number" }, { type: "integer" }, { type: "boolean" }, { type: ["string", "null"] }, { type: "string", maxLength: 3 }, { enum: ["a", "b"] }, {});
  const objectSchema = fc.record({
    props: fc.dictionary(fc.constantFrom("a", "b", "c", "d"), leaf, { maxKeys: 4 }),
    closed: fc.boolean(),
    required: fc.subarray(["a", "b", "c", "d"]),
  }).map(({ props, closed, required }) => ({ type: "object", properties: props, required: required.filter((k) => k in props), ...(closed ? { additionalProperties: false } : {}) }));
  const value = fc.dictionary(fc.constantFrom("a", "b", "c", "d", "e"), fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.constantFrom("a", "b")), { maxKeys: 5 });
  const ajv = new Ajv({ strict: false, allowUnionTypes: true });

  test("property: when the reader is found compatible, it accepts every value the writer accepts", () => {
    fc.assert(
      fc.property(objectSchema, objectSchema, fc.array(value, { minLength: 20, maxLength: 20 }), (w, r, values) => {
        const pw = JSON_FORMAT.parse(JSON.stringify(w), [], false);
        const pr = JSON_FORMAT.parse(JSON.stringify(r), [], false);
        if (JSON_FORMAT.readerIncompatibilities(pr, pw).length > 0) return;
        const vw = ajv.compile(w);
        const vr = ajv.compile(r);
        for (const v of values) if (vw(v)) expect({ value: v, accepted: vr(v) }).toEqual({ value: v, accepted: true });
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  test("Confluent's content-model cases at every level", () => {
    const p = (s: unknown) => JSON_FORMAT.parse(JSON.stringify(s), [], false);
    const open1 = p({ type: "object", properties: { a: { type: "string" } } });
    const open2 = p({ type: "object", properties: { a: { type: "string" }, b: { type: "integer" } } });
    const closed1 = p({ type: "object", properties: { a: { type: "string" } }, additionalProperties: false });
    const closed2 = p({ type: "object", properties: { a: { type: "string" }, b: { type: "integer" } }, additionalProperties: false });
    const verdicts = (next: any, prev: any) => Object.fromEntries(COMPATIBILITY_LEVELS.map((l) => [l, incompatibilities(JSON_FORMAT, l, next, prev).length === 0]));
    // Open model: adding a property is forward compatible only; removing one is backward compatible only.
    expect(verdicts(open2, open1)).toEqual({ NONE: true, BACKWARD: false, BACKWARD_TRANSITIVE: false, FORWARD: true, FORWARD_TRANSITIVE: true, FULL: false, FULL_TRANSITIVE: false });
    expect(verdicts(open1, open2)).toEqual({ NONE: true, BACKWARD: true, BACKWARD_TRANSITIVE: true, FORWARD: false, FORWARD_TRANSITIVE: false, FULL: false, FULL_TRANSITIVE: false });
    // Closed model: the other way round.
    expect(verdicts(closed2, closed1)).toEqual({ NONE: true, BACKWARD: true, BACKWARD_TRANSITIVE: true, FORWARD: false, FORWARD_TRANSITIVE: false, FULL: false, FULL_TRANSITIVE: false });
    expect(verdicts(closed1, closed2)).toEqual({ NONE: true, BACKWARD: false, BACKWARD_TRANSITIVE: false, FORWARD: true, FORWARD_TRANSITIVE: true, FULL: false, FULL_TRANSITIVE: false });
  });
});

describe("Protobuf", () => {
  const p = (body: string, pkg = "x") => PROTOBUF_FORMAT.parse(`syntax = "proto3";\npackage ${pkg};\n${body}`, [], false);
  test("Confluent's Protobuf rules at every level", () => {
    const v1 = p("message M { string a = 1; int32 n = 2; }");
    const added = p("message M { string a = 1; int32 n = 2; bool b = 3; }");
    const widened = p("message M { string a = 1; int64 n = 2; }");
    const changed = p("message M { string a = 1; string n = 2; }");
    const removedMsg = p("message Other { string a = 1; }");
    const pkg = p("message M { string a = 1; int32 n = 2; }", "y");
    const all = (next: any, prev: any) => COMPATIBILITY_LEVELS.filter((l) => l !== "NONE").every((l) => incompatibilities(PROTOBUF_FORMAT, l, next, prev).length === 0);
    const none = (next: any, prev: any) => COMPATIBILITY_LEVELS.filter((l) => l !== "NONE").every((l) => incompatibilities(PROTOBUF_FORMAT, l, next, prev).length > 0);
    expect(all(added, v1)).toBe(true);
    expect(all(v1, added)).toBe(true);
    expect(all(widened, v1)).toBe(true);
    expect(none(changed, v1)).toBe(true);
    expect(incompatibilities(PROTOBUF_FORMAT, "BACKWARD", removedMsg, v1).join()).toContain("MESSAGE_REMOVED");
    expect(incompatibilities(PROTOBUF_FORMAT, "BACKWARD", pkg, v1).join()).toContain("PACKAGE_CHANGED");
    expect(incompatibilities(PROTOBUF_FORMAT, "NONE", changed, v1)).toEqual([]);
  });
});

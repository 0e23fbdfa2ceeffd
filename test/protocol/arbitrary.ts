/** fast-check arbitraries derived from a message schema at one version (for round-trip properties). */
import fc from "fast-check";
import { defaultValue } from "../../src/protocol/codec.ts";
import { uuidToString } from "../../src/protocol/reader.ts";
import { inRange, type FieldDef, type FieldType, type MessageDef } from "../../src/protocol/schema.ts";

const maxItems = 3;

function typeArb(t: FieldType, version: number, flexible: boolean, depth: number): fc.Arbitrary<unknown> {
  if (typeof t === "string") {
    switch (t) {
      case "bool":
        return fc.boolean();
      case "int8":
        return fc.integer({ min: -128, max: 127 });
      case "int16":
        return fc.integer({ min: -32768, max: 32767 });
      case "uint16":
        return fc.integer({ min: 0, max: 65535 });
      case "int32":
        return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
      case "int64":
        return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
      case "float64":
        return fc.double({ noNaN: true });
      case "uuid":
        return fc.uint8Array({ minLength: 16, maxLength: 16 }).map(uuidToString);
      case "string":
        return fc.string({ maxLength: 12 });
      case "bytes":
        return fc.uint8Array({ maxLength: 16 });
      case "records":
        return fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null });
    }
  }
  if (typeof t !== "string" && t.kind === "array") {
    return fc.array(typeArb(t.of, version, flexible, depth + 1), { maxLength: depth > 2 ? 1 : maxItems });
  }
  return structArb((t as any).fields, version, flexible, depth + 1);
}

function fieldArb(f: FieldDef, version: number, flexible: boolean, depth: number): fc.Arbitrary<unknown> {
  if (!inRange(f.versions, version)) return fc.constant(null).map(() => defaultValue(f, version, flexible));
  let a = typeArb(f.type, version, flexible, depth);
  if (inRange(f.nullable, version)) a = fc.option(a, { nil: null, freq: 4 });
  return a;
}

function structArb(fields: FieldDef[], version: number, flexible: boolean, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fields) shape[f.name] = fieldArb(f, version, flexible, depth);
  return fc.record(shape) as fc.Arbitrary<Record<string, unknown>>;
}

export function messageArb(def: MessageDef, version: number): fc.Arbitrary<Record<string, unknown>> {
  return structArb(def.fields, version, inRange(def.flexible, version), 0);
}

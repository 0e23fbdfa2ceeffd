/**
 * Avro schemas (avsc): parsing with named types from references, the compact stored form, and
 * the Avro specification's schema resolution rules ("Schema Resolution") as a reader/writer check
 * that names every reason, in the shape of Avro's SchemaCompatibility (errorType NAME_MISMATCH,
 * FIXED_SIZE_MISMATCH, MISSING_ENUM_SYMBOLS, READER_FIELD_MISSING_DEFAULT_VALUE, TYPE_MISMATCH,
 * MISSING_UNION_BRANCH) and the JSON-pointer path of the place in the reader schema.
 *
 * Resolution, per the spec: primitives match themselves and promote int -> long/float/double,
 * long -> float/double, float -> double, string <-> bytes; records match by (unqualified or
 * aliased) name, every reader field is in the writer (by name or alias) with a matching type or
 * has a default; enums by name, every writer symbol is a reader symbol unless the reader has a
 * default; fixed by name and size; arrays and maps by their items / values; a writer union needs
 * every branch to resolve; a reader union needs one branch that the writer resolves to.
 */
import avro from "avsc";
import { reason, type ParsedSchema, type ResolvedReference, type SchemaFormat } from "./format.ts";

export interface AvroSchema extends ParsedSchema {
  readonly avroType: avro.Type;
}

type AnyType = avro.Type & Record<string, any>;

function parseAvro(text: string, references: readonly ResolvedReference[], normalize: boolean): AvroSchema {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // A bare primitive name ("string") is valid Avro without quotes in some tools; Confluent wants JSON.
    throw new Error(`the schema is not JSON: ${text.slice(0, 80)}`);
  }
  const registry: Record<string, avro.Type> = {};
  for (const ref of references) {
    if (ref.schemaType !== "AVRO") throw new Error(`reference ${ref.name} is ${ref.schemaType}, not AVRO`);
    avro.Type.forSchema(JSON.parse(ref.schema), { registry, wrapUnions: "auto" });
  }
  const t = avro.Type.forSchema(json as avro.Schema, { registry, wrapUnions: "auto" });
  // Fully qualified names, defaults, aliases and order kept; docs and whitespace gone.
  const normalized = JSON.stringify(t.schema({ exportAttrs: true }));
  return { type: "AVRO", avroType: t, canonical: normalize ? normalized : JSON.stringify(json), normalized };
}

const PROMOTIONS: Record<string, string[]> = {
  int: ["int", "long", "float", "double"],
  long: ["long", "float", "double"],
  float: ["float", "double"],
  double: ["double"],
  string: ["string", "bytes"],
  bytes: ["bytes", "string"],
  null: ["null"],
  boolean: ["boolean"],
};

const kind = (t: AnyType): string => (t.typeName.startsWith("union") ? "union" : t.typeName.startsWith("logical") ? t.underlyingType?.typeName : t.typeName) as string;
const unqualified = (name: string | undefined) => (name ?? "").split(".").pop()!;

function namesMatch(reader: AnyType, writer: AnyType): boolean {
  const w = writer.name as string | undefined;
  if (!w) return true;
  if (unqualified(reader.name) === unqualified(w)) return true;
  return ((reader.aliases as string[] | undefined) ?? []).some((a) => unqualified(a) === unqualified(w));
}

/**
 * The reasons (with paths) why `writer` data cannot be read as `reader`. A pair of named types
 * already being checked further up is assumed to resolve (a recursive type), as Avro's own
 * SchemaCompatibility does.
 */
export function avroReaderIncompatibilities(reader: avro.Type, writer: avro.Type): string[] {
  const out: string[] = [];
  const inProgress = new Set<string>();
  const walk = (r: AnyType, w: AnyType, path: string, out: string[]): void => {
    if (out.length >= 100) return;
    const key = r.name && w.name ? `${r.name}\u0000${w.name}` : null;
    if (key) {
      if (inProgress.has(key)) return;
      inProgress.add(key);
    }
    try {
      check(r, w, path, out);
    } finally {
      if (key) inProgress.delete(key);
    }
  };
  const check = (r: AnyType, w: AnyType, path: string, out: string[]): void => {
    const rk = kind(r);
    const wk = kind(w);
    if (wk === "union") {
      // Every writer branch must be readable.
      (w.types as AnyType[]).forEach((branch, i) => {
        if (rk === "union") {
          if (!(r.types as AnyType[]).some((rb) => compatible(rb, branch))) out.push(reason("MISSING_UNION_BRANCH", `The new schema is missing a type inside a union field at path '${path}/${i}' in the old schema`, `reader union lacking writer type: ${kind(branch).toUpperCase()}`));
        } else walk(r, branch, path, out);
      });
      return;
    }
    if (rk === "union") {
      if (!(r.types as AnyType[]).some((rb) => compatible(rb, w))) out.push(reason("MISSING_UNION_BRANCH", `The old schema is missing a type inside a union field at path '${path}' in the new schema`, `reader union lacking writer type: ${wk.toUpperCase()}`));
      return;
    }
    if (PROMOTIONS[wk]) {
      if (!PROMOTIONS[wk].includes(rk)) out.push(reason("TYPE_MISMATCH", `The type (path '${path}') of a field in the new schema does not match with the old schema`, `reader type: ${rk.toUpperCase()} not compatible with writer type: ${wk.toUpperCase()}`));
      return;
    }
    if (rk !== wk) {
      out.push(reason("TYPE_MISMATCH", `The type (path '${path}') of a field in the new schema does not match with the old schema`, `reader type: ${rk.toUpperCase()} not compatible with writer type: ${wk.toUpperCase()}`));
      return;
    }
    switch (rk) {
      case "record": {
        if (!namesMatch(r, w)) {
          out.push(reason("NAME_MISMATCH", `The name of the schema has changed (path '${path}/name')`, `expected: ${w.name}`));
          return;
        }
        const wFields = w.fields as AnyType[];
        (r.fields as AnyType[]).forEach((rf, i) => {
          const names = [rf.name, ...((rf.aliases as string[] | undefined) ?? [])];
          const wf = wFields.find((f) => names.includes(f.name));
          if (wf) walk(rf.type, wf.type, `${path}/fields/${i}/type`, out);
          else if (rf.defaultValue() === undefined)
            out.push(reason("READER_FIELD_MISSING_DEFAULT_VALUE", `The field '${rf.name}' at path '${path}/fields/${i}' in the new schema has no default value and is missing in the old schema`, rf.name));
        });
        return;
      }
      case "enum": {
        if (!namesMatch(r, w)) {
          out.push(reason("NAME_MISMATCH", `The name of the schema has changed (path '${path}/name')`, `expected: ${w.name}`));
          return;
        }
        if (r.default !== undefined) return;
        const missing = (w.symbols as string[]).filter((s) => !(r.symbols as string[]).includes(s));
        if (missing.length > 0) out.push(reason("MISSING_ENUM_SYMBOLS", `The new schema is missing enum symbols '${missing.join(", ")}' at path '${path}/symbols' in the old schema`, `[${missing.join(", ")}]`));
        return;
      }
      case "fixed":
        if (!namesMatch(r, w)) out.push(reason("NAME_MISMATCH", `The name of the schema has changed (path '${path}/name')`, `expected: ${w.name}`));
        else if (r.size !== w.size) out.push(reason("FIXED_SIZE_MISMATCH", `The size of FIXED type field at path '${path}/size' in the old schema does not match with the new schema`, `expected: ${w.size}, found: ${r.size}`));
        return;
      case "array":
        walk(r.itemsType, w.itemsType, `${path}/items`, out);
        return;
      case "map":
        walk(r.valuesType, w.valuesType, `${path}/values`, out);
        return;
    }
  };
  const compatible = (r: AnyType, w: AnyType): boolean => {
    const o: string[] = [];
    walk(r, w, "", o);
    return o.length === 0;
  };
  walk(reader as AnyType, writer as AnyType, "", out);
  return out;
}

export const AVRO_FORMAT: SchemaFormat<AvroSchema> = {
  type: "AVRO",
  parse: parseAvro,
  readerIncompatibilities: (reader, writer) => avroReaderIncompatibilities(reader.avroType, writer.avroType),
};

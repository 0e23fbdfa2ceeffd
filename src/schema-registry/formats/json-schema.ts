/**
 * JSON Schema (ajv, drafts 4-7 and 2019/2020 keywords as ajv knows them): a schema is valid when
 * ajv compiles it (with its references added under their reference names, so "$ref": "<name>"
 * resolves); the stored form is the compact JSON as given.
 *
 * Compatibility is Confluent's open/closed content-model rule, decided on what a reader accepts:
 * data valid under the writer must be valid under the reader. Checked, with Confluent's names:
 *   TYPE_CHANGED / TYPE_NARROWED         a writer type (integer counts as number) the reader lacks
 *   PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL the reader constrains a property an open writer let be anything
 *   PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL  a writer property a closed reader (additionalProperties
 *                                        false) no longer allows
 *   REQUIRED_ATTRIBUTE_ADDED             a property the reader requires that the writer did not
 *   ADDITIONAL_PROPERTIES_REMOVED / _NARROWED   the reader closes (or narrows) a writer's open model
 *   MAX_LENGTH_DECREASED, MIN_LENGTH_INCREASED, MAXIMUM_DECREASED, MINIMUM_INCREASED,
 *   MAX_ITEMS_DECREASED, MIN_ITEMS_INCREASED, ENUM_ARRAY_NARROWED, PATTERN_CHANGED
 * Arrays recurse into items, objects into properties; local "#/definitions/.." and "#/$defs/.."
 * and reference-name $refs are followed (bounded by SCHEMA_REGISTRY_MAX_REFERENCE_DEPTH).
 */
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { SCHEMA_REGISTRY_MAX_REFERENCE_DEPTH } from "../../limits.ts";
import { reason, type ParsedSchema, type ResolvedReference, type SchemaFormat } from "./format.ts";

type Json = boolean | Record<string, any>;

export interface JsonSchema extends ParsedSchema {
  readonly root: Json;
  readonly refs: ReadonlyMap<string, Json>;
}

function parseJson(text: string, references: readonly ResolvedReference[], normalize: boolean): JsonSchema {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new Error(`the schema is not JSON: ${(e as Error).message}`);
  }
  if (typeof root !== "boolean" && (typeof root !== "object" || root === null || Array.isArray(root))) throw new Error("a JSON Schema is an object or a boolean");
  const ajv = sharedAjv();
  const refs = new Map<string, Json>();
  // The references and the schema are compiled in the shared instance, then taken out again.
  const added: string[] = [];
  const compiled = typeof root === "object" ? { ...(root as object) } : root;
  // $schema of a draft ajv does not bundle (draft-04/06) is not a reason to refuse the schema; nor is an $id another parse used.
  if (typeof compiled === "object") {
    delete (compiled as Record<string, unknown>).$schema;
    delete (compiled as Record<string, unknown>).$id;
  }
  try {
    for (const ref of references) {
      if (ref.schemaType !== "JSON") throw new Error(`reference ${ref.name} is ${ref.schemaType}, not JSON`);
      const s = JSON.parse(ref.schema) as Json;
      refs.set(ref.name, s);
      const copy = typeof s === "object" ? { ...s } : s;
      if (typeof copy === "object") {
        delete copy.$schema;
        delete copy.$id;
      }
      ajv.addSchema(copy as object, ref.name);
      added.push(ref.name);
    }
    ajv.compile(compiled as object);
  } finally {
    for (const name of added) ajv.removeSchema(name);
    if (typeof compiled === "object") ajv.removeSchema(compiled as object);
  }
  // normalize=true stores the form with every object's keys sorted.
  const normalized = stableStringify(root);
  return { type: "JSON", root: root as Json, refs, canonical: normalize ? normalized : JSON.stringify(root), normalized };
}

let ajvInstance: Ajv | null = null;
function sharedAjv(): Ajv {
  if (!ajvInstance) {
    ajvInstance = new Ajv({ strict: false, allErrors: false, validateSchema: true, allowUnionTypes: true });
    addFormats(ajvInstance);
  }
  return ajvInstance;
}

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(v);
}

const ALL_TYPES = ["null", "boolean", "object", "array", "number", "string", "integer"];

function typesOf(s: Record<string, any>): string[] | null {
  if (s.type === undefined) {
    if (s.properties || s.additionalProperties !== undefined || s.required) return ["object"];
    if (s.items) return ["array"];
    return null; // any
  }
  return Array.isArray(s.type) ? s.type : [s.type];
}

const isOpen = (s: Record<string, any>) => s.additionalProperties === undefined || s.additionalProperties === true || (typeof s.additionalProperties === "object" && Object.keys(s.additionalProperties).length === 0);
const acceptsAnything = (s: Json | undefined) => s === undefined || s === true || (typeof s === "object" && Object.keys(s).filter((k) => !["description", "title", "$comment", "default", "examples"].includes(k)).length === 0);

export function jsonReaderIncompatibilities(reader: JsonSchema, writer: JsonSchema): string[] {
  const out: string[] = [];
  const resolve = (s: Json, root: Json, refs: ReadonlyMap<string, Json>, depth = 0): Json => {
    if (typeof s !== "object" || typeof s.$ref !== "string" || depth > SCHEMA_REGISTRY_MAX_REFERENCE_DEPTH) return s;
    const ref = s.$ref as string;
    let target: Json | undefined;
    if (ref.startsWith("#/")) {
      target = ref.slice(2).split("/").reduce<any>((node, part) => (node && typeof node === "object" ? node[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined), root);
    } else target = refs.get(ref.split("#")[0]);
    return target === undefined ? s : resolve(target, root, refs, depth + 1);
  };
  const walk = (r0: Json, w0: Json, path: string, depth: number): void => {
    if (out.length >= 100 || depth > 64) return;
    const r = resolve(r0, reader.root, reader.refs);
    const w = resolve(w0, writer.root, writer.refs);
    if (r === true || w === false || acceptsAnything(r)) return;
    if (r === false) {
      out.push(reason("TYPE_NARROWED", `The new schema at '${path}' accepts nothing`, path));
      return;
    }
    if (w === true) {
      out.push(reason("TYPE_NARROWED", `The old schema at '${path}' accepted anything; the new one does not`, path));
      return;
    }
    const rt = typesOf(r);
    const wt = typesOf(w) ?? ALL_TYPES;
    if (rt) {
      const missing = wt.filter((t) => !(rt.includes(t) || (t === "integer" && rt.includes("number"))));
      if (missing.length > 0) out.push(reason(wt.length > 1 && missing.length < wt.length ? "TYPE_NARROWED" : "TYPE_CHANGED", `The type at '${path}' changed from ${JSON.stringify(w.type ?? "any")} to ${JSON.stringify(r.type)}`, path));
    }
    const bound = (key: string, type: string, narrower: (rv: number, wv: number | undefined) => boolean) => {
      if (typeof r[key] === "number" && narrower(r[key], w[key])) out.push(reason(type, `'${key}' at '${path}' is narrower in the new schema (${r[key]} vs ${w[key] ?? "none"})`, `${path}/${key}`));
    };
    bound("maxLength", "MAX_LENGTH_DECREASED", (rv, wv) => wv === undefined || rv < wv);
    bound("minLength", "MIN_LENGTH_INCREASED", (rv, wv) => rv > (wv ?? 0));
    bound("maximum", "MAXIMUM_DECREASED", (rv, wv) => wv === undefined || rv < wv);
    bound("minimum", "MINIMUM_INCREASED", (rv, wv) => wv === undefined || rv > wv);
    bound("maxItems", "MAX_ITEMS_DECREASED", (rv, wv) => wv === undefined || rv < wv);
    bound("minItems", "MIN_ITEMS_INCREASED", (rv, wv) => rv > (wv ?? 0));
    if (Array.isArray(r.enum)) {
      const wEnum: unknown[] | null = Array.isArray(w.enum) ? w.enum : null;
      const rs = new Set(r.enum.map((x: unknown) => JSON.stringify(x)));
      if (!wEnum || wEnum.some((x) => !rs.has(JSON.stringify(x)))) out.push(reason("ENUM_ARRAY_NARROWED", `The enum at '${path}' lost values`, `${path}/enum`));
    }
    if (typeof r.pattern === "string" && r.pattern !== w.pattern) out.push(reason("PATTERN_CHANGED", `The pattern at '${path}' changed`, `${path}/pattern`));
    // Objects: the content model.
    if ((rt ?? ALL_TYPES).includes("object") && wt.includes("object")) {
      const rp: Record<string, Json> = r.properties ?? {};
      const wp: Record<string, Json> = w.properties ?? {};
      for (const [name, rs] of Object.entries(rp)) {
        if (name in wp) walk(rs, wp[name], `${path}/properties/${name}`, depth + 1);
        else if (isOpen(w)) {
          if (!acceptsAnything(rs)) out.push(reason("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", `The property '${name}' at '${path}/properties' was added to an open content model`, `${path}/properties/${name}`));
        } else if (typeof w.additionalProperties === "object") walk(rs, w.additionalProperties, `${path}/properties/${name}`, depth + 1);
      }
      for (const [name, ws] of Object.entries(wp)) {
        if (name in rp) continue;
        if (r.additionalProperties === false) out.push(reason("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", `The property '${name}' at '${path}/properties' was removed from a closed content model`, `${path}/properties/${name}`));
        else if (typeof r.additionalProperties === "object") walk(r.additionalProperties, ws, `${path}/properties/${name}`, depth + 1);
      }
      if (!isOpen(r) && isOpen(w)) out.push(reason(r.additionalProperties === false ? "ADDITIONAL_PROPERTIES_REMOVED" : "ADDITIONAL_PROPERTIES_NARROWED", `The new schema at '${path}' closes a content model the old schema left open`, `${path}/additionalProperties`));
      else if (typeof r.additionalProperties === "object" && typeof w.additionalProperties === "object") walk(r.additionalProperties, w.additionalProperties, `${path}/additionalProperties`, depth + 1);
      const wReq = new Set<string>(w.required ?? []);
      for (const name of (r.required ?? []) as string[]) if (!wReq.has(name)) out.push(reason("REQUIRED_ATTRIBUTE_ADDED", `The property '${name}' at '${path}' is required in the new schema and was not in the old one`, `${path}/required/${name}`));
    }
    if ((rt ?? ALL_TYPES).includes("array") && wt.includes("array") && r.items !== undefined && !Array.isArray(r.items)) {
      walk(r.items, w.items === undefined || Array.isArray(w.items) ? true : w.items, `${path}/items`, depth + 1);
    }
  };
  walk(reader.root, writer.root, "#", 0);
  return out;
}

export const JSON_FORMAT: SchemaFormat<JsonSchema> = {
  type: "JSON",
  parse: parseJson,
  readerIncompatibilities: jsonReaderIncompatibilities,
};

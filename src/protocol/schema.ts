/**
 * Declarative message schemas, in the shape of Kafka's own message specs: every field carries
 * the versions it exists in, the versions where it may be null, and (for tagged fields) its tag
 * and tagged versions. Schemas are data; `codec.ts` turns one (message, version) into an encoder
 * and a decoder. A released version is never edited: a change adds a version.
 *
 * Field types:
 *   bool int8 int16 uint16 int32 int64 float64 uuid string bytes records
 *   arr(T)          array of T (T a primitive or a struct)
 *   struct(fields)  nested struct (in flexible versions it ends with its own tagged fields)
 *
 * Decoded values: int64 -> bigint; uuid -> 22-character URL-safe base64 (Kafka's Uuid.toString);
 * bytes -> Uint8Array view of the frame (no copy); records -> Uint8Array view (decode) and
 * Uint8Array | Uint8Array[] (encode, spliced without copying); nullable -> null.
 * A field absent from a version decodes to its default (0, false, "", [], zero uuid, or the
 * `default` given); a tagged field absent from the wire decodes to its default too.
 */

export type PrimitiveType =
  | "bool"
  | "int8"
  | "int16"
  | "uint16"
  | "int32"
  | "int64"
  | "float64"
  | "uuid"
  | "string"
  | "bytes"
  | "records";

export interface ArrayType {
  kind: "array";
  of: FieldType;
}
export interface StructType {
  kind: "struct";
  fields: FieldDef[];
}
export type FieldType = PrimitiveType | ArrayType | StructType;

/** Inclusive version range; max is Infinity for "N+". Empty when min > max ("none"). */
export interface VersionRange {
  min: number;
  max: number;
}

export interface FieldDef {
  name: string;
  type: FieldType;
  versions: VersionRange;
  nullable: VersionRange;
  tag?: number;
  tagged: VersionRange;
  default?: unknown;
}

export interface MessageDef {
  apiKey: number;
  name: string;
  kind: "request" | "response";
  valid: VersionRange;
  flexible: VersionRange;
  fields: FieldDef[];
}

export const NONE: VersionRange = { min: 1, max: 0 };

/** Parses "3+", "2-5", "4" or "none". */
export function range(spec: string): VersionRange {
  if (spec === "none") return NONE;
  const plus = /^(\d+)\+$/.exec(spec);
  if (plus) return { min: Number(plus[1]), max: Infinity };
  const span = /^(\d+)-(\d+)$/.exec(spec);
  if (span) return { min: Number(span[1]), max: Number(span[2]) };
  const one = /^(\d+)$/.exec(spec);
  if (one) return { min: Number(one[1]), max: Number(one[1]) };
  throw new Error(`bad version range "${spec}"`);
}

export function inRange(r: VersionRange, v: number): boolean {
  return v >= r.min && v <= r.max;
}

export interface FieldOptions {
  /** Versions in which the value may be null (strings, bytes, records, arrays, structs). */
  nullable?: string;
  /** Tag number and tagged versions: the field travels in the tagged-field section. */
  tag?: number;
  tagged?: string;
  /** Value when the field is absent from a version or a tagged field is not sent. */
  default?: unknown;
}

/** Declares a field: `field("throttleTimeMs", "int32", "1+")`. */
export function field(name: string, type: FieldType, versions: string, opts: FieldOptions = {}): FieldDef {
  const def: FieldDef = {
    name,
    type,
    versions: range(versions),
    nullable: opts.nullable ? range(opts.nullable) : NONE,
    tagged: opts.tagged ? range(opts.tagged) : NONE,
    default: opts.default,
  };
  if (opts.tag !== undefined) {
    if (!opts.tagged) throw new Error(`field ${name}: tag without tagged versions`);
    def.tag = opts.tag;
  }
  return def;
}

export function arr(of: FieldType): ArrayType {
  return { kind: "array", of };
}

export function struct(...fields: FieldDef[]): StructType {
  return { kind: "struct", fields };
}

export interface MessageOptions {
  apiKey: number;
  name: string;
  valid: string;
  flexible: string;
}

export function request(opts: MessageOptions, fields: FieldDef[]): MessageDef {
  return { apiKey: opts.apiKey, name: opts.name, kind: "request", valid: range(opts.valid), flexible: range(opts.flexible), fields };
}

export function response(opts: MessageOptions, fields: FieldDef[]): MessageDef {
  return { apiKey: opts.apiKey, name: opts.name, kind: "response", valid: range(opts.valid), flexible: range(opts.flexible), fields };
}

/** One Kafka API: its key, name and the two message schemas. */
export interface ApiDef {
  apiKey: number;
  name: string;
  request: MessageDef;
  response: MessageDef;
}

export function api(request: MessageDef, response: MessageDef): ApiDef {
  if (request.apiKey !== response.apiKey) throw new Error(`api key mismatch in ${request.name}`);
  return { apiKey: request.apiKey, name: request.name.replace(/Request$/, ""), request, response };
}

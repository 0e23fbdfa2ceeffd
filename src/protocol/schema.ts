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

export interface ArrayType<T extends FieldType = FieldType> {
  kind: "array";
  of: T;
}
export interface StructType<F extends FieldDef[] = FieldDef[]> {
  kind: "struct";
  fields: F;
}
export type FieldType = PrimitiveType | ArrayType | StructType;

/** Inclusive version range; max is Infinity for "N+". Empty when min > max ("none"). */
export interface VersionRange {
  min: number;
  max: number;
}

/**
 * One field. The type parameters exist for the compile-time value types below (`ValueOf`,
 * `RequestOf`, ...): the name, the field type and whether any version is nullable. They change
 * nothing at run time.
 */
export interface FieldDef<N extends string = string, T extends FieldType = FieldType, Nullable extends boolean = boolean> {
  name: N;
  type: T;
  versions: VersionRange;
  nullable: VersionRange;
  tag?: number;
  tagged: VersionRange;
  default?: unknown;
  /** Compile-time only (never set): whether a nullable spec was given. */
  readonly __nullable?: Nullable;
}

export interface MessageDef<F extends FieldDef[] = FieldDef[]> {
  apiKey: number;
  name: string;
  kind: "request" | "response";
  valid: VersionRange;
  flexible: VersionRange;
  fields: F;
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
export function field<const N extends string, const T extends FieldType, const O extends FieldOptions = {}>(
  name: N,
  type: T,
  versions: string,
  opts: O = {} as O,
): FieldDef<N, T, O extends { nullable: string } ? true : false> {
  const def: FieldDef<N, T, O extends { nullable: string } ? true : false> = {
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

export function arr<const T extends FieldType>(of: T): ArrayType<T> {
  return { kind: "array", of };
}

export function struct<const F extends FieldDef[]>(...fields: F): StructType<F> {
  return { kind: "struct", fields };
}

export interface MessageOptions {
  apiKey: number;
  name: string;
  valid: string;
  flexible: string;
}

export function request<const F extends FieldDef[]>(opts: MessageOptions, fields: F): MessageDef<F> {
  return { apiKey: opts.apiKey, name: opts.name, kind: "request", valid: range(opts.valid), flexible: range(opts.flexible), fields };
}

export function response<const F extends FieldDef[]>(opts: MessageOptions, fields: F): MessageDef<F> {
  return { apiKey: opts.apiKey, name: opts.name, kind: "response", valid: range(opts.valid), flexible: range(opts.flexible), fields };
}

/** One Kafka API: its key, name and the two message schemas. */
export interface ApiDef<Req extends MessageDef = MessageDef, Res extends MessageDef = MessageDef> {
  apiKey: number;
  name: string;
  request: Req;
  response: Res;
}

export function api<Req extends MessageDef, Res extends MessageDef>(request: Req, response: Res): ApiDef<Req, Res> {
  if (request.apiKey !== response.apiKey) throw new Error(`api key mismatch in ${request.name}`);
  return { apiKey: request.apiKey, name: request.name.replace(/Request$/, ""), request, response };
}

// ---------------------------------------------------------------------------------------------
// Compile-time value types derived from the schemas (no run-time effect).
//
//   RequestOf<typeof Produce>    the decoded request (what a handler receives)
//   ResponseOf<typeof Produce>   the decoded response (what a client receives)
//   RequestInput / ResponseInput what the encoder accepts: every field optional (an omitted field
//                                encodes as its default), int64 also as number, records also as
//                                Uint8Array[] (spliced without copying).
//
// int64 -> bigint; bool -> boolean; uuid, string -> string; bytes, records -> Uint8Array; every other
// integer and float64 -> number; arr(T) -> T[]; struct -> an object of its fields; a field with a
// nullable spec -> | null. A field absent from a version decodes to its default, so every field is
// present in the decoded shape.

type Decoded = "decoded";
type Input = "input";
type Mode = Decoded | Input;

type PrimitiveValue<T extends PrimitiveType, M extends Mode> = T extends "bool"
  ? boolean
  : T extends "int64"
    ? M extends Input
      ? bigint | number
      : bigint
    : T extends "uuid" | "string"
      ? string
      : T extends "bytes"
        ? Uint8Array
        : T extends "records"
          ? M extends Input
            ? Uint8Array | Uint8Array[]
            : Uint8Array
          : number;

/** The value of a field type (decoded, or as the encoder accepts it). */
export type ValueOf<T, M extends Mode = Decoded> = T extends PrimitiveType
  ? PrimitiveValue<T, M>
  : T extends ArrayType<infer E>
    ? ValueOf<E, M>[]
    : T extends StructType<infer F>
      ? StructValue<F, M>
      : never;

type FieldValue<F, M extends Mode> =
  F extends FieldDef<any, infer T, infer Nullable> ? (true extends Nullable ? ValueOf<T, M> | null : ValueOf<T, M>) : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The object a struct (or message) with fields F decodes to, or is encoded from. */
export type StructValue<F extends FieldDef[], M extends Mode = Decoded> = M extends Input
  ? Simplify<{ [K in F[number] as K["name"]]?: FieldValue<K, M> }>
  : Simplify<{ [K in F[number] as K["name"]]: FieldValue<K, M> }>;

/** Decoded value of a message. */
export type MessageValue<D> = D extends MessageDef<infer F> ? StructValue<F> : never;
/** Encoder input of a message. */
export type MessageInput<D> = D extends MessageDef<infer F> ? StructValue<F, Input> : never;

type RequestDefOf<A> = A extends ApiDef<infer Q, any> ? Q : A;
type ResponseDefOf<A> = A extends ApiDef<any, infer R> ? R : A;

/** Decoded request of an API (`RequestOf<typeof Produce>`). */
export type RequestOf<A> = MessageValue<RequestDefOf<A>>;
/** Decoded response of an API (`ResponseOf<typeof Produce>`). */
export type ResponseOf<A> = MessageValue<ResponseDefOf<A>>;
/** What the encoder accepts for an API's request. */
export type RequestInput<A> = MessageInput<RequestDefOf<A>>;
/** What the encoder accepts for an API's response. */
export type ResponseInput<A> = MessageInput<ResponseDefOf<A>>;

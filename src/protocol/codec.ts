/**
 * Turns a message schema at one version into an encoder and a decoder (closures built once and
 * cached). Flexible versions use compact strings, bytes and arrays and end every struct with a
 * tagged-field section:
 *
 *   TAGGED_FIELDS := count:UNSIGNED_VARINT { tag:UNSIGNED_VARINT size:UNSIGNED_VARINT data:size }
 *
 * Decoding is bounded by the Reader (see reader.ts) and throws only DecodeError; unknown tags are
 * skipped. Encoding writes tagged fields only when their value differs from the default. An omitted
 * (undefined) field encodes as the schema's `default` when it has one, else as its type's zero.
 */
import { MAX_SCHEMA_DEPTH, MAX_STRING_BYTES, MAX_TAGGED_FIELDS } from "../limits.ts";
import { DecodeError, Reader, ZERO_UUID } from "./reader.ts";
import { inRange, type FieldDef, type FieldType, type MessageDef } from "./schema.ts";
import { Writer } from "./writer.ts";

export type Decoder = (r: Reader) => any;
export type Encoder = (w: Writer, v: any) => void;

export interface Codec {
  decode: Decoder;
  encode: Encoder;
}

const textEncoder = new TextEncoder();
const EMPTY_BYTES = new Uint8Array(0);

export class EncodeError extends Error {
  override name = "EncodeError";
}

/** The value a field takes when a version lacks it or a tagged field is not sent. */
export function defaultValue(f: FieldDef, version: number, flexible: boolean): unknown {
  if (f.default !== undefined) {
    return Array.isArray(f.default) ? [...f.default] : f.default;
  }
  return typeDefault(f.type, version, flexible);
}

function typeDefault(t: FieldType, version: number, flexible: boolean): unknown {
  if (typeof t === "string") {
    switch (t) {
      case "bool":
        return false;
      case "int64":
        return 0n;
      case "uuid":
        return ZERO_UUID;
      case "string":
        return "";
      case "bytes":
        return EMPTY_BYTES;
      case "records":
        return null;
      default:
        return 0;
    }
  }
  if (t.kind === "array") return [];
  const out: Record<string, unknown> = {};
  for (const f of t.fields) out[f.name] = defaultValue(f, version, flexible);
  return out;
}

/** Structural equality over decoded values (bigint, Uint8Array, arrays, plain objects). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a as object);
  if (ka.length !== Object.keys(b as object).length) return false;
  for (const k of ka) if (!deepEqual((a as any)[k], (b as any)[k])) return false;
  return true;
}

function utf8Bytes(s: string): Uint8Array {
  return textEncoder.encode(s);
}

function compileType(t: FieldType, version: number, flexible: boolean, nullable: boolean, where: string, depth: number): Codec {
  if (depth > MAX_SCHEMA_DEPTH) throw new Error(`schema nested too deep at ${where}`);
  if (typeof t === "string") return compilePrimitive(t, flexible, nullable, where);
  if (t.kind === "array") {
    const elem = compileType(t.of, version, flexible, false, where + "[]", depth + 1);
    return {
      decode(r) {
        const n = r.arrayLength(flexible);
        if (n === null) {
          if (!nullable) throw new DecodeError(`${where}: null array in a non-nullable field`);
          return null;
        }
        const out = new Array(n);
        for (let i = 0; i < n; i++) out[i] = elem.decode(r);
        return out;
      },
      encode(w, v) {
        if (v === null || v === undefined) {
          if (!nullable && v === null) throw new EncodeError(`${where}: null for a non-nullable array`);
          if (v === null) {
            flexible ? w.uvarint(0) : w.int32(-1);
            return;
          }
          v = [];
        }
        flexible ? w.uvarint(v.length + 1) : w.int32(v.length);
        for (let i = 0; i < v.length; i++) elem.encode(w, v[i]);
      },
    };
  }
  const body = compileStruct(t.fields, version, flexible, where, depth + 1);
  if (!nullable) return body;
  // A nullable struct is preceded by INT8: -1 for null, 1 for present.
  return {
    decode(r) {
      const marker = r.int8();
      if (marker < 0) return null;
      return body.decode(r);
    },
    encode(w, v) {
      if (v === null || v === undefined) {
        w.int8(-1);
        return;
      }
      w.int8(1);
      body.encode(w, v);
    },
  };
}

function compilePrimitive(t: string, flexible: boolean, nullable: boolean, where: string): Codec {
  switch (t) {
    case "bool":
      return { decode: (r) => r.bool(), encode: (w, v) => w.bool(!!v) };
    case "int8":
      return { decode: (r) => r.int8(), encode: (w, v) => w.int8(v ?? 0) };
    case "int16":
      return { decode: (r) => r.int16(), encode: (w, v) => w.int16(v ?? 0) };
    case "uint16":
      return { decode: (r) => r.uint16(), encode: (w, v) => w.uint16(v ?? 0) };
    case "int32":
      return { decode: (r) => r.int32(), encode: (w, v) => w.int32(v ?? 0) };
    case "int64":
      return { decode: (r) => r.int64(), encode: (w, v) => w.int64(v === undefined ? 0n : BigInt(v)) };
    case "float64":
      return { decode: (r) => r.float64(), encode: (w, v) => w.float64(v ?? 0) };
    case "uuid":
      return { decode: (r) => r.uuid(), encode: (w, v) => w.uuid(v ?? ZERO_UUID) };
    case "string":
      return {
        decode(r) {
          const s = r.string(flexible);
          if (s === null && !nullable) throw new DecodeError(`${where}: null string in a non-nullable field`);
          return s;
        },
        encode(w, v) {
          if (v === null || v === undefined) {
            if (v === null && !nullable) throw new EncodeError(`${where}: null for a non-nullable string`);
            if (v === null) {
              flexible ? w.uvarint(0) : w.int16(-1);
              return;
            }
            v = "";
          }
          const bytes = utf8Bytes(v);
          if (bytes.length > MAX_STRING_BYTES) throw new EncodeError(`${where}: string longer than ${MAX_STRING_BYTES} bytes`);
          flexible ? w.uvarint(bytes.length + 1) : w.int16(bytes.length);
          w.raw(bytes);
        },
      };
    case "bytes":
    case "records": {
      const isRecords = t === "records";
      const mayBeNull = nullable || isRecords;
      return {
        decode(r) {
          const b = r.bytes(flexible);
          if (b === null && !mayBeNull) throw new DecodeError(`${where}: null bytes in a non-nullable field`);
          return b;
        },
        encode(w, v) {
          if (v === null || v === undefined) {
            if (v === null && !mayBeNull) throw new EncodeError(`${where}: null for non-nullable bytes`);
            if (v === null) {
              flexible ? w.uvarint(0) : w.int32(-1);
              return;
            }
            v = EMPTY_BYTES;
          }
          if (Array.isArray(v)) {
            // Records given as several views (e.g. memory-mapped segment slices): no copy.
            let total = 0;
            for (const part of v) total += part.length;
            flexible ? w.uvarint(total + 1) : w.int32(total);
            for (const part of v) w.splice(part);
            return;
          }
          flexible ? w.uvarint(v.length + 1) : w.int32(v.length);
          if (isRecords) w.splice(v);
          else w.raw(v);
        },
      };
    }
  }
  throw new Error(`${where}: unknown type ${t}`);
}

interface CompiledField {
  name: string;
  codec: Codec;
  dflt: () => unknown;
  /** What an omitted (undefined) value encodes as: the schema's `default`, or undefined when the
   * field has none (the type's zero is then written: 0, false, "", [], zero uuid). */
  omitted: (() => unknown) | null;
}

function compileStruct(fields: FieldDef[], version: number, flexible: boolean, where: string, depth: number): Codec {
  const present: CompiledField[] = [];
  const absent: CompiledField[] = [];
  const tagged = new Map<number, CompiledField>();
  for (const f of fields) {
    const name = f.name;
    const dflt = () => defaultValue(f, version, flexible);
    if (!inRange(f.versions, version)) {
      absent.push({ name, codec: null as any, dflt, omitted: null });
      continue;
    }
    const nullable = inRange(f.nullable, version);
    const codec = compileType(f.type, version, flexible, nullable, `${where}.${name}`, depth);
    // A `default: null` applies only where the field may be null; elsewhere the type's zero does.
    const hasDefault = f.default !== undefined && (f.default !== null || nullable);
    const cf = { name, codec, dflt, omitted: hasDefault ? dflt : null };
    if (flexible && f.tag !== undefined && inRange(f.tagged, version)) tagged.set(f.tag, cf);
    else present.push(cf);
  }
  const taggedSorted = [...tagged.entries()].sort((a, b) => a[0] - b[0]);

  return {
    decode(r) {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < present.length; i++) out[present[i].name] = present[i].codec.decode(r);
      for (let i = 0; i < absent.length; i++) out[absent[i].name] = absent[i].dflt();
      if (flexible) {
        for (const [, cf] of taggedSorted) out[cf.name] = cf.dflt();
        readTaggedFields(r, tagged, out, where);
      }
      return out;
    },
    encode(w, v) {
      for (let i = 0; i < present.length; i++) {
        const cf = present[i];
        let value = v[cf.name];
        if (value === undefined && cf.omitted !== null) value = cf.omitted();
        cf.codec.encode(w, value);
      }
      if (!flexible) return;
      const toWrite: [number, CompiledField][] = [];
      for (const entry of taggedSorted) {
        const value = v[entry[1].name];
        if (value !== undefined && !deepEqual(value, entry[1].dflt())) toWrite.push(entry);
      }
      w.uvarint(toWrite.length);
      for (const [tag, cf] of toWrite) {
        const inner = new Writer(64);
        cf.codec.encode(inner, v[cf.name]);
        const bytes = inner.toBytes();
        w.uvarint(tag);
        w.uvarint(bytes.length);
        w.raw(bytes);
      }
    },
  };
}

function readTaggedFields(r: Reader, known: Map<number, CompiledField>, out: Record<string, unknown>, where: string): void {
  const count = r.uvarint();
  if (count > MAX_TAGGED_FIELDS || count * 2 > r.remaining) {
    throw new DecodeError(`${where}: ${count} tagged fields with ${r.remaining} bytes left`);
  }
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    const size = r.uvarint();
    r.need(size);
    const cf = known.get(tag);
    if (!cf) {
      r.skip(size);
      continue;
    }
    const sub = new Reader(r.buf, r.pos, r.pos + size);
    out[cf.name] = cf.codec.decode(sub);
    r.pos += size;
  }
}

/** Writes an empty tagged-field section (used by headers). */
export function writeEmptyTaggedFields(w: Writer): void {
  w.uvarint(0);
}

/** Skips a tagged-field section whose fields we do not use (headers). */
export function skipTaggedFields(r: Reader): void {
  readTaggedFields(r, new Map(), {}, "header");
}

const cache = new WeakMap<MessageDef, Map<number, Codec>>();

/** The codec of one message at one version; throws if the schema does not define that version. */
export function codecFor(def: MessageDef, version: number): Codec {
  let byVersion = cache.get(def);
  if (!byVersion) {
    byVersion = new Map();
    cache.set(def, byVersion);
  }
  let codec = byVersion.get(version);
  if (!codec) {
    if (!inRange(def.valid, version)) throw new Error(`${def.name} has no version ${version}`);
    codec = compileStruct(def.fields, version, inRange(def.flexible, version), def.name, 0);
    byVersion.set(version, codec);
  }
  return codec;
}

export function isFlexible(def: MessageDef, version: number): boolean {
  return inRange(def.flexible, version);
}

/** Decodes a whole message body; trailing bytes are tolerated (newer clients may add fields). */
export function decodeMessage(def: MessageDef, version: number, r: Reader): any {
  return codecFor(def, version).decode(r);
}

export function encodeMessage(def: MessageDef, version: number, value: unknown, w: Writer = new Writer()): Writer {
  codecFor(def, version).encode(w, value);
  return w;
}

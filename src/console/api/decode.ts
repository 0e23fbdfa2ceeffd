/**
 * How the message viewer shows key and value bytes. Formats:
 *
 *   auto      registry wire format when it looks like one (and a registry is configured), else
 *             JSON when it parses, else text when it is valid UTF-8, else hex
 *   text      UTF-8 (invalid sequences replaced)
 *   json      JSON (pretty printed); not JSON: an error note and the text
 *   registry  Confluent's wire format: magic byte 0 | schema id INT32 BE | payload, decoded with
 *             the schema the registry has for that id (Avro binary; Protobuf: message indexes as
 *             zig-zag varints, then the message; JSON Schema: the JSON text)
 *   msgpack   MessagePack (the whole value one item), shown as JSON
 *   hex       lowercase hex; base64: base64
 *
 * Shown text is cut at CONSOLE_MAX_SHOWN_VALUE_BYTES (marked `truncated`). Schemas come over HTTP
 * from the registry (GET /schemas/ids/{id}) and are parsed with src/schema-registry/formats, kept
 * per id up to CONSOLE_MAX_CACHED_SCHEMAS.
 */
import protobuf from "protobufjs";
import { FORMATS, type ParsedSchema, type SchemaType } from "../../schema-registry/formats/index.ts";
import type { AvroSchema } from "../../schema-registry/formats/avro.ts";
import type { ProtobufSchema } from "../../schema-registry/formats/protobuf.ts";
import { CONSOLE_MAX_CACHED_SCHEMAS, CONSOLE_MAX_SHOWN_VALUE_BYTES } from "../../limits.ts";

export const DECODE_FORMATS = ["auto", "text", "json", "registry", "msgpack", "hex", "base64"] as const;
export type DecodeFormat = (typeof DECODE_FORMATS)[number];

export interface Decoded {
  /** What it was decoded as: text, json, avro, protobuf, jsonschema, msgpack, hex, base64. */
  as: string;
  text: string;
  schemaId?: number;
  truncated?: boolean;
  error?: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const lenient = new TextDecoder("utf-8");

export type SchemaFetcher = (id: number) => Promise<{ schemaType?: string; schema: string } | null>;

export class SchemaCache {
  private readonly byId = new Map<number, ParsedSchema | Error>();
  constructor(private readonly fetchSchema: SchemaFetcher | null) {}
  get enabled(): boolean {
    return this.fetchSchema !== null;
  }
  async get(id: number): Promise<ParsedSchema> {
    let p = this.byId.get(id);
    if (!p) {
      try {
        const s = await this.fetchSchema!(id);
        if (!s) throw new Error(`the registry has no schema ${id}`);
        const type = (s.schemaType ?? "AVRO") as SchemaType;
        const format = FORMATS[type];
        if (!format) throw new Error(`schema ${id} has unknown type ${type}`);
        p = format.parse(s.schema, [], false);
      } catch (e) {
        p = e as Error;
      }
      if (this.byId.size >= CONSOLE_MAX_CACHED_SCHEMAS) this.byId.clear();
      this.byId.set(id, p);
    }
    if (p instanceof Error) throw p;
    return p;
  }
}

function cut(text: string): { text: string; truncated?: boolean } {
  return text.length > CONSOLE_MAX_SHOWN_VALUE_BYTES ? { text: text.slice(0, CONSOLE_MAX_SHOWN_VALUE_BYTES), truncated: true } : { text };
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, Math.min(b.byteLength, CONSOLE_MAX_SHOWN_VALUE_BYTES / 2)).toString("hex");
}

function jsonReady(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  if (Array.isArray(v)) return v.map(jsonReady);
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), jsonReady(x)]));
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = jsonReady(x);
    return out;
  }
  return v;
}

function readZigzag(b: Uint8Array, pos: { i: number }): number {
  let shift = 0;
  let out = 0;
  for (let n = 0; n < 5; n++) {
    if (pos.i >= b.length) throw new Error("truncated message indexes");
    const byte = b[pos.i++]!;
    out |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return (out >>> 1) ^ -(out & 1);
    shift += 7;
  }
  throw new Error("bad varint in the message indexes");
}

function protobufMessage(p: ProtobufSchema, path: number[]): protobuf.Type {
  const top = [...p.messages.values()].filter((t) => !(t.parent instanceof protobuf.Type));
  let t = top[path[0] ?? 0];
  for (const i of path.slice(1)) t = t?.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type)[i];
  if (!t) throw new Error(`no message at index path ${path.join(".")}`);
  return t;
}

async function viaRegistry(b: Uint8Array, schemas: SchemaCache): Promise<Decoded> {
  if (b.length < 5 || b[0] !== 0) throw new Error("not in the registry wire format (magic byte 0, schema id)");
  const id = new DataView(b.buffer, b.byteOffset, b.byteLength).getInt32(1);
  const p = await schemas.get(id);
  const payload = b.subarray(5);
  if (p.type === "AVRO") return { as: "avro", schemaId: id, ...cut(JSON.stringify(jsonReady((p as AvroSchema).avroType.fromBuffer(Buffer.from(payload))), null, 2)) };
  if (p.type === "JSON") return { as: "jsonschema", schemaId: id, ...cut(JSON.stringify(JSON.parse(utf8.decode(payload)), null, 2)) };
  const pos = { i: 0 };
  const count = readZigzag(payload, pos);
  if (count < 0 || count > 32) throw new Error(`bad message index count ${count}`);
  const path = count === 0 ? [0] : Array.from({ length: count }, () => readZigzag(payload, pos));
  const t = protobufMessage(p as ProtobufSchema, path);
  return { as: "protobuf", schemaId: id, ...cut(JSON.stringify(t.toObject(t.decode(payload.subarray(pos.i)), { longs: String, enums: String, bytes: String }), null, 2)) };
}

export async function decode(b: Uint8Array | null, format: DecodeFormat, schemas: SchemaCache): Promise<Decoded | null> {
  if (b === null) return null;
  try {
    switch (format) {
      case "hex":
        return { as: "hex", text: hex(b), truncated: b.length * 2 > CONSOLE_MAX_SHOWN_VALUE_BYTES || undefined };
      case "base64":
        return { as: "base64", ...cut(Buffer.from(b).toString("base64")) };
      case "text":
        return { as: "text", ...cut(lenient.decode(b)) };
      case "json":
        return { as: "json", ...cut(JSON.stringify(JSON.parse(utf8.decode(b)), null, 2)) };
      case "msgpack":
        return { as: "msgpack", ...cut(JSON.stringify(jsonReady(decodeMsgpack(b)), null, 2)) };
      case "registry":
        if (!schemas.enabled) throw new Error("no schema registry is configured");
        return await viaRegistry(b, schemas);
      case "auto": {
        if (schemas.enabled && b.length >= 5 && b[0] === 0) {
          try {
            return await viaRegistry(b, schemas);
          } catch {
            // Not a registry value after all: try the others.
          }
        }
        let text: string;
        try {
          text = utf8.decode(b);
        } catch {
          return { as: "hex", text: hex(b), truncated: b.length * 2 > CONSOLE_MAX_SHOWN_VALUE_BYTES || undefined };
        }
        const trimmed = text.trimStart();
        if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
          try {
            return { as: "json", ...cut(JSON.stringify(JSON.parse(text), null, 2)) };
          } catch {
            // Text that only looks like JSON.
          }
        }
        return { as: "text", ...cut(text) };
      }
    }
  } catch (e) {
    return { as: "hex", text: hex(b), error: `not ${format}: ${(e as Error).message}` };
  }
}

/**
 * MessagePack (the spec's formats: nil, bool, ints, floats, str, bin, array, map, ext shown as
 * {type, data}); bounded by the input length, nesting at most 64 deep; trailing bytes are an error.
 */
export function decodeMsgpack(b: Uint8Array): unknown {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let i = 0;
  const need = (n: number) => {
    if (i + n > b.length) throw new Error("truncated MessagePack");
  };
  const u8 = () => (need(1), b[i++]!);
  const take = (n: number) => {
    need(n);
    const s = b.subarray(i, i + n);
    i += n;
    return s;
  };
  const num = (n: 1 | 2 | 4 | 8, signed: boolean, float = false): number | bigint => {
    need(n);
    const at = i;
    i += n;
    if (float) return n === 4 ? view.getFloat32(at) : view.getFloat64(at);
    if (n === 1) return signed ? view.getInt8(at) : view.getUint8(at);
    if (n === 2) return signed ? view.getInt16(at) : view.getUint16(at);
    if (n === 4) return signed ? view.getInt32(at) : view.getUint32(at);
    const v = signed ? view.getBigInt64(at) : view.getBigUint64(at);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const str = (n: number) => lenient.decode(take(n));
  const arr = (n: number, depth: number) => {
    if (n > b.length - i) throw new Error("MessagePack array longer than the input");
    return Array.from({ length: n }, () => item(depth + 1));
  };
  const map = (n: number, depth: number) => {
    if (n * 2 > b.length - i) throw new Error("MessagePack map longer than the input");
    const out: Record<string, unknown> = {};
    for (let k = 0; k < n; k++) {
      const key = item(depth + 1);
      out[typeof key === "string" ? key : JSON.stringify(jsonReady(key))] = item(depth + 1);
    }
    return out;
  };
  const ext = (n: number) => {
    const type = num(1, true);
    return { extType: type, data: Buffer.from(take(n)).toString("base64") };
  };
  const item = (depth: number): unknown => {
    if (depth > 64) throw new Error("MessagePack nested more than 64 deep");
    const t = u8();
    if (t <= 0x7f) return t;
    if (t >= 0xe0) return t - 256;
    if ((t & 0xf0) === 0x80) return map(t & 0x0f, depth);
    if ((t & 0xf0) === 0x90) return arr(t & 0x0f, depth);
    if ((t & 0xe0) === 0xa0) return str(t & 0x1f);
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return take(num(1, false) as number);
      case 0xc5: return take(num(2, false) as number);
      case 0xc6: return take(num(4, false) as number);
      case 0xc7: return ext(num(1, false) as number);
      case 0xc8: return ext(num(2, false) as number);
      case 0xc9: return ext(num(4, false) as number);
      case 0xca: return num(4, true, true);
      case 0xcb: return num(8, true, true);
      case 0xcc: return num(1, false);
      case 0xcd: return num(2, false);
      case 0xce: return num(4, false);
      case 0xcf: return num(8, false);
      case 0xd0: return num(1, true);
      case 0xd1: return num(2, true);
      case 0xd2: return num(4, true);
      case 0xd3: return num(8, true);
      case 0xd4: return ext(1);
      case 0xd5: return ext(2);
      case 0xd6: return ext(4);
      case 0xd7: return ext(8);
      case 0xd8: return ext(16);
      case 0xd9: return str(num(1, false) as number);
      case 0xda: return str(num(2, false) as number);
      case 0xdb: return str(num(4, false) as number);
      case 0xdc: return arr(num(2, false) as number, depth);
      case 0xdd: return arr(num(4, false) as number, depth);
      case 0xde: return map(num(2, false) as number, depth);
      case 0xdf: return map(num(4, false) as number, depth);
      default: throw new Error(`MessagePack type byte 0x${t.toString(16)} is not defined`);
    }
  };
  const v = item(0);
  if (i !== b.length) throw new Error(`${b.length - i} bytes after the MessagePack value`);
  return v;
}

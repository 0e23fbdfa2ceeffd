/**
 * Embedded formats to record bytes and back.
 *
 *   binary      key/value are base64 strings (null: no bytes)
 *   json        key/value are any JSON; the bytes are its UTF-8 JSON text
 *   avro        JSON values of an Avro schema; bytes in Confluent's wire format
 *   jsonschema  JSON values checked against a JSON Schema; Confluent's wire format
 *   protobuf    JSON objects of the schema's first message; Confluent's wire format
 *
 * Confluent's wire format (what its serializers write and read):
 *
 *   magic byte 0 | schema id INT32 big-endian | payload
 *
 * where for Protobuf the payload starts with the message indexes (zig-zag varints: a count, then
 * the index path of the message in the file; the first message is the single byte 0) and then the
 * encoded message; for Avro it is Avro's binary encoding; for JSON Schema the UTF-8 JSON text.
 *
 * Schemas are registered in / read from Takhin's own Schema Registry in-process (the Registry of
 * src/schema-registry), under Confluent's TopicNameStrategy subjects `<topic>-key`, `<topic>-value`.
 */
import Ajv from "ajv";
import type avro from "avsc";
import protobuf from "protobufjs";
import type { ParsedSchema, SchemaType } from "../schema-registry/formats/index.ts";
import type { AvroSchema } from "../schema-registry/formats/avro.ts";
import type { JsonSchema } from "../schema-registry/formats/json-schema.ts";
import type { ProtobufSchema } from "../schema-registry/formats/protobuf.ts";
import { RegistryError } from "../schema-registry/errors.ts";
import type { Registry } from "../schema-registry/registry.ts";
import type { EmbeddedFormat } from "./content-type.ts";
import { conversionFailed, invalidSchema, ProxyError, unprocessable } from "./errors.ts";

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: false });
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

export const SCHEMA_TYPE_OF: Partial<Record<EmbeddedFormat, SchemaType>> = { avro: "AVRO", jsonschema: "JSON", protobuf: "PROTOBUF" };

/** A schema ready to write with: its id and its parsed form. */
export interface WriterSchema {
  id: number;
  parsed: ParsedSchema;
  validate?: (v: unknown) => string | null;
}

function registryFailure(e: unknown): never {
  if (e instanceof RegistryError) {
    if (e.errorCode === 42201 || e.errorCode === 422) throw invalidSchema(e.message);
    throw new ProxyError(e.errorCode, e.message);
  }
  throw e;
}

const ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false, allowUnionTypes: true });

function jsonValidator(p: JsonSchema): ((v: unknown) => string | null) | undefined {
  try {
    const root = typeof p.root === "object" ? { ...p.root } : p.root;
    if (typeof root === "object") {
      delete root.$schema;
      delete root.$id;
    }
    const check = ajv.compile(root as object);
    return (v) => (check(v) ? null : ajv.errorsText(check.errors));
  } catch {
    // A schema that references others: the registry accepted it; values are not checked here.
    return undefined;
  }
}

/** The writer schema of a produce request's key or value: inline (registered now) or by id. */
export async function writerSchema(registry: Registry, format: EmbeddedFormat, subject: string, schema: unknown, schemaId: unknown): Promise<WriterSchema> {
  const schemaType = SCHEMA_TYPE_OF[format]!;
  let id: number;
  let parsed: ParsedSchema;
  try {
    if (schemaId !== undefined && schemaId !== null) {
      if (typeof schemaId !== "number" || !Number.isInteger(schemaId) || schemaId < 0) throw unprocessable("a schema id is a non-negative integer");
      const stored = registry.schemaById(schemaId);
      if (stored.schemaType !== schemaType) throw invalidSchema(`schema ${schemaId} is ${stored.schemaType}, not ${schemaType}`);
      id = schemaId;
      parsed = registry.parse(stored, false);
    } else {
      if (typeof schema !== "string") throw unprocessable("a schema is given as a string");
      parsed = registry.parse({ schema, schemaType, references: [] }, false);
      id = (await registry.register(subject, { schema, schemaType, references: [] }, false)).id;
    }
  } catch (e) {
    registryFailure(e);
  }
  return { id, parsed, ...(parsed.type === "JSON" ? { validate: jsonValidator(parsed as JsonSchema) } : {}) };
}

function framed(id: number, payload: Uint8Array, prefix?: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + (prefix?.length ?? 0) + payload.length);
  out[0] = 0;
  new DataView(out.buffer).setInt32(1, id);
  if (prefix) out.set(prefix, 5);
  out.set(payload, 5 + (prefix?.length ?? 0));
  return out;
}

function firstMessage(p: ProtobufSchema): protobuf.Type {
  const t = p.messages.values().next().value as protobuf.Type | undefined;
  if (!t) throw invalidSchema("the Protobuf schema declares no message");
  return t;
}

/** Encodes one key or value; `what` names it in errors. Null stays null (no bytes). */
export function encodeEmbedded(format: EmbeddedFormat, value: unknown, schema: WriterSchema | null, what: string): Uint8Array | null {
  if (value === null || value === undefined) return null;
  switch (format) {
    case "binary":
      if (typeof value !== "string" || !BASE64_RE.test(value)) throw unprocessable(`${what}: a binary ${what} is a base64 string`);
      return new Uint8Array(Buffer.from(value, "base64"));
    case "json":
      return enc.encode(JSON.stringify(value));
    case "avro": {
      const t = (schema!.parsed as AvroSchema).avroType as avro.Type;
      let errors: string[] = [];
      if (!t.isValid(value, { errorHook: (path) => errors.push(path.join(".") || "(root)") })) throw conversionFailed(`${what} does not match the Avro schema at ${errors.slice(0, 3).join(", ")}`);
      errors = [];
      return framed(schema!.id, new Uint8Array(t.toBuffer(value)));
    }
    case "jsonschema": {
      const why = schema!.validate?.(value);
      if (why) throw conversionFailed(`${what} does not match the JSON Schema: ${why}`);
      return framed(schema!.id, enc.encode(JSON.stringify(value)));
    }
    case "protobuf": {
      const t = firstMessage(schema!.parsed as ProtobufSchema);
      if (typeof value !== "object" || Array.isArray(value)) throw conversionFailed(`${what}: a Protobuf ${what} is a JSON object`);
      const why = t.verify(value as Record<string, unknown>);
      if (why) throw conversionFailed(`${what} does not match the Protobuf message ${t.name}: ${why}`);
      const bytes = t.encode(t.fromObject(value as Record<string, unknown>)).finish();
      // Message indexes: [0] (the file's first message) is written as the single byte 0.
      return framed(schema!.id, bytes, new Uint8Array([0]));
    }
  }
}

/** Schemas by id for reading (parsed once per id per reader). */
export class SchemaCache {
  private readonly byId = new Map<number, ParsedSchema>();
  constructor(private readonly registry: () => Registry | null) {}

  get(id: number): ParsedSchema {
    let p = this.byId.get(id);
    if (p) return p;
    const r = this.registry();
    if (!r) throw new ProxyError(50002, "Kafka error: the Schema Registry is not available");
    try {
      p = r.parse(r.schemaById(id), false);
    } catch (e) {
      registryFailure(e);
    }
    if (this.byId.size >= 1000) this.byId.clear();
    this.byId.set(id, p);
    return p;
  }
}

function readVarint(b: Uint8Array, pos: { i: number }): number {
  let shift = 0;
  let out = 0;
  for (let n = 0; n < 5; n++) {
    if (pos.i >= b.length) throw new Error("truncated message indexes");
    const byte = b[pos.i++]!;
    out |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return (out >>> 1) ^ -(out & 1);
    shift += 7;
  }
  throw new Error("bad varint in message indexes");
}

function messageAt(p: ProtobufSchema, path: number[]): protobuf.Type {
  const top = [...p.messages.values()].filter((t) => !(t.parent instanceof protobuf.Type));
  let t = top[path[0] ?? 0];
  for (const i of path.slice(1)) t = t?.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type)[i];
  if (!t) throw new Error(`no message at index path ${path.join(".")}`);
  return t;
}

function jsonReady(v: unknown): unknown {
  if (v instanceof Uint8Array) return dec.decode(v);
  if (Array.isArray(v)) return v.map(jsonReady);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = jsonReady(x);
    return out;
  }
  if (typeof v === "bigint") return Number(v);
  return v;
}

/** Decodes record bytes into the embedded JSON form of a consumer's format. */
export function decodeEmbedded(format: EmbeddedFormat, bytes: Uint8Array | null, schemas: SchemaCache): unknown {
  if (bytes === null) return null;
  switch (format) {
    case "binary":
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
    case "json":
      try {
        return JSON.parse(dec.decode(bytes));
      } catch (e) {
        throw new ProxyError(50002, `Kafka error: a record is not JSON: ${(e as Error).message}`);
      }
    default: {
      if (bytes.length < 5 || bytes[0] !== 0) throw new ProxyError(50002, "Kafka error: a record is not in the Schema Registry wire format (magic byte 0, schema id)");
      const id = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(1);
      const p = schemas.get(id);
      const payload = bytes.subarray(5);
      try {
        if (format === "avro" && p.type === "AVRO") return jsonReady((p as AvroSchema).avroType.fromBuffer(Buffer.from(payload)));
        if (format === "jsonschema" && p.type === "JSON") return JSON.parse(dec.decode(payload));
        if (format === "protobuf" && p.type === "PROTOBUF") {
          const pos = { i: 0 };
          const count = readVarint(payload, pos);
          const path = count === 0 ? [0] : Array.from({ length: Math.min(count, 32) }, () => readVarint(payload, pos));
          const t = messageAt(p as ProtobufSchema, path);
          return t.toObject(t.decode(payload.subarray(pos.i)), { longs: Number, enums: String, bytes: String, defaults: false });
        }
      } catch (e) {
        throw new ProxyError(50002, `Kafka error: record cannot be decoded with schema ${id}: ${(e as Error).message}`);
      }
      throw new ProxyError(50002, `Kafka error: schema ${id} is ${p.type}, the consumer reads ${format}`);
    }
  }
}

/**
 * POST /v3/clusters/{id}/topics/{topic}/records (Confluent REST Proxy v3 produce).
 *
 * A record:
 *   { "partition_id"?: int, "headers"?: [{"name": s, "value": base64|null}], "timestamp"?: ISO-8601,
 *     "key"?: Data, "value"?: Data }
 *   Data := { "type": "BINARY", "data": base64 } | { "type": "JSON", "data": any } | { "type": "STRING", "data": s }
 *         | { "type"?: "AVRO"|"JSONSCHEMA"|"PROTOBUF", "schema"?: s, "schema_id"?: int,
 *             "subject"?: s, "schema_version"?: int|"latest", "data": any }   (schema by text, id or subject/version;
 *             with none of them the latest version of <topic>-key / <topic>-value)
 *         | { "data": any }  (no type, no schema: JSON)
 * A delivery report:
 *   { "error_code": 200, "cluster_id", "topic_name", "partition_id", "offset", "timestamp": ISO-8601,
 *     "key"?: {"type", "size"}, "value"?: {"type", "size"} }   or   { "error_code": 4xx|5xx, "message" }
 *
 * Streaming mode: the body is concatenated JSON — any number of records one after another
 * (whitespace between them allowed), sent while the answer streams back one report per record in
 * the same order (Confluent's streaming produce, chunked both ways). The body is read record by
 * record only as reports are taken by the client (a ReadableStream pulled by the response), so a
 * slow reader holds at most one network read of the body (the records it completed wait, parsed
 * lazily, one report at a time) and the partial record after it; one record is at most
 * HTTP_PROXY_MAX_BODY_BYTES. A body of exactly one record without chunked
 * transfer is answered with one report, its failure as the HTTP status.
 */
import { HTTP_PROXY_MAX_BODY_BYTES } from "../limits.ts";
import { RegistryError } from "../schema-registry/errors.ts";
import type { Registry } from "../schema-registry/registry.ts";
import type { BrokerContext } from "../server/context.ts";
import type { EmbeddedFormat } from "./content-type.ts";
import { ProxyError, tooLarge, unprocessable } from "./errors.ts";
import type { OutRecord, ProxyProducer } from "./producer.ts";
import { encodeEmbedded, writerSchema, type WriterSchema } from "./serde.ts";

export interface V3ProduceDeps {
  context: BrokerContext;
  producer: ProxyProducer;
  registry: () => Registry | null;
  topic: string;
}

const enc = new TextEncoder();
const FORMAT_OF: Record<string, EmbeddedFormat> = { AVRO: "avro", JSONSCHEMA: "jsonschema", PROTOBUF: "protobuf" };
const TYPE_OF_SCHEMA: Record<string, string> = { AVRO: "AVRO", JSON: "JSONSCHEMA", PROTOBUF: "PROTOBUF" };

/** Splits a byte stream into top-level JSON values (objects), bounded per value. */
export class ConcatenatedJson {
  private buf = "";
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  private scanned = 0;
  private readonly decoder = new TextDecoder();

  /** Feeds bytes; returns the complete values' texts. */
  push(bytes: Uint8Array, final = false): string[] {
    this.buf += this.decoder.decode(bytes, { stream: !final });
    const out: string[] = [];
    for (let i = this.scanned; i < this.buf.length; i++) {
      const ch = this.buf[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === "\\") this.escaped = true;
        else if (ch === '"') this.inString = false;
        continue;
      }
      if (ch === '"') {
        this.inString = true;
        if (this.depth === 0) throw unprocessable("a record is a JSON object");
      } else if (ch === "{" || ch === "[") {
        if (this.depth === 0) {
          if (ch === "[") throw unprocessable("a record is a JSON object, not an array");
          this.start = i;
        }
        this.depth++;
      } else if (ch === "}" || ch === "]") {
        this.depth--;
        if (this.depth < 0) throw unprocessable("unbalanced JSON in the request body");
        if (this.depth === 0) {
          out.push(this.buf.slice(this.start, i + 1));
          this.buf = this.buf.slice(i + 1);
          i = -1;
          this.start = -1;
        }
      } else if (this.depth === 0 && !/\s/.test(ch)) throw unprocessable(`unexpected ${JSON.stringify(ch)} between records`);
    }
    this.scanned = this.buf.length;
    if (this.buf.length > HTTP_PROXY_MAX_BODY_BYTES) throw tooLarge(HTTP_PROXY_MAX_BODY_BYTES);
    if (this.depth === 0 && this.buf.trim() === "") {
      this.buf = "";
      this.scanned = 0;
    }
    if (final && this.buf.trim() !== "") throw unprocessable("the request body ends inside a record");
    return out;
  }
}

type Report = Record<string, unknown>;

function errorReport(e: unknown, log: BrokerContext["log"]): Report {
  if (e instanceof ProxyError) return { error_code: e.errorCode, message: e.message };
  if (e instanceof RegistryError) return { error_code: e.errorCode, message: e.message };
  log.error("http proxy: v3 produce failed", { error: e });
  return { error_code: 500, message: (e as Error).message };
}

async function encodeData(deps: V3ProduceDeps, d: unknown, what: "key" | "value"): Promise<{ bytes: Uint8Array | null; type: string } | null> {
  if (d === undefined || d === null) return null;
  if (typeof d !== "object" || Array.isArray(d)) throw unprocessable(`${what} is an object {type, data}`);
  const o = d as Record<string, unknown>;
  const type = typeof o.type === "string" ? o.type.toUpperCase() : undefined;
  const hasSchema = o.schema !== undefined || o.schema_id !== undefined || o.subject !== undefined || o.schema_version !== undefined;
  if (type === "BINARY") {
    if (o.data === null || o.data === undefined) return { bytes: null, type };
    return { bytes: encodeEmbedded("binary", o.data, null, what), type };
  }
  if (type === "STRING") {
    if (o.data !== null && typeof o.data !== "string") throw unprocessable(`${what}.data is a string`);
    return { bytes: o.data === null ? null : enc.encode(o.data as string), type };
  }
  if (type === "JSON" || (type === undefined && !hasSchema)) return { bytes: o.data === null || o.data === undefined ? null : enc.encode(JSON.stringify(o.data)), type: "JSON" };
  if (type !== undefined && !FORMAT_OF[type]) throw unprocessable(`${what}.type ${type} is not one of BINARY, JSON, STRING, AVRO, JSONSCHEMA, PROTOBUF`);
  const registry = deps.registry();
  if (!registry) throw new ProxyError(50002, "Kafka error: the Schema Registry is not available on this node");
  const subject = typeof o.subject === "string" ? o.subject : `${deps.topic}-${what}`;
  let schema: WriterSchema;
  let schemaType = type;
  if (o.schema === undefined && o.schema_id === undefined) {
    // By subject and version (latest when none).
    const version = o.schema_version === undefined ? "latest" : o.schema_version;
    if (version !== "latest" && (typeof version !== "number" || !Number.isInteger(version) || version < 1)) throw unprocessable(`${what}.schema_version is a version number`);
    let id: number;
    try {
      id = registry.version(subject, version as number | "latest", false).id;
    } catch (e) {
      if (e instanceof RegistryError) throw new ProxyError(e.errorCode, e.message);
      throw e;
    }
    const st = registry.schemaById(id);
    schemaType ??= TYPE_OF_SCHEMA[st.schemaType];
    schema = await writerSchema(registry, FORMAT_OF[schemaType!]!, subject, undefined, id);
  } else {
    if (schemaType === undefined && typeof o.schema_id === "number") {
      try {
        schemaType = TYPE_OF_SCHEMA[registry.schemaById(o.schema_id).schemaType];
      } catch (e) {
        if (e instanceof RegistryError) throw new ProxyError(e.errorCode, e.message);
        throw e;
      }
    }
    if (schemaType === undefined) throw unprocessable(`${what}.type is needed with an inline schema`);
    schema = await writerSchema(registry, FORMAT_OF[schemaType]!, subject, o.schema, o.schema_id);
  }
  return { bytes: encodeEmbedded(FORMAT_OF[schemaType!]!, o.data, schema, what), type: schemaType! };
}

async function produceOne(deps: V3ProduceDeps, text: string): Promise<Report> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new ProxyError(400, `Unexpected character in the record: ${(e as Error).message}`);
  }
  const r = body as Record<string, unknown>;
  if (r.partition_id !== undefined && r.partition_id !== null && (typeof r.partition_id !== "number" || !Number.isInteger(r.partition_id))) throw unprocessable("partition_id is an integer");
  const headers: { key: string; value: Uint8Array | null }[] = [];
  if (r.headers !== undefined) {
    if (!Array.isArray(r.headers) || r.headers.length > 1000) throw unprocessable("headers is a list of {name, value} (at most 1000)");
    for (const h of r.headers as Record<string, unknown>[]) {
      if (!h || typeof h.name !== "string") throw unprocessable("a header has a name");
      headers.push({ key: h.name, value: h.value === null || h.value === undefined ? null : encodeEmbedded("binary", h.value, null, "header value") });
    }
  }
  let timestampMs: bigint | undefined;
  if (r.timestamp !== undefined && r.timestamp !== null) {
    const t = typeof r.timestamp === "string" ? Date.parse(r.timestamp) : NaN;
    if (!Number.isFinite(t)) throw unprocessable("timestamp is an ISO-8601 date-time");
    timestampMs = BigInt(t);
  }
  const key = await encodeData(deps, r.key, "key");
  const value = await encodeData(deps, r.value, "value");
  const rec: OutRecord = { key: key?.bytes ?? null, value: value?.bytes ?? null, headers, ...(typeof r.partition_id === "number" ? { partition: r.partition_id } : {}), ...(timestampMs !== undefined ? { timestampMs } : {}) };
  const [o] = await deps.producer.produce(deps.topic, [rec]).catch((e) => {
    // v3 answers a missing partition with a plain 404, as Confluent's does.
    if (e instanceof ProxyError && (e.errorCode === 40401 || e.errorCode === 40402)) throw new ProxyError(404, "This server does not host this topic-partition.");
    throw e;
  });
  if (!o || o.error_code !== null) throw new ProxyError(o?.error_code === 2 ? 50003 : 50002, `Kafka error: ${o?.error ?? "produce failed"}`);
  return {
    error_code: 200,
    cluster_id: deps.context.clusterId,
    topic_name: deps.topic,
    partition_id: o.partition,
    offset: o.offset,
    timestamp: new Date(o.timestampMs ?? Date.now()).toISOString(),
    ...(key ? { key: { type: key.type, size: key.bytes?.length ?? 0 } } : {}),
    ...(value ? { value: { type: value.type, size: value.bytes?.length ?? 0 } } : {}),
  };
}

export async function produceV3(req: Request, deps: V3ProduceDeps): Promise<Response> {
  const type = req.headers.get("content-type");
  if (type && !/^application\/(json|vnd\.kafka\.v3\+json|octet-stream)\b/i.test(type)) throw new ProxyError(415, "HTTP 415 Unsupported Media Type");
  const streaming = (req.headers.get("transfer-encoding") ?? "").toLowerCase().includes("chunked") || !req.headers.has("content-length");
  const reader = req.body?.getReader();
  const splitter = new ConcatenatedJson();
  const pending: string[] = [];
  let ended = false;
  /** The next record's text, reading more of the body only when needed; null at the end. */
  const next = async (): Promise<string | null> => {
    while (pending.length === 0 && !ended) {
      const { done, value } = reader ? await reader.read() : { done: true, value: undefined };
      if (done) {
        ended = true;
        pending.push(...splitter.push(new Uint8Array(0), true));
      } else pending.push(...splitter.push(value));
    }
    return pending.shift() ?? null;
  };
  if (!streaming) {
    // One request, one record (or several concatenated): reports in order; a single failure as the status.
    const texts: string[] = [];
    for (let t = await next(); t !== null; t = await next()) texts.push(t);
    if (texts.length === 0) throw unprocessable("Request body is missing");
    if (texts.length === 1) {
      const report = await produceOne(deps, texts[0]!);
      return new Response(JSON.stringify(report), { status: 200, headers: { "content-type": "application/json" } });
    }
    const reports = [];
    for (const t of texts) reports.push(await produceOne(deps, t).catch((e) => errorReport(e, deps.context.log)));
    return new Response(reports.map((r) => JSON.stringify(r)).join(""), { status: 200, headers: { "content-type": "application/json" } });
  }
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let text: string | null;
      try {
        text = await next();
      } catch (e) {
        controller.enqueue(enc.encode(JSON.stringify(errorReport(e, deps.context.log))));
        await reader?.cancel().catch(() => {});
        controller.close();
        return;
      }
      if (text === null) {
        controller.close();
        return;
      }
      const report = await produceOne(deps, text).catch((e) => errorReport(e, deps.context.log));
      controller.enqueue(enc.encode(JSON.stringify(report)));
    },
    cancel() {
      void reader?.cancel().catch(() => {});
    },
  }, { highWaterMark: 1 });
  return new Response(stream, { status: 200, headers: { "content-type": "application/json" } });
}

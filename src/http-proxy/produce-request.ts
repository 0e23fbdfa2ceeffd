/**
 * The body of a v2 produce (POST /topics/{topic}[/partitions/{p}]):
 *
 *   { "key_schema"?: string, "key_schema_id"?: int, "value_schema"?: string, "value_schema_id"?: int,
 *     "records": [ { "key"?: any, "value"?: any, "partition"?: int } ] }
 *
 * checked (records non-empty and at most HTTP_PROXY_MAX_RECORDS_PER_REQUEST: 422 otherwise; a
 * schema format with keys but no key schema: 42201, values but no value schema: 42202), the
 * schemas resolved (registered when inline) and every key and value encoded (serde.ts).
 */
import { HTTP_PROXY_MAX_RECORDS_PER_REQUEST } from "../limits.ts";
import type { Registry } from "../schema-registry/registry.ts";
import { SCHEMA_FORMATS, type EmbeddedFormat } from "./content-type.ts";
import { keySchemaMissing, ProxyError, unprocessable, valueSchemaMissing } from "./errors.ts";
import type { OutRecord } from "./producer.ts";
import { encodeEmbedded, writerSchema, type WriterSchema } from "./serde.ts";

export interface ProduceRequest {
  records: OutRecord[];
  keySchemaId: number | null;
  valueSchemaId: number | null;
}

export async function parseProduceV2(body: Record<string, unknown>, format: EmbeddedFormat, topic: string, registry: () => Registry | null): Promise<ProduceRequest> {
  const list = body.records;
  if (!Array.isArray(list) || list.length === 0) throw unprocessable("records may not be empty");
  if (list.length > HTTP_PROXY_MAX_RECORDS_PER_REQUEST) throw unprocessable(`records may hold at most ${HTTP_PROXY_MAX_RECORDS_PER_REQUEST} records`);
  const items = list.map((r, i) => {
    if (!r || typeof r !== "object" || Array.isArray(r)) throw unprocessable(`records[${i}] is not an object`);
    const o = r as Record<string, unknown>;
    if (o.partition !== undefined && o.partition !== null && (typeof o.partition !== "number" || !Number.isInteger(o.partition) || o.partition < 0)) throw unprocessable(`records[${i}].partition is not a partition number`);
    return o;
  });
  let keySchema: WriterSchema | null = null;
  let valueSchema: WriterSchema | null = null;
  if (SCHEMA_FORMATS.has(format)) {
    const hasKeys = items.some((o) => o.key !== undefined && o.key !== null);
    const hasValues = items.some((o) => o.value !== undefined && o.value !== null);
    const reg = registry();
    if (hasKeys && body.key_schema == null && body.key_schema_id == null) throw keySchemaMissing();
    if (hasValues && body.value_schema == null && body.value_schema_id == null) throw valueSchemaMissing();
    if ((hasKeys || hasValues) && !reg) throw new ProxyError(50002, "Kafka error: the Schema Registry is not available on this node");
    if (hasKeys) keySchema = await writerSchema(reg!, format, `${topic}-key`, body.key_schema, body.key_schema_id);
    if (hasValues) valueSchema = await writerSchema(reg!, format, `${topic}-value`, body.value_schema, body.value_schema_id);
  }
  const records = items.map((o, i) => ({
    key: encodeEmbedded(format, o.key, keySchema, `records[${i}].key`),
    value: encodeEmbedded(format, o.value, valueSchema, `records[${i}].value`),
    ...(typeof o.partition === "number" ? { partition: o.partition } : {}),
  }));
  return { records, keySchemaId: keySchema?.id ?? null, valueSchemaId: valueSchema?.id ?? null };
}

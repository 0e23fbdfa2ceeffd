/** The schema formats by type name (AVRO is the default when a request names none). */
import { AVRO_FORMAT } from "./avro.ts";
import type { SchemaFormat, SchemaType } from "./format.ts";
import { JSON_FORMAT } from "./json-schema.ts";
import { PROTOBUF_FORMAT } from "./protobuf.ts";

export const FORMATS: Record<SchemaType, SchemaFormat> = { AVRO: AVRO_FORMAT, PROTOBUF: PROTOBUF_FORMAT, JSON: JSON_FORMAT } as Record<SchemaType, SchemaFormat>;
export * from "./format.ts";

/**
 * Confluent REST Proxy's content types:
 *
 *   application/vnd.kafka[.embedded_format].[api_version]+[serialization_format]
 *
 * embedded_format one of binary, json, avro, jsonschema, protobuf (none: binary is assumed);
 * api_version v2 (v1 is not served: 406/415); serialization json. Also accepted, as Confluent's
 * proxy does: application/vnd.kafka+json, application/json, application/octet-stream (binary),
 * and no Content-Type at all for bodies of metadata-only requests.
 *
 * Accept is negotiated with weights (q=); a request whose Accept lists none of the types a route
 * can answer is refused with 406. Answers carry application/vnd.kafka.v2+json, or, for records,
 * application/vnd.kafka.<format>.v2+json.
 */
import { notAcceptable, unsupportedMediaType } from "./errors.ts";

export const EMBEDDED_FORMATS = ["binary", "json", "avro", "jsonschema", "protobuf"] as const;
export type EmbeddedFormat = (typeof EMBEDDED_FORMATS)[number];
export const SCHEMA_FORMATS: ReadonlySet<EmbeddedFormat> = new Set(["avro", "jsonschema", "protobuf"]);

export const V2_JSON = "application/vnd.kafka.v2+json";
export const recordsType = (f: EmbeddedFormat) => `application/vnd.kafka.${f}.v2+json`;

interface MediaRange {
  type: string;
  q: number;
}

function parseList(header: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const part of header.split(",").slice(0, 64)) {
    const [type, ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    if (!type) continue;
    let q = 1;
    for (const p of params) {
      const m = /^q=([0-9.]+)$/.exec(p);
      if (m) q = Number(m[1]);
    }
    if (q > 0) out.push({ type, q });
  }
  return out.sort((a, b) => b.q - a.q);
}

/** The embedded format a Content-Type names (binary when it names none); null: not a type we take. */
export function embeddedFormatOf(contentType: string): EmbeddedFormat | null {
  const t = contentType.split(";")[0]!.trim().toLowerCase();
  if (t === "application/json" || t === "application/octet-stream" || t === "application/vnd.kafka+json" || t === V2_JSON) return "binary";
  const m = /^application\/vnd\.kafka\.([a-z]+)\.v2\+json$/.exec(t);
  if (!m) return null;
  return (EMBEDDED_FORMATS as readonly string[]).includes(m[1]!) ? (m[1] as EmbeddedFormat) : null;
}

/** The request body's embedded format; 415 for a Content-Type the proxy does not take. */
export function requestFormat(contentType: string | undefined): EmbeddedFormat {
  if (!contentType) return "binary";
  const f = embeddedFormatOf(contentType);
  if (!f) throw unsupportedMediaType();
  return f;
}

/** A Content-Type of a request without embedded data (consumer and subscription bodies). */
export function checkPlainContentType(contentType: string | undefined): void {
  if (!contentType) return;
  const t = contentType.split(";")[0]!.trim().toLowerCase();
  if (t === V2_JSON || t === "application/vnd.kafka+json" || t === "application/json" || t === "application/octet-stream") return;
  throw unsupportedMediaType();
}

/**
 * The answer's Content-Type for a route that answers `offered` (most preferred first): the first
 * offered type the Accept header admits (wildcards, application/json and application/vnd.kafka+json
 * admit the offered v2 type); 406 when it admits none.
 */
export function negotiate(accept: string | undefined, offered: string): string {
  if (!accept || accept.trim() === "") return offered;
  for (const r of parseList(accept)) {
    if (r.type === "*/*" || r.type === "application/*" || r.type === offered || r.type === "application/json" || r.type === "application/vnd.kafka+json") return offered;
    // A metadata route takes any v2 kafka type (application/vnd.kafka.binary.v2+json as Accept of GET /topics).
    if (offered === V2_JSON && /^application\/vnd\.kafka(\.[a-z]+)?\.v2\+json$/.test(r.type)) return offered;
  }
  throw notAcceptable();
}

/** The embedded format a GET .../records asks for in Accept (the first record type listed), or null. */
export function acceptedRecordsFormat(accept: string | undefined): EmbeddedFormat | null {
  if (!accept) return null;
  for (const r of parseList(accept)) {
    const m = /^application\/vnd\.kafka\.([a-z]+)\.v2\+json$/.exec(r.type);
    if (m && (EMBEDDED_FORMATS as readonly string[]).includes(m[1]!)) return m[1] as EmbeddedFormat;
  }
  return null;
}

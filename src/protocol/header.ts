/**
 * Request and response headers.
 *
 *   RequestHeader v1 := api_key:INT16 api_version:INT16 correlation_id:INT32 client_id:NULLABLE_STRING
 *   RequestHeader v2 := v1 TAGGED_FIELDS        (client_id stays a classic int16-length string)
 *   ResponseHeader v0 := correlation_id:INT32
 *   ResponseHeader v1 := v0 TAGGED_FIELDS
 *
 * A request uses header v2 exactly when its API version is flexible, v1 otherwise. The response
 * uses v1 for flexible versions, v0 otherwise — except ApiVersions, whose response header is
 * always v0 so that a client can read it before it knows which versions the broker speaks.
 */
import { skipTaggedFields } from "./codec.ts";
import { Reader } from "./reader.ts";
import { Writer } from "./writer.ts";

export const API_VERSIONS_KEY = 18;

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** Reads the fixed part every header version shares (8 bytes). */
export function readHeaderPrefix(r: Reader): { apiKey: number; apiVersion: number; correlationId: number } {
  return { apiKey: r.int16(), apiVersion: r.int16(), correlationId: r.int32() };
}

/** Reads client_id (and, for header v2, the tagged fields) after the prefix. */
export function readHeaderRest(r: Reader, flexible: boolean): string | null {
  const clientId = r.string(false);
  if (flexible) skipTaggedFields(r);
  return clientId;
}

export function writeRequestHeader(w: Writer, h: RequestHeader, flexible: boolean): void {
  w.int16(h.apiKey);
  w.int16(h.apiVersion);
  w.int32(h.correlationId);
  if (h.clientId === null) w.int16(-1);
  else {
    const bytes = new TextEncoder().encode(h.clientId);
    w.int16(bytes.length);
    w.raw(bytes);
  }
  if (flexible) w.uvarint(0);
}

/** Response header version for an API at a version whose flexibility is given. */
export function responseHeaderIsV1(apiKey: number, flexible: boolean): boolean {
  return flexible && apiKey !== API_VERSIONS_KEY;
}

export function writeResponseHeader(w: Writer, correlationId: number, v1: boolean): void {
  w.int32(correlationId);
  if (v1) w.uvarint(0);
}

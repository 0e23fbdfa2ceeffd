/**
 * Request and response frames of the client side:
 *
 *   request  := size:INT32 RequestHeader(v1 | v2) body
 *   response := size:INT32 ResponseHeader(v0 | v1) body      (the size is cut by FrameAssembler)
 *
 * The header versions follow protocol/header.ts (flexible request versions use header v2; the
 * response header is v1 for flexible versions except ApiVersions, always v0).
 */
import { codecFor, isFlexible, skipTaggedFields } from "../protocol/codec.ts";
import { responseHeaderIsV1, writeRequestHeader } from "../protocol/header.ts";
import { Reader } from "../protocol/reader.ts";
import type { ApiDef } from "../protocol/schema.ts";
import { Writer } from "../protocol/writer.ts";

/** Encodes a full request frame (size + header + body). */
export function encodeRequestFrame(api: ApiDef, version: number, correlationId: number, body: unknown, clientId: string | null): Uint8Array {
  const w = new Writer();
  w.int32(0);
  writeRequestHeader(w, { apiKey: api.apiKey, apiVersion: version, correlationId, clientId }, isFlexible(api.request, version));
  codecFor(api.request, version).encode(w, body);
  const bytes = w.toBytes();
  new DataView(bytes.buffer, bytes.byteOffset).setInt32(0, bytes.length - 4);
  return bytes;
}

/** The correlation id of a response frame (without its size prefix). */
export function responseCorrelationId(frame: Uint8Array): number {
  if (frame.length < 4) throw new Error(`response frame of ${frame.length} bytes has no correlation id`);
  return new DataView(frame.buffer, frame.byteOffset, 4).getInt32(0);
}

/** Decodes a response frame (without its size prefix) of `api` at `version`. */
export function decodeResponseFrame(api: ApiDef, version: number, frame: Uint8Array): { correlationId: number; body: any } {
  const r = new Reader(frame);
  const correlationId = r.int32();
  if (responseHeaderIsV1(api.apiKey, isFlexible(api.response, version))) skipTaggedFields(r);
  return { correlationId, body: codecFor(api.response, version).decode(r) };
}

/**
 * Request bodies: read up to HTTP_PROXY_MAX_BODY_BYTES (a declared Content-Length over it, or more
 * bytes arriving, answers 413 before anything is kept), parsed as JSON (malformed: 400 with
 * Confluent's body), and an object expected where a route wants one (422 otherwise).
 */
import { HTTP_PROXY_MAX_BODY_BYTES } from "../limits.ts";
import { badRequest, tooLarge, unprocessable } from "./errors.ts";

export async function readBytes(req: Request, limit = HTTP_PROXY_MAX_BODY_BYTES): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const reader = req.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** The body as JSON; an empty body is `empty` (undefined: 422 "request body is missing"). */
export async function readJson(req: Request, empty?: unknown): Promise<unknown> {
  const bytes = await readBytes(req);
  if (bytes.length === 0) {
    if (empty !== undefined) return empty;
    throw unprocessable("Request body is missing");
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw badRequest(`Unexpected character in the request body: ${(e as Error).message}`);
  }
}

export async function readObject(req: Request, empty?: Record<string, unknown>): Promise<Record<string, unknown>> {
  const v = await readJson(req, empty);
  if (!v || typeof v !== "object" || Array.isArray(v)) throw unprocessable("Unrecognized request body: a JSON object is expected");
  return v as Record<string, unknown>;
}

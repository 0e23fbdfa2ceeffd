/**
 * JSON over HTTP to the services beside the cluster (Schema Registry, Admin API, Kafka Connect):
 * each call bounded in time (CONSOLE_UPSTREAM_TIMEOUT_MS) and in answer size
 * (CONSOLE_MAX_UPSTREAM_BYTES). An upstream 4xx comes back with its status and its message (the
 * registry's and Connect's `{error_code, message}`); anything else is 502.
 */
import { CONSOLE_MAX_UPSTREAM_BYTES, CONSOLE_UPSTREAM_TIMEOUT_MS } from "../../limits.ts";
import { ConsoleError, unavailable } from "./errors.ts";

export class Upstream {
  constructor(
    readonly name: string,
    readonly baseUrl: string | null,
    private readonly contentType = "application/json",
  ) {}

  get configured(): boolean {
    return this.baseUrl !== null;
  }

  async call<T = unknown>(method: string, path: string, body?: unknown, opts: { raw?: boolean } = {}): Promise<T> {
    if (!this.baseUrl) throw unavailable(`no ${this.name} is configured`);
    let res: Response;
    try {
      res = await fetch(this.baseUrl.replace(/\/$/, "") + path, {
        method,
        headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": this.contentType },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(CONSOLE_UPSTREAM_TIMEOUT_MS),
      });
    } catch (e) {
      throw new ConsoleError(502, `${this.name} at ${this.baseUrl} is unreachable: ${(e as Error).message}`, "UPSTREAM_UNREACHABLE");
    }
    const text = await readBounded(res);
    let parsed: unknown = null;
    if (text.length) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = opts.raw ? text : null;
      }
    }
    if (!res.ok) {
      const msg = parsed && typeof parsed === "object" && "message" in parsed ? String((parsed as { message: unknown }).message) : text.slice(0, 500) || res.statusText;
      const code = parsed && typeof parsed === "object" && "error_code" in parsed ? `${this.name.toUpperCase().replace(/\W+/g, "_")}_${(parsed as { error_code: unknown }).error_code}` : `UPSTREAM_${res.status}`;
      throw new ConsoleError(res.status >= 400 && res.status < 500 ? res.status : 502, `${this.name}: ${msg}`, code);
    }
    return (opts.raw && parsed === null ? text : parsed) as T;
  }
}

async function readBounded(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > CONSOLE_MAX_UPSTREAM_BYTES) {
      await reader.cancel().catch(() => {});
      throw new ConsoleError(502, `an answer larger than ${CONSOLE_MAX_UPSTREAM_BYTES} bytes`, "UPSTREAM_TOO_LARGE");
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

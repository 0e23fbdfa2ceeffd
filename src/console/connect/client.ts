/**
 * A client of the Kafka Connect REST API (the console's Connect page; any Connect cluster, Takhin's
 * or Apache Kafka's). Endpoints, as Connect 4.x serves them:
 *   GET    /connectors                         -> ["name", ...]
 *   GET    /connectors/{name}/status           -> ConnectorStatus
 *   GET    /connectors/{name}/config           -> { key: value }
 *   GET    /connectors/{name}/tasks            -> [{ id: { connector, task }, config }]
 *   POST   /connectors  { name, config }       -> 201
 *   POST   /connectors/{name}/restart?includeTasks=&onlyFailed=  -> 204 (connector only) or 202
 *   PUT    /connectors/{name}/pause | resume   -> 202
 *   DELETE /connectors/{name}                  -> 204
 * Errors come as `{"error_code": <int>, "message": "..."}` with the HTTP status (404 unknown
 * connector, 409 rebalance in progress or already exists, 400 invalid config, 500 ...); they are
 * thrown as ConnectError. A body that is not Connect's error JSON keeps the status as errorCode; a
 * request that got no answer (refused, timed out) is a ConnectError with status 0.
 * Response bodies are read up to CONSOLE_CONNECT_MAX_RESPONSE_BYTES.
 */
import { CONSOLE_CONNECT_DEFAULT_TIMEOUT_MS, CONSOLE_CONNECT_MAX_RESPONSE_BYTES } from "../../limits.ts";

export type ConnectorState = "UNASSIGNED" | "RUNNING" | "PAUSED" | "FAILED" | "RESTARTING" | "STOPPED";

export interface ConnectorTaskStatus {
  id: number;
  state: ConnectorState;
  worker_id: string;
  /** The stack trace of a FAILED task or connector. */
  trace?: string;
  /** The plugin's version (Connect 4.x). */
  version?: string;
}

/** GET /connectors/{name}/status */
export interface ConnectorStatus {
  name: string;
  connector: { state: ConnectorState; worker_id: string; trace?: string; version?: string };
  tasks: ConnectorTaskStatus[];
  type: "source" | "sink" | "unknown";
}

export class ConnectError extends Error {
  override name = "ConnectError";
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBounded(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > CONSOLE_CONNECT_MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw new ConnectError(res.status, res.status, `the Connect REST response is larger than ${CONSOLE_CONNECT_MAX_RESPONSE_BYTES} bytes`);
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString("utf8");
}

export class ConnectClient {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, opts: { timeoutMs?: number } = {}) {
    this.base = baseUrl.replace(/\/+$/, "");
    this.timeoutMs = opts.timeoutMs ?? CONSOLE_CONNECT_DEFAULT_TIMEOUT_MS;
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: "manual",
      });
    } catch (e) {
      throw new ConnectError(0, 0, `Kafka Connect at ${this.base} did not answer ${method} ${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const text = await readBounded(res);
    let json: unknown = undefined;
    if (text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (res.status < 200 || res.status >= 300) {
      const e = json as { error_code?: unknown; message?: unknown } | undefined;
      if (e && typeof e === "object" && typeof e.error_code === "number") {
        throw new ConnectError(res.status, e.error_code, typeof e.message === "string" ? e.message : `HTTP ${res.status}`);
      }
      throw new ConnectError(res.status, res.status, `${method} ${path}: HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ""}`);
    }
    if (text.length > 0 && json === undefined) throw new ConnectError(res.status, res.status, `${method} ${path}: the answer is not JSON`);
    return json;
  }

  private static path(name: string): string {
    return `/connectors/${encodeURIComponent(name)}`;
  }

  async listConnectors(): Promise<string[]> {
    const r = await this.call("GET", "/connectors");
    if (!Array.isArray(r) || !r.every((x) => typeof x === "string")) throw new ConnectError(200, 200, "GET /connectors: expected an array of names");
    return r;
  }

  async status(name: string): Promise<ConnectorStatus> {
    return (await this.call("GET", `${ConnectClient.path(name)}/status`)) as ConnectorStatus;
  }

  async config(name: string): Promise<Record<string, string>> {
    return (await this.call("GET", `${ConnectClient.path(name)}/config`)) as Record<string, string>;
  }

  async tasks(name: string): Promise<Array<{ id: { connector: string; task: number }; config: Record<string, string> }>> {
    return (await this.call("GET", `${ConnectClient.path(name)}/tasks`)) as Array<{ id: { connector: string; task: number }; config: Record<string, string> }>;
  }

  async create(name: string, config: Record<string, string>): Promise<void> {
    await this.call("POST", "/connectors", { name, config });
  }

  async restart(name: string, opts: { includeTasks?: boolean; onlyFailed?: boolean } = {}): Promise<void> {
    const q = new URLSearchParams({ includeTasks: String(opts.includeTasks ?? false), onlyFailed: String(opts.onlyFailed ?? false) });
    await this.call("POST", `${ConnectClient.path(name)}/restart?${q}`);
  }

  async pause(name: string): Promise<void> {
    await this.call("PUT", `${ConnectClient.path(name)}/pause`);
  }

  async resume(name: string): Promise<void> {
    await this.call("PUT", `${ConnectClient.path(name)}/resume`);
  }

  async delete(name: string): Promise<void> {
    await this.call("DELETE", ConnectClient.path(name));
  }
}

/**
 * TEMPORARY stand-in for src/console/connect/client.ts (engineer "console-parts" builds the real
 * Kafka Connect REST client); the same class shape, so the console switches by changing one
 * import (api/connect.ts). Talks Connect's REST API: /connectors, /connectors/{name}/status,
 * /config, /tasks, /restart, /pause, /resume; errors are Connect's {error_code, message}.
 */
export interface ConnectorStatus {
  name: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: { id: number; state: string; worker_id: string; trace?: string }[];
  type?: string;
}

export class ConnectError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

export class ConnectClient {
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl.replace(/\/$/, "") + path, {
        method,
        headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (e) {
      throw new ConnectError(502, 502, `Kafka Connect at ${this.baseUrl} is unreachable: ${(e as Error).message}`);
    }
    const text = (await res.text()).slice(0, 8 * 1024 * 1024);
    let v: unknown = null;
    try {
      v = text ? JSON.parse(text) : null;
    } catch {
      v = null;
    }
    if (!res.ok) {
      const o = (v ?? {}) as { error_code?: number; message?: string };
      throw new ConnectError(res.status, o.error_code ?? res.status, o.message ?? (text.slice(0, 300) || res.statusText));
    }
    return v as T;
  }

  listConnectors(): Promise<string[]> {
    return this.call("GET", "/connectors");
  }
  status(name: string): Promise<ConnectorStatus> {
    return this.call("GET", `/connectors/${encodeURIComponent(name)}/status`);
  }
  config(name: string): Promise<Record<string, string>> {
    return this.call("GET", `/connectors/${encodeURIComponent(name)}/config`);
  }
  async create(name: string, config: Record<string, string>): Promise<void> {
    await this.call("POST", "/connectors", { name, config });
  }
  async restart(name: string, opts: { includeTasks?: boolean; onlyFailed?: boolean } = {}): Promise<void> {
    await this.call("POST", `/connectors/${encodeURIComponent(name)}/restart?includeTasks=${opts.includeTasks ?? false}&onlyFailed=${opts.onlyFailed ?? false}`);
  }
  async pause(name: string): Promise<void> {
    await this.call("PUT", `/connectors/${encodeURIComponent(name)}/pause`);
  }
  async resume(name: string): Promise<void> {
    await this.call("PUT", `/connectors/${encodeURIComponent(name)}/resume`);
  }
  async delete(name: string): Promise<void> {
    await this.call("DELETE", `/connectors/${encodeURIComponent(name)}`);
  }
  tasks(name: string): Promise<{ id: { connector: string; task: number }; config: Record<string, string> }[]> {
    return this.call("GET", `/connectors/${encodeURIComponent(name)}/tasks`);
  }
}

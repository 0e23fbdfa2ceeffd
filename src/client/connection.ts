/**
 * One broker connection of the internal client: requests pipelined over one socket and matched to
 * responses by correlation id, bounded queues, per-request timeouts, ApiVersions negotiation on
 * every (re)connect, and reconnect with bounded exponential backoff.
 *
 * Request path: `send()` -> queue (at most maxQueuedRequests, else QueueFullError) -> written when
 * the socket is up, fewer than maxInFlightRequests are unanswered and the socket's unflushed bytes
 * are under maxPendingWriteBytes -> in flight (keyed by correlation id) -> resolved by the response
 * frame, or rejected by its timeout (RequestTimeoutError) or by the connection closing
 * (ConnectionError). Requests are never re-sent by this layer (a Produce may not be idempotent);
 * callers retry errors marked `retriable`.
 *
 * Timeouts: a request's timer starts when it is queued and covers connecting, waiting and the
 * broker's answer. On a timeout of a written request the connection closes, as Kafka's client does
 * (a broker that does not answer one request is not trusted with the next; late responses cannot be
 * confused with others that way) and the other in-flight requests fail with ConnectionError.
 *
 * Reconnect: the connection is made lazily by the first request and again by the first request
 * after a close. Attempts back off from reconnectBackoffMs doubling to reconnectBackoffMaxMs (with
 * jitter), at most maxConnectAttempts per connect; each attempt is a TCP connect and an ApiVersions
 * exchange within connectTimeoutMs.
 */
import { ApiVersions } from "../protocol/messages/api-versions.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type { ApiDef, RequestInput, ResponseOf } from "../protocol/schema.ts";
import { ClientClosedError, ConnectionError, KafkaError, QueueFullError, RequestTimeoutError } from "./errors.ts";
import { decodeResponseFrame, encodeRequestFrame, responseCorrelationId } from "./frames.ts";
import {
  CLIENT_CONNECT_TIMEOUT_MS,
  CLIENT_DEFAULT_REQUEST_TIMEOUT_MS,
  CLIENT_MAX_CONNECT_ATTEMPTS,
  CLIENT_MAX_IN_FLIGHT_REQUESTS,
  CLIENT_MAX_PENDING_WRITE_BYTES,
  CLIENT_MAX_QUEUED_REQUESTS,
  CLIENT_MAX_RESPONSE_FRAME_BYTES,
  CLIENT_RECONNECT_BACKOFF_MAX_MS,
  CLIENT_RECONNECT_BACKOFF_MS,
} from "../limits.ts";
import { FrameSocket } from "./socket.ts";
import { brokerVersions, pickVersion, type BrokerVersions } from "./versions.ts";

export const CLIENT_SOFTWARE_NAME = "takhin-client";
export const CLIENT_SOFTWARE_VERSION = "0.1.0";

export interface ConnectionOptions {
  clientId?: string | null;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  maxInFlightRequests?: number;
  maxQueuedRequests?: number;
  maxPendingWriteBytes?: number;
  maxResponseFrameBytes?: number;
  reconnectBackoffMs?: number;
  reconnectBackoffMaxMs?: number;
  maxConnectAttempts?: number;
  /** Highest version to use per api key (e.g. to test older versions). */
  versionCaps?: Map<number, number>;
}

export interface SendOptions {
  /** Overrides the connection's request timeout for this request. */
  timeoutMs?: number;
  /** Use exactly this version (must be supported by both sides). */
  version?: number;
  /** False for requests the broker does not answer (Produce with acks=0). */
  expectResponse?: boolean;
}

export interface Response<A extends ApiDef> {
  version: number;
  body: ResponseOf<A>;
}

interface Pending {
  api: ApiDef;
  body: unknown;
  opts: SendOptions;
  version: number;
  correlationId: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  written: boolean;
  resolve(r: Response<any>): void;
  reject(e: Error): void;
}

type State = "idle" | "connecting" | "ready" | "closed";

export class BrokerConnection {
  readonly host: string;
  readonly port: number;
  private readonly o: Required<Omit<ConnectionOptions, "versionCaps">> & { versionCaps: Map<number, number> };
  private state: State = "idle";
  private socket: FrameSocket | null = null;
  private versions: BrokerVersions | null = null;
  private nextCorrelationId = 1;
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Map<number, Pending>();
  /** Consecutive failed connect attempts (drives the backoff); reset by a successful connect. */
  private failures = 0;
  private readyWaiters: { resolve(): void; reject(e: Error): void }[] = [];
  /** Counters for tests and metrics. */
  readonly stats = { connects: 0, connectFailures: 0, timeouts: 0, queueRejections: 0 };

  constructor(host: string, port: number, opts: ConnectionOptions = {}) {
    this.host = host;
    this.port = port;
    this.o = {
      clientId: opts.clientId === undefined ? CLIENT_SOFTWARE_NAME : opts.clientId,
      requestTimeoutMs: opts.requestTimeoutMs ?? CLIENT_DEFAULT_REQUEST_TIMEOUT_MS,
      connectTimeoutMs: opts.connectTimeoutMs ?? CLIENT_CONNECT_TIMEOUT_MS,
      maxInFlightRequests: opts.maxInFlightRequests ?? CLIENT_MAX_IN_FLIGHT_REQUESTS,
      maxQueuedRequests: opts.maxQueuedRequests ?? CLIENT_MAX_QUEUED_REQUESTS,
      maxPendingWriteBytes: opts.maxPendingWriteBytes ?? CLIENT_MAX_PENDING_WRITE_BYTES,
      maxResponseFrameBytes: opts.maxResponseFrameBytes ?? CLIENT_MAX_RESPONSE_FRAME_BYTES,
      reconnectBackoffMs: opts.reconnectBackoffMs ?? CLIENT_RECONNECT_BACKOFF_MS,
      reconnectBackoffMaxMs: opts.reconnectBackoffMaxMs ?? CLIENT_RECONNECT_BACKOFF_MAX_MS,
      maxConnectAttempts: opts.maxConnectAttempts ?? CLIENT_MAX_CONNECT_ATTEMPTS,
      versionCaps: opts.versionCaps ?? new Map(),
    };
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get connected(): boolean {
    return this.state === "ready";
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  /** The broker's ApiVersions ranges from the last negotiation, or null before the first. */
  get brokerVersions(): BrokerVersions | null {
    return this.versions;
  }

  /** Connects (with backoff) if not connected; resolves once ApiVersions has been negotiated. */
  connect(): Promise<void> {
    if (this.state === "ready") return Promise.resolve();
    if (this.state === "closed") return Promise.reject(new ClientClosedError(`connection to ${this.address} is closed`));
    return new Promise<void>((resolve, reject) => {
      this.readyWaiters.push({ resolve, reject });
      this.pump();
    });
  }

  /** The negotiated version of `api` (connects first if needed). */
  async versionOf(api: ApiDef): Promise<number> {
    await this.connect();
    return pickVersion(api, this.versions!, this.o.versionCaps.get(api.apiKey));
  }

  /** Sends one request; see the module comment for the path and its errors. */
  send<A extends ApiDef>(api: A, body: RequestInput<A>, opts: SendOptions = {}): Promise<Response<A>> {
    if (this.state === "closed") return Promise.reject(new ClientClosedError(`connection to ${this.address} is closed`));
    if (this.queue.length >= this.o.maxQueuedRequests) {
      this.stats.queueRejections++;
      return Promise.reject(new QueueFullError(`${this.queue.length} requests already queued for ${this.address} (limit ${this.o.maxQueuedRequests})`));
    }
    return new Promise<Response<A>>((resolve, reject) => {
      const p: Pending = { api, body, opts, version: -1, correlationId: -1, timer: undefined, written: false, resolve, reject };
      const timeoutMs = opts.timeoutMs ?? this.o.requestTimeoutMs;
      p.timer = setTimeout(() => this.onTimeout(p, timeoutMs), timeoutMs);
      this.queue.push(p);
      this.pump();
    });
  }

  /** Closes the connection for good: queued and in-flight requests fail with ClientClosedError. */
  close(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    const error = new ClientClosedError(`connection to ${this.address} closed by the client`);
    this.failAll(error, true);
    for (const w of this.readyWaiters.splice(0)) w.reject(error);
    this.socket?.close(error);
    this.socket = null;
  }

  private apiVersionsBody(): RequestInput<typeof ApiVersions> {
    return { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION };
  }

  private pump(): void {
    if (this.state === "idle") {
      void this.establish();
      return;
    }
    if (this.state !== "ready" || this.socket === null) return;
    while (
      this.queue.length > 0 &&
      this.inFlight.size < this.o.maxInFlightRequests &&
      this.socket.pendingWriteBytes < this.o.maxPendingWriteBytes
    ) {
      const p = this.queue.shift()!;
      if (!this.write(p)) return;
    }
    if (this.queue.length > 0 && this.socket.pendingWriteBytes >= this.o.maxPendingWriteBytes) {
      void this.socket.drained().then(() => this.pump());
    }
  }

  /** Writes one request; false when the connection went away meanwhile. */
  private write(p: Pending): boolean {
    const socket = this.socket!;
    let version: number;
    try {
      version = p.opts.version ?? pickVersion(p.api, this.versions!, this.o.versionCaps.get(p.api.apiKey));
    } catch (error) {
      this.settle(p, null, error as Error);
      return true;
    }
    const correlationId = this.takeCorrelationId();
    let frame: Uint8Array;
    try {
      frame = encodeRequestFrame(p.api, version, correlationId, p.body, this.o.clientId);
    } catch (error) {
      this.settle(p, null, error as Error);
      return true;
    }
    p.version = version;
    p.correlationId = correlationId;
    p.written = true;
    const expectResponse = p.opts.expectResponse ?? true;
    if (expectResponse) this.inFlight.set(correlationId, p);
    try {
      socket.write(frame);
    } catch (error) {
      this.inFlight.delete(correlationId);
      this.settle(p, null, error as Error);
      return false;
    }
    if (!expectResponse) this.settle(p, { version, body: null as any }, null);
    return true;
  }

  private takeCorrelationId(): number {
    const id = this.nextCorrelationId;
    this.nextCorrelationId = id >= 0x7fffffff ? 1 : id + 1;
    return id;
  }

  private settle(p: Pending, value: Response<any> | null, error: Error | null): void {
    clearTimeout(p.timer);
    p.timer = undefined;
    if (error) p.reject(error);
    else p.resolve(value!);
  }

  private onTimeout(p: Pending, timeoutMs: number): void {
    p.timer = undefined;
    this.stats.timeouts++;
    const error = new RequestTimeoutError(`${p.api.name} to ${this.address}: no response within ${timeoutMs} ms`);
    const queued = this.queue.indexOf(p);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      p.reject(error);
      return;
    }
    if (this.inFlight.get(p.correlationId) === p) {
      this.inFlight.delete(p.correlationId);
      p.reject(error);
      // As Kafka's NetworkClient: a request that timed out in flight disconnects.
      this.socket?.close(new ConnectionError(`connection to ${this.address} closed after a request timed out`));
    }
  }

  private onFrame(frame: Uint8Array): void {
    let correlationId: number;
    try {
      correlationId = responseCorrelationId(frame);
    } catch (error) {
      this.socket?.close(new ConnectionError((error as Error).message));
      return;
    }
    const p = this.inFlight.get(correlationId);
    if (!p) {
      // Kafka answers in request order; an unknown id means the stream is not what we think.
      this.socket?.close(new ConnectionError(`response with unknown correlation id ${correlationId} from ${this.address}`));
      return;
    }
    this.inFlight.delete(correlationId);
    let decoded: { body: any };
    try {
      decoded = decodeResponseFrame(p.api, p.version, frame);
    } catch (error) {
      this.settle(p, null, new ConnectionError(`${p.api.name} v${p.version} response from ${this.address} did not decode: ${(error as Error).message}`));
      this.socket?.close(new ConnectionError("undecodable response"));
      return;
    }
    this.settle(p, { version: p.version, body: decoded.body }, null);
    this.pump();
  }

  private onClose(socket: FrameSocket, reason: Error | null): void {
    if (this.socket !== socket) return;
    this.socket = null;
    if (this.state === "ready") this.state = "idle";
    const error = new ConnectionError(`connection to ${this.address} closed${reason ? `: ${reason.message}` : ""}`);
    // In-flight requests cannot be answered any more; queued ones wait for the reconnect.
    for (const p of this.inFlight.values()) this.settle(p, null, error);
    this.inFlight.clear();
    if (this.state === "idle" && this.queue.length > 0) this.pump();
  }

  private failAll(error: Error, includeQueued: boolean): void {
    for (const p of this.inFlight.values()) this.settle(p, null, error);
    this.inFlight.clear();
    if (includeQueued) {
      for (const p of this.queue.splice(0)) this.settle(p, null, error);
    }
  }

  private backoffMs(): number {
    if (this.failures === 0) return 0;
    const base = Math.min(this.o.reconnectBackoffMaxMs, this.o.reconnectBackoffMs * 2 ** (this.failures - 1));
    // ±20 % jitter, as Kafka's reconnect backoff.
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  /** Connect attempts with backoff until one negotiates ApiVersions or the attempts run out. */
  /** (A method, so that TypeScript does not narrow the state across awaits.) */
  private isClosed(): boolean {
    return this.state === "closed";
  }

  private async establish(): Promise<void> {
    this.state = "connecting";
    for (let attempt = 0; attempt < this.o.maxConnectAttempts; attempt++) {
      const wait = this.backoffMs();
      if (wait > 0) await Bun.sleep(wait);
      if (this.isClosed()) return;
      if (this.queue.length === 0 && this.readyWaiters.length === 0) {
        // Every waiting request timed out meanwhile: connect again when one comes.
        this.state = "idle";
        return;
      }
      try {
        const { socket, versions } = await this.attempt();
        if (this.isClosed()) {
          socket.close(null);
          return;
        }
        this.socket = socket;
        this.versions = versions;
        this.failures = 0;
        this.state = "ready";
        this.stats.connects++;
        for (const w of this.readyWaiters.splice(0)) w.resolve();
        this.pump();
        return;
      } catch (error) {
        this.failures++;
        this.stats.connectFailures++;
        if (attempt === this.o.maxConnectAttempts - 1 || !(error instanceof ConnectionError)) {
          this.state = this.isClosed() ? "closed" : "idle";
          const e = error instanceof ConnectionError ? new ConnectionError(`${this.address}: ${this.o.maxConnectAttempts} connect attempts failed, last: ${error.message}`) : (error as Error);
          for (const p of this.queue.splice(0)) this.settle(p, null, e);
          for (const w of this.readyWaiters.splice(0)) w.reject(e);
          return;
        }
      }
    }
  }

  /** One TCP connect plus the ApiVersions exchange (v3+, falling back to v0 when refused). */
  private async attempt(): Promise<{ socket: FrameSocket; versions: BrokerVersions }> {
    const deadline = Date.now() + this.o.connectTimeoutMs;
    // While negotiating, frames and a close go to the exchange below, then to the connection.
    const during: { frame: ((frame: Uint8Array) => void) | null; close: ((e: Error) => void) | null } = { frame: null, close: null };
    const socket: FrameSocket = await FrameSocket.connect({
      host: this.host,
      port: this.port,
      connectTimeoutMs: this.o.connectTimeoutMs,
      maxFrameBytes: this.o.maxResponseFrameBytes,
      onFrame: (f) => (during.frame ? during.frame(f) : this.onFrame(f)),
      onClose: (reason) => {
        if (during.close) during.close(new ConnectionError(`closed during ApiVersions${reason ? `: ${reason.message}` : ""}`));
        else this.onClose(socket, reason);
      },
    });
    const exchange = (version: number) =>
      new Promise<any>((resolve, reject) => {
        const correlationId = this.takeCorrelationId();
        const timer = setTimeout(() => reject(new ConnectionError(`ApiVersions v${version} to ${this.address}: no answer within ${this.o.connectTimeoutMs} ms`)), Math.max(1, deadline - Date.now()));
        during.frame = (f) => {
          clearTimeout(timer);
          try {
            const r = decodeResponseFrame(ApiVersions, version, f);
            if (r.correlationId !== correlationId) throw new Error(`correlation id ${r.correlationId}, expected ${correlationId}`);
            resolve(r.body);
          } catch (error) {
            reject(new ConnectionError(`ApiVersions v${version} response did not decode: ${(error as Error).message}`));
          }
        };
        during.close = (e) => {
          clearTimeout(timer);
          reject(e);
        };
        try {
          socket.write(encodeRequestFrame(ApiVersions, version, correlationId, this.apiVersionsBody(), this.o.clientId));
        } catch (error) {
          clearTimeout(timer);
          reject(error);
        }
      });
    try {
      const ours = ApiVersions.request.valid.max;
      let body: any;
      try {
        body = await exchange(ours);
      } catch (error) {
        // A broker that does not speak our version may answer in v0 form or close; try v0 on a
        // fresh exchange only if the socket is still open.
        if (socket.closed) throw error;
        body = { errorCode: ErrorCode.UNSUPPORTED_VERSION };
      }
      if (body.errorCode === ErrorCode.UNSUPPORTED_VERSION) body = await exchange(0);
      if (body.errorCode !== 0) throw new KafkaError(body.errorCode, `ApiVersions from ${this.address}`);
      during.frame = null;
      during.close = null;
      if (socket.closed) throw new ConnectionError(`connection to ${this.address} closed after ApiVersions`);
      return { socket, versions: brokerVersions(body.apiKeys) };
    } catch (error) {
      during.frame = null;
      during.close = null;
      socket.close(null);
      throw error;
    }
  }
}

/**
 * A small Kafka wire client for the load generator: one TCP connection, pipelined requests answered
 * in order (Kafka answers a connection's requests in the order they were sent, so responses are
 * matched first-in first-out), write backpressure handled with `drain`. Frames are assembled from
 * the socket's chunks without re-copying what was already received (a 16 MiB Fetch response arrives
 * in many small reads).
 */
import type { Socket } from "bun";
import { codecFor, isFlexible } from "../../src/protocol/codec.ts";
import { writeRequestHeader } from "../../src/protocol/header.ts";
import { Reader } from "../../src/protocol/reader.ts";
import type { ApiDef } from "../../src/protocol/schema.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { FrameAssembler } from "../../src/protocol/frame-assembler.ts";

/** Encodes a whole request frame: size, header, body. */
export function requestFrame(api: ApiDef, version: number, correlationId: number, body: unknown, clientId = "takhin-bench"): Uint8Array {
  const w = new Writer(1024);
  w.int32(0);
  writeRequestHeader(w, { apiKey: api.apiKey, apiVersion: version, correlationId, clientId }, isFlexible(api.request, version));
  codecFor(api.request, version).encode(w, body);
  const bytes = w.toBytes();
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setInt32(0, bytes.length - 4);
  return bytes;
}

/** Decodes a response frame (without its size prefix) of `api` at `version`. */
export function decodeResponse(api: ApiDef, version: number, frame: Uint8Array): any {
  const r = new Reader(frame);
  r.int32(); // correlation id
  // ApiVersions answers with header v0 whatever the version; every other flexible version uses v1.
  if (isFlexible(api.response, version) && api.apiKey !== 18) {
    const tags = r.uvarint();
    for (let i = 0; i < tags; i++) {
      r.uvarint();
      r.skip(r.uvarint());
    }
  }
  return codecFor(api.response, version).decode(r);
}

type Waiter = { resolve: (frame: Uint8Array) => void; reject: (e: Error) => void };

export class KafkaConnection {
  private socket!: Socket<undefined>;
  private frames = new FrameAssembler();
  private readonly waiting: Waiter[] = [];
  private writeQueue: Uint8Array[] = [];
  private drainWaiters: (() => void)[] = [];
  private nextCorrelationId = 1;
  closed = false;
  /** Bytes of response frames received. */
  receivedBytes = 0;

  /**
   * `sequential`: the caller awaits each response and is done with it before sending the next
   * request (a consumer's fetch loop), so response frames may share one assembly buffer.
   */
  static async connect(port: number, host = "127.0.0.1", sequential = false): Promise<KafkaConnection> {
    const c = new KafkaConnection();
    if (sequential) c.frames = new FrameAssembler(undefined, true);
    const completed: Uint8Array[] = [];
    c.socket = await Bun.connect<undefined>({
      hostname: host,
      port,
      socket: {
        data(_s, chunk) {
          c.receivedBytes += chunk.length;
          completed.length = 0;
          try {
            c.frames.push(chunk, completed);
          } catch (e) {
            c.fail(e as Error);
            return;
          }
          for (const f of completed) {
            const w = c.waiting.shift();
            if (!w) {
              c.fail(new Error("response without a request"));
              return;
            }
            w.resolve(f);
          }
        },
        drain() {
          c.flush();
        },
        close() {
          c.fail(new Error("connection closed"));
        },
        error(_s, e) {
          c.fail(e);
        },
      },
    });
    c.socket.setNoDelay(true);
    return c;
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(e);
    for (const d of this.drainWaiters.splice(0)) d();
  }

  private flush(): void {
    while (this.writeQueue.length > 0) {
      const head = this.writeQueue[0];
      const n = this.socket.write(head);
      if (n < head.length) {
        this.writeQueue[0] = head.subarray(Math.max(0, n));
        return;
      }
      this.writeQueue.shift();
    }
    for (const d of this.drainWaiters.splice(0)) d();
  }

  /** Bytes queued in this process, not yet accepted by the socket. */
  get queuedBytes(): number {
    let n = 0;
    for (const b of this.writeQueue) n += b.length;
    return n;
  }

  get inFlight(): number {
    return this.waiting.length;
  }

  /** Resolves when everything queued has been handed to the socket. */
  drained(): Promise<void> {
    if (this.writeQueue.length === 0 || this.closed) return Promise.resolve();
    return new Promise((r) => this.drainWaiters.push(r));
  }

  /**
   * Sends a ready frame; the promise gets its response frame. `expectResponse` false is for
   * acks=0 produce requests, which get none. The frame must not change until it was written.
   */
  sendFrame(frame: Uint8Array, expectResponse = true): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new Error("connection closed"));
    const p = expectResponse
      ? new Promise<Uint8Array>((resolve, reject) => this.waiting.push({ resolve, reject }))
      : Promise.resolve(new Uint8Array(0));
    if (this.writeQueue.length > 0) this.writeQueue.push(frame);
    else {
      const n = this.socket.write(frame);
      if (n < frame.length) this.writeQueue.push(frame.subarray(Math.max(0, n)));
    }
    return p;
  }

  /** Encodes, sends and decodes one request. */
  async request(api: ApiDef, version: number, body: unknown): Promise<any> {
    const frame = requestFrame(api, version, this.nextCorrelationId++, body);
    return decodeResponse(api, version, await this.sendFrame(frame));
  }

  close(): void {
    this.closed = true;
    this.socket.end();
  }
}

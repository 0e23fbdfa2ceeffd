/**
 * RawClient: the tests' raw Kafka connection, on the internal client's lowest layer
 * (src/client/socket.ts FrameSocket and src/client/frames.ts). It writes any bytes (malformed
 * frames included), collects every response frame in `frames`, notices the close, and `call()`
 * sends one request and decodes its response. Unlike BrokerConnection it negotiates nothing and
 * checks nothing, so tests can drive the broker with exactly the bytes they mean.
 */
import { decodeResponseFrame, encodeRequestFrame } from "../../src/client/frames.ts";
import { FrameSocket } from "../../src/client/socket.ts";
import type { ApiDef } from "../../src/protocol/schema.ts";

/** Large enough for any response a test provokes (the broker's own bounds are what is tested). */
const RAW_CLIENT_MAX_FRAME_BYTES = 512 * 1024 * 1024;
const RAW_CLIENT_CONNECT_TIMEOUT_MS = 10_000;

/** Encodes a full request frame (size + header + body). */
export function requestFrame(api: ApiDef, version: number, correlationId: number, body: unknown, clientId: string | null = "takhin-test"): Uint8Array {
  return encodeRequestFrame(api, version, correlationId, body, clientId);
}

export function decodeResponse(api: ApiDef, version: number, frame: Uint8Array): { correlationId: number; body: any } {
  return decodeResponseFrame(api, version, frame);
}

/** A raw TCP client: writes bytes, collects response frames, notices close. */
export class RawClient {
  frames: Uint8Array[] = [];
  closed = false;
  private waiters: (() => void)[] = [];
  private socket!: FrameSocket;

  static async connect(port: number): Promise<RawClient> {
    const c = new RawClient();
    c.socket = await FrameSocket.connect({
      host: "127.0.0.1",
      port,
      connectTimeoutMs: RAW_CLIENT_CONNECT_TIMEOUT_MS,
      maxFrameBytes: RAW_CLIENT_MAX_FRAME_BYTES,
      onFrame: (frame) => {
        c.frames.push(frame);
        c.wake();
      },
      onClose: () => {
        c.closed = true;
        c.wake();
      },
    });
    return c;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(bytes: Uint8Array): void {
    if (this.closed) return; // as a socket write after the peer closed: the bytes go nowhere
    this.socket.write(bytes);
  }

  /** Waits until `n` frames arrived or the socket closed, at most `timeoutMs`. */
  async waitFrames(n: number, timeoutMs = 5000): Promise<Uint8Array[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < n && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, Math.max(1, deadline - Date.now()));
      });
    }
    return this.frames;
  }

  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, Math.max(1, deadline - Date.now()));
      });
    }
    return this.closed;
  }

  /** Sends one request and decodes its response (response header v0 or v1 as the api dictates). */
  async call(api: ApiDef, version: number, body: unknown, correlationId = 1): Promise<any> {
    const before = this.frames.length;
    this.write(requestFrame(api, version, correlationId, body));
    const frames = await this.waitFrames(before + 1);
    if (frames.length <= before) throw new Error(`no response to ${api.name} v${version} (closed=${this.closed})`);
    return decodeResponse(api, version, frames[before]).body;
  }

  close(): void {
    this.socket.close();
  }
}

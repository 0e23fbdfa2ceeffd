/**
 * One TCP connection cut into size-prefixed frames: the lowest layer of the client. It writes bytes
 * (keeping what the kernel did not take until the socket drains, and counting it), hands each
 * complete response frame to `onFrame`, and reports the close once. No Kafka semantics here;
 * BrokerConnection adds correlation ids, and the test RawClient writes raw bytes through it.
 */
import { FrameAssembler } from "../protocol/frame-assembler.ts";
import { ConnectionError } from "./errors.ts";
import { CLIENT_MAX_RESPONSE_FRAME_BYTES } from "../limits.ts";

type BunSocket = Awaited<ReturnType<typeof Bun.connect>>;

export interface FrameSocketOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  maxFrameBytes?: number;
  onFrame(frame: Uint8Array): void;
  onClose(reason: Error | null): void;
}

export class FrameSocket {
  private socket: BunSocket | null = null;
  private readonly assembler: FrameAssembler;
  private readonly frames: Uint8Array[] = [];
  /** Bytes the kernel has not taken yet, in order. */
  private unsent: Uint8Array[] = [];
  private unsentBytes = 0;
  private closedFlag = false;
  private drainWaiters: (() => void)[] = [];

  private constructor(private readonly opts: FrameSocketOptions) {
    this.assembler = new FrameAssembler(opts.maxFrameBytes ?? CLIENT_MAX_RESPONSE_FRAME_BYTES);
  }

  /** Connects within `connectTimeoutMs`; rejects with ConnectionError. */
  static async connect(opts: FrameSocketOptions): Promise<FrameSocket> {
    const fs = new FrameSocket(opts);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut = false;
    const connecting = Bun.connect({
      hostname: opts.host,
      port: opts.port,
      socket: {
        data: (_s, data) => fs.onData(data),
        drain: () => fs.flush(),
        close: () => fs.finish(null),
        error: (_s, error) => fs.finish(error),
        connectError: (_s, error) => fs.finish(error),
      },
    });
    try {
      fs.socket = await Promise.race([
        connecting,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            timedOut = true;
            reject(new ConnectionError(`connect to ${opts.host}:${opts.port} timed out after ${opts.connectTimeoutMs} ms`));
          }, opts.connectTimeoutMs);
        }),
      ]);
    } catch (error) {
      // A connect that completes after the timeout is closed at once.
      if (timedOut) connecting.then((s) => s.end(), () => {});
      fs.closedFlag = true;
      if (error instanceof ConnectionError) throw error;
      throw new ConnectionError(`connect to ${opts.host}:${opts.port} failed: ${(error as Error)?.message ?? error}`);
    } finally {
      clearTimeout(timer);
    }
    if (fs.closedFlag) throw new ConnectionError(`connection to ${opts.host}:${opts.port} closed while connecting`);
    return fs;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Bytes written by the caller that the kernel has not taken yet. */
  get pendingWriteBytes(): number {
    return this.unsentBytes;
  }

  write(bytes: Uint8Array): void {
    if (this.closedFlag || this.socket === null) throw new ConnectionError("write on a closed connection");
    if (this.unsentBytes > 0) {
      this.unsent.push(bytes);
      this.unsentBytes += bytes.length;
      return;
    }
    const n = this.socket.write(bytes);
    if (n < bytes.length) {
      const rest = bytes.subarray(Math.max(0, n));
      this.unsent.push(rest);
      this.unsentBytes += rest.length;
    }
  }

  /** Resolves when every written byte went to the kernel (or the socket closed). */
  drained(): Promise<void> {
    if (this.unsentBytes === 0 || this.closedFlag) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private flush(): void {
    while (this.unsent.length > 0 && this.socket !== null && !this.closedFlag) {
      const head = this.unsent[0];
      const n = this.socket.write(head);
      if (n <= 0) return;
      this.unsentBytes -= n;
      if (n < head.length) {
        this.unsent[0] = head.subarray(n);
        return;
      }
      this.unsent.shift();
    }
    if (this.unsentBytes === 0) this.wakeDrain();
  }

  private wakeDrain(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  private onData(data: Uint8Array): void {
    try {
      this.assembler.push(data, this.frames);
    } catch (error) {
      // A bad size prefix: the stream cannot be resynchronised.
      this.close(new ConnectionError(`bad response framing: ${(error as Error).message}`));
      return;
    }
    while (this.frames.length > 0) {
      const frame = this.frames.shift()!;
      this.opts.onFrame(frame);
      if (this.closedFlag) return;
    }
  }

  private finish(error: Error | null): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.unsent = [];
    this.unsentBytes = 0;
    this.wakeDrain();
    this.opts.onClose(error);
  }

  /** Closes the socket; `onClose` runs once with `reason`. */
  close(reason: Error | null = null): void {
    const s = this.socket;
    this.finish(reason);
    s?.end();
  }
}

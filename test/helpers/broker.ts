/**
 * Test helpers: an in-process broker on a free port with its own temporary data directory, and a
 * raw Kafka client over a real socket that sends frames and reads responses by correlation id.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrokerConfig } from "../../src/config/config.ts";
import { codecFor, isFlexible } from "../../src/protocol/codec.ts";
import { FrameAssembler } from "../../src/protocol/frame-assembler.ts";
import { writeRequestHeader } from "../../src/protocol/header.ts";
import { Reader } from "../../src/protocol/reader.ts";
import type { ApiDef } from "../../src/protocol/schema.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { startBroker, type Broker, type StartOptions } from "../../src/server/broker.ts";
import { createLogger, type Logger } from "../../src/util/log.ts";

export interface TestBroker {
  broker: Broker;
  port: number;
  dataDir: string;
  bootstrap: string;
  logs: string[];
  stop(): Promise<void>;
}

/** A fresh directory under the run's temp folder (test/helpers/preload.ts removes it after the run). */
export function tempDir(prefix = "takhin-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Starts a broker on 127.0.0.1:0; its log lines are kept in `logs` (and printed with
 * TAKHIN_TEST_LOGS=1). `extra` passes further start options (e.g. test-sized group settings).
 */
export async function startTestBroker(
  overrides: Partial<BrokerConfig> = {},
  dataDir = tempDir(),
  extra: Pick<StartOptions, "groups" | "services" | "requestMetrics"> = {},
): Promise<TestBroker> {
  const logs: string[] = [];
  const log: Logger = createLogger({
    level: "debug",
    format: "text",
    sink: (line) => {
      if (logs.length < 20_000) logs.push(line);
      if (process.env.TAKHIN_TEST_LOGS) console.error(line);
    },
  });
  const broker = await startBroker({
    env: {},
    overrides: { host: "127.0.0.1", kafkaPort: 0, dataDir, ...overrides },
    log,
    ...extra,
  });
  return {
    broker,
    port: broker.kafkaPort,
    dataDir,
    bootstrap: `127.0.0.1:${broker.kafkaPort}`,
    logs,
    async stop() {
      await broker.stop(1000);
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Encodes a full request frame (size + header + body). */
export function requestFrame(api: ApiDef, version: number, correlationId: number, body: unknown, clientId: string | null = "takhin-test"): Uint8Array {
  const w = new Writer();
  w.int32(0);
  const flexible = isFlexible(api.request, version);
  writeRequestHeader(w, { apiKey: api.apiKey, apiVersion: version, correlationId, clientId }, flexible);
  codecFor(api.request, version).encode(w, body);
  const bytes = w.toBytes();
  new DataView(bytes.buffer, bytes.byteOffset).setInt32(0, bytes.length - 4);
  return bytes;
}

/** A raw TCP client: writes bytes, collects response frames, notices close. */
export class RawClient {
  private readonly assembler = new FrameAssembler();
  frames: Uint8Array[] = [];
  closed = false;
  private waiters: (() => void)[] = [];
  private socket!: Awaited<ReturnType<typeof Bun.connect>>;

  static async connect(port: number): Promise<RawClient> {
    const c = new RawClient();
    c.socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data: (_s, data) => c.onData(data),
        close: () => {
          c.closed = true;
          c.wake();
        },
        error: () => {
          c.closed = true;
          c.wake();
        },
      },
    });
    return c;
  }

  private onData(data: Uint8Array): void {
    this.assembler.push(data, this.frames);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(bytes: Uint8Array): void {
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
    this.socket.end();
  }
}

export function decodeResponse(api: ApiDef, version: number, frame: Uint8Array): { correlationId: number; body: any } {
  const r = new Reader(frame);
  const correlationId = r.int32();
  if (isFlexible(api.response, version) && api.apiKey !== 18) r.uvarint();
  const body = codecFor(api.response, version).decode(r);
  return { correlationId, body };
}

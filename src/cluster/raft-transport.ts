/**
 * The controller quorum's transport: its own TCP listener (the controller listener) and one
 * outbound connection per peer, carrying the frames of raft-wire.ts.
 *
 * Raft tolerates loss, so the transport never blocks or buffers without bound:
 *  - outbound: one bounded queue per peer (messages and bytes); when it is full the oldest message
 *    is dropped (Raft resends). While a peer is unreachable its queue keeps only the newest
 *    messages; connects retry with exponential backoff (backoffMinMs .. backoffMaxMs) and time out
 *    after connectTimeoutMs. A connection whose kernel buffer stays full (a slow or stopped peer)
 *    stops taking messages from the queue until it drains, so the queue bound holds.
 *  - inbound: a frame longer than maxFrameBytes, a first frame that is not a hello from a known
 *    voter of this cluster, or a frame that is not a well-formed message addressed to us closes
 *    the connection and is logged (warn) with the peer's address. Inbound connections beyond
 *    maxInboundConnections are refused.
 * Messages go out on our connection to the peer and come in on the peer's connection to us, so a
 * node's identity is checked once, by the hello.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { Message } from "../raft/types.ts";
import type { Logger } from "../util/log.ts";
import { decodeHello, decodeMessage, decodeRpc, encodeHello, encodeMessage, encodeRpc, isRpc, WireError } from "./raft-wire.ts";

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

export interface RaftTransportOptions {
  /** This node's Raft id. */
  readonly selfId: number;
  readonly clusterId: string;
  readonly listenHost: string;
  readonly listenPort: number;
  /** Raft id -> controller listener address of every other voter. */
  readonly peers: ReadonlyMap<number, PeerAddress>;
  readonly onMessage: (m: Message) => void;
  /** A controller RPC frame (controller-rpc.ts) from the voter `from` (Raft id). */
  readonly onRpc?: (from: number, body: Record<string, unknown>) => void;
  readonly log: Logger;
  readonly maxFrameBytes?: number;
  readonly maxQueuedMessages?: number;
  readonly maxQueuedBytes?: number;
  readonly connectTimeoutMs?: number;
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
  readonly maxInboundConnections?: number;
}

export const RAFT_TRANSPORT_DEFAULTS = {
  maxFrameBytes: 64 * 1024 * 1024,
  maxQueuedMessages: 1024,
  maxQueuedBytes: 64 * 1024 * 1024,
  connectTimeoutMs: 2000,
  backoffMinMs: 50,
  backoffMaxMs: 2000,
  maxInboundConnections: 64,
} as const;

function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}

/** Splits a byte stream into frames; refuses a frame longer than the bound. */
class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly maxFrameBytes: number) {}

  push(data: Buffer): Uint8Array[] {
    this.chunks.push(data);
    this.size += data.length;
    const out: Uint8Array[] = [];
    for (;;) {
      if (this.size < 4) break;
      const head = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [head];
      const len = head.readUInt32BE(0);
      if (len > this.maxFrameBytes) throw new WireError(`frame of ${len} bytes exceeds the limit of ${this.maxFrameBytes}`);
      if (head.length < 4 + len) break;
      out.push(new Uint8Array(head.subarray(4, 4 + len)));
      const rest = head.subarray(4 + len);
      this.chunks = rest.length ? [rest] : [];
      this.size = rest.length;
    }
    return out;
  }
}

class Peer {
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private socket: Socket | null = null;
  private connected = false;
  private writable = false;
  private backoffMs: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  dropped = 0;

  constructor(
    readonly id: number,
    readonly address: PeerAddress,
    private readonly t: Required<Omit<RaftTransportOptions, "peers" | "onMessage" | "onRpc">>,
  ) {
    this.backoffMs = t.backoffMinMs;
  }

  send(payload: Uint8Array): void {
    if (this.closed) return;
    const f = frame(payload);
    this.queue.push(f);
    this.queuedBytes += f.length;
    while (this.queue.length > this.t.maxQueuedMessages || (this.queuedBytes > this.t.maxQueuedBytes && this.queue.length > 1)) {
      this.queuedBytes -= this.queue.shift()!.length;
      this.dropped++;
    }
    if (!this.socket && !this.timer) this.connect();
    else this.flush();
  }

  private connect(): void {
    if (this.closed) return;
    const s = createConnection({
      host: this.address.host,
      port: this.address.port,
    });
    this.socket = s;
    s.setNoDelay(true);
    const timeout = setTimeout(() => s.destroy(new Error(`connect timed out after ${this.t.connectTimeoutMs} ms`)), this.t.connectTimeoutMs);
    s.on("connect", () => {
      clearTimeout(timeout);
      this.connected = true;
      this.writable = true;
      this.backoffMs = this.t.backoffMinMs;
      s.write(frame(encodeHello(this.t.selfId, this.t.clusterId)));
      this.flush();
    });
    s.on("drain", () => {
      this.writable = true;
      this.flush();
    });
    // Peers never answer on our outbound connection; anything read is ignored.
    s.on("data", () => {});
    s.on("error", () => {});
    s.on("close", () => {
      clearTimeout(timeout);
      if (this.socket === s) {
        this.socket = null;
        this.connected = false;
        this.writable = false;
        this.scheduleReconnect();
      }
    });
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.t.backoffMaxMs, this.backoffMs * 2);
    this.timer = setTimeout(() => {
      this.timer = null;
      // Reconnect only when there is something to say; the next send() connects otherwise.
      if (this.queue.length > 0) this.connect();
    }, delay);
  }

  private flush(): void {
    const s = this.socket;
    if (!s || !this.connected) return;
    while (this.writable && this.queue.length > 0) {
      const f = this.queue.shift()!;
      this.queuedBytes -= f.length;
      this.writable = s.write(f);
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.destroy();
    this.socket = null;
    this.queue = [];
    this.queuedBytes = 0;
  }
}

export class RaftTransport {
  private readonly opts: Required<Omit<RaftTransportOptions, "peers" | "onMessage" | "onRpc">>;
  private readonly peers = new Map<number, Peer>();
  private server: Server | null = null;
  private readonly inbound = new Set<Socket>();
  /** Inbound connections closed for garbage, for tests and metrics. */
  garbageDropped = 0;
  boundPort = 0;

  constructor(private readonly o: RaftTransportOptions) {
    this.opts = { ...RAFT_TRANSPORT_DEFAULTS, ...o } as Required<Omit<RaftTransportOptions, "peers" | "onMessage" | "onRpc">>;
    for (const [id, address] of o.peers) if (id !== o.selfId) this.peers.set(id, new Peer(id, address, this.opts));
  }

  async start(): Promise<number> {
    const server = createServer((s) => this.accept(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.listenPort, this.opts.listenHost, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const addr = server.address();
    this.boundPort = typeof addr === "object" && addr ? addr.port : this.opts.listenPort;
    return this.boundPort;
  }

  send(m: Message): void {
    const peer = this.peers.get(m.to);
    if (!peer) return;
    peer.send(encodeMessage(m));
  }

  /** Sends a controller RPC frame to the voter with Raft id `to` (dropped when unknown). */
  sendRpc(to: number, body: Record<string, unknown>): boolean {
    const peer = this.peers.get(to);
    if (!peer) return false;
    peer.send(encodeRpc(body));
    return true;
  }

  /** Messages dropped from full queues, by peer id. */
  droppedByPeer(): Map<number, number> {
    return new Map([...this.peers].map(([id, p]) => [id, p.dropped]));
  }

  private accept(s: Socket): void {
    if (this.inbound.size >= this.opts.maxInboundConnections) {
      this.opts.log.warn("controller listener: too many inbound connections; refused", {
        peer: `${s.remoteAddress}:${s.remotePort}`,
        limit: this.opts.maxInboundConnections,
      });
      s.destroy();
      return;
    }
    this.inbound.add(s);
    const reader = new FrameReader(this.opts.maxFrameBytes);
    let from = 0;
    const where = `${s.remoteAddress}:${s.remotePort}`;
    s.on("data", (data: Buffer) => {
      try {
        for (const payload of reader.push(data)) {
          if (from === 0) {
            const hello = decodeHello(payload);
            if (hello.clusterId !== this.opts.clusterId) throw new WireError(`hello from cluster ${hello.clusterId}, this is ${this.opts.clusterId}`);
            if (!this.peers.has(hello.raftId)) throw new WireError(`hello from raft id ${hello.raftId}, not a voter`);
            from = hello.raftId;
            continue;
          }
          if (isRpc(payload)) {
            this.o.onRpc?.(from, decodeRpc(payload));
            continue;
          }
          const m = decodeMessage(payload);
          if (m.from !== from || m.to !== this.opts.selfId) throw new WireError(`message ${m.from}->${m.to} on the connection of ${from} to ${this.opts.selfId}`);
          this.o.onMessage(m);
        }
      } catch (e) {
        if (!(e instanceof WireError)) {
          // A fault of ours while handling a well-formed message: logged, the connection dropped, the process kept.
          this.opts.log.error("controller listener: failed to handle a message", { peer: where, raftId: from || undefined, error: e });
          s.destroy();
          return;
        }
        this.garbageDropped++;
        this.opts.log.warn("controller listener: dropping a peer that sent garbage", { peer: where, raftId: from || undefined, reason: e.message });
        s.destroy();
      }
    });
    s.on("error", () => {});
    s.on("close", () => this.inbound.delete(s));
  }

  async close(): Promise<void> {
    for (const p of this.peers.values()) p.close();
    for (const s of this.inbound) s.destroy();
    this.inbound.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}

/**
 * A fault-injecting TCP proxy for the links between cluster nodes (test/cluster/faults).
 *
 * One FaultProxy listens on 127.0.0.1:<port> and forwards every accepted connection to one target.
 * Its mode decides what happens to the bytes, both directions of every connection it carries:
 *   pass       forward as they come
 *   delay      forward each chunk after `delayMs` (order kept)
 *   drop       close every connection at once, and every new one as soon as it is accepted
 *              (the peer sees connection resets / refusals: a crashed or firewalled-with-RST host)
 *   blackhole  keep connections open and swallow every byte, accept new connections and never
 *              connect them upstream (a cable pulled: the peer only notices by timeouts)
 * Changing the mode applies to the connections already open too (a blackholed connection stays
 * swallowing even if the mode goes back to pass; it is closed instead, so the peers reconnect).
 *
 * FaultNet holds one proxy per directed link between nodes: link "a->b" carries the connections
 * node a opens to node b (the controller quorum's transport sends a's messages to b on a's
 * connection, so a directed link is one direction of the conversation). `isolate(n)` cuts every
 * link from and to n, `partition(sideA, sideB)` every link across, `heal()` passes everything.
 *
 * Bounds: at most MAX_PROXY_CONNECTIONS connections per proxy (more are closed on accept); bytes
 * waiting to be written per direction are bounded by pausing the reading side above
 * MAX_PENDING_BYTES (node:net's pause/resume: backpressure instead of buffering), delayed chunks
 * count against the same bound.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

export type LinkMode = { kind: "pass" } | { kind: "delay"; delayMs: number } | { kind: "drop" } | { kind: "blackhole" };

export const PASS: LinkMode = { kind: "pass" };
export const DROP: LinkMode = { kind: "drop" };
export const BLACKHOLE: LinkMode = { kind: "blackhole" };
export const delay = (delayMs: number): LinkMode => ({ kind: "delay", delayMs });

export const MAX_PROXY_CONNECTIONS = 256;
export const MAX_PENDING_BYTES = 8 * 1024 * 1024;

interface Pair {
  client: Socket;
  upstream: Socket | null;
  /** Swallowing: accepted (or switched) while blackholed; never forwards again. */
  swallowing: boolean;
}

export class FaultProxy {
  private server: Server | null = null;
  private readonly pairs = new Set<Pair>();
  private modeValue: LinkMode = PASS;
  /** Connections accepted over the proxy's life (for tests of the proxy itself). */
  accepted = 0;

  private constructor(
    readonly name: string,
    readonly targetHost: string,
    readonly targetPort: number,
  ) {}

  /** Listens on 127.0.0.1:`port` (0: any free port; see `port`). */
  static async start(o: { name?: string; port?: number; targetHost?: string; targetPort: number }): Promise<FaultProxy> {
    const p = new FaultProxy(o.name ?? `proxy->${o.targetPort}`, o.targetHost ?? "127.0.0.1", o.targetPort);
    const server = createServer((s) => p.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port ?? 0, "127.0.0.1", () => resolve());
    });
    p.server = server;
    return p;
  }

  get port(): number {
    const a = this.server?.address();
    if (!a || typeof a === "string") throw new Error(`${this.name} is not listening`);
    return a.port;
  }

  get mode(): LinkMode {
    return this.modeValue;
  }

  get connections(): number {
    return this.pairs.size;
  }

  setMode(mode: LinkMode): void {
    const before = this.modeValue;
    this.modeValue = mode;
    for (const pair of [...this.pairs]) {
      if (mode.kind === "drop") this.close(pair);
      else if (mode.kind === "blackhole") pair.swallowing = true;
      // Leaving blackhole: the swallowed connections lost bytes mid-stream; close them so both ends reconnect cleanly.
      else if (before.kind === "blackhole" && pair.swallowing) this.close(pair);
    }
  }

  private accept(client: Socket): void {
    this.accepted++;
    client.on("error", () => {});
    if (this.modeValue.kind === "drop" || this.pairs.size >= MAX_PROXY_CONNECTIONS) {
      client.destroy();
      return;
    }
    const pair: Pair = { client, upstream: null, swallowing: this.modeValue.kind === "blackhole" };
    this.pairs.add(pair);
    client.on("close", () => this.close(pair));
    if (pair.swallowing) {
      client.on("data", () => {});
      return;
    }
    const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
    pair.upstream = upstream;
    upstream.on("error", () => {});
    upstream.on("close", () => this.close(pair));
    this.forward(pair, client, upstream);
    this.forward(pair, upstream, client);
  }

  /** Bytes from `from` to `to`, through the current mode, with backpressure. */
  private forward(pair: Pair, from: Socket, to: Socket): void {
    let pending = 0;
    let chain = Promise.resolve();
    const write = (chunk: Buffer) => {
      if (pair.swallowing || to.destroyed) return;
      if (!to.write(chunk)) {
        from.pause();
        to.once("drain", () => from.resume());
      }
    };
    from.on("data", (chunk: Buffer) => {
      if (pair.swallowing) return;
      const m = this.modeValue;
      if (m.kind !== "delay") return write(chunk);
      pending += chunk.length;
      if (pending > MAX_PENDING_BYTES) from.pause();
      const due = Date.now() + m.delayMs;
      // A chain keeps the order when the delay changes between chunks.
      chain = chain.then(async () => {
        const wait = due - Date.now();
        if (wait > 0) await Bun.sleep(wait);
        pending -= chunk.length;
        write(chunk);
        if (pending <= MAX_PENDING_BYTES && from.isPaused() && to.writableLength < MAX_PENDING_BYTES) from.resume();
      });
    });
  }

  private close(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream?.destroy();
  }

  async stop(): Promise<void> {
    for (const pair of [...this.pairs]) this.close(pair);
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** One proxy per directed link between `nodes` (ids), each towards `targetPortOf(to)`. */
export class FaultNet {
  private readonly links = new Map<string, FaultProxy>();

  private constructor(readonly nodes: readonly number[]) {}

  static async start(nodes: readonly number[], targetPortOf: (to: number) => number): Promise<FaultNet> {
    const net = new FaultNet(nodes);
    try {
      for (const from of nodes)
        for (const to of nodes) {
          if (from === to) continue;
          net.links.set(`${from}->${to}`, await FaultProxy.start({ name: `${from}->${to}`, targetPort: targetPortOf(to) }));
        }
    } catch (e) {
      await net.stop();
      throw e;
    }
    return net;
  }

  link(from: number, to: number): FaultProxy {
    const p = this.links.get(`${from}->${to}`);
    if (!p) throw new RangeError(`no link ${from}->${to}`);
    return p;
  }

  /** The address node `from` dials to reach node `to` (for LocalClusterOptions.peerAddress). */
  addressOf(from: number, to: number): { host: string; port: number } {
    return { host: "127.0.0.1", port: this.link(from, to).port };
  }

  set(from: number, to: number, mode: LinkMode): void {
    this.link(from, to).setMode(mode);
  }

  /** Every link between a node of `a` and a node of `b`, both directions. */
  partition(a: readonly number[], b: readonly number[], mode: LinkMode = BLACKHOLE): void {
    for (const x of a)
      for (const y of b) {
        if (x === y) continue;
        this.set(x, y, mode);
        this.set(y, x, mode);
      }
  }

  /** Every link from and to `node`. */
  isolate(node: number, mode: LinkMode = BLACKHOLE): void {
    this.partition(
      [node],
      this.nodes.filter((n) => n !== node),
      mode,
    );
  }

  heal(): void {
    for (const p of this.links.values()) p.setMode(PASS);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.links.values()].map((p) => p.stop()));
  }
}

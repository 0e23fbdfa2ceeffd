/**
 * The simulator's network: a virtual-time message queue that drops, duplicates, delays and
 * thereby reorders messages, and that can cut links (symmetrically or one way). Every random choice
 * comes from the simulator's seeded generator, so a run is a pure function of its seed.
 * The queue is bounded: beyond `maxQueuedMessages` new messages are dropped (as a full socket
 * buffer would).
 */
import type { SeededRandom } from "../../../src/raft/rand.ts";
import type { Message, NodeId } from "../../../src/raft/types.ts";

export interface NetworkOptions {
  /** Probability that a sent message is lost. */
  dropRate: number;
  /** Probability that a sent message is delivered twice. */
  duplicateRate: number;
  /** Each delivery happens 1..maxDelayTicks ticks after sending; different delays reorder messages. */
  maxDelayTicks: number;
  maxQueuedMessages: number;
}

export const DEFAULT_NETWORK: NetworkOptions = { dropRate: 0, duplicateRate: 0, maxDelayTicks: 1, maxQueuedMessages: 20_000 };

export class SimNetwork {
  opts: NetworkOptions;
  private readonly buckets = new Map<number, Message[]>();
  private queued = 0;
  /** Directed links that are cut, keyed from * 65536 + to. */
  private readonly cut = new Set<number>();
  sent = 0;
  dropped = 0;

  constructor(
    private readonly rng: SeededRandom,
    opts: Partial<NetworkOptions> = {},
  ) {
    this.opts = { ...DEFAULT_NETWORK, ...opts };
  }

  send(m: Message, now: number): void {
    this.sent++;
    if (this.rng.chance(this.opts.dropRate)) {
      this.dropped++;
      return;
    }
    const copies = this.rng.chance(this.opts.duplicateRate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      if (this.queued >= this.opts.maxQueuedMessages) {
        this.dropped++;
        return;
      }
      const at = now + 1 + this.rng.nextInt(Math.max(1, this.opts.maxDelayTicks));
      let bucket = this.buckets.get(at);
      if (!bucket) this.buckets.set(at, (bucket = []));
      bucket.push(m);
      this.queued++;
    }
  }

  /** Messages due at `now`, in random order, minus those on cut links. */
  takeDue(now: number): Message[] {
    const bucket = this.buckets.get(now);
    if (!bucket) return [];
    this.buckets.delete(now);
    this.queued -= bucket.length;
    for (let i = bucket.length - 1; i > 0; i--) {
      const j = this.rng.nextInt(i + 1);
      const t = bucket[i]!;
      bucket[i] = bucket[j]!;
      bucket[j] = t;
    }
    return bucket.filter((m) => !this.isCut(m.from, m.to));
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(from * 65536 + to);
  }

  cutOneWay(from: NodeId, to: NodeId): void {
    this.cut.add(from * 65536 + to);
  }

  cutBoth(a: NodeId, b: NodeId): void {
    this.cutOneWay(a, b);
    this.cutOneWay(b, a);
  }

  /** Isolate `id` from every node in `others` (both directions). */
  isolate(id: NodeId, others: readonly NodeId[]): void {
    for (const o of others) if (o !== id) this.cutBoth(id, o);
  }

  /** Reconnect `id` with every node in `others` (both directions). */
  reconnect(id: NodeId, others: readonly NodeId[]): void {
    for (const o of others) {
      this.cut.delete(id * 65536 + o);
      this.cut.delete(o * 65536 + id);
    }
  }

  /** Split into groups: links between different groups are cut, links inside a group restored. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    this.cut.clear();
    for (let g = 0; g < groups.length; g++) {
      for (let h = 0; h < groups.length; h++) {
        if (g === h) continue;
        for (const a of groups[g]!) for (const b of groups[h]!) this.cutOneWay(a, b);
      }
    }
  }

  healLinks(): void {
    this.cut.clear();
  }

  hasCuts(): boolean {
    return this.cut.size > 0;
  }

  queuedCount(): number {
    return this.queued;
  }
}

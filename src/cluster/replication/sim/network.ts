/**
 * The replication simulator's network: a virtual-time queue of messages between endpoints (brokers
 * 0..n-1, the controller, the clients). Each send may be dropped, duplicated, and is delivered
 * 1..maxDelayTicks ticks later, so different delays reorder messages. Links can be cut (one way);
 * a message on a cut link is lost at delivery time. Every choice comes from the seeded generator,
 * so delivery is a pure function of the seed. Bounded: beyond maxQueued a send is dropped, as a
 * full socket buffer would.
 */
import type { SeededRandom } from "../../../raft/rand.ts";

export interface NetOptions {
  dropRate: number;
  duplicateRate: number;
  maxDelayTicks: number;
  maxQueued: number;
}

export interface Envelope<M> {
  from: number;
  to: number;
  msg: M;
}

export class SimNet<M> {
  private readonly buckets = new Map<number, Envelope<M>[]>();
  private queued = 0;
  private readonly cut = new Set<number>();
  sent = 0;
  dropped = 0;

  constructor(
    private readonly rng: SeededRandom,
    public opts: NetOptions,
  ) {}

  send(from: number, to: number, msg: M, now: number): void {
    this.sent++;
    if (this.rng.chance(this.opts.dropRate)) {
      this.dropped++;
      return;
    }
    const copies = this.rng.chance(this.opts.duplicateRate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      if (this.queued >= this.opts.maxQueued) {
        this.dropped++;
        return;
      }
      const at = now + 1 + this.rng.nextInt(Math.max(1, this.opts.maxDelayTicks));
      let b = this.buckets.get(at);
      if (!b) this.buckets.set(at, (b = []));
      b.push({ from, to, msg });
      this.queued++;
    }
  }

  /** The messages due at `now`, shuffled, minus those on links cut now. */
  takeDue(now: number): Envelope<M>[] {
    const b = this.buckets.get(now);
    if (!b) return [];
    this.buckets.delete(now);
    this.queued -= b.length;
    for (let i = b.length - 1; i > 0; i--) {
      const j = this.rng.nextInt(i + 1);
      const t = b[i]!;
      b[i] = b[j]!;
      b[j] = t;
    }
    return b.filter((e) => !this.isCut(e.from, e.to));
  }

  isCut(from: number, to: number): boolean {
    return this.cut.has(from * 4096 + to);
  }
  cutBoth(a: number, b: number): void {
    this.cut.add(a * 4096 + b);
    this.cut.add(b * 4096 + a);
  }
  healAll(): void {
    this.cut.clear();
  }
  get cutLinks(): number {
    return this.cut.size;
  }
}

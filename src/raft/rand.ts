/**
 * The injected randomness of the Raft core. The core never calls Math.random: it draws election
 * timeouts from a RandomSource handed to it, so a seeded source makes a whole cluster replayable.
 * SeededRandom is a small, fast, well-mixed 32-bit generator (Mulberry32) good enough for jitter and
 * for the simulator's fault schedules; it is not for cryptography.
 */

export interface RandomSource {
  /** A uniformly distributed integer in [0, maxExclusive). */
  nextInt(maxExclusive: number): number;
}

export class SeededRandom implements RandomSource {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }

  nextInt(maxExclusive: number): number {
    if (maxExclusive <= 0) throw new RangeError(`nextInt bound must be positive, got ${maxExclusive}`);
    return Math.floor(this.nextFloat() * maxExclusive);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.nextFloat() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty list");
    return items[this.nextInt(items.length)]!;
  }

  /** An independent generator derived from this one (for per-node streams). */
  fork(salt: number): SeededRandom {
    return new SeededRandom((this.nextU32() ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0);
  }
}

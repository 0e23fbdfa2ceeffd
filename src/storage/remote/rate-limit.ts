/**
 * The uploader's bounds: a counting semaphore (uploads in flight at once; a partition that finds
 * no place tries again on the next pass, nothing queues) and a byte-rate limiter (a token bucket
 * refilled at bytesPerSecond, holding at most one second of tokens; one uploader per partition
 * waits on it, so at most maxConcurrentUploads wait).
 */

export class Semaphore {
  private inUse = 0;

  constructor(readonly permits: number) {}

  tryAcquire(): boolean {
    if (this.inUse >= this.permits) return false;
    this.inUse++;
    return true;
  }

  release(): void {
    if (this.inUse > 0) this.inUse--;
  }

  get available(): number {
    return this.permits - this.inUse;
  }
}

export class ByteRateLimiter {
  private tokens: number;
  private lastMs: number;

  constructor(
    readonly bytesPerSecond: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.tokens = bytesPerSecond;
    this.lastMs = clock();
  }

  /** Resolves once `bytes` may be sent (at once when unlimited). */
  async take(bytes: number): Promise<void> {
    if (!Number.isFinite(this.bytesPerSecond)) return;
    for (;;) {
      const now = this.clock();
      this.tokens = Math.min(this.bytesPerSecond, this.tokens + ((now - this.lastMs) * this.bytesPerSecond) / 1000);
      this.lastMs = now;
      // A transfer larger than the bucket goes once the bucket is full, leaving it in debt.
      if (this.tokens >= Math.min(bytes, this.bytesPerSecond)) {
        this.tokens -= bytes;
        return;
      }
      const waitMs = Math.ceil(((Math.min(bytes, this.bytesPerSecond) - this.tokens) * 1000) / this.bytesPerSecond);
      await Bun.sleep(Math.max(1, waitMs));
    }
  }
}

/**
 * The cleaner's IO throttle (log_cleaner_io_max_bytes_per_second, shared by every cleaner task) and
 * its yield to the event loop: take(bytes) returns after enough time has passed for the bytes read
 * and written so far to stay under the rate, and always lets other work (produce, fetch) run.
 */
export class IoThrottle {
  private windowStartMs: number;
  private windowBytes = 0;

  constructor(
    private maxBytesPerSecond: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.windowStartMs = this.clock();
  }

  setRate(maxBytesPerSecond: number): void {
    this.maxBytesPerSecond = maxBytesPerSecond;
  }

  async take(bytes: number): Promise<void> {
    this.windowBytes += bytes;
    const now = this.clock();
    if (!Number.isFinite(this.maxBytesPerSecond) || this.maxBytesPerSecond <= 0) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return;
    }
    const elapsedMs = now - this.windowStartMs;
    const dueMs = (this.windowBytes / this.maxBytesPerSecond) * 1000;
    if (elapsedMs > 1000 && dueMs <= elapsedMs) {
      // A fresh window every second or so keeps an idle spell from buying a later burst.
      this.windowStartMs = now;
      this.windowBytes = 0;
    }
    const waitMs = dueMs - elapsedMs;
    if (waitMs > 1) await Bun.sleep(waitMs);
    else await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

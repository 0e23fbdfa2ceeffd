/**
 * The broker-wide budget for request bytes held in memory (Kafka's queued.max.request.bytes).
 * A connection reserves a frame's declared size as soon as it has read the size prefix, before it
 * buffers the body; when the budget is spent it pauses until another frame's bytes are released.
 * A connection that holds a reservation is never paused for memory, so every reserved frame can
 * complete and release its bytes: no deadlock. One frame may exceed the budget alone when nothing
 * else is reserved, so a request up to socket.request.max.bytes is always served eventually.
 */
export class RequestMemory {
  private usedBytes = 0;
  private readonly waiting = new Set<() => void>();

  constructor(readonly limitBytes: number) {}

  get used(): number {
    return this.usedBytes;
  }

  tryReserve(sizeBytes: number): boolean {
    if (this.usedBytes > 0 && this.usedBytes + sizeBytes > this.limitBytes) return false;
    this.usedBytes += sizeBytes;
    return true;
  }

  release(sizeBytes: number): void {
    this.usedBytes -= sizeBytes;
    if (this.waiting.size === 0) return;
    const wake = [...this.waiting];
    this.waiting.clear();
    for (const w of wake) w();
  }

  /** Calls `retry` once the next time bytes are released. */
  waitForRoom(retry: () => void): void {
    this.waiting.add(retry);
  }

  forget(retry: () => void): void {
    this.waiting.delete(retry);
  }
}

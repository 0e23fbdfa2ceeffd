/**
 * Producer id allocation for idempotent producers. Ids are handed out from blocks the controller
 * grants (a ProducerIdsRecord in the metadata log per block, as Kafka's controller answers
 * AllocateProducerIds); a block is durable in the log before any id of it is used, so a crash can
 * skip ids but never hand one out twice.
 *
 * One node: the block comes from the LocalController synchronously (as before). A cluster: from
 * the active controller over the `allocateProducerIds` RPC (cluster/producer-id-blocks.ts); one
 * request is in flight at a time, the next block is fetched ahead once the current one is 90%
 * used, and a failed request (no controller, timeout) fails the waiting InitProducerIds —
 * the handler answers COORDINATOR_NOT_AVAILABLE and the client retries. An id is only ever taken
 * from a block the controller answered, so a lost answer skips ids and never duplicates one.
 */

/** Ids per block (Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE). */
export const PRODUCER_ID_BLOCK_SIZE = 1000n;

/** A block of ids [start, end). */
export interface ProducerIdBlock {
  start: bigint;
  end: bigint;
}

/** Where blocks come from: the local controller (synchronous) or the active controller (asynchronous). */
export type ProducerIdBlockSource = (blockSize: bigint) => ProducerIdBlock | Promise<ProducerIdBlock>;

/** Callers waiting for a block at most (further InitProducerIds fail at once with the pending error). */
const MAX_WAITERS = 10_000;

export class ProducerIdAllocator {
  private next = 0n;
  private blockEnd = 0n;
  private prefetched: ProducerIdBlock | null = null;
  private inFlight: Promise<void> | null = null;
  private waiters = 0;

  constructor(
    private readonly source: ProducerIdBlockSource,
    /** Fetch the next block before the current one runs out (the cluster; one node asks when it is used up). */
    private readonly prefetch = false,
    private readonly blockSize = PRODUCER_ID_BLOCK_SIZE,
  ) {}

  /** A fresh producer id; rejects when no block can be had now (the caller answers COORDINATOR_NOT_AVAILABLE). */
  async allocate(): Promise<bigint> {
    for (;;) {
      const id = this.take();
      if (id !== null) return id;
      if (this.waiters >= MAX_WAITERS) throw new Error("too many InitProducerId requests waiting for a producer id block");
      this.waiters++;
      try {
        await this.fetch();
      } finally {
        this.waiters--;
      }
    }
  }

  /** An id from the current (or prefetched) block, or null; starts a prefetch when the block runs low. */
  private take(): bigint | null {
    if (this.next >= this.blockEnd && this.prefetched) {
      this.next = this.prefetched.start;
      this.blockEnd = this.prefetched.end;
      this.prefetched = null;
    }
    if (this.next >= this.blockEnd) return null;
    const id = this.next++;
    const left = this.blockEnd - this.next;
    if (this.prefetch && !this.prefetched && !this.inFlight && left * 10n < this.blockSize) this.fetch().catch(() => {});
    return id;
  }

  /** One block request at a time; its block becomes `prefetched` (taken by the next `take`). */
  private fetch(): Promise<void> {
    if (this.prefetched) return Promise.resolve();
    this.inFlight ??= (async () => {
      try {
        const b = await this.source(this.blockSize);
        if (b.end <= b.start) throw new Error(`empty producer id block [${b.start}, ${b.end})`);
        this.prefetched = b;
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }
}

/**
 * Producer id allocation for idempotent producers. Ids are handed out from blocks the controller
 * grants (a ProducerIdsRecord in the metadata log per block, as Kafka's controller answers
 * AllocateProducerIds); a block is durable in the log before any id of it is used, so a crash can
 * skip ids but never hand one out twice.
 */
import type { LocalController } from "../metadata/controller.ts";

/** Ids per block (Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE). */
export const PRODUCER_ID_BLOCK_SIZE = 1000n;

export class ProducerIdAllocator {
  private next = 0n;
  private blockEnd = 0n;

  constructor(
    private readonly controller: LocalController,
    private readonly brokerId: number,
  ) {}

  allocate(): bigint {
    if (this.next >= this.blockEnd) {
      const { start, end } = this.controller.allocateProducerIds(this.brokerId, PRODUCER_ID_BLOCK_SIZE);
      this.next = start;
      this.blockEnd = end;
    }
    return this.next++;
  }
}

/**
 * The seam between the transaction coordinator (src/coordinator/txn, issue 16 items 1 and 3) and the
 * transactional data path (partitions, producer state, LSO, control batches; issue 16 item 2).
 *
 * Two directions:
 *  - the coordinator asks the data path to write COMMIT/ABORT control batches (markers) to every
 *    partition of a finished transaction — locally through the replica manager, remotely through
 *    WriteTxnMarkers (API 27) to the partition's leader: TxnMarkerWriter, built by the data path;
 *  - the produce path asks the coordinator whether a transactional batch's partition was added to
 *    the producer's ongoing transaction (Kafka's AddPartitionsToTxn; KIP-890 part 1 verification
 *    when the coordinator is on another node): TxnProduceVerifier, built by the coordinator.
 *
 * The service lifecycle (src/server/lifecycle.ts) wires one to the other; until a side is wired the
 * other sees null and answers the Kafka error it answered before transactions existed.
 */

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

/** One transaction's end, to be written as a control batch to each of its partitions. */
export interface TxnMarkerRequest {
  producerId: bigint;
  producerEpoch: number;
  /** The coordinator's epoch (the leader epoch of its __transaction_state partition), written in the marker. */
  coordinatorEpoch: number;
  result: "commit" | "abort";
  partitions: TopicPartitionRef[];
}

export interface TxnMarkerResult extends TopicPartitionRef {
  /** 0 when the marker is written and replicated (high watermark past it); else a Kafka error code. */
  errorCode: number;
}

export interface TxnMarkerWriter {
  /** Writes the marker to every partition; resolves once each is replicated or has failed. */
  writeMarkers(request: TxnMarkerRequest): Promise<TxnMarkerResult[]>;
}

export interface TxnProduceVerifier {
  /**
   * 0 when `topic`/`partition` is part of the ongoing transaction of `transactionalId` held by
   * `producerId` at `producerEpoch`; else the Kafka error code the Produce response carries for
   * that partition (INVALID_TXN_STATE, INVALID_PRODUCER_EPOCH / PRODUCER_FENCED,
   * NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, ...).
   */
  verifyPartition(transactionalId: string, producerId: bigint, producerEpoch: number, partition: TopicPartitionRef): Promise<number>;
}

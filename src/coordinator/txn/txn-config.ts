/** The transaction coordinator's settings (Kafka's transaction.* broker properties, README rows). */
import type { BrokerConfig } from "../../config/config.ts";

export interface TxnConfig {
  /** transaction.state.log.num.partitions: partitions of __transaction_state when it is created. */
  stateLogNumPartitions: number;
  /** transaction.state.log.replication.factor: replicas when a cluster creates it (at most the live brokers). */
  stateLogReplicationFactor: number;
  /** transaction.max.timeout.ms: a larger transaction timeout answers INVALID_TRANSACTION_TIMEOUT. */
  maxTimeoutMs: number;
  /** transactional.id.expiration.ms: an id with no transaction unused this long is removed. */
  idExpirationMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms: the timeout sweep's period. */
  abortTimedOutIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms: the expiry sweep's period. */
  removeExpiredIntervalMs: number;
  /** Pause before markers that failed with a retriable error are sent again. */
  markerRetryBackoffMs: number;
  /** How long a __transaction_state write waits for the in-sync replicas. */
  writeTimeoutMs: number;
}

export const DEFAULT_TXN_CONFIG: TxnConfig = {
  stateLogNumPartitions: 50,
  stateLogReplicationFactor: 3,
  maxTimeoutMs: 900_000,
  idExpirationMs: 604_800_000,
  abortTimedOutIntervalMs: 10_000,
  removeExpiredIntervalMs: 3_600_000,
  markerRetryBackoffMs: 100,
  writeTimeoutMs: 5_000,
};

export function txnConfigFrom(c: BrokerConfig): TxnConfig {
  return {
    ...DEFAULT_TXN_CONFIG,
    stateLogNumPartitions: c.transactionStateLogNumPartitions,
    stateLogReplicationFactor: c.transactionStateLogReplicationFactor,
    maxTimeoutMs: c.transactionMaxTimeoutMs,
    idExpirationMs: c.transactionalIdExpirationMs,
    abortTimedOutIntervalMs: c.transactionAbortTimedOutTransactionCleanupIntervalMs,
    removeExpiredIntervalMs: c.transactionRemoveExpiredTransactionCleanupIntervalMs,
  };
}

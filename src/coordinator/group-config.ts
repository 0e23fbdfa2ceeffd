/**
 * Group coordinator settings (Kafka's broker config names in comments) and the bounds on its
 * maps. Times are in milliseconds, as the names say. Tests pass smaller values through the
 * GroupService constructor (e.g. a 0-100 ms initial rebalance delay).
 */
import type { BrokerConfig } from "../config/config.ts";

export interface GroupConfig {
  /** group.min.session.timeout.ms: a JoinGroup asking for less gets INVALID_SESSION_TIMEOUT. */
  minSessionTimeoutMs: number;
  /** group.max.session.timeout.ms: a JoinGroup asking for more gets INVALID_SESSION_TIMEOUT. */
  maxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms: how long the first rebalance of an empty group waits for more members. */
  initialRebalanceDelayMs: number;
  /** group.max.size: members (plus members awaiting their id) one group holds at most. */
  maxMembersPerGroup: number;
  /** offsets.topic.num.partitions: partitions of __consumer_offsets when it is created. */
  offsetsTopicPartitions: number;
  /** offsets.topic.replication.factor: replicas of __consumer_offsets when a cluster creates it (at most the live brokers). */
  offsetsTopicReplicationFactor: number;
  /** offsets.retention.minutes, in ms: an empty group's offsets expire this long after their commit. */
  offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms: how often expired offsets are looked for. */
  offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes: longer commit metadata gets OFFSET_METADATA_TOO_LARGE. */
  offsetMetadataMaxBytes: number;
  /**
   * transaction.partition.verification.enable (KIP-890): a TxnOffsetCommit is first checked with
   * the transaction coordinator (the offsets partition must be in the producer's transaction).
   */
  transactionPartitionVerificationEnable: boolean;
}

export const DEFAULT_GROUP_CONFIG: Readonly<GroupConfig> = Object.freeze({
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 3000,
  maxMembersPerGroup: 10_000,
  offsetsTopicPartitions: 50,
  offsetsTopicReplicationFactor: 3,
  offsetsRetentionMs: 10080 * 60_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
  transactionPartitionVerificationEnable: true,
});

/** The group settings the broker's configuration carries (offsets.retention.minutes and the rest). */
export function groupConfigFrom(c: BrokerConfig): Partial<GroupConfig> {
  return {
    offsetsRetentionMs: c.offsetsRetentionMinutes * 60_000,
    offsetsTopicPartitions: c.offsetsTopicNumPartitions,
    offsetsTopicReplicationFactor: c.offsetsTopicReplicationFactor,
    initialRebalanceDelayMs: c.groupInitialRebalanceDelayMs,
    minSessionTimeoutMs: c.groupMinSessionTimeoutMs,
    maxSessionTimeoutMs: c.groupMaxSessionTimeoutMs,
    transactionPartitionVerificationEnable: c.transactionPartitionVerificationEnable,
  };
}

/** Groups one coordinator holds at most; a new group beyond it gets COORDINATOR_NOT_AVAILABLE. */
export const MAX_GROUPS = 100_000;
/** Committed partitions one group holds at most; a commit to one more gets INVALID_COMMIT_OFFSET_SIZE. */
export const MAX_OFFSETS_PER_GROUP = 1_000_000;
/** Producers with pending transactional offsets (TxnOffsetCommit before their marker) one coordinator holds at most; one more gets COORDINATOR_NOT_AVAILABLE. */
export const MAX_PENDING_TXN_PRODUCERS = 100_000;
/** Longest group id accepted (bytes of UTF-16 code units; Kafka has none but the string length). */
export const MAX_GROUP_ID_LENGTH = 32_767;
/** How often the coordinator's clock ticks to expire sessions and finish rebalances. */
export const GROUP_TICK_INTERVAL_MS = 50;
/** The internal topic holding offsets and group metadata. */
export const OFFSETS_TOPIC = "__consumer_offsets";

/**
 * Settings of KIP-848 consumer groups (Kafka's broker property names in comments) and the bounds
 * a client can grow. Times in milliseconds.
 */

export interface ConsumerGroupConfig {
  /** group.consumer.session.timeout.ms: a member not heard from for this long is fenced. */
  sessionTimeoutMs: number;
  /** group.consumer.heartbeat.interval.ms: how often members are told to heartbeat. */
  heartbeatIntervalMs: number;
  /** group.consumer.max.size: members one consumer group holds at most (GROUP_MAX_SIZE_REACHED beyond). */
  maxSize: number;
  /** group.consumer.assignors: the server-side assignors; the first is the default. */
  assignors: readonly string[];
}

export const DEFAULT_CONSUMER_GROUP_CONFIG: Readonly<ConsumerGroupConfig> = Object.freeze({
  sessionTimeoutMs: 45_000,
  heartbeatIntervalMs: 5_000,
  maxSize: 10_000,
  assignors: ["uniform", "range"],
});

/** Longest subscribed_topic_regex accepted (INVALID_REGULAR_EXPRESSION beyond). */
export const MAX_TOPIC_REGEX_LENGTH = 4096;
/** Topic names one member may subscribe to by name (INVALID_REQUEST beyond). */
export const MAX_SUBSCRIBED_TOPICS = 100_000;
/** Longest member id a client may choose (ConsumerGroupHeartbeat v1; INVALID_REQUEST beyond). */
export const MAX_MEMBER_ID_LENGTH = 1024;

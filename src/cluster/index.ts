/**
 * src/cluster: the partitions this node hosts and the semantics of reading and writing them.
 *
 *   replica-manager.ts   Kafka's ReplicaManager: Produce (acks, ISR check, topic policy, the acks=-1
 *                        wait) and Fetch (leader/epoch/offset checks, KIP-74, fetch.max.bytes,
 *                        LSO, the min_bytes/max_wait_ms wait), typed in domain terms: the Kafka
 *                        handlers, and later the HTTP proxy and the console, call it without a
 *                        Kafka request context.
 *   purgatory.ts         delayed operations (a produce waiting for the high watermark, a fetch
 *                        waiting for bytes) completed by events — append, high-watermark move,
 *                        leadership change, deletion — or their deadline (one timer heap), exactly
 *                        once; bounded by MAX_DELAYED_OPERATIONS and per-key watchers.
 *   partition.ts         one partition: appendAsLeader (the one append path, origin "client" or
 *                        "coordinator"), reads, timestamp lookups, its leader epoch and ISR size.
 *   batch-validator.ts   Kafka's LogValidator rules for one v2 batch, with per-record errors (KIP-467).
 *   producer-state.ts    idempotent-producer state of a partition (Kafka's ProducerStateManager).
 *   partition-manager.ts opens/closes partition logs as topics come and go; tells listeners (the
 *                        replica manager) of removed partitions and leadership changes.
 *   fetch-sessions.ts    incremental fetch sessions (KIP-227): the Fetch handler's bookkeeping.
 *   topics.ts, topic-config.ts, topic-admin.ts, broker-config.ts, meta-properties.ts,
 *   cluster-config.ts, metadata-quorum.ts, raft-transport.ts, raft-wire.ts
 *                        the catalogue, configs and the controller quorum (see their headers).
 *
 * Dependencies point down: cluster uses storage, protocol (codes, batch layout), compression and
 * util; nothing here imports src/server or src/coordinator. Request path: docs/architecture.md
 * ("the request path for Produce and Fetch").
 */
export { ReplicaManager } from "./replica-manager.ts";
export type {
  FetchOptions,
  FetchPartitionInput,
  FetchPartitionResult,
  ProduceOptions,
  ProducePartitionInput,
  ProducePartitionResult,
  ReplicaManagerOptions,
} from "./replica-manager.ts";
export { DelayedOperation, Purgatory } from "./purgatory.ts";
export { Partition, INITIAL_LEADER_EPOCH } from "./partition.ts";
export type { AppendAsLeaderOptions, AppendOrigin, ProduceResult, RecordError } from "./partition.ts";
export { PartitionManager } from "./partition-manager.ts";
export type { PartitionListener } from "./partition-manager.ts";

/**
 * The public API of the `takhin` package (`takhin` and `takhin/testing`): a Kafka-compatible broker
 * (or an N-node cluster) started inside a test suite. Under Bun it runs in-process; under Node
 * (vitest, jest) the same calls start it as a Bun child process and talk to it over stdin/stdout.
 * This file holds types only; src/embed/*.ts implements them for Bun and src/embed/node/index.mjs
 * for Node (test/embed checks both against these declarations).
 */

/** Kafka error codes by name (the protocol guide's list), e.g. ErrorCode.NOT_LEADER_OR_FOLLOWER = 6. */
export declare const ErrorCode: Readonly<Record<string, number>>;

export interface StartBrokerOptions {
  /** Where the data goes; default a fresh temporary directory, removed by stop(). A given one is kept. */
  dataDir?: string;
  /** Kafka port; default 0 (a free one). */
  port?: number;
  /** Address to bind and advertise; default 127.0.0.1. */
  host?: string;
  /** Broker log level; default "error" (TAKHIN_EMBED_LOGS=1 shows "info" and above). */
  logLevel?: "debug" | "info" | "warn" | "error";
  /**
   * Further configuration, by the README's keys (e.g. { num_partitions: 3, auto_create_topics_enable: false }).
   * Embedded defaults differ from `takhin` the server: every HTTP surface (Admin API, Schema Registry,
   * HTTP Proxy, console) is off unless its port is given here, group_initial_rebalance_delay_ms is 0
   * and offsets_topic_num_partitions is 1, so that tests are fast.
   */
  config?: Record<string, string | number | boolean>;
}

export interface StartClusterOptions extends Omit<StartBrokerOptions, "port"> {
  /** How long to wait for every node to be registered and a controller elected; default 60 000 ms. */
  readyTimeoutMs?: number;
}

export interface CreateTopicOptions {
  /** Default 1. */
  partitions?: number;
  /** Default 1 (a cluster: at most its size). */
  replicationFactor?: number;
  /** Topic configs by Kafka name, e.g. { "cleanup.policy": "compact" }. */
  configs?: Record<string, string>;
}

export interface RecordHeaderOut {
  key: string;
  value: Uint8Array | null;
}

export interface ReadRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeaderOut[];
}

export interface ReadRecordsOptions {
  /** One partition; default every partition. */
  partition?: number;
  /** Default the log start. */
  fromOffset?: bigint | number;
  /** Stop after this many records (in offset order per partition); default everything up to the high watermark when called. */
  maxRecords?: number;
}

export interface PartitionOffsets {
  partition: number;
  /** The log start offset. */
  earliest: bigint;
  /** The high watermark (the next offset a consumer would read at the end). */
  latest: bigint;
}

export interface GroupMember {
  memberId: string;
  clientId: string;
  /** The partitions of the member's assignment (consumer protocol). */
  assignment: { topic: string; partition: number }[];
}

export interface StableGroup {
  groupId: string;
  state: "Stable";
  protocol: string;
  members: GroupMember[];
}

export interface WaitForGroupOptions {
  /** Default 30 000 ms. */
  timeoutMs?: number;
  /** Also wait until the group has exactly this many members. */
  members?: number;
}

export interface Admin {
  createTopic(name: string, options?: CreateTopicOptions): Promise<void>;
  deleteTopic(name: string): Promise<void>;
  /** Waits until the group is Stable (and has `members` members, when given); returns it. */
  waitForGroupStable(groupId: string, options?: WaitForGroupOptions): Promise<StableGroup>;
  /** The records of a topic up to its high watermark at the time of the call (control batches left out). */
  readRecords(topic: string, options?: ReadRecordsOptions): Promise<ReadRecord[]>;
  /** Earliest and latest offsets of every partition of the topic, in partition order. */
  listOffsets(topic: string): Promise<PartitionOffsets[]>;
  /** The group's committed offsets by partition (-1 when none). */
  committedOffsets(groupId: string, topic: string): Promise<{ partition: number; offset: bigint }[]>;
}

export interface ProduceFaultOptions {
  /** The partition; default 0. */
  partition?: number;
  /** How many produces (one per partition per Produce request) fail; default 1. */
  count?: number;
  /** The Kafka error code answered (a number or a name); default NOT_LEADER_OR_FOLLOWER. */
  errorCode?: number | string;
  /**
   * Append the records first, then answer the error (a lost acknowledgement): the client retries a
   * write that is already in the log — what idempotent producers are for. Default false.
   */
  afterAppend?: boolean;
}

export interface RequestFaultFilter {
  /** The API by key or name ("Produce", "Fetch", "Metadata", "JoinGroup", ...); default every API. */
  api?: number | string;
  /** Only requests with this client id. */
  clientId?: string;
  /** How many requests; default 1 (Infinity: until cleared). */
  count?: number;
  /** Node id in a cluster; default every node. */
  nodeId?: number;
}

export interface PauseGroupOptions {
  /** Only this group (requests naming it); default every group. */
  groupId?: string;
  /**
   * What the coordinator answers meanwhile: COORDINATOR_LOAD_IN_PROGRESS (default: a coordinator
   * loading its state after a failover; clients retry in place) or NOT_COORDINATOR (it moved;
   * clients look the coordinator up again) or COORDINATOR_NOT_AVAILABLE.
   */
  errorCode?: number | string;
  /** Node id in a cluster; default every node. */
  nodeId?: number;
}

/** Deterministic faults for a test. Each call returns a function that clears that fault; clearAll() clears all. */
export interface Faults {
  /** The next `count` produces to the partition fail with `errorCode` (before or after appending). */
  failProduce(topic: string, options?: ProduceFaultOptions): Promise<() => Promise<void>>;
  /** The responses to the next `count` matching requests are held back `delayMs`. */
  delayResponses(delayMs: number, filter?: RequestFaultFilter): Promise<() => Promise<void>>;
  /** The next `count` matching requests close their connection instead of being answered. */
  dropConnection(filter?: RequestFaultFilter): Promise<() => Promise<void>>;
  /** Group coordinator requests (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, ...) answer `errorCode` until the returned resume() is called. */
  pauseGroupCoordinator(options?: PauseGroupOptions): Promise<() => Promise<void>>;
  /** Clears every fault set on this broker (or cluster). */
  clearAll(): Promise<void>;
}

export interface EmbeddedBroker {
  /** "host:port" for a client's brokers / bootstrap.servers. */
  readonly bootstrap: string;
  readonly host: string;
  readonly port: number;
  readonly nodeId: number;
  /** The data directory (temporary unless given; removed by stop()). */
  readonly dataDir: string;
  readonly admin: Admin;
  readonly faults: Faults;
  /** Stops the broker (in-flight requests get up to `graceMs`, default 1000) and removes a temporary data directory. */
  stop(graceMs?: number): Promise<void>;
}

export interface ClusterNodeHandle {
  readonly nodeId: number;
  readonly bootstrap: string;
  readonly port: number;
}

export interface EmbeddedCluster {
  /** Every node's "host:port", comma-separated. */
  readonly bootstrap: string;
  readonly nodes: readonly ClusterNodeHandle[];
  readonly admin: Admin;
  readonly faults: ClusterFaults;
  /** The node ids leading each partition of a topic, in partition order. */
  leaders(topic: string): Promise<number[]>;
  stop(graceMs?: number): Promise<void>;
}

export interface ClusterFaults extends Faults {
  /** Moves a partition's leadership to `toNodeId` (default: another in-sync replica); resolves with the new leader once every node knows it. */
  moveLeadership(topic: string, partition: number, toNodeId?: number): Promise<number>;
}

/** Starts one broker on a free port with a temporary data directory. `await startBroker()` is enough. */
export declare function startBroker(options?: StartBrokerOptions): Promise<EmbeddedBroker>;

/** Starts an N-node cluster (combined broker+controller nodes, a Raft metadata quorum) on free ports. */
export declare function startCluster(nodes: number, options?: StartClusterOptions): Promise<EmbeddedCluster>;

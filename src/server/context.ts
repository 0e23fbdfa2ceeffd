/** What a handler sees: the broker's services and the request's connection and header. */
import type { TieredStorage } from "../cluster/tiered-storage.ts";
import type { FetchSessionCache } from "../cluster/fetch-sessions.ts";
import type { PartitionManager } from "../cluster/partition-manager.ts";
import type { ReplicaManager } from "../cluster/replica-manager.ts";
import type { ReplicaMarkerWriter } from "../cluster/txn-marker-writer.ts";
import type { TopicRegistry } from "../cluster/topics.ts";
import type { MetadataQuorum } from "../cluster/metadata-quorum.ts";
import type { LocalController } from "../metadata/controller.ts";
import type { ProducerIdAllocator } from "../coordinator/producer-ids.ts";
import type { GroupService } from "../coordinator/group-service.ts";
import type { TxnCoordinator } from "../coordinator/txn/txn-coordinator.ts";
import type { BrokerConfig } from "../config/config.ts";
import type { Logger } from "../util/log.ts";
import type { ApiDef } from "../protocol/schema.ts";
import type { MiddlewareChain, RequestMetrics } from "./middleware.ts";
import type { HandlerRegistry } from "./registry.ts";
import type { RequestMemory } from "./request-memory.ts";
import type { KafkaPrincipal } from "../security/principal.ts";
import type { Authorizer } from "../security/authorizer.ts";
import type { SecurityProtocol } from "../security/listeners.ts";
import type { SecurityContext } from "../security/security-context.ts";

/** A client listener: its name and protocol, where it binds, and the endpoint clients are told. */
export interface ListenerEndpoint {
  readonly name: string;
  readonly securityProtocol: SecurityProtocol;
  readonly bindHost: string;
  /** As configured; 0 picks a free port. */
  readonly bindPort: number;
  advertisedHost: string;
  /** The advertised port; 0 in advertised_listeners means the bound port (filled in at bind). */
  advertisedPort: number;
}

export interface BrokerContext {
  config: BrokerConfig;
  log: Logger;
  clusterId: string;
  nodeId: number;
  /** Host and port clients are told to connect to (the main listener's; `listeners` has each one's). */
  advertisedHost: string;
  advertisedPort: number;
  /** Every client listener, the main one (inter-broker in a cluster, else the first) first. */
  listeners: ListenerEndpoint[];
  /** SASL mechanisms, failed-login tracking and TLS (src/security/security-context.ts). */
  security: SecurityContext;
  registry: HandlerRegistry;
  /** What every request passes through before its handler (middleware.ts). */
  middleware: MiddlewareChain;
  /** Request counts and latency by API, when startBroker's requestMetrics is on; else null. */
  metrics: RequestMetrics | null;
  /** Broker-wide budget for request bytes held in memory (queued.max.request.bytes). */
  requestMemory: RequestMemory;
  topics: TopicRegistry;
  /** The metadata controller and its image (src/metadata). */
  metadata: LocalController;
  /** The Raft metadata quorum in a cluster (DescribeQuorum reads it); null for one node. */
  quorum: MetadataQuorum | null;
  partitions: PartitionManager;
  /** Produce and Fetch semantics (acks, waits, limits) over the partitions. */
  replicas: ReplicaManager;
  /** Tiered storage (src/storage/remote, cluster/tiered-storage.ts) when remote_storage_bucket is set; else undefined. */
  tiered?: TieredStorage;
  /**
   * Writes transaction markers (the data path's TxnMarkerWriter, txn-contract.ts): the transaction
   * coordinator calls writeMarkers; the WriteTxnMarkers handler calls writeLocal.
   */
  txnMarkers: ReplicaMarkerWriter;
  fetchSessions: FetchSessionCache;
  producerIds: ProducerIdAllocator;
  /** The group coordinator (consumer groups, committed offsets in __consumer_offsets). */
  groups: GroupService;
  /** ACL decisions over the metadata image (src/security/authorizer.ts); allows all when authorizer_enabled is off. */
  authorizer: Authorizer;
  /** The transaction coordinator (transactional ids in __transaction_state, src/coordinator/txn). */
  txn: TxnCoordinator;
}

export interface ConnectionInfo {
  id: number;
  remoteAddress: string;
  /**
   * Who the connection's requests come from: User:ANONYMOUS until authentication sets it
   * (src/security/principal.ts); the authoriser decides on it.
   */
  principal: KafkaPrincipal;
  /** The listener the connection came in on; absent for requests made inside the broker (the main listener). */
  listenerName?: string;
  securityProtocol?: SecurityProtocol;
  /**
   * Client quotas (KIP-219): no further request is read from this connection before this time
   * (Date.now() ms); set by src/security/quota-enforcement.ts when a request went over its quota.
   */
  mutedUntilMs?: number;
}

export interface RequestContext {
  broker: BrokerContext;
  connection: ConnectionInfo;
  /** The API of the request (its schemas and name). */
  api: ApiDef;
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/**
 * The broker's composition root: which services make up a Takhin node, in which order they start,
 * and what each owns. Every part is a named Service (lifecycle.ts) with its own health, port and
 * shutdown; a ServiceHost starts them in dependency order and stops them in reverse:
 *
 *   storage            the data directory's lock (.lock) and identity (meta.properties)
 *   metadata           the metadata log and image (src/metadata), topics, producer-id blocks
 *   partitions         partition logs (src/storage via cluster/partition-manager), fetch sessions
 *   replica-manager    Produce/Fetch semantics and the purgatory of waiting requests
 *   group-coordinator  consumer groups and committed offsets
 *   txn-coordinator    transactional ids in __transaction_state, markers, timeouts (src/coordinator/txn)
 *   kafka-listener     Bun.listen, connections, the request middleware chain, the handlers
 *   broker-registration  this node's endpoint in the metadata (needs the bound port)
 *
 * A new part (the Admin API, Schema Registry, HTTP proxy, console) is one more `host.add(...)`
 * naming what it depends on, or, from outside, `startBroker({ services: (ctx) => [...] })`.
 *
 * Embeddable: `startBroker({ overrides: { kafkaPort: 0, dataDir } })` starts one in-process on a
 * free port, `stop()` ends it. A part that fails to start stops the ones before it and the call
 * throws a ServiceStartError naming it.
 */
import { CorruptionHealer } from "../cluster/replication/corruption-healer.ts";
import { appliedGroupConfig } from "../cluster/group-config-resource.ts";
import { join } from "node:path";
import { ReplicaMarkerWriter } from "../cluster/txn-marker-writer.ts";
import { clusterConfigOf, type ClusterConfig } from "../cluster/cluster-config.ts";
import { SECURITY_PROTOCOL_ID, usesTls } from "../security/listeners.ts";
import { createSecurityContext } from "../security/security-context.ts";
import { scramCredentialOf } from "../security/scram-credentials.ts";
import { TlsContext } from "../security/tls.ts";
import { addCurrentLeaderFields } from "./current-leader.ts";
import { startLeaderRebalance, type LeaderRebalanceOptions } from "../cluster/leader-rebalance.ts";
import { ClusterNode, clusterIdOf } from "../cluster/cluster-node.ts";
import { RAFT_DIR } from "../cluster/metadata-quorum.ts";
import { loadOrCreateMetaProperties } from "../cluster/meta-properties.ts";
import { FetchSessionCache } from "../cluster/fetch-sessions.ts";
import { watchBrokerConfigs } from "../cluster/broker-config.ts";
import { PartitionManager } from "../cluster/partition-manager.ts";
import { ReplicaManager } from "../cluster/replica-manager.ts";
import { ReplicationManager } from "../cluster/replication/replication-manager.ts";
import { replicationOptionsOf, type ReplicationStartOptions } from "../cluster/replication/options.ts";
import { TopicRegistry } from "../cluster/topics.ts";
import { TieredStorage, type TieredStorageDeps } from "../cluster/tiered-storage.ts";
import { validateTopicConfigs } from "../cluster/topic-config.ts";
import { openMetadata } from "../metadata/open.ts";
import { ProducerIdAllocator } from "../coordinator/producer-ids.ts";
import { requestProducerIdBlock } from "../cluster/producer-id-blocks.ts";
import { GroupService } from "../coordinator/group-service.ts";
import { groupConfigFrom, OFFSETS_TOPIC, type GroupConfig } from "../coordinator/group-config.ts";
import { createTopicOnController } from "../cluster/internal-topic-create.ts";
import { TxnCoordinator } from "../coordinator/txn/txn-coordinator.ts";
import { txnConfigFrom, type TxnConfig } from "../coordinator/txn/txn-config.ts";
import { TRANSACTION_STATE_TOPIC } from "../coordinator/txn/txn-log.ts";
import { REMOTE_LOG_METADATA_TOPIC } from "../cluster/remote-log-metadata-topic.ts";
import { TxnPeers } from "../coordinator/txn/txn-peers.ts";
import { liveBrokers } from "../metadata/brokers.ts";
import { ConfigError, loadConfig, type BrokerConfig, type LoadOptions } from "../config/config.ts";
import { createLogger, type Logger } from "../util/log.ts";
import type { BrokerContext, ListenerEndpoint } from "./context.ts";
import { lockDataDir, type DataDirLock } from "./data-dir-lock.ts";
import { registerHandlers } from "./handlers/index.ts";
import { KafkaListener } from "./kafka-listener.ts";
import { OperatorError, ServiceHost, type Service, type ServiceStatus } from "./lifecycle.ts";
import { MiddlewareChain, RequestMetrics, requestLogging } from "./middleware.ts";
import { quotaEnforcement } from "../security/quota-enforcement.ts";
import { HandlerRegistry } from "./registry.ts";
import { RequestMemory } from "./request-memory.ts";
import { authorizerFromConfig } from "../security/authorizer.ts";
import { aclEnforcement } from "../security/acl-enforcement.ts";
import { ADMIN_API_SERVICE, AdminApiService } from "../admin/admin-api.ts";
import { schemaRegistryEndpoint, SchemaRegistryService, SCHEMA_REGISTRY_SERVICE } from "../schema-registry/service.ts";
import { HttpProxyService } from "../http-proxy/service.ts";
import { ConsoleService } from "../console/service.ts";

export interface Broker {
  readonly config: BrokerConfig;
  readonly context: BrokerContext;
  /** The port actually bound (differs from config when it asked for 0). */
  readonly kafkaPort: number;
  readonly connectionCount: number;
  /** The services of this node, started in dependency order. */
  readonly services: ServiceHost;
  /** Every service's name, health (starting/ready/failed/stopped) and port. */
  health(): ServiceStatus[];
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes everything. */
  stop(graceMs?: number): Promise<void>;
  /** Reads the TLS files and the JWKS again (SIGHUP); false when a file was invalid (the old ones stay). */
  reloadSecurity(reason: string): boolean;
}

export interface StartOptions extends LoadOptions {
  /** A ready configuration, skipping env and file loading. */
  config?: BrokerConfig;
  log?: Logger;
  /** Group coordinator settings (tests shorten the initial rebalance delay and session bounds). */
  groups?: Partial<GroupConfig>;
  /** Transaction coordinator settings (tests shorten the sweeps and the marker retry backoff). */
  txn?: Partial<TxnConfig>;
  /**
   * Count requests and latency by API in memory (RequestMetrics, `context.metrics`); off by
   * default. The Admin API service turns it on when it lands (it is what reads the figures).
   */
  requestMetrics?: boolean;
  /** Automatic preferred-leader election (cluster/leader-rebalance.ts; Kafka's defaults: on, every 300 s). */
  leaderRebalance?: LeaderRebalanceOptions;
  /** Partition replication in a cluster (tests lower the lag time); see cluster/replication/options.ts. */
  replication?: ReplicationStartOptions;
  /** How long a cluster node's controlled shutdown may take before it stops anyway (default 5000 ms; embedded clusters, stopped whole, take less). */
  controlledShutdownTimeoutMs?: number;
  /** Tiered storage's periods and bounds (tests and the bench; cluster/tiered-storage.ts). */
  tiered?: TieredStorageDeps["tuning"];
  /** Further services (embedders, tests), started after the broker's own, in the order given. */
  services?: (context: BrokerContext) => Service[];
}

/**
 * The client listeners with their protocols and advertised endpoints (cluster-config.ts), the main
 * one first. Without `listeners` this is PLAINTEXT on host/kafka_port advertised as advertised_host.
 */
function listenerEndpointsOf(cluster: ClusterConfig, config: BrokerConfig): ListenerEndpoint[] {
  const main = cluster.kafkaListener!;
  const ordered = [main, ...cluster.clientListeners.filter((l) => l.name !== main.name)];
  return ordered.map((l) => {
    const adv = cluster.advertisedListeners.find((a) => a.name === l.name)!;
    const defaultListener = cluster.standalone && config.listeners === null;
    return {
      name: l.name,
      securityProtocol: cluster.securityProtocols.get(l.name)!,
      bindHost: defaultListener ? config.host : l.host === "" ? "0.0.0.0" : l.host,
      bindPort: l.port,
      advertisedHost: defaultListener ? config.advertisedHost : adv.host,
      advertisedPort: adv.port,
    };
  });
}

export async function startBroker(opts: StartOptions = {}): Promise<Broker> {
  const startedAt = performance.now();
  const config = opts.config ?? loadConfig(opts);
  // The cluster keys are checked against each other before anything starts (ConfigError names the key).
  const cluster = clusterConfigOf(config);
  if (!cluster.standalone) {
    if (!cluster.roles.has("broker") || !cluster.roles.has("controller")) {
      throw new ConfigError(`process_roles: only combined nodes (broker,controller) are available yet, got ${config.processRoles} (docs/cluster.md)`);
    }
    // The inter-broker listener takes the place of host/kafka_port (cluster-config.ts).
    const kl = cluster.kafkaListener!;
    config.host = kl.host === "" ? "0.0.0.0" : kl.host;
    config.kafkaPort = kl.port;
    config.advertisedHost = cluster.advertisedListeners.find((l) => l.name === kl.name)!.host;
  }
  const listeners = listenerEndpointsOf(cluster, config);
  // SASL mechanisms and TLS files are checked before anything starts (ConfigError names the key).
  const security = createSecurityContext(config, (code, user) => scramCredentialOf(context.metadata.image, code, user));
  let clusterNode: ClusterNode | null = null;
  let rebalance: { stop(): void } | null = null;
  const log = opts.log ?? createLogger({ level: config.logLevel, format: config.logFormat });
  if (listeners.some((l) => usesTls(l.securityProtocol))) {
    security.tls = new TlsContext(config, log.child({ component: "tls" }));
    security.tls.watch();
  }
  const registry = new HandlerRegistry();
  registerHandlers(registry);
  const middleware = new MiddlewareChain();
  const metrics = opts.requestMetrics ? new RequestMetrics() : null;
  if (metrics) middleware.use(metrics);
  if (config.logLevel === "debug") middleware.use(requestLogging({ log }));
  // Only when authorisation is on: a broker without it pays nothing per request.
  if (config.authorizerEnabled) middleware.use(aclEnforcement());
  // Client quotas: a map-size check per Produce/Fetch while none is set.
  middleware.use(quotaEnforcement({ samples: config.quotaWindowNum, sampleWindowMs: config.quotaWindowSizeSeconds * 1000 }));

  // Filled in by the services below as they start; handlers only run once all are ready.
  const context = {
    config,
    log,
    nodeId: config.nodeId,
    advertisedHost: listeners[0]!.advertisedHost,
    advertisedPort: listeners[0]!.advertisedPort,
    listeners,
    security,
    registry,
    middleware,
    metrics,
    requestMemory: new RequestMemory(config.queuedMaxRequestBytes),
  } as BrokerContext;
  context.authorizer = authorizerFromConfig(config, () => context.metadata.image);

  const host = new ServiceHost(log);
  let lock: DataDirLock | null = null;
  host.add({
    name: "storage",
    start() {
      lock = lockDataDir(config.dataDir);
      try {
        const meta = loadOrCreateMetaProperties(config.dataDir, config.nodeId, cluster.standalone ? undefined : clusterIdOf(cluster));
        context.clusterId = meta.clusterId;
        context.nodeId = meta.nodeId;
      } catch (e) {
        // A node id that does not match the data directory, a malformed meta.properties: the message says which.
        throw new OperatorError((e as Error).message, { cause: e });
      }
    },
    stop() {
      lock?.release();
      lock = null;
    },
  });
  host.add({
    name: "metadata",
    dependsOn: ["storage"],
    async start() {
      if (!cluster.standalone) {
        // A cluster: the metadata log is the Raft quorum's (cluster/cluster-node.ts).
        clusterNode = await ClusterNode.start({ config, cluster, clusterId: context.clusterId, dir: join(config.dataDir, RAFT_DIR), log });
        clusterNode.wrapAdminHandlers(registry);
        addCurrentLeaderFields(registry);
        clusterNode.setBroker(context);
        context.metadata = clusterNode.controller;
        context.quorum = clusterNode.quorum;
        context.topics = new TopicRegistry(clusterNode.controller);
        const node = clusterNode;
        const brokerEpoch = () => node.controller.image.brokers.get(context.nodeId)?.epoch ?? -1n;
        context.producerIds = new ProducerIdAllocator(() => requestProducerIdBlock((k, b) => node.call(k, b), context.nodeId, brokerEpoch), true);
        rebalance = startLeaderRebalance({ metadata: context.metadata, quorum: context.quorum, log, ...opts.leaderRebalance });
        return;
      }
      const metadata = openMetadata(config.dataDir, context.nodeId, {
        checkTopicConfigs: (c) => validateTopicConfigs(c),
        onError: (message, error) => log.error(message, { error }),
      });
      if (metadata.upgradedFrom.length > 0) log.info("catalogue files converted into the metadata log", { files: metadata.upgradedFrom });
      if (metadata.recovery.truncatedBytes > 0) log.warn("metadata log: torn tail cut", { ...metadata.recovery });
      context.metadata = metadata.controller;
      context.quorum = null;
      context.topics = new TopicRegistry(metadata.controller);
      context.producerIds = new ProducerIdAllocator((size) => metadata.controller.allocateProducerIds(context.nodeId, size));
      rebalance = startLeaderRebalance({ metadata: context.metadata, quorum: null, log, ...opts.leaderRebalance });
    },
    async stop() {
      rebalance?.stop();
      if (clusterNode) await clusterNode.close();
      else context.metadata.close();
    },
  });
  host.add({
    name: "partitions",
    dependsOn: ["metadata"],
    start() {
      const fetchSessions = new FetchSessionCache();
      context.fetchSessions = fetchSessions;
      context.partitions = new PartitionManager(
        config,
        context.topics,
        log,
        (t) => {
          fetchSessions.forgetTopic(t.name);
          fetchSessions.forgetTopic(t.id);
        },
        clusterNode !== null,
      );
      // Dynamic broker defaults (BROKER "" and "<node id>") apply to the partitions at once.
      watchBrokerConfigs(context.metadata, context.nodeId, () => context.partitions.brokerDefaultsChanged());
      // In a cluster a broker serves the partitions it leads; the others answer NOT_LEADER_OR_FOLLOWER.
      // Not before the image holds this incarnation's registration (cluster-node.ts registeredIn).
      if (clusterNode) context.partitions.hostFilter = (topic, p) => context.topics.partition(topic, p)?.leader === context.nodeId && clusterNode!.registeredIn();
    },
    stop() {
      context.partitions.close();
    },
  });
  host.add({
    name: "replica-manager",
    dependsOn: ["partitions"],
    start() {
      context.replicas = new ReplicaManager(context.partitions, context.topics, { log, socketRequestMaxBytes: config.socketRequestMaxBytes });
      context.replicas.txnVerificationEnabled = config.transactionPartitionVerificationEnable;
      // Transaction markers go through the replica manager (txn-contract.ts: the coordinator's TxnMarkerWriter).
      context.txnMarkers = new ReplicaMarkerWriter(() => context.replicas);
    },
    // Waiting fetches and acks=all produces answer now rather than at their timeouts.
    quiesce() {
      context.replicas.close();
    },
    stop() {},
  });
  let replication: ReplicationManager | null = null;
  let healer: CorruptionHealer | null = null;
  if (!cluster.standalone) {
    const replicationOptions = replicationOptionsOf(opts.replication, opts.env ?? process.env);
    host.add({
      name: "replication",
      dependsOn: ["replica-manager"],
      start() {
        const node = clusterNode!;
        replication = new ReplicationManager({
          nodeId: context.nodeId,
          partitions: context.partitions,
          topics: context.topics,
          image: () => node.controller.image,
          interBrokerListener: cluster.interBrokerListenerName,
          replicaLagTimeMaxMs: replicationOptions.replicaLagTimeMaxMs,
          controllerCall: (kind, body) => node.call(kind, body),
          registered: () => node.registeredIn(),
          log: log.child({ component: "replication" }),
        });
        context.replicas.onFollowerFetch = (p, id, epoch) => replication?.followerFetched(p, id, epoch);
        replication.start();
        healer = new CorruptionHealer({ nodeId: context.nodeId, partitions: context.partitions, topics: context.topics, controllerCall: (kind, body) => node.call(kind, body), log: log.child({ component: "replication" }) });
        node.onRegistrationApplied(() => {
          replication?.reconcileAll();
          // Waiting produces and fetches see the partitions it now leads.
          for (const t of context.topics.list()) for (const p of context.partitions.partitionsOf(t.name)) if (p) context.replicas.partitionChanged(p);
        });
      },
      async stop() {
        healer?.close();
        await replication?.close();
      },
    });
  }
  host.add({
    name: "group-coordinator",
    dependsOn: ["partitions"],
    start() {
      const node = clusterNode;
      // A cluster: __consumer_offsets is created through the active controller (CreateTopics, forwarded when another node is it).
      const cluster = node && {
        nodeId: context.nodeId,
        liveBrokerCount: () => liveBrokers(context.metadata.image).length,
        createOffsetsTopic: (partitions: number, replicationFactor: number, configs: Record<string, string>) => createTopicOnController(node, OFFSETS_TOPIC, partitions, replicationFactor, configs),
      };
      // TxnOffsetCommit asks the transaction coordinator through the same verifier as the produce path (KIP-890).
      const txnVerifier = () => context.replicas?.txnVerifier ?? null;
      context.groups = new GroupService({ topics: context.topics, partitions: context.partitions, log, txnVerifier, groupOverrides: (groupId) => appliedGroupConfig(context.metadata.image, groupId), ...(cluster ? { cluster } : {}) }, { ...groupConfigFrom(config), ...opts.groups }, {
        sessionTimeoutMs: config.groupConsumerSessionTimeoutMs,
        heartbeatIntervalMs: config.groupConsumerHeartbeatIntervalMs,
      });
      context.groups.start();
    },
    // Pending JoinGroup/SyncGroup answers go out now (NOT_COORDINATOR) rather than holding up the drain.
    quiesce() {
      context.groups.close();
    },
    stop() {
      context.groups.close();
    },
  });
  let txnPeers: TxnPeers | null = null;
  host.add({
    name: "txn-coordinator",
    dependsOn: ["replica-manager", "group-coordinator"],
    start() {
      const node = clusterNode;
      // A cluster: markers to other leaders (WriteTxnMarkers) and verification at other coordinators (AddPartitionsToTxn v4+).
      txnPeers = node && new TxnPeers({ nodeId: context.nodeId, image: () => node.controller.image, topics: context.topics, interBrokerListener: cluster.interBrokerListenerName, log: log.child({ component: "txn-peers" }) });
      const peers = txnPeers;
      if (peers) context.txnMarkers.remote = peers;
      const txnCluster = node && {
        liveBrokerCount: () => liveBrokers(context.metadata.image).length,
        createTopic: (partitions: number, replicationFactor: number, configs: Record<string, string>) => createTopicOnController(node, TRANSACTION_STATE_TOPIC, partitions, replicationFactor, configs),
        verifyRemote: (nodeId: number, id: string, producerId: bigint, epoch: number, tp: { topic: string; partition: number }) => peers!.verify(nodeId, id, producerId, epoch, tp),
      };
      context.txn = new TxnCoordinator(
        {
          nodeId: context.nodeId,
          topics: context.topics,
          partitions: context.partitions,
          replicas: () => context.replicas,
          markers: context.txnMarkers,
          producerIds: context.producerIds,
          offsetsPartitionFor: (groupId) => context.groups.partitionFor(groupId),
          log: log.child({ component: "txn-coordinator" }),
          ...(txnCluster ? { cluster: txnCluster } : {}),
        },
        { ...txnConfigFrom(config), ...opts.txn },
      );
      // The produce path verifies transactional batches with this coordinator (txn-contract.ts).
      context.replicas.txnVerifier = context.txn;
      context.txn.start();
    },
    quiesce() {
      context.txn.close();
    },
    stop() {
      context.replicas.txnVerifier = null;
      context.txnMarkers.remote = null;
      context.txn.close();
      txnPeers?.close();
    },
  });
  // Tiered storage (docs/tiered-storage.md): only with an object store configured.
  if (config.remoteStorageBucket) {
    host.add({
      name: "tiered-storage",
      dependsOn: ["replica-manager"],
      start() {
        const node = clusterNode;
        const tiered = new TieredStorage({
          config,
          nodeId: context.nodeId,
          topics: context.topics,
          partitions: context.partitions,
          replicas: () => context.replicas,
          log: log.child({ component: "tiered-storage" }),
          ...(node
            ? {
                cluster: {
                  liveBrokerCount: () => liveBrokers(context.metadata.image).length,
                  createTopic: (partitions: number, rf: number, configs: Record<string, string>) => createTopicOnController(node, REMOTE_LOG_METADATA_TOPIC, partitions, rf, configs),
                  image: () => node.controller.image,
                  interBrokerListener: cluster.interBrokerListenerName,
                },
              }
            : {}),
          ...(opts.tiered ? { tuning: opts.tiered } : {}),
        });
        context.tiered = tiered;
        context.replicas.remote = tiered.manager;
        tiered.start();
      },
      async stop() {
        if (context.replicas) context.replicas.remote = null;
        await context.tiered?.close();
      },
    });
  }
  const listener = new KafkaListener(context, ["metadata", "replica-manager", "group-coordinator", "txn-coordinator"]);
  host.add(listener);
  // The Schema Registry, Confluent-compatible (src/schema-registry); schema_registry_port -1 leaves it out.
  // It listens before the node registers: its address goes into the registration (schemaRegistryEndpoint),
  // so the other nodes' registries can forward writes to the one leading _schemas.
  const schemaRegistry = config.schemaRegistryPort >= 0 ? new SchemaRegistryService({ context, dependsOn: ["kafka-listener"] }) : null;
  host.add({
    name: "broker-registration",
    dependsOn: ["kafka-listener", ...(schemaRegistry ? [schemaRegistry.name] : [])],
    async start() {
      // Every client listener's advertised endpoint, the main one first (metadata/brokers.ts).
      const endPoints = context.listeners.map((l) => ({ name: l.name, host: l.advertisedHost, port: l.advertisedPort, securityProtocol: SECURITY_PROTOCOL_ID[l.securityProtocol] }));
      if (schemaRegistry?.port !== undefined) endPoints.push(schemaRegistryEndpoint(context.listeners[0]?.advertisedHost ?? config.advertisedHost, schemaRegistry.port));
      if (clusterNode) await clusterNode.register(endPoints, config.rack);
      else context.metadata.registerBroker(endPoints, config.rack);
    },
    // Controlled shutdown: leaderships move while the listener still serves (cluster/controlled-shutdown.ts).
    async quiesce() {
      if (clusterNode) await clusterNode.controlledShutdown(opts.controlledShutdownTimeoutMs);
    },
    stop() {},
  });
  // The Admin API, health probes and /metrics (src/admin); admin_api_port -1 leaves it out.
  if (config.adminApiPort >= 0) host.add(new AdminApiService({ context, status: () => host.status(), connections: () => listener.connectionCount, dependsOn: ["kafka-listener"] }));
  if (schemaRegistry) host.add(schemaRegistry);
  // The HTTP Proxy, Confluent REST Proxy-compatible (src/http-proxy); http_proxy_port -1 leaves it out.
  if (config.httpProxyPort >= 0) {
    const deps = config.schemaRegistryPort >= 0 ? ["kafka-listener", SCHEMA_REGISTRY_SERVICE] : ["kafka-listener"];
    host.add(new HttpProxyService({ context, dependsOn: deps, schemaRegistry: () => host.get<SchemaRegistryService>(SCHEMA_REGISTRY_SERVICE) }));
  }
  // The console, the web UI (src/console); console_port -1 leaves it out. It reaches the registry and Admin API over HTTP.
  if (config.consolePort >= 0) {
    const deps = ["kafka-listener", ...(config.adminApiPort >= 0 ? [ADMIN_API_SERVICE] : []), ...(config.schemaRegistryPort >= 0 ? [SCHEMA_REGISTRY_SERVICE] : [])];
    host.add(new ConsoleService({ context, dependsOn: deps, schemaRegistryPort: () => host.get(SCHEMA_REGISTRY_SERVICE)?.port, adminApiPort: () => host.get(ADMIN_API_SERVICE)?.port }));
  }
  for (const s of opts.services?.(context) ?? []) host.add(s);

  await host.startAll();

  log.info("takhin ready", {
    kafka: listener.boundAddresses().join(","),
    advertised: context.listeners.map((l) => (context.listeners.length > 1 || l.securityProtocol !== "PLAINTEXT" ? `${l.name}://` : "") + `${l.advertisedHost}:${l.advertisedPort}`).join(","),
    dataDir: config.dataDir,
    clusterId: context.clusterId,
    nodeId: context.nodeId,
    startupMs: Math.round((performance.now() - startedAt) * 10) / 10,
  });

  let stopped: Promise<void> | null = null;
  return {
    config,
    context,
    kafkaPort: listener.port!,
    services: host,
    get connectionCount() {
      return listener.connectionCount;
    },
    health: () => host.status(),
    reloadSecurity(reason: string) {
      let ok = true;
      try {
        security.reloadKeys();
      } catch (e) {
        ok = false;
        log.warn("OAUTHBEARER keys not reloaded; the previous ones stay in use", { reason, error: (e as Error).message });
      }
      if (security.tls && !security.tls.reload(reason)) ok = false;
      return ok;
    },
    stop(graceMs = 5000) {
      security.tls?.close();
      stopped ??= host.stopAll(graceMs).then(() => log.info("takhin stopped"));
      return stopped;
    },
  };
}

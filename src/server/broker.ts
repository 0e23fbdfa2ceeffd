/**
 * The broker process: loads its identity and catalogue from the data directory, registers the
 * handlers, and serves the Kafka API with `Bun.listen`. Embeddable: `startBroker({ overrides:
 * { kafkaPort: 0, dataDir } })` starts one in-process on a free port, `stop()` ends it.
 */
import type { Socket, TCPSocketListener } from "bun";
import { loadOrCreateMetaProperties } from "../cluster/meta-properties.ts";
import { FetchSessionCache } from "../cluster/fetch-sessions.ts";
import { PartitionManager } from "../cluster/partition-manager.ts";
import { ReplicaManager } from "../cluster/replica-manager.ts";
import { TopicRegistry } from "../cluster/topics.ts";
import { validateTopicConfigs } from "../cluster/topic-config.ts";
import { openMetadata } from "../metadata/open.ts";
import { ProducerIdAllocator } from "../coordinator/producer-ids.ts";
import { GroupService } from "../coordinator/group-service.ts";
import { groupConfigFrom, type GroupConfig } from "../coordinator/group-config.ts";
import { loadConfig, type BrokerConfig, type LoadOptions } from "../config/config.ts";
import { createLogger, type Logger } from "../util/log.ts";
import type { BrokerContext } from "./context.ts";
import { Connection } from "./connection.ts";
import { registerHandlers } from "./handlers/index.ts";
import { HandlerRegistry } from "./registry.ts";
import { RequestMemory } from "./request-memory.ts";

export interface Broker {
  readonly config: BrokerConfig;
  readonly context: BrokerContext;
  /** The port actually bound (differs from config when it asked for 0). */
  readonly kafkaPort: number;
  readonly connectionCount: number;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes everything. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions extends LoadOptions {
  /** A ready configuration, skipping env and file loading. */
  config?: BrokerConfig;
  log?: Logger;
  /** Group coordinator settings (tests shorten the initial rebalance delay and session bounds). */
  groups?: Partial<GroupConfig>;
}

interface SocketData {
  conn?: Connection;
}

export async function startBroker(opts: StartOptions = {}): Promise<Broker> {
  const startedAt = performance.now();
  const config = opts.config ?? loadConfig(opts);
  const log = opts.log ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const meta = loadOrCreateMetaProperties(config.dataDir, config.nodeId);
  const registry = new HandlerRegistry();
  registerHandlers(registry);

  const metadata = openMetadata(config.dataDir, meta.nodeId, {
    checkTopicConfigs: (c) => validateTopicConfigs(c),
    onError: (message, error) => log.error(message, { error }),
  });
  if (metadata.upgradedFrom.length > 0) log.info("catalogue files converted into the metadata log", { files: metadata.upgradedFrom });
  if (metadata.recovery.truncatedBytes > 0) log.warn("metadata log: torn tail cut", { ...metadata.recovery });
  const topics = new TopicRegistry(metadata.controller);
  const fetchSessions = new FetchSessionCache();
  const partitions = new PartitionManager(config, topics, log, (t) => {
    fetchSessions.forgetTopic(t.name);
    fetchSessions.forgetTopic(t.id);
  });
  const context: BrokerContext = {
    config,
    log,
    clusterId: meta.clusterId,
    nodeId: meta.nodeId,
    advertisedHost: config.advertisedHost,
    advertisedPort: config.kafkaPort,
    registry,
    requestMemory: new RequestMemory(config.queuedMaxRequestBytes),
    topics,
    partitions,
    replicas: new ReplicaManager(partitions, topics, { log }),
    fetchSessions,
    metadata: metadata.controller,
    producerIds: new ProducerIdAllocator(metadata.controller, meta.nodeId),
    groups: new GroupService({ topics, partitions, log }, { ...groupConfigFrom(config), ...opts.groups }),
  };
  context.groups.start();

  const connections = new Set<Connection>();
  let nextConnectionId = 1;
  let stopping = false;
  let quietWaiter: (() => void) | null = null;
  const idleSeconds = Math.max(1, Math.ceil(config.connectionsMaxIdleMs / 1000));

  const listener: TCPSocketListener<SocketData> = Bun.listen<SocketData>({
    hostname: config.host,
    port: config.kafkaPort,
    socket: {
      open(socket: Socket<SocketData>) {
        if (stopping || connections.size >= config.maxConnections) {
          log.warn("refusing connection", { remote: socket.remoteAddress, reason: stopping ? "stopping" : "max_connections reached", maxConnections: config.maxConnections });
          socket.end();
          return;
        }
        socket.setNoDelay(true);
        socket.timeout(idleSeconds);
        const conn = new Connection(socket as Socket<unknown>, context, nextConnectionId++, () => quietWaiter?.());
        socket.data = { conn };
        connections.add(conn);
        log.debug("connection opened", { conn: conn.info.id, remote: socket.remoteAddress });
      },
      data(socket, data) {
        const conn = socket.data?.conn;
        if (!conn) return;
        try {
          conn.onData(data);
        } catch (e) {
          log.error("closing connection: unexpected error while reading", { conn: conn.info.id, error: e });
          conn.close();
        }
      },
      drain(socket) {
        socket.data?.conn?.onDrain();
      },
      timeout(socket) {
        const conn = socket.data?.conn;
        log.info("closing idle connection", { conn: conn?.info.id, idleMs: config.connectionsMaxIdleMs });
        conn?.close();
        socket.end();
      },
      close(socket) {
        const conn = socket.data?.conn;
        if (!conn) return;
        conn.onClosed();
        connections.delete(conn);
        quietWaiter?.();
      },
      error(socket, error) {
        log.warn("socket error", { conn: socket.data?.conn?.info.id, error: error.message });
      },
    },
  });

  context.advertisedPort = listener.port;
  metadata.controller.registerBroker([{ name: "PLAINTEXT", host: config.advertisedHost, port: listener.port, securityProtocol: 0 }], config.rack);
  const startupMs = performance.now() - startedAt;
  log.info("takhin ready", {
    kafka: `${config.host}:${listener.port}`,
    advertised: `${config.advertisedHost}:${listener.port}`,
    dataDir: config.dataDir,
    clusterId: meta.clusterId,
    nodeId: meta.nodeId,
    startupMs: Math.round(startupMs * 10) / 10,
  });

  return {
    config,
    context,
    kafkaPort: listener.port,
    get connectionCount() {
      return connections.size;
    },
    async stop(graceMs = 5000) {
      if (stopping) return;
      stopping = true;
      listener.stop(false);
      // Pending JoinGroup/SyncGroup answers go out now (NOT_COORDINATOR) rather than holding up the drain.
      context.groups.close();
      // Waiting fetches and acks=all produces answer now rather than at their timeouts.
      context.replicas.close();
      const deadline = Date.now() + graceMs;
      while ([...connections].some((c) => !c.quiet) && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          quietWaiter = resolve;
          setTimeout(resolve, 50);
        });
      }
      quietWaiter = null;
      for (const c of connections) c.close();
      listener.stop(true);
      try {
        partitions.close();
      } catch (e) {
        log.error("closing partition logs failed", { error: e });
      }
      metadata.controller.close();
      log.info("takhin stopped");
    },
  };
}

/**
 * Every setting of the Apache Kafka peer that is not Kafka's default, in one place, with why.
 * The aim is a fair comparison with Takhin's defaults on the same machine:
 * - durability: Kafka's default, as Takhin's — records go to the page cache, no fsync per message
 *   (log.flush.interval.messages / log.flush.interval.ms unset); replication gives durability.
 * - segments: 1 GiB, Kafka's default and Takhin's (segment.bytes 1073741824).
 * - threads: this machine has 2 cores; Kafka's defaults (3 network, 8 I/O threads) are for servers
 *   with many. 2 network threads and 4 I/O threads (I/O threads also wait on the page cache).
 * - heap: 1 GiB, what kafka-server-start.sh gives by default, with its G1 settings.
 * - single node: internal topics with replication factor 1 (Kafka's defaults are 3).
 * - group.initial.rebalance.delay.ms: 3000, Kafka's default and Takhin's.
 */
export const KAFKA_HEAP_OPTS = ["-Xms1g", "-Xmx1g"];

/** JVM options from kafka-run-class.sh's defaults (G1, short pauses, headless). */
export const KAFKA_JVM_OPTS = [
  "-server",
  "-XX:+UseG1GC",
  "-XX:MaxGCPauseMillis=20",
  "-XX:InitiatingHeapOccupancyPercent=35",
  "-XX:+ExplicitGCInvokesConcurrent",
  "-Djava.awt.headless=true",
];

export const KAFKA_NETWORK_THREADS = 2;
export const KAFKA_IO_THREADS = 4;
export const KAFKA_SEGMENT_BYTES = 1_073_741_824;

export interface NodeLayout {
  nodeId: number;
  port: number;
  controllerPort: number;
  logDir: string;
}

/** server.properties for one combined broker+controller node of an N-node KRaft cluster on loopback. */
export function serverProperties(node: NodeLayout, all: NodeLayout[], host = "127.0.0.1", overrides: Record<string, string | number | boolean> = {}): string {
  const replication = Math.min(3, all.length);
  const props: Record<string, string | number | boolean> = {
    "process.roles": "broker,controller",
    "node.id": node.nodeId,
    "controller.quorum.voters": all.map((n) => `${n.nodeId}@${host}:${n.controllerPort}`).join(","),
    listeners: `PLAINTEXT://${host}:${node.port},CONTROLLER://${host}:${node.controllerPort}`,
    "advertised.listeners": `PLAINTEXT://${host}:${node.port}`,
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "log.dirs": node.logDir,
    "num.network.threads": KAFKA_NETWORK_THREADS,
    "num.io.threads": KAFKA_IO_THREADS,
    "log.segment.bytes": KAFKA_SEGMENT_BYTES,
    "num.partitions": 1,
    "auto.create.topics.enable": true,
    "offsets.topic.replication.factor": replication,
    "transaction.state.log.replication.factor": replication,
    "transaction.state.log.min.isr": Math.min(2, replication),
    "share.coordinator.state.topic.replication.factor": replication,
    "share.coordinator.state.topic.min.isr": Math.min(2, replication),
    "default.replication.factor": 1,
    "group.initial.rebalance.delay.ms": 3000,
    // "{host}", "{port}" and "{controllerPort}" in an override stand for this node's (extra listeners).
    ...Object.fromEntries(
      Object.entries(overrides).map(([k, v]) => [k, typeof v === "string" ? v.replaceAll("{host}", host).replaceAll("{port}", String(node.port)).replaceAll("{controllerPort}", String(node.controllerPort)) : v]),
    ),
  };
  return Object.entries(props).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
}

/** log4j2 configuration: INFO to the node's log file through stdout (the launcher redirects it). */
export const LOG4J2_PROPERTIES = `status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = out
logger.kafka.name = kafka
logger.kafka.level = info
logger.apache.name = org.apache.kafka
logger.apache.level = info
logger.zk.name = org.apache.zookeeper
logger.zk.level = warn
`;

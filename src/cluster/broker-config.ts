/**
 * The broker's configs as DescribeConfigs reports them for a BROKER resource, under Kafka's names:
 * the ones Takhin's own configuration sets (node.id, num.partitions, auto.create.topics.enable,
 * log.dirs, ...) and the broker-level defaults topic configs fall back to (log.retention.hours,
 * log.segment.bytes, message.max.bytes, ...). A value equal to Kafka's default is DEFAULT_CONFIG,
 * any other STATIC_BROKER_CONFIG. All are read-only: Takhin has no dynamic broker configs.
 */
import type { BrokerConfig } from "../config/config.ts";
import { ConfigSource, ConfigType, TOPIC_CONFIGS, type ConfigTypeValue, type DescribedConfig, type DescribeOptions } from "./topic-config.ts";

export interface BrokerIdentity {
  config: BrokerConfig;
  nodeId: number;
  advertisedHost: string;
  advertisedPort: number;
}

interface BrokerEntry {
  name: string;
  type: ConfigTypeValue;
  value: string | null;
  /** Kafka's default; null when Kafka has none. `always` marks values that are always set explicitly. */
  kafkaDefault: string | null | "always";
  doc: string;
}

function ownEntries(b: BrokerIdentity): BrokerEntry[] {
  const c = b.config;
  const listener = `PLAINTEXT://${c.host}:${b.advertisedPort}`;
  const advertised = `PLAINTEXT://${b.advertisedHost}:${b.advertisedPort}`;
  return [
    { name: "node.id", type: ConfigType.INT, value: String(b.nodeId), kafkaDefault: "always", doc: "This node's id." },
    { name: "broker.id", type: ConfigType.INT, value: String(b.nodeId), kafkaDefault: "always", doc: "This broker's id (same as node.id)." },
    { name: "listeners", type: ConfigType.STRING, value: listener, kafkaDefault: "always", doc: "Listener the Kafka API is served on." },
    { name: "advertised.listeners", type: ConfigType.STRING, value: advertised, kafkaDefault: "always", doc: "Listener clients are told to use." },
    { name: "log.dirs", type: ConfigType.STRING, value: c.dataDir, kafkaDefault: "always", doc: "Directory holding the logs and metadata." },
    { name: "broker.rack", type: ConfigType.STRING, value: c.rack, kafkaDefault: null, doc: "Rack of this broker." },
    { name: "num.partitions", type: ConfigType.INT, value: String(c.numPartitions), kafkaDefault: "1", doc: "Partitions of an auto-created topic or of CreateTopics with -1." },
    { name: "default.replication.factor", type: ConfigType.INT, value: String(c.defaultReplicationFactor), kafkaDefault: "1",
      doc: "Replication factor of an auto-created topic or of CreateTopics with -1." },
    { name: "auto.create.topics.enable", type: ConfigType.BOOLEAN, value: String(c.autoCreateTopicsEnable), kafkaDefault: "true",
      doc: "Create an unknown topic when a client asks for its metadata." },
    { name: "delete.topic.enable", type: ConfigType.BOOLEAN, value: "true", kafkaDefault: "true", doc: "Topics can be deleted." },
    { name: "socket.request.max.bytes", type: ConfigType.INT, value: String(c.socketRequestMaxBytes), kafkaDefault: "104857600", doc: "Largest request frame." },
    { name: "max.connections", type: ConfigType.INT, value: String(c.maxConnections), kafkaDefault: "2147483647", doc: "Most open client connections." },
    { name: "connections.max.idle.ms", type: ConfigType.LONG, value: String(c.connectionsMaxIdleMs), kafkaDefault: "600000",
      doc: "Idle time after which a connection is closed." },
    { name: "group.initial.rebalance.delay.ms", type: ConfigType.INT, value: String(c.groupInitialRebalanceDelayMs), kafkaDefault: "3000",
      doc: "How long an empty group's first rebalance waits for more members." },
    { name: "group.min.session.timeout.ms", type: ConfigType.INT, value: String(c.groupMinSessionTimeoutMs), kafkaDefault: "6000",
      doc: "Smallest session timeout a consumer may ask for." },
    { name: "group.max.session.timeout.ms", type: ConfigType.INT, value: String(c.groupMaxSessionTimeoutMs), kafkaDefault: "1800000",
      doc: "Largest session timeout a consumer may ask for." },
    { name: "offsets.retention.minutes", type: ConfigType.INT, value: String(c.offsetsRetentionMinutes), kafkaDefault: "10080",
      doc: "How long an Empty group's committed offsets are kept." },
    { name: "offsets.topic.num.partitions", type: ConfigType.INT, value: String(c.offsetsTopicNumPartitions), kafkaDefault: "50",
      doc: "Partitions of __consumer_offsets when it is created." },
  ];
}

/** Broker configs that topic configs fall back to, with their values (explicit or Kafka's default). */
function topicDefaultEntries(brokerValues: Record<string, string>): BrokerEntry[] {
  const out: BrokerEntry[] = [];
  const seen = new Set<string>();
  for (const def of TOPIC_CONFIGS) {
    for (const syn of def.synonyms) {
      if (seen.has(syn.name)) continue;
      seen.add(syn.name);
      out.push({
        name: syn.name,
        type: syn.msPerUnit ? ConfigType.INT : def.type,
        value: brokerValues[syn.name] ?? syn.default,
        kafkaDefault: syn.default,
        doc: `Broker default of the topic config ${def.name}.`,
      });
    }
  }
  return out;
}

/** The BROKER resource's configs (this node), filtered by `opts.names` when given. */
export function describeBrokerConfigs(b: BrokerIdentity, opts: DescribeOptions = {}): DescribedConfig[] {
  const brokerValues = opts.brokerValues ?? {};
  const wanted = opts.names ? new Set(opts.names) : null;
  const out: DescribedConfig[] = [];
  for (const e of [...ownEntries(b), ...topicDefaultEntries(brokerValues)]) {
    if (wanted && !wanted.has(e.name)) continue;
    const isDefault = e.kafkaDefault !== "always" && e.value === e.kafkaDefault;
    const source = isDefault ? ConfigSource.DEFAULT_CONFIG : ConfigSource.STATIC_BROKER_CONFIG;
    out.push({
      name: e.name,
      value: e.value,
      readOnly: true,
      source,
      isSensitive: false,
      synonyms: opts.includeSynonyms && e.value !== null ? [{ name: e.name, value: e.value, source }] : [],
      type: e.type,
      documentation: opts.includeDocumentation ? e.doc : null,
    });
  }
  return out;
}

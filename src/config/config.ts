/**
 * Broker configuration: embedded defaults, then an optional YAML file (`TAKHIN_CONFIG` or
 * `--config <path>`), then `TAKHIN_*` environment variables, each validated before the broker
 * starts. A bad value stops the broker with a ConfigError naming the key and what it accepts.
 *
 * YAML file: a flat mapping of the keys below, e.g.
 *   kafka_port: 9092
 *   data_dir: /var/lib/takhin
 *   log_level: info
 * Environment: the same key upper-cased with a TAKHIN_ prefix (TAKHIN_KAFKA_PORT=9092).
 */
import { readFileSync } from "node:fs";
import { DEFAULT_CONNECTIONS_MAX_IDLE_MS, DEFAULT_MAX_CONNECTIONS, DEFAULT_QUEUED_MAX_REQUEST_BYTES, MAX_REQUEST_FRAME_BYTES } from "../limits.ts";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface BrokerConfig {
  host: string;
  advertisedHost: string;
  kafkaPort: number;
  dataDir: string;
  nodeId: number;
  rack: string | null;
  logLevel: LogLevel;
  logFormat: "text" | "json";
  maxConnections: number;
  connectionsMaxIdleMs: number;
  socketRequestMaxBytes: number;
  queuedMaxRequestBytes: number;
  autoCreateTopicsEnable: boolean;
  /** transaction.partition.verification.enable (KIP-890): transactional produce and TxnOffsetCommit are checked with the transaction coordinator first. */
  transactionPartitionVerificationEnable: boolean;
  numPartitions: number;
  defaultReplicationFactor: number;
  /** offsets.retention.minutes: committed offsets of an Empty group expire this long after it emptied. */
  offsetsRetentionMinutes: number;
  /** offsets.topic.num.partitions: partitions of __consumer_offsets when it is first created. */
  offsetsTopicNumPartitions: number;
  /** offsets.topic.replication.factor: replicas of __consumer_offsets when a cluster creates it (at most the live brokers). */
  offsetsTopicReplicationFactor: number;
  /** transaction.state.log.num.partitions: partitions of __transaction_state when it is first created. */
  transactionStateLogNumPartitions: number;
  /** transaction.state.log.replication.factor: replicas of __transaction_state when a cluster creates it (at most the live brokers). */
  transactionStateLogReplicationFactor: number;
  /** transaction.max.timeout.ms: the largest transaction timeout an InitProducerId may ask for. */
  transactionMaxTimeoutMs: number;
  /** transactional.id.expiration.ms: an idle transactional id (no transaction) is removed after this long. */
  transactionalIdExpirationMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms: how often timed-out transactions are looked for. */
  transactionAbortTimedOutTransactionCleanupIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms: how often expired transactional ids are looked for. */
  transactionRemoveExpiredTransactionCleanupIntervalMs: number;
  /** group.initial.rebalance.delay.ms: how long an empty group's first rebalance waits for more members. */
  groupInitialRebalanceDelayMs: number;
  /** group.min.session.timeout.ms / group.max.session.timeout.ms: session timeouts a JoinGroup may ask for. */
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  /** group.consumer.session.timeout.ms / group.consumer.heartbeat.interval.ms: KIP-848 consumer groups' member session and heartbeat interval. */
  groupConsumerSessionTimeoutMs: number;
  groupConsumerHeartbeatIntervalMs: number;
  /** log.cleaner.threads / dedupe.buffer.size / io.max.bytes.per.second / backoff.ms (src/storage/cleaner). */
  logCleanerThreads: number;
  logCleanerDedupeBufferSize: number;
  /** 0 = unthrottled. */
  logCleanerIoMaxBytesPerSecond: number;
  logCleanerBackoffMs: number;
  /** Scrubber of sealed segments (src/storage/scrub): read rate (0 = off) and re-scrub interval. */
  logScrubBytesPerSecond: number;
  logScrubIntervalMs: number;
  /** When Produce appends are written off the event loop (storage's write-behind policy). */
  logWriteBehind: "adaptive" | "always" | "off";
  /**
   * Cluster keys (Kafka's names, dots as underscores), all unset on one node. Parsed and checked
   * against each other by cluster/cluster-config.ts (`clusterConfigOf`).
   */
  processRoles: string | null;
  controllerQuorumVoters: string | null;
  listeners: string | null;
  advertisedListeners: string | null;
  controllerListenerNames: string | null;
  interBrokerListenerName: string | null;
  /** The Admin API's HTTP port (src/admin): 0 picks a free port, -1 turns the Admin API off. */
  adminApiPort: number;
  /** Address the Admin API listens on; null: the same as `host`. */
  adminApiHost: string | null;
  /** Request counters for /metrics on the Kafka request path (off: /metrics has no request figures). */
  metricsEnabled: boolean;
  /** The Schema Registry's HTTP port (src/schema-registry): 0 picks a free port, -1 turns it off. */
  schemaRegistryPort: number;
  /**
   * Security of the listeners (src/security, docs/security.md), Kafka's names with dots as
   * underscores. listener.security.protocol.map: NAME:PROTOCOL,... (null: each protocol's name maps to itself).
   */
  listenerSecurityProtocolMap: string | null;
  /** sasl.enabled.mechanisms: the SASL mechanisms SASL listeners offer, comma-separated. */
  saslEnabledMechanisms: string;
  /** http_authentication_method: NONE, or BASIC and/or BEARER — identities on the HTTP surfaces (src/security/http-auth.ts). */
  httpAuthenticationMethod: string;
  /** plain.sasl.jaas.config (Kafka's listener.name.*.plain.sasl.jaas.config): PlainLoginModule with user_<name>="<password>" entries. */
  plainSaslJaasConfig: string | null;
  /** sasl.oauthbearer.jwks.endpoint.url: a JWKS file (path or file: URL) of keys that sign tokens; null: Kafka's unsecured tokens. */
  saslOauthbearerJwksEndpointUrl: string | null;
  saslOauthbearerExpectedAudience: string | null;
  saslOauthbearerExpectedIssuer: string | null;
  saslOauthbearerSubClaimName: string;
  saslOauthbearerClockSkewSeconds: number;
  /** connections.max.reauth.ms: a SASL session's longest life before re-authentication (0: no limit). */
  connectionsMaxReauthMs: number;
  /** connection.failed.authentication.delay.ms: the delay before a failed login's connection closes. */
  connectionFailedAuthenticationDelayMs: number;
  /** sasl.server.max.receive.size: the largest SASL token before authentication. */
  saslServerMaxReceiveSize: number;
  /** ssl.keystore.location: a PEM file with the server's private key and certificate chain. */
  sslKeystoreLocation: string | null;
  sslKeystoreType: "PEM";
  /** ssl.key.password: the passphrase of an encrypted private key. */
  sslKeyPassword: string | null;
  /** ssl.truststore.location: a PEM file of CA certificates client certificates are checked against. */
  sslTruststoreLocation: string | null;
  sslTruststoreType: "PEM";
  sslClientAuth: "none" | "requested" | "required";
  /** ssl.principal.mapping.rules: RULE:pattern/replacement/[LU],... and DEFAULT. */
  sslPrincipalMappingRules: string;
  /** ssl.enabled.protocols: TLSv1.2 and/or TLSv1.3. */
  sslEnabledProtocols: string;
  /** ssl.cipher.suites: OpenSSL cipher names for TLS 1.2 (null: Bun's defaults). */
  sslCipherSuites: string | null;
  /**
   * Tiered storage (src/storage/remote, docs/tiered-storage.md): the S3-compatible object store
   * that topics with remote.storage.enable=true upload rolled segments to. Unset bucket: no tiered storage.
   */
  remoteStorageEndpoint: string | null;
  remoteStorageBucket: string | null;
  remoteStoragePrefix: string;
  remoteStorageRegion: string;
  remoteStorageAccessKeyId: string | null;
  remoteStorageSecretAccessKey: string | null;
  remoteStoragePathStyle: boolean;
  /** Address the Schema Registry listens on; null: the same as `host`. */
  schemaRegistryHost: string | null;
  /** The HTTP Proxy's port (src/http-proxy, Confluent REST Proxy API): 0 picks a free port, -1 turns it off. */
  httpProxyPort: number;
  /** Address the HTTP Proxy listens on; null: the same as `host`. */
  httpProxyHost: string | null;
  /** The console's port (src/console, the web UI): 0 picks a free port, -1 turns it off. */
  consolePort: number;
  /** Address the console listens on; null: the same as `host`. */
  consoleHost: string | null;
  /** Console users and roles, "user:role,...,*:role" (viewer, editor, admin); null: development mode, no login. */
  consoleRoles: string | null;
  /** SASL mechanism the console logs users in with (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). */
  consoleLoginMechanism: string;
  /** Kafka Connect REST URL for the console's Connect page; null: no Connect page. */
  consoleConnectUrl: string | null;
  /** consumer.instance.timeout.ms (Confluent REST Proxy): an HTTP Proxy consumer instance idle this long is deleted. */
  consumerInstanceTimeoutMs: number;
  /** ACL enforcement (Kafka: authorizer.class.name set to the StandardAuthorizer); src/security/authorizer.ts. */
  authorizerEnabled: boolean;
  /** super_users: "User:a;User:b", principals every operation is allowed to; null: none. */
  superUsers: string | null;
  /** allow.everyone.if.no.acl.found: a resource without any ACL binding is open to everyone. */
  allowEveryoneIfNoAclFound: boolean;
  /** quota.window.num: samples kept for client-quota rates (src/security/quotas.ts). */
  quotaWindowNum: number;
  /** quota.window.size.seconds: length of each client-quota rate sample. */
  quotaWindowSizeSeconds: number;
}

type Kind =
  | { type: "int"; min: number; max: number }
  | { type: "bool" }
  | { type: "string"; nonEmpty?: boolean; nullable?: boolean }
  | { type: "enum"; values: readonly string[] };

interface KeySpec {
  /** Key in YAML; the environment variable is TAKHIN_ + upper case of it. */
  key: string;
  /** A cluster key (issue 14); listed by describeClusterKeys until the README table carries them. */
  cluster?: true;
  prop: keyof BrokerConfig;
  kind: Kind;
  describe: string;
}

const PORT: Kind = { type: "int", min: 0, max: 65535 };

const KEYS: KeySpec[] = [
  { key: "host", prop: "host", kind: { type: "string", nonEmpty: true }, describe: "address to listen on" },
  { key: "advertised_host", prop: "advertisedHost", kind: { type: "string", nonEmpty: true }, describe: "host clients are told to connect to" },
  { key: "kafka_port", prop: "kafkaPort", kind: PORT, describe: "Kafka API port (0 picks a free port)" },
  { key: "data_dir", prop: "dataDir", kind: { type: "string", nonEmpty: true }, describe: "directory for logs and metadata" },
  { key: "node_id", prop: "nodeId", kind: { type: "int", min: 0, max: 2 ** 31 - 1 }, describe: "this broker's id" },
  { key: "rack", prop: "rack", kind: { type: "string", nullable: true }, describe: "older name of broker_rack (broker_rack wins when both are set)" },
  { key: "broker_rack", prop: "rack", kind: { type: "string", nullable: true }, describe: "this broker's rack (Kafka's broker.rack): registered with the controller, reported in Metadata and DescribeCluster, used by rack-aware replica placement" },
  { key: "log_level", prop: "logLevel", kind: { type: "enum", values: ["debug", "info", "warn", "error"] }, describe: "log verbosity" },
  { key: "log_format", prop: "logFormat", kind: { type: "enum", values: ["text", "json"] }, describe: "log line format" },
  { key: "max_connections", prop: "maxConnections", kind: { type: "int", min: 1, max: 1_000_000 }, describe: "open client connections at most" },
  { key: "connections_max_idle_ms", prop: "connectionsMaxIdleMs", kind: { type: "int", min: 1000, max: 2 ** 31 - 1 }, describe: "idle time before a connection is closed" },
  { key: "queued_max_request_bytes", prop: "queuedMaxRequestBytes", kind: { type: "int", min: 1024, max: 2 ** 40 }, describe: "request bytes held in memory across all connections" },
  { key: "socket_request_max_bytes", prop: "socketRequestMaxBytes", kind: { type: "int", min: 1024, max: MAX_REQUEST_FRAME_BYTES }, describe: "largest request frame" },
  { key: "auto_create_topics_enable", prop: "autoCreateTopicsEnable", kind: { type: "bool" }, describe: "create unknown topics when a Metadata request allows it" },
  { key: "transaction_partition_verification_enable", prop: "transactionPartitionVerificationEnable", kind: { type: "bool" }, describe: "check a transaction's first write to a partition with the transaction coordinator" },
  { key: "num_partitions", prop: "numPartitions", kind: { type: "int", min: 1, max: 100_000 }, describe: "partitions of an auto-created topic" },
  { key: "default_replication_factor", prop: "defaultReplicationFactor", kind: { type: "int", min: 1, max: 1 }, describe: "replication factor of a new topic (one node)" },
  { key: "offsets_retention_minutes", prop: "offsetsRetentionMinutes", kind: { type: "int", min: 1, max: 35_791_394 }, describe: "minutes an Empty group's committed offsets are kept" },
  { key: "offsets_topic_num_partitions", prop: "offsetsTopicNumPartitions", kind: { type: "int", min: 1, max: 1000 }, describe: "partitions of __consumer_offsets when it is created" },
  { key: "offsets_topic_replication_factor", prop: "offsetsTopicReplicationFactor", kind: { type: "int", min: 1, max: 32_767 }, describe: "replicas of __consumer_offsets when a cluster creates it (at most the live brokers)" },
  { key: "transaction_state_log_num_partitions", prop: "transactionStateLogNumPartitions", kind: { type: "int", min: 1, max: 1000 }, describe: "partitions of __transaction_state when it is created" },
  { key: "transaction_state_log_replication_factor", prop: "transactionStateLogReplicationFactor", kind: { type: "int", min: 1, max: 32_767 }, describe: "replicas of __transaction_state when a cluster creates it (at most the live brokers)" },
  { key: "transaction_max_timeout_ms", prop: "transactionMaxTimeoutMs", kind: { type: "int", min: 1, max: 2 ** 31 - 1 }, describe: "largest transaction timeout a producer may ask for" },
  { key: "transactional_id_expiration_ms", prop: "transactionalIdExpirationMs", kind: { type: "int", min: 1, max: 2 ** 31 - 1 }, describe: "idle time after which a transactional id is removed" },
  { key: "transaction_abort_timed_out_transaction_cleanup_interval_ms", prop: "transactionAbortTimedOutTransactionCleanupIntervalMs", kind: { type: "int", min: 1, max: 2 ** 31 - 1 }, describe: "how often transactions past their timeout are looked for and aborted" },
  { key: "transaction_remove_expired_transaction_cleanup_interval_ms", prop: "transactionRemoveExpiredTransactionCleanupIntervalMs", kind: { type: "int", min: 1, max: 2 ** 31 - 1 }, describe: "how often expired transactional ids are looked for and removed" },
  { key: "group_initial_rebalance_delay_ms", prop: "groupInitialRebalanceDelayMs", kind: { type: "int", min: 0, max: 2 ** 31 - 1 }, describe: "wait for more members before an empty group's first rebalance" },
  { key: "group_min_session_timeout_ms", prop: "groupMinSessionTimeoutMs", kind: { type: "int", min: 1, max: 2 ** 31 - 1 }, describe: "smallest session timeout a consumer may ask for" },
  { key: "group_max_session_timeout_ms", prop: "groupMaxSessionTimeoutMs", kind: { type: "int", min: 1, max: 2 ** 31 - 1 }, describe: "largest session timeout a consumer may ask for" },
  { key: "group_consumer_session_timeout_ms", prop: "groupConsumerSessionTimeoutMs", kind: { type: "int", min: 1, max: 2 ** 31 - 1 }, describe: "KIP-848 consumer groups: a member not heard from for this long is fenced" },
  { key: "group_consumer_heartbeat_interval_ms", prop: "groupConsumerHeartbeatIntervalMs", kind: { type: "int", min: 1, max: 2 ** 31 - 1 }, describe: "KIP-848 consumer groups: how often members heartbeat" },
  { key: "log_cleaner_threads", prop: "logCleanerThreads", kind: { type: "int", min: 0, max: 64 }, describe: "compacted logs cleaned at once (0: no compaction)" },
  { key: "log_cleaner_dedupe_buffer_size", prop: "logCleanerDedupeBufferSize", kind: { type: "int", min: 1024, max: 2 ** 34 }, describe: "bytes of key-to-offset map shared by the cleaner threads" },
  { key: "log_cleaner_io_max_bytes_per_second", prop: "logCleanerIoMaxBytesPerSecond", kind: { type: "int", min: 0, max: 2 ** 50 }, describe: "cleaner read+write rate (0: unthrottled)" },
  { key: "log_cleaner_backoff_ms", prop: "logCleanerBackoffMs", kind: { type: "int", min: 1, max: 2 ** 31 - 1 }, describe: "pause between the cleaner's looks for dirty logs" },
  { key: "log_scrub_bytes_per_second", prop: "logScrubBytesPerSecond", kind: { type: "int", min: 0, max: 2 ** 40 }, describe: "rate at which the scrubber re-reads sealed segments to verify them (0: off)" },
  { key: "log_scrub_interval_ms", prop: "logScrubIntervalMs", kind: { type: "int", min: 1, max: 2 ** 40 }, describe: "a sealed segment is scrubbed again once this passed since its last scrub" },
  { key: "log_write_behind", prop: "logWriteBehind", kind: { type: "enum", values: ["adaptive", "always", "off"] }, describe: "when Produce appends are written off the event loop" },
  { key: "admin_api_port", prop: "adminApiPort", kind: { type: "int", min: -1, max: 65535 }, describe: "Admin API and /metrics HTTP port (0 picks a free port, -1 turns it off)" },
  { key: "admin_api_host", prop: "adminApiHost", kind: { type: "string", nullable: true }, describe: "address the Admin API listens on (default: host)" },
  { key: "metrics_enabled", prop: "metricsEnabled", kind: { type: "bool" }, describe: "count Kafka requests, bytes and errors for /metrics" },
  { key: "schema_registry_port", prop: "schemaRegistryPort", kind: { type: "int", min: -1, max: 65535 }, describe: "Schema Registry HTTP port, Confluent-compatible (0 picks a free port, -1 turns it off)" },
  { key: "schema_registry_host", prop: "schemaRegistryHost", kind: { type: "string", nullable: true }, describe: "address the Schema Registry listens on (default: host)" },
  { key: "http_proxy_port", prop: "httpProxyPort", kind: { type: "int", min: -1, max: 65535 }, describe: "HTTP Proxy port, Confluent REST Proxy-compatible (0 picks a free port, -1 turns it off)" },
  { key: "http_proxy_host", prop: "httpProxyHost", kind: { type: "string", nullable: true }, describe: "address the HTTP Proxy listens on (default: host)" },
  { key: "console_port", prop: "consolePort", kind: { type: "int", min: -1, max: 65535 }, describe: "console (web UI) port (0 picks a free port, -1 turns it off)" },
  { key: "console_host", prop: "consoleHost", kind: { type: "string", nullable: true }, describe: "address the console listens on (default: host)" },
  { key: "console_roles", prop: "consoleRoles", kind: { type: "string", nullable: true }, describe: "console users and roles: user:role,...,*:role with roles viewer, editor, admin (unset: development mode, no login)" },
  { key: "console_login_mechanism", prop: "consoleLoginMechanism", kind: { type: "string", nonEmpty: true }, describe: "SASL mechanism the console checks passwords with on a SASL_PLAINTEXT listener" },
  { key: "console_connect_url", prop: "consoleConnectUrl", kind: { type: "string", nullable: true }, describe: "Kafka Connect REST URL for the console's Connect page" },
  { key: "consumer_instance_timeout_ms", prop: "consumerInstanceTimeoutMs", kind: { type: "int", min: 1000, max: 2 ** 31 - 1 }, describe: "idle time after which an HTTP Proxy consumer instance is deleted" },
  { key: "listener_security_protocol_map", prop: "listenerSecurityProtocolMap", kind: { type: "string", nullable: true }, describe: "NAME:PROTOCOL,... each listener's security protocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (default: each protocol's name maps to itself)" },
  { key: "http_authentication_method", prop: "httpAuthenticationMethod", kind: { type: "string", nonEmpty: true }, describe: "identities on the Admin API, HTTP Proxy and Schema Registry: NONE (default), or BASIC and/or BEARER (comma list); authorised by the ACLs" },
  { key: "sasl_enabled_mechanisms", prop: "saslEnabledMechanisms", kind: { type: "string", nonEmpty: true }, describe: "SASL mechanisms offered on SASL listeners (default PLAIN,SCRAM-SHA-256,SCRAM-SHA-512; OAUTHBEARER too)" },
  { key: "plain_sasl_jaas_config", prop: "plainSaslJaasConfig", kind: { type: "string", nullable: true }, describe: "PLAIN users as Kafka's PlainLoginModule line: user_NAME=\"PASSWORD\" entries" },
  { key: "sasl_oauthbearer_jwks_endpoint_url", prop: "saslOauthbearerJwksEndpointUrl", kind: { type: "string", nullable: true }, describe: "JWKS file (path or file: URL) of the keys that sign OAUTHBEARER tokens (RS256, ES256); unset: Kafka's unsecured tokens (development only)" },
  { key: "sasl_oauthbearer_expected_audience", prop: "saslOauthbearerExpectedAudience", kind: { type: "string", nullable: true }, describe: "audiences (comma-separated) one of which a token's aud must name" },
  { key: "sasl_oauthbearer_expected_issuer", prop: "saslOauthbearerExpectedIssuer", kind: { type: "string", nullable: true }, describe: "the iss a token must carry" },
  { key: "sasl_oauthbearer_sub_claim_name", prop: "saslOauthbearerSubClaimName", kind: { type: "string", nonEmpty: true }, describe: "claim naming the principal (default sub)" },
  { key: "sasl_oauthbearer_clock_skew_seconds", prop: "saslOauthbearerClockSkewSeconds", kind: { type: "int", min: 0, max: 3600 }, describe: "clock skew allowed on exp/nbf/iat (default 30)" },
  { key: "connections_max_reauth_ms", prop: "connectionsMaxReauthMs", kind: { type: "int", min: 0, max: 2 ** 31 - 1 }, describe: "longest SASL session before the client must re-authenticate (KIP-368; default 0: no limit)" },
  { key: "connection_failed_authentication_delay_ms", prop: "connectionFailedAuthenticationDelayMs", kind: { type: "int", min: 0, max: 60_000 }, describe: "delay before a failed login's connection closes, growing with repeated failures from one address (default 100)" },
  { key: "sasl_server_max_receive_size", prop: "saslServerMaxReceiveSize", kind: { type: "int", min: 512, max: 16 * 1024 * 1024 }, describe: "largest request before authentication on a SASL listener (default 524288)" },
  { key: "ssl_keystore_location", prop: "sslKeystoreLocation", kind: { type: "string", nullable: true }, describe: "PEM file with the server's private key and certificate chain (SSL and SASL_SSL listeners); re-read on SIGHUP and when it changes" },
  { key: "ssl_keystore_type", prop: "sslKeystoreType", kind: { type: "enum", values: ["PEM"] }, describe: "format of ssl_keystore_location" },
  { key: "ssl_key_password", prop: "sslKeyPassword", kind: { type: "string", nullable: true }, describe: "passphrase of an encrypted private key in the keystore" },
  { key: "ssl_truststore_location", prop: "sslTruststoreLocation", kind: { type: "string", nullable: true }, describe: "PEM file of CA certificates client certificates are checked against" },
  { key: "ssl_truststore_type", prop: "sslTruststoreType", kind: { type: "enum", values: ["PEM"] }, describe: "format of ssl_truststore_location" },
  { key: "ssl_client_auth", prop: "sslClientAuth", kind: { type: "enum", values: ["none", "requested", "required"] }, describe: "client certificates on SSL listeners (default none)" },
  { key: "ssl_principal_mapping_rules", prop: "sslPrincipalMappingRules", kind: { type: "string", nonEmpty: true }, describe: "Kafka's RULE:pattern/replacement/[LU] list turning a certificate subject into a user name (default DEFAULT: the whole subject)" },
  { key: "ssl_enabled_protocols", prop: "sslEnabledProtocols", kind: { type: "string", nonEmpty: true }, describe: "TLS versions served (default TLSv1.2,TLSv1.3; nothing older)" },
  { key: "ssl_cipher_suites", prop: "sslCipherSuites", kind: { type: "string", nullable: true }, describe: "OpenSSL cipher list for TLS 1.2 (default: Bun's)" },
  { key: "remote_storage_endpoint", prop: "remoteStorageEndpoint", kind: { type: "string", nullable: true }, describe: "tiered storage: URL of the S3-compatible object store (unset: AWS S3 of remote_storage_region)" },
  { key: "remote_storage_bucket", prop: "remoteStorageBucket", kind: { type: "string", nullable: true }, describe: "tiered storage: bucket for uploaded segments (unset: no tiered storage)" },
  { key: "remote_storage_prefix", prop: "remoteStoragePrefix", kind: { type: "string" }, describe: "tiered storage: key prefix of every object (default empty)" },
  { key: "remote_storage_region", prop: "remoteStorageRegion", kind: { type: "string", nonEmpty: true }, describe: "tiered storage: region the requests are signed for (default us-east-1)" },
  { key: "remote_storage_access_key_id", prop: "remoteStorageAccessKeyId", kind: { type: "string", nullable: true }, describe: "tiered storage: access key id (unset: Bun's S3 defaults from the environment)" },
  { key: "remote_storage_secret_access_key", prop: "remoteStorageSecretAccessKey", kind: { type: "string", nullable: true }, describe: "tiered storage: secret access key" },
  { key: "remote_storage_path_style", prop: "remoteStoragePathStyle", kind: { type: "bool" }, describe: "tiered storage: path-style URLs (endpoint/bucket/key; default true) rather than virtual-hosted (bucket.endpoint/key)" },
  { key: "authorizer_enabled", prop: "authorizerEnabled", kind: { type: "bool" }, describe: "enforce ACLs on every API (Kafka's authorizer.class.name = StandardAuthorizer)" },
  { key: "super_users", prop: "superUsers", kind: { type: "string", nullable: true }, describe: "principals allowed every operation: User:a;User:b" },
  { key: "allow_everyone_if_no_acl_found", prop: "allowEveryoneIfNoAclFound", kind: { type: "bool" }, describe: "allow a resource without any ACL binding to everyone" },
  { key: "quota_window_num", prop: "quotaWindowNum", kind: { type: "int", min: 2, max: 1000 }, describe: "samples kept for client-quota rates" },
  { key: "quota_window_size_seconds", prop: "quotaWindowSizeSeconds", kind: { type: "int", min: 1, max: 3600 }, describe: "length of each client-quota rate sample, seconds" },
  { key: "process_roles", cluster: true, prop: "processRoles", kind: { type: "string", nullable: true }, describe: "broker, controller or broker,controller (unset: one node, as before)" },
  { key: "controller_quorum_voters", cluster: true, prop: "controllerQuorumVoters", kind: { type: "string", nullable: true }, describe: "the controller quorum: id@host:port,..." },
  { key: "listeners", cluster: true, prop: "listeners", kind: { type: "string", nullable: true }, describe: "NAME://host:port,... (default PLAINTEXT://host:kafka_port)" },
  { key: "advertised_listeners", cluster: true, prop: "advertisedListeners", kind: { type: "string", nullable: true }, describe: "NAME://host:port,... told to clients and peers" },
  { key: "controller_listener_names", cluster: true, prop: "controllerListenerNames", kind: { type: "string", nullable: true }, describe: "listener names of the controller transport (default CONTROLLER)" },
  { key: "inter_broker_listener_name", cluster: true, prop: "interBrokerListenerName", kind: { type: "string", nullable: true }, describe: "listener brokers use to reach each other (default PLAINTEXT)" },
];

export function defaultConfig(): BrokerConfig {
  return {
    host: "0.0.0.0",
    advertisedHost: "",
    kafkaPort: 9092,
    dataDir: "./data",
    nodeId: 0,
    rack: null,
    logLevel: "info",
    logFormat: "text",
    maxConnections: DEFAULT_MAX_CONNECTIONS,
    connectionsMaxIdleMs: DEFAULT_CONNECTIONS_MAX_IDLE_MS,
    socketRequestMaxBytes: MAX_REQUEST_FRAME_BYTES,
    queuedMaxRequestBytes: DEFAULT_QUEUED_MAX_REQUEST_BYTES,
    autoCreateTopicsEnable: true,
    transactionPartitionVerificationEnable: true,
    numPartitions: 1,
    defaultReplicationFactor: 1,
    offsetsRetentionMinutes: 10080,
    offsetsTopicNumPartitions: 50,
    offsetsTopicReplicationFactor: 3,
    transactionStateLogNumPartitions: 50,
    transactionStateLogReplicationFactor: 3,
    transactionMaxTimeoutMs: 900_000,
    transactionalIdExpirationMs: 604_800_000,
    transactionAbortTimedOutTransactionCleanupIntervalMs: 10_000,
    transactionRemoveExpiredTransactionCleanupIntervalMs: 3_600_000,
    groupInitialRebalanceDelayMs: 3000,
    groupMinSessionTimeoutMs: 6000,
    groupMaxSessionTimeoutMs: 1_800_000,
    groupConsumerSessionTimeoutMs: 45_000,
    groupConsumerHeartbeatIntervalMs: 5_000,
    logCleanerThreads: 1,
    logCleanerDedupeBufferSize: 128 * 1024 * 1024,
    logCleanerIoMaxBytesPerSecond: 0,
    logCleanerBackoffMs: 15_000,
    logScrubBytesPerSecond: 8 * 1024 * 1024,
    logScrubIntervalMs: 86_400_000,
    logWriteBehind: "off",
    processRoles: null,
    controllerQuorumVoters: null,
    listeners: null,
    advertisedListeners: null,
    controllerListenerNames: null,
    interBrokerListenerName: null,
    adminApiPort: 9644,
    adminApiHost: null,
    metricsEnabled: true,
    schemaRegistryPort: 8081,
    schemaRegistryHost: null,
    httpProxyPort: 8082,
    httpProxyHost: null,
    consolePort: 8080,
    consoleHost: null,
    consoleRoles: null,
    consoleLoginMechanism: "SCRAM-SHA-256",
    consoleConnectUrl: null,
    consumerInstanceTimeoutMs: 300_000,
    listenerSecurityProtocolMap: null,
    saslEnabledMechanisms: "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
    httpAuthenticationMethod: "NONE",
    plainSaslJaasConfig: null,
    saslOauthbearerJwksEndpointUrl: null,
    saslOauthbearerExpectedAudience: null,
    saslOauthbearerExpectedIssuer: null,
    saslOauthbearerSubClaimName: "sub",
    saslOauthbearerClockSkewSeconds: 30,
    connectionsMaxReauthMs: 0,
    connectionFailedAuthenticationDelayMs: 100,
    saslServerMaxReceiveSize: 524_288,
    sslKeystoreLocation: null,
    sslKeystoreType: "PEM",
    sslKeyPassword: null,
    sslTruststoreLocation: null,
    sslTruststoreType: "PEM",
    sslClientAuth: "none",
    sslPrincipalMappingRules: "DEFAULT",
    sslEnabledProtocols: "TLSv1.2,TLSv1.3",
    sslCipherSuites: null,
    remoteStorageEndpoint: null,
    remoteStorageBucket: null,
    remoteStoragePrefix: "",
    remoteStorageRegion: "us-east-1",
    remoteStorageAccessKeyId: null,
    remoteStorageSecretAccessKey: null,
    remoteStoragePathStyle: true,
    authorizerEnabled: false,
    superUsers: null,
    allowEveryoneIfNoAclFound: false,
    quotaWindowNum: 11,
    quotaWindowSizeSeconds: 1,
  };
}

function accepts(kind: Kind): string {
  switch (kind.type) {
    case "int":
      return `an integer from ${kind.min} to ${kind.max}`;
    case "bool":
      return "true or false";
    case "string":
      return kind.nonEmpty ? "a non-empty string" : "a string";
    case "enum":
      return `one of ${kind.values.join(", ")}`;
  }
}

function parseValue(spec: KeySpec, raw: unknown, source: string): unknown {
  const bad = () =>
    new ConfigError(`${source}: invalid value ${JSON.stringify(raw)} for ${spec.key} (${spec.describe}); accepts ${accepts(spec.kind)}`);
  const kind = spec.kind;
  switch (kind.type) {
    case "int": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isInteger(n) || n < kind.min || n > kind.max) throw bad();
      return n;
    }
    case "bool": {
      if (raw === true || raw === "true") return true;
      if (raw === false || raw === "false") return false;
      throw bad();
    }
    case "string": {
      if (raw === null && kind.nullable) return null;
      if (typeof raw !== "string" && typeof raw !== "number") throw bad();
      const s = String(raw);
      if (kind.nonEmpty && s.length === 0) throw bad();
      return s;
    }
    case "enum": {
      if (typeof raw !== "string" || !kind.values.includes(raw)) throw bad();
      return raw;
    }
  }
}

export interface LoadOptions {
  env?: Record<string, string | undefined>;
  /** Path of a YAML file; defaults to TAKHIN_CONFIG from env. */
  file?: string;
  /** Values set by code (embedding, tests); applied last. */
  overrides?: Partial<BrokerConfig>;
}

/** Builds and validates the configuration; throws ConfigError naming the bad key. */
export function loadConfig(opts: LoadOptions = {}): BrokerConfig {
  const env = opts.env ?? process.env;
  const cfg = defaultConfig() as unknown as Record<string, unknown>;
  const file = opts.file ?? env.TAKHIN_CONFIG;
  if (file) {
    let parsed: unknown;
    try {
      parsed = Bun.YAML.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new ConfigError(`config file ${file}: ${(e as Error).message}`);
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== "object" || Array.isArray(parsed)) throw new ConfigError(`config file ${file}: expected a mapping of keys to values`);
      for (const [key, raw] of Object.entries(parsed as Record<string, unknown>)) {
        const spec = KEYS.find((k) => k.key === key);
        if (!spec) throw new ConfigError(`config file ${file}: unknown key ${key}; known keys: ${KEYS.map((k) => k.key).join(", ")}`);
        cfg[spec.prop] = parseValue(spec, raw, `config file ${file}`);
      }
    }
  }
  for (const spec of KEYS) {
    const name = "TAKHIN_" + spec.key.toUpperCase();
    const raw = env[name];
    if (raw !== undefined) cfg[spec.prop] = parseValue(spec, raw, `environment variable ${name}`);
  }
  if (opts.overrides) {
    for (const [prop, value] of Object.entries(opts.overrides)) {
      const spec = KEYS.find((k) => k.prop === prop);
      if (!spec) throw new ConfigError(`unknown configuration property ${prop}`);
      cfg[prop] = parseValue(spec, value, "override");
    }
  }
  const out = cfg as unknown as BrokerConfig;
  if (out.groupMinSessionTimeoutMs > out.groupMaxSessionTimeoutMs) {
    throw new ConfigError(
      `invalid value ${out.groupMinSessionTimeoutMs} for group_min_session_timeout_ms: above group_max_session_timeout_ms (${out.groupMaxSessionTimeoutMs})`,
    );
  }
  if (out.groupConsumerHeartbeatIntervalMs >= out.groupConsumerSessionTimeoutMs) {
    throw new ConfigError(
      `invalid value ${out.groupConsumerHeartbeatIntervalMs} for group_consumer_heartbeat_interval_ms: not below group_consumer_session_timeout_ms (${out.groupConsumerSessionTimeoutMs})`,
    );
  }
  if (!out.advertisedHost) out.advertisedHost = out.host === "0.0.0.0" || out.host === "::" ? "127.0.0.1" : out.host;
  return out;
}

/** Every key with its environment variable and meaning (for the README and --help). */
export function describeKeys(): { key: string; env: string; describe: string; accepts: string }[] {
  return KEYS.filter((k) => !k.cluster).map((k) => ({ key: k.key, env: "TAKHIN_" + k.key.toUpperCase(), describe: k.describe, accepts: accepts(k.kind) }));
}

/** The cluster keys (docs/cluster.md documents them; the README table will list them too). */
export function describeClusterKeys(): { key: string; env: string; describe: string; accepts: string }[] {
  return KEYS.filter((k) => k.cluster).map((k) => ({ key: k.key, env: "TAKHIN_" + k.key.toUpperCase(), describe: k.describe, accepts: accepts(k.kind) }));
}

/**
 * The internal Kafka client (used by the cluster, the console and the CLI; speaks to Takhin and to
 * Apache Kafka). Layers, each in its own file, lowest first:
 *
 *   socket.ts      FrameSocket: one TCP connection cut into size-prefixed frames, write buffering
 *   frames.ts      request/response frame encoding (headers per protocol/header.ts)
 *   versions.ts    ApiVersions negotiation: the highest version both sides speak, per API
 *   connection.ts  BrokerConnection: pipelining by correlation id, bounded queues, per-request
 *                  timeouts, reconnect with bounded backoff, ApiVersions on every connect
 *   client.ts      KafkaClient: bootstrap + Metadata, a connection per broker, typed calls
 *                  (metadata, produce, fetch, listOffsets, createTopics, deleteTopics,
 *                  describeConfigs) and `send()` for any API in src/protocol
 *   limits.ts      the client's named bounds; errors.ts its errors (`retriable` on each)
 *
 * Depends only on src/protocol (it sits beside the broker, not on it): the broker's cluster layer
 * may use it to reach other brokers without a cycle. See docs/architecture-client.md.
 */
export * from "./client.ts";
export * from "./connection.ts";
export * from "./errors.ts";
export * from "./frames.ts";
export * from "./limits.ts";
export * from "./socket.ts";
export * from "./versions.ts";

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
 *   errors.ts      its errors (`retriable` on each); its named bounds (CLIENT_*) are in src/limits.ts
 *
 * Depends only on src/protocol (it sits beside the broker, not on it): the broker's cluster layer
 * may use it to reach other brokers without a cycle. See docs/architecture-client.md.
 */
export * from "./client.ts";
export * from "./connection.ts";
export * from "./errors.ts";
export * from "./frames.ts";
export { CLIENT_MAX_IN_FLIGHT_REQUESTS, CLIENT_MAX_QUEUED_REQUESTS, CLIENT_MAX_RESPONSE_FRAME_BYTES, CLIENT_MAX_PENDING_WRITE_BYTES, CLIENT_DEFAULT_REQUEST_TIMEOUT_MS, CLIENT_CONNECT_TIMEOUT_MS, CLIENT_RECONNECT_BACKOFF_MS, CLIENT_RECONNECT_BACKOFF_MAX_MS, CLIENT_MAX_CONNECT_ATTEMPTS, CLIENT_MAX_BROKERS } from "../limits.ts";
export * from "./socket.ts";
export * from "./versions.ts";

/**
 * Named bounds of the internal Kafka client (src/client). Every queue, map and buffer the client
 * grows has one here; a connection or client option may lower (or raise) each per instance.
 */

/** Requests written to one connection and not yet answered (pipelined by correlation id). */
export const CLIENT_MAX_IN_FLIGHT_REQUESTS = 64;
/** Requests waiting for an in-flight slot (or for the connection to come up); more are refused. */
export const CLIENT_MAX_QUEUED_REQUESTS = 1024;
/** Largest response frame accepted; a bigger size prefix closes the connection. */
export const CLIENT_MAX_RESPONSE_FRAME_BYTES = 256 * 1024 * 1024;
/** Bytes handed to the socket and not yet flushed; dispatch pauses above this. */
export const CLIENT_MAX_PENDING_WRITE_BYTES = 64 * 1024 * 1024;
/** Default per-request timeout (Kafka's request.timeout.ms default). */
export const CLIENT_DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** TCP connect plus ApiVersions negotiation, per attempt. */
export const CLIENT_CONNECT_TIMEOUT_MS = 10_000;
/** First reconnect backoff and its cap (doubling with jitter; Kafka's reconnect.backoff.ms/max.ms). */
export const CLIENT_RECONNECT_BACKOFF_MS = 50;
export const CLIENT_RECONNECT_BACKOFF_MAX_MS = 1_000;
/** Connection attempts for one connect before it fails (each bounded by the connect timeout). */
export const CLIENT_MAX_CONNECT_ATTEMPTS = 10;
/** Brokers a client keeps from Metadata (and so connections it may open). */
export const CLIENT_MAX_BROKERS = 10_000;

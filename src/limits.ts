/**
 * Every bound the broker enforces, in one place. Units are in the names. A limit that a Kafka
 * config also sets (socket.request.max.bytes, ...) is the default for that config; the config
 * module may lower or raise it within the hard bounds below.
 */

/** Largest request frame accepted (Kafka's socket.request.max.bytes default, 100 MiB). */
export const MAX_REQUEST_FRAME_BYTES = 100 * 1024 * 1024;
/** Default budget of request bytes held in memory across all connections (queued.max.request.bytes). */
export const DEFAULT_QUEUED_MAX_REQUEST_BYTES = 512 * 1024 * 1024;
/** Largest number of requests read from one connection and not yet answered. */
export const MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION = 1024;
/** Largest number of response bytes queued on a connection before we stop reading from it. */
export const MAX_PENDING_WRITE_BYTES_PER_CONNECTION = 64 * 1024 * 1024;
/** Default cap on simultaneously open client connections (max.connections). */
export const DEFAULT_MAX_CONNECTIONS = 10_000;
/** Default idle time after which a connection is closed (connections.max.idle.ms). */
export const DEFAULT_CONNECTIONS_MAX_IDLE_MS = 600_000;
/** Most middlewares in the Kafka listener's request chain (server/middleware.ts). */
export const MAX_REQUEST_MIDDLEWARES = 32;
/** Largest tagged-field count accepted in one tagged-field section. */
export const MAX_TAGGED_FIELDS = 1024;
/** Deepest nesting of structs a schema may declare (guards the codec's recursion). */
export const MAX_SCHEMA_DEPTH = 16;
/** Largest client id, topic name or other string we keep from the wire (Kafka strings are int16-sized). */
export const MAX_STRING_BYTES = 32767;
/** Delayed operations (Produce acks=all, Fetch long polls) waiting in one purgatory at most. */
export const MAX_DELAYED_OPERATIONS = 100_000;
/** Delayed operations watching one topic-partition at most (past it, they answer at once). */
export const MAX_DELAYED_OPERATION_WATCHERS_PER_KEY = 65_536;
/** Upper bound on one Fetch's wait, whatever max_wait_ms asks. */
export const MAX_FETCH_WAIT_MS = 30_000;
/** Kafka's fetch.max.bytes default (55 MiB): the broker's cap on one Fetch response's record bytes. */
export const DEFAULT_FETCH_MAX_BYTES = 57_671_680;
/** Segment .log files kept open at once by default (LRU; colder ones are closed and reopened on use). */
export const DEFAULT_MAX_OPEN_SEGMENT_FILES = 4096;

// Metadata: topics and partitions a client can create (src/metadata, cluster/topic-admin.ts).
/** Most partitions one topic may have: more is INVALID_PARTITIONS (Kafka has no bound but memory). */
export const MAX_PARTITIONS_PER_TOPIC = 100_000;
/**
 * Most partitions one CreateTopics or CreatePartitions request may add in total (Kafka's
 * controller MAX_PARTITIONS_PER_BATCH): more is POLICY_VIOLATION for every topic of the request.
 */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;
/**
 * Most metadata records one client request may produce (Kafka's MAX_RECORDS_PER_USER_OP): a
 * CreateTopics whose topics need more (a TopicRecord, ConfigRecords, PartitionRecords) is
 * POLICY_VIOLATION for every topic.
 */
export const MAX_METADATA_RECORDS_PER_REQUEST = 10_000;
/** Default cap on topics in the cluster: creating more is POLICY_VIOLATION. */
export const DEFAULT_MAX_TOPICS = 50_000;
/** Default cap on partitions over all topics: creating more is POLICY_VIOLATION. */
export const DEFAULT_MAX_PARTITIONS = 200_000;
/** Kafka's message.max.bytes default: the largest batch a topic accepts unless it says otherwise. */
export const DEFAULT_MESSAGE_MAX_BYTES = 1_048_588;
/** Kafka's lower bound for fetch.max.bytes. */
export const MIN_FETCH_MAX_BYTES = 1024;

export interface LimitValues {
  /** socket.request.max.bytes: the largest request frame. */
  socketRequestMaxBytes: number;
  /** The largest byte count one log append takes (storage's MAX_APPEND_BYTES). */
  maxAppendBytes: number;
  /** The largest decompressed records section the broker will produce (compression's bound). */
  maxDecompressedBatchBytes: number;
  /** fetch.max.bytes. */
  fetchMaxBytes: number;
  /** Segment files kept open at once. */
  maxOpenSegmentFiles: number;
}

/**
 * The relationships the limits must keep, checked once at start: each violated one is named with
 * the values, so a bad combination stops the broker with a clear message instead of failing
 * requests later. (queued.max.request.bytes may be below the frame size on purpose: one frame may
 * exceed the budget when nothing else is held, see server/request-memory.ts.)
 */
export function assertLimitRelations(v: LimitValues): void {
  const broken: string[] = [];
  if (v.socketRequestMaxBytes < DEFAULT_MESSAGE_MAX_BYTES) {
    broken.push(`socket.request.max.bytes ${v.socketRequestMaxBytes} is below message.max.bytes ${DEFAULT_MESSAGE_MAX_BYTES}: a batch the topics accept could not reach the broker`);
  }
  if (v.maxAppendBytes < v.socketRequestMaxBytes) {
    broken.push(`the append size ${v.maxAppendBytes} is below socket.request.max.bytes ${v.socketRequestMaxBytes}: a batch a request can carry could not be appended`);
  }
  if (v.maxDecompressedBatchBytes < DEFAULT_MESSAGE_MAX_BYTES) {
    broken.push(`the decompression bound ${v.maxDecompressedBatchBytes} is below message.max.bytes ${DEFAULT_MESSAGE_MAX_BYTES}: an accepted compressed batch could not be validated`);
  }
  if (v.fetchMaxBytes < MIN_FETCH_MAX_BYTES) broken.push(`fetch.max.bytes ${v.fetchMaxBytes} is below ${MIN_FETCH_MAX_BYTES}`);
  if (v.maxOpenSegmentFiles < 2) broken.push(`the open segment file budget ${v.maxOpenSegmentFiles} is below 2`);
  if (broken.length > 0) throw new RangeError(`inconsistent limits: ${broken.join("; ")}`);
}

// The internal Kafka client (src/client): every queue, map and buffer it grows. A connection or
// client option may lower (or raise) each per instance.

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

/** Largest request body the Admin API reads (PUT /v1/cluster_config); larger answers 413. */
export const ADMIN_API_MAX_BODY_BYTES = 1024 * 1024;
/** Keys one PUT /v1/cluster_config may upsert or remove, together. */
export const ADMIN_API_MAX_CONFIG_KEYS = 1000;
/** Consumer-group lag series computed per /metrics scrape (groups x partitions); the rest are left out and counted. */
export const METRICS_MAX_LAG_SERIES = 10_000;
/** Partition series (size, offsets) per scrape; the rest are left out and counted. */
export const METRICS_MAX_PARTITION_SERIES = 10_000;
/** Topics counted for bytes in/out on the request path; further topics are summed under topic="_other". */
export const METRICS_MAX_TOPICS = 10_000;
/** Entries a list endpoint (/v1/topics, /v1/groups) returns at most. */
export const ADMIN_API_MAX_LIST_ENTRIES = 100_000;

// Transaction coordinator (src/coordinator/txn)
/** Transactional ids one coordinator keeps in memory at most; a new id past it answers COORDINATOR_NOT_AVAILABLE until ids expire. */
export const TXN_MAX_TRANSACTIONAL_IDS = 1_000_000;
/** Partitions one transaction may span at most (AddPartitionsToTxn past it answers INVALID_REQUEST for the excess). */
export const TXN_MAX_PARTITIONS_PER_TRANSACTION = 100_000;
/** Transactions whose markers one coordinator writes at once; the rest wait their turn. */
export const TXN_MAX_MARKER_WRITES_IN_FLIGHT = 1024;
/** Pending transactional offset commits one group holds (producer id x partition) at most. */
export const TXN_MAX_PENDING_OFFSETS_PER_GROUP = 100_000;

// The log cleaner (src/storage/cleaner).
/**
 * Producer ids whose last batch the cleaner tracks per cleaning of one log (clean-log.ts). Clients
 * choose how many producers write to a partition; past this many, an emptied batch of an
 * untracked producer is kept (it may carry that producer's state), so only less is removed.
 */
export const CLEANER_MAX_TRACKED_PRODUCERS_PER_LOG = 100_000;

/** Largest request body the Schema Registry reads (a schema with its references); larger answers 413. */
export const SCHEMA_REGISTRY_MAX_BODY_BYTES = 2 * 1024 * 1024;
/** Subjects the Schema Registry keeps (deleted ones included); registering past it answers 50001. */
export const SCHEMA_REGISTRY_MAX_SUBJECTS = 100_000;
/** Versions one subject keeps (deleted ones included); past it, registering answers 50001. */
export const SCHEMA_REGISTRY_MAX_VERSIONS_PER_SUBJECT = 10_000;
/** Distinct schemas (ids) the Schema Registry keeps. */
export const SCHEMA_REGISTRY_MAX_SCHEMAS = 1_000_000;
/** References one schema may declare. */
export const SCHEMA_REGISTRY_MAX_REFERENCES = 1000;
/** Deepest chain of schema references resolved (a cycle stops here too). */
export const SCHEMA_REGISTRY_MAX_REFERENCE_DEPTH = 32;
/** Largest record (key or value) read back from _schemas; a larger one is skipped with a warning. */
export const SCHEMA_REGISTRY_MAX_RECORD_BYTES = 8 * 1024 * 1024;

// The HTTP Proxy (src/http-proxy, Confluent REST Proxy API).
/** Largest request body the HTTP Proxy reads (a produce request with its records); larger answers 413. */
export const HTTP_PROXY_MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Records one produce request may carry; more answers 422. */
export const HTTP_PROXY_MAX_RECORDS_PER_REQUEST = 10_000;
/** Consumer instances one node holds; creating another answers 429 until one is deleted or expires. */
export const HTTP_PROXY_MAX_CONSUMER_INSTANCES = 1000;
/** Longest a GET .../records waits for data (its timeout parameter is capped to this). */
export const HTTP_PROXY_MAX_POLL_MS = 30_000;
/** Largest max_bytes of a GET .../records (Confluent's consumer.request.max.bytes default, 64 MiB). */
export const HTTP_PROXY_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Topics and partitions one consumer instance may subscribe to or be assigned. */
export const HTTP_PROXY_MAX_CONSUMER_PARTITIONS = 10_000;

/** ACL bindings the metadata may hold (CreateAcls beyond it: each new binding refused). */
export const MAX_ACL_BINDINGS = 100_000;
/** Principals named in super_users at most. */
export const MAX_SUPER_USERS = 1000;
/** Longest time a connection on a SASL listener may take to authenticate before it is closed. */
export const SASL_AUTHENTICATION_MAX_MS = 30_000;
/** Addresses whose failed logins are remembered (for the growing delay); the oldest are forgotten past it. */
export const MAX_TRACKED_LOGIN_FAILURE_ADDRESSES = 10_000;
/** Largest delay before a failed login's answer, however many failures an address has had. */
export const MAX_FAILED_AUTHENTICATION_DELAY_MS = 10_000;
/** Failed logins from an address are forgotten after this long without another. */
export const LOGIN_FAILURE_MEMORY_MS = 60_000;

/** Client-quota rate trackers kept per quota kind (produce, fetch); the least recently used go first. */
export const MAX_QUOTA_SENSORS = 10_000;

// The console's JavaScript message filters (src/console/filter-sandbox).
/** Longest filter source accepted (UTF-8 bytes); longer code is refused before it is compiled. */
export const CONSOLE_FILTER_MAX_CODE_BYTES = 64 * 1024;
/** Most CPU time one filter run may ask for (its timeoutMs is clamped to this). */
export const CONSOLE_FILTER_MAX_TIMEOUT_MS = 60_000;
/** Most memory one filter run's JavaScript heap may ask for (its memoryBytes is clamped to this). */
export const CONSOLE_FILTER_MAX_MEMORY_BYTES = 256 * 1024 * 1024;
/** Most messages one filter run may scan (its maxScanned is clamped to this). */
export const CONSOLE_FILTER_MAX_SCANNED = 10_000_000;
/** Sandbox workers (threads) running filters at once; further runs wait in a queue. */
export const CONSOLE_FILTER_WORKERS = 2;
/** Filter runs waiting for a worker at most; past it a run is refused at once. */
export const CONSOLE_FILTER_MAX_QUEUED_RUNS = 64;
/** Messages handed to the sandbox in one chunk at most. */
export const CONSOLE_FILTER_CHUNK_MESSAGES = 2000;
/** Text (keys, values, offsets, headers) of one chunk at most, in UTF-16 code units. */
export const CONSOLE_FILTER_CHUNK_TEXT_UNITS = 1024 * 1024;
/** Time a sandbox worker gets past its deadline (or an abort) to answer before it is terminated. */
export const CONSOLE_FILTER_TERMINATE_GRACE_MS = 1000;
/** Longest error message a filter run reports (a filter's own messages are cut to it). */
export const CONSOLE_FILTER_MAX_ERROR_CHARS = 1000;

/** Console (src/console): largest JSON request body. */
export const CONSOLE_MAX_BODY_BYTES = 1024 * 1024;
/** Console: messages one page of the message viewer may ask for. */
export const CONSOLE_MAX_MESSAGES_PER_PAGE = 500;
/** Console: bytes of one Fetch the console makes for the viewer (also the buffer a stream holds at once). */
export const CONSOLE_FETCH_MAX_BYTES = 1024 * 1024;
/** Console: longest key or value text shown per message (longer ones are cut and marked). */
export const CONSOLE_MAX_SHOWN_VALUE_BYTES = 64 * 1024;
/** Console: messages a JS filter search may scan at most per request. */
export const CONSOLE_MAX_FILTER_SCANNED = 1_000_000;
/** Console: CPU time a JS filter may take per batch, and memory it may use. */
export const CONSOLE_FILTER_TIMEOUT_MS = 2_000;
export const CONSOLE_FILTER_MEMORY_BYTES = 64 * 1024 * 1024;
/** Console: live-tail (SSE) streams one session (or one address in development mode) may hold open. */
export const CONSOLE_MAX_STREAMS_PER_CLIENT = 4;
/** Console: a live tail with nothing new sends an SSE comment this often (the server closes sockets idle for 120 s). */
export const CONSOLE_SSE_KEEPALIVE_MS = 15_000;
/** Console: live-tail streams in all. */
export const CONSOLE_MAX_STREAMS = 64;
/** Console: topics and groups one list answer carries at most (the rest are counted, not listed). */
export const CONSOLE_MAX_LIST_ITEMS = 5_000;
/** Console: partitions one topic page or offsets reset handles at most. */
export const CONSOLE_MAX_PARTITIONS = 10_000;
/** Console: logged-in sessions kept (the oldest go first). */
export const CONSOLE_MAX_SESSIONS = 10_000;
/** Console: a session idle this long is forgotten. */
export const CONSOLE_SESSION_IDLE_MS = 8 * 60 * 60 * 1000;
/** Console: bytes of a registry / Connect / Admin API answer read at most. */
export const CONSOLE_MAX_UPSTREAM_BYTES = 8 * 1024 * 1024;
/** Console: time an upstream HTTP call (registry, Connect, Admin API) may take. */
export const CONSOLE_UPSTREAM_TIMEOUT_MS = 15_000;
/** Console: schemas (by id) kept decoded for the message viewer. */
export const CONSOLE_MAX_CACHED_SCHEMAS = 1000;
/** Console: headers one produced message may carry. */
export const CONSOLE_MAX_HEADERS = 100;
/** Largest response body the console reads from a Kafka Connect REST API (src/console/connect). */
export const CONSOLE_CONNECT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Default time a Kafka Connect REST call may take before it is abandoned. */
export const CONSOLE_CONNECT_DEFAULT_TIMEOUT_MS = 30_000;
/** Tiered storage (src/storage/remote): bytes of remote chunks cached in memory, and one chunk's size (a ranged GET). */
export const REMOTE_CHUNK_CACHE_BYTES = 64 * 1024 * 1024;
export const REMOTE_CHUNK_BYTES = 1024 * 1024;
/** Tiered storage: remote segments' parsed offset indexes kept at once. */
export const REMOTE_MAX_CACHED_INDEXES = 1024;
/** Tiered storage: remote segments one partition's metadata view holds at most. */
export const REMOTE_MAX_SEGMENTS_PER_PARTITION = 1_000_000;
/** Tiered storage: remote reads (fetch, ListOffsets) under way at once, and waiting; past both a read fails retriably. */
export const REMOTE_MAX_READS_IN_FLIGHT = 16;
export const REMOTE_MAX_READS_QUEUED = 1024;

/**
 * The replica manager (Kafka's ReplicaManager): the semantics of Produce and Fetch, in domain
 * terms (topic, partition, offsets, error codes), for every caller — the Kafka handlers today, the
 * HTTP proxy and the console later — without a Kafka request context.
 *
 * Produce (appendRecords): per partition, clients kept off the coordinators' topics
 * (internal-topics.ts), the leader lookup (a topic it does not have, whatever its name, is
 * UNKNOWN_TOPIC_OR_PARTITION as in Kafka), the acks policy (0, 1, -1) and the ISR check (min.insync.replicas), then Partition.appendAsLeader. With acks=-1
 * the answer waits in the produce purgatory until the high watermark covers the appended records
 * (on one node it already does, so it completes at once), or the request's timeout
 * (REQUEST_TIMED_OUT), or a leadership change (NOT_LEADER_OR_FOLLOWER).
 *
 * Transactional produce: a client's transactional batch for a partition where its producer has no
 * ongoing transaction yet is first verified with the transaction coordinator (txnVerifier, KIP-890
 * part 1): 0 lets it append; an error answers that partition. Produce v11 and below carry the
 * coordinator's retriable errors as NOT_ENOUGH_REPLICAS (what Kafka 3.6+ answers, so older clients
 * retry without a metadata refresh); INVALID_TXN_STATE, INVALID_PRODUCER_EPOCH, PRODUCER_FENCED
 * and the rest as they are. Without a verifier (no coordinator wired) the batch is INVALID_TXN_STATE;
 * with transaction_partition_verification_enable false it is appended unchecked, as Kafka does.
 * Transaction markers (writeTxnMarkers) are appended with origin "coordinator" and acks=-1.
 *
 * Fetch (fetchMessages): per partition, the leader and leader-epoch checks, the offset range check
 * (OFFSET_OUT_OF_RANGE), reads up to the high watermark as views of mapped segments within the
 * partition and response byte limits, the response limit being min(max_bytes, fetch.max.bytes)
 * with Kafka's KIP-74 rule (the first batch of the first partition with data is returned even
 * above the limits, so a consumer always progresses). Read committed fetches read up to the last
 * stable offset and carry the aborted transactions of the range read. When fewer than min_bytes are available and nothing failed, the fetch waits
 * in the fetch purgatory until an append or high-watermark move on one of its partitions makes
 * min_bytes available, an error appears (deletion, leadership change), or max_wait_ms passes; a
 * fetch of no partitions (an empty incremental session) waits max_wait_ms, so idle consumers do
 * not spin.
 *
 * Events: the replica manager subscribes once to each partition log it waits on; every append and
 * high-watermark move calls checkAndComplete for that partition's key. The partition manager tells
 * it about deleted partitions and leadership changes.
 */
import { ErrorCode } from "../protocol/errors.ts";
import { DEFAULT_FETCH_MAX_BYTES, MAX_FETCH_WAIT_MS, MAX_REQUEST_FRAME_BYTES, assertLimitRelations } from "../limits.ts";
import { MAX_DECOMPRESSED_BATCH_BYTES } from "../compression/index.ts";
import { segmentFiles } from "../storage/segment-files.ts";
import type { Logger } from "../util/log.ts";
import { CorruptRecordsError, LogDirOfflineError, MAX_APPEND_BYTES, OffsetOutOfRangeError, type PartitionLog } from "../storage/index.ts";
import type { AppendOrigin, Partition, RecordError } from "./partition.ts";
import type { PartitionListener, PartitionManager } from "./partition-manager.ts";
import { DelayedOperation, Purgatory } from "./purgatory.ts";
import { failsBeforeTheLog } from "./batch-validator.ts";
import { clientWriteRefusal } from "./internal-topics.ts";
import type { TopicRegistry } from "./topics.ts";
import { divergingEpoch, endOffsetForEpoch, type EpochEnd } from "./replication/divergence.ts";
import type { TxnProduceVerifier } from "./txn-contract.ts";
import type { RemoteLogManager } from "../storage/remote/remote-log-manager.ts";
import { BATCH_HEADER_BYTES, TRANSACTIONAL_BIT, readBatchHeader } from "../protocol/record-batch.ts";

/** The coordinator errors Produce v11 and below answer as NOT_ENOUGH_REPLICAS (retriable, no metadata refresh). */
const VERIFY_RETRIABLE = new Set<number>([
  ErrorCode.CONCURRENT_TRANSACTIONS,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
]);

// ---------------------------------------------------------------------------------------------
// Produce

export interface ProducePartitionInput {
  topic: string;
  partition: number;
  /** One v2 batch (Produce v3+); null is refused with INVALID_RECORD. */
  records: Uint8Array | null;
}

export interface ProduceOptions {
  /** 0 (no answer expected), 1 (leader appended) or -1 (all in-sync replicas have it). */
  acks: number;
  /** How long an acks=-1 produce may wait for the high watermark. */
  timeoutMs: number;
  origin?: AppendOrigin;
  /** The Produce version (codec rules); omitted for non-Kafka callers: the latest. */
  produceVersion?: number;
  nowMs?: number;
  /** The Produce request's transactional_id (null or omitted: none). */
  transactionalId?: string | null;
}

/**
 * A test fault for one produce to one partition (src/embed/faults.ts sets the hook; nothing on the
 * wire can): answer `errorCode` instead of appending, or, with `afterAppend`, append and then answer
 * the error (a lost acknowledgement: the client retries a write that is already in the log).
 */
export interface ProduceFault {
  errorCode: number;
  errorMessage: string;
  afterAppend: boolean;
}

export type ProduceFaultHook = (topic: string, partition: number) => ProduceFault | null;

export interface ProducePartitionResult {
  topic: string;
  partition: number;
  errorCode: number;
  errorMessage: string | null;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  recordErrors: RecordError[];
}

// ---------------------------------------------------------------------------------------------
// Fetch

export interface FetchPartitionInput {
  /** The topic by name, or (Fetch v13+) by id when `topic` is undefined. */
  topic?: string;
  topicId?: string;
  partition: number;
  fetchOffset: bigint;
  partitionMaxBytes: number;
  /** -1 when the client does not know it. */
  currentLeaderEpoch: number;
  /** Fetch v12+: the epoch of the last record the fetcher has (followers), -1 otherwise. */
  lastFetchedEpoch?: number;
}

export interface FetchOptions {
  maxWaitMs: number;
  minBytes: number;
  /** The request's max_bytes; <= 0 means no request limit (the broker's fetch.max.bytes still applies). */
  maxBytes: number;
  readCommitted: boolean;
  /** A follower's broker id (Fetch replica_id / ReplicaState); -1 (default) for consumers. */
  replicaId?: number;
  /** The follower's broker epoch (ReplicaState, Fetch v15+, KIP-903); -1 when not sent. */
  replicaEpoch?: bigint;
}

export interface FetchPartitionResult {
  /** The topic's name and id ("" when the topic is unknown under the key the caller used). */
  topicName: string;
  topicId: string;
  partition: number;
  errorCode: number;
  /** Whole batches as views of mapped segments (no copy). */
  records: Uint8Array[];
  recordBytes: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  /** The aborted transactions of the range read for read_committed, null for read_uncommitted. */
  abortedTransactions: { producerId: bigint; firstOffset: bigint }[] | null;
  /** Followers: where their log diverges from this leader's (KIP-320); no records then. */
  divergingEpoch?: EpochEnd;
}

export interface ReplicaManagerOptions {
  /** fetch.max.bytes: cap on one Fetch response's record bytes (default 55 MiB, Kafka's). */
  fetchMaxBytes?: number;
  /** socket.request.max.bytes, for the start-time check of the limits' relationships. */
  socketRequestMaxBytes?: number;
  log?: Logger;
}

function partitionKey(p: Partition): string {
  return `${p.topic.id}:${p.index}`;
}

function storageErrorCode(error: unknown): number | null {
  if (error instanceof LogDirOfflineError) return ErrorCode.KAFKA_STORAGE_ERROR;
  if (error instanceof OffsetOutOfRangeError) return ErrorCode.OFFSET_OUT_OF_RANGE;
  // Kafka answers a CorruptRecordException met while reading its log with CORRUPT_MESSAGE.
  if (error instanceof CorruptRecordsError) return ErrorCode.CORRUPT_MESSAGE;
  return null;
}

type PendingProduce = { partition: Partition; requiredOffset: number; written: boolean } | null;

/** Produce waits for a write-behind append (acks=1) this long at most, whatever timeout_ms says (Kafka's acks=1 does not time out). */
const WRITE_ACK_MAX_WAIT_MS = 300_000;

/** The answer to one produce, waiting in the produce purgatory until the high watermark covers it. */
class DelayedProduce extends DelayedOperation {
  constructor(
    private readonly results: ProducePartitionResult[],
    /**
     * Per result: the partition and the offset the high watermark (acks=-1) or, with `written`
     * (acks=1), the written end of the log must reach; or null (answered).
     */
    private readonly pending: PendingProduce[],
    private readonly stillLeader: (p: Partition) => boolean,
    private readonly deliver: (r: ProducePartitionResult[]) => void,
  ) {
    super();
  }

  canComplete(): boolean {
    for (let i = 0; i < this.pending.length; i++) {
      const w = this.pending[i];
      if (w === null) continue;
      if (w.written) {
        // acks=1 with a write-behind append: answered once the bytes are written (or failed).
        if (w.partition.writtenEndOffset >= w.requiredOffset) {
          this.pending[i] = null;
        } else if (w.partition.offline) {
          this.results[i]!.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
          this.results[i]!.errorMessage = "the write failed: the log directory is offline";
          this.pending[i] = null;
        } else {
          return false;
        }
      } else if (!this.stillLeader(w.partition)) {
        this.results[i]!.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
        this.results[i]!.errorMessage = "leadership changed while waiting for the in-sync replicas";
        this.pending[i] = null;
      } else if (w.partition.offline) {
        this.results[i]!.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
        this.results[i]!.errorMessage = "the write failed: the log directory is offline";
        this.pending[i] = null;
      } else if (w.partition.highWatermark >= w.requiredOffset) {
        if (w.partition.isrSize < w.partition.minInsyncReplicas) {
          // The ISR shrank below min.insync.replicas while the request waited (Kafka's rule).
          this.results[i]!.errorCode = ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
          this.results[i]!.errorMessage = `the ISR has ${w.partition.isrSize} replicas, fewer than min.insync.replicas ${w.partition.minInsyncReplicas}`;
        }
        this.pending[i] = null;
      } else {
        return false;
      }
    }
    return true;
  }

  protected override onExpire(): void {
    for (let i = 0; i < this.pending.length; i++) {
      if (this.pending[i] === null) continue;
      this.results[i]!.errorCode = ErrorCode.REQUEST_TIMED_OUT;
      this.results[i]!.errorMessage = "timed out waiting for the in-sync replicas";
    }
  }

  protected onComplete(): void {
    this.deliver(this.results);
  }

  get keys(): string[] {
    return this.pending.filter((w) => w !== null).map((w) => partitionKey(w!.partition));
  }
}

interface FetchPass {
  results: FetchPartitionResult[];
  partitions: Partition[];
  totalBytes: number;
  anyError: boolean;
  /** Partitions whose fetch offset is below the local log start, in the remote tier (read after the pass). */
  remote: { result: FetchPartitionResult; partition: Partition; offset: number; partitionMaxBytes: number }[];
}

/** A fetch waiting for min_bytes: each check reads again (views of mappings: cheap). */
class DelayedFetch extends DelayedOperation {
  pass: FetchPass;

  constructor(
    private readonly read: () => FetchPass,
    first: FetchPass,
    private readonly minBytes: number,
    private readonly deliver: (r: FetchPartitionResult[]) => void,
  ) {
    super();
    this.pass = first;
  }

  canComplete(): boolean {
    this.pass = this.read();
    return this.pass.anyError || this.pass.totalBytes >= this.minBytes;
  }

  protected override onExpire(): void {
    this.pass = this.read();
  }

  protected onComplete(): void {
    this.deliver(this.pass.results);
  }
}

export class ReplicaManager implements PartitionListener {
  readonly produceWaits: Purgatory<DelayedProduce>;
  readonly fetchWaits: Purgatory<DelayedFetch>;
  private readonly subscribed = new WeakSet<PartitionLog>();
  /** fetch.max.bytes (Kafka's broker config): caps every Fetch response, whatever max_bytes asks. */
  fetchMaxBytes: number;
  private readonly log: Logger | undefined;
  /** The transaction coordinator's check of transactional batches (wired by the lifecycle); null refuses them. */
  txnVerifier: TxnProduceVerifier | null = null;
  /** transaction.partition.verification.enable: false appends a transactional batch without asking the coordinator (Kafka's switch). */
  txnVerificationEnabled = true;
  /** Test faults for produces (fault-hooks in src/embed); null, the default, costs one check per partition. */
  produceFaults: ProduceFaultHook | null = null;
  /**
   * Tiered storage (storage/remote, docs/tiered-storage.md): consumers' fetches below the local log
   * start of a topic with remote.storage.enable are read from the object store; null without it.
   */
  remote: RemoteLogManager | null = null;

  constructor(
    private readonly partitions: PartitionManager,
    private readonly topics: TopicRegistry,
    options: ReplicaManagerOptions = {},
  ) {
    this.fetchMaxBytes = options.fetchMaxBytes ?? DEFAULT_FETCH_MAX_BYTES;
    assertLimitRelations({
      socketRequestMaxBytes: options.socketRequestMaxBytes ?? MAX_REQUEST_FRAME_BYTES,
      maxAppendBytes: MAX_APPEND_BYTES,
      maxDecompressedBatchBytes: MAX_DECOMPRESSED_BATCH_BYTES,
      fetchMaxBytes: this.fetchMaxBytes,
      maxOpenSegmentFiles: segmentFiles.limit,
    });
    this.log = options.log;
    const onError = (error: unknown) => this.log?.error("delayed operation failed", { error });
    this.produceWaits = new Purgatory("produce", { onError });
    this.fetchWaits = new Purgatory("fetch", { onError });
    partitions.addListener(this);
  }

  /** Log directories that failed (a write or sync error) and whose partitions answer KAFKA_STORAGE_ERROR. */
  get offlineLogDirCount(): number {
    return this.partitions.logs.offlineLogDirs.length;
  }

  // ----- Produce -------------------------------------------------------------------------------

  /**
   * Appends to each partition as leader and answers per partition; the answer is immediate (an
   * array) unless acks=-1 must wait for the high watermark (a promise). Results keep the inputs'
   * order.
   */
  appendRecords(inputs: ProducePartitionInput[], options: ProduceOptions): ProducePartitionResult[] | Promise<ProducePartitionResult[]> {
    const verdicts = (options.origin ?? "client") === "client" ? this.transactionalChecks(inputs, options) : null;
    if (verdicts === null) return this.appendNow(inputs, options, null);
    return Promise.all(verdicts).then((codes) => this.appendNow(inputs, options, codes));
  }

  /**
   * Per input, the transaction coordinator's verdict on its transactional batch (a promise of an
   * error code, 0 meaning verified), or undefined when there is nothing to ask; null when no input
   * needs asking (the common, non-transactional case stays synchronous).
   */
  private transactionalChecks(inputs: ProducePartitionInput[], options: ProduceOptions): (Promise<number> | number | undefined)[] | null {
    let out: (Promise<number> | number | undefined)[] | null = null;
    for (let i = 0; i < inputs.length; i++) {
      const records = inputs[i]!.records;
      if (records === null || records.length < BATCH_HEADER_BYTES || records[16] !== 2) continue;
      const h = readBatchHeader(records, 0);
      if ((h.attributes & TRANSACTIONAL_BIT) === 0) continue;
      out ??= new Array(inputs.length);
      const p = this.partitions.get(inputs[i]!.topic, inputs[i]!.partition);
      if (!p) continue; // answered by the leader lookup
      if (!options.transactionalId) {
        out[i] = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      } else if (p.producers.hasOngoingTxn(h.producerId, h.producerEpoch)) {
        out[i] = ErrorCode.NONE; // verified with its transaction's first batch here
      } else if (!this.txnVerificationEnabled) {
        out[i] = ErrorCode.NONE; // verification off: accepted as Kafka accepts it
      } else if (this.txnVerifier === null) {
        out[i] = ErrorCode.INVALID_TXN_STATE;
      } else {
        const version = options.produceVersion ?? 11;
        out[i] = this.txnVerifier
          .verifyPartition(options.transactionalId, h.producerId, h.producerEpoch, { topic: inputs[i]!.topic, partition: inputs[i]!.partition })
          .then((code) => (version <= 11 && VERIFY_RETRIABLE.has(code) ? ErrorCode.NOT_ENOUGH_REPLICAS : code))
          .catch((error) => {
            this.log?.warn("transaction verification failed", { topic: inputs[i]!.topic, partition: inputs[i]!.partition, error });
            return ErrorCode.NOT_ENOUGH_REPLICAS;
          });
      }
    }
    return out;
  }

  private appendNow(inputs: ProducePartitionInput[], options: ProduceOptions, verdicts: (number | undefined)[] | null): ProducePartitionResult[] | Promise<ProducePartitionResult[]> {
    const nowMs = options.nowMs ?? Date.now();
    const results: ProducePartitionResult[] = [];
    const pending: PendingProduce[] = [];
    // Client records with an answer to wait for may be written behind (storage's write-behind): the
    // answer then trails the write. acks=0 has no answer to hold, so the request's bytes (perhaps the
    // connection's reusable frame buffer) must be written before the handler returns.
    const writeBehind = (options.origin ?? "client") === "client" && options.acks !== 0;
    let waiting = false;
    const validAcks = options.acks === 0 || options.acks === 1 || options.acks === -1;
    for (const input of inputs) {
      const out: ProducePartitionResult = {
        topic: input.topic,
        partition: input.partition,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        baseOffset: -1n,
        logAppendTimeMs: -1n,
        logStartOffset: -1n,
        recordErrors: [],
      };
      results.push(out);
      pending.push(null);
      if (!validAcks) {
        out.errorCode = ErrorCode.INVALID_REQUIRED_ACKS;
        out.errorMessage = `acks must be 0, 1 or -1, not ${options.acks}`;
        continue;
      }
      // Before the leader lookup, as Kafka: a client is refused an internal topic on every broker.
      const refused = (options.origin ?? "client") === "client" ? clientWriteRefusal(input.topic, "append to") : null;
      if (refused) {
        Object.assign(out, refused);
        continue;
      }
      const p = this.partitions.get(input.topic, input.partition);
      if (!p) {
        const elsewhere = this.partitions.ledElsewhere(input.topic, input.partition);
        out.errorCode = elsewhere ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        out.errorMessage = elsewhere ? `this server is not the leader of ${input.topic}-${input.partition}` : `this server does not host ${input.topic}-${input.partition}`;
        continue;
      }
      if (input.records === null) {
        out.errorCode = ErrorCode.INVALID_RECORD;
        out.errorMessage = "null records";
        continue;
      }
      if (options.acks === -1 && p.minInsyncReplicas > p.isrSize) {
        out.errorCode = ErrorCode.NOT_ENOUGH_REPLICAS;
        out.errorMessage = `min.insync.replicas is ${p.minInsyncReplicas} but the ISR has ${p.isrSize} replica${p.isrSize === 1 ? "" : "s"}`;
        continue;
      }
      const fault = this.produceFaults === null || (options.origin ?? "client") !== "client" ? null : this.produceFaults(input.topic, input.partition);
      if (fault !== null && !fault.afterAppend) {
        out.errorCode = fault.errorCode;
        out.errorMessage = fault.errorMessage;
        continue;
      }
      const verdict = verdicts?.[results.length - 1];
      if (verdict !== undefined && verdict !== ErrorCode.NONE) {
        out.errorCode = verdict;
        out.errorMessage = verdict === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED ? "transactional records need a transactional id" : `the transaction coordinator refused the partition (error ${verdict})`;
        continue;
      }
      const r = p.appendAsLeader(input.records, { origin: options.origin ?? "client", nowMs, produceVersion: options.produceVersion, transactionVerified: verdict === ErrorCode.NONE, writeBehind });
      out.errorCode = r.errorCode;
      out.errorMessage = r.errorMessage;
      out.baseOffset = r.baseOffset;
      out.logAppendTimeMs = r.logAppendTimeMs;
      out.logStartOffset = failsBeforeTheLog(r.errorCode, input.records) ? -1n : r.logStartOffset; // as Kafka
      out.recordErrors = r.recordErrors;
      if (fault !== null && r.errorCode === ErrorCode.NONE) {
        Object.assign(out, { errorCode: fault.errorCode, errorMessage: fault.errorMessage, baseOffset: -1n, logAppendTimeMs: -1n });
        continue;
      }
      if (options.acks === -1 && r.errorCode === ErrorCode.NONE && p.highWatermark <= Number(r.lastOffset)) {
        pending[pending.length - 1] = { partition: p, requiredOffset: Number(r.lastOffset) + 1, written: false };
        waiting = true;
      } else if (options.acks === 1 && r.errorCode === ErrorCode.NONE && p.writtenEndOffset <= Number(r.lastOffset)) {
        pending[pending.length - 1] = { partition: p, requiredOffset: Number(r.lastOffset) + 1, written: true };
        waiting = true;
      }
    }
    if (!waiting) return results;
    return new Promise((resolve) => {
      const op = new DelayedProduce(results, pending, (p) => this.partitions.get(p.topic.name, p.index) === p, resolve);
      for (const w of pending) if (w !== null) this.watchLog(w.partition);
      this.produceWaits.tryCompleteElseWatch(op, op.keys, options.acks === 1 ? WRITE_ACK_MAX_WAIT_MS : Math.max(0, options.timeoutMs));
    });
  }

  // ----- Fetch ---------------------------------------------------------------------------------

  /**
   * Reads each partition; answers at once (an array) when min_bytes are there, something failed or
   * max_wait_ms is 0, else waits in the fetch purgatory (a promise). Results keep the inputs' order.
   */
  fetchMessages(inputs: FetchPartitionInput[], options: FetchOptions): FetchPartitionResult[] | Promise<FetchPartitionResult[]> {
    const limit = Math.min(options.maxBytes > 0 ? options.maxBytes : this.fetchMaxBytes, this.fetchMaxBytes);
    const replicaId = options.replicaId ?? -1;
    const diverging = replicaId >= 0 ? this.followerFetched(inputs, replicaId, options.replicaEpoch ?? -1n) : null;
    const read = () => this.readAll(inputs, limit, options.readCommitted, replicaId, diverging);
    const first = read();
    if (first.remote.length > 0) return this.readRemote(first, limit, options.readCommitted);
    const minBytes = Math.max(options.minBytes, 1);
    const waitMs = Math.min(Math.max(options.maxWaitMs, 0), MAX_FETCH_WAIT_MS);
    const mayWait = waitMs > 0 && !first.anyError && first.totalBytes < minBytes && (first.partitions.length > 0 || inputs.length === 0);
    if (!mayWait) return first.results;
    return new Promise((resolve) => {
      const op = new DelayedFetch(read, first, minBytes, resolve);
      for (const p of first.partitions) this.watchLog(p);
      this.fetchWaits.tryCompleteElseWatch(op, first.partitions.map(partitionKey), waitMs);
    });
  }

  /**
   * The remote part of a fetch (Kafka's DelayedRemoteFetch): each partition below its local log
   * start is read from the object store in turn, within what the response has left; answered when
   * all are done, without waiting for min_bytes. A failed remote read answers that partition with
   * KAFKA_STORAGE_ERROR (retriable: the client retries the same offset), never with other bytes.
   * (Kafka 4.4 answers Errors.forException of its RemoteStorageException, i.e. UNKNOWN_SERVER_ERROR,
   * which clients do not all retry; see docs/tiered-storage.md.)
   */
  private async readRemote(pass: FetchPass, responseMaxBytes: number, readCommitted: boolean): Promise<FetchPartitionResult[]> {
    let total = pass.totalBytes;
    for (const w of pass.remote) {
      const remote = this.remote;
      const r = w.result;
      const budget = Math.min(w.partitionMaxBytes, responseMaxBytes - total);
      const minOneBatch = total === 0;
      if ((budget <= 0 && !minOneBatch) || remote === null) continue;
      const p = w.partition;
      try {
        const upper = readCommitted ? p.lastStableOffset : p.highWatermark;
        const got = await remote.read(p.topic.id, p.index, w.offset, Math.max(0, budget), minOneBatch, upper, readCommitted);
        r.records = got.records;
        r.recordBytes = got.sizeBytes;
        if (got.abortedTransactions) r.abortedTransactions = got.abortedTransactions.map((t) => ({ producerId: t.producerId, firstOffset: BigInt(t.firstOffset) }));
        total += got.sizeBytes;
      } catch (error) {
        this.log?.warn("remote read failed", { topic: p.topic.name, partition: p.index, offset: w.offset, error: (error as Error).message });
        r.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
        r.records = [];
        r.recordBytes = 0;
      }
    }
    return pass.results;
  }

  /** Called after a follower's fetch moved its state (the replication manager checks the ISR). */
  onFollowerFetch: ((p: Partition, replicaId: number, replicaEpoch: bigint) => void) | null = null;

  /**
   * A follower's fetch, once at receipt (not at every re-check while it waits): where the
   * follower diverges (answered with divergingEpoch, its state untouched), else its fetch offset
   * is its log end: the leader's follower state and maybe the high watermark move.
   */
  private followerFetched(inputs: FetchPartitionInput[], replicaId: number, replicaEpoch: bigint): Map<FetchPartitionInput, EpochEnd> {
    const diverging = new Map<FetchPartitionInput, EpochEnd>();
    const nowMs = Date.now();
    for (const input of inputs) {
      const topic = input.topic === undefined ? this.topics.getById(input.topicId ?? "") : this.topics.get(input.topic);
      const p = topic ? this.partitions.get(topic.name, input.partition) : undefined;
      const state = p?.leaderState;
      if (!p || !state || p.offline) continue;
      if (input.currentLeaderEpoch >= 0 && input.currentLeaderEpoch !== p.leaderEpoch) continue;
      const offset = Number(input.fetchOffset);
      const d = divergingEpoch(p.log.epochs.all(), p.logEndOffset, input.lastFetchedEpoch ?? -1, offset);
      if (d) {
        diverging.set(input, d);
        continue;
      }
      if (offset < p.logStartOffset || offset > p.logEndOffset) continue;
      if (state.followerFetched(replicaId, offset, nowMs)) p.log.updateHighWatermark(state.highWatermark);
      this.onFollowerFetch?.(p, replicaId, replicaEpoch);
    }
    return diverging;
  }

  private readAll(inputs: FetchPartitionInput[], responseMaxBytes: number, readCommitted: boolean, replicaId = -1, diverging: Map<FetchPartitionInput, EpochEnd> | null = null): FetchPass {
    const results: FetchPartitionResult[] = [];
    const partitions: Partition[] = [];
    let totalBytes = 0;
    let anyError = false;
    const remote: FetchPass["remote"] = [];
    for (const input of inputs) {
      const byId = input.topic === undefined;
      const topic = byId ? this.topics.getById(input.topicId ?? "") : this.topics.get(input.topic!);
      const r: FetchPartitionResult = {
        topicName: topic?.name ?? input.topic ?? "",
        topicId: topic?.id ?? input.topicId ?? "",
        partition: input.partition,
        errorCode: ErrorCode.NONE,
        records: [],
        recordBytes: 0,
        highWatermark: -1n,
        lastStableOffset: -1n,
        logStartOffset: -1n,
        abortedTransactions: readCommitted ? [] : null,
      };
      results.push(r);
      const p = topic ? this.partitions.get(topic.name, input.partition) : undefined;
      if (!p) {
        r.errorCode = !topic && byId ? ErrorCode.UNKNOWN_TOPIC_ID : topic && this.partitions.ledElsewhere(topic.name, input.partition) ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        anyError = true;
        continue;
      }
      if (input.currentLeaderEpoch >= 0 && input.currentLeaderEpoch !== p.leaderEpoch) {
        r.errorCode = input.currentLeaderEpoch > p.leaderEpoch ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH;
        anyError = true;
        continue;
      }
      if (replicaId >= 0 && (!p.leaderState || !p.leaderState.replicas.includes(replicaId))) {
        // A fetch from a broker that is not a follower of this partition here.
        r.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
        anyError = true;
        continue;
      }
      partitions.push(p);
      const lastFetchedEpoch = input.lastFetchedEpoch ?? -1;
      let d = diverging?.get(input);
      if (!d && replicaId < 0 && lastFetchedEpoch >= 0) {
        // A consumer's Fetch with lastFetchedEpoch (v12+) is checked as Kafka 4.4's
        // Partition.readRecords does for every fetch: no end offset known for that epoch (it is
        // newer than every epoch in the log) or a fetch offset below the log start answers
        // OFFSET_OUT_OF_RANGE; a log that diverged from it answers divergingEpoch, no records.
        const end = endOffsetForEpoch(p.log.epochs.all(), lastFetchedEpoch, p.logEndOffset);
        const offset = Number(input.fetchOffset);
        if (end.epoch < 0 || end.endOffset < 0 || offset < p.logStartOffset) {
          r.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
          anyError = true;
          continue;
        }
        if (end.epoch < lastFetchedEpoch || end.endOffset < offset) d = end;
      }
      if (d) {
        r.highWatermark = BigInt(p.highWatermark);
        r.lastStableOffset = r.highWatermark;
        r.logStartOffset = BigInt(p.logStartOffset);
        r.divergingEpoch = d;
        anyError = true; // answered at once, like an error
        continue;
      }
      try {
        r.highWatermark = BigInt(p.highWatermark);
        r.lastStableOffset = BigInt(p.lastStableOffset);
        const offset = Number(input.fetchOffset);
        // Consumers of a tiered topic: the log starts in the remote tier (followers keep the local view).
        const tiered = replicaId < 0 && this.remote !== null && p.config.remoteStorageEnable ? this.remote : null;
        const logStart = tiered ? tiered.logStartOffset(p.topic.id, p.index, p.logStartOffset) : p.logStartOffset;
        r.logStartOffset = BigInt(logStart);
        if (offset < logStart || offset > p.logEndOffset) {
          r.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
          anyError = true;
          continue;
        }
        if (offset < p.logStartOffset) {
          remote.push({ result: r, partition: p, offset, partitionMaxBytes: input.partitionMaxBytes });
          continue;
        }
        const budget = Math.min(input.partitionMaxBytes, responseMaxBytes - totalBytes);
        // KIP-74: the first batch of the first partition with data is returned even above the limits.
        const minOneBatch = totalBytes === 0;
        if (budget <= 0 && !minOneBatch) continue;
        const got = replicaId >= 0 ? p.readForReplica(offset, Math.max(0, budget), minOneBatch) : p.read(offset, Math.max(0, budget), minOneBatch, readCommitted);
        if (got.abortedTransactions) r.abortedTransactions = got.abortedTransactions.map((t) => ({ producerId: t.producerId, firstOffset: BigInt(t.firstOffset) }));
        r.records = got.records;
        r.recordBytes = got.sizeBytes;
        totalBytes += got.sizeBytes;
      } catch (error) {
        const code = storageErrorCode(error);
        if (code === null) throw error;
        r.errorCode = code;
        r.highWatermark = -1n;
        r.lastStableOffset = -1n;
        r.logStartOffset = -1n;
        r.records = [];
        r.recordBytes = 0;
        anyError = true;
      }
    }
    return { results, partitions, totalBytes, anyError, remote };
  }

  // ----- Events --------------------------------------------------------------------------------

  /** One subscription per partition log, made the first time an operation waits on it. */
  private watchLog(p: Partition): void {
    if (this.subscribed.has(p.log) || p.log.isClosed) return;
    const key = partitionKey(p);
    try {
      p.log.subscribe(() => {
        this.produceWaits.checkAndComplete(key);
        this.fetchWaits.checkAndComplete(key);
      });
      this.subscribed.add(p.log);
    } catch (error) {
      this.log?.warn("cannot watch partition log", { topic: p.topic.name, partition: p.index, error });
    }
  }

  partitionsRemoved(removed: Partition[]): void {
    for (const p of removed) this.partitionChanged(p);
  }

  leadershipChanged(p: Partition): void {
    this.partitionChanged(p);
  }

  /** A partition went offline, away or changed leader: its waiters re-check (and see the error). */
  partitionChanged(p: Partition): void {
    const key = partitionKey(p);
    this.produceWaits.checkAndComplete(key);
    this.fetchWaits.checkAndComplete(key);
  }

  /** Answers every waiting operation now (shutdown). */
  close(): void {
    this.produceWaits.completeAll();
    this.fetchWaits.completeAll();
  }
}

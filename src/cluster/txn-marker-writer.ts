/**
 * The data path's TxnMarkerWriter (txn-contract.ts): writes a transaction's COMMIT or ABORT marker
 * to each of its partitions and resolves once each marker is replicated (the high watermark past
 * it) or failed.
 *
 * A partition this broker leads takes the marker through the replica manager (origin
 * "coordinator", acks=-1, so the answer waits for the high watermark). A partition led by another
 * broker is sent there in a WriteTxnMarkers request (API 27) by `remote`, when the lifecycle wired
 * one (a cluster); without it such a partition answers NOT_LEADER_OR_FOLLOWER, and the coordinator
 * retries it later as Kafka's marker channel does.
 *
 * The marker (Kafka's EndTransactionMarker) is a control batch (attributes transactional|control)
 * of the producer id and epoch, base sequence -1, holding one record:
 *   key:   version int16 (0), type int16 (0 ABORT, 1 COMMIT)
 *   value: version int16 (0), coordinatorEpoch int32
 */
import { ErrorCode } from "../protocol/errors.ts";
import { CONTROL_BIT, ControlType, TRANSACTIONAL_BIT, buildRecordBatch } from "../protocol/record-batch.ts";
import type { ReplicaManager } from "./replica-manager.ts";
import type { TopicPartitionRef, TxnMarkerRequest, TxnMarkerResult, TxnMarkerWriter } from "./txn-contract.ts";

/** How long a marker append waits for the in-sync replicas before it answers REQUEST_TIMED_OUT. */
export const DEFAULT_MARKER_TIMEOUT_MS = 30_000;
/** Partitions in one marker request at most (a transaction's partitions are bounded by the coordinator too). */
export const MAX_MARKER_PARTITIONS = 100_000;

/** Sends markers for partitions another broker leads (WriteTxnMarkers to each leader). */
export interface RemoteMarkerSender {
  /** The partitions of `request` this broker does not lead, to their leaders; one result per partition. */
  send(request: TxnMarkerRequest, partitions: TopicPartitionRef[]): Promise<TxnMarkerResult[]>;
}

const MARKER_VERSION = 0;

/** The control batch of one transaction's end (offset 0: the log assigns it). */
export function buildMarkerBatch(producerId: bigint, producerEpoch: number, coordinatorEpoch: number, result: "commit" | "abort", nowMs = Date.now()): Uint8Array {
  const key = new Uint8Array(4);
  const kv = new DataView(key.buffer);
  kv.setInt16(0, MARKER_VERSION);
  kv.setInt16(2, result === "commit" ? ControlType.COMMIT : ControlType.ABORT);
  const value = new Uint8Array(6);
  const vv = new DataView(value.buffer);
  vv.setInt16(0, MARKER_VERSION);
  vv.setInt32(2, coordinatorEpoch);
  return buildRecordBatch({
    attributes: TRANSACTIONAL_BIT | CONTROL_BIT,
    producerId,
    producerEpoch,
    baseSequence: -1,
    baseTimestampMs: BigInt(nowMs),
    records: [{ key, value, timestampMs: BigInt(nowMs) }],
  });
}

export interface MarkerWriterOptions {
  timeoutMs?: number;
  remote?: RemoteMarkerSender | null;
}

export class ReplicaMarkerWriter implements TxnMarkerWriter {
  private readonly timeoutMs: number;
  /** Set by the lifecycle in a cluster (WriteTxnMarkers to other leaders). */
  remote: RemoteMarkerSender | null;

  constructor(
    private readonly replicas: () => ReplicaManager,
    options: MarkerWriterOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_MARKER_TIMEOUT_MS;
    this.remote = options.remote ?? null;
  }

  async writeMarkers(request: TxnMarkerRequest): Promise<TxnMarkerResult[]> {
    if (request.partitions.length > MAX_MARKER_PARTITIONS) {
      return request.partitions.map((p) => ({ ...p, errorCode: ErrorCode.INVALID_REQUEST }));
    }
    const local = await this.writeLocal(request, request.partitions);
    const elsewhere = local.filter((r) => r.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER);
    if (elsewhere.length === 0 || this.remote === null) return local;
    const refs = elsewhere.map((r) => ({ topic: r.topic, partition: r.partition }));
    let remote: TxnMarkerResult[];
    try {
      remote = await this.remote.send(request, refs);
    } catch {
      remote = refs.map((p) => ({ ...p, errorCode: ErrorCode.NETWORK_EXCEPTION }));
    }
    const byKey = new Map(remote.map((r) => [`${r.topic}\u0000${r.partition}`, r.errorCode]));
    return local.map((r) => (r.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER ? { ...r, errorCode: byKey.get(`${r.topic}\u0000${r.partition}`) ?? r.errorCode } : r));
  }

  /**
   * Appends the marker to each partition this broker leads (NOT_LEADER_OR_FOLLOWER for the others,
   * UNKNOWN_TOPIC_OR_PARTITION for partitions that do not exist); WriteTxnMarkers' handler calls this.
   */
  async writeLocal(request: TxnMarkerRequest, partitions: TopicPartitionRef[]): Promise<TxnMarkerResult[]> {
    if (partitions.length === 0) return [];
    const nowMs = Date.now();
    const batch = buildMarkerBatch(request.producerId, request.producerEpoch, request.coordinatorEpoch, request.result, nowMs);
    // Each partition appends its own copy: the log stamps offsets and leader epochs in place.
    const inputs = partitions.map((p) => ({ topic: p.topic, partition: p.partition, records: batch.slice() }));
    const results = await this.replicas().appendRecords(inputs, { acks: -1, timeoutMs: this.timeoutMs, origin: "coordinator", nowMs });
    return results.map((r) => ({ topic: r.topic, partition: r.partition, errorCode: r.errorCode }));
  }
}

/**
 * __consumer_offsets: the compacted internal topic that makes committed offsets and group
 * metadata durable, written through the ordinary partition logs and read back at start.
 *
 * Layout (Kafka's): a group lives in partition abs(javaStringHashCode(groupId)) % partitionCount,
 * where abs maps Integer.MIN_VALUE to 0 (Kafka's Utils.abs). Records are Kafka's own formats
 * (apache/kafka group-coordinator OffsetCommitKey/Value, GroupMetadataKey/Value), classic
 * (non-flexible) encoding, big-endian; string = int16 length + UTF-8 (-1 = null);
 * bytes = int32 length + bytes:
 *
 *   key, version 0 or 1 (offset commit):  int16 version, string group, string topic, int32 partition
 *   value (offset commit), version 3:     int16 3, int64 offset, int32 leaderEpoch, string metadata,
 *                                         int64 commitTimestamp
 *   value (offset commit), version 1:     int16 1, int64 offset, string metadata, int64 commitTimestamp,
 *                                         int64 expireTimestamp   (written when retention_time_ms was given)
 *   key, version 2 (group metadata):      int16 2, string group
 *   value (group metadata), version 3:    int16 3, string protocolType, int32 generation,
 *                                         string? protocol, string? leader, int64 currentStateTimestamp,
 *                                         int32 member count, then per member: string memberId,
 *                                         string? groupInstanceId, string clientId, string clientHost,
 *                                         int32 rebalanceTimeout, int32 sessionTimeout,
 *                                         bytes subscription, bytes assignment
 *
 * Key types 3-8 are KIP-848 consumer group records (consumer-group/records.ts documents them).
 * Readers accept offset-commit values 0-3 and group values 0-3. A null value (tombstone) deletes
 * the key: an offset deleted or expired, a group deleted. One commit request is one batch, so its
 * partitions are stored together or not at all; tombstones may span several batches. Records are
 * appended uncompressed, through the partition's append path (Partition.appendAsLeader).
 *
 * Transactional offset commits (TxnOffsetCommit, as Kafka's group coordinator writes them): the
 * same offset-commit records in a transactional batch (attributes bit 4) carrying the request's
 * producer id and epoch, base sequence 0. They are pending until a control batch of that producer
 * (the transaction coordinator's COMMIT or ABORT marker, txn-marker-writer.ts) follows in the same
 * partition; the reader reports markers so a replay applies the same rule (aborted offsets never
 * become visible).
 */
import { batchRecords } from "../compression/index.ts";
import type { Partition } from "../cluster/partition.ts";
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD_BYTES, buildRecordBatch, iterateRecords, readBatchHeader, CONTROL_BIT, TRANSACTIONAL_BIT, type NewRecord } from "../protocol/record-batch.ts";
import { markerType } from "../cluster/partition.ts";
import { ControlType } from "../protocol/record-batch.ts";
import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";
import type { OffsetEntry } from "./offsets-store.ts";
import { decodeConsumerGroupRecord, isConsumerGroupRecordType, type ConsumerGroupRecord } from "./consumer-group/records.ts";

export const OFFSET_KEY_VERSION = 1;
export const GROUP_KEY_VERSION = 2;
export const OFFSET_VALUE_VERSION = 3;
export const OFFSET_VALUE_VERSION_WITH_EXPIRY = 1;
export const GROUP_VALUE_VERSION = 3;
/** Bytes read per step while loading a partition of __consumer_offsets. */
const LOAD_READ_BYTES = 4 * 1024 * 1024;

const utf8 = new TextEncoder();

/** Java's String.hashCode over UTF-16 code units, as a signed 32-bit int. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** The __consumer_offsets partition of a group (Kafka's partitionFor). */
export function offsetsPartitionFor(groupId: string, partitionCount: number): number {
  const h = javaStringHashCode(groupId);
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % partitionCount;
}

function writeString(w: Writer, s: string | null): void {
  if (s === null) {
    w.int16(-1);
    return;
  }
  const b = utf8.encode(s);
  w.int16(b.length);
  w.raw(b);
}

function writeBytes(w: Writer, b: Uint8Array): void {
  w.int32(b.length);
  w.raw(b);
}

export function offsetKey(group: string, topic: string, partition: number): Uint8Array {
  const w = new Writer(64);
  w.int16(OFFSET_KEY_VERSION);
  writeString(w, group);
  writeString(w, topic);
  w.int32(partition);
  return w.toBytes();
}

export function groupKey(group: string): Uint8Array {
  const w = new Writer(32);
  w.int16(GROUP_KEY_VERSION);
  writeString(w, group);
  return w.toBytes();
}

export function offsetValue(e: OffsetEntry): Uint8Array {
  const w = new Writer(64);
  if (e.expireTimestampMs >= 0) {
    w.int16(OFFSET_VALUE_VERSION_WITH_EXPIRY);
    w.int64(e.offset);
    writeString(w, e.metadata);
    w.int64(BigInt(e.commitTimestampMs));
    w.int64(BigInt(e.expireTimestampMs));
  } else {
    w.int16(OFFSET_VALUE_VERSION);
    w.int64(e.offset);
    w.int32(e.leaderEpoch);
    writeString(w, e.metadata);
    w.int64(BigInt(e.commitTimestampMs));
  }
  return w.toBytes();
}

export interface StoredMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  subscription: Uint8Array;
  assignment: Uint8Array;
}

export interface StoredGroup {
  protocolType: string;
  generationId: number;
  protocolName: string | null;
  leaderId: string | null;
  currentStateTimestampMs: number;
  members: StoredMember[];
}

export function groupValue(g: StoredGroup): Uint8Array {
  const w = new Writer(256);
  w.int16(GROUP_VALUE_VERSION);
  writeString(w, g.protocolType);
  w.int32(g.generationId);
  writeString(w, g.protocolName);
  writeString(w, g.leaderId);
  w.int64(BigInt(g.currentStateTimestampMs));
  w.int32(g.members.length);
  for (const m of g.members) {
    writeString(w, m.memberId);
    writeString(w, m.groupInstanceId);
    writeString(w, m.clientId);
    writeString(w, m.clientHost);
    w.int32(m.rebalanceTimeoutMs);
    w.int32(m.sessionTimeoutMs);
    writeBytes(w, m.subscription);
    writeBytes(w, m.assignment);
  }
  return w.toBytes();
}

export type OffsetsRecord =
  | { kind: "offset"; group: string; topic: string; partition: number; value: OffsetEntry | null }
  | { kind: "group"; group: string; value: StoredGroup | null }
  /** KIP-848 consumer group records (key types 3-8; formats in consumer-group/records.ts). */
  | { kind: "consumer"; record: ConsumerGroupRecord };

/** What a replay of one partition meets, in log order: records (with their offset and the batch's transactional producer, -1 when none) and markers. */
export type OffsetsLogEntry =
  | (OffsetsRecord & { recordOffset: number; producerId: bigint })
  | { kind: "marker"; producerId: bigint; commit: boolean; recordOffset: number };

function readString(r: Reader): string {
  return r.string(false) ?? "";
}

/** Decodes one record of __consumer_offsets; null for a key version this broker does not know. */
export function decodeOffsetsRecord(key: Uint8Array, value: Uint8Array | null): OffsetsRecord | null {
  const k = new Reader(key);
  const keyVersion = k.int16();
  if (keyVersion === 0 || keyVersion === 1) {
    const group = readString(k);
    const topic = readString(k);
    const partition = k.int32();
    if (value === null) return { kind: "offset", group, topic, partition, value: null };
    const v = new Reader(value);
    const version = v.int16();
    if (version < 0 || version > 3) return null;
    const offset = v.int64();
    const leaderEpoch = version >= 3 ? v.int32() : -1;
    const metadata = readString(v);
    const commitTimestampMs = Number(v.int64());
    const expireTimestampMs = version === 1 ? Number(v.int64()) : -1;
    return { kind: "offset", group, topic, partition, value: { offset, leaderEpoch, metadata, commitTimestampMs, expireTimestampMs, recordOffset: -1 } };
  }
  if (keyVersion === 2) {
    const group = readString(k);
    if (value === null) return { kind: "group", group, value: null };
    const v = new Reader(value);
    const version = v.int16();
    if (version < 0 || version > 3) return null;
    const protocolType = readString(v);
    const generationId = v.int32();
    const protocolName = v.string(false);
    const leaderId = v.string(false);
    const currentStateTimestampMs = version >= 2 ? Number(v.int64()) : -1;
    const count = v.arrayLength(false) ?? 0;
    const members: StoredMember[] = [];
    for (let i = 0; i < count; i++) {
      const memberId = readString(v);
      const groupInstanceId = version >= 3 ? v.string(false) : null;
      const clientId = readString(v);
      const clientHost = readString(v);
      const rebalanceTimeoutMs = version >= 1 ? v.int32() : 0;
      const sessionTimeoutMs = v.int32();
      const subscription = (v.bytes(false) ?? new Uint8Array(0)).slice();
      const assignment = (v.bytes(false) ?? new Uint8Array(0)).slice();
      members.push({ memberId, groupInstanceId, clientId, clientHost, rebalanceTimeoutMs: rebalanceTimeoutMs || sessionTimeoutMs, sessionTimeoutMs, subscription, assignment });
    }
    return { kind: "group", group, value: { protocolType, generationId, protocolName, leaderId, currentStateTimestampMs, members } };
  }
  if (isConsumerGroupRecordType(keyVersion)) {
    const record = decodeConsumerGroupRecord(keyVersion, k, value);
    return record ? { kind: "consumer", record } : null;
  }
  return null;
}

/**
 * Appends records as one batch through the partition's append path (origin "coordinator": the same
 * validation, leader epoch and producer-state handling as a Produce). Returns the append's Kafka
 * error code (NONE when the batch is in the log) and its message; the caller maps it to the
 * coordinator error its client gets (group-coordinator.ts: coordinatorErrorFor). One batch is
 * all-or-nothing, so a commit is stored whole or not at all; a batch over the topic's
 * max.message.bytes is refused (MESSAGE_TOO_LARGE), as Kafka refuses it.
 */
export function appendOffsetsRecords(
  partition: Partition,
  records: NewRecord[],
  nowMs: number,
  txn: TxnProducer | null = null,
): { errorCode: number; errorMessage: string | null; baseOffset: number } {
  if (records.length === 0) return { errorCode: 0, errorMessage: null, baseOffset: -1 };
  const batch = txn
    ? buildRecordBatch({ baseTimestampMs: BigInt(nowMs), records, attributes: TRANSACTIONAL_BIT, producerId: txn.producerId, producerEpoch: txn.producerEpoch, baseSequence: 0 })
    : buildRecordBatch({ baseTimestampMs: BigInt(nowMs), records });
  const r = partition.appendAsLeader(batch, { origin: "coordinator", nowMs });
  return { errorCode: r.errorCode, errorMessage: r.errorMessage, baseOffset: Number(r.baseOffset) };
}

/** The producer of a transactional offset commit (TxnOffsetCommit's producer id and epoch). */
export interface TxnProducer {
  producerId: bigint;
  producerEpoch: number;
}

/** Bytes a record may take in a batch beyond its key and value (length varints, attributes, deltas, headers count). */
const RECORD_OVERHEAD_BYTES = 32;

/**
 * Appends tombstones (deleted or expired offsets, a deleted group) in as many batches as the topic's
 * max.message.bytes needs, in order, stopping at the first failure. Tombstones may be split because
 * writing one again is harmless: a caller that sees a failure keeps its state in memory and retries
 * the whole set, so a group with many committed partitions can always be deleted.
 */
export function appendOffsetsTombstones(partition: Partition, records: NewRecord[], nowMs: number): { errorCode: number; errorMessage: string | null } {
  const budget = Math.max(1, partition.config.maxMessageBytes - BATCH_HEADER_BYTES);
  let chunk: NewRecord[] = [];
  let size = 0;
  for (const rec of records) {
    const bytes = (rec.key?.length ?? 0) + (rec.value?.length ?? 0) + RECORD_OVERHEAD_BYTES;
    if (chunk.length > 0 && size + bytes > budget) {
      const r = appendOffsetsRecords(partition, chunk, nowMs);
      if (r.errorCode !== 0) return r;
      chunk = [];
      size = 0;
    }
    chunk.push(rec);
    size += bytes;
  }
  return appendOffsetsRecords(partition, chunk, nowMs);
}

/**
 * Every record and transaction marker of one __consumer_offsets partition, oldest first (later
 * records win; a transactional record waits for its producer's marker). Batches that cannot be
 * decoded are skipped with a warning from `onBadRecord`.
 */
export function* readOffsetsPartition(partition: Partition, onBadRecord: (why: string) => void): Generator<OffsetsLogEntry> {
  const log = partition.log;
  let offset = log.logStartOffset;
  const end = log.logEndOffset;
  while (offset < end) {
    const r = log.read(offset, LOAD_READ_BYTES, { maxOffsetExclusive: end, minOneBatch: true });
    if (r.sizeBytes === 0) break;
    let next = offset;
    for (const view of r.batches) {
      for (let pos = 0; pos + BATCH_LOG_OVERHEAD_BYTES <= view.length; ) {
        const h = readBatchHeader(view, pos);
        const size = BATCH_LOG_OVERHEAD_BYTES + h.batchLength;
        const batch = view.subarray(pos, pos + size);
        pos += size;
        next = Math.max(next, Number(h.baseOffset) + h.lastOffsetDelta + 1);
        if ((h.attributes & CONTROL_BIT) !== 0) {
          const type = h.producerId >= 0n ? markerType(batch, h) : null;
          if (type !== null) yield { kind: "marker", producerId: h.producerId, commit: type === ControlType.COMMIT, recordOffset: Number(h.baseOffset) };
          continue;
        }
        const producerId = (h.attributes & TRANSACTIONAL_BIT) !== 0 ? h.producerId : -1n;
        try {
          const decodedBatch: OffsetsLogEntry[] = [];
          for (const rec of iterateRecords(batchRecords(batch), h.recordCount)) {
            if (rec.key === null) continue;
            const decoded = decodeOffsetsRecord(rec.key, rec.value);
            const recordOffset = Number(h.baseOffset) + rec.offsetDelta;
            if (decoded?.kind === "offset" && decoded.value) decoded.value.recordOffset = recordOffset;
            if (decoded) decodedBatch.push({ ...decoded, recordOffset, producerId });
          }
          yield* decodedBatch;
        } catch (e) {
          onBadRecord(`unreadable batch at offset ${h.baseOffset}: ${(e as Error).message}`);
        }
      }
    }
    if (next <= offset) break;
    offset = next;
  }
}

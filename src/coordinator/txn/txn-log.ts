/**
 * __transaction_state: the compacted internal topic that makes the transaction coordinator's
 * state durable. One record per transactional id and state change; the last one of a key wins;
 * a tombstone (null value) removes an expired id.
 *
 * Layout (Kafka's, apache/kafka transaction-coordinator TransactionLogKey.json /
 * TransactionLogValue.json): a transactional id lives in partition
 * abs(javaStringHashCode(id)) % partitionCount (Utils.abs: Integer.MIN_VALUE maps to 0). Both key
 * and value start with an int16 version; the rest is the message body in Kafka's schema encoding.
 *
 *   key, version 0 (non-flexible):   int16 0, string transactionalId
 *   value, version 0 (non-flexible): int16 0, int64 producerId, int16 producerEpoch,
 *                                    int32 transactionTimeoutMs, int8 transactionStatus,
 *                                    array? partitions { string topic, array int32 partitionIds },
 *                                    int64 lastUpdateTimestampMs, int64 startTimestampMs
 *   value, version 1 (flexible):     the same fields in compact encoding, then tagged fields
 *                                    0 previousProducerId int64 (-1), 1 nextProducerId int64 (-1),
 *                                    2 clientTransactionVersion int16 (0), 3 nextProducerEpoch int16 (-1)
 *
 * transactionStatus is Kafka's TransactionState id (txn-state.ts TXN_STATE_IDS). Version 0 is
 * written for clients on transaction version 0/1 and version 1 from transaction version 2 (as
 * Kafka 4.x); readers take both. An Empty transaction is written with null partitions.
 */
import { batchRecords } from "../../compression/index.ts";
import type { Partition } from "../../cluster/partition.ts";
import { decodeMessage, encodeMessage } from "../../protocol/codec.ts";
import { BATCH_LOG_OVERHEAD_BYTES, CONTROL_BIT, iterateRecords, readBatchHeader } from "../../protocol/record-batch.ts";
import { Reader } from "../../protocol/reader.ts";
import { arr, field, request, struct } from "../../protocol/schema.ts";
import { Writer } from "../../protocol/writer.ts";
import { offsetsPartitionFor } from "../offsets-log.ts";

export const TRANSACTION_STATE_TOPIC = "__transaction_state";
export const TXN_KEY_VERSION = 0;

const TransactionLogKey = request({ apiKey: -1, name: "TransactionLogKey", valid: "0", flexible: "none" }, [
  field("transactionalId", "string", "0"),
]);

const TransactionLogValue = request({ apiKey: -1, name: "TransactionLogValue", valid: "0-1", flexible: "1+" }, [
  field("producerId", "int64", "0+"),
  field("previousProducerId", "int64", "1+", { tag: 0, tagged: "1+", default: -1n }),
  field("nextProducerId", "int64", "1+", { tag: 1, tagged: "1+", default: -1n }),
  field("producerEpoch", "int16", "0+"),
  field("nextProducerEpoch", "int16", "1+", { tag: 3, tagged: "1+", default: -1 }),
  field("transactionTimeoutMs", "int32", "0+"),
  field("transactionStatus", "int8", "0+"),
  field("transactionPartitions", arr(struct(
    field("topic", "string", "0+"),
    field("partitionIds", arr("int32"), "0+"),
  )), "0+", { nullable: "0+" }),
  field("transactionLastUpdateTimestampMs", "int64", "0+"),
  field("transactionStartTimestampMs", "int64", "0+"),
  field("clientTransactionVersion", "int16", "1+", { tag: 2, tagged: "1+", default: 0 }),
]);

/** What one value record holds (the durable part of a transaction's metadata). */
export interface TxnLogValue {
  producerId: bigint;
  previousProducerId: bigint;
  nextProducerId: bigint;
  producerEpoch: number;
  nextProducerEpoch: number;
  timeoutMs: number;
  /** Kafka's TransactionState id. */
  status: number;
  /** topic -> partitions; null for Empty. */
  partitions: { topic: string; partitionIds: number[] }[] | null;
  lastUpdateTimestampMs: number;
  startTimestampMs: number;
  clientTransactionVersion: number;
}

/** The __transaction_state partition of a transactional id (Kafka's partitionFor, the same hash as groups). */
export function txnPartitionFor(transactionalId: string, partitionCount: number): number {
  return offsetsPartitionFor(transactionalId, partitionCount);
}

export function txnKey(transactionalId: string): Uint8Array {
  const w = new Writer(32);
  w.int16(TXN_KEY_VERSION);
  encodeMessage(TransactionLogKey, 0, { transactionalId }, w);
  return w.toBytes();
}

export function txnValue(v: TxnLogValue): Uint8Array {
  const version = v.clientTransactionVersion >= 2 ? 1 : 0;
  const w = new Writer(128);
  w.int16(version);
  encodeMessage(TransactionLogValue, version, {
    producerId: v.producerId,
    previousProducerId: v.previousProducerId,
    nextProducerId: v.nextProducerId,
    producerEpoch: v.producerEpoch,
    nextProducerEpoch: v.nextProducerEpoch,
    transactionTimeoutMs: v.timeoutMs,
    transactionStatus: v.status,
    transactionPartitions: v.partitions,
    transactionLastUpdateTimestampMs: BigInt(v.lastUpdateTimestampMs),
    transactionStartTimestampMs: BigInt(v.startTimestampMs),
    clientTransactionVersion: v.clientTransactionVersion,
  }, w);
  return w.toBytes();
}

/** The transactional id of a key, or null for a key version this broker does not know. */
export function decodeTxnKey(key: Uint8Array): string | null {
  const r = new Reader(key);
  const version = r.int16();
  if (version !== TXN_KEY_VERSION) return null;
  return decodeMessage(TransactionLogKey, 0, r).transactionalId as string;
}

/** A value record, or null for a value version this broker does not know. Throws DecodeError on bad bytes. */
export function decodeTxnValue(value: Uint8Array): TxnLogValue | null {
  const r = new Reader(value);
  const version = r.int16();
  if (version !== 0 && version !== 1) return null;
  const m = decodeMessage(TransactionLogValue, version, r);
  return {
    producerId: m.producerId,
    previousProducerId: m.previousProducerId,
    nextProducerId: m.nextProducerId,
    producerEpoch: m.producerEpoch,
    nextProducerEpoch: m.nextProducerEpoch,
    timeoutMs: m.transactionTimeoutMs,
    status: m.transactionStatus,
    partitions: m.transactionPartitions,
    lastUpdateTimestampMs: Number(m.transactionLastUpdateTimestampMs),
    startTimestampMs: Number(m.transactionStartTimestampMs),
    clientTransactionVersion: m.clientTransactionVersion,
  };
}

/** Bytes read per step while loading a partition of __transaction_state. */
const LOAD_READ_BYTES = 4 * 1024 * 1024;

/** One replayed record: the id's latest value, null for a tombstone. */
export interface TxnLogRecord {
  transactionalId: string;
  value: TxnLogValue | null;
}

/**
 * Every record of one __transaction_state partition, oldest first (later records of a key win).
 * Control batches are skipped; a batch or record that cannot be decoded is skipped with a warning
 * from `onBadRecord`, as a key or value version this broker does not know.
 */
export function* readTxnPartition(partition: Partition, onBadRecord: (why: string) => void): Generator<TxnLogRecord> {
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
        if ((h.attributes & CONTROL_BIT) !== 0) continue;
        try {
          for (const rec of iterateRecords(batchRecords(batch), h.recordCount)) {
            if (rec.key === null) continue;
            const transactionalId = decodeTxnKey(rec.key);
            if (transactionalId === null) continue;
            const value = rec.value === null ? null : decodeTxnValue(rec.value);
            if (rec.value !== null && value === null) {
              onBadRecord(`unknown value version for transactional id ${transactionalId} at offset ${h.baseOffset}`);
              continue;
            }
            yield { transactionalId, value };
          }
        } catch (e) {
          onBadRecord(`unreadable batch at offset ${h.baseOffset}: ${(e as Error).message}`);
        }
      }
    }
    if (next <= offset) break;
    offset = next;
  }
}

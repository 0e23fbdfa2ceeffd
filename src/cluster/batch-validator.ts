/**
 * Validation of the records a client sends in a Produce request for one partition, as Kafka's
 * ProduceRequest and LogValidator do it for v3+ requests. Uncompressed batches of a non-compacted
 * topic are checked by their header and CRC alone; records are parsed only for compressed batches
 * and compacted topics:
 *
 * - a magic byte outside 0..2                                        -> CORRUPT_MESSAGE
 * - exactly one v2 batch (magic 2) filling the records bytes        -> INVALID_RECORD
 *   (a batch length that runs past the bytes sent counts as no batch, as in Kafka)
 * - a batch length below the header                                 -> CORRUPT_MESSAGE
 * - batch larger than max.message.bytes                             -> MESSAGE_TOO_LARGE
 * - CRC-32C mismatch                                                -> CORRUPT_MESSAGE
 * - record count < 1 or lastOffsetDelta != count - 1                -> INVALID_RECORD
 * - a control batch from a client (not from a coordinator)          -> INVALID_RECORD
 * - a transactional batch from a client whose partition the transaction coordinator has not
 *   confirmed in the producer's transaction (the replica manager asks it first: allowTransactional)
 *                                                                    -> INVALID_TXN_STATE
 * - CreateTime outside message.timestamp.before/after.max.ms        -> INVALID_TIMESTAMP
 * - an unknown codec id                                            -> INVALID_RECORD
 * - zstd in a Produce request below v7                              -> UNSUPPORTED_COMPRESSION_TYPE
 * - compressed records that do not decompress or parse              -> CORRUPT_MESSAGE
 * - inner offset deltas other than 0..count-1 (compressed batches)  -> INVALID_RECORD
 * - a compacted topic: every record needs a key (records parsed)    -> INVALID_RECORD + recordErrors
 * - a CreateTime record outside the window (when the batch is not)  -> INVALID_TIMESTAMP + recordErrors
 *
 * Record errors (KIP-467), as Kafka's LogValidator reports them: the batch is refused whole, and
 * every offending record is named by its index in the batch with a message. A record without a key
 * on a compacted topic is not checked for its timestamp. The partition's error message is Kafka's
 * summary: "One or more records have been rejected due to invalid timestamp" when any timestamp
 * failed, else "... due to N record errors in total, and only showing the first three errors at
 * most: [RecordError(batchIndex=i, message='...'), ...]". The timestamp window is checked on the
 * batch header first (baseTimestamp..maxTimestamp); only a batch outside it has its records read to
 * find the offending ones, so the hot path still parses no records.
 *
 * With message.timestamp.type=LogAppendTime the batch is stamped in place (timestamp-type bit and
 * maxTimestamp, then the CRC recomputed), as Kafka does for v2 batches.
 */
import { ErrorCode } from "../protocol/errors.ts";
import {
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  BATCH_OFFSET_ATTRIBUTES,
  BATCH_OFFSET_CRC,
  BATCH_OFFSET_MAX_TIMESTAMP,
  COMPRESSION_MASK,
  CONTROL_BIT,
  TIMESTAMP_TYPE_BIT,
  TRANSACTIONAL_BIT,
  computeBatchCrc,
  iterateRecords,
  readBatchHeader,
  type BatchHeader,
} from "../protocol/record-batch.ts";

const MAX_CODEC_ID = 4;
const ZSTD_CODEC = 4;

export interface ValidationOptions {
  /** zstd batches are accepted from Produce v7 on (Kafka answers older ones UNSUPPORTED_COMPRESSION_TYPE). */
  zstdAllowed: boolean;
  maxMessageBytes: number;
  logAppendTime: boolean;
  nowMs: number;
  /** message.timestamp.before.max.ms / after.max.ms; Number.MAX_SAFE_INTEGER or more disables. */
  timestampBeforeMaxMs: number;
  timestampAfterMaxMs: number;
  /** cleanup.policy contains compact: every record must have a key. */
  compacted: boolean;
  /** "topic-partition", for the record error messages (Kafka names the partition). */
  topicPartition?: string;
  /** Coordinator appends (AppendOrigin COORDINATOR) may write control and transactional batches. */
  allowControlAndTransactional?: boolean;
  /** A client's transactional batch the transaction coordinator verified (its partition is in the producer's transaction). */
  allowTransactional?: boolean;
  /** Decompresses a compressed records section (needed only for compacted topics). */
  decompress?: (codec: number, data: Uint8Array) => Uint8Array;
}

export interface RecordError {
  batchIndex: number;
  message: string;
}

export type ValidationResult =
  | {
      ok: true;
      header: BatchHeader;
      sizeBytes: number;
      /** The uncompressed records section, when validation had to read the records. */
      plainRecords?: Uint8Array;
    }
  | { ok: false; errorCode: number; message: string; recordErrors?: RecordError[] };

function fail(errorCode: number, message: string): ValidationResult {
  return { ok: false, errorCode, message };
}

/** Kafka's LogValidator.processRecordErrors: the summary error for a batch with record errors. */
function failRecords(errors: RecordError[], anyTimestamp: boolean): ValidationResult {
  if (anyTimestamp) {
    return { ok: false, errorCode: ErrorCode.INVALID_TIMESTAMP, message: "One or more records have been rejected due to invalid timestamp", recordErrors: errors };
  }
  const shown = errors.slice(0, 3).map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.message}')`);
  return {
    ok: false,
    errorCode: ErrorCode.INVALID_RECORD,
    message: `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${shown.join(", ")}]`,
    recordErrors: errors,
  };
}

/** The failures Kafka finds before its log is consulted (KafkaApis' request checks, then its
 * ReplicaManager's early cases): it answers them with logStartOffset -1, and every other failure
 * (LogValidator's record checks, producer state) with the partition's real log start offset. */
const BEFORE_THE_LOG = new Set<number>([
  ErrorCode.CORRUPT_MESSAGE,
  ErrorCode.MESSAGE_TOO_LARGE,
  ErrorCode.RECORD_LIST_TOO_LARGE,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
  // A transactional batch outside a transaction: Kafka refuses the request before the log
  // (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); Takhin answers the same case with INVALID_TXN_STATE.
  ErrorCode.INVALID_TXN_STATE,
]);

/** Whether Kafka answers a produce that failed with `errorCode` with logStartOffset -1. */
export function failsBeforeTheLog(errorCode: number, records: Uint8Array | null): boolean {
  if (BEFORE_THE_LOG.has(errorCode)) return true;
  if (errorCode !== ErrorCode.INVALID_RECORD) return false;
  // INVALID_RECORD from the request's shape (not exactly one v2 batch) rather than from a record.
  if (records === null || records.length < BATCH_LOG_OVERHEAD_BYTES + 5) return true;
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  return view.getInt8(16) !== 2 || BATCH_LOG_OVERHEAD_BYTES + view.getInt32(8) !== records.length;
}

/** Kafka's RecordBatch.NO_TIMESTAMP: a record without a timestamp is never out of range. */
const NO_TIMESTAMP = -1n;

export function validateProducedBatch(records: Uint8Array, opts: ValidationOptions): ValidationResult {
  if (records.length < BATCH_LOG_OVERHEAD_BYTES + 5) {
    return fail(ErrorCode.INVALID_RECORD, "produce requests of version 3 and above must contain exactly one record batch");
  }
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  // Kafka's order (ByteBufferLogInputStream, then ProduceRequest): a magic no format has is a
  // corrupt batch; a batch cut short is no batch at all; then only v2 is accepted.
  const magic = view.getInt8(16);
  const batchLength = view.getInt32(8);
  const sizeBytes = BATCH_LOG_OVERHEAD_BYTES + batchLength;
  if (magic < 0 || magic > 2) return fail(ErrorCode.CORRUPT_MESSAGE, `invalid record batch magic ${magic}`);
  if (sizeBytes > records.length) return fail(ErrorCode.INVALID_RECORD, `batch length ${batchLength} runs past the ${records.length} bytes sent: produce requests of version 3 and above must contain exactly one record batch`);
  if (magic !== 2) return fail(ErrorCode.INVALID_RECORD, `record batch magic ${magic}; produce v3+ requires magic 2`);
  if (batchLength < BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD_BYTES) return fail(ErrorCode.CORRUPT_MESSAGE, `batch length ${batchLength} is below the header size`);
  if (sizeBytes < records.length) return fail(ErrorCode.INVALID_RECORD, "produce requests of version 3 and above must contain exactly one record batch");
  if (sizeBytes > opts.maxMessageBytes) {
    return fail(ErrorCode.MESSAGE_TOO_LARGE, `batch of ${sizeBytes} bytes exceeds max.message.bytes ${opts.maxMessageBytes}`);
  }
  const header = readBatchHeader(records, 0);
  if (computeBatchCrc(records, 0, sizeBytes) !== header.crc) return fail(ErrorCode.CORRUPT_MESSAGE, "record batch CRC-32C mismatch");
  if (header.recordCount < 1) return fail(ErrorCode.INVALID_RECORD, `invalid record count ${header.recordCount}`);
  if (header.lastOffsetDelta !== header.recordCount - 1) {
    return fail(ErrorCode.INVALID_RECORD, `last offset delta ${header.lastOffsetDelta} does not match record count ${header.recordCount}`);
  }
  if (header.attributes & CONTROL_BIT && !opts.allowControlAndTransactional) return fail(ErrorCode.INVALID_RECORD, "clients may not produce control batches");
  if (header.attributes & TRANSACTIONAL_BIT && !opts.allowControlAndTransactional && !opts.allowTransactional) {
    return fail(ErrorCode.INVALID_TXN_STATE, "the partition was not added to the producer's transaction");
  }
  if (header.attributes & TRANSACTIONAL_BIT && header.producerId < 0n) return fail(ErrorCode.INVALID_RECORD, "a transactional batch needs a producer id");

  const earliest = BigInt(opts.nowMs) - BigInt(Math.min(opts.timestampBeforeMaxMs, Number.MAX_SAFE_INTEGER));
  const latest = BigInt(opts.nowMs) + BigInt(Math.min(opts.timestampAfterMaxMs, Number.MAX_SAFE_INTEGER));
  // A batch whose header range leaves the window has its records read to find the offending ones;
  // records read anyway (compressed, compacted) are each checked, as Kafka does. An uncompressed
  // batch of a non-compacted topic inside the window is not parsed: its header range is trusted
  // (a record older than baseTimestamp in a later position is not caught there; the hot path).
  const headerOutOfRange =
    !opts.logAppendTime &&
    ((header.baseTimestamp !== NO_TIMESTAMP && header.baseTimestamp < earliest) || header.maxTimestamp > latest);

  const codec = header.attributes & COMPRESSION_MASK;
  if (codec > MAX_CODEC_ID) return fail(ErrorCode.INVALID_RECORD, `unknown compression codec ${codec}`);
  if (codec === ZSTD_CODEC && !opts.zstdAllowed) {
    return fail(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, "zstd needs produce version 7 or later");
  }
  // Compressed batches are opened to check their records (consumers must never receive a batch
  // that does not decompress); compacted topics need every record's key.
  let plainRecords: Uint8Array | undefined;
  if (codec !== 0 || opts.compacted || headerOutOfRange) {
    const checkTimestamps = !opts.logAppendTime;
    let body = records.subarray(BATCH_HEADER_BYTES, sizeBytes);
    if (codec !== 0 && !opts.decompress) return fail(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `cannot read compression ${codec}`);
    try {
      if (codec !== 0) body = opts.decompress!(codec, body);
    } catch (e) {
      return fail(ErrorCode.CORRUPT_MESSAGE, `compressed records do not decompress: ${(e as Error).message}`);
    }
    let expectedDelta = 0;
    const recordErrors: RecordError[] = [];
    let anyTimestamp = false;
    try {
      let index = 0;
      for (const rec of iterateRecords(body, header.recordCount)) {
        const batchIndex = index++;
        if (rec.offsetDelta !== expectedDelta++) {
          return fail(ErrorCode.INVALID_RECORD, `inner record offset delta ${rec.offsetDelta}, expected ${expectedDelta - 1}`);
        }
        if (opts.compacted && rec.key === null) {
          recordErrors.push({ batchIndex, message: `Compacted topic cannot accept message without key in topic partition ${opts.topicPartition ?? "unknown"}` });
          continue;
        }
        if (checkTimestamps) {
          const ts = header.baseTimestamp + BigInt(rec.timestampDelta);
          if (ts !== NO_TIMESTAMP && (ts < earliest || ts > latest)) {
            anyTimestamp = true;
            recordErrors.push({
              batchIndex,
              message: `Timestamp ${ts} of message with offset ${header.baseOffset + BigInt(rec.offsetDelta)} is out of range. The timestamp should be within [${earliest}, ${latest}]`,
            });
          }
        }
      }
    } catch (e) {
      return fail(ErrorCode.CORRUPT_MESSAGE, `malformed records: ${(e as Error).message}`);
    }
    if (recordErrors.length > 0) return failRecords(recordErrors, anyTimestamp);
    if (headerOutOfRange) {
      // The header's range leaves the window though no record does: refuse on the header, as before.
      return fail(ErrorCode.INVALID_TIMESTAMP, `batch timestamps ${header.baseTimestamp}..${header.maxTimestamp} outside the allowed range`);
    }
    plainRecords = body;
  }


  if (opts.logAppendTime) {
    view.setInt16(BATCH_OFFSET_ATTRIBUTES, header.attributes | TIMESTAMP_TYPE_BIT);
    view.setBigInt64(BATCH_OFFSET_MAX_TIMESTAMP, BigInt(opts.nowMs));
    view.setUint32(BATCH_OFFSET_CRC, computeBatchCrc(records, 0, sizeBytes));
    header.attributes |= TIMESTAMP_TYPE_BIT;
    header.maxTimestamp = BigInt(opts.nowMs);
  }
  return { ok: true, header, sizeBytes, plainRecords };
}

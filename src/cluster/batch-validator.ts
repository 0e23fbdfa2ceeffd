/**
 * Validation of the records a client sends in a Produce request for one partition, as Kafka's
 * ProduceRequest and LogValidator do it for v3+ requests, without parsing records unless the
 * topic needs it:
 *
 * - exactly one v2 batch (magic 2) filling the records bytes        -> INVALID_RECORD
 * - a batch length that runs past the bytes or is below the header  -> CORRUPT_MESSAGE
 * - batch larger than max.message.bytes                             -> MESSAGE_TOO_LARGE
 * - CRC-32C mismatch                                                -> CORRUPT_MESSAGE
 * - record count < 1 or lastOffsetDelta != count - 1                -> INVALID_RECORD
 * - a control batch from a client                                   -> INVALID_RECORD
 * - CreateTime outside message.timestamp.before/after.max.ms        -> INVALID_TIMESTAMP
 * - a compacted topic: every record needs a key (records parsed)    -> INVALID_RECORD
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

export interface ValidationOptions {
  maxMessageBytes: number;
  logAppendTime: boolean;
  nowMs: number;
  /** message.timestamp.before.max.ms / after.max.ms; Number.MAX_SAFE_INTEGER or more disables. */
  timestampBeforeMaxMs: number;
  timestampAfterMaxMs: number;
  /** cleanup.policy contains compact: every record must have a key. */
  compacted: boolean;
  /** Decompresses a compressed records section (needed only for compacted topics). */
  decompress?: (codec: number, data: Uint8Array) => Uint8Array;
}

export type ValidationResult =
  | { ok: true; header: BatchHeader; sizeBytes: number }
  | { ok: false; errorCode: number; message: string };

function fail(errorCode: number, message: string): ValidationResult {
  return { ok: false, errorCode, message };
}

export function validateProducedBatch(records: Uint8Array, opts: ValidationOptions): ValidationResult {
  if (records.length < BATCH_LOG_OVERHEAD_BYTES + 5) {
    return fail(ErrorCode.INVALID_RECORD, "produce requests of version 3 and above must contain exactly one record batch");
  }
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const magic = records.length > 16 ? view.getInt8(16) : -1;
  if (magic !== 2) return fail(ErrorCode.INVALID_RECORD, `record batch magic ${magic}; produce v3+ requires magic 2`);
  const batchLength = view.getInt32(8);
  const sizeBytes = BATCH_LOG_OVERHEAD_BYTES + batchLength;
  if (batchLength < BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD_BYTES) return fail(ErrorCode.CORRUPT_MESSAGE, `batch length ${batchLength} is below the header size`);
  if (sizeBytes > records.length) return fail(ErrorCode.CORRUPT_MESSAGE, `batch length ${batchLength} runs past the ${records.length} bytes sent`);
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
  if (header.attributes & CONTROL_BIT) return fail(ErrorCode.INVALID_RECORD, "clients may not produce control batches");
  if (header.attributes & TRANSACTIONAL_BIT) {
    return fail(ErrorCode.INVALID_TXN_STATE, "transactional batches need a transaction; transactions are not supported by this broker yet");
  }

  if (!opts.logAppendTime) {
    const earliest = BigInt(opts.nowMs) - BigInt(Math.min(opts.timestampBeforeMaxMs, Number.MAX_SAFE_INTEGER));
    const latest = BigInt(opts.nowMs) + BigInt(Math.min(opts.timestampAfterMaxMs, Number.MAX_SAFE_INTEGER));
    if (header.baseTimestamp < earliest || header.maxTimestamp > latest) {
      return fail(ErrorCode.INVALID_TIMESTAMP, `batch timestamps ${header.baseTimestamp}..${header.maxTimestamp} outside the allowed range`);
    }
  }

  if (opts.compacted) {
    const codec = header.attributes & COMPRESSION_MASK;
    let body = records.subarray(BATCH_HEADER_BYTES, sizeBytes);
    if (codec !== 0 && !opts.decompress) return fail(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `cannot read compression ${codec} to check keys`);
    try {
      if (codec !== 0) body = opts.decompress!(codec, body);
      for (const rec of iterateRecords(body, header.recordCount)) {
        if (rec.key === null) return fail(ErrorCode.INVALID_RECORD, "compacted topic cannot accept a record without a key");
      }
    } catch (e) {
      // A malformed record or a compressed section that does not decompress.
      return fail(ErrorCode.CORRUPT_MESSAGE, `unreadable records: ${(e as Error).message}`);
    }
  }

  if (opts.logAppendTime) {
    view.setInt16(BATCH_OFFSET_ATTRIBUTES, header.attributes | TIMESTAMP_TYPE_BIT);
    view.setBigInt64(BATCH_OFFSET_MAX_TIMESTAMP, BigInt(opts.nowMs));
    view.setUint32(BATCH_OFFSET_CRC, computeBatchCrc(records, 0, sizeBytes));
    header.attributes |= TIMESTAMP_TYPE_BIT;
    header.maxTimestamp = BigInt(opts.nowMs);
  }
  return { ok: true, header, sizeBytes };
}

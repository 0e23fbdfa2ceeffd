/** Produce-side batch validation: every refusal with its Kafka error code, and LogAppendTime stamping. */
import { describe, expect, test } from "bun:test";
import { validateProducedBatch, type ValidationOptions } from "../../src/cluster/batch-validator.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { buildRecordBatch, computeBatchCrc, readBatchHeader, TIMESTAMP_TYPE_BIT } from "../../src/protocol/record-batch.ts";

const now = 1_700_000_000_000;
const opts: ValidationOptions = {
  maxMessageBytes: 1048588,
  logAppendTime: false,
  nowMs: now,
  timestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
  timestampAfterMaxMs: Number.MAX_SAFE_INTEGER,
  compacted: false,
};
const enc = new TextEncoder();
const batch = (n = 3, key: Uint8Array | null = enc.encode("k")) =>
  buildRecordBatch({ baseTimestampMs: BigInt(now - 1000), records: Array.from({ length: n }, (_, i) => ({ key, value: enc.encode(`v${i}`) })) });

function code(r: ReturnType<typeof validateProducedBatch>): number {
  return r.ok ? ErrorCode.NONE : r.errorCode;
}

describe("validateProducedBatch", () => {
  test("a well-formed batch passes", () => {
    const r = validateProducedBatch(batch(), opts);
    expect(r.ok).toBe(true);
  });
  test("a flipped byte inside the CRC range is CORRUPT_MESSAGE", () => {
    const b = batch();
    b[b.length - 2] ^= 0xff;
    expect(code(validateProducedBatch(b, opts))).toBe(ErrorCode.CORRUPT_MESSAGE);
  });
  test("a truncated batch is CORRUPT_MESSAGE; two batches are INVALID_RECORD", () => {
    const b = batch();
    expect(code(validateProducedBatch(b.subarray(0, b.length - 1), opts))).toBe(ErrorCode.CORRUPT_MESSAGE);
    const two = new Uint8Array(b.length * 2);
    two.set(b);
    two.set(b, b.length);
    expect(code(validateProducedBatch(two, opts))).toBe(ErrorCode.INVALID_RECORD);
    expect(code(validateProducedBatch(new Uint8Array(5), opts))).toBe(ErrorCode.INVALID_RECORD);
  });
  test("magic other than 2 is INVALID_RECORD", () => {
    const b = batch();
    b[16] = 1;
    expect(code(validateProducedBatch(b, opts))).toBe(ErrorCode.INVALID_RECORD);
  });
  test("above max.message.bytes is MESSAGE_TOO_LARGE", () => {
    expect(code(validateProducedBatch(batch(50), { ...opts, maxMessageBytes: 100 }))).toBe(ErrorCode.MESSAGE_TOO_LARGE);
  });
  test("record count inconsistent with lastOffsetDelta is INVALID_RECORD", () => {
    const b = batch(3);
    const v = new DataView(b.buffer);
    v.setInt32(23, 5);
    v.setUint32(17, computeBatchCrc(b, 0, b.length));
    expect(code(validateProducedBatch(b, opts))).toBe(ErrorCode.INVALID_RECORD);
  });
  test("a control batch from a client is INVALID_RECORD", () => {
    const b = buildRecordBatch({ attributes: 0x20, records: [{ key: new Uint8Array([0, 0, 0, 1]), value: new Uint8Array(6) }] });
    expect(code(validateProducedBatch(b, opts))).toBe(ErrorCode.INVALID_RECORD);
  });
  test("timestamps outside before/after max ms are INVALID_TIMESTAMP", () => {
    expect(code(validateProducedBatch(batch(), { ...opts, timestampBeforeMaxMs: 10 }))).toBe(ErrorCode.INVALID_TIMESTAMP);
    const future = buildRecordBatch({ baseTimestampMs: BigInt(now + 60_000), records: [{ value: enc.encode("x") }] });
    expect(code(validateProducedBatch(future, { ...opts, timestampAfterMaxMs: 1000 }))).toBe(ErrorCode.INVALID_TIMESTAMP);
  });
  test("a compacted topic refuses a record without key", () => {
    expect(code(validateProducedBatch(batch(2, null), { ...opts, compacted: true }))).toBe(ErrorCode.INVALID_RECORD);
    expect(validateProducedBatch(batch(2), { ...opts, compacted: true }).ok).toBe(true);
  });
  test("LogAppendTime stamps maxTimestamp and the type bit and keeps the CRC valid", () => {
    const b = batch();
    const r = validateProducedBatch(b, { ...opts, logAppendTime: true });
    expect(r.ok).toBe(true);
    const h = readBatchHeader(b);
    expect(h.maxTimestamp).toBe(BigInt(now));
    expect(h.attributes & TIMESTAMP_TYPE_BIT).toBe(TIMESTAMP_TYPE_BIT);
    expect(computeBatchCrc(b, 0, b.length)).toBe(h.crc);
  });
});

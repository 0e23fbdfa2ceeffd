/** Produce-side batch validation: every refusal with its Kafka error code, and LogAppendTime stamping. */
import { describe, expect, test } from "bun:test";
import { validateProducedBatch, type ValidationOptions } from "../../src/cluster/batch-validator.ts";
import { compress, decompress } from "../../src/compression/index.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { buildRecordBatch, computeBatchCrc, iterateRecords, readBatchHeader, TIMESTAMP_TYPE_BIT } from "../../src/protocol/record-batch.ts";

const now = 1_700_000_000_000;
const opts: ValidationOptions = {
  zstdAllowed: true,
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
  test("a truncated batch (no whole batch, as Kafka) and two batches are INVALID_RECORD", () => {
    const b = batch();
    expect(code(validateProducedBatch(b.subarray(0, b.length - 1), opts))).toBe(ErrorCode.INVALID_RECORD);
    const two = new Uint8Array(b.length * 2);
    two.set(b);
    two.set(b, b.length);
    expect(code(validateProducedBatch(two, opts))).toBe(ErrorCode.INVALID_RECORD);
    expect(code(validateProducedBatch(new Uint8Array(5), opts))).toBe(ErrorCode.INVALID_RECORD);
  });
  test("magic 0 or 1 is INVALID_RECORD; a magic no format has is CORRUPT_MESSAGE (as Kafka)", () => {
    for (const [magic, expected] of [[0, ErrorCode.INVALID_RECORD], [1, ErrorCode.INVALID_RECORD], [3, ErrorCode.CORRUPT_MESSAGE], [7, ErrorCode.CORRUPT_MESSAGE], [-1, ErrorCode.CORRUPT_MESSAGE]] as const) {
      const b = batch();
      b[16] = magic & 0xff;
      expect(code(validateProducedBatch(b, opts))).toBe(expected);
    }
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

describe("compressed batches", () => {

  /** Rebuilds `plain` with its records section compressed by `codec` (header fields kept). */
  function compressed(plain: Uint8Array, codec: number, body?: Uint8Array): Uint8Array {
    const section = body ?? compress(codec, plain.subarray(61));
    const out = new Uint8Array(61 + section.length);
    out.set(plain.subarray(0, 61));
    out.set(section, 61);
    const v = new DataView(out.buffer);
    v.setInt32(8, out.length - 12);
    v.setInt16(21, (v.getInt16(21) & ~7) | codec);
    v.setUint32(17, computeBatchCrc(out, 0, out.length));
    return out;
  }

  const copts = { ...opts, decompress: (c: number, d: Uint8Array) => decompress(c, d) };

  test("a well-formed gzip, snappy, lz4 or zstd batch passes", () => {
    for (const codec of [1, 2, 3, 4]) expect(validateProducedBatch(compressed(batch(5), codec), copts).ok).toBe(true);
  });
  test("garbage behind a valid CRC is CORRUPT_MESSAGE", () => {
    const junk = new Uint8Array(64).fill(0x5a);
    for (const codec of [1, 2, 3, 4]) expect(code(validateProducedBatch(compressed(batch(5), codec, junk), copts))).toBe(ErrorCode.CORRUPT_MESSAGE);
  });
  test("an unknown codec id is INVALID_RECORD; zstd below produce v7 is UNSUPPORTED_COMPRESSION_TYPE", () => {
    const b = batch(2);
    const v = new DataView(b.buffer);
    v.setInt16(21, 6);
    v.setUint32(17, computeBatchCrc(b, 0, b.length));
    expect(code(validateProducedBatch(b, copts))).toBe(ErrorCode.INVALID_RECORD);
    expect(code(validateProducedBatch(compressed(batch(2), 4), { ...copts, zstdAllowed: false }))).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  });
  test("inner offset deltas that skip are INVALID_RECORD", () => {
    // Two records whose second offset delta is 5: rebuild the records section by hand.
    const good = batch(2);
    const h = readBatchHeader(good);
    const recs = [...iterateRecords(good.subarray(61), h.recordCount)];
    expect(recs[1].offsetDelta).toBe(1);
    const body = good.slice(61);
    // Record layout: length varint, attributes, timestampDelta varlong, offsetDelta varint...
    // In the second record the offset delta byte (zig-zag 1 = 0x02) is at: first record length + its header.
    const firstLen = body[0] >> 1;
    const secondStart = 1 + firstLen;
    const offsetDeltaPos = secondStart + 1 + 1 + 1; // length(1) attributes(1) timestampDelta(1) -> offsetDelta
    expect(body[offsetDeltaPos]).toBe(0x02);
    body[offsetDeltaPos] = 0x0a; // zig-zag 5
    expect(code(validateProducedBatch(compressed(good, 1, compress(1, body)), copts))).toBe(ErrorCode.INVALID_RECORD);
  });
});

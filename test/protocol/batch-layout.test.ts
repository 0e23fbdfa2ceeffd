/**
 * One definition of the batch header layout: src/protocol/batch-layout.ts. The table is contiguous
 * and matches the record grammar (a built batch reads back through the offsets), storage's and
 * native's names are the same numbers, and the C header native/src/batch_layout.h is exactly what
 * scripts/gen-batch-layout.ts generates from the table (regenerate it after a change).
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as native from "../../src/native/types.ts";
import * as layout from "../../src/protocol/batch-layout.ts";
import { buildRecordBatch, readBatchHeader } from "../../src/protocol/record-batch.ts";
import * as storage from "../../src/storage/batch-header.ts";

test("the layout table is Kafka's v2 header: contiguous, 61 bytes, records after it", () => {
  expect(layout.BATCH_HEADER_BYTES).toBe(61);
  expect(layout.BATCH_LOG_OVERHEAD_BYTES).toBe(12);
  expect(layout.BATCH_MIN_LENGTH).toBe(49);
  expect(layout.BATCH_CRC_START).toBe(21);
  expect([layout.BATCH_OFFSET_LENGTH, layout.BATCH_OFFSET_MAGIC, layout.BATCH_OFFSET_LAST_OFFSET_DELTA, layout.BATCH_OFFSET_MAX_TIMESTAMP, layout.BATCH_OFFSET_RECORD_COUNT]).toEqual([8, 16, 23, 35, 57]);
  const b = buildRecordBatch({ baseOffset: 7n, producerId: 99n, producerEpoch: 3, baseSequence: 11, records: [{ value: new Uint8Array([1]) }, { value: null }] });
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const h = readBatchHeader(b);
  expect(v.getBigInt64(layout.BATCH_OFFSET_BASE_OFFSET)).toBe(7n);
  expect(layout.BATCH_LOG_OVERHEAD_BYTES + v.getInt32(layout.BATCH_OFFSET_LENGTH)).toBe(b.length);
  expect(v.getInt8(layout.BATCH_OFFSET_MAGIC)).toBe(layout.BATCH_CURRENT_MAGIC);
  expect(v.getBigInt64(layout.BATCH_OFFSET_PRODUCER_ID)).toBe(99n);
  expect(v.getInt16(layout.BATCH_OFFSET_PRODUCER_EPOCH)).toBe(3);
  expect(v.getInt32(layout.BATCH_OFFSET_BASE_SEQUENCE)).toBe(11);
  expect(v.getInt32(layout.BATCH_OFFSET_RECORD_COUNT)).toBe(2);
  expect(h.recordCount).toBe(2);
});

test("storage and native use the same numbers (re-exported, not redefined)", () => {
  expect(storage.BATCH_HEADER_BYTES).toBe(layout.BATCH_HEADER_BYTES);
  expect(storage.BATCH_LENGTH_POS).toBe(layout.BATCH_OFFSET_LENGTH);
  expect(storage.LAST_OFFSET_DELTA_POS).toBe(layout.BATCH_OFFSET_LAST_OFFSET_DELTA);
  expect(storage.CRC_START_POS).toBe(layout.BATCH_CRC_START);
  expect(native.SCAN_FIELDS).toBe(layout.SCAN_SLOTS.length);
  expect([native.SCAN_POSITION, native.SCAN_SIZE_BYTES, native.SCAN_BASE_OFFSET, native.SCAN_LAST_OFFSET, native.SCAN_MAX_TIMESTAMP]).toEqual([0, 1, 2, 3, 4]);
});

test("native/src/batch_layout.h is the generated header (run bun scripts/gen-batch-layout.ts)", () => {
  const checkedIn = readFileSync(join(import.meta.dir, "..", "..", "native", "src", "batch_layout.h"), "utf8");
  expect(checkedIn).toBe(layout.batchLayoutCHeader());
});

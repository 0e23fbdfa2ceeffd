import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { crc32c } from "../../src/native/index.ts";
import { baseOffsetAt, batchSizeAt, lastOffsetAt, readInt32 } from "../../src/storage/batch-header.ts";
import { InvalidBatchError, OffsetOutOfRangeError } from "../../src/storage/errors.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { buildBatch, concatBytes } from "./batch-builder.ts";
import { makeTempDir } from "./temp-dir.ts";

const SMALL = { segmentBytes: 4096, indexIntervalBytes: 256 };

function openLog(dir: string, config = {}, clock?: () => number, autoHighWatermark = true): PartitionLog {
  return PartitionLog.open(dir, "t", 0, config, { clock, autoHighWatermark });
}

/** Every batch of the log, by walking reads from the start. */
function allBatches(log: PartitionLog): { base: number; last: number; bytes: Uint8Array }[] {
  const out: { base: number; last: number; bytes: Uint8Array }[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { batches } = log.read(offset, 1 << 20, { maxOffsetExclusive: log.logEndOffset });
    expect(batches.length).toBeGreaterThan(0);
    for (const view of batches) {
      for (let pos = 0; pos < view.length; pos += batchSizeAt(view, pos)) {
        out.push({ base: baseOffsetAt(view, pos), last: lastOffsetAt(view, pos), bytes: view.subarray(pos, pos + batchSizeAt(view, pos)) });
        offset = lastOffsetAt(view, pos) + 1;
      }
    }
  }
  return out;
}

function expectDense(log: PartitionLog): void {
  let expected = -1;
  for (const b of allBatches(log)) {
    if (expected >= 0) expect(b.base).toBe(expected);
    expected = b.last + 1;
  }
  if (expected >= 0) expect(expected).toBe(log.logEndOffset);
}

describe("PartitionLog append and read", () => {
  test("assigns dense offsets by stamping baseOffset and returns whole batches", () => {
    const log = openLog(makeTempDir("append"));
    const r1 = log.append(buildBatch({ recordCount: 3 }));
    const r2 = log.append(concatBytes([buildBatch({ recordCount: 2 }), buildBatch({ recordCount: 1 })]));
    expect(r1).toMatchObject({ baseOffset: 0, lastOffset: 2, batchCount: 1 });
    expect(r2).toMatchObject({ baseOffset: 3, lastOffset: 5, batchCount: 2 });
    expect(log.logEndOffset).toBe(6);
    expect(log.highWatermark).toBe(6);
    const batches = allBatches(log);
    expect(batches.map((b) => [b.base, b.last])).toEqual([[0, 2], [3, 4], [5, 5]]);
    // CRC still valid after stamping (baseOffset is outside it)
    for (const b of batches) expect(crc32c(b.bytes.subarray(21))).toBe(readInt32(b.bytes, 17) >>> 0);
    log.close();
  });

  test("a read at any offset starts with the batch holding it; maxBytes and minOneBatch", () => {
    const log = openLog(makeTempDir("read"));
    const sizes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const b = buildBatch({ recordCount: 3, valueBytes: 50 });
      sizes.push(b.length);
      log.append(b);
    }
    for (let o = 0; o < 30; o++) {
      const { batches } = log.read(o, 1);
      expect(batches.length).toBe(1);
      expect(baseOffsetAt(batches[0], 0)).toBe(Math.floor(o / 3) * 3);
      expect(batches[0].length).toBe(sizes[0]);
    }
    expect(log.read(0, sizes[0] * 2 + 1).sizeBytes).toBe(sizes[0] * 2);
    expect(log.read(0, 1, { minOneBatch: false }).batches).toEqual([]);
    expect(log.read(30, 1000).batches).toEqual([]);
    expect(() => log.read(31, 1000)).toThrow(OffsetOutOfRangeError);
    log.close();
  });

  test("rejects malformed input without appending anything", () => {
    const log = openLog(makeTempDir("invalid"));
    const good = buildBatch();
    expect(() => log.append(good.subarray(0, 40))).toThrow(InvalidBatchError);
    expect(() => log.append(concatBytes([good, good.subarray(0, 70)]))).toThrow(InvalidBatchError);
    const badMagic = buildBatch();
    badMagic[16] = 1;
    expect(() => log.append(badMagic)).toThrow(InvalidBatchError);
    expect(() => log.append(new Uint8Array(0))).toThrow(InvalidBatchError);
    expect(log.logEndOffset).toBe(0);
    log.close();
  });

  test("rolls by segment.bytes into 20-digit named segments and reads across them", () => {
    const dir = makeTempDir("roll");
    const log = openLog(dir, SMALL);
    for (let i = 0; i < 60; i++) log.append(buildBatch({ recordCount: 2, valueBytes: 100 }));
    expect(log.segmentCount).toBeGreaterThan(3);
    const names = fs.readdirSync(dir).filter((n) => n.endsWith(".log")).sort();
    expect(names[0]).toBe("00000000000000000000.log");
    expect(names.every((n) => /^\d{20}\.log$/.test(n))).toBe(true);
    for (const seg of log.segmentList()) expect(seg.sizeBytes).toBeLessThanOrEqual(4096);
    const { batches, sizeBytes } = log.read(0, 1 << 20);
    expect(batches.length).toBe(log.segmentCount);
    expect(sizeBytes).toBe(log.sizeBytes);
    expectDense(log);
    log.close();
  });

  test("rolls by segment.ms", () => {
    let now = 1_000_000;
    const log = openLog(makeTempDir("roll-ms"), { segmentMs: 1000 }, () => now);
    log.append(buildBatch());
    now += 500;
    log.append(buildBatch());
    expect(log.segmentCount).toBe(1);
    now += 600;
    log.append(buildBatch());
    expect(log.segmentBaseOffsets()).toEqual([0, 2]);
    log.close();
  });

  test("offset index entries point at batch starts holding their offsets", () => {
    const log = openLog(makeTempDir("index"), { indexIntervalBytes: 300 });
    for (let i = 0; i < 50; i++) log.append(buildBatch({ recordCount: 1 + (i % 4), valueBytes: 40 }));
    const seg = log.segmentList()[0];
    const entries = seg.indexEntries();
    expect(entries.length).toBeGreaterThan(5);
    for (const e of entries) expect(seg.batchBaseOffsetAt(e.position)).toBe(e.offset);
    log.close();
  });

  test("reads are views of the memory-mapped segment, not copies", () => {
    const log = openLog(makeTempDir("views"));
    log.append(buildBatch({ valueBytes: 1000 }));
    const a = log.read(0, 1 << 20).batches[0];
    const b = log.read(0, 1 << 20).batches[0];
    expect(a.buffer).toBe(b.buffer); // same mapping
    expect(a.byteOffset).toBe(0);
    log.close();
  });

  test("offsetForTimestamp finds the first batch with maxTimestamp >= target", () => {
    const log = openLog(makeTempDir("time"), { indexIntervalBytes: 100, segmentBytes: 2048 });
    for (let i = 0; i < 60; i++) log.append(buildBatch({ recordCount: 2, baseTimestampMs: 1000 + i * 10, valueBytes: 30 }));
    // batch i covers offsets 2i..2i+1, maxTimestamp 1000 + 10i + 1
    expect(log.offsetForTimestamp(0)).toEqual({ offset: 0, timestampMs: 1001 });
    expect(log.offsetForTimestamp(1001)).toEqual({ offset: 0, timestampMs: 1001 });
    expect(log.offsetForTimestamp(1002)).toEqual({ offset: 2, timestampMs: 1011 });
    expect(log.offsetForTimestamp(1355)).toEqual({ offset: 72, timestampMs: 1361 });
    expect(log.offsetForTimestamp(5000)).toBeNull();
    expect(log.maxTimestamp()).toEqual({ offset: 118, timestampMs: 1591 });
    log.close();
  });

  test("LogAppendTime stamps maxTimestamp and the attribute and keeps the CRC valid", () => {
    const log = openLog(makeTempDir("lat"));
    const r = log.append(buildBatch({ recordCount: 2 }), { logAppendTimeMs: 123456 });
    expect(r.logAppendTimeMs).toBe(123456);
    const view = log.read(0, 1000).batches[0];
    expect(view[22] & 0x08).toBe(0x08);
    expect(Number(new DataView(view.buffer, view.byteOffset).getBigInt64(35))).toBe(123456);
    expect(crc32c(view.subarray(21))).toBe(readInt32(view, 17) >>> 0);
    log.close();
  });

  test("listeners hear appends and high-watermark moves", () => {
    const log = openLog(makeTempDir("listen"), {}, undefined, false);
    const events: string[] = [];
    const off = log.subscribe((e) => events.push(`${e.kind}:${e.logEndOffset}:${e.highWatermark}`));
    log.append(buildBatch({ recordCount: 2 }));
    log.updateHighWatermark(2);
    off();
    log.append(buildBatch());
    expect(events).toEqual(["append:2:0", "high-watermark:2:2"]);
    expect(log.read(0, 1000).batches.length).toBe(1); // reads stop at the high watermark
    expect(log.read(0, 1000, { maxOffsetExclusive: log.logEndOffset }).batches[0].length).toBeGreaterThan(0);
    log.close();
  });
});

describe("PartitionLog reopen and recovery", () => {
  test("a clean close and reopen keeps everything and uses the indexes", () => {
    const dir = makeTempDir("reopen");
    const log = openLog(dir, SMALL);
    for (let i = 0; i < 30; i++) log.append(buildBatch({ recordCount: 2, valueBytes: 90 }));
    const before = allBatches(log).map((b) => [b.base, b.last]);
    log.close();
    expect(fs.existsSync(path.join(dir, ".clean-shutdown"))).toBe(true);
    const again = openLog(dir, SMALL);
    expect(fs.existsSync(path.join(dir, ".clean-shutdown"))).toBe(false);
    expect(again.logEndOffset).toBe(60);
    expect(allBatches(again).map((b) => [b.base, b.last])).toEqual(before);
    again.append(buildBatch());
    expectDense(again);
    again.close();
  });

  test("garbage appended to the last segment is cut at start", () => {
    const dir = makeTempDir("garbage");
    const log = openLog(dir);
    for (let i = 0; i < 5; i++) log.append(buildBatch({ recordCount: 2 }));
    const size = log.sizeBytes;
    log.abandon();
    const file = path.join(dir, "00000000000000000000.log");
    fs.truncateSync(file, size); // drop the preallocated zeros, as if the file had grown by writes
    fs.appendFileSync(file, new Uint8Array(500).fill(0xab));
    const again = openLog(dir);
    expect(again.logEndOffset).toBe(10);
    expect(fs.statSync(file).size).toBe(size);
    again.append(buildBatch());
    expectDense(again);
    again.close();
  });

  test("a torn last batch (cut at every byte) is dropped and never served", () => {
    const dir = makeTempDir("torn");
    const log = openLog(dir, { preallocate: false });
    log.append(buildBatch({ recordCount: 2 }));
    const firstSize = log.sizeBytes;
    log.append(buildBatch({ recordCount: 3, valueBytes: 40 }));
    const fullSize = log.sizeBytes;
    log.abandon();
    const file = path.join(dir, "00000000000000000000.log");
    const content = fs.readFileSync(file);
    for (let cut = firstSize; cut < fullSize; cut += 7) {
      fs.writeFileSync(file, content.subarray(0, cut));
      fs.rmSync(path.join(dir, ".clean-shutdown"), { force: true });
      const again = openLog(dir, { preallocate: false });
      expect(again.logEndOffset).toBe(2);
      expect(again.read(0, 1 << 20).sizeBytes).toBe(firstSize);
      again.abandon();
    }
  });

  test("a corrupted byte inside a batch cuts the log there and drops later segments", () => {
    const dir = makeTempDir("corrupt");
    const log = openLog(dir, SMALL);
    for (let i = 0; i < 80; i++) log.append(buildBatch({ recordCount: 1, valueBytes: 100 }));
    const bases = log.segmentBaseOffsets();
    expect(bases.length).toBeGreaterThan(2);
    log.abandon();
    // flip a byte in the 3rd batch of the second segment
    const file = path.join(dir, `${String(bases[1]).padStart(20, "0")}.log`);
    const fd = fs.openSync(file, "r+");
    const buf = new Uint8Array(1);
    const batchSize = buildBatch({ recordCount: 1, valueBytes: 100 }).length;
    fs.readSync(fd, buf, 0, 1, batchSize * 2 + 70);
    buf[0] ^= 0xff;
    fs.writeSync(fd, buf, 0, 1, batchSize * 2 + 70);
    fs.closeSync(fd);
    const again = openLog(dir, SMALL);
    expect(again.logEndOffset).toBe(bases[1] + 2);
    expect(again.segmentBaseOffsets()).toEqual([bases[0], bases[1]]);
    expectDense(again);
    again.close();
  });

  test("missing or corrupt index files are rebuilt", () => {
    const dir = makeTempDir("reindex");
    const log = openLog(dir, { indexIntervalBytes: 200 });
    for (let i = 0; i < 40; i++) log.append(buildBatch({ recordCount: 1, valueBytes: 60 }));
    const entries = log.segmentList()[0].indexEntries();
    log.close();
    fs.rmSync(path.join(dir, "00000000000000000000.index"));
    fs.writeFileSync(path.join(dir, "00000000000000000000.timeindex"), new Uint8Array(7));
    const again = openLog(dir, { indexIntervalBytes: 200 });
    expect(again.segmentList()[0].indexEntries()).toEqual(entries);
    expect(fs.statSync(path.join(dir, "00000000000000000000.index")).size).toBe(entries.length * 8);
    again.close();
  });
});

describe("PartitionLog truncation, deletion, retention", () => {
  test("truncateTo cuts inside a batch at its start, keeps earlier views intact, appends densely", () => {
    const dir = makeTempDir("truncate");
    const log = openLog(dir, SMALL);
    for (let i = 0; i < 30; i++) log.append(buildBatch({ recordCount: 3, valueBytes: 80, fill: i }));
    const view = log.read(40, 1 << 20).batches[0];
    const snapshot = view.slice();
    log.truncateTo(41); // batch 39..41 goes whole
    expect(log.logEndOffset).toBe(39);
    expect(() => log.read(40, 100)).toThrow(OffsetOutOfRangeError);
    expect(view).toEqual(snapshot);
    for (let i = 0; i < 10; i++) log.append(buildBatch({ recordCount: 2, fill: 100 + i }));
    expect(log.logEndOffset).toBe(59);
    expectDense(log);
    expect(view).toEqual(snapshot);
    log.abandon(); // crash: recovery must not resurrect the old batches behind the cut
    const again = openLog(dir, SMALL);
    expect(again.logEndOffset).toBe(59);
    expectDense(again);
    again.truncateTo(0);
    expect(again.logEndOffset).toBe(0);
    expect(again.logStartOffset).toBe(0);
    again.append(buildBatch());
    expectDense(again);
    again.close();
  });

  test("deleteRecordsBefore moves the log start and removes whole segments below it", () => {
    const log = openLog(makeTempDir("delete"), SMALL);
    for (let i = 0; i < 40; i++) log.append(buildBatch({ recordCount: 2, valueBytes: 100 }));
    const bases = log.segmentBaseOffsets();
    expect(log.deleteRecordsBefore(bases[2] + 1)).toBe(bases[2] + 1);
    expect(log.segmentBaseOffsets()[0]).toBe(bases[2]);
    expect(() => log.read(bases[2], 100)).toThrow(OffsetOutOfRangeError);
    expect(baseOffsetAt(log.read(bases[2] + 1, 100).batches[0], 0)).toBe(bases[2]);
    expect(() => log.deleteRecordsBefore(log.highWatermark + 1)).toThrow(OffsetOutOfRangeError);
    log.close();
  });

  test("retention by time and by bytes never removes the active segment or data above the high watermark", () => {
    let now = 10_000_000;
    const log = openLog(makeTempDir("retention"), { ...SMALL, retentionMs: 1000 }, () => now, false);
    for (let i = 0; i < 40; i++) log.append(buildBatch({ recordCount: 2, valueBytes: 100, baseTimestampMs: now }));
    const bases = log.segmentBaseOffsets();
    log.updateHighWatermark(bases[2]);
    now += 5000;
    expect(log.applyRetention(now)).toBe(2); // segments 0 and 1 end at or below the high watermark
    expect(log.logStartOffset).toBe(bases[2]);
    log.updateHighWatermark(log.logEndOffset);
    log.applyRetention(now);
    expect(log.segmentCount).toBe(1); // the active one stays
    log.setConfig({ retentionMs: -1, retentionBytes: 5000 });
    for (let i = 0; i < 40; i++) log.append(buildBatch({ recordCount: 2, valueBytes: 100, baseTimestampMs: now }));
    log.updateHighWatermark(log.logEndOffset);
    log.applyRetention(now);
    expect(log.sizeBytes).toBeGreaterThanOrEqual(5000 - 4096);
    expect(log.sizeBytes - log.segmentList()[0].sizeBytes).toBeLessThan(5000);
    expectDense(log);
    log.close();
  });

  test("flush.messages = 1 fsyncs every append; flush.ms is honoured by maybeFlushByTime", () => {
    let now = 0;
    const log = openLog(makeTempDir("flush"), { flushMessages: 1, flushMs: 100 }, () => now);
    log.append(buildBatch());
    expect(log.segmentList()[0].hasUnflushedData).toBe(false);
    log.setConfig({ flushMessages: Infinity });
    log.append(buildBatch());
    expect(log.segmentList()[0].hasUnflushedData).toBe(true);
    expect(log.maybeFlushByTime(50)).toBe(false);
    now = 200;
    expect(log.maybeFlushByTime(200)).toBe(true);
    expect(log.segmentList()[0].hasUnflushedData).toBe(false);
    log.close();
  });
});

describe("clean-shutdown marker", () => {
  test("with the marker the recovery scan is skipped; without it the same damage is cut", () => {
    const dir = makeTempDir("marker");
    const config = { indexIntervalBytes: 512 };
    const log = openLog(dir, config);
    for (let i = 0; i < 20; i++) log.append(buildBatch({ recordCount: 1, valueBytes: 200 }));
    const batchSize = buildBatch({ recordCount: 1, valueBytes: 200 }).length;
    log.close();
    // Damage a record byte of batch 1 (before the last index entry): only a full scan notices.
    const file = path.join(dir, "00000000000000000000.log");
    const fd = fs.openSync(file, "r+");
    fs.writeSync(fd, new Uint8Array([0xee]), 0, 1, batchSize + 100);
    fs.closeSync(fd);
    const clean = openLog(dir, config);
    expect(clean.logEndOffset).toBe(20); // marker present: indexes trusted, no CRC scan of the body
    clean.abandon(); // no marker now
    const recovered = openLog(dir, config);
    expect(recovered.logEndOffset).toBe(1); // full scan: cut at the damaged batch
    recovered.close();
  });
});

test("a rolled segment is flushed in the background and advances the recovery point", async () => {
  const dir = makeTempDir("bgflush");
  const log = openLog(dir, SMALL);
  for (let i = 0; i < 60; i++) log.append(buildBatch({ recordCount: 2, valueBytes: 100 }));
  await log.whenFlushed();
  const segments = log.segmentList();
  for (const s of segments.slice(0, -1)) expect(s.hasUnflushedData).toBe(false);
  expect(log.saveCheckpoint()).toBe(true);
  const text = fs.readFileSync(path.join(dir, "partition.checkpoint"), "utf8");
  expect(text).toContain(`recovery-point ${segments[segments.length - 1].baseOffset}\n`);
  log.close();
});

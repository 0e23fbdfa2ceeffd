/**
 * Write-behind appends (partition-log.ts "Write-behind"): the bytes are written on the I/O thread
 * pool after append returns; the written end, the high watermark and every read trail the writes;
 * operations that look at the files write the pending appends first; a failed pool write takes the
 * log offline and wakes its listeners; and the adaptive policy writes behind only after a slow
 * synchronous write (the slowness made with the file-I/O fault seam, as writeback throttling cannot
 * be produced on demand). Real files, real thread-pool writes.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { baseOffsetAt, batchSizeAt, lastOffsetAt } from "../../src/storage/batch-header.ts";
import { fileFaults } from "../../src/storage/file-io.ts";
import { PartitionLog, setWriteBehindPolicy, writeBehindBytesInFlight, writeBehindHolds } from "../../src/storage/partition-log.ts";
import { buildBatch } from "./batch-builder.ts";
import { makeTempDir } from "./temp-dir.ts";

afterEach(() => {
  setWriteBehindPolicy("off");
  fileFaults.beforeWrite = null;
});

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await Bun.sleep(1);
  if (!cond()) throw new Error(`never: ${what}`);
}

describe("write-behind appends", () => {
  test("reads, the high watermark and the written end trail the pool's writes; listeners hear when they land", async () => {
    setWriteBehindPolicy("always");
    const log = PartitionLog.open(makeTempDir("wb"), "t", 0);
    const events: number[] = [];
    log.subscribe((e) => events.push(e.highWatermark));
    const batches = [buildBatch({ recordCount: 3, valueBytes: 200_000 }), buildBatch({ recordCount: 2, valueBytes: 100 })];
    for (const b of batches) log.append(b, { writeBehind: true });
    expect(log.logEndOffset).toBe(5);
    // Not written yet as far as the log knows: nothing is visible.
    expect(log.writtenEndOffset).toBe(0);
    expect(log.highWatermark).toBe(0);
    expect(log.read(0, 1 << 20).batches).toEqual([]);
    expect(writeBehindHolds(batches[0]!.buffer)).toBe(true);
    await until(() => log.writtenEndOffset === 5, "both appends written");
    expect(log.highWatermark).toBe(5);
    expect(events.at(-1)).toBe(5);
    expect(writeBehindBytesInFlight()).toBe(0);
    expect(writeBehindHolds(batches[0]!.buffer)).toBe(false);
    const read = log.read(0, 1 << 20);
    expect(read.sizeBytes).toBe(batches[0]!.length + batches[1]!.length);
    log.close();
  });

  test("flush, close and timestamp lookups write the pending appends first; reopened, the log has them all", async () => {
    setWriteBehindPolicy("always");
    const dir = makeTempDir("wb-settle");
    const log = PartitionLog.open(dir, "t", 0);
    for (let i = 0; i < 20; i++) log.append(buildBatch({ recordCount: 1 + (i % 4), valueBytes: 50_000 }), { writeBehind: true });
    const end = log.logEndOffset;
    log.flush();
    expect(log.writtenEndOffset).toBe(end);
    expect(log.highWatermark).toBe(end);
    log.append(buildBatch({ recordCount: 1, valueBytes: 10 }), { writeBehind: true });
    expect(log.maxTimestamp().offset).toBeGreaterThanOrEqual(0);
    expect(log.writtenEndOffset).toBe(end + 1);
    log.append(buildBatch({ recordCount: 1, valueBytes: 10 }), { writeBehind: true });
    log.close();
    const again = PartitionLog.open(dir, "t", 0);
    expect(again.logEndOffset).toBe(end + 2);
    // Every offset is there, batch after batch.
    let offset = 0;
    while (offset < again.logEndOffset) {
      const r = again.read(offset, 1 << 20);
      expect(r.batches.length).toBeGreaterThan(0);
      for (const v of r.batches) for (let pos = 0; pos < v.length; pos += batchSizeAt(v, pos)) {
        expect(baseOffsetAt(v, pos)).toBe(offset);
        offset = lastOffsetAt(v, pos) + 1;
      }
    }
    expect(offset).toBe(end + 2);
    again.close();
  });

  test("without writeBehind, or with flush.messages set, or policy off, an append is written before it returns", () => {
    setWriteBehindPolicy("always");
    const log = PartitionLog.open(makeTempDir("wb-sync"), "t", 0, { flushMessages: 1000 });
    log.append(buildBatch({ recordCount: 2 }), { writeBehind: true });
    expect(log.writtenEndOffset).toBe(2);
    log.close();
    const plain = PartitionLog.open(makeTempDir("wb-plain"), "t", 0);
    plain.append(buildBatch({ recordCount: 2 }));
    expect(plain.writtenEndOffset).toBe(2);
    setWriteBehindPolicy("off");
    plain.append(buildBatch({ recordCount: 2 }), { writeBehind: true });
    expect(plain.writtenEndOffset).toBe(4);
    plain.close();
  });

  test("a failed pool write takes the log offline, never exposes the append, and wakes the listeners", async () => {
    setWriteBehindPolicy("always");
    const log = PartitionLog.open(makeTempDir("wb-eio"), "t", 0);
    log.append(buildBatch({ recordCount: 1 }), { writeBehind: true });
    await until(() => log.writtenEndOffset === 1, "first append written");
    let woken = 0;
    log.subscribe(() => woken++);
    fileFaults.beforeWrite = () => {
      throw Object.assign(new Error("EIO: i/o error, write"), { code: "EIO" });
    };
    log.append(buildBatch({ recordCount: 1 }), { writeBehind: true });
    await until(() => log.isOffline, "log offline");
    expect(log.writtenEndOffset).toBe(1);
    expect(log.highWatermark).toBe(1);
    expect(woken).toBeGreaterThan(0);
    log.abandon();
  });

  test("adaptive: appends are written at once until a synchronous write is slow, then behind for a while", async () => {
    setWriteBehindPolicy("adaptive");
    const log = PartitionLog.open(makeTempDir("wb-adaptive"), "t", 0);
    log.append(buildBatch({ recordCount: 1 }), { writeBehind: true });
    expect(log.writtenEndOffset).toBe(1); // fast write: synchronous
    fileFaults.beforeWrite = () => Bun.sleepSync(30); // a write the kernel throttles
    log.append(buildBatch({ recordCount: 1 }), { writeBehind: true });
    expect(log.writtenEndOffset).toBe(2); // written at once, but slow: the window opens
    fileFaults.beforeWrite = null;
    log.append(buildBatch({ recordCount: 1 }), { writeBehind: true });
    expect(log.logEndOffset).toBe(3);
    expect(log.writtenEndOffset).toBe(2); // behind
    await until(() => log.writtenEndOffset === 3, "written behind");
    log.close();
  });
});

/**
 * The log cleaner through the log manager on real files: a compacted log shrinks to its live keys
 * and reads back as the table; compressed batches keep their codec; a committed transactional
 * batch is cleaned like others; a small offset map takes several passes; min.compaction.lag.ms and
 * min.cleanable.dirty.ratio hold the cleaner back; the cleaner offset is checkpointed and survives a
 * restart; a non-compacted log is never cleaned.
 */
import { expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { buildRecordBatch, iterateRecords, readBatchHeader } from "../../src/protocol/record-batch.ts";
import { decompress, recompressBatch } from "../../src/compression/index.ts";
import { LogManager } from "../../src/storage/log-manager.ts";
import type { PartitionLog } from "../../src/storage/partition-log.ts";
import { readCleanerCheckpoint } from "../../src/storage/cleaner/checkpoint.ts";
import { cleanLog } from "../../src/storage/cleaner/clean-log.ts";
import { OffsetMap } from "../../src/storage/cleaner/offset-map.ts";
import { IoThrottle } from "../../src/storage/cleaner/throttle.ts";
import { makeTempDir } from "./temp-dir.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const COMPACT = { segmentBytes: 4096, preallocate: false, compact: true, minCleanableDirtyRatio: 0, deleteRetentionMs: 0 };

function put(log: PartitionLog, key: string, value: string | null, opts: { codec?: number; attributes?: number; producerId?: bigint } = {}): void {
  let batch = buildRecordBatch({
    attributes: opts.attributes,
    producerId: opts.producerId,
    producerEpoch: opts.producerId !== undefined ? 0 : -1,
    baseSequence: opts.producerId !== undefined ? 0 : -1,
    records: [{ key: enc.encode(key), value: value === null ? null : enc.encode(value) }],
  });
  if (opts.codec) batch = recompressBatch(batch, opts.codec);
  log.append(batch);
}

function table(log: PartitionLog): { map: Map<string, string | null>; codecs: Set<number>; records: number } {
  const map = new Map<string, string | null>();
  const codecs = new Set<number>();
  let records = 0;
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = log.read(offset, 1 << 20);
    if (r.batches.length === 0) break;
    for (const chunk of r.batches) {
      let pos = 0;
      while (pos < chunk.length) {
        const h = readBatchHeader(chunk, pos);
        const size = 12 + h.batchLength;
        const body = chunk.subarray(pos + 61, pos + size);
        const codec = h.attributes & 7;
        if (h.recordCount > 0) codecs.add(codec);
        for (const rec of iterateRecords(codec === 0 ? body : decompress(codec, body), h.recordCount)) {
          map.set(dec.decode(rec.key!), rec.value === null ? null : dec.decode(rec.value));
          records++;
        }
        offset = Number(h.baseOffset) + h.lastOffsetDelta + 1;
        pos += size;
      }
    }
  }
  return { map, codecs, records };
}

test("a compacted log shrinks to its live keys, reads back as the table, and the cleaner offset is checkpointed", async () => {
  const dir = makeTempDir("cleaner");
  const manager = LogManager.open(dir, { maintenanceIntervalMs: 0, cleaner: { backoffMs: 0 } });
  const log = manager.openLog("cdc", 0, COMPACT);
  const expected = new Map<string, string | null>();
  for (let i = 0; i < 3000; i++) {
    const key = `k${i % 50}`;
    const value = i % 7 === 0 ? null : `v${i}`;
    put(log, key, value, { codec: [0, 1, 2, 3, 4][i % 5] });
    expected.set(key, value);
  }
  log.rollNow();
  const before = log.sizeBytes;
  const [stats] = await manager.cleaner.runOnce();
  expect(stats.aborted).toBeNull();
  expect(stats.recordsRemoved).toBeGreaterThan(2800);
  const after = log.sizeBytes;
  expect(after).toBeLessThan(before / 10);
  const live = new Map([...expected].filter(([, v]) => v !== null));
  const got = table(log);
  expect(new Map([...got.map].filter(([, v]) => v !== null))).toEqual(live);
  expect([...got.codecs].sort()).toEqual([0, 1, 2, 3, 4]); // each rebuilt batch kept its codec
  expect(readCleanerCheckpoint(dir).get("cdc-0")).toBe(log.logEndOffset);
  // The swap rebuilt the cleaned segments' indexes (the sources' went with them).
  const files = fs.readdirSync(path.join(dir, "cdc-0"));
  const active = `${String(log.logEndOffset).padStart(20, "0")}.log`; // empty, its indexes not written yet
  for (const name of files.filter((n) => n.endsWith(".log") && n !== active)) {
    expect(files).toContain(name.replace(/\.log$/, ".index"));
    expect(files).toContain(name.replace(/\.log$/, ".timeindex"));
  }
  // Nothing dirty now: another round does nothing.
  expect(await manager.cleaner.runOnce()).toEqual([]);
  manager.close();
  const reopened = LogManager.open(dir, { maintenanceIntervalMs: 0, cleaner: { backoffMs: 0 } });
  const again = reopened.openLog("cdc", 0, COMPACT);
  expect(table(again).map).toEqual(got.map);
  expect(reopened.cleaner.cleanerOffset(again)).toBe(again.logEndOffset);
  reopened.close();
});

test("a committed transactional batch is cleaned like others, emptied producer batches keep the producer's last one, and delete topics are never cleaned", async () => {
  const dir = makeTempDir("cleaner-txn");
  const manager = LogManager.open(dir, { maintenanceIntervalMs: 0, cleaner: { backoffMs: 0 } });
  const log = manager.openLog("t", 0, COMPACT);
  put(log, "a", "txn-1", { attributes: 0x10, producerId: 5n });
  put(log, "a", "plain-2", { producerId: 9n });
  put(log, "a", "plain-3", { producerId: 9n });
  put(log, "a", "plain-4");
  log.rollNow();
  const plain = manager.openLog("d", 0, { ...COMPACT, compact: false });
  for (let i = 0; i < 10; i++) put(plain, "a", `v${i}`);
  plain.rollNow();
  const stats = await manager.cleaner.runOnce();
  expect(stats.length).toBe(1);
  expect(table(plain).records).toBe(10); // cleanup.policy=delete: every record stays
  const batches: { base: number; count: number; attributes: number; pid: bigint }[] = [];
  let offset = 0;
  const r = log.read(offset, 1 << 20);
  for (const chunk of r.batches) {
    let pos = 0;
    while (pos < chunk.length) {
      const h = readBatchHeader(chunk, pos);
      batches.push({ base: Number(h.baseOffset), count: h.recordCount, attributes: h.attributes, pid: h.producerId });
      pos += 12 + h.batchLength;
    }
  }
  // offset 0: transactional (no owner tracks transactions here, so it counts as committed), producer
  // 5's last batch, emptied but kept; 1: producer 9 emptied and dropped (9 has a later batch);
  // 2: producer 9's last batch, emptied but kept; 3: the latest value.
  expect(batches).toEqual([
    { base: 0, count: 0, attributes: 0x10, pid: 5n },
    { base: 2, count: 0, attributes: 0, pid: 9n },
    { base: 3, count: 1, attributes: 0, pid: -1n },
  ]);
  manager.close();
});

test("a small offset map cleans in several passes; min.compaction.lag.ms and the dirty ratio hold the cleaner back", async () => {
  const dir = makeTempDir("cleaner-passes");
  let now = 1_800_000_000_000;
  const manager = LogManager.open(dir, { maintenanceIntervalMs: 0, clock: () => now, cleaner: { backoffMs: 0, dedupeBufferBytes: 64 * 16 } });
  const log = manager.openLog("p", 0, { ...COMPACT, minCompactionLagMs: 60_000, minCleanableDirtyRatio: 0.5 });
  const expected = new Map<string, string>();
  for (let i = 0; i < 2000; i++) {
    const batch = buildRecordBatch({ baseTimestampMs: BigInt(now), records: [{ key: enc.encode(`k${i % 300}`), value: enc.encode(`v${i}`) }] });
    log.append(batch);
    expected.set(`k${i % 300}`, `v${i}`);
  }
  log.rollNow();
  expect(await manager.cleaner.runOnce(now)).toEqual([]); // younger than min.compaction.lag.ms
  now += 120_000;
  const [stats] = await manager.cleaner.runOnce(now);
  expect(stats.passes).toBeGreaterThan(1); // 300 keys, a map of 48
  expect(table(log).map).toEqual(expected);
  // A little new dirt on a large clean section: below the ratio, not cleaned.
  for (let i = 0; i < 3; i++) log.append(buildRecordBatch({ baseTimestampMs: BigInt(now), records: [{ key: enc.encode("k1"), value: enc.encode(`w${i}`) }] }));
  log.rollNow();
  now += 120_000;
  const ratio = manager.cleaner.dirtyLogs(now);
  expect(ratio).toEqual([]);
  expect(fs.readdirSync(path.join(dir, "p-0")).filter((n) => n.includes(".cleaned") || n.includes(".swap"))).toEqual([]);
  manager.close();
}, 60_000); // many passes over a small map: ~1 s alone, over bun's 5 s default on a loaded machine

test("a tombstone outlives the cleaning that removes the values it deletes and goes in a later one", async () => {
  const dir = makeTempDir("cleaner-tombstone");
  const manager = LogManager.open(dir, { maintenanceIntervalMs: 0, cleaner: { backoffMs: 0 } });
  const log = manager.openLog("t", 0, COMPACT); // delete.retention.ms 0: expired at once
  put(log, "gone", "v1");
  put(log, "gone", null);
  put(log, "kept", "v1");
  log.rollNow();
  const [first] = await manager.cleaner.runOnce();
  expect(first.aborted).toBeNull();
  // The value went; its tombstone stays, so a reader that saw "v1" before the swap still sees it deleted.
  expect(table(log).map).toEqual(new Map<string, string | null>([["gone", null], ["kept", "v1"]]));
  put(log, "kept", "v2");
  log.rollNow();
  const [second] = await manager.cleaner.runOnce();
  expect(second.aborted).toBeNull();
  expect(table(log).map).toEqual(new Map([["kept", "v2"]]));
  manager.close();
});

function batchBases(log: PartitionLog): { base: number; count: number; pid: bigint }[] {
  const out: { base: number; count: number; pid: bigint }[] = [];
  for (const chunk of log.read(log.logStartOffset, 1 << 20).batches) {
    let pos = 0;
    while (pos < chunk.length) {
      const h = readBatchHeader(chunk, pos);
      out.push({ base: Number(h.baseOffset), count: h.recordCount, pid: h.producerId });
      pos += 12 + h.batchLength;
    }
  }
  return out;
}

test("past the bound of tracked producers, an emptied batch of an untracked producer is kept", async () => {
  for (const maxTrackedProducers of [1, 100]) {
    const dir = makeTempDir("cleaner-producers");
    const manager = LogManager.open(dir, { maintenanceIntervalMs: 0, cleaner: { backoffMs: 0 } });
    const log = manager.openLog("p", 0, COMPACT);
    for (const pid of [1n, 1n, 2n, 2n]) put(log, "a", `from-${pid}`, { producerId: pid });
    put(log, "a", "latest");
    log.rollNow();
    const stats = await cleanLog(log, 0, new OffsetMap(1 << 16), new IoThrottle(Infinity), Date.now(), { maxTrackedProducers });
    expect(stats.aborted).toBeNull();
    // Producer 1 is tracked either way (its last batch, 1, stays emptied); producer 2 only with room for it.
    const kept = maxTrackedProducers === 1 ? [1, 2, 3, 4] : [1, 3, 4];
    expect(batchBases(log).map((b) => b.base)).toEqual(kept);
    expect(batchBases(log).filter((b) => b.count > 0).map((b) => b.base)).toEqual([4]);
    manager.close();
  }
});

test("the offset map: the latest offset per key, new keys refused when full, existing ones still updated, cleared in steps", async () => {
  const map = new OffsetMap(64 * 16); // 64 slots, 48 entries
  expect(map.capacity).toBe(48);
  expect(map.get(enc.encode("absent"))).toBe(-1);
  for (let i = 0; i < 48; i++) expect(map.put(enc.encode(`k${i}`), i)).toBe(true);
  expect(map.put(enc.encode("one-more"), 100)).toBe(false);
  expect(map.canPut(enc.encode("one-more"))).toBe(false);
  expect(map.put(enc.encode("k0"), 0)).toBe(true); // offset 0 is a real offset, not an empty slot
  expect(map.get(enc.encode("k0"))).toBe(0);
  expect(map.put(enc.encode("k1"), 500)).toBe(true);
  expect(map.put(enc.encode("k1"), 200)).toBe(true); // an older offset never replaces a newer one
  expect(map.get(enc.encode("k1"))).toBe(500);
  let pauses = 0;
  await map.clearInSteps(async () => {
    pauses++;
  }, 16);
  expect(pauses).toBe(4);
  expect(map.size).toBe(0);
  expect(map.get(enc.encode("k1"))).toBe(-1);
  expect(map.put(enc.encode("one-more"), 100)).toBe(true);
});

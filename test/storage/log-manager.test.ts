import { expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { LogManager, parsePartitionDirName } from "../../src/storage/log-manager.ts";
import { LeaderEpochCache, UNDEFINED_EPOCH } from "../../src/storage/leader-epoch-cache.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { buildBatch } from "./batch-builder.ts";
import { makeTempDir } from "./temp-dir.ts";

test("partition folder names parse with '-' inside topic names", () => {
  expect(parsePartitionDirName("orders-eu-12")).toEqual({ topic: "orders-eu", partition: 12 });
  expect(parsePartitionDirName("orders")).toBeNull();
  expect(parsePartitionDirName("orders-1.123-delete")).toBeNull();
});

test("LogManager opens, lists, deletes and closes partition logs", () => {
  const dataDir = makeTempDir("manager");
  const manager = LogManager.open(dataDir, { maintenanceIntervalMs: 0 });
  const a0 = manager.openLog("a-b", 0);
  const a1 = manager.openLog("a-b", 1, { segmentBytes: 2048 });
  expect(manager.openLog("a-b", 0)).toBe(a0);
  a0.append(buildBatch({ recordCount: 4 }));
  a1.append(buildBatch());
  expect(manager.listPartitions()).toEqual([{ topic: "a-b", partition: 0 }, { topic: "a-b", partition: 1 }]);
  manager.deleteLog("a-b", 1);
  expect(fs.existsSync(path.join(dataDir, "a-b-1"))).toBe(false);
  expect(manager.getLog("a-b", 1)).toBeUndefined();
  manager.close();
  expect(fs.existsSync(path.join(dataDir, "a-b-0", ".clean-shutdown"))).toBe(true);

  const again = LogManager.open(dataDir, { maintenanceIntervalMs: 0 });
  expect(again.listPartitions()).toEqual([{ topic: "a-b", partition: 0 }]);
  expect(again.openLog("a-b", 0).logEndOffset).toBe(4);
  again.close();
});

test("maintenance applies retention and writes checkpoints", () => {
  let now = 50_000_000;
  const dataDir = makeTempDir("maintenance");
  const manager = LogManager.open(dataDir, { maintenanceIntervalMs: 0, clock: () => now });
  const log = manager.openLog("t", 0, { segmentBytes: 2048, retentionMs: 1000 });
  for (let i = 0; i < 40; i++) log.append(buildBatch({ valueBytes: 100, baseTimestampMs: now }));
  const segments = log.segmentCount;
  expect(segments).toBeGreaterThan(2);
  now += 10_000;
  const result = manager.runMaintenance(now, true);
  expect(result.deletedSegments).toBe(segments - 1);
  expect(log.logStartOffset).toBe(log.segmentBaseOffsets()[0]);
  manager.close();
});

test("leader epochs: recorded by appends, answered for OffsetForLeaderEpoch, truncated, persisted", async () => {
  const dir = makeTempDir("epochs");
  const log = PartitionLog.open(dir, "t", 0);
  log.append(buildBatch({ recordCount: 5 }), { leaderEpoch: 1 });
  log.append(buildBatch({ recordCount: 5 }), { leaderEpoch: 1 });
  log.append(buildBatch({ recordCount: 5 }), { leaderEpoch: 3 });
  expect(log.read(10, 1000).batches[0][15]).toBe(3); // partitionLeaderEpoch stamped (low byte)
  expect(log.epochs.all()).toEqual([{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 10 }]);
  expect(log.epochs.endOffsetFor(1, log.logEndOffset)).toEqual({ leaderEpoch: 1, endOffset: 10 });
  expect(log.epochs.endOffsetFor(2, log.logEndOffset)).toEqual({ leaderEpoch: 1, endOffset: 10 });
  expect(log.epochs.endOffsetFor(3, log.logEndOffset)).toEqual({ leaderEpoch: 3, endOffset: 15 });
  expect(log.epochs.endOffsetFor(0, log.logEndOffset)).toEqual({ leaderEpoch: 0, endOffset: 0 });
  expect(log.epochs.endOffsetFor(4, log.logEndOffset)).toEqual({ leaderEpoch: UNDEFINED_EPOCH, endOffset: -1 });
  log.truncateTo(10);
  expect(log.epochs.all()).toEqual([{ epoch: 1, startOffset: 0 }]);
  log.append(buildBatch({ recordCount: 2 }), { leaderEpoch: 4 });
  log.deleteRecordsBefore(3);
  expect(log.epochs.all()).toEqual([{ epoch: 1, startOffset: 3 }, { epoch: 4, startOffset: 10 }]);
  log.close();
  expect(fs.readFileSync(path.join(dir, "leader-epoch-checkpoint"), "utf8")).toBe("0\n2\n1 3\n4 10\n");
  expect(new LeaderEpochCache(dir).all()).toEqual([{ epoch: 1, startOffset: 3 }, { epoch: 4, startOffset: 10 }]);
  // follower appends keep the batches' own epochs
  const follower = PartitionLog.open(makeTempDir("follower"), "t", 0);
  follower.append(buildBatch({ recordCount: 2, leaderEpoch: 7 }));
  expect(follower.epochs.all()).toEqual([{ epoch: 7, startOffset: 0 }]);
  follower.close();
});

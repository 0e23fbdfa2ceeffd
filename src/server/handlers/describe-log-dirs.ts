/**
 * DescribeLogDirs 0-4: the one data directory, its partitions' sizes, and (v4) its disk space. An
 * offline directory (a write or sync failed there) answers KAFKA_STORAGE_ERROR with no partitions,
 * as Kafka does.
 */
import { statfsSync } from "node:fs";
import { resolve } from "node:path";
import { ErrorCode } from "../../protocol/errors.ts";
import { DescribeLogDirs } from "../../protocol/messages/describe-log-dirs.ts";
import type { HandlerFor } from "../registry.ts";

export const describeLogDirsHandler: HandlerFor<typeof DescribeLogDirs> = {
  api: DescribeLogDirs,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    const b = ctx.broker;
    const logDir = resolve(b.config.dataDir);
    if (b.partitions.logs.offlineLogDirs.length > 0) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        results: [{ errorCode: ErrorCode.KAFKA_STORAGE_ERROR, logDir, topics: [], totalBytes: -1n, usableBytes: -1n }],
      };
    }
    const wanted = req.topics === null ? b.topics.list().map((t) => ({ topic: t.name, partitions: null as number[] | null })) : req.topics;
    const topics = [];
    for (const w of wanted) {
      const partitions = b.partitions
        .partitionsOf(w.topic)
        .filter((p) => p && (w.partitions === null || w.partitions.includes(p.index)))
        .map((p) => ({ partitionIndex: p.index, partitionSize: BigInt(p.log.sizeBytes), offsetLag: 0n, isFutureKey: false }));
      if (partitions.length > 0) topics.push({ name: w.topic, partitions });
    }
    let totalBytes = -1n;
    let usableBytes = -1n;
    try {
      const fs = statfsSync(b.config.dataDir, { bigint: true });
      totalBytes = fs.blocks * fs.bsize;
      usableBytes = fs.bavail * fs.bsize;
    } catch {
      // Space unknown: Kafka's -1.
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [{ errorCode: ErrorCode.NONE, logDir, topics, totalBytes, usableBytes }],
    };
  },
};

/**
 * Property (fast-check) of the remote reader against s3rver: for any segment (random batches and
 * index density), uploaded as the uploader does (the .log bytes and the offset index), any chunk
 * size and any read (offset, maxBytes, minOneBatch), the remote tier answers exactly the bytes the
 * local log answers for the same read — whole batches from the one holding the offset, the same
 * size limits. A read of bytes altered in the store fails instead of returning them.
 * Runs: TAKHIN_PROPERTY_RUNS (default 25); fast-check prints the seed and path of a failure
 * (replay: TAKHIN_PROPERTY_SEED=<seed> TAKHIN_PROPERTY_PATH=<path>).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import fc from "fast-check";
import path from "node:path";
import { crc32c } from "../../src/native/index.ts";
import { ChunkCache } from "../../src/storage/remote/chunk-cache.ts";
import { objectKey } from "../../src/storage/remote/object-keys.ts";
import { RemoteStorageError, S3ObjectStore } from "../../src/storage/remote/object-store.ts";
import { encodeOffsetIndex } from "../../src/storage/remote/remote-log-manager.ts";
import type { RemoteSegmentMetadata } from "../../src/storage/remote/remote-metadata.ts";
import { RemoteLogReader } from "../../src/storage/remote/remote-reader.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { buildBatch } from "../storage/batch-builder.ts";
import { makeTempDir } from "../storage/temp-dir.ts";
import { startS3, type S3Harness } from "./s3-harness.ts";

const RUNS = Number(process.env.TAKHIN_PROPERTY_RUNS ?? 25);
const REPLAY: { seed?: number; path?: string } = process.env.TAKHIN_PROPERTY_SEED ? { seed: Number(process.env.TAKHIN_PROPERTY_SEED), path: process.env.TAKHIN_PROPERTY_PATH } : {};

let s3: S3Harness;
let store: S3ObjectStore;
beforeAll(async () => {
  s3 = await startS3("props");
  store = new S3ObjectStore({ endpoint: s3.directEndpoint, bucket: s3.bucket, region: "us-east-1", accessKeyId: "S3RVER", secretAccessKey: "S3RVER", pathStyle: true });
});
afterAll(async () => {
  await s3?.close();
});

const batchesArb = fc.array(fc.record({ recordCount: fc.integer({ min: 1, max: 5 }), valueBytes: fc.integer({ min: 0, max: 3000 }) }), { minLength: 1, maxLength: 30 });
const readArb = fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), maxBytes: fc.integer({ min: 0, max: 40_000 }), minOneBatch: fc.boolean() });

test(`remote reads answer exactly what the local log answers (${RUNS} runs)`, async () => {
  const root = makeTempDir("remote-props");
  let run = 0;
  await fc.assert(
    fc.asyncProperty(batchesArb, fc.integer({ min: 0, max: 8192 }), fc.constantFrom(4096, 16384, 65536, 1024 * 1024), fc.array(readArb, { minLength: 1, maxLength: 8 }), async (specs, indexIntervalBytes, chunkBytes, reads) => {
      const id = run++;
      const log = PartitionLog.open(path.join(root, `r${id}`), "t", 0, { indexIntervalBytes, preallocate: false });
      try {
        specs.forEach((s, i) => log.append(buildBatch({ ...s, fill: i })));
        log.rollNow();
        const seg = log.segmentList()[0]!;
        const logBytes = seg.read(seg.baseOffset, seg.sizeBytes, Infinity, true).view!;
        const index = encodeOffsetIndex(seg);
        const meta: RemoteSegmentMetadata = {
          topicId: `topic${id}`, topic: "t", partition: 0, segmentId: `${seg.baseOffset}-${seg.nextOffset - 1}-${crc32c(logBytes).toString(16)}`,
          baseOffset: seg.baseOffset, endOffset: seg.nextOffset - 1, maxTimestampMs: seg.maxTimestampMs, sizeBytes: logBytes.length,
          offsetIndexBytes: index.length, timeIndexBytes: 0, txnIndexBytes: 0, producerSnapshotBytes: 0, leaderEpochBytes: 0,
          logCrc32c: crc32c(logBytes) >>> 0, segmentLeaderEpochs: [], brokerId: 0, eventTimestampMs: 0, state: "COPY_SEGMENT_FINISHED",
        };
        await store.put(objectKey("", meta, "log"), logBytes);
        if (index.length > 0) await store.put(objectKey("", meta, "index"), index);
        const reader = new RemoteLogReader(store, new ChunkCache(Math.max(chunkBytes, 256 * 1024), chunkBytes), "");
        for (const r of reads) {
          const offset = meta.baseOffset + Math.min(meta.endOffset - meta.baseOffset, Math.floor(r.at * (meta.endOffset - meta.baseOffset + 1)));
          const local = log.read(offset, r.maxBytes, { minOneBatch: r.minOneBatch, maxOffsetExclusive: seg.nextOffset });
          const want = Buffer.concat(local.batches);
          const got = await reader.read(meta, offset, r.maxBytes, r.minOneBatch);
          expect(Buffer.from(got.bytes).equals(want)).toBe(true);
        }
        // The same object with one byte changed: reading it fails, never answers those bytes.
        const altered = new Uint8Array(logBytes);
        const flip = Math.floor(reads[0]!.at * (altered.length - 1));
        altered[flip] ^= 0x01;
        const alteredMeta = { ...meta, segmentId: `${meta.segmentId}-altered` };
        await store.put(objectKey("", alteredMeta, "log"), altered);
        if (index.length > 0) await store.put(objectKey("", alteredMeta, "index"), index);
        const fresh = new RemoteLogReader(store, new ChunkCache(Math.max(chunkBytes, 256 * 1024), chunkBytes), "");
        let outcome: "error" | Uint8Array = "error";
        try {
          const all = await fresh.read(alteredMeta, meta.baseOffset, logBytes.length, true);
          outcome = all.bytes;
        } catch (e) {
          expect(e).toBeInstanceOf(RemoteStorageError);
        }
        // A read that does not cover the flipped byte may succeed, and then answers unchanged bytes.
        if (outcome !== "error") expect(Buffer.from(outcome).equals(Buffer.from(logBytes.subarray(0, outcome.length)))).toBe(true);
      } finally {
        log.close();
      }
    }),
    { numRuns: RUNS, ...REPLAY },
  );
}, 120_000);

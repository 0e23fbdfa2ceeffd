/**
 * A failed write or fdatasync (a dying disk, injected at the file-I/O seam: the one fault here a
 * real test cannot produce) never exposes unacknowledged records: with flush.messages=1 the batch
 * whose sync failed is not below the high watermark, its producer's retry is not appended twice,
 * and the log directory goes offline as Kafka's does — every partition in it answers
 * KAFKA_STORAGE_ERROR to Produce, Fetch and ListOffsets, DescribeLogDirs reports the directory's
 * error, the broker says so in its log and counts it. After a restart the directory is recovered
 * from what reached the disk, and the idempotent retry is recognised as a duplicate.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { DescribeLogDirs } from "../../src/protocol/messages/describe-log-dirs.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { InitProducerId } from "../../src/protocol/messages/init-producer-id.ts";
import { ListOffsets } from "../../src/protocol/messages/list-offsets.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { buildRecordBatch, iterateRecords, readBatchHeader } from "../../src/protocol/record-batch.ts";
import { fileFaults } from "../../src/storage/file-io.ts";
import { RawClient, removeDir, startTestBroker, tempDir } from "../helpers/broker.ts";

const enc = new TextEncoder();
let correlation = 1;

afterEach(() => {
  fileFaults.beforeSync = null;
  fileFaults.beforeWrite = null;
});

function eio(op: string): Error {
  return Object.assign(new Error(`EIO: i/o error, ${op}`), { code: "EIO", errno: -5 });
}

const batch = (pid: bigint, seq: number, n: number) =>
  buildRecordBatch({ producerId: pid, producerEpoch: 0, baseSequence: seq, records: Array.from({ length: n }, (_, i) => ({ key: enc.encode(`k${seq + i}`), value: enc.encode(`v${seq + i}`) })) });

async function produce(c: RawClient, topic: string, records: Uint8Array) {
  const res = await c.call(Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }, correlation++);
  return res.responses[0].partitionResponses[0];
}

async function fetchFrom(c: RawClient, topic: string, offset: bigint) {
  const res = await c.call(
    Fetch,
    12,
    {
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, topicId: "AAAAAAAAAAAAAAAAAAAAAA", partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId: "",
    },
    correlation++,
  );
  return res.responses[0].partitions[0];
}

function offsetsIn(bytes: Uint8Array | null): bigint[] {
  const out: bigint[] = [];
  if (!bytes) return out;
  for (let pos = 0; pos + 61 <= bytes.length; ) {
    const h = readBatchHeader(bytes, pos);
    for (const r of iterateRecords(bytes.subarray(pos + 61, pos + 12 + h.batchLength), h.recordCount)) out.push(h.baseOffset + BigInt(r.offsetDelta));
    pos += 12 + h.batchLength;
  }
  return out;
}

describe("a failed write or sync takes the log directory offline", () => {
  for (const fault of ["sync", "write"] as const) {
    test(`a failed ${fault} with flush.messages=1: no visible unacknowledged record, no duplicate on retry, KAFKA_STORAGE_ERROR everywhere`, async () => {
      const dir = tempDir();
      const a = await startTestBroker({ autoCreateTopicsEnable: false }, dir);
      a.broker.context.topics.create("durable", 1, { "flush.messages": "1" });
      a.broker.context.topics.create("other", 1);
      const c = await RawClient.connect(a.port);
      const init = await c.call(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
      const pid = init.producerId as bigint;
      expect((await produce(c, "durable", batch(pid, 0, 3))).baseOffset).toBe(0n);
      expect((await produce(c, "other", batch(pid + 1000n, 0, 1))).errorCode).toBe(0);

      if (fault === "sync") fileFaults.beforeSync = () => { throw eio("fdatasync"); };
      else fileFaults.beforeWrite = () => { throw eio("write"); };
      const failed = await produce(c, "durable", batch(pid, 3, 2));
      fileFaults.beforeSync = null;
      fileFaults.beforeWrite = null;
      expect(failed.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);

      const p = a.broker.context.partitions.get("durable", 0)!;
      expect(p.highWatermark).toBe(3);
      expect(p.logEndOffset).toBe(3);
      // The retry must not append the batch a second time (nor succeed from a failed disk).
      expect((await produce(c, "durable", batch(pid, 3, 2))).errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      expect((await fetchFrom(c, "durable", 0n)).errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      // The whole directory is offline, not only the partition that failed.
      expect((await produce(c, "other", batch(pid + 1000n, 1, 1))).errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      expect((await fetchFrom(c, "other", 0n)).errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      const lo = await c.call(ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: "durable", partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] }, correlation++);
      expect(lo.topics[0].partitions[0].errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      const dirs = await c.call(DescribeLogDirs, 4, { topics: null }, correlation++);
      expect(dirs.results[0].errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      expect(dirs.results[0].topics).toEqual([]);
      expect(a.broker.context.replicas.offlineLogDirCount).toBe(1);
      expect(a.logs.some((l) => l.includes("ERROR log directory offline") && l.includes("topic=durable"))).toBe(true);
      expect(a.logs.some((l) => l.includes(`ERROR storage ${fault} failed`) && l.includes("segment=0") && l.includes("offset=3"))).toBe(true);
      c.close();
      await a.stop();

      // A new process recovers the directory from the disk; the retry is then a duplicate at most.
      const b = await startTestBroker({ autoCreateTopicsEnable: false }, dir);
      const c2 = await RawClient.connect(b.port);
      expect(b.broker.context.replicas.offlineLogDirCount).toBe(0);
      const retry = await produce(c2, "durable", batch(pid, 3, 2));
      expect(retry.errorCode).toBe(0);
      expect(retry.baseOffset).toBe(3n);
      const all = await fetchFrom(c2, "durable", 0n);
      expect(all.errorCode).toBe(0);
      expect(offsetsIn(all.records)).toEqual([0n, 1n, 2n, 3n, 4n]);
      c2.close();
      await b.stop();
      removeDir(dir);
    }, 30_000);
  }
});

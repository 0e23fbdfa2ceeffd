/**
 * The cleaner's transactional rules on a real partition (cluster/partition.ts: producer state, LSO,
 * aborted-transaction index) over real files, step by step:
 * - a segment holding a batch of an ongoing transaction (at or past the LSO) is never cleaned;
 * - the records of an aborted transaction are removed, and its .txnindex entry leaves with the
 *   replaced segment (read_committed fetches no longer list it);
 * - an ABORT marker stays while its transaction still had batches in the cleaning, and goes in a
 *   later cleaning once delete.retention.ms passed since it was written, unless it is its producer's
 *   last batch; a COMMIT marker stays while records of its transaction are left;
 * - committed transactional records are compacted like others (a later plain value supersedes them);
 * - after a crash the LSO and the producers' sequences are rebuilt from the cleaned log.
 */
import { expect, test } from "bun:test";
import { Partition } from "../../src/cluster/partition.ts";
import { effectiveTopicConfig } from "../../src/cluster/topic-config.ts";
import { buildMarkerBatch } from "../../src/cluster/txn-marker-writer.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { CONTROL_BIT, TRANSACTIONAL_BIT, buildRecordBatch, iterateRecords, readBatchHeader } from "../../src/protocol/record-batch.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { cleanLog } from "../../src/storage/cleaner/clean-log.ts";
import { OffsetMap } from "../../src/storage/cleaner/offset-map.ts";
import { IoThrottle } from "../../src/storage/cleaner/throttle.ts";
import { makeTempDir } from "./temp-dir.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const RETENTION_MS = 1000;
const topic = { name: "t", id: "AAAAAAAAAAAAAAAAAAAAAQ", partitions: 1, configs: { "cleanup.policy": "compact" }, internal: false };
const A = 100n;
const B = 200n;
const C = 300n;

interface Seen {
  offset: number;
  kind: "data" | "commit" | "abort" | "empty";
  pid: bigint;
  key?: string;
  value?: string | null;
}

/** Every batch and record from the log start, read uncommitted. */
function contents(log: PartitionLog): Seen[] {
  const out: Seen[] = [];
  let offset = log.logStartOffset;
  while (offset < log.highWatermark) {
    const r = log.read(offset, 1 << 20);
    if (r.batches.length === 0) break;
    for (const view of r.batches) {
      for (let pos = 0; pos < view.length; ) {
        const h = readBatchHeader(view, pos);
        const size = 12 + h.batchLength;
        const base = Number(h.baseOffset);
        const control = (h.attributes & CONTROL_BIT) !== 0;
        if (h.recordCount === 0) out.push({ offset: base, kind: "empty", pid: h.producerId });
        for (const rec of iterateRecords(view.subarray(pos + 61, pos + size), h.recordCount)) {
          if (control) out.push({ offset: base, kind: new DataView(rec.key!.buffer, rec.key!.byteOffset).getInt16(2) === 1 ? "commit" : "abort", pid: h.producerId });
          else out.push({ offset: base + rec.offsetDelta, kind: "data", pid: h.producerId, key: dec.decode(rec.key!), value: rec.value === null ? null : dec.decode(rec.value) });
        }
        offset = base + h.lastOffsetDelta + 1;
        pos += size;
      }
    }
  }
  return out;
}

test("transactions: ongoing ones are not cleaned, aborted records go, markers go once spent and retained long enough, sequences survive", async () => {
  const dir = makeTempDir("cleaner-txn");
  let now = 1_800_000_000_000;
  const config = { segmentBytes: 1 << 20, preallocate: false, compact: true, minCleanableDirtyRatio: 0, deleteRetentionMs: RETENTION_MS };
  const open = () => new Partition(topic, 0, PartitionLog.open(dir, "t", 0, config, { clock: () => now }), effectiveTopicConfig(topic));
  let p = open();
  const seq = new Map<bigint, number>();
  const append = (batch: Uint8Array) => {
    const r = p.appendAsLeader(batch, { origin: "coordinator", nowMs: now });
    expect(r.errorMessage).toBeNull();
    expect(r.errorCode).toBe(ErrorCode.NONE);
    return Number(r.baseOffset);
  };
  const data = (pid: bigint, kv: [string, string][], transactional = true) => {
    const s = seq.get(pid) ?? 0;
    seq.set(pid, s + kv.length);
    return append(buildRecordBatch({
      attributes: transactional ? TRANSACTIONAL_BIT : 0,
      producerId: pid,
      producerEpoch: 0,
      baseSequence: s,
      baseTimestampMs: BigInt(now),
      records: kv.map(([k, v]) => ({ key: enc.encode(k), value: enc.encode(v) })),
    }));
  };
  const plain = (k: string, v: string) => append(buildRecordBatch({ baseTimestampMs: BigInt(now), records: [{ key: enc.encode(k), value: enc.encode(v) }] }));
  const marker = (pid: bigint, result: "commit" | "abort") => append(buildMarkerBatch(pid, 0, 0, result, now));
  const clean = async () => {
    const stats = await cleanLog(p.log, 0, new OffsetMap(1 << 16), new IoThrottle(Infinity), now);
    expect(stats.aborted).toBeNull();
    return stats;
  };

  // Segment 1: A aborts (k1, k2), B commits (k1), a plain k3, A commits (k5).
  const a1 = data(A, [["k1", "a1"], ["k2", "a2"]]);
  const abortA = marker(A, "abort");
  const b1 = data(B, [["k1", "b1"]]);
  const commitB = marker(B, "commit");
  const p3 = plain("k3", "p1");
  const a5 = data(A, [["k5", "a3"]]);
  const commitA = marker(A, "commit");
  p.log.rollNow();
  // Segment 2: C's transaction (k3) stays open; a plain k1 after it.
  const c3 = data(C, [["k3", "c1"]]);
  const p1 = plain("k1", "p2");
  p.log.rollNow();
  expect(p.lastStableOffset).toBe(c3);
  expect(p.read(0, 1 << 20, true, true).abortedTransactions).toEqual([{ producerId: A, firstOffset: a1, lastOffset: abortA, lastStableOffset: abortA + 1 }]);

  const first = await clean();
  let seen = contents(p.log);
  // A's aborted records are gone; its marker stays (the cleaning still read A's batch).
  expect(seen.filter((s) => s.offset < abortA)).toEqual([]);
  expect(first.abortedRecordsRemoved).toBe(2);
  expect(seen.find((s) => s.offset === abortA)?.kind).toBe("abort");
  // Segment 2 (at and past the LSO) is untouched although k1 has a later value there: b1 stays.
  expect(seen.find((s) => s.offset === b1)?.value).toBe("b1");
  expect(seen.filter((s) => s.offset >= c3).map((s) => s.offset)).toEqual([c3, p1]);
  // The index entry left with the replaced segment; read_committed reads the committed table.
  expect(p.read(0, 1 << 20, true, true).abortedTransactions).toEqual([]);
  expect(p.abortedTxns.size).toBe(0);

  // Not yet retained long enough: the spent ABORT marker stays.
  await clean();
  expect(contents(p.log).find((s) => s.offset === abortA)?.kind).toBe("abort");
  now += RETENTION_MS + 1;
  const third = await clean();
  seen = contents(p.log);
  expect(third.markersRemoved).toBe(1);
  expect(seen.find((s) => s.offset === abortA)).toBeUndefined();
  // B's COMMIT marker stays while b1 is left; A's COMMIT is A's last batch (its epoch).
  expect(seen.find((s) => s.offset === commitB)?.kind).toBe("commit");
  expect(seen.find((s) => s.offset === commitA)?.kind).toBe("commit");
  expect(seen.find((s) => s.offset === a5)?.value).toBe("a3");
  expect(seen.find((s) => s.offset === p3)?.value).toBe("p1");

  // C commits: the LSO moves to the log end; segment 2 becomes cleanable and p2 supersedes b1.
  marker(C, "commit");
  p.log.rollNow();
  expect(p.lastStableOffset).toBe(p.log.logEndOffset);
  await clean();
  seen = contents(p.log);
  expect(seen.find((s) => s.offset === b1 && s.kind === "data")).toBeUndefined(); // superseded by p2; B's last data batch: kept empty
  expect(seen.find((s) => s.kind === "empty" && s.pid === B)?.offset).toBe(b1);
  expect(seen.find((s) => s.offset === c3)?.value).toBe("c1"); // committed, k3's latest
  expect(seen.find((s) => s.offset === p3)).toBeUndefined(); // superseded by c1
  now += RETENTION_MS + 1;
  await clean();

  // A crash: producer state is rebuilt from the cleaned log; every producer's next sequence appends.
  p.log.abandon();
  p = open();
  expect(p.lastStableOffset).toBe(p.log.logEndOffset);
  data(A, [["k6", "a4"]]);
  data(B, [["k7", "b2"]]);
  data(C, [["k8", "c2"]]);
  p.log.abandon();
});

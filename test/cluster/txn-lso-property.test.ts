/**
 * The last stable offset and the aborted-transaction index against a model (issue 16 item 5): a
 * partition log on real files takes plain batches, idempotent batches and the transactional
 * batches of three producers, COMMIT/ABORT markers, segment rolls, and reopenings — clean (close,
 * then open) or a crash (the old log dropped unclosed, its files opened again). After every step the
 * LSO, the aborted transactions a read_committed fetch from 0 returns, and what a read_committed
 * consumer keeps by Kafka's rule equal the model's. A failing run prints its seed.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import path from "node:path";
import { Partition } from "../../src/cluster/partition.ts";
import { effectiveTopicConfig } from "../../src/cluster/topic-config.ts";
import { buildMarkerBatch } from "../../src/cluster/txn-marker-writer.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { CONTROL_BIT, TRANSACTIONAL_BIT, buildRecordBatch, iterateRecords, readBatchHeader } from "../../src/protocol/record-batch.ts";
import { PartitionLog } from "../../src/storage/index.ts";
import { makeTempDir } from "../storage/temp-dir.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const PRODUCERS = [1000n, 2000n, 3000n];
const IDEMPOTENT = 9000n;
const TOPIC = { name: "lso", id: "AAAAAAAAAAAAAAAAAAAAAA", partitions: 1, configs: {}, internal: false };

type Op =
  | { k: "plain"; n: number }
  | { k: "idem"; n: number }
  | { k: "txn"; p: number; n: number }
  | { k: "end"; p: number; commit: boolean }
  | { k: "roll" }
  | { k: "reopen"; crash: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ k: fc.constant("plain" as const), n: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("idem" as const), n: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("txn" as const), p: fc.integer({ min: 0, max: 2 }), n: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("end" as const), p: fc.integer({ min: 0, max: 2 }), commit: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("roll" as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("reopen" as const), crash: fc.boolean() }) },
);

interface ModelBatch {
  base: number;
  last: number;
  producerId: bigint;
  control: boolean;
  values: string[];
}

/** What Kafka's read_committed consumer keeps from batches and the aborted list (its documented rule). */
function consumerKeeps(batches: ModelBatch[], aborted: { producerId: bigint; firstOffset: number }[]): string[] {
  const pending = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  const abortedNow = new Set<bigint>();
  const out: string[] = [];
  for (const b of batches) {
    while (pending.length > 0 && pending[0]!.firstOffset <= b.last) abortedNow.add(pending.shift()!.producerId);
    if (b.control) {
      abortedNow.delete(b.producerId);
      continue;
    }
    if (!abortedNow.has(b.producerId)) out.push(...b.values);
  }
  return out;
}

function batchesIn(views: Uint8Array[]): ModelBatch[] {
  const out: ModelBatch[] = [];
  for (const bytes of views) {
    for (let pos = 0; pos + 61 <= bytes.length; ) {
      const h = readBatchHeader(bytes, pos);
      const control = (h.attributes & CONTROL_BIT) !== 0;
      const values = control ? [] : [...iterateRecords(bytes.subarray(pos + 61, pos + 12 + h.batchLength), h.recordCount)].map((r) => dec.decode(r.value!));
      out.push({ base: Number(h.baseOffset), last: Number(h.baseOffset) + h.lastOffsetDelta, producerId: h.producerId, control, values });
      pos += 12 + h.batchLength;
    }
  }
  return out;
}

function runProgram(ops: Op[], dir: string): void {
  const open = () => new Partition(TOPIC, 0, PartitionLog.open(dir, "lso", 0, { segmentBytes: 1024 }), effectiveTopicConfig(TOPIC));
  let p = open();
  const abandoned: Partition[] = [];
  // The model: every batch in log order; per producer its ongoing transaction's first offset and next sequence.
  const log: ModelBatch[] = [];
  const ongoing = new Map<bigint, number>();
  const sequence = new Map<bigint, number>();
  const aborted: { producerId: bigint; firstOffset: number; lastOffset: number }[] = [];
  let next = 0;
  let tag = 0;

  const append = (producerId: bigint, values: string[], transactional: boolean) => {
    const seq = producerId >= 0n ? (sequence.get(producerId) ?? 0) : -1;
    const bytes = buildRecordBatch({
      attributes: transactional ? TRANSACTIONAL_BIT : 0,
      producerId,
      producerEpoch: producerId >= 0n ? 0 : -1,
      baseSequence: seq,
      records: values.map((v) => ({ key: enc.encode(v), value: enc.encode(v) })),
    });
    const r = p.appendAsLeader(bytes, { origin: "client", transactionVerified: transactional });
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(Number(r.baseOffset)).toBe(next);
    if (producerId >= 0n) sequence.set(producerId, seq + values.length);
    log.push({ base: next, last: next + values.length - 1, producerId, control: false, values });
    if (transactional && !ongoing.has(producerId)) ongoing.set(producerId, next);
    next += values.length;
  };

  for (const o of ops) {
    if (o.k === "plain") append(-1n, Array.from({ length: o.n }, () => `plain-${tag++}`), false);
    else if (o.k === "idem") append(IDEMPOTENT, Array.from({ length: o.n }, () => `idem-${tag++}`), false);
    else if (o.k === "txn") {
      const pid = PRODUCERS[o.p]!;
      append(pid, Array.from({ length: o.n }, () => `t${pid}-${tag++}`), true);
    } else if (o.k === "end") {
      const pid = PRODUCERS[o.p]!;
      const first = ongoing.get(pid);
      if (first === undefined) continue; // a coordinator only writes markers for a transaction it knows
      const r = p.appendAsLeader(buildMarkerBatch(pid, 0, 0, o.commit ? "commit" : "abort"), { origin: "coordinator" });
      expect(r.errorCode).toBe(ErrorCode.NONE);
      log.push({ base: next, last: next, producerId: pid, control: true, values: [] });
      if (!o.commit) aborted.push({ producerId: pid, firstOffset: first, lastOffset: next });
      ongoing.delete(pid);
      next += 1;
    } else if (o.k === "roll") p.log.rollNow();
    else {
      if (o.crash) abandoned.push(p); // dropped without close: the files are as a killed process leaves them
      else p.log.close();
      p = open();
    }

    // After every step.
    const lso = ongoing.size === 0 ? next : Math.min(...ongoing.values());
    expect(p.logEndOffset).toBe(next);
    expect(p.lastStableOffset).toBe(lso);
    const read = p.read(0, 1 << 24, true, true);
    const got = batchesIn(read.records);
    expect(got.map((b) => [b.base, b.last])).toEqual(log.filter((b) => b.last < lso).map((b) => [b.base, b.last]));
    // In any order (consumers sort the list by first offset): compared sorted.
    const wantAborted = aborted.filter((a) => a.firstOffset < (got.length ? got[got.length - 1]!.last + 1 : 0)).sort((a, b) => a.firstOffset - b.firstOffset);
    const gotAborted = (read.abortedTransactions ?? []).map((a) => ({ producerId: a.producerId, firstOffset: a.firstOffset, lastOffset: a.lastOffset }));
    expect(gotAborted.sort((a, b) => a.firstOffset - b.firstOffset)).toEqual(wantAborted);
    // What a read_committed consumer keeps: every committed or plain value below the LSO, no aborted one.
    const abortedValue = new Set(aborted.flatMap((a) => log.filter((b) => b.producerId === a.producerId && b.base >= a.firstOffset && b.last < a.lastOffset).flatMap((b) => b.values)));
    const want = log.filter((b) => b.last < lso && !b.control).flatMap((b) => b.values).filter((v) => !abortedValue.has(v));
    expect(consumerKeeps(got, read.abortedTransactions ?? [])).toEqual(want);
  }
  p.log.close();
  for (const a of abandoned) a.log.close();
}

test("the LSO, the aborted-transaction index and read_committed reads agree with a model through rolls, clean reopens and crashes", () => {
  const numRuns = Number(process.env.TAKHIN_PROPERTY_RUNS ?? 60);
  const seed = Number(process.env.TAKHIN_PROPERTY_SEED ?? Date.now() % 2 ** 31);
  console.log(`txn-lso property: seed ${seed} (TAKHIN_PROPERTY_SEED reproduces)`);
  const root = makeTempDir("txn-lso");
  let run = 0;
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 80 }), (ops) => runProgram(ops, path.join(root, `run-${run++}`, "lso-0"))),
    { numRuns, seed },
  );
}, 120_000);

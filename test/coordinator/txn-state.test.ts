/**
 * The transaction coordinator's state machine (src/coordinator/txn/txn-state.ts) against a model
 * written from Kafka's rules (KIP-98, KIP-360): random programs of InitProducerId (with no, the
 * current or a stale producer id/epoch), AddPartitions, EndTxn commit/abort, marker completion,
 * failed log writes, the clock passing transaction timeouts and the produce path's verification.
 * Every answer (error code, producer id, epoch) matches the model's; after every step the epoch of
 * a producer id never went down, partitions exist only in a transaction, and every metadata
 * survives its __transaction_state record (encode, decode).
 *
 * Runs: TAKHIN_PROPERTY_RUNS (default 300); the seed is printed (TAKHIN_PROPERTY_SEED reproduces).
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { MAX_PRODUCER_EPOCH, TxnStateMachine, fromLogValue, toLogValue, type Transition, type TxnMeta } from "../../src/coordinator/txn/txn-state.ts";
import { decodeTxnKey, decodeTxnValue, txnKey, txnPartitionFor, txnValue } from "../../src/coordinator/txn/txn-log.ts";

const IDS = ["a", "b"];
const TOPICS = ["t0", "t1"];

type Cmd =
  | { k: "init"; id: number; expected: "none" | "current" | "stale" | "other" }
  | { k: "add"; id: number; topic: number; partition: number; epoch: "current" | "stale"; otherPid: boolean }
  | { k: "end"; id: number; commit: boolean; epoch: "current" | "stale" }
  | { k: "markers"; id: number }
  | { k: "failNextWrite" }
  | { k: "tick"; ms: number }
  | { k: "verify"; id: number; topic: number; partition: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ k: fc.constant("init" as const), id: fc.nat(1), expected: fc.constantFrom("none" as const, "current" as const, "stale" as const, "other" as const) }),
  fc.record({ k: fc.constant("add" as const), id: fc.nat(1), topic: fc.nat(1), partition: fc.nat(2), epoch: fc.constantFrom("current" as const, "current" as const, "stale" as const), otherPid: fc.boolean() }),
  fc.record({ k: fc.constant("end" as const), id: fc.nat(1), commit: fc.boolean(), epoch: fc.constantFrom("current" as const, "current" as const, "stale" as const) }),
  fc.record({ k: fc.constant("markers" as const), id: fc.nat(1) }),
  fc.constant({ k: "failNextWrite" as const }),
  fc.record({ k: fc.constant("tick" as const), ms: fc.constantFrom(1, 500, 5000) }),
  fc.record({ k: fc.constant("verify" as const), id: fc.nat(1), topic: fc.nat(1), partition: fc.nat(2) }),
);

/** The model: one record per id, rules stated directly. */
interface ModelTxn {
  pid: bigint;
  epoch: number;
  lastEpoch: number;
  state: string;
  parts: Set<string>;
  startMs: number;
  timeoutMs: number;
  /** The marker write of a Prepare* is outstanding. */
}

const TIMEOUT_MS = 1000;

function runProgram(program: Cmd[]): void {
  const sm = new TxnStateMachine();
  const model = new Map<string, ModelTxn>();
  let nowMs = 1_000_000;
  let nextPid = 1000n;
  let failNext = false;
  const highestEpoch = new Map<bigint, number>();

  /** Writes a transition's record (or fails it), as the coordinator does. */
  const persist = (t: Transition | null): boolean => {
    if (!t) return true;
    if (failNext) {
      failNext = false;
      sm.abandon(t);
      return false;
    }
    // The record round trip: what is replayed is what was meant.
    const v = decodeTxnValue(txnValue(toLogValue(t.to)))!;
    expect(decodeTxnKey(txnKey(t.transactionalId))).toBe(t.transactionalId);
    const back = fromLogValue(t.transactionalId, v)!;
    expect({ ...back, lastProducerEpoch: 0 }).toEqual({ ...t.to, lastProducerEpoch: 0, partitions: t.to.state === "Empty" ? new Map() : back.partitions });
    if (t.to.state !== "Empty") expect([...back.partitions].map(([k, s]) => [k, [...s].sort()])).toEqual([...t.to.partitions].map(([k, s]) => [k, [...s].sort()]));
    sm.complete(t);
    return true;
  };

  for (const c of program) {
    if (c.k === "failNextWrite") {
      failNext = true;
      continue;
    }
    if (c.k === "tick") {
      nowMs += c.ms;
      // A timed-out transaction whose abort record failed to write stays Ongoing; the next sweep retries it.
      const abortFailed = new Set<string>();
      for (const m of sm.timedOut(nowMs)) {
        const t = sm.abortTimedOut(m.transactionalId, nowMs);
        const mm = model.get(m.transactionalId)!;
        expect(mm.state).toBe("Ongoing");
        expect(mm.startMs + mm.timeoutMs < nowMs).toBe(true);
        if (persist(t)) {
          mm.lastEpoch = mm.epoch;
          mm.epoch += 1;
          mm.state = "PrepareAbort";
        } else abortFailed.add(m.transactionalId);
      }
      for (const [id, mm] of model) {
        if (mm.state === "Ongoing" && mm.startMs + mm.timeoutMs < nowMs && !abortFailed.has(id)) expect(sm.get(id)!.state).not.toBe("Ongoing");
      }
      continue;
    }
    const id = IDS[c.id]!;
    const mm = model.get(id);
    if (c.k === "init") {
      const expected =
        c.expected === "none" || !mm ? null
        : c.expected === "current" ? { producerId: mm.pid, epoch: mm.epoch }
        : c.expected === "stale" ? { producerId: mm.pid, epoch: mm.epoch - 1 }
        : { producerId: mm.pid + 7n, epoch: mm.epoch };
      let a = sm.initProducerId(id, TIMEOUT_MS, expected, nowMs, null);
      if (a.needsProducerId) a = sm.initProducerId(id, TIMEOUT_MS, expected, nowMs, nextPid++);
      // The model's answer.
      let m = mm;
      if (!m) {
        m = { pid: nextPid - 1n, epoch: -1, lastEpoch: -1, state: "Empty", parts: new Set(), startMs: -1, timeoutMs: TIMEOUT_MS };
        model.set(id, m);
      }
      if (expected && m.epoch !== -1 && expected.producerId !== m.pid) {
        expect(a.errorCode).toBe(ErrorCode.PRODUCER_FENCED);
      } else if (m.state === "Ongoing") {
        expect(a.errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
        if (persist(a.transition)) {
          m.lastEpoch = m.epoch;
          m.epoch += 1;
          m.state = "PrepareAbort";
        }
      } else if (m.state === "PrepareCommit" || m.state === "PrepareAbort") {
        expect(a.errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
      } else if (!expected || m.epoch === -1 || expected.epoch === m.epoch) {
        expect(a.errorCode).toBe(ErrorCode.NONE);
        expect(a.producerId).toBe(m.pid);
        expect(a.producerEpoch).toBe(m.epoch + 1);
        if (persist(a.transition)) {
          m.lastEpoch = expected ? m.epoch : -1;
          m.epoch += 1;
          m.state = "Empty";
          m.parts.clear();
          m.timeoutMs = TIMEOUT_MS;
        }
      } else if (expected.epoch === m.lastEpoch) {
        expect(a.errorCode).toBe(ErrorCode.NONE);
        expect(a.producerEpoch).toBe(m.epoch);
        if (persist(a.transition)) {
          m.state = "Empty";
          m.parts.clear();
        }
      } else {
        expect(a.errorCode).toBe(ErrorCode.PRODUCER_FENCED);
      }
    } else if (c.k === "add" || c.k === "verify") {
      const pid = !mm ? 5n : c.k === "add" && c.otherPid ? mm.pid + 1n : mm.pid;
      const epoch = !mm ? 0 : c.k === "add" && c.epoch === "stale" ? mm.epoch - 1 : mm.epoch;
      const key = `${TOPICS[c.topic]}-${c.partition}`;
      if (c.k === "verify") {
        const got = sm.verify(id, pid, epoch, TOPICS[c.topic]!, c.partition);
        const want = !mm || mm.epoch === -1 && sm.get(id)!.producerEpoch !== -1 ? ErrorCode.INVALID_PRODUCER_ID_MAPPING : mm.state === "Ongoing" && mm.parts.has(key) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
        if (mm) expect(got).toBe(want);
        else expect(got).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
        continue;
      }
      const s = sm.addPartitions(id, pid, epoch, [{ topic: TOPICS[c.topic]!, partitions: [c.partition] }], nowMs);
      if (!mm || pid !== mm.pid) expect(s.errorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
      else if (epoch !== mm.epoch) expect(s.errorCode).toBe(ErrorCode.PRODUCER_FENCED);
      else if (mm.state === "PrepareCommit" || mm.state === "PrepareAbort") expect(s.errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
      else {
        expect(s.errorCode).toBe(ErrorCode.NONE);
        const already = mm.state === "Ongoing" && mm.parts.has(key);
        expect(s.transition === null).toBe(already);
        if (persist(s.transition)) {
          if (mm.state !== "Ongoing") {
            mm.parts.clear();
            mm.startMs = nowMs;
          }
          mm.state = "Ongoing";
          mm.parts.add(key);
        }
      }
    } else if (c.k === "end") {
      const pid = mm?.pid ?? 5n;
      const epoch = !mm ? 0 : c.epoch === "stale" ? mm.epoch - 1 : mm.epoch;
      const a = sm.endTxn(id, pid, epoch, c.commit, nowMs);
      const preparing = c.commit ? "PrepareCommit" : "PrepareAbort";
      const done = c.commit ? "CompleteCommit" : "CompleteAbort";
      if (!mm) expect(a.errorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
      else if (epoch !== mm.epoch) expect(a.errorCode).toBe(ErrorCode.PRODUCER_FENCED);
      else if (mm.state === "Ongoing") {
        expect(a.errorCode).toBe(ErrorCode.NONE);
        expect(a.producerEpoch).toBe(mm.epoch);
        if (persist(a.transition)) mm.state = preparing;
      } else if (mm.state === done) expect(a.errorCode).toBe(ErrorCode.NONE);
      else if (mm.state === preparing) expect(a.errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
      else expect(a.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    } else if (c.k === "markers") {
      const m = sm.get(id);
      const t = m ? sm.completeMarkers(id, m.producerId, m.producerEpoch, nowMs) : null;
      const isPreparing = mm?.state === "PrepareCommit" || mm?.state === "PrepareAbort";
      expect(t !== null).toBe(isPreparing);
      if (persist(t) && isPreparing) {
        mm!.state = mm!.state === "PrepareCommit" ? "CompleteCommit" : "CompleteAbort";
        mm!.parts.clear();
      }
    }

    // Invariants after every step.
    for (const [tid, want] of model) {
      const got = sm.get(tid)!;
      expect(sm.pendingOf(tid)).toBeUndefined();
      expect(got.state as string).toBe(want.state);
      expect(got.producerId).toBe(want.pid);
      expect(got.producerEpoch).toBe(want.epoch);
      const parts = [...got.partitions].flatMap(([t, ps]) => [...ps].map((p) => `${t}-${p}`)).sort();
      expect(parts).toEqual([...want.parts].sort());
      if (got.state === "Empty" || got.state === "CompleteCommit" || got.state === "CompleteAbort") expect(parts.length).toBe(0);
      const seen = highestEpoch.get(got.producerId) ?? -1;
      expect(got.producerEpoch).toBeGreaterThanOrEqual(seen);
      highestEpoch.set(got.producerId, got.producerEpoch);
    }
  }
}

describe("TxnStateMachine", () => {
  test("answers as the model on random programs, with its invariants", () => {
    const numRuns = Number(process.env.TAKHIN_PROPERTY_RUNS ?? 300);
    const seed = Number(process.env.TAKHIN_PROPERTY_SEED ?? Date.now() % 2 ** 31);
    console.log(`txn-state properties: seed ${seed} (TAKHIN_PROPERTY_SEED reproduces)`);
    fc.assert(fc.property(fc.array(cmd, { minLength: 1, maxLength: 60 }), runProgram), { numRuns, seed });
  });

  test("an exhausted epoch rotates to a fresh producer id; the retry of a lost rotation answer gets the new id", () => {
    const sm = new TxnStateMachine();
    const first = sm.initProducerId("x", 1000, null, 1, 10n);
    sm.complete(first.transition!);
    // Replay a record at the last usable epoch (as if bumped 32766 times).
    const m = sm.get("x")!;
    sm.restore("x", { ...m, producerEpoch: MAX_PRODUCER_EPOCH });
    const ask = sm.initProducerId("x", 1000, { producerId: 10n, epoch: MAX_PRODUCER_EPOCH }, 2, null);
    expect(ask.needsProducerId).toBe(true);
    const rotated = sm.initProducerId("x", 1000, { producerId: 10n, epoch: MAX_PRODUCER_EPOCH }, 2, 11n);
    expect([rotated.errorCode, rotated.producerId, rotated.producerEpoch]).toEqual([ErrorCode.NONE, 11n, 0]);
    sm.complete(rotated.transition!);
    expect(sm.get("x")!.previousProducerId).toBe(10n);
    const retry = sm.initProducerId("x", 1000, { producerId: 10n, epoch: MAX_PRODUCER_EPOCH }, 3, null);
    expect([retry.errorCode, retry.producerId, retry.producerEpoch, retry.transition]).toEqual([ErrorCode.NONE, 11n, 0, null]);
  });

  test("transaction version 2: every EndTxn bumps the epoch; a retry with the previous epoch is answered", () => {
    const sm = new TxnStateMachine();
    const init = sm.initProducerId("y", 1000, null, 1, 20n);
    sm.complete(init.transition!);
    sm.complete(sm.addPartitions("y", 20n, 0, [{ topic: "t", partitions: [0] }], 2).transition!);
    const end = sm.endTxn("y", 20n, 0, true, 3, 2);
    expect([end.errorCode, end.producerEpoch]).toEqual([ErrorCode.NONE, 1]);
    sm.complete(end.transition!);
    expect(sm.endTxn("y", 20n, 0, true, 4, 2).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    sm.complete(sm.completeMarkers("y", 20n, 1, 5)!);
    const retry = sm.endTxn("y", 20n, 0, true, 6, 2);
    expect([retry.errorCode, retry.producerEpoch]).toEqual([ErrorCode.NONE, 1]);
    expect(sm.endTxn("y", 20n, 0, false, 6, 2).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    // The record of a version-2 transaction is TransactionLogValue v1 (flexible), read back whole.
    const bytes = txnValue(toLogValue(sm.get("y")!));
    expect(new DataView(bytes.buffer, bytes.byteOffset).getInt16(0)).toBe(1);
    expect(fromLogValue("y", decodeTxnValue(bytes)!)!.clientTransactionVersion).toBe(2);
  });

  test("ids hash onto __transaction_state partitions as Kafka's Utils.abs(hashCode) % n", () => {
    // Java: "my-txn".hashCode() = -1069484470 (computed by String.hashCode over UTF-16 units).
    let h = 0;
    for (const ch of "my-txn") h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
    expect(txnPartitionFor("my-txn", 50)).toBe(Math.abs(h) % 50);
    expect(txnPartitionFor("", 50)).toBe(0);
  });

  test("expiry turns idle ids Dead and leaves transactions alone", () => {
    const sm = new TxnStateMachine();
    for (const [id, pid] of [["idle", 1n], ["busy", 2n]] as const) sm.complete(sm.initProducerId(id, 1000, null, 0, pid).transition!);
    sm.complete(sm.addPartitions("busy", 2n, 0, [{ topic: "t", partitions: [1] }], 0).transition!);
    const dead = sm.expire(10_000, 5000, 10);
    expect(dead.map((t) => t.transactionalId)).toEqual(["idle"]);
    for (const t of dead) sm.complete(t);
    expect(sm.get("idle")).toBeUndefined();
    expect(sm.get("busy")!.state).toBe("Ongoing");
  });
});

export type { TxnMeta };

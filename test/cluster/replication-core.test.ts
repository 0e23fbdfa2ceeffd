/**
 * The sans-IO replication core (src/cluster/replication/): the leader's follower tracking, high
 * watermark and ISR decisions, and the follower's truncation from leader epochs. fast-check prints
 * the seed of a failing run.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { LeaderState } from "../../src/cluster/replication/leader-state.ts";
import { divergingEpoch, truncationFor, type EpochStart } from "../../src/cluster/replication/divergence.ts";

const LAG = 1000;

function leader(nowMs = 0, leo = 0, hw = 0): LeaderState {
  return new LeaderState({ leaderId: 0, leaderEpoch: 1, partitionEpoch: 0, replicas: [0, 1, 2], isr: [0, 1, 2], leaderLogEndOffset: leo, highWatermark: hw, nowMs, replicaLagTimeMaxMs: LAG });
}

describe("leader state", () => {
  test("the HW is the minimum LEO over the ISR and waits for followers it does not know yet", () => {
    const s = leader();
    s.leaderAppended(10);
    expect(s.highWatermark).toBe(0);
    s.followerFetched(1, 10, 1);
    expect(s.highWatermark).toBe(0); // follower 2 unknown
    s.followerFetched(2, 4, 1);
    expect(s.highWatermark).toBe(4);
    s.followerFetched(2, 10, 2);
    expect(s.highWatermark).toBe(10);
  });

  test("a follower that stops fetching leaves the ISR after the lag time; one that catches up returns", () => {
    const s = leader();
    s.leaderAppended(5);
    s.followerFetched(1, 5, 10);
    s.followerFetched(2, 5, 10);
    expect(s.isrChangeToPropose(500)).toBeNull();
    s.leaderAppended(8);
    s.followerFetched(1, 8, 900);
    expect(s.isrChangeToPropose(900 + LAG)).toEqual({ kind: "shrink", isr: [0, 1], changed: [2] });
    s.proposed([0, 1]);
    expect(s.isrChangeToPropose(5000)).toBeNull(); // one change at a time
    expect(s.highWatermark).toBe(5); // the pending shrink does not raise the HW before it commits
    s.committed([0, 1], 1, 2000); // the image carries it before the answer arrives
    expect(s.highWatermark).toBe(8);
    expect(s.alterAnswered({ errorCode: 0, isr: [0, 1], partitionEpoch: 1, leaderEpoch: 1 }, 2000)).toBe("stale");
    s.followerFetched(2, 8, 2100);
    expect(s.isrChangeToPropose(2100)).toEqual({ kind: "expand", isr: [0, 1, 2], changed: [2] });
  });

  test("a follower below the HW is not added back", () => {
    const s = leader();
    s.leaderAppended(10);
    s.followerFetched(1, 10, 1);
    s.followerFetched(2, 10, 1);
    s.committed([0, 1], 1, 2);
    s.followerFetched(2, 3, 3);
    expect(s.isrChangeToPropose(3)).toBeNull();
  });

  test("an AlterPartition's outcome is the partition epoch: a lost answer or a refused retry of a committed change keeps it", () => {
    const s = leader();
    s.leaderAppended(10);
    s.followerFetched(1, 10, 1);
    s.followerFetched(2, 10, 1);
    s.committed([0, 1], 1, 2); // 2 left the ISR
    s.leaderAppended(20);
    s.followerFetched(1, 20, 3);
    s.followerFetched(2, 20, 3);
    const p = s.isrChangeToPropose(3)!;
    expect(p).toEqual({ kind: "expand", isr: [0, 1, 2], changed: [2] });
    s.proposed(p.isr);
    s.alterUnanswered(); // the controller committed it (partition epoch 2), the answer was lost
    expect(s.pending).toEqual([0, 1, 2]);
    expect(s.isrChangeToPropose(4)).toEqual({ kind: "retry", isr: [0, 1, 2], changed: [] });
    s.proposed([0, 1, 2]);
    s.leaderAppended(30);
    s.followerFetched(1, 30, 5);
    expect(s.highWatermark).toBe(20); // 2 (in the controller's ISR) still holds it
    // The retried copy is refused as stale; the refusal carries the committed ISR.
    expect(s.alterAnswered({ errorCode: 108, isr: [0, 1, 2], partitionEpoch: 2, leaderEpoch: 1 }, 6)).toBe("committed");
    expect(s.isr).toEqual([0, 1, 2]);
    expect(s.pending).toBeNull();
    expect(s.highWatermark).toBe(20);
    // A refusal that cannot have been committed (INELIGIBLE_REPLICA at our epoch) drops it.
    s.followerFetched(2, 30, 7);
    s.leaderAppended(40);
    s.followerFetched(1, 40, 7 + LAG + 400);
    const shrink = s.isrChangeToPropose(7 + LAG + 500); // 2 has not reached 40 within the lag time
    expect(shrink?.kind).toBe("shrink");
    s.proposed(shrink!.isr);
    expect(s.alterAnswered({ errorCode: 107, isr: [0, 1, 2], partitionEpoch: 2, leaderEpoch: 1 }, 8 + LAG)).toBe("dropped");
    expect(s.pending).toBeNull();
    // NOT_LEADER_OR_FOLLOWER: kept, no retry; the image decides.
    const again = s.isrChangeToPropose(7 + LAG + 600)!;
    s.proposed(again.isr);
    expect(s.alterAnswered({ errorCode: 6, isr: [0, 1, 2], partitionEpoch: 2, leaderEpoch: 2 }, 9 + LAG)).toBe("kept");
    expect(s.isrChangeToPropose(10 + LAG)).toBeNull();
    s.committed([1, 2], 3, 11 + LAG);
    expect(s.pending).toBeNull();
  });

  test("property: against a controller that commits and loses answers, the HW never passes a member of the controller's ISR", () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant("append" as const), n: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ k: fc.constant("fetch" as const), id: fc.integer({ min: 1, max: 2 }), behind: fc.integer({ min: 0, max: 6 }) }),
      fc.record({ k: fc.constant("tick" as const), ms: fc.integer({ min: 1, max: 1500 }) }),
      fc.record({ k: fc.constant("propose" as const) }),
      // The controller decides the request in flight (or it is lost before it), then the answer arrives or not.
      fc.record({ k: fc.constant("decide" as const), reaches: fc.boolean(), answered: fc.boolean() }),
      fc.record({ k: fc.constant("image" as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 150 }), (ops) => {
        let now = 0;
        let leo = 0;
        const s = leader();
        const followerLeo = new Map<number, number>([[1, -1], [2, -1]]);
        const ctl = { isr: [0, 1, 2], pe: 0 };
        let inFlight: { isr: number[]; pe: number } | null = null;
        for (const o of ops) {
          if (o.k === "append") {
            leo += o.n;
            s.leaderAppended(leo);
          } else if (o.k === "fetch") {
            const at = Math.max(followerLeo.get(o.id)!, Math.max(0, leo - o.behind));
            followerLeo.set(o.id, at);
            s.followerFetched(o.id, at, now);
          } else if (o.k === "tick") {
            now += o.ms;
          } else if (o.k === "propose") {
            const p = s.isrChangeToPropose(now);
            if (p) {
              s.proposed(p.isr);
              inFlight = { isr: p.isr, pe: s.partitionEpoch };
            }
          } else if (o.k === "decide") {
            if (!inFlight) continue;
            let answer = { errorCode: 0, isr: [...ctl.isr], partitionEpoch: ctl.pe, leaderEpoch: 1 };
            if (o.reaches) {
              if (inFlight.pe !== ctl.pe) answer = { ...answer, errorCode: 108 }; // INVALID_UPDATE_VERSION
              else if (!(inFlight.isr.length === ctl.isr.length && inFlight.isr.every((x) => ctl.isr.includes(x)))) {
                ctl.isr = [...inFlight.isr];
                ctl.pe++;
                answer = { ...answer, isr: [...ctl.isr], partitionEpoch: ctl.pe };
              }
            }
            inFlight = null;
            if (o.reaches && o.answered) s.alterAnswered(answer, now);
            else s.alterUnanswered();
          } else {
            s.committed(ctl.isr, ctl.pe, now);
          }
          for (const id of ctl.isr) if (id !== 0) expect(s.highWatermark).toBeLessThanOrEqual(Math.max(0, followerLeo.get(id)!));
        }
      }),
      { numRuns: 3000 },
    );
  });

  test("properties: HW never goes back and never passes the LEO of a maximal-ISR member", () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant("append" as const), n: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ k: fc.constant("fetch" as const), id: fc.integer({ min: 1, max: 2 }), behind: fc.integer({ min: 0, max: 6 }) }),
      fc.record({ k: fc.constant("tick" as const), ms: fc.integer({ min: 1, max: 1500 }) }),
      fc.record({ k: fc.constant("propose" as const), commit: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        let now = 0;
        let leo = 0;
        const s = leader();
        const followerLeo = new Map<number, number>([[1, -1], [2, -1]]);
        let prevHw = s.highWatermark;
        for (const o of ops) {
          if (o.k === "append") {
            leo += o.n;
            s.leaderAppended(leo);
          } else if (o.k === "fetch") {
            // A follower only moves forward within one leader epoch (it truncates only at epoch changes).
            const at = Math.max(followerLeo.get(o.id)!, Math.max(0, leo - o.behind));
            followerLeo.set(o.id, at);
            s.followerFetched(o.id, at, now);
          } else if (o.k === "tick") {
            now += o.ms;
          } else {
            const p = s.isrChangeToPropose(now);
            if (p) {
              s.proposed(p.isr);
              if (o.commit) s.committed(p.isr, s.partitionEpoch + 1, now);
              else s.proposalFailed();
              s.alterUnanswered();
            }
          }
          expect(s.highWatermark).toBeGreaterThanOrEqual(prevHw);
          expect(s.highWatermark).toBeLessThanOrEqual(leo);
          for (const id of s.maximalIsr) if (id !== 0) expect(s.highWatermark).toBeLessThanOrEqual(Math.max(0, followerLeo.get(id)!));
          expect(s.isr).toContain(0);
          prevHw = s.highWatermark;
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** A log as the epoch of each record (records with the same epoch at the same offset are the same). */
type Log = number[];

function epochsOf(log: Log): EpochStart[] {
  const out: EpochStart[] = [];
  log.forEach((e, i) => {
    if (out.length === 0 || out[out.length - 1]!.epoch !== e) out.push({ epoch: e, startOffset: i });
  });
  return out;
}

function commonPrefix(a: Log, b: Log): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** The leader's epoch list: its records' epochs, plus its own epoch from where it became leader (Kafka assigns it then). */
function leaderEpochs(log: Log, epoch: number): EpochStart[] {
  const e = epochsOf(log);
  if (e.length === 0 || e[e.length - 1]!.epoch < epoch) e.push({ epoch, startOffset: log.length });
  return e;
}

/** The follower's fetch loop against a leader: truncate until the leader lets it read. */
function reconcile(leaderLog: Log, leaderEpoch: number, follower: Log, followerHw: number): { log: Log; rounds: number } {
  let log = [...follower];
  for (let round = 1; round <= 64; round++) {
    const last = log.length > 0 ? log[log.length - 1]! : -1;
    const d = divergingEpoch(leaderEpochs(leaderLog, leaderEpoch), leaderLog.length, last, log.length);
    if (d === null) return { log, rounds: round };
    const t = truncationFor(epochsOf(log), log.length, Math.min(followerHw, log.length), d);
    expect(t.offset).toBeLessThanOrEqual(log.length);
    log = log.slice(0, t.offset);
  }
  throw new Error("no agreement in 64 rounds");
}

describe("divergence and truncation", () => {
  test("a follower with an uncommitted tail of an old epoch truncates to where the new leader's epoch began", () => {
    const oldLeader = [0, 0, 0, 0, 0];
    const newLeader = [0, 0, 0, 1, 1, 1];
    const r = reconcile(newLeader, 1, oldLeader, 3);
    expect(r.log).toEqual([0, 0, 0]);
  });

  test("property: over histories of leader changes, truncation never goes above the common prefix, and the follower keeps all of it", () => {
    // A history: replicas copy prefixes of the current leader's log; new epochs elect any replica.
    const step = fc.oneof(
      fc.record({ k: fc.constant("append" as const), n: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ k: fc.constant("copy" as const), to: fc.integer({ min: 0, max: 2 }), upTo: fc.nat(20) }),
      fc.record({ k: fc.constant("elect" as const), who: fc.integer({ min: 0, max: 2 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), fc.integer({ min: 0, max: 2 }), (steps, followerPick) => {
        const logs: Log[] = [[], [], []];
        let leaderId = 0;
        let epoch = 0;
        for (const s of steps) {
          if (s.k === "append") for (let i = 0; i < s.n; i++) logs[leaderId]!.push(epoch);
          else if (s.k === "copy" && s.to !== leaderId) {
            // Replication as the protocol does it: reconcile, then copy a prefix of what the leader has.
            const r = reconcile(logs[leaderId]!, epoch, logs[s.to]!, 0);
            const target = Math.min(logs[leaderId]!.length, r.log.length + s.upTo);
            logs[s.to] = [...r.log, ...logs[leaderId]!.slice(r.log.length, target)];
          } else if (s.k === "elect") {
            leaderId = s.who;
            epoch++;
          }
        }
        const follower = followerPick === leaderId ? (leaderId + 1) % 3 : followerPick;
        const common = commonPrefix(logs[leaderId]!, logs[follower]!);
        const r = reconcile(logs[leaderId]!, epoch, logs[follower]!, 0);
        expect(r.log.length).toBeLessThanOrEqual(common);
        expect(r.log.length).toBe(common); // nothing shared is thrown away
        expect(r.log).toEqual(logs[leaderId]!.slice(0, r.log.length));
      }),
      { numRuns: 2000 },
    );
  });
});

/**
 * Unit tests of the small modules under the Raft core: quorum arithmetic and configuration
 * changes, the inflight window, the in-memory log, the store's save rules, and the seeded random
 * source.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { applyConfChange, decodeConf, encodeConf, quorumMatchIndex, voteOutcome } from "../../src/raft/config.ts";
import { RaftLog } from "../../src/raft/log.ts";
import { Inflights, Progress } from "../../src/raft/progress.ts";
import { SeededRandom } from "../../src/raft/rand.ts";
import { MemoryStore } from "../../src/raft/storage.ts";
import type { Entry } from "../../src/raft/types.ts";

const ent = (index: number, term: number): Entry => ({ index, term, kind: "normal", data: new Uint8Array(0) });

describe("quorum arithmetic", () => {
  test("the commit index is the largest index matched by a majority of voters", () => {
    const conf = { voters: [1, 2, 3, 4, 5], learners: [6] };
    const match: Record<number, number> = { 1: 10, 2: 9, 3: 3, 4: 2, 5: 1, 6: 100 };
    expect(quorumMatchIndex(conf, (id) => match[id] ?? 0)).toBe(3);
  });

  test("property: the quorum index is matched by a majority and no larger index is", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(100), { minLength: 1, maxLength: 9 }), (matches) => {
        const voters = matches.map((_, i) => i + 1);
        const q = quorumMatchIndex({ voters, learners: [] }, (id) => matches[id - 1]!);
        const atLeast = (v: number): number => matches.filter((m) => m >= v).length;
        expect(atLeast(q) * 2).toBeGreaterThan(matches.length);
        expect(atLeast(q + 1) * 2).toBeLessThanOrEqual(matches.length);
      }),
    );
  });

  test("vote outcomes need a majority of voters; learners' votes do not count", () => {
    const conf = { voters: [1, 2, 3], learners: [4] };
    expect(voteOutcome(conf, new Map([[1, true]]))).toBe("pending");
    expect(voteOutcome(conf, new Map([[1, true], [4, true]]))).toBe("pending");
    expect(voteOutcome(conf, new Map([[1, true], [2, true]]))).toBe("won");
    expect(voteOutcome(conf, new Map([[1, true], [2, false], [3, false]]))).toBe("lost");
  });
});

describe("configuration changes", () => {
  const base = { voters: [1, 2, 3], learners: [] };
  test("single-server steps are accepted; nonsense is refused", () => {
    expect(applyConfChange(base, { kind: "addLearner", node: 4 })).toEqual({ voters: [1, 2, 3], learners: [4] });
    expect(applyConfChange({ voters: [1, 2, 3], learners: [4] }, { kind: "promote", node: 4 })).toEqual({ voters: [1, 2, 3, 4], learners: [] });
    expect(applyConfChange(base, { kind: "remove", node: 2 })).toEqual({ voters: [1, 3], learners: [] });
    expect(typeof applyConfChange(base, { kind: "addLearner", node: 2 })).toBe("string");
    expect(typeof applyConfChange(base, { kind: "promote", node: 9 })).toBe("string");
    expect(typeof applyConfChange({ voters: [1], learners: [] }, { kind: "remove", node: 1 })).toBe("string");
  });

  test("configurations round-trip through their entry encoding", () => {
    const conf = { voters: [1, 5, 9], learners: [2, 7] };
    expect(decodeConf(encodeConf(conf))).toEqual(conf);
    expect(() => decodeConf(new Uint8Array([0, 0, 0, 9]))).toThrow();
  });
});

describe("progress and the inflight window", () => {
  test("the window is bounded and frees acknowledged appends in order", () => {
    const w = new Inflights(3);
    w.add(5);
    w.add(8);
    w.add(12);
    expect(w.full()).toBe(true);
    expect(() => w.add(13)).toThrow();
    w.freeLE(8);
    expect(w.size).toBe(1);
    w.freeFirst();
    expect(w.size).toBe(0);
  });

  test("replicate state pauses when the window is full; probe pauses after one send", () => {
    const p = new Progress(2, 1, 2, false);
    p.sentEntries(1);
    expect(p.isPaused()).toBe(true);
    p.maybeUpdate(1);
    p.becomeReplicate();
    p.sentEntries(3);
    p.sentEntries(5);
    expect(p.isPaused()).toBe(true);
    p.inflights.freeLE(3);
    expect(p.isPaused()).toBe(false);
    expect(p.next).toBe(6);
  });
});

describe("RaftLog", () => {
  test("merge keeps matching entries, truncates at the first conflict, and never below commit", () => {
    const log = new RaftLog();
    log.append([ent(1, 1), ent(2, 1), ent(3, 2)]);
    log.commitTo(1);
    const truncated: number[] = [];
    log.mergeFrom(1, [ent(2, 1), ent(3, 3), ent(4, 3)], (i) => truncated.push(i));
    expect(truncated).toEqual([3]);
    expect([log.term(2), log.term(3), log.term(4)]).toEqual([1, 3, 3]);
    expect(() => log.truncateFrom(1)).toThrow(/safety/);
  });

  test("slices respect the byte bound but always carry one entry", () => {
    const log = new RaftLog();
    for (let i = 1; i <= 10; i++) log.append([{ index: i, term: 1, kind: "normal", data: new Uint8Array(100) }]);
    expect(log.slice(1, 10, 10)).toHaveLength(1);
    expect(log.slice(1, 10, 300)).toHaveLength(2);
  });
});

describe("MemoryStore save rules", () => {
  test("a snapshot matching a stored entry keeps the suffix; a foreign one drops the log", () => {
    const s = new MemoryStore();
    s.save(null, [ent(1, 1), ent(2, 1), ent(3, 2)], null);
    s.save(null, [], { meta: { index: 2, term: 1, conf: { voters: [1], learners: [] } }, data: new Uint8Array(0) });
    expect(s.load().entries.map((e) => e.index)).toEqual([3]);
    s.save(null, [], { meta: { index: 5, term: 4, conf: { voters: [1], learners: [] } }, data: new Uint8Array(0) });
    expect(s.load().entries).toEqual([]);
  });
});

describe("SeededRandom", () => {
  test("same seed, same stream; bounded ints stay in range", () => {
    const a = new SeededRandom(9);
    const b = new SeededRandom(9);
    for (let i = 0; i < 100; i++) {
      const x = a.nextInt(7);
      expect(x).toBe(b.nextInt(7));
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(7);
    }
  });
});

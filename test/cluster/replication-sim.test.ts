/**
 * The seeded replication simulator (src/cluster/replication/sim/): the real sans-IO replication
 * core (leader-state.ts, divergence.ts) and the real controller decisions under drop, duplicate,
 * delay/reorder, partitions, process and machine crashes (page cache lost beyond the last fsync),
 * slow and failing disks and clock drift, with the invariants checked at every tick.
 *
 * TAKHIN_REPLICATION_SIM_SEEDS=N runs N seeds (default 20,000), from TAKHIN_REPLICATION_SIM_START
 * (default 1). A failure prints its seed, the violation and the end of a traced replay; replay it
 * with `bun scripts/sim-replication.ts --seed S --trace`.
 */
import { describe, expect, test } from "bun:test";
import { describeFailure, runSeed, type PlantedBug, type SimOptions } from "../../src/cluster/replication/sim/simulator.ts";

const SEEDS = Number(process.env.TAKHIN_REPLICATION_SIM_SEEDS ?? 20_000);
const START = Number(process.env.TAKHIN_REPLICATION_SIM_START ?? 1);

function firstFailure(from: number, count: number, opts: Partial<SimOptions> = {}) {
  for (let s = from; s < from + count; s++) {
    const r = runSeed(s, opts);
    if (!r.ok) return r;
  }
  return null;
}

describe("replication simulator", () => {
  test(`${SEEDS} seeds with faults keep every invariant`, () => {
    const totals = { acked: 0, consumed: 0, excused: 0, crashes: 0, elections: 0, truncations: 0 };
    for (let s = START; s < START + SEEDS; s++) {
      const r = runSeed(s);
      if (!r.ok) throw new Error(describeFailure(r));
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += r.stats[k];
    }
    // The runs do real work: records acknowledged and read, leaders lost and replaced, divergent
    // tails truncated, crashes that lose page cache.
    expect(totals.acked).toBeGreaterThan(SEEDS * 20);
    expect(totals.consumed).toBeGreaterThan(SEEDS * 20);
    expect(totals.elections).toBeGreaterThan(SEEDS);
    expect(totals.truncations).toBeGreaterThan(SEEDS / 10);
    expect(totals.crashes).toBeGreaterThan(SEEDS);
    console.log(`replication sim: ${SEEDS} seeds from ${START}:`, totals);
  }, 600_000);

  test("a seed replays exactly: same trace and digest, with or without tracing", () => {
    for (const seed of [7, 73, 152, 2921]) {
      const a = runSeed(seed, { trace: true });
      const b = runSeed(seed, { trace: true });
      const c = runSeed(seed);
      expect(a.trace.length).toBeGreaterThan(50);
      expect(b.trace).toEqual(a.trace);
      expect(b.digest).toBe(a.digest);
      expect(c.digest).toBe(a.digest);
    }
    expect(runSeed(8).digest).not.toBe(runSeed(7).digest);
  });

  test("regressions of the model: a duplicated AlterPartition answer is not taken for the answer to a later request", () => {
    // Found by the million-seed run (before answers carried the request id): the answer to a
    // duplicated shrink was taken as the refusal of the expansion sent after it.
    for (const seed of [1100494, 2632195]) {
      const r = runSeed(seed);
      if (!r.ok) throw new Error(describeFailure(r));
    }
  });

  test("without faults nothing is crashed or excused and records are acknowledged", () => {
    for (let s = 1; s <= 50; s++) {
      const r = runSeed(s, { faults: false });
      expect(r.ok).toBe(true);
      expect(r.stats.excused).toBe(0);
      expect(r.stats.crashes).toBe(0);
      expect(r.stats.acked).toBeGreaterThan(50);
    }
  });

  for (const bug of ["follower-skips-truncation", "hw-ignores-isr"] as PlantedBug[]) {
    test(`the checker catches a planted bug: ${bug}`, () => {
      const r = firstFailure(1, 200, { bug });
      expect(r).not.toBeNull();
      const report = describeFailure(r!, { bug });
      expect(report).toContain(`seed ${r!.seed} failed`);
      expect(report).toContain("VIOLATION");
      // The failure replays: same violation at the same tick.
      const again = runSeed(r!.seed, { bug });
      expect(again.failure).toBe(r!.failure);
      expect(again.failedAtTick).toBe(r!.failedAtTick);
    });
  }

  test("Takhin's re-registration keeps every invariant when crashes keep the page cache (process crashes only)", () => {
    const r = firstFailure(1, 1000, { restartPolicy: "takhin", pageCacheLoss: false });
    if (r) throw new Error(describeFailure(r, { restartPolicy: "takhin", pageCacheLoss: false }));
  });

  // Known failures (reported; docs/cluster.md "Replication simulator"), gated by
  // TAKHIN_SIM_KNOWN_FAILURES=1 so main stays green until they are fixed:
  // 1. replication-manager.ts drops a pending ISR expansion (proposalFailed) when the
  //    AlterPartition gets no answer or a refusal, though the controller may have committed it: the
  //    leader's HW then passes a follower the controller has in the ISR, which can be elected
  //    without those records (seed 2921: prefix differs below the HW after the failover).
  // 2. the controller re-registers a restarted broker without taking it out of the ISR or its
  //    leaderships (registerAndReelectRecords), so a broker whose machine crashed and lost
  //    acknowledged records from page cache leads the same epoch again (seed 2: acked record lost).
  test.skipIf(!process.env.TAKHIN_SIM_KNOWN_FAILURES)("known failure: Takhin's AlterPartition outcome handling (seed 2921)", () => {
    const opts = { alterPolicy: "takhin" as const };
    const r = runSeed(2921, opts);
    if (!r.ok) throw new Error(describeFailure(r, opts));
  });
  test.skipIf(!process.env.TAKHIN_SIM_KNOWN_FAILURES)("known failure: Takhin's re-registration after a machine crash (seed 2)", () => {
    const opts = { restartPolicy: "takhin" as const };
    const r = runSeed(2, opts);
    if (!r.ok) throw new Error(describeFailure(r, opts));
  });

  test("the known failures still fail as reported (so the gated tests above are meaningful)", () => {
    const a = runSeed(2921, { alterPolicy: "takhin" });
    expect(a.failure).toStartWith("prefix:");
    const b = runSeed(2, { restartPolicy: "takhin" });
    expect(b.failure).toStartWith("acked-durable:");
  });
});

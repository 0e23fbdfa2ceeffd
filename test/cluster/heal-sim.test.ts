/**
 * The replication simulator with bit rot at rest (issue 26): durable records rot on one broker's
 * disk while every other fault runs; brokers find them by scrubbing and reading, a leader never
 * serves a rotten record, the replica stops fetching, leaves the ISR (and leadership) through the
 * real decision, then cuts its log and fetches again. Invariants: the simulator's own
 * (acked-durable, consumed-stable, prefix, ...) plus consumed-rotten (no consumer ever receives
 * a rotten copy, i.e. bytes that differ from what was acknowledged).
 *
 * TAKHIN_HEAL_SIM_SEEDS=N (default 1000) from TAKHIN_HEAL_SIM_START (default 1); a failure prints
 * its seed, replay: `bun scripts/sim-replication.ts --seed S --bit-rot --trace`. Bigger runs:
 * `bun scripts/sim-replication.ts --bit-rot --seeds 100000 --workers 2`.
 */
import { expect, test } from "bun:test";
import { describeFailure, runSeed } from "../../src/cluster/replication/sim/simulator.ts";

const SEEDS = Number(process.env.TAKHIN_HEAL_SIM_SEEDS ?? 1000);
const START = Number(process.env.TAKHIN_HEAL_SIM_START ?? 1);

test(`${SEEDS} seeds with bit rot at rest keep every invariant, consumed-rotten included`, () => {
  const totals = { rots: 0, heals: 0, consumed: 0, acked: 0, elections: 0 };
  const started = performance.now();
  for (let s = START; s < START + SEEDS; s++) {
    const r = runSeed(s, { bitRot: true });
    if (!r.ok) throw new Error(describeFailure(r));
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += r.stats[k];
  }
  // Real work: records rot, get found and healed, and clients go on.
  expect(totals.rots).toBeGreaterThan(SEEDS);
  expect(totals.heals).toBeGreaterThan(SEEDS / 2);
  expect(totals.consumed).toBeGreaterThan(SEEDS * 20);
  const seconds = (performance.now() - started) / 1000;
  console.log(`heal sim: ${SEEDS} seeds from ${START} in ${seconds.toFixed(1)} s (${(SEEDS / seconds).toFixed(0)} seeds/s):`, totals);
}, 120_000);

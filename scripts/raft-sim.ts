/**
 * Run many seeds of the Raft simulator with faults on (crashes, partitions, lossy network, disk
 * faults, membership changes, leadership transfers, reads) and report totals.
 *
 *   bun scripts/raft-sim.ts --seeds 100000 [--start 1] [--fault-ticks 300]
 *
 * Prints progress every 5,000 seeds, then seeds run, simulated ticks, acknowledged commits, reads,
 * event counts and wall time. Every failing seed is printed with its trace (the first five in full);
 * rerun one with `--seeds 1 --start <seed>`. Exits 1 if any seed failed.
 */
import { runSeed } from "../test/raft/sim/random-run.ts";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
  return v;
}

const seeds = arg("seeds", 10_000);
const start = arg("start", 1);
const faultTicks = arg("fault-ticks", 300);
const PROGRESS_EVERY_SEEDS = 5_000;
const MAX_FULL_REPORTS = 5;

const t0 = performance.now();
let ticks = 0;
let commits = 0;
let reads = 0;
const totals: Record<string, number> = {};
const failed: number[] = [];
for (let seed = start; seed < start + seeds; seed++) {
  const r = runSeed({ seed, faultTicks });
  ticks += r.ticks;
  commits += r.commits;
  reads += r.reads;
  for (const [k, v] of Object.entries(r.stats)) totals[k] = (totals[k] ?? 0) + v;
  if (!r.ok) {
    failed.push(seed);
    if (failed.length <= MAX_FULL_REPORTS) console.log(`FAIL ${r.failure}\n`);
    else console.log(`FAIL seed ${seed}: ${r.failure?.split("\n")[0]}`);
  }
  const done = seed - start + 1;
  if (done % PROGRESS_EVERY_SEEDS === 0) {
    const s = (performance.now() - t0) / 1000;
    console.log(`${done}/${seeds} seeds, ${ticks} ticks, ${commits} commits, ${failed.length} failed, ${s.toFixed(1)} s`);
  }
}
const wallSeconds = (performance.now() - t0) / 1000;
console.log(
  [
    `seeds run:        ${seeds} (${start}..${start + seeds - 1}), fault phase ${faultTicks} ticks each`,
    `simulated ticks:  ${ticks}`,
    `commits (acked):  ${commits}`,
    `reads served:     ${reads}`,
    `events:           ${Object.entries(totals).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    `wall time:        ${wallSeconds.toFixed(1)} s (${((seeds / wallSeconds) | 0)} seeds/s, ${((commits / wallSeconds) | 0)} simulated commits/s)`,
    `failed seeds:     ${failed.length === 0 ? "none" : failed.join(", ")}`,
  ].join("\n"),
);
process.exit(failed.length > 0 ? 1 : 0);

/**
 * Runs the replication simulator (src/cluster/replication/sim/) over many seeds.
 *
 *   bun scripts/sim-replication.ts --seeds 1000000 --start 1 --workers 2
 *   bun scripts/sim-replication.ts --seed 2921 --trace   (replay one seed)
 *
 * Options: --seeds N (default 100000), --start S (default 1), --workers W (child processes,
 * default 1), --no-page-cache-loss, --bit-rot (issue 26: records rot at rest, scrubbed and healed), --bug follower-skips-truncation|hw-ignores-isr|
 * alter-drops-pending|restart-keeps-isr (a planted bug), --max-failures K (stop after
 * K failing seeds, default 20), --trace (with --seed: the whole trace).
 * Prints seeds/s every 10 s, every failing seed with its violation, the first failures' traces,
 * and a summary line; exits 1 when a seed failed.
 */
import { describeFailure, runSeed, type PlantedBug, type SimOptions } from "../src/cluster/replication/sim/simulator.ts";

const argv = process.argv.slice(2);
function arg(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}
const flag = (name: string) => argv.includes(`--${name}`);

const opts: Partial<SimOptions> = {};
if (flag("no-page-cache-loss")) opts.pageCacheLoss = false;
if (flag("bit-rot")) opts.bitRot = true;
const bug = arg("bug");
if (bug) opts.bug = bug as PlantedBug;

const one = arg("seed");
const range = arg("range");
if (one !== undefined) {
  const r = runSeed(Number(one), { ...opts, trace: true });
  if (flag("trace") || !r.ok) console.log(r.trace.join("\n"));
  console.log(r.ok ? `seed ${one}: ok ${JSON.stringify(r.stats)} digest ${r.digest}` : `seed ${one} FAILED at tick ${r.failedAtTick}: ${r.failure}`);
  process.exit(r.ok ? 0 : 1);
}

if (range !== undefined) {
  // Worker: one JSON line per failure, progress lines, a final line.
  const [from, to] = range.split(":").map(Number) as [number, number];
  const maxFailures = Number(arg("max-failures") ?? 20);
  const parent = process.ppid;
  let failures = 0;
  let done = 0;
  for (let s = from; s < to; s++) {
    const r = runSeed(s, opts);
    done++;
    if (!r.ok) {
      console.log(JSON.stringify({ fail: s, tick: r.failedAtTick, failure: r.failure }));
      if (++failures >= maxFailures) break;
    }
    if (done % 2000 === 0) {
      console.log(JSON.stringify({ progress: 2000 }));
      if (process.ppid !== parent) break; // the parent is gone (killed, timed out): stop too
    }
  }
  console.log(JSON.stringify({ progress: done % 2000, end: true }));
  process.exit(0);
}

const seeds = Number(arg("seeds") ?? 100_000);
const start = Number(arg("start") ?? 1);
const workers = Math.max(1, Number(arg("workers") ?? 1));
const passthrough = argv.filter((a, i) => !["--seeds", "--start", "--workers"].includes(a) && !["--seeds", "--start", "--workers"].includes(argv[i - 1] ?? ""));
const t0 = performance.now();
let done = 0;
const failed: { seed: number; failure: string }[] = [];
const per = Math.ceil(seeds / workers);
const children = [];
for (let w = 0; w < workers; w++) {
  const from = start + w * per;
  const to = Math.min(start + seeds, from + per);
  if (from >= to) break;
  const child = Bun.spawn([process.execPath, import.meta.path, ...passthrough, "--range", `${from}:${to}`], { stdout: "pipe", stderr: "inherit" });
  children.push(
    (async () => {
      let buf = "";
      for await (const chunk of child.stdout) {
        buf += new TextDecoder().decode(chunk);
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const m = JSON.parse(line) as { progress?: number; fail?: number; failure?: string; tick?: number };
          if (m.progress !== undefined) done += m.progress;
          if (m.fail !== undefined) {
            failed.push({ seed: m.fail, failure: m.failure! });
            console.log(`FAIL seed ${m.fail} at tick ${m.tick}: ${m.failure}`);
          }
        }
      }
      return child.exited;
    })(),
  );
}
const timer = setInterval(() => {
  const s = (performance.now() - t0) / 1000;
  console.log(`${done} seeds in ${s.toFixed(0)} s: ${(done / s).toFixed(0)} seeds/s, ${failed.length} failed`);
}, 10_000);
await Promise.all(children);
clearInterval(timer);
const secs = (performance.now() - t0) / 1000;
for (const f of failed.slice(0, 3)) console.log(describeFailure({ ...runSeed(f.seed, { ...opts, trace: true }) }, opts));
console.log(`summary: ${done} seeds from ${start} (${workers} workers, options ${JSON.stringify(opts)}) in ${secs.toFixed(1)} s: ${(done / secs).toFixed(0)} seeds/s; ${failed.length} failed${failed.length ? ": " + failed.map((f) => f.seed).join(",") : ""}`);
process.exit(failed.length > 0 ? 1 : 0);

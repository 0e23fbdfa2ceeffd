/**
 * Max-rate discovery (bench/compare/discovery.ts): the step policy as a pure function of the
 * observed throughput and backlog — doubling until the first failure (or OMB's producerIncrementRate),
 * bisection after it, convergence, the step bound, the discovered rate — plus the OMB fields parsing,
 * and a small end-to-end run against a local Takhin (subprocess with a deadline).
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_START_RATE, discoveredRate, discoveryParams, initialState, nextStep, type DiscoveryParams, type DiscoveryState } from "../../bench/compare/discovery.ts";
import type { Report } from "../../bench/compare/report.ts";
import { parseWorkload, WorkloadError } from "../../bench/compare/workload.ts";

const ROOT = join(import.meta.dir, "..", "..");
const BIN = join(ROOT, "bin", "takhin-bench.ts");

const P: DiscoveryParams = { startRate: 10_000, incrementRate: null, stepSeconds: 3, acceptableBacklog: null, maxSteps: 12, budgetSeconds: 60 };

/** Runs the policy against a simulated cluster that sustains `capacity` records/s. */
function simulate(capacity: number, p: DiscoveryParams): DiscoveryState {
  let s = initialState(p);
  while (!s.done) {
    const achieved = Math.min(s.rate, capacity * 1.1); // producers overshoot capacity a little, then the backlog grows
    const backlog = Math.max(0, achieved - capacity) * p.stepSeconds + 100;
    s = nextStep(s, { targetRate: s.rate, achievedRate: achieved, backlog }, p);
  }
  return s;
}

describe("max-rate discovery step policy", () => {
  test("doubles while sustained, then bisects between best and lowest failure", () => {
    let s = initialState(P);
    s = nextStep(s, { targetRate: 10_000, achievedRate: 10_000, backlog: 50 }, P);
    expect(s.steps[0].ok).toBe(true);
    expect([s.rate, s.best, s.lowestFailed]).toEqual([20_000, 10_000, null]);
    s = nextStep(s, { targetRate: 20_000, achievedRate: 20_000, backlog: 60_000 }, P);
    expect(s.steps[1]).toMatchObject({ ok: false, acceptableBacklog: 20_000 });
    expect(s.steps[1].why).toContain("backlog");
    expect([s.rate, s.best, s.lowestFailed]).toEqual([15_000, 10_000, 20_000]);
    s = nextStep(s, { targetRate: 15_000, achievedRate: 14_990, backlog: 0 }, P);
    expect([s.rate, s.best, s.lowestFailed]).toEqual([17_495, 14_990, 20_000]);
    expect(s.done).toBe(false);
  });

  test("producers short of the target fail the step even without backlog", () => {
    const s = nextStep(initialState(P), { targetRate: 10_000, achievedRate: 9_000, backlog: 0 }, P);
    expect(s.steps[0].ok).toBe(false);
    expect(s.steps[0].why).toContain("producers achieved 9000");
    expect([s.rate, s.best, s.lowestFailed]).toEqual([5_000, 0, 10_000]);
  });

  test("producerIncrementRate raises additively; acceptableBacklog bounds the backlog", () => {
    const p = { ...P, incrementRate: 2_500, acceptableBacklog: 500 };
    let s = nextStep(initialState(p), { targetRate: 10_000, achievedRate: 10_000, backlog: 400 }, p);
    expect(s.rate).toBe(12_500);
    s = nextStep(s, { targetRate: 12_500, achievedRate: 12_500, backlog: 600 }, p);
    expect(s.steps[1].ok).toBe(false);
    expect(s.rate).toBe(11_250);
  });

  test("converges within 5 % of a simulated capacity, bounded by maxSteps", () => {
    for (const capacity of [3_000, 37_000, 120_000, 900_000]) {
      const s = simulate(capacity, P);
      const rate = discoveredRate(s);
      expect(s.steps.length).toBeLessThanOrEqual(P.maxSteps);
      expect(rate).toBeLessThanOrEqual(capacity * 1.1);
      if (s.reason.startsWith("converged")) expect(rate).toBeGreaterThanOrEqual(capacity * 0.9);
    }
    const few = simulate(10_000_000, { ...P, maxSteps: 4 });
    expect(few.steps).toHaveLength(4);
    expect(few.reason).toBe("4 steps");
    expect(discoveredRate(few)).toBe(80_000);
  });

  test("nothing sustained: the lowest achieved rate", () => {
    let s = initialState(P);
    s = nextStep(s, { targetRate: 10_000, achievedRate: 4_000, backlog: 0 }, P);
    s = nextStep(s, { targetRate: 5_000, achievedRate: 3_000, backlog: 0 }, P);
    expect(discoveredRate(s)).toBe(3_000);
  });

  test("OMB fields are parsed, validated and no longer listed as ignored", () => {
    const base = "name: m\ntopics: 1\npartitionsPerTopic: 2\nmessageSize: 100\nproducerRate: 0\ntestDurationMinutes: 1\n";
    const w = parseWorkload(base + "producerStartRate: 2000\nproducerIncrementRate: 500\nproducerIncrementSeconds: 2\nacceptableBacklog: 300\n", "m");
    expect([w.producerStartRate, w.producerIncrementRate, w.producerIncrementSeconds, w.acceptableBacklog]).toEqual([2000, 500, 2, 300]);
    expect(w.ignored).toEqual({});
    expect(discoveryParams(w, 30)).toMatchObject({ startRate: 2000, incrementRate: 500, stepSeconds: 2, acceptableBacklog: 300, budgetSeconds: 30 });
    expect(discoveryParams(parseWorkload(base, "m"), 30).startRate).toBe(DEFAULT_START_RATE);
    expect(() => parseWorkload(base + "producerIncrementSeconds: 0\n", "m")).toThrow(WorkloadError);
    expect(() => parseWorkload(base + "producerStartRate: fast\n", "m")).toThrow(/producerStartRate/);
  });
});

const hasPython = Bun.spawnSync(["/usr/bin/python3", "-c", "import confluent_kafka"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;

describe.skipIf(!hasPython)("max-rate discovery end to end", () => {
  test(
    "a producerRate 0 workload discovers a rate on a local Takhin and is measured at it",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "takhin-cmp-disc-"));
      const file = join(dir, "maxrate.yaml");
      const out = join(dir, "out");
      writeFileSync(file, "name: tiny max rate\ntopics: 1\npartitionsPerTopic: 2\nmessageSize: 256\nproducerRate: 0\nproducerStartRate: 2000\nproducerIncrementSeconds: 1\ntestDurationMinutes: 1\nwarmupDurationMinutes: 0\n");
      const proc = Bun.spawn(["bun", BIN, "--workload", file, "--duration", "5s", "--warmup", "0.5s", "--out", out, "--data-dir", dir], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
      const term = setTimeout(() => proc.kill("SIGTERM"), 33_000);
      const kill = setTimeout(() => proc.kill("SIGKILL"), 37_000);
      try {
        const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
        if (code !== 0) console.error(stdout.slice(-3000), stderr.slice(-3000));
        expect(code).toBe(0);
        const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as Report;
        const run = report.runs[0];
        expect(run.ok).toBe(true);
        const d = run.discovery!;
        expect(d.steps.length).toBeGreaterThanOrEqual(1);
        expect(d.steps[0].targetRate).toBe(2000);
        expect(d.rate).toBeGreaterThan(0);
        expect(run.producerRate).toBe(d.rate);
        expect(report.rows[0].discoveredRate).toBe(d.rate);
        expect(run.publish.recordsPerSec).toBeLessThanOrEqual(d.rate * 1.05);
        const md = readFileSync(join(out, "report.md"), "utf8");
        expect(md).toContain("## Max-rate discovery");
        expect(md).toContain("2,000 ✓");
      } finally {
        clearTimeout(term);
        clearTimeout(kill);
        proc.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { timeout: 40_000 },
  );
});

/**
 * A/B produce benchmark, interleaved: two broker variants (the same code, different environment)
 * run in turn A B A B ..., each on a fresh data directory and a settled page cache, driven by the
 * Bun load generator (bench/e2e/loadgen.ts: ready-made batches, `inflight` requests in flight).
 * Per run: MB/s of record values, broker CPU seconds (user + system, /proc/<pid>/stat) per GB
 * over the measured window, ack p99; at the end the medians per variant and B ÷ A. `--a-root` /
 * `--b-root` run the broker of another checkout (e.g. /work/main against this branch).
 *
 *   bun bench/ab-produce.ts [--a 'ENV=..'] [--b 'ENV=..'] [--a-root DIR] [--b-root DIR] [--rounds 4] [--record 1024]
 *       [--batch 1048576] [--acks 1] [--partitions 1] [--duration-ms 4000] [--warmup-ms 500]
 *       [--no-settle] [--dirty-mb N]   (N MB of dirty pages written just before each run: writeback pressure)
 *       [--cpu-prof DIR]               (a .cpuprofile of each broker into DIR)
 *
 * A benchmark, not a test: figures depend on the machine and its load (the load average is printed
 * with every run).
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { spawnBroker } from "./e2e/broker-proc.ts";
import { readCpu } from "./e2e/procstat.ts";
import { settlePageCache } from "./compare/brokers.ts";
import { median } from "./e2e/stats.ts";

const LOADGEN = join(import.meta.dir, "e2e", "loadgen.ts");

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

function envOf(spec: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of spec.split(/\s+/).filter(Boolean)) {
    const i = kv.indexOf("=");
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

interface Run {
  variant: "A" | "B";
  round: number;
  MBps: number;
  cpuSecondsPerGB: number;
  ackP99Ms: number;
  load: string;
}

async function runOne(variant: "A" | "B", round: number, env: Record<string, string>, root: string | null, o: { record: number; batch: number; acks: number; partitions: number; durationMs: number; warmupMs: number; settle: boolean; dirtyMB: number; cpuProf: string | null }): Promise<Run> {
  const dataDir = mkdtempSync(join(process.env.TAKHIN_AB_DIR ?? tmpdir(), "takhin-ab-"));
  const b = await spawnBroker({ dataDir, env, main: root ? join(root, "src", "main.ts") : undefined, cpuProfileDir: o.cpuProf ?? undefined, cpuProfileName: o.cpuProf ? `${variant}-${round}.cpuprofile` : undefined });
  try {
    const setup = Bun.spawn(["bun", LOADGEN, JSON.stringify({ mode: "setup", port: b.port, topic: "ab", partitions: o.partitions, touch: false })], { stdout: "pipe", stderr: "inherit" });
    await setup.exited;
    if (o.settle) settlePageCache();
    if (o.dirtyMB > 0) {
      // Dirty pages from elsewhere, not synced: the broker's writes meet writeback.
      const junk = new Uint8Array(1 << 20).fill(7);
      const f = join(dataDir, "dirty.bin");
      const fd = openSync(f, "w");
      for (let i = 0; i < o.dirtyMB; i++) writeSync(fd, junk);
      closeSync(fd);
    }
    const spec = { mode: "produce", port: b.port, topic: "ab", partitions: o.partitions, recordBytes: o.record, batchBytes: o.batch, acks: o.acks, inflight: 5, warmupMs: o.warmupMs, durationMs: o.durationMs, maxBytes: 8 * 1024 ** 3 };
    const proc = Bun.spawn(["bun", LOADGEN, JSON.stringify(spec)], { stdout: "pipe", stderr: "inherit" });
    let cpuA = NaN;
    let cpuB = NaN;
    let result: any = null;
    const dec = new TextDecoder();
    let rest = "";
    for await (const chunk of proc.stdout) {
      rest += dec.decode(chunk, { stream: true });
      let i;
      while ((i = rest.indexOf("\n")) >= 0) {
        const l = rest.slice(0, i);
        rest = rest.slice(i + 1);
        if (l === "MARK start") cpuA = readCpu(b.pid)?.cpuSeconds ?? NaN;
        else if (l === "MARK end") cpuB = readCpu(b.pid)?.cpuSeconds ?? NaN;
        else if (l.startsWith("RESULT ")) result = JSON.parse(l.slice(7));
      }
    }
    await proc.exited;
    if (!result) throw new Error("load generator gave no result");
    const bytes = result.records * o.record;
    const run: Run = { variant, round, MBps: bytes / result.seconds / 1e6, cpuSecondsPerGB: (cpuB - cpuA) / (bytes / 1e9), ackP99Ms: result.ackMs?.p99 ?? NaN, load: loadavg().map((x) => x.toFixed(1)).join(" ") };
    console.log(`${variant} round ${round}: ${run.MBps.toFixed(0)} MB/s, ${run.cpuSecondsPerGB.toFixed(2)} CPU s/GB, ack p99 ${run.ackP99Ms.toFixed(1)} ms (load ${run.load})`);
    return run;
  } finally {
    await b.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const o = {
    record: Number(arg("record", "1024")),
    batch: Number(arg("batch", String(1 << 20))),
    acks: Number(arg("acks", "1")),
    partitions: Number(arg("partitions", "1")),
    durationMs: Number(arg("duration-ms", "4000")),
    warmupMs: Number(arg("warmup-ms", "500")),
    settle: !flag("no-settle"),
    dirtyMB: Number(arg("dirty-mb", "0")),
    cpuProf: flag("cpu-prof") ? arg("cpu-prof", "") || null : null,
  };
  const rounds = Number(arg("rounds", "4"));
  const envA = envOf(arg("a", ""));
  const envB = envOf(arg("b", ""));
  const rootA = arg("a-root", "") || null;
  const rootB = arg("b-root", "") || null;
  console.log(`A: ${rootA ?? "this checkout"} ${JSON.stringify(envA)}  B: ${rootB ?? "this checkout"} ${JSON.stringify(envB)}  ${JSON.stringify(o)}`);
  const runs: Run[] = [];
  for (let r = 1; r <= rounds; r++) {
    for (const v of (r % 2 ? ["A", "B"] : ["B", "A"]) as ("A" | "B")[]) runs.push(await runOne(v, r, v === "A" ? envA : envB, v === "A" ? rootA : rootB, o));
  }
  const med = (v: "A" | "B", k: "MBps" | "cpuSecondsPerGB" | "ackP99Ms") => median(runs.filter((x) => x.variant === v).map((x) => x[k]));
  for (const k of ["MBps", "cpuSecondsPerGB", "ackP99Ms"] as const) {
    console.log(`median ${k}: A ${med("A", k).toFixed(2)}  B ${med("B", k).toFixed(2)}  B÷A ${(med("B", k) / med("A", k)).toFixed(2)}`);
  }
  writeFileSync(join(tmpdir(), "takhin-ab-last.json"), JSON.stringify({ o, envA, envB, runs }, null, 1));
}

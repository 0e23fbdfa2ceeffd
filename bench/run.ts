/**
 * `bun run bench`: the end-to-end benchmark (bench/e2e/harness.ts): starts the broker as a child
 * process, drives it with our Bun load generator, librdkafka (kcat, confluent-kafka-python) and
 * @platformatic/kafka, measures the physical limits in the same run, profiles the produce and
 * fetch paths, and writes bench/results/latest.{json,md} and SVG charts.
 *
 *   bun run bench                      full end-to-end run (under 15 minutes)
 *   bun run bench -- --quick           shorter end-to-end run, written as bench/results/quick.*
 *   bun run bench -- --micro           every micro-benchmark in bench/ (files named *.bench.ts, plus
 *                                      raft.ts), one after another in fresh processes
 *   bun run bench -- <substring>       only the micro-benchmarks whose file names contain it
 *   bun run bench -- --bootstrap h:p | --target name=h:p | --workload w
 *                                      OMB-style workloads against any Kafka-compatible broker,
 *                                      side by side (bench/compare/cli.ts; README "Comparing brokers")
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { runHarness } from "./e2e/harness.ts";

const dir = import.meta.dir;
const args = process.argv.slice(2);
const filter = args.find((a) => !a.startsWith("--"));

async function micro(filter: string): Promise<number> {
  const files = readdirSync(dir)
    .filter((f) => (f.endsWith(".bench.ts") || f === "raft.ts") && f.includes(filter))
    .sort();
  if (files.length === 0) {
    console.error(`no benchmark in ${dir} matches "${filter}"`);
    return 1;
  }
  const results: { file: string; exitCode: number; seconds: number }[] = [];
  for (const file of files) {
    console.log(`\n=== ${file}`);
    const started = performance.now();
    const child = Bun.spawn(["bun", join(dir, file)], { stdout: "inherit", stderr: "inherit" });
    const exitCode = await child.exited;
    results.push({ file, exitCode, seconds: (performance.now() - started) / 1000 });
  }
  console.log("\n=== summary");
  for (const r of results) console.log(`${r.exitCode === 0 ? "ok  " : "FAIL"} ${r.file} (${r.seconds.toFixed(1)} s)`);
  return results.some((r) => r.exitCode !== 0) ? 1 : 0;
}

const COMPARE_FLAGS = ["--bootstrap", "--target", "--workload"];
if (args.some((a) => COMPARE_FLAGS.some((f) => a === f || a.startsWith(`${f}=`)))) {
  const { runCompare } = await import("./compare/cli.ts");
  process.exit(await runCompare(args));
}
if (args.includes("--micro") || filter !== undefined) process.exit(await micro(filter ?? ""));
process.exit(await runHarness(args));

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
 *   bun run bench -- --help            this usage; an unknown flag prints it too and exits 2
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = import.meta.dir;

export const USAGE = `usage: bun run bench [-- options]
  (no options)            full end-to-end run (under 15 minutes), bench/results/latest.*
  --quick                 shorter end-to-end run, bench/results/quick.*
  --data-dir=DIR          where the end-to-end run puts the broker's data (default: the temp dir)
  --micro                 every micro-benchmark in bench/ (*.bench.ts, raft.ts)
  <substring>             only the micro-benchmarks whose file names contain it
  --bootstrap h:p | --target name=h:p | --workload w ...
                          OMB-style workloads against any Kafka-compatible broker
                          (bench/compare/cli.ts parses its own flags; add --help for them)
  --help, -h              this text`;

export type BenchCommand =
  | { kind: "help" }
  | { kind: "error"; message: string }
  | { kind: "compare"; args: string[] }
  | { kind: "micro"; filter: string }
  | { kind: "e2e"; args: string[] };

const COMPARE_FLAGS = ["--bootstrap", "--target", "--workload"];
const E2E_FLAGS = ["--quick"];
const E2E_VALUE_FLAGS = ["--data-dir="];

/** Decides what `bun run bench` does, without doing it: nothing starts on an unknown flag. */
export function parseBenchArgs(args: string[]): BenchCommand {
  // The compare CLI parses (and validates) its own flags, --help included.
  if (args.some((a) => COMPARE_FLAGS.some((f) => a === f || a.startsWith(`${f}=`)))) return { kind: "compare", args };
  if (args.includes("--help") || args.includes("-h")) return { kind: "help" };
  const positional = args.filter((a) => !a.startsWith("-"));
  if (positional.length > 1) return { kind: "error", message: `one benchmark filter at most, got ${positional.join(" ")}` };
  for (const a of args) {
    if (!a.startsWith("-")) continue;
    if (a === "--micro" || E2E_FLAGS.includes(a)) continue;
    if (E2E_VALUE_FLAGS.some((f) => a.startsWith(f) && a.length > f.length)) continue;
    return { kind: "error", message: `unknown option ${a}` };
  }
  if (args.includes("--micro") || positional.length === 1) {
    if (args.some((a) => a !== "--micro" && a.startsWith("-"))) return { kind: "error", message: "--quick and --data-dir apply to the end-to-end run, not to micro-benchmarks" };
    return { kind: "micro", filter: positional[0] ?? "" };
  }
  return { kind: "e2e", args };
}

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

async function main(args: string[]): Promise<number> {
  const command = parseBenchArgs(args);
  switch (command.kind) {
    case "help":
      console.log(USAGE);
      return 0;
    case "error":
      console.error(`bench: ${command.message}\n${USAGE}`);
      return 2;
    case "compare": {
      const { runCompare } = await import("./compare/cli.ts");
      return runCompare(command.args);
    }
    case "micro":
      return micro(command.filter);
    case "e2e": {
      const { runHarness } = await import("./e2e/harness.ts");
      return runHarness(command.args);
    }
  }
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));

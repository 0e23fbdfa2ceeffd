/**
 * `bun run bench`: runs every micro-benchmark in bench/ (files named *.bench.ts, plus raft.ts),
 * one after another in fresh processes so they do not disturb each other, and reports which ran.
 * `bun run bench -- <substring>` runs only the files whose names contain it.
 * The end-to-end throughput/latency harness is tracked in its own issue and is not here yet.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = import.meta.dir;
const filter = process.argv[2] ?? "";
const files = readdirSync(dir)
  .filter((f) => (f.endsWith(".bench.ts") || f === "raft.ts") && f.includes(filter))
  .sort();

if (files.length === 0) {
  console.error(`no benchmark in ${dir} matches "${filter}"`);
  process.exit(1);
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
process.exit(results.some((r) => r.exitCode !== 0) ? 1 : 0);

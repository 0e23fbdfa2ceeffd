export {};
/**
 * The README's test command (`bun run test`): runs the whole `bun test` suite, passes its output
 * through, and ends with one plain line `N passed, N failed` that CI reads. Extra arguments go to
 * `bun test` (a path filter, `--timeout`, ...). Exits non-zero when any test failed or none ran.
 *
 * Test files run in TAKHIN_TEST_PARALLEL worker processes (default 2; 1 runs them in one process as
 * plain `bun test` does). Most of the suite's wall time is spent waiting — JVMs starting, group
 * session timeouts, client retries — so two files at once roughly halve the run on 2 cores. Each
 * file gets its own process (`--parallel` implies `--isolate`), every broker takes port 0, and the
 * per-machine build caches (test/java, test/clients/scripts/go-newest.ts) write to a temporary
 * directory renamed into place, so concurrent files do not collide. test/timings.json (per-file
 * durations from a CI run) makes the slowest files start first; refresh it with
 * `bun test --parallel=2 --timings=test/timings.json --update-timings`.
 */
const args = process.argv.slice(2);
const parallel = Number(process.env.TAKHIN_TEST_PARALLEL ?? "2");
const parallelArgs =
  Number.isInteger(parallel) && parallel > 1 ? [`--parallel=${parallel}`, "--timings=test/timings.json"] : [];
// Two files share two cores, so a test without its own limit gets 30 s instead of bun's 5 s (a
// limit bounds a hang; the tests check behaviour, not speed). `--timeout` given here wins.
if (!args.some((a) => a.startsWith("--timeout"))) parallelArgs.push("--timeout=30000");
const child = Bun.spawn(["bun", "test", ...parallelArgs, ...args], {
  stdout: "pipe",
  stderr: "pipe",
  env: { ...process.env, FORCE_COLOR: "0" },
});

let summaryText = "";
async function pump(stream: ReadableStream<Uint8Array>, sink: NodeJS.WriteStream): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    sink.write(chunk);
    // Keep only a bounded tail: the summary is in the last lines.
    summaryText = (summaryText + decoder.decode(chunk, { stream: true })).slice(-8192);
  }
}
await Promise.all([pump(child.stdout, process.stdout), pump(child.stderr, process.stderr)]);
const exitCode = await child.exited;

const passMatch = summaryText.match(/^\s*(\d+) pass\s*$/m);
const failMatch = summaryText.match(/^\s*(\d+) fail\s*$/m);
const skipMatch = summaryText.match(/^\s*(\d+) skip\s*$/m);
const passed = passMatch ? Number(passMatch[1]) : 0;
// A runner that died without a summary counts as one failure, so CI never reads it as green.
const failed = failMatch ? Number(failMatch[1]) : exitCode === 0 ? 0 : 1;
const skipped = skipMatch ? Number(skipMatch[1]) : 0;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 || exitCode !== 0 ? 1 : 0);

export {};
/**
 * The README's test command (`bun run test`): runs the whole `bun test` suite, passes its output
 * through, and ends with one plain line `N passed, N failed` that CI reads. Extra arguments go to
 * `bun test` (a path filter, `--timeout`, ...). Exits non-zero when any test failed or none ran.
 */
const args = process.argv.slice(2);
const child = Bun.spawn(["bun", "test", ...args], {
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

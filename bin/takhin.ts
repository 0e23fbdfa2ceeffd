#!/usr/bin/env bun
/** The `takhin` command-line tool (src/cli/main.ts; docs/cli.md). */
import { runCli } from "../src/cli/main.ts";

let interrupt: () => void = () => {};
const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
let signals = 0;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    // The first signal stops --follow cleanly (offsets committed); a second one exits at once.
    if (++signals > 1) process.exit(130);
    interrupt();
  });
}
// A closed pipe (takhin consume ... | head) ends the command quietly.
process.stdout.on?.("error", () => process.exit(0));

process.exit(await runCli(process.argv.slice(2), { interrupted }));

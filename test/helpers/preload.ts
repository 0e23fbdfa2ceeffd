/**
 * Preloaded before every test file (bunfig.toml [test] preload). Gives the whole `bun test` run one
 * temporary folder and removes it when the run ends, so no test leaves directories behind in the
 * machine's temp folder, whichever helper (or mkdtemp, or a child process) made them:
 *
 *   $TMPDIR/takhin-test-run-XXXXXX/   TMPDIR/TMP/TEMP point here for the run (os.tmpdir() and the
 *     .owner                          children spawned with process.env); the pid of the run
 *
 * A run killed before its afterAll leaves its folder; the next run removes every such folder
 * whose owner pid is no longer alive (runs of other users of the machine, alive, are kept).
 */
import { afterAll } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processAlive } from "../../src/util/process.ts";

const PREFIX = "takhin-test-run-";

// Brokers a test spawns (children get process.env) take a free Admin API port, never the default
// 9644 that concurrent runs on one machine would fight over.
process.env.TAKHIN_ADMIN_API_PORT ??= "0";
// Nor the Schema Registry's 8081: spawned brokers leave it off unless a test asks for it.
process.env.TAKHIN_SCHEMA_REGISTRY_PORT ??= "-1";
// Nor the HTTP Proxy's 8082.
process.env.TAKHIN_HTTP_PROXY_PORT ??= "-1";
// Nor the console's 8080.
process.env.TAKHIN_CONSOLE_PORT ??= "-1";


if (!process.env.TAKHIN_TEST_RUN_DIR) {
  const base = tmpdir();
  for (const name of readdirSync(base)) {
    if (!name.startsWith(PREFIX)) continue;
    const owner = join(base, name, ".owner");
    const pid = existsSync(owner) ? Number(readFileSync(owner, "utf8")) : NaN;
    if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) rmSync(join(base, name), { recursive: true, force: true });
  }
  const runDir = mkdtempSync(join(base, PREFIX));
  writeFileSync(join(runDir, ".owner"), String(process.pid));
  process.env.TAKHIN_TEST_RUN_DIR = runDir;
  process.env.TMPDIR = runDir;
  process.env.TMP = runDir;
  process.env.TEMP = runDir;
  afterAll(() => {
    rmSync(runDir, { recursive: true, force: true });
  });
}

/**
 * The sample project examples/embedded, as a user would have it: Takhin packed into a tarball
 * (`bun pm pack`), the example copied to a temporary folder, its locked devDependencies (vitest
 * 3.2.4, kafkajs, @platformatic/kafka 2.x; package-lock.json) and the tarball installed by npm, then
 * its suites run: `bun test ./test/bun` (in-process) and vitest on Node (a Bun child process via
 * takhin/testing; @confluentinc/kafka-javascript's suite too when its addon is built here). The
 * code blocks of docs/embedding.md that name an example file are that file, verbatim. Both must pass; the installed package must be the tarball's (no link back here).
 * Needs the npm registry or npm's cache for the example's devDependencies.
 */
import { expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/broker.ts";

const ROOT = join(import.meta.dir, "..", "..");

async function run(cmd: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const p = Bun.spawn(cmd, { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", ...env } });
  const timer = setTimeout(() => p.kill("SIGKILL"), 240_000);
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, out: out + err };
}

test("examples/embedded installs Takhin from a packed tarball and passes under bun test and under vitest on Node", async () => {
  const dir = tempDir("takhin-example-");
  try {
    await packInstallAndRun(dir);
  } finally {
    // Here rather than in the run's afterAll: node_modules has thousands of files.
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);

async function packInstallAndRun(dir: string): Promise<void> {
  const packed = await run(["bun", "pm", "pack", "--destination", dir, "--quiet"], ROOT);
  expect(packed.code).toBe(0);
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
  expect(tarball).toMatch(/^takhin-.*\.tgz$/);

  const app = join(dir, "app");
  for (const f of ["package.json", "package-lock.json", "vitest.config.mjs", "test"]) cpSync(join(ROOT, "examples", "embedded", f), join(app, f), { recursive: true });
  // The dependency on the tarball is added here (its integrity changes with every pack, so it is not locked).
  const pkg = JSON.parse(readFileSync(join(app, "package.json"), "utf8"));
  pkg.dependencies = { takhin: `file:../${tarball}` };
  writeFileSync(join(app, "package.json"), JSON.stringify(pkg, null, 2));
  const installed = await run(["npm", "install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], app);
  if (installed.code !== 0) console.error(installed.out);
  expect(installed.code).toBe(0);
  expect(existsSync(join(app, "node_modules", "takhin", "src", "embed", "index.ts"))).toBe(true);
  expect(existsSync(join(app, "node_modules", "takhin", "test"))).toBe(false); // the tarball's files only

  const bunRun = await run([process.execPath, "test", "./test/bun"], app);
  if (bunRun.code !== 0) console.error(bunRun.out);
  expect(bunRun.code).toBe(0);
  expect(bunRun.out).toMatch(/\b3 pass\b/);

  // @confluentinc/kafka-javascript is not in the example's lockfile (its install downloads a prebuilt
  // addon): the copy built here by scripts/build-confluent-kafka-javascript.sh (.ci/run) is linked in.
  const ckjs = join(ROOT, "node_modules", "@confluentinc", "kafka-javascript");
  const ckjsBuilt = existsSync(join(ckjs, "build", "Release", "confluent-kafka-javascript.node"));
  if (ckjsBuilt) {
    mkdirSync(join(app, "node_modules", "@confluentinc"), { recursive: true });
    symlinkSync(ckjs, join(app, "node_modules", "@confluentinc", "kafka-javascript"));
  } else console.log(`@confluentinc/kafka-javascript is not built in ${ckjs} (scripts/build-confluent-kafka-javascript.sh): its example is skipped`);

  const nodeRun = await run(["node", join("node_modules", "vitest", "vitest.mjs"), "run"], app, { TAKHIN_BUN: process.execPath });
  if (nodeRun.code !== 0) console.error(nodeRun.out);
  expect(nodeRun.code).toBe(0);
  expect(nodeRun.out).toMatch(ckjsBuilt ? /Tests\s+3 passed/ : /Tests\s+2 passed \| 1 skipped/);
}

test("docs/embedding.md's example blocks are the example project's files, verbatim", () => {
  const doc = readFileSync(join(ROOT, "docs", "embedding.md"), "utf8");
  const blocks = [...doc.matchAll(/<!-- (examples\/embedded\/[^ ]+) -->\n```[a-z]*\n([\s\S]*?)```\n/g)];
  expect(blocks.map((b) => b[1])).toEqual(["examples/embedded/test/bun/orders.test.ts", "examples/embedded/test/node/orders.test.mjs", "examples/embedded/test/node/confluent.test.mjs"]);
  for (const [, path, body] of blocks) expect(body).toBe(readFileSync(join(ROOT, path!), "utf8"));
});

/**
 * Builds the N-API addon (native/build/Release/takhin_native.node) during `bun install`.
 * Offline: node-gyp gets --nodedir pointing at the running Node's own headers; without those (or
 * without node-gyp) the C sources are compiled directly against the `node-api-headers` package.
 * Does not fail the install on a user's machine: when nothing works, the TypeScript fallback takes
 * over at run time. On CI (CI=true in this repository's checkout, or TAKHIN_REQUIRE_NATIVE=1) a failed build exits 1, so a broken
 * C build fails `bun install` there (and test/native/contract.test.ts fails too).
 * Plain JavaScript so that both `node` and `bun` run it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const nativeDir = path.dirname(fileURLToPath(import.meta.url));
const rootDir = path.dirname(nativeDir);
const outputFile = path.join(nativeDir, "build", "Release", "takhin_native.node");
const sources = ["addon.c", "crc32c.c", "scan.c"].map((f) => path.join(nativeDir, "src", f));
const require = createRequire(import.meta.url);
const BUILD_TIMEOUT_MS = 120_000;

function log(message) {
  console.log(`[takhin native] ${message}`);
}

function run(command, args) {
  execFileSync(command, args, { cwd: rootDir, stdio: "inherit", timeout: BUILD_TIMEOUT_MS });
}

/** A directory laid out like a Node install with include/node/node_api.h, or null. */
function findNodeDir() {
  const candidates = [];
  if (process.env.npm_config_nodedir) candidates.push(process.env.npm_config_nodedir);
  for (const exe of [process.env.NODE ?? "", "/usr/bin/node", "/usr/local/bin/node"]) {
    if (exe) candidates.push(path.dirname(path.dirname(exe)));
  }
  try {
    const nodeExe = execFileSync("which", ["node"], { encoding: "utf8" }).trim();
    if (nodeExe) candidates.push(path.dirname(path.dirname(nodeExe)));
  } catch {
    // no node on PATH
  }
  return candidates.find((dir) => existsSync(path.join(dir, "include", "node", "node_api.h"))) ?? null;
}

function buildWithNodeGyp() {
  const nodeDir = findNodeDir();
  if (!nodeDir) throw new Error("no Node headers (include/node/node_api.h) found for node-gyp");
  const gypScript = require.resolve("node-gyp/bin/node-gyp.js");
  const nodeExe = existsSync("/usr/bin/node") ? "/usr/bin/node" : "node";
  run(nodeExe, [gypScript, "rebuild", "--directory", nativeDir, `--nodedir=${nodeDir}`]);
}

function buildWithCompiler() {
  const headersDir = path.join(path.dirname(require.resolve("node-api-headers/package.json")), "include");
  mkdirSync(path.dirname(outputFile), { recursive: true });
  const compiler = process.env.CC || "cc";
  run(compiler, ["-O3", "-std=c11", "-shared", "-fPIC", "-fvisibility=hidden", `-I${headersDir}`,
    '-DNODE_GYP_MODULE_NAME=takhin_native', ...sources, "-o", outputFile]);
}

let built = false;
for (const [name, build] of [["node-gyp", buildWithNodeGyp], ["cc + node-api-headers", buildWithCompiler]]) {
  try {
    build();
    built = existsSync(outputFile);
    if (built) {
      log(`built ${path.relative(rootDir, outputFile)} with ${name}`);
      break;
    }
  } catch (error) {
    log(`${name} failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  }
}
const ci = (process.env.CI ?? "").toLowerCase();
// CI requires the addon of this repository's checkout (bun.lock beside package.json); a project that
// installs Takhin from a tarball or git (examples/embedded) falls back to TypeScript instead of failing.
const inCheckout = existsSync(path.join(rootDir, "bun.lock"));
const required = process.env.TAKHIN_REQUIRE_NATIVE === "1" || ((ci === "true" || ci === "1") && inCheckout);
if (!built && required) {
  log("addon not built, and CI=true (or TAKHIN_REQUIRE_NATIVE=1) requires it: failing");
  process.exit(1);
}
if (!built) log("addon not built; the TypeScript fallback will be used");

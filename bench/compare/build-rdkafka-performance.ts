/**
 * Builds librdkafka's rdkafka_performance from Debian's source package into
 * RDKAFKA_PERFORMANCE_DEFAULT (~/.cache/takhin/rdkafka_performance-<version>/), where the
 * side-by-side harness finds it (`--perf-tools` then also runs the rdkafka-* cases).
 *
 *   bun bench/compare/build-rdkafka-performance.ts          # about 1 minute on 2 cores
 *
 * Why from source: Debian ships librdkafka but not its examples, and GitHub is not reachable here.
 * The source comes from Debian sid (librdkafka 2.14.2; bookworm has 2.0.2) through a private
 * source list, so nothing in /etc/apt changes. Built without SSL, SASL, zstd and curl: the
 * benchmark needs none of them (snappy, gzip via zlib when present, and the bundled lz4 stay).
 * Needs a C toolchain and make; root is not needed.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { RDKAFKA_PERFORMANCE_DEFAULT, RDKAFKA_PERFORMANCE_VERSION } from "./rdkafka-perf.ts";

const DEBIAN_REVISION = "1";
const CONFIGURE_FLAGS = ["--disable-ssl", "--disable-gssapi", "--disable-zstd", "--disable-lz4-ext", "--disable-sasl", "--disable-curl"];

function run(cmd: string[], cwd: string): void {
  const r = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) {
    const tail = (r.stdout.toString() + r.stderr.toString()).trim().split("\n").slice(-15).join("\n");
    throw new Error(`${cmd.join(" ")} exited ${r.exitCode} in ${cwd}:\n${tail}`);
  }
}

function main(): void {
  if (existsSync(RDKAFKA_PERFORMANCE_DEFAULT)) {
    console.log(RDKAFKA_PERFORMANCE_DEFAULT);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), "rdkafka-build-"));
  try {
    const apt = join(work, "apt");
    mkdirSync(join(apt, "lists", "partial"), { recursive: true });
    writeFileSync(join(apt, "sources.list"), "deb-src http://deb.debian.org/debian sid main\n");
    const aptOpts = ["-o", `Dir::Etc::sourcelist=${join(apt, "sources.list")}`, "-o", "Dir::Etc::sourceparts=/nonexistent", "-o", `Dir::State::Lists=${join(apt, "lists")}`];
    console.error(`fetching librdkafka ${RDKAFKA_PERFORMANCE_VERSION} source from Debian sid`);
    run(["apt-get", ...aptOpts, "-qq", "update"], work);
    run(["apt-get", ...aptOpts, "-qq", "source", "--download-only", `librdkafka=${RDKAFKA_PERFORMANCE_VERSION}-${DEBIAN_REVISION}`], work);
    run(["tar", "xf", `librdkafka_${RDKAFKA_PERFORMANCE_VERSION}.orig.tar.gz`], work);
    // The orig tarball's top directory is named after the upstream commit, not the version.
    const src = readdirSync(work).map((d) => join(work, d)).find((d) => existsSync(join(d, "configure")) && existsSync(join(d, "examples", "rdkafka_performance.c")));
    if (!src) throw new Error("no librdkafka source tree with examples/rdkafka_performance.c in the tarball");
    console.error("building (configure, make libs, make examples/rdkafka_performance)");
    run(["./configure", ...CONFIGURE_FLAGS], src);
    run(["make", "-j2", "libs"], src);
    run(["make", "-C", "examples", "rdkafka_performance"], src);
    // Into place through a temporary name, so a half-copied binary is never found.
    mkdirSync(dirname(RDKAFKA_PERFORMANCE_DEFAULT), { recursive: true });
    const tmp = `${RDKAFKA_PERFORMANCE_DEFAULT}.tmp-${process.pid}`;
    cpSync(join(src, "examples", "rdkafka_performance"), tmp);
    renameSync(tmp, RDKAFKA_PERFORMANCE_DEFAULT);
    console.log(RDKAFKA_PERFORMANCE_DEFAULT);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (e) {
  console.error(`build-rdkafka-performance: ${(e as Error).message}`);
  process.exit(1);
}

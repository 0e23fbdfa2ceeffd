/**
 * The Go clients at their newest releases (IBM/sarama, segmentio/kafka-go, franz-go kgo + kadm),
 * one Go module in test/clients/go-newest pinned by its go.mod and go.sum, fetched from the Go
 * module proxy (GOPROXY as configured, the default proxy.golang.org) with GOFLAGS=-mod=readonly:
 * a go.sum that does not match the downloads fails the build instead of being rewritten.
 *
 * Built once per machine into ~/.cache/takhin/go-newest/<key>/, where the key is the SHA-256 of
 * go.mod, go.sum and every program's source: a later run finds the binaries and does not invoke
 * go at all. A build is bounded by BUILD_TIMEOUT_MS and written to a temporary directory renamed
 * into place, so a killed or concurrent build never leaves a half-written cache entry.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import type { TestBroker } from "../../helpers/broker.ts";
import { runProc } from "./pc-common.ts";

export const GO_NEWEST_DIR = join(import.meta.dir, "..", "go-newest");
export type GoNewestClient = "franz" | "sarama" | "kafkago";
const PROGRAMS: GoNewestClient[] = ["franz", "sarama", "kafkago"];
/** The first build downloads the modules and compiles them on a loaded 2-core machine. */
export const BUILD_TIMEOUT_MS = 420_000;
/** go.mod's `go 1.26.0`, required by IBM/sarama v1.62 and franz-go v1.22. */
const MIN_GO_MINOR = 26;

/** The pinned version of a module, read from go.mod. */
export function pinnedVersion(module: string): string {
  const mod = readFileSync(join(GO_NEWEST_DIR, "go.mod"), "utf8");
  const m = mod.match(new RegExp(`^\\s*${module.replace(/[.]/g, "\\.")}\\s+(v\\S+)`, "m"));
  return m ? m[1] : "?";
}

function cacheKey(): string {
  const h = createHash("sha256");
  for (const f of ["go.mod", "go.sum"]) h.update(readFileSync(join(GO_NEWEST_DIR, f)));
  for (const p of PROGRAMS) for (const f of readdirSync(join(GO_NEWEST_DIR, p)).sort()) h.update(`${p}/${f}\0`).update(readFileSync(join(GO_NEWEST_DIR, p, f)));
  return h.digest("hex").slice(0, 16);
}

let built: Promise<string> | undefined;

/** The directory holding the three binaries; builds them when the cache lacks this key. */
export function goNewestBinaries(): Promise<string> {
  return (built ??= build());
}

async function build(): Promise<string> {
  const root = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "takhin", "go-newest");
  const dir = join(root, cacheKey());
  if (PROGRAMS.every((p) => existsSync(join(dir, p)))) return dir;
  const go = Bun.which("go");
  if (!go) throw new Error(`the Go toolchain is missing: the newest Go clients need go1.${MIN_GO_MINOR} or later (go.dev/dl; see .ci/run)`);
  // The newest sarama and franz-go need Go 1.26 (their go.mod); Debian's golang-go is older.
  const version = Bun.spawnSync([go, "env", "GOVERSION"]).stdout.toString().trim();
  const [major, minor] = (version.match(/^go(\d+)\.(\d+)/) ?? []).slice(1).map(Number);
  if (!(major > 1 || (major === 1 && minor >= MIN_GO_MINOR))) {
    throw new Error(`${go} is ${version || "of unknown version"}; the newest Go clients need go1.${MIN_GO_MINOR} or later (test/clients/go-newest/go.mod): install it from go.dev/dl, or set GOTOOLCHAIN=go1.${MIN_GO_MINOR}.0 with a Go of 1.21 or later`);
  }
  mkdirSync(root, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const started = performance.now();
  const res = await runProc([go, "build", "-C", GO_NEWEST_DIR, "-o", tmp + "/", ...PROGRAMS.map((p) => `./${p}`)], {
    timeoutMs: BUILD_TIMEOUT_MS,
    env: { GOFLAGS: "-mod=readonly", GO111MODULE: "on", CGO_ENABLED: "0", GOWORK: "off" },
  });
  if (res.timedOut || res.exitCode !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`go build in ${GO_NEWEST_DIR} failed (exit ${res.exitCode}, timedOut ${res.timedOut}; the modules come from the Go module proxy):\n${res.stderr.slice(-4000)}`);
  }
  try {
    renameSync(tmp, dir);
  } catch {
    // A concurrent build got there first: its binaries are the same.
    rmSync(tmp, { recursive: true, force: true });
  }
  // Entries of older keys are dead: only one build per machine is kept.
  for (const old of readdirSync(root)) if (old !== basename(dir) && !old.includes(".tmp-")) rmSync(join(root, old), { recursive: true, force: true });
  console.log(`built the newest Go clients into ${dir} in ${Math.round(performance.now() - started)} ms`);
  return dir;
}

/** Per topic: the codecs (attributes & 7), producer ids, first sequences and transactional flags of the v2 batches Produce carried. */
export interface SeenBatches {
  codecs: Set<number>;
  producerIds: Set<bigint>;
  sequences: number[];
  transactional: Set<boolean>;
}

/** A request middleware on the broker noting every record batch a Produce request carries, by topic. */
export function recordProduceBatches(tb: TestBroker): Map<string, SeenBatches> {
  const batches = new Map<string, SeenBatches>();
  tb.broker.context.middleware.use({
    name: "record-produce-batches",
    handle(ctx, request, next) {
      if (ctx.apiKey !== 0) return next();
      const req = request as { topicData: { name: string; partitionData: { records: Uint8Array | null }[] }[] };
      for (const t of req.topicData) {
        let entry = batches.get(t.name);
        if (!entry) batches.set(t.name, (entry = { codecs: new Set(), producerIds: new Set(), sequences: [], transactional: new Set() }));
        for (const p of t.partitionData) {
          const r = p.records;
          if (!r) continue;
          const view = new DataView(r.buffer, r.byteOffset, r.byteLength);
          for (let pos = 0; pos + 61 <= r.byteLength; pos += 12 + view.getInt32(pos + 8)) {
            if (view.getInt8(pos + 16) !== 2) break;
            const attributes = view.getInt16(pos + 21);
            entry.codecs.add(attributes & 7);
            entry.transactional.add((attributes & 0x10) !== 0);
            entry.producerIds.add(view.getBigInt64(pos + 43));
            entry.sequences.push(view.getInt32(pos + 53));
          }
        }
      }
      return next();
    },
  });
  return batches;
}

export const CODEC_BITS = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

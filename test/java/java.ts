/**
 * Runs Apache Kafka's Java code for the Java-client and CLI suites: the classpath comes from
 * peer/kafka (Maven resolves it into ~/.m2 once; no jar is committed), test/java/*.java are compiled
 * with plain `javac` into a cache directory keyed by a hash of the sources, the classpath and the
 * javac version (so an unchanged suite compiles once per machine), and every JVM run is bounded in
 * time and its output kept whole for the assertions.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { kafkaClasspath } from "../../peer/kafka/classpath.ts";

export const JAVA_DIR = import.meta.dir;
const JAVA_RUN_TIMEOUT_MS = 120_000;
/** Heap for short-lived tool and test JVMs; the defaults would take a quarter of the machine's memory. */
const JVM_OPTS = ["-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true"];

function javaBin(tool: "java" | "javac"): string {
  const home = process.env.KAFKA_PEER_JAVA_HOME ?? process.env.JAVA_HOME;
  return home ? join(home, "bin", tool) : tool;
}

/** Throws with the reason when Java or the Kafka classpath is missing (CI must have both). */
export function requireJava(): string {
  if (!Bun.which(javaBin("java")) && !existsSync(javaBin("java"))) throw new Error("java is not on PATH: the Java-client and CLI suites need Java 17+ (and Maven for the Kafka classpath)");
  return kafkaClasspath();
}

let compiled: string | undefined;

/** Compiles test/java/*.java once (cached) and returns the full classpath: classes + Kafka's jars. */
export function suiteClasspath(): string {
  const kafka = requireJava();
  if (compiled) return `${compiled}:${kafka}`;
  const sources = readdirSync(JAVA_DIR).filter((f) => f.endsWith(".java")).sort();
  const version = Bun.spawnSync([javaBin("javac"), "-version"], { stdout: "pipe", stderr: "pipe" });
  const h = createHash("sha256");
  for (const f of sources) h.update(f).update(readFileSync(join(JAVA_DIR, f)));
  h.update(kafka).update(version.stdout).update(version.stderr);
  const root = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "takhin", "java-suite");
  const dir = join(root, h.digest("hex").slice(0, 16));
  if (!existsSync(join(dir, "ok"))) {
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const res = Bun.spawnSync([javaBin("javac"), "-nowarn", "-encoding", "UTF-8", "--release", "17", "-cp", kafka, "-d", tmp, ...sources.map((f) => join(JAVA_DIR, f))], {
      stdout: "pipe",
      stderr: "pipe",
    });
    if (res.exitCode !== 0) throw new Error(`javac failed (exit ${res.exitCode}):\n${res.stdout}${res.stderr}`.slice(0, 8000));
    Bun.write(join(tmp, "ok"), "");
    // Another test file may have compiled the same hash concurrently: either copy is good.
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  compiled = dir;
  return `${dir}:${kafka}`;
}

export interface JavaRun {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  ms: number;
  argv: string[];
}

/** Runs `java -cp <classpath> <mainClass> ...args`, bounded by `timeoutMs`; stdin is written then closed. */
export async function runJava(mainClass: string, args: string[], opts: { classpath?: string; stdin?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<JavaRun> {
  const classpath = opts.classpath ?? kafkaClasspath();
  const argv = [javaBin("java"), ...JVM_OPTS, "-cp", classpath, mainClass, ...args];
  const t0 = performance.now();
  const proc = Bun.spawn(argv, {
    stdin: opts.stdin === undefined ? "ignore" : "pipe",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...opts.env },
  });
  if (opts.stdin !== undefined && proc.stdin) {
    proc.stdin.write(opts.stdin);
    await proc.stdin.end();
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, opts.timeoutMs ?? JAVA_RUN_TIMEOUT_MS);
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { exitCode, timedOut, stdout, stderr, ms: Math.round(performance.now() - t0), argv: [mainClass, ...args] };
}

/** A failure message that shows what the JVM printed (tail-bounded). */
export function explain(r: JavaRun): string {
  return `${r.argv.join(" ")} (exit ${r.exitCode}, timedOut ${r.timedOut}, ${r.ms} ms)\nstdout: ${r.stdout.slice(-3000)}\nstderr: ${r.stderr.slice(-3000)}`;
}

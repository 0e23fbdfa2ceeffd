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
  return classpathOnce();
}

let compiled: string | undefined;
let kafkaCp: string | undefined;

/**
 * kafkaClasspath(), once per process: its cache check re-runs Maven (~7 s) whenever pom.xml is
 * newer than the cache file, which is so after every checkout, and Maven does not rewrite an
 * unchanged file.
 */
function classpathOnce(): string {
  kafkaCp ??= kafkaClasspath();
  return kafkaCp;
}

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
  const classpath = opts.classpath ?? classpathOnce();
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

/** A long-running JVM whose stdout lines are collected as they come (VerifiableConsumer and the like). */
export interface JavaProcess {
  lines: string[];
  /** Waits until `pred` holds for some collected line (bounded); returns that line. */
  waitLine(pred: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** SIGTERM (the tools shut down cleanly on it), SIGKILL after `graceMs`; resolves with stderr. */
  stop(graceMs?: number): Promise<{ exitCode: number | null; stderr: string }>;
  /** SIGKILL at once (a crash: no shutdown hook runs); resolves when the process is gone. */
  kill(): Promise<void>;
}

export function spawnJava(mainClass: string, args: string[], opts: { classpath?: string } = {}): JavaProcess {
  const argv = [javaBin("java"), ...JVM_OPTS, "-cp", opts.classpath ?? classpathOnce(), mainClass, ...args];
  const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const lines: string[] = [];
  let waiters: (() => void)[] = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const stderr = new Response(proc.stderr).text();
  const pump = (async () => {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of proc.stdout) {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop()!;
      // Bounded: a runaway tool cannot grow the test's memory without limit.
      for (const l of parts) if (lines.length < 200_000) lines.push(l);
      wake();
    }
    if (rest) lines.push(rest);
    wake();
  })();
  let exited = false;
  proc.exited.then(() => {
    exited = true;
    wake();
  });
  return {
    lines,
    async waitLine(pred, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find(pred);
        if (hit !== undefined) return hit;
        if (exited || Date.now() > deadline) throw new Error(`${mainClass}: no matching line within ${timeoutMs} ms (exited ${exited}); stdout tail:\n${lines.slice(-20).join("\n")}\nstderr:\n${exited ? (await stderr).slice(-3000) : ""}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, Math.max(1, Math.min(500, deadline - Date.now())));
        });
      }
    },
    async kill() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
    async stop(graceMs = 15_000) {
      if (!exited) proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      const exitCode = await proc.exited;
      clearTimeout(timer);
      await pump;
      return { exitCode, stderr: await stderr };
    },
  };
}

/**
 * The Java classpath of a Kafka Connect worker with the file connectors (./pom.xml), resolved by
 * Maven into Maven's local repository (~/.m2, outside this repository) and cached as one line in
 * ~/.cache/takhin/connect-<version>.classpath, the way ../kafka/classpath.ts does for the broker.
 * `CONNECT_PEER_CLASSPATH` overrides the lookup (a ready classpath string).
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const CONNECT_DIR = import.meta.dir;
export const CONNECT_POM_PATH = join(CONNECT_DIR, "pom.xml");

/** The Connect runtime's Kafka version the pom pins. */
export function connectVersion(): string {
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(CONNECT_POM_PATH, "utf8"));
  if (!m) throw new Error(`${CONNECT_POM_PATH}: no <kafka.version> property`);
  return m[1]!;
}

function cacheFile(): string {
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "takhin");
  mkdirSync(dir, { recursive: true });
  return join(dir, `connect-${connectVersion()}.classpath`);
}

/** Resolves (once; later calls read the cache) and returns the classpath. Throws with Maven's output. */
export function connectClasspath(): string {
  if (process.env.CONNECT_PEER_CLASSPATH) return process.env.CONNECT_PEER_CLASSPATH;
  const file = cacheFile();
  if (existsSync(file) && statSync(file).mtimeMs >= statSync(CONNECT_POM_PATH).mtimeMs) {
    const cp = readFileSync(file, "utf8").trim();
    if (cp.split(":").every((jar) => existsSync(jar))) return cp;
  }
  const res = Bun.spawnSync(["mvn", "-q", "-B", "-f", CONNECT_POM_PATH, "dependency:build-classpath", `-Dmdep.outputFile=${file}`], {
    stdout: "pipe",
    stderr: "pipe",
  });
  if (res.exitCode !== 0) {
    throw new Error(`Maven could not resolve Kafka Connect ${connectVersion()} (exit ${res.exitCode}):\n${res.stdout.toString()}${res.stderr.toString()}`.slice(0, 8000));
  }
  return readFileSync(file, "utf8").trim();
}

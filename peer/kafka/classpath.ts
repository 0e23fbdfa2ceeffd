/**
 * The Java classpath of Apache Kafka (broker, tools, clients, Streams, Connect, log4j2), resolved
 * by Maven from peer/kafka/pom.xml into Maven's local repository (~/.m2, outside this repository)
 * and cached as one line in ~/.cache/takhin/kafka-<version>.classpath. Nothing is built and no jar
 * is committed. `KAFKA_PEER_CLASSPATH` overrides the lookup (a ready classpath string).
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const PEER_DIR = import.meta.dir;
export const POM_PATH = join(PEER_DIR, "pom.xml");

/** The Kafka version the pom pins (read from it, so there is one place to change it). */
export function kafkaVersion(): string {
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM_PATH, "utf8"));
  if (!m) throw new Error(`${POM_PATH}: no <kafka.version> property`);
  return m[1]!;
}

function cacheFile(): string {
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "takhin");
  mkdirSync(dir, { recursive: true });
  return join(dir, `kafka-${kafkaVersion()}.classpath`);
}

/** True when `java` and `mvn` are on PATH (the peer can be had on this machine). */
export function javaAvailable(): boolean {
  return Bun.which("java") !== null && (Bun.which("mvn") !== null || existsSync(cacheFile()));
}

/** Resolves (once; later calls read the cache) and returns the classpath. Throws with Maven's output. */
export function kafkaClasspath(): string {
  if (process.env.KAFKA_PEER_CLASSPATH) return process.env.KAFKA_PEER_CLASSPATH;
  const file = cacheFile();
  if (existsSync(file) && statSync(file).mtimeMs >= statSync(POM_PATH).mtimeMs) {
    const cp = readFileSync(file, "utf8").trim();
    if (cp.split(":").every((jar) => existsSync(jar))) return cp;
  }
  const res = Bun.spawnSync(["mvn", "-q", "-B", "-f", POM_PATH, "dependency:build-classpath", `-Dmdep.outputFile=${file}`], {
    stdout: "pipe",
    stderr: "pipe",
  });
  if (res.exitCode !== 0) {
    throw new Error(`Maven could not resolve Apache Kafka ${kafkaVersion()} (exit ${res.exitCode}):\n${res.stdout.toString()}${res.stderr.toString()}`.slice(0, 8000));
  }
  return readFileSync(file, "utf8").trim();
}

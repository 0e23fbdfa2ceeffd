/**
 * Issue 25's acceptance on one broker: a topic with local.retention.ms=1 (retention.ms a week)
 * whose oldest segments exist only in the object store serves its whole history from offset 0,
 * byte-exact, to every client family here — kafkajs (in process), librdkafka (kcat), the Java
 * client (kafka-clients 4.4, test/java/TieredRead.java), confluent-kafka-python (librdkafka's
 * Python binding) — each while the store fails its first remote reads (503 for a few GETs, then
 * cut bodies, then corrupted bytes): they get a retriable error, retry, and receive exactly the
 * records produced.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { removeDir, tempDir, type TestBroker } from "../helpers/broker.ts";
import { explain, runJava, suiteClasspath } from "../java/java.ts";
import { startS3, type S3Harness } from "./s3-harness.ts";
import { checkLines, consumeAllKafkajs, createTieredTopic, produceRange, startTieredBroker, waitUntilTiered } from "./tiered-setup.ts";

const TOPIC = "tiered-clients";
const COUNT = 2000;
const CLIENT_TIMEOUT_MS = 60_000;

let s3: S3Harness;
let tb: TestBroker;
const dataDir = tempDir();

beforeAll(async () => {
  s3 = await startS3();
  tb = await startTieredBroker(s3, dataDir);
  await createTieredTopic(tb.bootstrap, TOPIC);
  await produceRange(tb.bootstrap, TOPIC, 0, COUNT);
  await waitUntilTiered(tb, TOPIC, 900);
}, 60_000);

afterAll(async () => {
  await tb?.stop();
  await s3?.close();
  removeDir(dataDir);
});

/** Cold cache, and the store failing the next few reads in the given way. */
function faultFirstReads(fault: "error" | "truncate" | "corrupt"): number {
  tb.broker.context.tiered!.manager.reader.cache.clear();
  const before = tb.broker.context.tiered!.manager.stats.remoteReadFailures;
  s3.setFault(fault, "GET", 3);
  return before;
}

function expectFaultRiddenOut(failuresBefore: number): void {
  expect(s3.remaining).toBe(0);
  expect(tb.broker.context.tiered!.manager.stats.remoteReadFailures).toBeGreaterThan(failuresBefore);
}

async function run(argv: string[], timeoutMs = CLIENT_TIMEOUT_MS): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { exitCode, stdout, stderr };
}

function lines(stdout: string): string[] {
  return stdout.split("\n").filter((l) => l.length > 0);
}

describe("every client family reads the tiered history from offset 0", () => {
  test("kafkajs, the store answering 503 first", async () => {
    const before = faultFirstReads("error");
    await consumeAllKafkajs(tb.bootstrap, TOPIC, COUNT, "g-clients-js");
    expectFaultRiddenOut(before);
  }, 90_000);

  test("librdkafka (kcat), the store cutting its first bodies", async () => {
    const before = faultFirstReads("truncate");
    const r = await run(["kcat", "-C", "-b", tb.bootstrap, "-t", TOPIC, "-p", "0", "-o", "beginning", "-c", String(COUNT), "-e", "-q", "-f", "%o\t%k\t%s\t%h\n"]);
    expect(r.exitCode).toBe(0);
    // kcat prints headers as name=value.
    checkLines("kcat", lines(r.stdout).map((l) => l.replace(/\th=([^\t]*)$/, "\t$1")), COUNT);
    expectFaultRiddenOut(before);
  }, 90_000);

  test("the Java client (kafka-clients 4.4), the store corrupting its first bodies", async () => {
    const classpath = suiteClasspath();
    const before = faultFirstReads("corrupt");
    const r = await runJava("TieredRead", [tb.bootstrap, TOPIC, String(COUNT), String(CLIENT_TIMEOUT_MS)], { classpath, timeoutMs: CLIENT_TIMEOUT_MS + 30_000 });
    expect(r.exitCode, explain(r)).toBe(0);
    checkLines("java", lines(r.stdout), COUNT);
    expectFaultRiddenOut(before);
  }, 150_000);

  test("confluent-kafka-python, the store answering 503 first", async () => {
    const before = faultFirstReads("error");
    const r = await run(["/usr/bin/python3", join(import.meta.dir, "scripts", "tiered-read-confluent.py"), tb.bootstrap, TOPIC, String(COUNT), String(CLIENT_TIMEOUT_MS)], CLIENT_TIMEOUT_MS + 10_000);
    expect(r.exitCode, r.stderr.slice(-2000)).toBe(0);
    checkLines("confluent-kafka-python", lines(r.stdout), COUNT);
    expectFaultRiddenOut(before);
  }, 90_000);
});

/**
 * A full disk is loud and recovers (issue 26), on a real small filesystem: the broker's data
 * directory is a 24 MiB tmpfs, partly taken by a filler file. kafkajs producers (acks=-1, no
 * retries) write until the disk is full; then every refused produce answers KAFKA_STORAGE_ERROR
 * with a message naming the directory, the broker logs one ERROR for the directory and one per
 * further partition (not one per request), /metrics shows takhin_log_dir_full 1 and the refusals,
 * and the readiness probe is 503 with the log-dirs component down. The filler is deleted: the
 * state ends by itself (one INFO line), produce works again, and a consumer reads exactly the
 * acknowledged records. Needs root for mount(8); without it the test says so and uses the
 * file-I/O fault seam (an ENOSPC thrown before each segment write) instead.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { fileFaults } from "../../../src/storage/file-io.ts";
import { startTestBroker, type TestBroker } from "../../helpers/broker.ts";

const mountDir = fs.mkdtempSync(path.join(os.tmpdir(), "takhin-diskfull-"));
let mounted = false;
let broker: TestBroker | null = null;
const filler = path.join(mountDir, "filler");

beforeAll(() => {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", mountDir], { stdio: "pipe" });
    mounted = true;
  } catch (error) {
    console.warn(`disk-full test: mount -t tmpfs refused (${(error as Error).message.split("\n")[0]}); using the ENOSPC fault seam instead`);
  }
});

afterAll(async () => {
  fileFaults.beforeWrite = null;
  await broker?.stop();
  if (mounted) execFileSync("umount", ["-l", mountDir], { stdio: "pipe" });
  fs.rmSync(mountDir, { recursive: true, force: true });
});

function storageErrorOf(e: unknown): { type?: string; message?: string } | null {
  for (let x = e as { type?: string; message?: string; originalError?: unknown; cause?: unknown } | undefined, i = 0; x && i < 5; i++) {
    if (x.type === "KAFKA_STORAGE_ERROR") return x;
    x = (x.originalError ?? x.cause) as typeof x;
  }
  return null;
}

async function getText(b: TestBroker, p: string): Promise<{ status: number; text: string }> {
  const r = await fetch(`http://127.0.0.1:${b.broker.services.get("admin-api")!.port}${p}`);
  return { status: r.status, text: await r.text() };
}

test("a full log directory refuses produce with KAFKA_STORAGE_ERROR, loudly once per change, and recovers when space returns", async () => {
  const dataDir = path.join(mountDir, "data");
  broker = await startTestBroker({ logScrubBytesPerSecond: 0 }, dataDir);
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "full", numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer({ retry: { retries: 0 }, allowAutoTopicCreation: false });
  await producer.connect();
  if (mounted) {
    const free = fs.statfsSync(mountDir);
    fs.writeFileSync(filler, Buffer.alloc(Math.max(0, Number(free.bavail) * Number(free.bsize) - 6 * 1024 * 1024), 1));
  }
  const acknowledged = new Map<number, Set<string>>([[0, new Set()], [1, new Set()]]);
  const value = (p: number, i: number) => `p${p}-${i}-`.padEnd(64 * 1024, "x");
  let refusal: { type?: string; message?: string } | null = null;
  let i = 0;
  if (!mounted) fileFaults.beforeWrite = () => { if (acknowledged.get(0)!.size >= 20) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }); };
  for (; i < 2000 && refusal === null; i++) {
    try {
      await producer.send({ topic: "full", acks: -1, messages: [{ partition: 0, value: value(0, i) }] });
      acknowledged.get(0)!.add(value(0, i));
    } catch (e) {
      refusal = storageErrorOf(e);
      if (refusal === null) throw e;
    }
  }
  expect(refusal).not.toBeNull();
  expect(refusal!.message ?? "").toBeTruthy();
  // More refusals, on both partitions: no further line for partition 0, one for partition 1.
  let refusedMore = 0;
  for (let k = 0; k < 5; k++) {
    for (const p of [0, 1]) {
      try {
        await producer.send({ topic: "full", acks: -1, messages: [{ partition: p, value: value(p, 10_000 + k) }] });
        acknowledged.get(p)!.add(value(p, 10_000 + k));
      } catch (e) {
        expect(storageErrorOf(e)).not.toBeNull();
        refusedMore++;
      }
    }
  }
  expect(refusedMore).toBeGreaterThanOrEqual(5);
  const dirLines = broker.logs.filter((l) => l.includes("log directory full: appends answer KAFKA_STORAGE_ERROR"));
  expect(dirLines).toHaveLength(1);
  expect(dirLines[0]).toContain("topic=full");
  expect(dirLines[0]).toContain("partition=0");
  const partLines = broker.logs.filter((l) => l.includes("partition cannot append: log directory full"));
  expect(partLines.length).toBeLessThanOrEqual(1);
  if (acknowledged.get(1)!.size < 5) expect(partLines).toHaveLength(1);
  const metrics = await getText(broker, "/metrics");
  expect(metrics.text).toMatch(/^takhin_log_dir_full 1$/m);
  expect(metrics.text).toMatch(/^takhin_log_dir_full_episodes_total 1$/m);
  const refusedTotal = Number(/^takhin_log_dir_full_refused_appends_total (\d+)$/m.exec(metrics.text)![1]);
  expect(refusedTotal).toBeGreaterThanOrEqual(1 + refusedMore);
  const ready = await getText(broker, "/health/ready");
  expect(ready.status).toBe(503);
  const logDirs = (JSON.parse(ready.text) as { components: { name: string; status: string; error?: string }[] }).components.find((c) => c.name === "log-dirs");
  expect(logDirs).toMatchObject({ status: "down" });
  expect(logDirs!.error).toContain("full");

  // Space returns: the state ends by itself.
  if (mounted) fs.rmSync(filler);
  else fileFaults.beforeWrite = null;
  if (!mounted) broker.broker.context.partitions.logs.diskSpace.check();
  for (let k = 0; k < 200 && (await getText(broker, "/health/ready")).status !== 200; k++) await Bun.sleep(50);
  expect((await getText(broker, "/health/ready")).status).toBe(200);
  expect(broker.logs.filter((l) => l.includes("log directory has space again"))).toHaveLength(1);
  for (const p of [0, 1]) {
    await producer.send({ topic: "full", acks: -1, messages: [{ partition: p, value: value(p, 20_000) }] });
    acknowledged.get(p)!.add(value(p, 20_000));
  }
  expect((await getText(broker, "/metrics")).text).toMatch(/^takhin_log_dir_full 0$/m);
  await producer.disconnect();

  // Exactly the acknowledged records are there, in each partition.
  const consumer = kafka.consumer({ groupId: "full-check" });
  await consumer.connect();
  await consumer.subscribe({ topic: "full", fromBeginning: true });
  const seen = new Map<number, string[]>([[0, []], [1, []]]);
  const total = acknowledged.get(0)!.size + acknowledged.get(1)!.size;
  let count = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.get(partition)!.push(message.value!.toString());
        if (++count >= total) resolve();
      },
    });
  });
  await done;
  await consumer.disconnect();
  for (const p of [0, 1]) expect(new Set(seen.get(p))).toEqual(acknowledged.get(p)!);
  expect(count).toBe(total);
}, 90_000);

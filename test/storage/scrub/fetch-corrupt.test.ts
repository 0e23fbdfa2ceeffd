/**
 * Issue 26 end to end on one broker: records produced by kafkajs into 1 MiB segments, the broker
 * stopped cleanly, one byte of the first (sealed) segment changed on disk, the broker started again
 * on the same directory. A Fetch over a real socket (the internal Kafka client) then gets the
 * valid batches before the damage byte for byte, and CORRUPT_MESSAGE for the partition at the
 * damaged batch — never its bytes; later segments are served intact. The damage is logged once
 * with its file and position, listed by GET /v1/storage/integrity, found again by POST
 * /v1/storage/scrub, and counted in /metrics.
 */
import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { BrokerConnection } from "../../../src/client/connection.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { Fetch } from "../../../src/protocol/messages/fetch.ts";
import { startTestBroker, tempDir, type TestBroker } from "../../helpers/broker.ts";

const dataDir = tempDir("takhin-scrub-fetch-");
let broker: TestBroker | null = null;
afterAll(async () => {
  await broker?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function adminUrl(b: TestBroker, p: string): string {
  return `http://127.0.0.1:${b.broker.services.get("admin-api")!.port}${p}`;
}

async function fetchAt(conn: BrokerConnection, topicId: string, offset: bigint) {
  const { body } = await conn.send(Fetch, {
    clusterId: null,
    replicaId: -1,
    replicaState: { replicaId: -1, replicaEpoch: -1n },
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 256 * 1024,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: "rot", topicId, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 64 * 1024 }] }],
    forgottenTopicsData: [],
    rackId: "",
  } as never);
  const p = (body.responses[0] as { partitions: { errorCode: number; records: Uint8Array | null; highWatermark: bigint }[] }).partitions[0];
  return p;
}

function batchesIn(bytes: Uint8Array): { base: bigint; last: bigint; size: number }[] {
  const out: { base: bigint; last: bigint; size: number }[] = [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 61 <= bytes.length; ) {
    const size = v.getInt32(at + 8) + 12;
    if (size < 61 || bytes[at + 16] !== 2 || at + size > bytes.length) break; // the zeros of preallocation end the log
    const base = v.getBigInt64(at);
    out.push({ base, last: base + BigInt(v.getInt32(at + 23)), size });
    at += size;
  }
  return out;
}

test("a rotten batch in a sealed segment is answered CORRUPT_MESSAGE, never served, and reported", async () => {
  broker = await startTestBroker({ logScrubBytesPerSecond: 0 }, dataDir);
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "rot", numPartitions: 1, configEntries: [{ name: "segment.bytes", value: "1048576" }] }] });
  const producer = kafka.producer();
  await producer.connect();
  const value = Buffer.alloc(10_000, 0x61);
  for (let i = 0; i < 30; i++) {
    await producer.send({ topic: "rot", acks: -1, messages: Array.from({ length: 10 }, (_, k) => ({ key: `k${i}-${k}`, value })) });
  }
  await producer.disconnect();
  await admin.disconnect();
  await broker.stop();
  broker = null;

  const dir = path.join(dataDir, "rot-0");
  const logs = fs.readdirSync(dir).filter((n) => n.endsWith(".log")).sort();
  expect(logs.length).toBeGreaterThanOrEqual(3);
  const first = path.join(dir, logs[0]);
  const original = new Uint8Array(fs.readFileSync(first));
  const batches = batchesIn(original);
  // Damage a record byte in the middle batch of the first segment.
  const victim = batches[Math.floor(batches.length / 2)];
  let victimPos = 0;
  for (const b of batches) {
    if (b === victim) break;
    victimPos += b.size;
  }
  const flipAt = victimPos + 61 + 100;
  const fd = fs.openSync(first, "r+");
  fs.writeSync(fd, new Uint8Array([original[flipAt] ^ 0x10]), 0, 1, flipAt);
  fs.closeSync(fd);

  broker = await startTestBroker({ logScrubBytesPerSecond: 0 }, dataDir);
  const topicId = broker.broker.context.metadata.image.topic("rot")!.id;
  const conn = new BrokerConnection("127.0.0.1", broker.port, { clientId: "scrub-test" });
  try {
    // Everything before the damaged batch, byte for byte as the file held it.
    const served: Uint8Array[] = [];
    let offset = 0n;
    let error = 0;
    for (let i = 0; i < 1000; i++) {
      const p = await fetchAt(conn, topicId, offset);
      if (p.errorCode !== ErrorCode.NONE) {
        error = p.errorCode;
        break;
      }
      const got = batchesIn(p.records!);
      expect(got.length).toBeGreaterThan(0);
      served.push(p.records!.subarray(0, got.reduce((n, b) => n + b.size, 0)));
      offset = got[got.length - 1].last + 1n;
    }
    expect(error).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(offset).toBe(victim.base);
    const prefix = Buffer.concat(served);
    expect(prefix.length).toBe(victimPos);
    expect(prefix.equals(Buffer.from(original.subarray(0, victimPos)))).toBe(true);
    // Asked again: the same answer (the range is remembered), and a single log line for it.
    expect((await fetchAt(conn, topicId, victim.base)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const lines = broker.logs.filter((l) => l.includes("corrupt record batch"));
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain(first);
    expect(lines[0]).toContain(`position=${victimPos}`);
    // The next segment is served intact.
    const nextBase = BigInt(Number(logs[1].slice(0, 20)));
    const later = await fetchAt(conn, topicId, nextBase);
    expect(later.errorCode).toBe(ErrorCode.NONE);
    const secondFile = new Uint8Array(fs.readFileSync(path.join(dir, logs[1])));
    const laterBatches = batchesIn(later.records!);
    const laterBytes = later.records!.subarray(0, laterBatches.reduce((n, b) => n + b.size, 0));
    expect(Buffer.from(laterBytes).equals(Buffer.from(secondFile.subarray(0, laterBytes.length)))).toBe(true);
  } finally {
    conn.close();
  }

  const integrity = (await (await fetch(adminUrl(broker, "/v1/storage/integrity"))).json()) as { partitions: { topic: string; corrupt_ranges: { file: string; position: number; first_offset: number; reason: string; detected_by: string }[] }[] };
  const rot = integrity.partitions.find((p) => p.topic === "rot")!;
  expect(rot.corrupt_ranges).toHaveLength(1);
  expect(rot.corrupt_ranges[0]).toMatchObject({ file: first, position: victimPos, first_offset: Number(victim.base), reason: "crc", detected_by: "read" });
  const scrub = (await (await fetch(adminUrl(broker, "/v1/storage/scrub"), { method: "POST" })).json()) as { corrupt_batches: number; scrubbed_segments: number };
  expect(scrub.corrupt_batches).toBe(1);
  expect(scrub.scrubbed_segments).toBeGreaterThanOrEqual(2);
  const metrics = await (await fetch(adminUrl(broker, "/metrics"))).text();
  expect(metrics).toMatch(/^takhin_log_corrupt_ranges 1$/m);
  expect(metrics).toMatch(/^takhin_log_corrupt_ranges_detected_total\{source="read"\} 1$/m);
  expect(metrics).toMatch(/^takhin_log_scrub_segments_total [1-9]/m);
}, 60_000);

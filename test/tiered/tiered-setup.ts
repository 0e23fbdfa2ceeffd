/**
 * Shared setup of the tiered-storage tests: a broker whose object store is s3rver behind the
 * fault proxy (s3-harness.ts), a tiered topic with 1 MiB segments and local.retention.ms far
 * below retention.ms, deterministic records (distinct keys, values of varied sizes, a header),
 * and the wait until the oldest segments exist only in the object store.
 */
import { expect } from "bun:test";
import { Kafka, logLevel } from "kafkajs";
import type { BrokerConfig } from "../../src/config/config.ts";
import type { StartOptions } from "../../src/server/broker.ts";
import { startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import type { S3Harness } from "./s3-harness.ts";

export const SEGMENT_BYTES = 1024 * 1024;

export function remoteConfig(s3: S3Harness, prefix = "cluster-a/"): Partial<BrokerConfig> {
  return {
    remoteStorageEndpoint: s3.endpoint,
    remoteStorageBucket: s3.bucket,
    remoteStoragePrefix: prefix,
    remoteStorageRegion: "us-east-1",
    remoteStorageAccessKeyId: "S3RVER",
    remoteStorageSecretAccessKey: "S3RVER",
    remoteStoragePathStyle: true,
  };
}

/** Test-sized periods: a pass every 50 ms, quick retries, small chunks (so reads span several). */
export const TEST_TIERING: NonNullable<StartOptions["tiered"]> = { taskIntervalMs: 50, retryBackoffMs: 50, retryBackoffMaxMs: 400, chunkBytes: 128 * 1024, cacheBytes: 2 * 1024 * 1024 };

export function startTieredBroker(s3: S3Harness, dataDir = tempDir(), extra: Partial<BrokerConfig> = {}): Promise<TestBroker> {
  return startTestBroker({ ...remoteConfig(s3), ...extra }, dataDir, { tiered: TEST_TIERING });
}

export const TIERED_TOPIC_CONFIGS = {
  "remote.storage.enable": "true",
  "segment.bytes": String(SEGMENT_BYTES),
  "local.retention.ms": "1",
  "retention.ms": String(7 * 24 * 3600 * 1000),
};

export interface TestRecord {
  key: string;
  value: Buffer;
  header: string;
}

/**
 * Record i: key k-i, a value of 200..1800 printable ASCII bytes derived from i (no tab or newline,
 * so line-based client output such as kcat's can be compared byte for byte), header h=i.
 */
export function record(i: number): TestRecord {
  const size = 200 + ((i * 7919) % 1600);
  const value = Buffer.alloc(size);
  for (let j = 0; j < size; j++) value[j] = 33 + ((i * 31 + j * 17) % 94);
  return { key: `k-${i}`, value, header: String(i) };
}

export function kafka(bootstrap: string, clientId = "tiered-test"): Kafka {
  return new Kafka({ clientId, brokers: bootstrap.split(","), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } });
}

export async function createTieredTopic(bootstrap: string, topic: string, configs: Record<string, string> = TIERED_TOPIC_CONFIGS, replicationFactor = 1): Promise<void> {
  const admin = new Kafka({ clientId: "tiered-admin", brokers: bootstrap.split(","), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const ok = await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }], waitForLeaders: true });
    expect(ok).toBe(true);
  } finally {
    await admin.disconnect();
  }
}

/** Produces records [from, to) in batches of 100 with kafkajs (acks=all). */
export async function produceRange(bootstrap: string, topic: string, from: number, to: number): Promise<void> {
  const producer = kafka(bootstrap).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = from; i < to; i += 100) {
      const messages = [];
      for (let j = i; j < Math.min(to, i + 100); j++) {
        const r = record(j);
        messages.push({ key: r.key, value: r.value, headers: { h: r.header } });
      }
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * Runs retention until the local log starts past `minLocalStart` (so the records below exist only
 * remotely). Bounded: fails after `timeoutMs`.
 */
export async function waitUntilTiered(tb: TestBroker, topic: string, minLocalStart: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const log = tb.broker.context.partitions.hosted(topic, 0)!.log;
  for (;;) {
    tb.broker.context.partitions.logs.runMaintenance(undefined, true);
    if (log.logStartOffset >= minLocalStart) return;
    if (Date.now() > deadline) throw new Error(`local log of ${topic} still starts at ${log.logStartOffset} (want >= ${minLocalStart}); copied up to ${tb.broker.context.tiered?.manager.metadata.copiedUpTo(tb.broker.context.topics.get(topic)!.id, 0)}`);
    await Bun.sleep(50);
  }
}

/** Consumes [0, count) from the beginning with a kafkajs consumer and checks every record byte-exact. */
export async function consumeAllKafkajs(bootstrap: string, topic: string, count: number, groupId: string, timeoutMs = 60_000): Promise<void> {
  const consumer = kafka(bootstrap, groupId).consumer({ groupId, maxBytes: 512 * 1024, retry: { retries: 50, initialRetryTime: 100, maxRetryTime: 1000 } });
  await consumer.connect();
  const got: { offset: number; key: string; value: Buffer; header: string }[] = [];
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kafkajs consumed ${got.length} of ${count} records`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            got.push({ offset: Number(message.offset), key: message.key!.toString(), value: message.value!, header: message.headers!.h!.toString() });
            if (got.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await done;
  } finally {
    await consumer.disconnect();
  }
  expect(got.length).toBe(count);
  for (let i = 0; i < count; i++) {
    const want = record(i);
    const g = got[i]!;
    if (g.offset !== i || g.key !== want.key || g.header !== want.header || !g.value.equals(want.value)) {
      throw new Error(`record ${i}: got offset ${g.offset} key ${g.key} header ${g.header} value of ${g.value.length} bytes; want ${want.key} ${want.header} ${want.value.length} bytes`);
    }
  }
}

/** The expected line of record i in the clients' "offset\tkey\tvalue\theader" output. */
export function expectedLine(i: number): string {
  const r = record(i);
  return `${i}\t${r.key}\t${r.value.toString("latin1")}\t${r.header}`;
}

/** Checks client output lines (one per record, offsets 0..count-1 in order) against the records. */
export function checkLines(client: string, lines: string[], count: number): void {
  if (lines.length !== count) throw new Error(`${client}: ${lines.length} records, want ${count}`);
  for (let i = 0; i < count; i++) {
    if (lines[i] !== expectedLine(i)) throw new Error(`${client}: record ${i} differs: ${lines[i]!.slice(0, 120)}`);
  }
}

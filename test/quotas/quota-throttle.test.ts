/**
 * Client quotas enforced (src/security/quota-enforcement.ts) with real clients over real sockets:
 *
 * - kafkajs producers: client id "slow" under a producer_byte_rate quota of 200 KB/s and "fast"
 *   without one send 2 MB each at the same time. The slow one is answered throttle_time_ms > 0
 *   (read from kafkajs's own debug log: it logs each Produce answer and the throttle it honours) and its achieved rate over the run
 *   is at most 2× the quota (Kafka documents its quotas as approximate over the window) and under
 *   half the fast one's, measured in the same run; the fast one is never throttled.
 * - a consumer_byte_rate quota: Fetch answers go out without data and with throttle_time_ms once
 *   the rate is over it, as Kafka's throttled FetchResponse.
 *
 * The broker runs with quota_window_num 3 (Kafka's default is 11) so the burst a new client gets
 * before any rate can be over (quota × (samples − 1) windows) is 2 s, not 10 s, and the test short.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Kafka, logLevel } from "kafkajs";
import { AlterClientQuotas } from "../../src/protocol/messages/alter-client-quotas.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { RawClient, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const QUOTA_BYTES_PER_SEC = 200 * 1024;
const TOTAL_BYTES = 2 * 1024 * 1024;
const MESSAGE_BYTES = 1024;
const MESSAGES_PER_SEND = 64;

let tb: TestBroker;
let admin: RawClient;
beforeAll(async () => {
  tb = await startTestBroker({ quotaWindowNum: 3, quotaWindowSizeSeconds: 1, autoCreateTopicsEnable: false });
  admin = await RawClient.connect(tb.port);
  const created = await admin.call(CreateTopics, 5, { topics: ["q", "f"].map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 5000, validateOnly: false });
  expect(created.topics.map((t: any) => t.errorCode)).toEqual([0, 0]);
});
afterAll(async () => {
  admin?.close();
  await tb?.stop();
});

async function setQuota(entity: { entityType: string; entityName: string | null }[], key: string, value: number): Promise<void> {
  const r = await admin.call(AlterClientQuotas, 1, { entries: [{ entity, ops: [{ key, value, remove: false }] }], validateOnly: false });
  expect(r.entries[0].errorCode).toBe(0);
}

/** Sends TOTAL_BYTES as clientId; answers the achieved rate (bytes/s) and the throttles answered. */
async function produceAll(clientId: string): Promise<{ bytesPerSec: number; throttles: number[] }> {
  const throttles: number[] = [];
  let pending = 0;
  const kafka = new Kafka({
    clientId,
    brokers: [tb.bootstrap],
    retry: { retries: 2 },
    requestTimeout: 60_000,
    logLevel: logLevel.DEBUG,
    logCreator: () => (entry: any) => {
      const log = entry.log;
      if (typeof log?.message !== "string") return;
      // kafkajs logs every Produce answer, and "Client side throttling in effect for N ms" when
      // one carries throttle_time_ms (KIP-219 versions: it then holds its own requests back too).
      // The throttle line comes first (kafkajs reads it while decoding), then the answer's line.
      const m = /^Client side throttling in effect for (\d+)ms/.exec(log.message);
      if (m) pending = Number(m[1]);
      if (log.message.startsWith("Response Produce")) {
        throttles.push(pending);
        pending = 0;
      }
    },
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const value = Buffer.alloc(MESSAGE_BYTES, 120);
  const sends = Math.ceil(TOTAL_BYTES / (MESSAGE_BYTES * MESSAGES_PER_SEND));
  const started = performance.now();
  for (let i = 0; i < sends; i++) {
    await producer.send({ topic: "q", acks: 1, messages: Array.from({ length: MESSAGES_PER_SEND }, () => ({ value })) });
  }
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  return { bytesPerSec: TOTAL_BYTES / seconds, throttles };
}

describe("client quotas throttle", () => {
  test(
    "a producer over its producer_byte_rate is throttled to about its quota; one without a quota is not",
    async () => {
      await setQuota([{ entityType: "client-id", entityName: "slow" }], "producer_byte_rate", QUOTA_BYTES_PER_SEC);
      const [slow, fast] = await Promise.all([produceAll("slow"), produceAll("fast")]);
      console.log(`quota ${QUOTA_BYTES_PER_SEC} B/s: slow ${Math.round(slow.bytesPerSec)} B/s (${slow.throttles.filter((t) => t > 0).length} throttled answers, max ${Math.max(...slow.throttles)} ms), fast ${Math.round(fast.bytesPerSec)} B/s`);
      expect(slow.throttles.length).toBeGreaterThan(0);
      expect(slow.throttles.some((t) => t > 0)).toBe(true);
      expect(fast.throttles.length).toBeGreaterThan(0);
      expect(fast.throttles.every((t) => t === 0)).toBe(true);
      expect(slow.bytesPerSec).toBeLessThanOrEqual(2 * QUOTA_BYTES_PER_SEC);
      expect(slow.bytesPerSec).toBeLessThan(fast.bytesPerSec / 2);
    },
    120_000,
  );

  test(
    "a consumer over its consumer_byte_rate gets answers without data and with throttle_time_ms",
    async () => {
      // 1 MB in topic f, then fetches of up to 256 KB as client id "takhin-test" (the raw client's)
      // under a 64 KB/s quota: the window allows 128 KB, so the first answer with data is let
      // through and a later one is throttled.
      const kafka = new Kafka({ clientId: "loader", brokers: [tb.bootstrap], logLevel: logLevel.NOTHING });
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      const value = Buffer.alloc(MESSAGE_BYTES, 121);
      for (let i = 0; i < 16; i++) await producer.send({ topic: "f", acks: 1, messages: Array.from({ length: 64 }, () => ({ value })) });
      await producer.disconnect();
      await setQuota([{ entityType: "client-id", entityName: "takhin-test" }], "consumer_byte_rate", 64 * 1024);
      const c = await RawClient.connect(tb.port);
      try {
        let offset = 0n;
        const answers: { bytes: number; throttleTimeMs: number }[] = [];
        for (let i = 0; i < 4; i++) {
          const r = await c.call(Fetch, 11, {
            replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 256 * 1024, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
            topics: [{ topic: "f", partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: 100 * 1024 }] }],
            forgottenTopicsData: [], rackId: "",
          });
          const parts = r.responses.flatMap((t: any) => t.partitions);
          const bytes = parts.reduce((n: number, p: any) => n + (p.records?.byteLength ?? 0), 0);
          answers.push({ bytes, throttleTimeMs: r.throttleTimeMs });
          if (bytes > 0) offset = parts[0].highWatermark > offset ? offset + 64n : offset; // move on a little; the content is not the point
        }
        console.log("fetch answers", JSON.stringify(answers));
        expect(answers[0]!.bytes).toBeGreaterThan(0);
        expect(answers[0]!.throttleTimeMs).toBe(0);
        const throttled = answers.filter((a) => a.throttleTimeMs > 0);
        expect(throttled.length).toBeGreaterThan(0);
        for (const a of throttled) expect(a.bytes).toBe(0);
      } finally {
        c.close();
      }
    },
    60_000,
  );
});

/**
 * Per-record produce errors (KIP-467) as Kafka's LogValidator reports them: a batch refused because
 * some of its records break a rule names each offending record (batchIndex and message) and the
 * partition's errorMessage is Kafka's summary. Raw requests over a real socket; @platformatic/kafka,
 * which surfaces the broker's errorMessage; librdkafka 2.0.2 (confluent-kafka-python), which shows
 * only the error code (its delivery report does not carry the broker's message).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { buildRecordBatch, Compression, type NewRecord } from "../../src/protocol/record-batch.ts";
import { recompressBatch } from "../../src/compression/index.ts";
import { NODE, PYTHON, runClient } from "../clients/clients.ts";
import { RawClient, removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const enc = new TextEncoder();
const DAY_MS = 86_400_000n;
let tb: TestBroker;
let c: RawClient;
let correlation = 1;

beforeAll(async () => {
  tb = await startTestBroker({ autoCreateTopicsEnable: false });
  tb.broker.context.topics.create("compacted", 1, { "cleanup.policy": "compact", "message.timestamp.before.max.ms": String(DAY_MS) });
  tb.broker.context.topics.create("windowed", 1, { "message.timestamp.before.max.ms": String(DAY_MS), "message.timestamp.after.max.ms": "3600000" });
  c = await RawClient.connect(tb.port);
});
afterAll(async () => {
  c.close();
  await tb.stop();
  removeDir(tb.dataDir);
});

async function produce(topic: string, records: Uint8Array, version = 9) {
  const res = await c.call(Produce, version, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }, correlation++);
  return res.responses[0].partitionResponses[0];
}

const rec = (key: string | null, timestampMs: bigint): NewRecord => ({ key: key === null ? null : enc.encode(key), value: enc.encode("v"), timestampMs });
const keyMessage = "Compacted topic cannot accept message without key in topic partition compacted-0";

describe("recordErrors (KIP-467)", () => {
  test("keyless records on a compacted topic: each named, INVALID_RECORD with Kafka's summary, nothing appended", async () => {
    const now = BigInt(Date.now());
    const r = await produce("compacted", buildRecordBatch({ records: [rec("a", now), rec(null, now), rec("c", now), rec(null, now), rec(null, now), rec(null, now)] }));
    expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(r.baseOffset).toBe(-1n);
    expect(r.recordErrors).toEqual([1, 3, 4, 5].map((i) => ({ batchIndex: i, batchIndexErrorMessage: keyMessage })));
    const shown = [1, 3, 4].map((i) => `RecordError(batchIndex=${i}, message='${keyMessage}')`).join(", ");
    expect(r.errorMessage).toBe(`One or more records have been rejected due to 4 record errors in total, and only showing the first three errors at most: [${shown}]`);
    expect(tb.broker.context.partitions.get("compacted", 0)!.logEndOffset).toBe(0);
  });

  test("the same inside a compressed batch", async () => {
    const now = BigInt(Date.now());
    const plain = buildRecordBatch({ records: [rec(null, now), rec("b", now)] });
    const r = await produce("compacted", recompressBatch(plain, Compression.gzip));
    expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(r.recordErrors).toEqual([{ batchIndex: 0, batchIndexErrorMessage: keyMessage }]);
  });

  test("records outside the timestamp window: each named with its timestamp, INVALID_TIMESTAMP", async () => {
    const now = BigInt(Date.now());
    const old = now - 2n * DAY_MS;
    const future = now + 2n * DAY_MS;
    const r = await produce("windowed", buildRecordBatch({ baseTimestampMs: now, records: [rec("a", now), rec("b", old), rec("c", now), rec("d", future)] }));
    expect(r.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(r.errorMessage).toBe("One or more records have been rejected due to invalid timestamp");
    expect(r.recordErrors.map((e: { batchIndex: number }) => e.batchIndex)).toEqual([1, 3]);
    expect(r.recordErrors[0].batchIndexErrorMessage).toMatch(new RegExp(`^Timestamp ${old} of message with offset 1 is out of range\\. The timestamp should be within \\[\\d+, \\d+\\]$`));
    expect(r.recordErrors[1].batchIndexErrorMessage).toContain(`Timestamp ${future} of message with offset 3 is out of range`);
    expect(tb.broker.context.partitions.get("windowed", 0)!.logEndOffset).toBe(0);
  });

  test("both rules in one batch: the timestamp summary wins, a keyless record's timestamp is not checked", async () => {
    const now = BigInt(Date.now());
    const old = now - 2n * DAY_MS;
    const r = await produce("compacted", buildRecordBatch({ baseTimestampMs: now, records: [rec(null, old), rec("b", old), rec("c", now)] }));
    expect(r.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(r.recordErrors.map((e: { batchIndex: number; batchIndexErrorMessage: string }) => [e.batchIndex, e.batchIndexErrorMessage.slice(0, 20)])).toEqual([
      [0, "Compacted topic cann"],
      [1, `Timestamp ${old}`.slice(0, 20)],
    ]);
  });

  test("a valid batch still appends with no record errors", async () => {
    const now = BigInt(Date.now());
    const r = await produce("compacted", buildRecordBatch({ records: [rec("a", now)] }));
    expect(r.errorCode).toBe(0);
    expect(r.recordErrors).toEqual([]);
  });

  test("@platformatic/kafka surfaces the broker's errorMessage naming the offending record", async () => {
    const script = `
import { Producer } from "@platformatic/kafka";
const producer = new Producer({ clientId: "record-errors", bootstrapBrokers: [process.argv[1]], timeout: 10000, retries: 0, idempotent: false, acks: -1, autocreateTopics: false });
const out = {};
try {
  await producer.send({ messages: [{ topic: "compacted", key: Buffer.from("k"), value: Buffer.from("1") }, { topic: "compacted", value: Buffer.from("no key") }] });
  out.sent = true;
} catch (e) {
  const inner = (e.errors ?? [e]).flatMap((x) => x.errors ?? [x]);
  out.messages = inner.map((x) => x.serverErrorMessage ?? x.message);
  out.codes = inner.map((x) => x.apiCode);
}
await producer.close();
console.log(JSON.stringify(out));
`;
    const r = await runClient([NODE, "--input-type=module", "-e", script, tb.bootstrap], 30_000);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(out.sent).toBeUndefined();
    expect(out.codes).toContain(ErrorCode.INVALID_RECORD);
    expect(out.messages.join("\n")).toContain(`One or more records have been rejected due to 1 record errors in total, and only showing the first three errors at most: [RecordError(batchIndex=1, message='${keyMessage}')]`);
  }, 40_000);

  test("librdkafka (confluent-kafka-python) fails the keyless record with INVALID_RECORD and keeps producing", async () => {
    const script = `
import sys, json
from confluent_kafka import Producer
out = []
p = Producer({"bootstrap.servers": sys.argv[1], "acks": "all", "retries": 0, "linger.ms": 0})
p.produce("compacted", value=b"no key", on_delivery=lambda err, msg: out.append(None if err is None else err.code()))
p.flush(10)
p.produce("compacted", key=b"k", value=b"keyed", on_delivery=lambda err, msg: out.append(None if err is None else err.code()))
p.flush(10)
print(json.dumps(out))
`;
    const r = await runClient([PYTHON, "-c", script, tb.bootstrap], 30_000);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual([ErrorCode.INVALID_RECORD, null]);
  }, 40_000);
});

/**
 * kill -9 of the broker process during heavy produce: three connections pipeline acks=1 Produce
 * requests of ~100 KiB batches (the path that writes behind the event loop, storage's
 * write-behind) and note every acknowledged batch (base offset, record count, CRC); after a number
 * of acknowledgements the broker is killed with SIGKILL mid-stream, started again on the same data
 * directory, and every acknowledged batch must be served again, intact, at its offset, with the
 * offsets dense from 0 to the log end. acks=-1 is checked the same way on a second topic. The
 * broker writes every such append behind (log_write_behind=always), then again with the default
 * (off: every append written before it is answered).
 */
import { expect, test } from "bun:test";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { buildRecordBatch, readBatchHeader } from "../../src/protocol/record-batch.ts";
import { decodeResponse, RawClient, removeDir, requestFrame, tempDir } from "../helpers/broker.ts";
import { spawnBroker } from "../helpers/broker-process.ts";

const CONNECTIONS = 3;
const IN_FLIGHT = 4;
const ACKS_BEFORE_KILL = 240;
const RECORDS_PER_BATCH = 100;
const PRODUCE_VERSION = 9;
const FETCH_VERSION = 12;

interface Acked {
  base: bigint;
  count: number;
  crc: number;
}

function batch(seed: number): { bytes: Uint8Array; crc: number } {
  const bytes = buildRecordBatch({ records: Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({ key: null, value: new Uint8Array(1000).fill((seed + i) & 255) })) });
  return { bytes, crc: new DataView(bytes.buffer, bytes.byteOffset).getUint32(17) };
}

/** Pipelines Produce requests on one connection until `stop()` is true; records each acknowledged batch. */
async function produceUntil(port: number, topic: string, acks: number, onAck: (a: Acked) => void, stop: () => boolean, seed: number): Promise<void> {
  const c = await RawClient.connect(port);
  const sent = new Map<number, number>(); // correlation id -> crc
  let correlation = 1;
  let answered = 0;
  const send = () => {
    const b = batch(seed + correlation);
    sent.set(correlation, b.crc);
    c.write(requestFrame(Produce, PRODUCE_VERSION, correlation++, { transactionalId: null, acks, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: 0, records: b.bytes }] }] }));
  };
  for (let i = 0; i < IN_FLIGHT; i++) send();
  while (!stop() && !c.closed) {
    await c.waitFrames(answered + 1, 2000);
    while (c.frames.length > answered) {
      const { correlationId, body } = decodeResponse(Produce, PRODUCE_VERSION, c.frames[answered++]!);
      const p = body.responses[0].partitionResponses[0];
      expect(p.errorCode).toBe(0);
      onAck({ base: p.baseOffset, count: RECORDS_PER_BATCH, crc: sent.get(correlationId)! });
      if (!stop()) send();
    }
  }
  c.close();
}

async function createTopic(port: number, name: string): Promise<void> {
  const c = await RawClient.connect(port);
  await c.call(Metadata, 12, { topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
  c.close();
}

/** Every batch of partition 0 from offset 0, by base offset, checking that offsets are dense. */
async function readAll(port: number, topic: string): Promise<Map<bigint, { count: number; crc: number }>> {
  const c = await RawClient.connect(port);
  const out = new Map<bigint, { count: number; crc: number }>();
  let offset = 0n;
  for (let round = 0; round < 10_000; round++) {
    const res = await c.call(Fetch, FETCH_VERSION, {
      maxWaitMs: 0, minBytes: 1, maxBytes: 64 * 1024 * 1024, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, topicId: "AAAAAAAAAAAAAAAAAAAAAA", partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 16 * 1024 * 1024 }] }],
      forgottenTopicsData: [], rackId: "",
    }, round + 1);
    const p = res.responses[0].partitions[0];
    expect(p.errorCode).toBe(0);
    const records: Uint8Array | null = p.records;
    if (!records || records.length === 0) break;
    for (let pos = 0; pos + 61 <= records.length; ) {
      const h = readBatchHeader(records, pos);
      if (pos + 12 + h.batchLength > records.length) break;
      expect(h.baseOffset).toBe(offset);
      out.set(h.baseOffset, { count: h.lastOffsetDelta + 1, crc: h.crc >>> 0 });
      offset = h.baseOffset + BigInt(h.lastOffsetDelta + 1);
      pos += 12 + h.batchLength;
    }
    if (offset >= p.highWatermark) break;
  }
  c.close();
  return out;
}

for (const policy of ["always", "off"])
test(`kill -9 during heavy produce: every acknowledged batch is served again after the restart (acks=1 and acks=-1, log_write_behind=${policy})`, async () => {
  const dir = tempDir();
  try {
    const b = await spawnBroker(dir, { TAKHIN_LOG_WRITE_BEHIND: policy });
    const ackedByTopic = new Map<string, Acked[]>();
    for (const t of ["heavy-acks1", "heavy-acksall"]) {
      await createTopic(b.port, t);
      ackedByTopic.set(t, []);
    }
    let total = 0;
    const stop = () => total >= ACKS_BEFORE_KILL;
    const runs: Promise<void>[] = [];
    for (let i = 0; i < CONNECTIONS; i++) {
      const topic = i === 0 ? "heavy-acksall" : "heavy-acks1";
      const onAck = (a: Acked) => {
        ackedByTopic.get(topic)!.push(a);
        total++;
      };
      runs.push(produceUntil(b.port, topic, topic === "heavy-acksall" ? -1 : 1, onAck, stop, i * 7919));
    }
    // Killed while requests are still in flight on every connection.
    while (!stop()) await Bun.sleep(5);
    await b.kill();
    await Promise.all(runs);
    expect(b.proc.signalCode).toBe("SIGKILL");

    const again = await spawnBroker(dir);
    try {
      for (const [topic, acked] of ackedByTopic) {
        expect(acked.length).toBeGreaterThan(0);
        const stored = await readAll(again.port, topic);
        for (const a of acked) expect(stored.get(a.base)).toEqual({ count: a.count, crc: a.crc });
      }
    } finally {
      await again.stop();
    }
  } finally {
    removeDir(dir);
  }
}, 90_000);

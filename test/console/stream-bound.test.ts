/**
 * The message viewer streams a topic without holding it: the export stream (GET
 * /api/topics/:t/export, NDJSON) over a topic 64 times the console's Fetch buffer
 * (CONSOLE_FETCH_MAX_BYTES) delivers every message while the console never holds more than one
 * Fetch answer (its byte accounting, ReadStats.peakHeldBytes), and it pulls the next Fetch only as
 * the reader takes data: while the reader pauses, the console stops fetching well short of the end.
 * TAKHIN_CONSOLE_FULL=1 streams 1 GiB instead (the figure; minutes).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { CONSOLE_FETCH_MAX_BYTES } from "../../src/limits.ts";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { createTopic, startConsoleBroker, type ConsoleBroker } from "./helpers.ts";

const FULL = process.env.TAKHIN_CONSOLE_FULL === "1";
const VALUE_BYTES = 1024;
const TOPIC_BYTES = FULL ? 1024 * 1024 * 1024 : 64 * CONSOLE_FETCH_MAX_BYTES;
const RECORDS = TOPIC_BYTES / VALUE_BYTES;
const PER_BATCH = 256;

let cb: ConsoleBroker;
beforeAll(async () => {
  cb = await startConsoleBroker();
  await createTopic(cb.client, "big", 1);
  const value = new Uint8Array(VALUE_BYTES).fill(0x61);
  const records = Array.from({ length: PER_BATCH }, () => ({ key: null, value }));
  const batch = buildRecordBatch({ records });
  for (let i = 0; i < RECORDS / PER_BATCH; i++) await cb.client.produce("big", 0, batch);
}, FULL ? 600_000 : 60_000);
afterAll(async () => {
  await cb?.stop();
});

test(`streams ${TOPIC_BYTES / 1024 / 1024} MiB through a ${CONSOLE_FETCH_MAX_BYTES / 1024 / 1024} MiB buffer, pulled by the reader`, async () => {
  const stats = cb.service.console!.stats;
  const res = await fetch(`${cb.url}/api/topics/big/export?format=ndjson&valueFormat=hex`);
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const first = await reader.read();
  expect(first.done).toBe(false);
  // The reader pauses: the console goes on only as far as the socket's buffers take it.
  await Bun.sleep(500);
  const fetchesWhilePaused = stats.fetches;
  const totalFetches = TOPIC_BYTES / CONSOLE_FETCH_MAX_BYTES;
  expect(fetchesWhilePaused).toBeLessThan(totalFetches / 4);
  let lines = 0;
  let tail = "";
  let bytes = first.value!.length;
  const count = (chunk: Uint8Array) => {
    const text = tail + new TextDecoder().decode(chunk);
    const parts = text.split("\n");
    tail = parts.pop()!;
    lines += parts.length;
  };
  count(first.value!);
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    count(value);
    if ((lines & 0x3fff) === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }
  expect(tail).toBe("");
  expect(lines).toBe(RECORDS);
  expect(stats.peakHeldBytes).toBeGreaterThan(0);
  expect(stats.peakHeldBytes).toBeLessThanOrEqual(CONSOLE_FETCH_MAX_BYTES);
  expect(stats.heldBytes).toBe(0);
  console.log(`stream-bound: ${RECORDS} messages, ${TOPIC_BYTES} topic bytes, ${bytes} NDJSON bytes, ${stats.fetches} fetches (${fetchesWhilePaused} while the reader paused), peak held ${stats.peakHeldBytes} bytes; the test process (client and console both) grew by ${Math.round((rssPeak - rssBefore) / 1024 / 1024)} MiB RSS (garbage not yet collected counts)`);
}, FULL ? 600_000 : 60_000);

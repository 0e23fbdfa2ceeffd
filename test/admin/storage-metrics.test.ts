/**
 * /metrics for storage (issue 18 item 2): fsync latency by kind of file, flushes, retention and the
 * cleaner, moved by real work on an in-process broker — produce with flush.messages=1 (every append
 * fsyncs), a retention pass that deletes segments, a compaction of a keyed topic — and read back
 * through the strict exposition parser.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { KafkaClient } from "../../src/client/index.ts";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { parseExposition, type Family } from "./exposition.ts";

let b: TestBroker;
let client: KafkaClient;
let metricsUrl: string;

beforeAll(async () => {
  b = await startTestBroker();
  metricsUrl = `http://127.0.0.1:${b.broker.services.get("admin-api")!.port}/metrics`;
  client = await KafkaClient.connect({ bootstrap: b.bootstrap });
});
afterAll(async () => {
  client?.close();
  await b?.stop();
});

async function scrape(): Promise<Map<string, Family>> {
  const r = await fetch(metricsUrl);
  expect(r.status).toBe(200);
  return parseExposition(await r.text());
}
function value(fams: Map<string, Family>, sample: string, labels: Record<string, string> = {}): number {
  const family = [...fams.values()].find((f) => f.samples.some((s) => s.name === sample));
  const hit = family?.samples.find((s) => s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (!hit) throw new Error(`no sample ${sample} ${JSON.stringify(labels)}`);
  return hit.value;
}
const enc = (s: string) => new TextEncoder().encode(s);
const hosted = (topic: string) => b.broker.context.partitions.hosted(topic, 0)!;

test("fsync latency by kind grows with flush.messages=1 produces; buckets are cumulative", async () => {
  const before = await scrape();
  const logBefore = value(before, "takhin_storage_fsync_seconds_count", { kind: "log" });
  await client.createTopics([{ name: "flushy", numPartitions: 1, replicationFactor: 1, configs: { "flush.messages": "1" } }]);
  for (let i = 0; i < 20; i++) await client.produce("flushy", 0, buildRecordBatch({ records: [{ value: enc(`v${i}`) }] }));
  const after = await scrape();
  // Every append is fsynced: at least one log fsync per produce.
  expect(value(after, "takhin_storage_fsync_seconds_count", { kind: "log" }) - logBefore).toBeGreaterThanOrEqual(20);
  expect(value(after, "takhin_storage_fsync_seconds_sum", { kind: "log" })).toBeGreaterThan(0);
  // The family is a histogram whose +Inf bucket equals the count (the parser checks monotony).
  expect(after.get("takhin_storage_fsync_seconds")!.type).toBe("histogram");
  for (const kind of ["log", "index", "dir", "wal"]) {
    expect(value(after, "takhin_storage_fsync_seconds_bucket", { kind, le: "+Inf" })).toBe(value(after, "takhin_storage_fsync_seconds_count", { kind }));
  }
  // Creating the topic's folder synced a directory.
  expect(value(after, "takhin_storage_fsync_seconds_count", { kind: "dir" })).toBeGreaterThan(0);
});

test("a retention pass that deletes segments is counted", async () => {
  await client.createTopics([{ name: "short", numPartitions: 1, replicationFactor: 1, configs: { "retention.ms": "1" } }]);
  const p = hosted("short");
  for (let i = 0; i < 3; i++) {
    await client.produce("short", 0, buildRecordBatch({ records: [{ value: enc(`old${i}`), timestampMs: BigInt(Date.now() - 3_600_000) }] } as never));
    p.log.rollNow();
  }
  const before = await scrape();
  const deleted = b.broker.context.partitions.logs.runMaintenance(Date.now(), true).deletedSegments;
  expect(deleted).toBeGreaterThanOrEqual(3);
  const after = await scrape();
  expect(value(after, "takhin_log_retention_deleted_segments_total") - value(before, "takhin_log_retention_deleted_segments_total")).toBe(deleted);
  expect(value(after, "takhin_log_retention_passes_total")).toBeGreaterThan(value(before, "takhin_log_retention_passes_total"));
});

test("a compaction is counted with the bytes it read and wrote and the records it removed", async () => {
  await client.createTopics([{ name: "table", numPartitions: 1, replicationFactor: 1, configs: { "cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.01" } }]);
  for (let i = 0; i < 200; i++) await client.produce("table", 0, buildRecordBatch({ records: [{ key: enc(`k${i % 10}`), value: enc(`v${i}`) }] }));
  hosted("table").log.rollNow();
  const before = await scrape();
  const stats = await b.broker.context.partitions.logs.cleaner.runOnce(Date.now() + 3_600_000);
  const cleaned = stats.find((s) => s.aborted === null);
  expect(cleaned).toBeDefined();
  const after = await scrape();
  const delta = (name: string) => value(after, name) - value(before, name);
  expect(delta("takhin_log_cleaner_cleanings_total")).toBeGreaterThanOrEqual(1);
  expect(delta("takhin_log_cleaner_removed_records_total")).toBeGreaterThanOrEqual(190);
  expect(delta("takhin_log_cleaner_read_bytes_total")).toBeGreaterThan(delta("takhin_log_cleaner_written_bytes_total"));
  expect(delta("takhin_log_cleaner_failures_total")).toBe(0);
});

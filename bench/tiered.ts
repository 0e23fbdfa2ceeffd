#!/usr/bin/env bun
/**
 * Tiered storage benchmark, in one process on this machine: an in-process broker whose object
 * store is s3rver (npm devDependency; loopback HTTP, files in a temp folder).
 *
 *  1. produce throughput: the same volume into a plain topic and into a tiered topic
 *     (remote.storage.enable, 8 MiB segments, local.retention.ms=1) while its rolled segments
 *     upload, interleaved plain/tiered/plain/tiered; acks=1, 100 records of 1 KiB per batch;
 *  2. once the tiered topic's local log holds only its active segment: remote read throughput
 *     from offset 0 to the last copied offset with 1 MiB fetches, cold (empty chunk cache) then
 *     warm (the whole history cached), with the chunk cache's hit ratio of each pass (prefetch
 *     turns most cold chunk loads into hits for a sequential reader);
 *  3. time to first byte: fetches at 12 spread offsets of the remote tier, each with an empty cache.
 *
 * Usage: bun bench/tiered.ts [MiB per produce run, default 64]
 * The page cache matters for the produce phase (docs FACTS.md): settle it first for comparable
 * figures (`sync; echo 3 > /proc/sys/vm/drop_caches`).
 */
import S3rver from "s3rver";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { KafkaClient } from "../src/client/index.ts";
import { buildRecordBatch } from "../src/protocol/record-batch.ts";
import { startBroker } from "../src/server/broker.ts";
import { createLogger } from "../src/util/log.ts";

const MIB = 1024 * 1024;
const mibPerRun = Number(process.argv[2] ?? 64);
const RECORD_BYTES = 1024;
const PER_BATCH = 100;
const root = fs.mkdtempSync(path.join(os.tmpdir(), "takhin-bench-tiered-"));
const s3dir = path.join(root, "s3");
fs.mkdirSync(s3dir);
const s3 = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: s3dir, configureBuckets: [{ name: "bench" }] });
const s3info = await s3.run();

const broker = await startBroker({
  env: {},
  log: createLogger({ level: "error", format: "text" }),
  tiered: { taskIntervalMs: 100, cacheBytes: 4 * mibPerRun * MIB + 64 * MIB, chunkBytes: MIB },
  overrides: {
    host: "127.0.0.1", kafkaPort: 0, adminApiPort: -1, schemaRegistryPort: -1, httpProxyPort: -1, consolePort: -1, dataDir: path.join(root, "data"),
    remoteStorageEndpoint: `http://127.0.0.1:${s3info.port}`, remoteStorageBucket: "bench", remoteStorageAccessKeyId: "S3RVER", remoteStorageSecretAccessKey: "S3RVER",
  } as never,
});
const client = await KafkaClient.connect({ bootstrap: [`127.0.0.1:${broker.kafkaPort}`] } as never);
const tieredConfigs = { "remote.storage.enable": "true", "segment.bytes": String(8 * MIB), "local.retention.ms": "1" };
await client.createTopics([{ name: "plain", numPartitions: 1, configs: { "segment.bytes": String(8 * MIB) } }, { name: "tiered", numPartitions: 1, configs: tieredConfigs }]);
const value = new Uint8Array(RECORD_BYTES).map((_, i) => 97 + (i % 26));
// One batch, sent again and again (the broker stamps offsets into its own copy): the client's cost stays out.
const BATCH = buildRecordBatch({ records: Array.from({ length: PER_BATCH }, () => ({ key: null, value })) });
const manager = broker.context.tiered!.manager;

async function produceRun(topic: string): Promise<number> {
  const batches = Math.ceil((mibPerRun * MIB) / (RECORD_BYTES * PER_BATCH));
  const t0 = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < batches; i++) {
    inFlight.push(client.produce(topic, 0, BATCH, { acks: 1 }));
    if (inFlight.length >= 8) await inFlight.shift();
  }
  await Promise.all(inFlight);
  return (batches * PER_BATCH * RECORD_BYTES) / MIB / ((performance.now() - t0) / 1000);
}

const fmt = (n: number) => n.toFixed(1);
const produced: Record<string, number[]> = { plain: [], tiered: [] };
const copiedBefore = manager.stats.segmentsCopied;
for (const topic of ["plain", "tiered", "plain", "tiered"]) produced[topic]!.push(await produceRun(topic));
const uploadsDuringProduce = manager.stats.segmentsCopied - copiedBefore;
console.log(`produce ${mibPerRun} MiB per run, 1 KiB records, acks=1, 8 in flight:`);
console.log(`  plain topic   ${produced.plain!.map(fmt).join(", ")} MiB/s`);
console.log(`  tiered topic  ${produced.tiered!.map(fmt).join(", ")} MiB/s (segments uploaded meanwhile: ${uploadsDuringProduce})`);

// Wait until everything but the active segment is remote and gone locally.
const topicId = broker.context.topics.get("tiered")!.id;
const log = broker.context.partitions.hosted("tiered", 0)!.log;
const deadline = Date.now() + 300_000;
while (log.segmentCount > 1 && Date.now() < deadline) {
  broker.context.partitions.logs.runMaintenance(undefined, true);
  await Bun.sleep(100);
}
const remoteEnd = manager.metadata.copiedUpTo(topicId, 0);
const remoteBytes = manager.metadata.chain(topicId, 0).reduce((n, s) => n + s.sizeBytes, 0);
console.log(`remote tier: offsets [0, ${remoteEnd}), ${fmt(remoteBytes / MIB)} MiB in ${manager.metadata.chain(topicId, 0).length} segments; local log starts at ${log.logStartOffset}`);

async function readPass(label: string, topic = "tiered", end = remoteEnd): Promise<void> {
  const cache = manager.reader.cache.stats;
  const h0 = cache.hits;
  const m0 = cache.misses;
  let offset = 0n;
  let bytes = 0;
  let first = -1;
  const t0 = performance.now();
  while (offset < BigInt(end)) {
    const p = await client.fetch(topic, 0, offset, { maxBytes: MIB, partitionMaxBytes: MIB, maxWaitMs: 0 });
    if (first < 0) first = performance.now() - t0;
    const records = p.records as Uint8Array | null;
    if (!records || records.length === 0) throw new Error(`no records at ${offset}`);
    bytes += records.length;
    // The next offset: after the last whole batch of the answer.
    let pos = 0;
    let next = offset;
    const v = new DataView(records.buffer, records.byteOffset, records.byteLength);
    while (pos + 61 <= records.length) {
      const base = v.getBigInt64(pos);
      const len = v.getInt32(pos + 8);
      const lastDelta = v.getInt32(pos + 23);
      next = base + BigInt(lastDelta) + 1n;
      pos += 12 + len;
    }
    offset = next;
  }
  const s = (performance.now() - t0) / 1000;
  const hits = cache.hits - h0;
  const misses = cache.misses - m0;
  console.log(`  ${label}: ${fmt(bytes / MIB / s)} MiB/s (${fmt(bytes / MIB)} MiB in ${(s * 1000).toFixed(0)} ms), first response ${first.toFixed(1)} ms, chunk cache hit ratio ${(hits / Math.max(1, hits + misses)).toFixed(3)} (${hits} hits, ${misses} misses)`);
}

console.log("reads from offset 0 (1 MiB fetches, the same loop):");
await readPass("local segments of the plain topic (reference)", "plain", remoteEnd);
manager.reader.cache.clear();
await readPass("remote, cold cache");
await readPass("remote, warm cache");

const ttfb: number[] = [];
for (let i = 0; i < 12; i++) {
  manager.reader.cache.clear();
  const offset = BigInt(Math.floor(((i + 0.5) / 12) * remoteEnd));
  const t0 = performance.now();
  await client.fetch("tiered", 0, offset, { maxBytes: MIB, partitionMaxBytes: MIB, maxWaitMs: 0 });
  ttfb.push(performance.now() - t0);
}
ttfb.sort((a, b) => a - b);
console.log(`time to first byte (cold cache, 12 offsets): p50 ${ttfb[6]!.toFixed(1)} ms, max ${ttfb[11]!.toFixed(1)} ms`);
console.log(`object store: ${JSON.stringify((broker.context.tiered!.store as { stats?: unknown }).stats)}`);

client.close();
await broker.stop(1000);
await s3.close();
fs.rmSync(root, { recursive: true, force: true });

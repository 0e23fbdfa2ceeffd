/**
 * HTTP Proxy produce benchmark: records/s, MB/s and request latency of POST /topics/{t} (v2,
 * binary embedded format) at 1, 100 and 1000 records per request, next to Kafka-protocol produce
 * with kafkajs at the same batch sizes, against the same broker process in the same run.
 *
 *   bun bench/http-proxy.bench.ts [--seconds 4] [--value-bytes 100] [--concurrency 4]
 *
 * The broker runs as a child process (bench/e2e/broker-proc.ts) with the proxy on a free port;
 * each case writes to its own one-partition topic for --seconds with --concurrency requests in
 * flight, acks=all on both paths. MB/s counts record value bytes. `sync` runs before each write
 * phase (the page cache is not dropped: that needs root; see FACTS.md on dirty pages).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { freePort, spawnBroker } from "./e2e/broker-proc.ts";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

const SECONDS = arg("seconds", 4);
const VALUE_BYTES = arg("value-bytes", 100);
const CONCURRENCY = arg("concurrency", 4);
const BATCHES = [1, 100, 1000];

interface Result {
  path: string;
  batch: number;
  records: number;
  seconds: number;
  p50: number;
  p99: number;
}

function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function runFor(path: string, batch: number, send: () => Promise<void>): Promise<Result> {
  Bun.spawnSync(["sync"]);
  // Warm-up: a second of the same load, not counted.
  const warmEnd = performance.now() + 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < warmEnd) await send();
  }));
  const lat: number[] = [];
  let requests = 0;
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      const s = performance.now();
      await send();
      lat.push(performance.now() - s);
      requests++;
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { path, batch, records: requests * batch, seconds, p50: pct(lat, 50), p99: pct(lat, 99) };
}

const dataDir = mkdtempSync(join(tmpdir(), "takhin-bench-proxy-"));
const proxyPort = freePort();
const broker = await spawnBroker({ dataDir, env: { TAKHIN_HTTP_PROXY_PORT: String(proxyPort), TAKHIN_LOG_LEVEL: "warn" } });
const url = `http://127.0.0.1:${proxyPort}`;
const kafka = new Kafka({ clientId: "bench-http-proxy", brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: BATCHES.flatMap((n) => [{ topic: `http-${n}`, numPartitions: 1 }, { topic: `kafka-${n}`, numPartitions: 1 }]), waitForLeaders: true });
await admin.disconnect();
const producer = kafka.producer({ allowAutoTopicCreation: false });
await producer.connect();

const value = Buffer.alloc(VALUE_BYTES, 0x61);
const b64 = value.toString("base64");
const results: Result[] = [];
try {
  for (const n of BATCHES) {
    const body = JSON.stringify({ records: Array.from({ length: n }, () => ({ value: b64 })) });
    results.push(
      await runFor("HTTP Proxy (v2 binary)", n, async () => {
        const r = await fetch(`${url}/topics/http-${n}`, { method: "POST", headers: { "Content-Type": "application/vnd.kafka.binary.v2+json" }, body });
        if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${await r.text()}`);
        await r.arrayBuffer();
      }),
    );
    const messages = Array.from({ length: n }, () => ({ value }));
    results.push(await runFor("Kafka protocol (kafkajs)", n, async () => void (await producer.send({ topic: `kafka-${n}`, acks: -1, messages }))));
  }
} finally {
  await producer.disconnect();
  await broker.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

console.log(`\nproduce, ${VALUE_BYTES}-byte values, ${CONCURRENCY} requests in flight, ${SECONDS} s per case, acks=all, one partition\n`);
console.log("| path | records/request | records/s | MB/s | p50 ms | p99 ms |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const r of results) {
  const rps = r.records / r.seconds;
  console.log(`| ${r.path} | ${r.batch} | ${Math.round(rps).toLocaleString("en")} | ${((rps * VALUE_BYTES) / 1e6).toFixed(1)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`);
}

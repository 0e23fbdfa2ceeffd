#!/usr/bin/env bun
/**
 * Log cleaner throughput and memory, Takhin vs Apache Kafka 4.4 (peer/kafka), same data, one run.
 *
 * For each broker in turn (a fresh data directory each; the page cache settled before each write
 * phase, FACTS.md "Disk and page cache"): a topic of one partition with cleanup.policy=delete and
 * segment.bytes=64 MiB is created and filled by the same client (confluent_kafka under
 * /usr/bin/python3, librdkafka 2.0.2, no compression): RECORDS records over KEYS keys (key i*7919 mod
 * KEYS, so every key is updated RECORDS/KEYS times), VALUE_BYTES-byte values. Then the topic's
 * configuration is altered to cleanup.policy=compact (AlterConfigs), so the broker's cleaner meets
 * one wholly dirty log (every sealed segment) and cleans it once, alone. The cleaner's own report
 * is read from the broker's log: Kafka's "Log cleaner thread 0 cleaned log ..." block (kafka.log in
 * the peer's node directory) and Takhin's "log cleaned" line (stderr); MB/s = dirty MB / seconds of
 * that cleaning, as each reports them (MB = 2^20 bytes, Kafka's unit). Memory: the broker's RSS
 * (/proc VmRSS, every 100 ms) just before the alter and its peak until the cleaning was reported,
 * and the same of its anonymous part (RssAnon: heap and key map; Takhin's RSS also counts the pages
 * of the memory-mapped segments it reads, which Kafka reads through FileChannel, outside its RSS),
 * and the cleaner's key map as configured (both 128 MiB by default: log.cleaner.dedupe.buffer.size,
 * log_cleaner_dedupe_buffer_size). While the cleaning runs, a Metadata v1 request on a new connection
 * every 20 ms measures how long the broker keeps a client waiting. Afterwards a confluent_kafka
 * consumer reads the topic from the beginning and counts records and distinct keys (both brokers
 * must end with every key).
 *
 * Both cleaners use their defaults otherwise: one cleaner thread, no IO throttle; the backoff
 * between looks for dirty logs is 1 s on both (Kafka's default is 15 s), which is not part of the
 * measured time.
 *
 * Usage: bun bench/cleaner-compare.ts [--records 1000000] [--keys 100000] [--value-bytes 1024]
 *        [--segment-mib 64] [--order takhin,kafka] [--out bench/results/cleaner]
 */
import { closeSync, existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startKafkaPeer } from "../peer/kafka/launcher.ts";
import { metadataBrokers } from "../peer/kafka/probe.ts";
import { freePort } from "./e2e/broker-proc.ts";
import { MemSampler, readMem } from "./e2e/procstat.ts";
import { settlePageCache } from "./compare/brokers.ts";

const { values: args } = parseArgs({
  options: {
    records: { type: "string", default: "1000000" },
    keys: { type: "string", default: "100000" },
    "value-bytes": { type: "string", default: "1024" },
    order: { type: "string", default: "takhin,kafka" },
    out: { type: "string", default: "bench/results/cleaner" },
    "segment-mib": { type: "string", default: "64" },
  },
});
const RECORDS = Number(args.records);
const KEYS = Number(args.keys);
const VALUE_BYTES = Number(args["value-bytes"]);
const SEGMENT_BYTES = Number(args["segment-mib"]) * 1024 * 1024;
const TOPIC = "cleaner-bench";
const PYTHON = "/usr/bin/python3";
const ROOT = join(import.meta.dir, "..");
const CLEAN_TIMEOUT_MS = 30 * 60_000;
const BACKOFF_MS = 1000;
const MAP_BYTES = 128 * 1024 * 1024;
const PROBE_EVERY_MS = 20;

const PRODUCE = `
import os, sys, time
from confluent_kafka import Producer
bootstrap, topic, records, keys, value_bytes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "batch.size": 1048576, "compression.type": "none", "acks": "all", "queue.buffering.max.kbytes": 262144})
pool = os.urandom(1 << 20)
t0 = time.time()
for i in range(records):
    key = b"key-%08d" % ((i * 7919) % keys)
    start = (i * 997) % ((1 << 20) - value_bytes)
    while True:
        try:
            p.produce(topic, key=key, value=pool[start:start + value_bytes], partition=0)
            break
        except BufferError:
            p.poll(0.01)
    if i % 1000 == 0:
        p.poll(0)
left = p.flush(120)
print("produced", records, "in", round(time.time() - t0, 2), "s; left", left)
sys.exit(1 if left else 0)
`;

const ADMIN = `
import sys
from confluent_kafka.admin import AdminClient, NewTopic, ConfigResource
bootstrap, topic, action, segment = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
a = AdminClient({"bootstrap.servers": bootstrap})
if action == "create":
    f = a.create_topics([NewTopic(topic, 1, 1, config={"cleanup.policy": "delete", "segment.bytes": segment})])
else:
    f = a.alter_configs([ConfigResource("TOPIC", topic, set_config={"cleanup.policy": "compact", "segment.bytes": segment})])
for k, v in f.items():
    v.result(30)
print(action, "ok")
`;

const COUNT = `
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "cleaner-bench-count", "enable.auto.commit": False, "enable.partition.eof": True, "auto.offset.reset": "earliest"})
c.assign([TopicPartition(sys.argv[2], 0, 0)])
records, keys = 0, set()
while True:
    m = c.poll(10)
    if m is None:
        break
    if m.error():
        if m.error().code() == -191:
            break
        raise Exception(m.error())
    records += 1
    keys.add(m.key())
print(records, len(keys))
c.close()
`;

interface BrokerHandle {
  bootstrap: string;
  pid: number;
  /** The cleaner's report so far: resolves once the topic's cleaning was logged. */
  cleaned(): CleanReport | null;
  stop(): Promise<void>;
}

interface CleanReport {
  dirtyMB: number;
  seconds: number;
  mbPerSec: number;
  endMB: number | null;
  detail: string;
}

function runPython(script: string, argv: string[], timeoutMs: number): string {
  const r = Bun.spawnSync([PYTHON, "-c", script, ...argv], { stdout: "pipe", stderr: "pipe", timeout: timeoutMs });
  const out = r.stdout.toString() + r.stderr.toString();
  if (r.exitCode !== 0) throw new Error(`python ${argv.join(" ")} exited ${r.exitCode}: ${out.slice(-2000)}`);
  return out.trim();
}

/** Kafka's multi-line LogCleaner report for `topic`-0, parsed. */
export function parseKafkaCleanerLog(text: string, topic: string): CleanReport | null {
  const at = text.indexOf(`cleaned log ${topic}-0 `);
  if (at < 0) return null;
  const block = text.slice(at, at + 2000);
  const num = (s: string) => Number(s.replace(/,/g, ""));
  const processed = /([\d,.]+) MB of log processed in ([\d,.]+) seconds \(([\d,.]+) MB\/sec\)/.exec(block);
  const end = /End size: ([\d,.]+) MB/.exec(block);
  if (!processed || !end) return null;
  return { dirtyMB: num(processed[1]!), seconds: num(processed[2]!), mbPerSec: num(processed[3]!), endMB: num(end[1]!), detail: block.split("(kafka.log.LogCleaner)")[0]!.trim() };
}

/** Takhin's "log cleaned" line (text format: key=value fields) for `topic`, parsed. */
export function parseTakhinCleanerLine(line: string, topic: string): CleanReport | null {
  if (!line.includes("log cleaned") || !line.includes(`topic=${topic}`)) return null;
  const field = (k: string) => Number(new RegExp(`\\b${k}=([\\d.]+)`).exec(line)?.[1] ?? NaN);
  const dirtyMB = field("dirtyBytes") / 2 ** 20;
  const seconds = field("elapsedMs") / 1000;
  return { dirtyMB, seconds, mbPerSec: dirtyMB / seconds, endMB: field("bytesWritten") / 2 ** 20, detail: line };
}

async function startTakhin(dataDir: string): Promise<BrokerHandle> {
  const port = freePort();
  const proc = Bun.spawn(["bun", join(ROOT, "src", "main.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      TAKHIN_HOST: "127.0.0.1",
      TAKHIN_KAFKA_PORT: String(port),
      TAKHIN_DATA_DIR: dataDir,
      TAKHIN_LOG_LEVEL: "info",
      TAKHIN_LOG_FORMAT: "text",
      TAKHIN_ADMIN_API_PORT: "0",
      TAKHIN_SCHEMA_REGISTRY_PORT: "-1",
      TAKHIN_HTTP_PROXY_PORT: "-1",
      TAKHIN_CONSOLE_PORT: "-1",
      TAKHIN_LOG_CLEANER_BACKOFF_MS: String(BACKOFF_MS),
    },
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  let report: CleanReport | null = null;
  void (async () => {
    const dec = new TextDecoder();
    let rest = "";
    for await (const chunk of proc.stderr) {
      rest += dec.decode(chunk, { stream: true });
      let i;
      while ((i = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        report ??= parseTakhinCleanerLine(line, TOPIC);
      }
    }
  })();
  const deadline = Date.now() + 60_000;
  while ((await metadataBrokers("127.0.0.1", port, 2000)) === null) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`Takhin did not start (exit ${proc.exitCode})`);
    await Bun.sleep(50);
  }
  return {
    bootstrap: `127.0.0.1:${port}`,
    pid: proc.pid,
    cleaned: () => report,
    stop: async () => {
      proc.kill("SIGINT");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
}

async function startKafka(dataDir: string): Promise<BrokerHandle> {
  const peer = await startKafkaPeer({ dataDir, overrides: { "log.cleaner.backoff.ms": BACKOFF_MS, "log.cleaner.dedupe.buffer.size": MAP_BYTES } });
  const logFile = join(dataDir, "node-1", "kafka.log");
  // Read the log incrementally (a whole re-read every poll would stall the latency probe).
  let position = 0;
  let text = "";
  return {
    bootstrap: peer.bootstrap,
    pid: peer.state.nodes[0]!.pid,
    cleaned: () => {
      if (!existsSync(logFile)) return null;
      const fd = openSync(logFile, "r");
      try {
        const size = fstatSync(fd).size;
        if (size > position) {
          const buf = Buffer.alloc(size - position);
          readSync(fd, buf, 0, buf.length, position);
          position = size;
          text = (text + buf.toString("utf8")).slice(-200_000);
        }
      } finally {
        closeSync(fd);
      }
      return parseKafkaCleanerLog(text, TOPIC);
    },
    stop: () => peer.stop(),
  };
}

interface Result {
  broker: string;
  produceSeconds: number;
  settled: boolean;
  report: CleanReport;
  rssBeforeMB: number;
  rssPeakMB: number;
  anonBeforeMB: number;
  anonPeakMB: number;
  latency: ProbeResult;
  recordsAfter: number;
  keysAfter: number;
}

interface ProbeResult {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * A Metadata v1 request on a new connection every PROBE_EVERY_MS, one at a time, while the cleaner
 * runs: how long the broker keeps a client waiting (Takhin's cleaner shares the event loop).
 */
function probeLatency(host: string, port: number): { stop(): Promise<ProbeResult> } {
  const samples: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      await metadataBrokers(host, port, 10_000);
      samples.push(performance.now() - t0);
      await Bun.sleep(PROBE_EVERY_MS);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      const sorted = [...samples].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
      return { count: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted[sorted.length - 1] ?? NaN };
    },
  };
}

async function runOne(kind: "takhin" | "kafka", work: string): Promise<Result> {
  const dataDir = join(work, kind);
  mkdirSync(dataDir, { recursive: true });
  const b = kind === "takhin" ? await startTakhin(dataDir) : await startKafka(dataDir);
  try {
    console.log(`[${kind}] ${b.bootstrap} pid ${b.pid}`);
    runPython(ADMIN, [b.bootstrap, TOPIC, "create", String(SEGMENT_BYTES)], 60_000);
    const settle = settlePageCache();
    console.log(`[${kind}] page cache ${settle.settled ? `settled in ${Math.round(settle.ms)} ms` : `not settled: ${settle.error}`}`);
    const t0 = performance.now();
    console.log(`[${kind}] ${runPython(PRODUCE, [b.bootstrap, TOPIC, String(RECORDS), String(KEYS), String(VALUE_BYTES)], 30 * 60_000)}`);
    const produceSeconds = (performance.now() - t0) / 1000;
    const before = readMem(b.pid);
    const rssBeforeMB = before?.rssMB ?? NaN;
    const anonBeforeMB = before?.anonMB ?? NaN;
    const sampler = new MemSampler(b.pid, 100).start();
    let anonPeakMB = anonBeforeMB;

    const anonTimer = setInterval(() => {
      const m = readMem(b.pid);
      if (m && m.anonMB > anonPeakMB) anonPeakMB = m.anonMB;
    }, 100);
    runPython(ADMIN, [b.bootstrap, TOPIC, "alter", String(SEGMENT_BYTES)], 60_000); // blocks this process: probes start after it
    const [host, port] = b.bootstrap.split(":");
    const probe = probeLatency(host!, Number(port));
    const deadline = Date.now() + CLEAN_TIMEOUT_MS;
    let report: CleanReport | null = null;
    while ((report = b.cleaned()) === null) {
      if (Date.now() > deadline) throw new Error(`${kind}: no cleaning reported within ${CLEAN_TIMEOUT_MS} ms`);
      await Bun.sleep(200);
    }
    const mem = sampler.stop();
    clearInterval(anonTimer);
    const latency = await probe.stop();
    console.log(`[${kind}] cleaned: ${report.dirtyMB.toFixed(1)} MB in ${report.seconds.toFixed(2)} s = ${report.mbPerSec.toFixed(1)} MB/s; RSS ${rssBeforeMB.toFixed(0)} -> peak ${mem.peakRssMB.toFixed(0)} MB, anonymous ${anonBeforeMB.toFixed(0)} -> peak ${anonPeakMB.toFixed(0)} MB`);
    const [recordsAfter, keysAfter] = runPython(COUNT, [b.bootstrap, TOPIC], 10 * 60_000).split(/\s+/).map(Number);
    console.log(`[${kind}] read back: ${recordsAfter} records, ${keysAfter} keys`);
    return { broker: kind, produceSeconds, settled: settle.settled, report, rssBeforeMB, rssPeakMB: mem.peakRssMB, anonBeforeMB, anonPeakMB, latency, recordsAfter: recordsAfter!, keysAfter: keysAfter! };
  } finally {
    await b.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const work = mkdtempSync(join(tmpdir(), "takhin-cleaner-bench-"));
  const results: Result[] = [];
  try {
    for (const kind of args.order!.split(",") as ("takhin" | "kafka")[]) results.push(await runOne(kind, work));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const cmd = `bun bench/cleaner-compare.ts --records ${RECORDS} --keys ${KEYS} --value-bytes ${VALUE_BYTES} --segment-mib ${args["segment-mib"]} --order ${args.order}`;
  const rows = results.map((r) =>
    `| ${r.broker} | ${r.report.dirtyMB.toFixed(1)} | ${r.report.seconds.toFixed(2)} | **${r.report.mbPerSec.toFixed(1)}** | ${r.report.endMB?.toFixed(1) ?? "?"} | ${r.rssBeforeMB.toFixed(0)} → ${r.rssPeakMB.toFixed(0)} | ${r.anonBeforeMB.toFixed(0)} → ${r.anonPeakMB.toFixed(0)} (+${(r.anonPeakMB - r.anonBeforeMB).toFixed(0)}) | ${r.latency.p50Ms.toFixed(1)} / ${r.latency.p99Ms.toFixed(1)} / ${r.latency.maxMs.toFixed(1)} (${r.latency.count}) | ${r.recordsAfter} / ${r.keysAfter} | ${r.produceSeconds.toFixed(1)} | ${r.settled ? "yes" : "no"} |`,
  );
  const md = [
    `# Log cleaner: Takhin vs Apache Kafka 4.4`,
    ``,
    `\`${cmd}\` — ${new Date().toISOString()}, ${RECORDS.toLocaleString("en")} records over ${KEYS.toLocaleString("en")} keys, ${VALUE_BYTES}-byte values, one partition, segment.bytes ${args["segment-mib"]} MiB, 128 MiB key map, one cleaner thread, no throttle.`,
    ``,
    `| broker | dirty MB | cleaning s | MB/s | end MB | RSS MB before → peak | anonymous RSS MB before → peak | Metadata latency during cleaning p50 / p99 / max ms (probes) | records / keys read after | produce s | page cache settled |`,
    `|---|---|---|---|---|---|---|---|---|---|---|`,
    ...rows,
    ``,
    ...results.map((r) => `${r.broker}'s own report:\n\n\`\`\`\n${r.report.detail}\n\`\`\`\n`),
  ].join("\n");
  mkdirSync(args.out!, { recursive: true });
  writeFileSync(join(args.out!, "report.md"), md + "\n");
  writeFileSync(join(args.out!, "results.json"), JSON.stringify({ command: cmd, results }, null, 2) + "\n");
  console.log(md);
}

/**
 * The end-to-end benchmark: starts the broker as a child process and drives it with load
 * generators in other processes (our own Bun load generator, librdkafka through kcat and
 * confluent-kafka-python, @platformatic/kafka under Node), measures the physical limits in the same
 * run (loopback TCP between two Bun processes, raw appends into the data directory), profiles the
 * produce and fetch paths, and writes bench/results/latest.{json,md} and SVG charts.
 *
 *   bun run bench                 full run (about 5-8 minutes on 2 cores)
 *   bun run bench -- --quick      shorter runs, written as bench/results/quick.*
 *
 * Every run is bounded in time and volume and listens on 127.0.0.1 only.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { spawnBroker, type BrokerProcess } from "./broker-proc.ts";
import type { ConsumeResult, LatencyResult, LoadSpec, ProduceResult } from "./loadgen.ts";
import { cpuPercent, cpuPerGB, MemSampler, readCpu, readMem, type CpuReading } from "./procstat.ts";
import { summarizeProfile, type ProfileSummary } from "./profile.ts";
import { fmt, fmtBytes, fmtRatio, mdTable, ratio } from "./report.ts";
import { median, type Summary } from "./stats.ts";
import { barChartSvg, lineChartSvg } from "./svg.ts";
import { readLines } from "./read-lines.ts";

const ROOT = join(import.meta.dir, "..", "..");
const LOADGEN = join(import.meta.dir, "loadgen.ts");
const LIMITS = join(import.meta.dir, "limits.ts");
const CLIENTS = join(import.meta.dir, "clients");
const RESULTS = join(ROOT, "bench", "results");
const MB = 1e6;
const KiB = 1024;
const MiB = 1024 * 1024;

interface Plan {
  quick: boolean;
  warmupMs: number;
  durationMs: number;
  produceMaxBytes: number;
  loopbackBytes: number;
  consumeFillBytes: number;
  latencyLoadsMBps: number[];
  latencyWarmupMs: number;
  latencyDurationMs: number;
  latencyRepeats: number;
  librdkafkaRecords: number;
  jsRecords: number;
  startupRuns: number;
  idleSettleMs: number;
  batchSweep: number[];
}

function plan(quick: boolean): Plan {
  return quick
    ? {
        quick,
        warmupMs: 300,
        durationMs: 1200,
        produceMaxBytes: 768 * MiB,
        loopbackBytes: 384 * MiB,
        consumeFillBytes: 384 * MiB,
        latencyLoadsMBps: [10, 50, 100],
        latencyWarmupMs: 500,
        latencyDurationMs: 2000,
        latencyRepeats: 1,
        librdkafkaRecords: 1_000_000,
        jsRecords: 100_000,
        startupRuns: 3,
        idleSettleMs: 1500,
        batchSweep: [16 * KiB],
      }
    : {
        quick,
        warmupMs: 500,
        durationMs: 3000,
        produceMaxBytes: 2048 * MiB,
        loopbackBytes: 1024 * MiB,
        consumeFillBytes: 1024 * MiB,
        latencyLoadsMBps: [10, 50, 100],
        latencyWarmupMs: 1000,
        latencyDurationMs: 4000,
        latencyRepeats: 2,
        librdkafkaRecords: 3_000_000,
        jsRecords: 300_000,
        startupRuns: 7,
        idleSettleMs: 3000,
        batchSweep: [16 * KiB, 64 * KiB, 256 * KiB],
      };
}

// ---------------------------------------------------------------------------------------------
// Child processes

interface ChildRun<T> {
  result: T;
  exitCode: number;
  wallMs: number;
  /** Broker CPU (percent of one core) over the measured window (MARK lines) or the whole child run. */
  brokerCpuPct: number;
  /** Broker CPU seconds (user + system) over the same window. */
  brokerCpuSeconds: number;
  /** The load generator's own CPU over its whole life, percent of one core. */
  clientCpuPct: number;
  brokerPeakRssMB: number;
  brokerPeakAnonMB: number;
  stderr: string;
}


/**
 * Runs a child to completion. Its result is the JSON after "RESULT " or, for the client scripts,
 * the last line that parses as JSON.
 */
async function runChild<T>(
  cmd: string[],
  opts: { brokerPid?: number; timeoutMs: number; env?: Record<string, string>; fromOutput?: (lastLine: string | null, wallMs: number) => T },
): Promise<ChildRun<T>> {
  const t0 = performance.now();
  const proc = Bun.spawn(cmd, { cwd: ROOT, stdout: "pipe", stderr: "pipe", stdin: "ignore", env: { ...process.env, ...opts.env } });
  const sampler = opts.brokerPid ? new MemSampler(opts.brokerPid).start() : null;
  let brokerA: CpuReading | null = opts.brokerPid ? readCpu(opts.brokerPid) : null;
  let brokerB: CpuReading | null = null;
  let result: string | null = null;
  let lastJson: string | null = null;
  let lastLine: string | null = null;
  let stderr = "";
  const timer = setTimeout(() => proc.kill("SIGKILL"), opts.timeoutMs);
  const out = readLines(proc.stdout, (l) => {
    if (l === "MARK start" && opts.brokerPid) brokerA = readCpu(opts.brokerPid);
    else if (l === "MARK end" && opts.brokerPid) brokerB = readCpu(opts.brokerPid);
    else if (l.startsWith("RESULT ")) result = l.slice(7);
    else if (l.startsWith("{")) lastJson = l;
    if (l.trim()) lastLine = l;
  });
  const err = readLines(proc.stderr, (l) => {
    if (stderr.length < 20_000) stderr += l + "\n";
  });
  const exitCode = await proc.exited;
  await Promise.all([out, err]);
  clearTimeout(timer);
  if (opts.brokerPid && !brokerB) brokerB = readCpu(opts.brokerPid);
  const mem = sampler?.stop();
  const wallMs = performance.now() - t0;
  const usage = proc.resourceUsage();
  const clientCpuPct = usage ? (Number(usage.cpuTime.total) / 1000 / wallMs) * 100 : NaN;
  const text = result ?? lastJson;
  if (exitCode !== 0 || (text === null && !opts.fromOutput)) {
    throw new Error(`${cmd.slice(0, 2).join(" ")} failed (exit ${exitCode}):\n${stderr.slice(-2000)}`);
  }
  return {
    result: opts.fromOutput ? opts.fromOutput(lastLine, wallMs) : (JSON.parse(text!) as T),
    exitCode,
    wallMs,
    brokerCpuPct: brokerA && brokerB ? cpuPercent(brokerA, brokerB) : NaN,
    brokerCpuSeconds: brokerA && brokerB ? (brokerB as CpuReading).cpuSeconds - (brokerA as CpuReading).cpuSeconds : NaN,
    clientCpuPct,
    brokerPeakRssMB: mem?.peakRssMB ?? NaN,
    brokerPeakAnonMB: mem?.peakAnonMB ?? NaN,
    stderr,
  };
}

function loadgen<T>(spec: LoadSpec, brokerPid?: number, timeoutMs = 150_000): Promise<ChildRun<T>> {
  return runChild<T>(["bun", LOADGEN, JSON.stringify(spec)], { brokerPid, timeoutMs });
}

function hasCommand(cmd: string[]): boolean {
  try {
    return Bun.spawnSync(cmd, { cwd: ROOT, stdout: "ignore", stderr: "ignore" }).exitCode === 0;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Limits

interface Rate {
  MBps: number;
  bytes: number;
  seconds: number;
}

async function loopbackLimit(chunkBytes: number, totalBytes: number): Promise<Rate> {
  const recv = Bun.spawn(["bun", LIMITS, JSON.stringify({ mode: "recv", totalBytes, warmBytes: Math.floor(totalBytes / 10) })], { cwd: ROOT, stdout: "pipe", stderr: "inherit" });
  let port = 0;
  let result: { bytes: number; seconds: number } | null = null;
  let gotPort!: () => void;
  const portKnown = new Promise<void>((r) => (gotPort = r));
  const reading = readLines(recv.stdout, (l) => {
    if (l.startsWith("PORT ")) {
      port = Number(l.slice(5));
      gotPort();
    } else if (l.startsWith("RESULT ")) result = JSON.parse(l.slice(7));
  });
  const guard = setTimeout(() => recv.kill("SIGKILL"), 60_000);
  await Promise.race([portKnown, recv.exited]);
  const send = Bun.spawn(["bun", LIMITS, JSON.stringify({ mode: "send", port, chunkBytes, totalBytes })], { cwd: ROOT, stdout: "ignore", stderr: "inherit" });
  await Promise.all([recv.exited, send.exited, reading]);
  clearTimeout(guard);
  const r = result as { bytes: number; seconds: number } | null;
  if (!r) throw new Error("loopback limit: no result");
  return { MBps: r.bytes / r.seconds / MB, bytes: r.bytes, seconds: r.seconds };
}

async function appendLimit(dir: string, chunkBytes: number, totalBytes: number, warmBytes: number): Promise<Rate> {
  mkdirSync(dir, { recursive: true });
  const run = await runChild<{ bytes: number; seconds: number }>(["bun", LIMITS, JSON.stringify({ mode: "append", dir, chunkBytes, totalBytes, warmBytes })], { timeoutMs: 90_000 });
  return { MBps: run.result.bytes / run.result.seconds / MB, bytes: run.result.bytes, seconds: run.result.seconds };
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface ProduceRow {
  client: string;
  recordBytes: number;
  batchBytes: number;
  acks: number;
  partitions: number;
  records: number;
  seconds: number;
  recordsPerSec: number;
  /** Record values only (payload); the batch framing adds about 11 B a record. */
  MBps: number;
  /** The median loopback (and append) rate measured in this run at this chunk size: the limit. */
  loopbackMBps: number;
  appendMBps: number;
  limitMBps: number;
  ratioLoopback: number;
  ratioLimit: number;
  brokerCpuPct: number;
  /** Broker CPU seconds (user + system) per GB (10^9 bytes) of record values produced in the window. */
  brokerCpuSecondsPerGB: number;
  clientCpuPct: number;
  brokerPeakRssMB: number;
  ackP99Ms: number;
  /** The limit measurements taken next to this row (before and after it), MB/s. */
  loopbackSamples: number[];
  appendSamples: number[];
}

/**
 * Sets every row's limits to the median of all the measurements at its chunk size in the run
 * (taken before and after every row, so under the same background load as the rows), and the ratios.
 */
function finalizeLimits(rows: ProduceRow[]): void {
  const best = (pick: (r: ProduceRow) => number[], chunk: number) => median(rows.filter((r) => r.batchBytes === chunk).flatMap(pick));
  for (const r of rows) {
    if (!Number.isFinite(r.batchBytes)) continue;
    r.loopbackMBps = best((x) => x.loopbackSamples, r.batchBytes);
    r.appendMBps = best((x) => x.appendSamples, r.batchBytes);
    r.limitMBps = Math.min(r.loopbackMBps, r.appendMBps);
    r.ratioLoopback = ratio(r.MBps, r.loopbackMBps);
    r.ratioLimit = ratio(r.MBps, r.limitMBps);
  }
}

let workDir = "";
let runIndex = 0;

function freshDir(name: string): string {
  const d = join(workDir, `${String(++runIndex).padStart(3, "0")}-${name}`);
  mkdirSync(d, { recursive: true });
  return d;
}

async function withBroker<T>(name: string, fn: (b: BrokerProcess) => Promise<T>, opts: { keep?: boolean; cpuProfileDir?: string; cpuProfileName?: string; dataDir?: string } = {}): Promise<T> {
  const dataDir = opts.dataDir ?? freshDir(name);
  const b = await spawnBroker({ dataDir, cpuProfileDir: opts.cpuProfileDir, cpuProfileName: opts.cpuProfileName });
  try {
    return await fn(b);
  } finally {
    await b.stop();
    if (!opts.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

function log(msg: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

async function produceScenario(p: Plan, recordBytes: number, batchBytes: number, acks: number, partitions: number): Promise<ProduceRow> {
  const name = `produce-${recordBytes}-${batchBytes}-${acks}-${partitions}`;
  const loop1 = await loopbackLimit(batchBytes, p.loopbackBytes);
  const run = await withBroker(name, async (b) => {
    await loadgen({ mode: "setup", port: b.port, topic: "bench", partitions, touch: false }, b.pid);
    return loadgen<ProduceResult>(
      { mode: "produce", port: b.port, topic: "bench", partitions, recordBytes, batchBytes, acks, inflight: 5, warmupMs: p.warmupMs, durationMs: p.durationMs, maxBytes: p.produceMaxBytes },
      b.pid,
    );
  });
  const r = run.result;
  const app = await appendLimit(freshDir(`append-${batchBytes}`), batchBytes, r.totalBytes, r.totalBytes - r.bytes);
  const loop2 = await loopbackLimit(batchBytes, p.loopbackBytes);
  const loop = { MBps: Math.max(loop1.MBps, loop2.MBps) };
  const MBps = (r.records * recordBytes) / r.seconds / MB;
  const limit = Math.min(loop.MBps, app.MBps);
  const row: ProduceRow = {
    client: "takhin-loadgen (Bun)",
    recordBytes,
    batchBytes,
    acks,
    partitions,
    records: r.records,
    seconds: r.seconds,
    recordsPerSec: r.records / r.seconds,
    MBps,
    loopbackMBps: loop.MBps,
    appendMBps: app.MBps,
    limitMBps: limit,
    ratioLoopback: ratio(MBps, loop.MBps),
    ratioLimit: ratio(MBps, limit),
    brokerCpuPct: run.brokerCpuPct,
    brokerCpuSecondsPerGB: cpuPerGB(run.brokerCpuSeconds, r.records * recordBytes),
    clientCpuPct: run.clientCpuPct,
    brokerPeakRssMB: run.brokerPeakRssMB,
    ackP99Ms: r.ackMs.p99,
    loopbackSamples: [loop1.MBps, loop2.MBps],
    appendSamples: [app.MBps],
  };
  log(`${name}: ${fmt(MBps)} MB/s, ${fmt(row.recordsPerSec)} rec/s (loopback ${fmt(loop.MBps)}, append ${fmt(app.MBps)}, ratio ${fmtRatio(row.ratioLimit)}), broker CPU ${fmt(run.brokerCpuPct)}%`);
  return row;
}

interface ConsumeRow {
  client: string;
  records: number;
  seconds: number;
  recordsPerSec: number;
  MBps: number;
  loopbackMBps: number;
  ratioLoopback: number;
  brokerCpuPct: number;
  /** Broker CPU seconds (user + system) per GB of record values served, over the client's whole run. */
  brokerCpuSecondsPerGB: number;
  clientCpuPct: number;
  note: string;
}

interface ExternalResult {
  records: number;
  bytes: number;
  seconds: number;
  errors: string[];
}

async function consumeScenarios(p: Plan, tools: Tools): Promise<{ rows: ConsumeRow[]; fill: { records: number; bytes: number } }> {
  const rows: ConsumeRow[] = [];
  const recordBytes = 1024;
  let fill = { records: 0, bytes: 0 };
  await withBroker("consume", async (b) => {
    await loadgen({ mode: "setup", port: b.port, topic: "big", partitions: 1, touch: false }, b.pid);
    const f = await loadgen<ProduceResult>(
      { mode: "produce", port: b.port, topic: "big", partitions: 1, recordBytes, batchBytes: MiB, acks: 1, inflight: 5, warmupMs: 0, durationMs: 60_000, maxBytes: p.consumeFillBytes },
      b.pid,
    );
    fill = { records: f.result.records, bytes: f.result.bytes };
    log(`consume: filled ${fmt(fill.bytes / MB)} MB (${fill.records} records)`);
    const loops: number[] = [];
    const addRow = (client: string, run: ChildRun<ExternalResult | ConsumeResult>, note: string) => {
      const r = run.result;
      if (r.records !== fill.records) throw new Error(`${client} consumed ${r.records} of ${fill.records} records`);
      const MBps = (r.records * recordBytes) / r.seconds / MB;
      rows.push({ client, records: r.records, seconds: r.seconds, recordsPerSec: r.records / r.seconds, MBps, loopbackMBps: NaN, ratioLoopback: NaN, brokerCpuPct: run.brokerCpuPct, brokerCpuSecondsPerGB: cpuPerGB(run.brokerCpuSeconds, r.records * recordBytes), clientCpuPct: run.clientCpuPct, note });
      log(`consume ${client}: ${fmt(MBps)} MB/s, ${fmt(r.records / r.seconds)} rec/s, broker CPU ${fmt(run.brokerCpuPct)}%`);
    };
    const raw = () =>
      loadgen<ConsumeResult>({ mode: "consume", port: b.port, topic: "big", partition: 0, fromOffset: 0, partitionMaxBytes: 8 * MiB, responseMaxBytes: 50 * MiB, maxBytes: Number.MAX_SAFE_INTEGER, timeoutMs: 60_000 }, b.pid);
    // Interleaved: limit, ours, the clients, ours again, limit again.
    loops.push((await loopbackLimit(MiB, p.loopbackBytes)).MBps);
    addRow("takhin-loadgen (Bun)", await raw(), "Fetch v12, 8 MiB partition / 50 MiB response limit, one fetch in flight");
    if (tools.kcat) {
      const run = await runChild<ExternalResult>(
        ["bash", "-c", `kcat -C -b 127.0.0.1:${b.port} -t big -p 0 -o beginning -c ${fill.records} -e -q -f '%o\\n' -X fetch.message.max.bytes=8388608 -X queued.min.messages=1000000 | tail -n 1`],
        { brokerPid: b.pid, timeoutMs: 90_000, fromOutput: (last, wallMs) => ({ records: Number(last) + 1, bytes: 0, seconds: wallMs / 1000, errors: [] }) },
      );
      addRow("kcat -C (librdkafka 2.0.2)", run, "wall time incl. process start; -f '%o' prints offsets only");
    }
    if (tools.confluent) {
      const run = await runChild<ExternalResult>(["/usr/bin/python3", join(CLIENTS, "confluent_load.py"), JSON.stringify({ mode: "consume", bootstrap: `127.0.0.1:${b.port}`, topic: "big", partition: 0, records: fill.records, timeoutS: 60 })], { brokerPid: b.pid, timeoutMs: 90_000 });
      addRow("confluent-kafka-python 1.7.0", run, "assign(), consume(10000); from the first message");
    }
    if (tools.node) {
      const run = await runChild<ExternalResult>(["node", join(CLIENTS, "platformatic_load.mjs"), JSON.stringify({ mode: "consume", bootstrap: `127.0.0.1:${b.port}`, topic: "big", partition: 0, records: fill.records, partitionMaxBytes: 8 * MiB, timeoutS: 60 })], { brokerPid: b.pid, timeoutMs: 90_000 });
      addRow("@platformatic/kafka 1.35.0 (Node 20)", run, "Consumer.fetch, 8 MiB partition limit");
    }
    addRow("takhin-loadgen (Bun)", await raw(), "repeat");
    loops.push((await loopbackLimit(MiB, p.loopbackBytes)).MBps);
    const loop = median(loops);
    for (const r of rows) {
      r.loopbackMBps = loop;
      r.ratioLoopback = ratio(r.MBps, loop);
    }
  });
  return { rows, fill };
}

interface LatencyRow {
  offeredMBps: number;
  batchRecords: number;
  intervalMs: number;
  repeat: number;
  e2e: Summary;
  e2eFromSend: Summary;
  sendLag: Summary;
  ack: Summary;
  consumedBatches: number;
  producedBatches: number;
  brokerCpuPct: number;
}

async function latencyScenarios(p: Plan): Promise<LatencyRow[]> {
  const rows: LatencyRow[] = [];
  await withBroker("latency", async (b) => {
    await loadgen({ mode: "setup", port: b.port, topic: "lat", partitions: 1, touch: false }, b.pid);
    for (let repeat = 1; repeat <= p.latencyRepeats; repeat++) for (const load of p.latencyLoadsMBps) {
      const run = await loadgen<LatencyResult>({ mode: "latency", port: b.port, topic: "lat", recordBytes: 1024, rateBytesPerSec: load * MB, acks: 1, warmupMs: p.latencyWarmupMs, durationMs: p.latencyDurationMs }, b.pid);
      const r = run.result;
      rows.push({ offeredMBps: load, repeat, batchRecords: r.batchRecords, intervalMs: r.intervalMs, e2e: r.e2eMs, e2eFromSend: r.e2eFromSendMs, sendLag: r.sendLagMs, ack: r.ackMs, consumedBatches: r.consumedBatches, producedBatches: r.producedBatches, brokerCpuPct: run.brokerCpuPct });
      log(`latency at ${load} MB/s #${repeat}: from send p50 ${fmt(r.e2eFromSendMs.p50)} p99 ${fmt(r.e2eFromSendMs.p99)} p99.9 ${fmt(r.e2eFromSendMs.p999)} max ${fmt(r.e2eFromSendMs.max)} ms; from schedule p99 ${fmt(r.e2eMs.p99)}; send lag p99 ${fmt(r.sendLagMs.p99)} (${r.consumedBatches}/${r.producedBatches} batches)`);
    }
  });
  return rows;
}

async function endOffsets(port: number, topic: string, partitions: number): Promise<number> {
  // One Fetch-free check: ListOffsets through a tiny inline client in the load generator process.
  const run = await runChild<{ total: number }>(["bun", "-e", `
    import { KafkaConnection } from ${JSON.stringify(join(import.meta.dir, "wire.ts"))};
    import { ListOffsets } from ${JSON.stringify(join(ROOT, "src/protocol/messages/list-offsets.ts"))};
    const c = await KafkaConnection.connect(${port});
    const parts = Array.from({ length: ${partitions} }, (_, i) => ({ partitionIndex: i, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }));
    const r = await c.request(ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: ${JSON.stringify(topic)}, partitions: parts }] });
    let total = 0;
    for (const p of r.topics[0].partitions) total += Number(p.offset);
    console.log("RESULT " + JSON.stringify({ total }));
    process.exit(0);
  `], { timeoutMs: 20_000 });
  return run.result.total;
}

async function clientProduceScenarios(p: Plan, tools: Tools): Promise<ProduceRow[]> {
  const rows: ProduceRow[] = [];
  const loop = await loopbackLimit(MiB, p.loopbackBytes);
  const add = async (client: string, recordBytes: number, partitions: number, run: () => Promise<ChildRun<ExternalResult>>, b: BrokerProcess, topic: string) => {
    const r = await run();
    if (r.result.errors.length) throw new Error(`${client}: ${r.result.errors.join("; ")}`);
    const stored = await endOffsets(b.port, topic, partitions);
    if (stored !== r.result.records) throw new Error(`${client}: ${r.result.records} records acknowledged but ${stored} stored`);
    const MBps = (r.result.records * recordBytes) / r.result.seconds / MB;
    rows.push({
      client,
      recordBytes,
      batchBytes: NaN,
      acks: 1,
      partitions,
      records: r.result.records,
      seconds: r.result.seconds,
      recordsPerSec: r.result.records / r.result.seconds,
      MBps,
      loopbackMBps: loop.MBps,
      appendMBps: NaN,
      limitMBps: loop.MBps,
      ratioLoopback: ratio(MBps, loop.MBps),
      ratioLimit: ratio(MBps, loop.MBps),
      brokerCpuPct: r.brokerCpuPct,
      brokerCpuSecondsPerGB: cpuPerGB(r.brokerCpuSeconds, r.result.records * recordBytes),
      clientCpuPct: r.clientCpuPct,
      brokerPeakRssMB: r.brokerPeakRssMB,
      ackP99Ms: NaN,
      loopbackSamples: [loop.MBps],
      appendSamples: [],
    });
    log(`produce ${client} ${recordBytes} B: ${fmt(r.result.records / r.result.seconds)} rec/s, ${fmt(MBps)} MB/s, broker CPU ${fmt(r.brokerCpuPct)}%, client CPU ${fmt(r.clientCpuPct)}%`);
  };
  const n = p.librdkafkaRecords;
  if (tools.kcat) {
    const input = join(workDir, "records-100.txt");
    const line = Buffer.alloc(101, "x");
    line[100] = 10;
    const one = Buffer.alloc(101 * 10_000);
    for (let i = 0; i < 10_000; i++) line.copy(one, i * 101);
    const parts: Buffer[] = [];
    for (let i = 0; i < n / 10_000; i++) parts.push(one);
    writeFileSync(input, Buffer.concat(parts));
    await withBroker("kcat-produce", async (b) => {
      await loadgen({ mode: "setup", port: b.port, topic: "k", partitions: 1, touch: false }, b.pid);
      await add("kcat -P (librdkafka 2.0.2)", 100, 1, () =>
        runChild<ExternalResult>(
          ["kcat", "-P", "-b", `127.0.0.1:${b.port}`, "-t", "k", "-p", "0", "-X", "acks=1", "-X", "linger.ms=5", "-X", "batch.size=1000000", "-X", "batch.num.messages=100000", "-X", "queue.buffering.max.messages=2000000", "-X", "queue.buffering.max.kbytes=2097152", "-l", input],
          { brokerPid: b.pid, timeoutMs: 120_000, fromOutput: (_last, wallMs) => ({ records: n, bytes: n * 100, seconds: wallMs / 1000, errors: [] }) },
        ), b, "k");
    });
    rmSync(input, { force: true });
  }
  if (tools.confluent) {
    for (const partitions of [1, 16]) {
      await withBroker("confluent-produce", async (b) => {
        await loadgen({ mode: "setup", port: b.port, topic: "c", partitions, touch: false }, b.pid);
        await add("confluent-kafka-python 1.7.0", 100, partitions, () =>
          runChild<ExternalResult>(["/usr/bin/python3", join(CLIENTS, "confluent_load.py"), JSON.stringify({ mode: "produce", bootstrap: `127.0.0.1:${b.port}`, topic: "c", partitions, records: n, recordBytes: 100, acks: 1, timeoutS: 90 })], { brokerPid: b.pid, timeoutMs: 120_000 }), b, "c");
      });
    }
  }
  if (tools.node) {
    for (const recordBytes of [100, 1024]) {
      await withBroker("platformatic-produce", async (b) => {
        await loadgen({ mode: "setup", port: b.port, topic: "j", partitions: 1, touch: false }, b.pid);
        const records = recordBytes === 100 ? p.jsRecords * 3 : p.jsRecords;
        await add("@platformatic/kafka 1.35.0 (Node 20)", recordBytes, 1, () =>
          runChild<ExternalResult>(["node", join(CLIENTS, "platformatic_load.mjs"), JSON.stringify({ mode: "produce", bootstrap: `127.0.0.1:${b.port}`, topic: "j", partitions: 1, records, recordBytes, acks: 1, perSend: recordBytes === 100 ? 5000 : 1000, concurrency: 4, timeoutS: 90 })], { brokerPid: b.pid, timeoutMs: 120_000 }), b, "j");
      });
    }
  }
  return rows;
}

interface StartupResult {
  runs: number;
  /** Spawn to first accepted connection, empty data directory. */
  emptyMs: number;
  emptyAllMs: number[];
  selfReportedMs: number;
  /** The same measurement for a Bun process that only listens (Bun's own start). */
  bunBaselineMs: number;
  with1000PartitionsMs: number;
  idle1000: { rssMB: number; anonMB: number; fileMB: number; afterRestartRssMB: number; afterRestartAnonMB: number };
}

async function bunBaseline(): Promise<number> {
  const { freePort } = await import("./broker-proc.ts");
  const port = freePort();
  const t0 = performance.now();
  const proc = Bun.spawn(["bun", "-e", `Bun.listen({ hostname: "127.0.0.1", port: ${port}, socket: { data() {} } }); setTimeout(() => process.exit(0), 3000);`], { stdout: "ignore", stderr: "ignore" });
  let ms = NaN;
  while (performance.now() - t0 < 5000) {
    try {
      const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      s.end();
      ms = performance.now() - t0;
      break;
    } catch {
      await Bun.sleep(1);
    }
  }
  proc.kill();
  await proc.exited;
  return ms;
}

async function startupAndIdle(p: Plan): Promise<StartupResult> {
  const empty: number[] = [];
  const self: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < p.startupRuns; i++) {
    base.push(await bunBaseline());
    await withBroker("startup", async (b) => {
      empty.push(b.startupMs);
      await Bun.sleep(50);
      if (b.selfReportedStartupMs !== null) self.push(b.selfReportedStartupMs);
    });
  }
  const dir = freshDir("idle-1000");
  let idle = { rssMB: NaN, anonMB: NaN, fileMB: NaN };
  await withBroker("idle-1000", async (b) => {
    await loadgen({ mode: "setup", port: b.port, topic: "idle", partitions: 1000, touch: true }, b.pid, 120_000);
    await Bun.sleep(p.idleSettleMs);
    idle = readMem(b.pid) ?? idle;
  }, { dataDir: dir, keep: true });
  const restarts: number[] = [];
  let after = { rssMB: NaN, anonMB: NaN, fileMB: NaN };
  for (let i = 0; i < Math.min(3, p.startupRuns); i++) {
    await withBroker("idle-1000-restart", async (b) => {
      restarts.push(b.startupMs);
      if (i === 0) {
        await Bun.sleep(p.idleSettleMs);
        after = readMem(b.pid) ?? after;
      }
    }, { dataDir: dir, keep: true });
  }
  rmSync(dir, { recursive: true, force: true });
  const r: StartupResult = {
    runs: p.startupRuns,
    emptyMs: median(empty),
    emptyAllMs: empty,
    selfReportedMs: median(self),
    bunBaselineMs: median(base),
    with1000PartitionsMs: median(restarts),
    idle1000: { ...idle, afterRestartRssMB: after.rssMB, afterRestartAnonMB: after.anonMB },
  };
  log(`startup ${fmt(r.emptyMs)} ms (Bun alone ${fmt(r.bunBaselineMs)} ms, self-reported ${fmt(r.selfReportedMs)} ms), with 1000 partitions ${fmt(r.with1000PartitionsMs)} ms; idle RSS ${fmt(idle.rssMB)} MB (anon ${fmt(idle.anonMB)}), after restart ${fmt(after.rssMB)} MB`);
  return r;
}

interface ProfileResult {
  name: string;
  what: string;
  file: string;
  summary: ProfileSummary;
}

async function profiles(p: Plan): Promise<ProfileResult[]> {
  const dir = join(RESULTS, "profiles");
  mkdirSync(dir, { recursive: true });
  const out: ProfileResult[] = [];
  const take = (name: string, what: string) => {
    const file = join(dir, `${name}.cpuprofile`);
    if (!existsSync(file)) throw new Error(`no profile written at ${file}`);
    out.push({ name, what, file: `bench/results/profiles/${name}.cpuprofile`, summary: summarizeProfile(JSON.parse(readFileSync(file, "utf8")), 15, ROOT) });
  };
  await withBroker("profile-produce", async (b) => {
    await loadgen({ mode: "setup", port: b.port, topic: "prof", partitions: 1, touch: false }, b.pid);
    await loadgen({ mode: "produce", port: b.port, topic: "prof", partitions: 1, recordBytes: 1024, batchBytes: MiB, acks: 1, inflight: 5, warmupMs: 200, durationMs: p.durationMs, maxBytes: p.produceMaxBytes }, b.pid);
    await loadgen({ mode: "setup", port: b.port, topic: "prof-small", partitions: 16, touch: false }, b.pid);
    await loadgen({ mode: "produce", port: b.port, topic: "prof-small", partitions: 16, recordBytes: 100, batchBytes: 16 * KiB, acks: 1, inflight: 5, warmupMs: 200, durationMs: p.durationMs, maxBytes: p.produceMaxBytes }, b.pid);
  }, { cpuProfileDir: dir, cpuProfileName: "produce.cpuprofile" });
  take("produce", `Produce: ${fmt(p.durationMs / 1000)} s of 1 MiB batches of 1 KiB records to 1 partition, then ${fmt(p.durationMs / 1000)} s of 16 KiB batches of 100 B records to 16 partitions (acks=1)`);
  const data = freshDir("profile-fetch");
  await withBroker("profile-fill", async (b) => {
    await loadgen({ mode: "setup", port: b.port, topic: "prof", partitions: 1, touch: false }, b.pid);
    await loadgen({ mode: "produce", port: b.port, topic: "prof", partitions: 1, recordBytes: 1024, batchBytes: MiB, acks: 1, inflight: 5, warmupMs: 0, durationMs: 60_000, maxBytes: p.consumeFillBytes / 2 }, b.pid);
  }, { dataDir: data, keep: true });
  await withBroker("profile-fetch", async (b) => {
    for (const partitionMaxBytes of [8 * MiB, MiB]) {
      await loadgen({ mode: "consume", port: b.port, topic: "prof", partition: 0, fromOffset: 0, partitionMaxBytes, responseMaxBytes: 50 * MiB, maxBytes: Number.MAX_SAFE_INTEGER, timeoutMs: 60_000 }, b.pid);
    }
  }, { dataDir: data, cpuProfileDir: dir, cpuProfileName: "fetch.cpuprofile" });
  take("fetch", `Fetch: the broker restarted on a ${fmt(p.consumeFillBytes / 2 / MB)} MB partition, read from the beginning twice (8 MiB, then 1 MiB partition limit)`);
  for (const r of out) {
    log(`profile ${r.name}: busy ${fmt(r.summary.busyMs)} ms of ${fmt(r.summary.totalMs)} ms; top: ${r.summary.top.slice(0, 5).map((f) => `${f.name} ${fmt(f.pct)}%`).join(", ")}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Report

interface Tools {
  kcat: boolean;
  confluent: boolean;
  node: boolean;
}

interface Target {
  name: string;
  target: string;
  measured: string;
  met: boolean | null;
  by: string;
}

interface Results {
  meta: Record<string, unknown>;
  produce: ProduceRow[];
  batchSweep: ProduceRow[];
  clientProduce: ProduceRow[];
  consume: ConsumeRow[];
  consumeFill: { records: number; bytes: number };
  latency: LatencyRow[];
  startup: StartupResult;
  profiles: ProfileResult[];
  targets: Target[];
}

function evaluateTargets(r: Omit<Results, "targets">): Target[] {
  const t: Target[] = [];
  const mib = r.produce.filter((x) => x.batchBytes === MiB);
  if (mib.length) {
    const ratios = mib.map((x) => x.ratioLoopback);
    const med = median(ratios);
    const best = mib.reduce((a, x) => (x.ratioLoopback > a.ratioLoopback ? x : a));
    const worst = mib.reduce((a, x) => (x.ratioLoopback < a.ratioLoopback ? x : a));
    t.push({
      name: "produce / raw loopback, 1 MiB batches",
      target: "≥ 0.50",
      measured: `${fmtRatio(med)} median of ${mib.length} rows (loopback ${fmt(mib[0].loopbackMBps)} MB/s); best ${fmtRatio(best.ratioLoopback)} (${fmtBytes(best.recordBytes)}, acks=${best.acks}, ${best.partitions} p), worst ${fmtRatio(worst.ratioLoopback)} (${fmtBytes(worst.recordBytes)}, acks=${worst.acks}, ${worst.partitions} p); raw append ${fmt(mib[0].appendMBps)} MB/s caps it at ${fmtRatio(mib[0].appendMBps / mib[0].loopbackMBps)}`,
      met: med >= 0.5,
      by: med >= 0.5 ? `+${fmtRatio(med - 0.5)}` : `short by ${fmtRatio(0.5 - med)} (needs ${fmt(0.5 / med)}× the throughput)`,
    });
  }
  const ours = r.consume.filter((x) => x.client.startsWith("takhin"));
  if (ours.length) {
    const m = median(ours.map((x) => x.ratioLoopback));
    const mb = median(ours.map((x) => x.MBps));
    t.push({
      name: "consume / raw loopback",
      target: "≥ 0.70",
      measured: `${fmtRatio(m)} (${fmt(mb)} of ${fmt(ours[0].loopbackMBps)} MB/s, Bun load generator)`,
      met: m >= 0.7,
      by: m >= 0.7 ? `+${fmtRatio(m - 0.7)}` : `short by ${fmtRatio(0.7 - m)} (needs ${fmt(0.7 / m)}×)`,
    });
  }
  const lib = r.clientProduce.filter((x) => x.recordBytes === 100 && (x.client.startsWith("kcat") || x.client.startsWith("confluent")));
  if (lib.length) {
    const b = lib.reduce((a, x) => (x.recordsPerSec > a.recordsPerSec ? x : a));
    t.push({
      name: "librdkafka producer, 100 B records",
      target: "≥ 1,000,000 records/s",
      measured: `${fmt(b.recordsPerSec)} records/s (${b.client}, ${b.partitions} p)`,
      met: b.recordsPerSec >= 1e6,
      by: b.recordsPerSec >= 1e6 ? `+${fmt((b.recordsPerSec / 1e6 - 1) * 100)}%` : `short by ${fmt((1 - b.recordsPerSec / 1e6) * 100)}%`,
    });
  }
  const l50 = r.latency.filter((x) => x.offeredMBps === 50);
  if (l50.length) {
    const p99 = median(l50.map((x) => x.e2eFromSend.p99));
    const sched = median(l50.map((x) => x.e2e.p99));
    t.push({
      name: "p99 end-to-end latency at 50 MB/s",
      target: "≤ 5 ms",
      measured: `${fmt(p99)} ms from send (median of ${l50.length} runs: ${l50.map((x) => fmt(x.e2eFromSend.p99)).join(", ")}); ${fmt(sched)} ms from the scheduled send time, which adds the load generator's timer lag`,
      met: p99 <= 5,
      by: p99 <= 5 ? `${fmt(5 - p99)} ms to spare` : `over by ${fmt(p99 - 5)} ms (${fmt(p99 / 5)}×)`,
    });
  }
  const s = r.startup;
  t.push({
    name: "startup to first accepted connection",
    target: "≤ 150 ms",
    measured: `${fmt(s.emptyMs)} ms median of ${s.runs} (Bun alone ${fmt(s.bunBaselineMs)} ms; 1000 partitions on disk ${fmt(s.with1000PartitionsMs)} ms)`,
    met: s.emptyMs <= 150,
    by: s.emptyMs <= 150 ? `${fmt(150 - s.emptyMs)} ms to spare` : `over by ${fmt(s.emptyMs - 150)} ms`,
  });
  const rss = Math.max(s.idle1000.rssMB, s.idle1000.afterRestartRssMB);
  t.push({
    name: "idle RSS with 1,000 partitions",
    target: "≤ 150 MB",
    measured: `${fmt(s.idle1000.rssMB)} MB after creating them, ${fmt(s.idle1000.afterRestartRssMB)} MB after a restart`,
    met: rss <= 150,
    by: rss <= 150 ? `${fmt(150 - rss)} MB to spare` : `over by ${fmt(rss - 150)} MB`,
  });
  return t;
}

function produceTable(rows: ProduceRow[], withBatch: boolean): string {
  return mdTable(
    ["client", "record", ...(withBatch ? ["batch"] : []), "acks", "partitions", "MB/s", "records/s", "loopback MB/s", "append MB/s", "ratio to loopback", "ratio to limit", "broker CPU %", "broker CPU s/GB", "broker peak RSS MB", "ack p99 ms"],
    rows.map((r) => [
      r.client,
      fmtBytes(r.recordBytes),
      ...(withBatch ? [Number.isFinite(r.batchBytes) ? fmtBytes(r.batchBytes) : "client"] : []),
      String(r.acks),
      String(r.partitions),
      fmt(r.MBps),
      fmt(r.recordsPerSec),
      fmt(r.loopbackMBps),
      fmt(r.appendMBps),
      fmtRatio(r.ratioLoopback),
      fmtRatio(r.ratioLimit),
      fmt(r.brokerCpuPct),
      fmt(r.brokerCpuSecondsPerGB),
      fmt(r.brokerPeakRssMB),
      fmt(r.ackP99Ms),
    ]),
    ["l", "r", ...(withBatch ? ["r" as const] : []), "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
  );
}

function markdown(r: Results): string {
  const m = r.meta;
  const out: string[] = [];
  out.push(`# Takhin end-to-end benchmark${r.meta.quick ? " (quick run)" : ""}`);
  out.push("");
  out.push(`Run ${m.date} on ${m.cpus}× ${m.cpuModel}, ${m.memGiB} GiB, Bun ${m.bun}, commit ${m.commit}; load average ${m.loadAvgStart} at the start and ${m.loadAvgEnd} at the end (other work was running on this shared machine: figures vary from run to run). Wall time ${fmt(m.wallSeconds as number)} s. Reproduce: \`${m.command}\`.`);
  out.push("");
  out.push("MB/s counts record values (1 MB = 10^6 bytes); batch framing adds about 11 bytes a record on the wire. Limits are measured in the same run, before and after every row: raw loopback TCP between two Bun processes writing chunks of the batch size, and raw appends of the same volume into the data directory; each is the median of all its measurements at that chunk size, and the limit is the lower of the two. Broker CPU is percent of one core (2 cores = 200%); broker CPU s/GB is its user + system CPU seconds (/proc/<pid>/stat) over the same window per GB (10^9 bytes) of record values produced or served — steadier than MB/s on a shared machine.");
  out.push("");
  out.push("## Targets");
  out.push("");
  out.push(mdTable(["target", "goal", "measured", "met", "margin"], r.targets.map((t) => [t.name, t.target, t.measured, t.met === null ? "–" : t.met ? "yes" : "**no**", t.by])));
  out.push("");
  out.push("## Produce (Bun load generator: ready-made batches, 5 requests in flight, one connection)");
  out.push("");
  out.push(produceTable(r.produce, false) + "\n");
  out.push(`Batches of 1 MiB. Warm-up ${r.meta.warmupMs} ms, then ${r.meta.durationMs} ms measured.`);
  out.push("");
  out.push("### Batch size (1 KiB records, acks=1, 1 partition)");
  out.push("");
  out.push(produceTable([...r.batchSweep, ...r.produce.filter((x) => x.recordBytes === 1024 && x.acks === 1 && x.partitions === 1)], true));
  out.push("");
  out.push("### Real clients (librdkafka through kcat and confluent-kafka-python, @platformatic/kafka under Node)");
  out.push("");
  out.push(produceTable(r.clientProduce, false));
  out.push("");
  out.push("librdkafka: linger.ms=5, batch.size=1000000, batch.num.messages=100000; kcat time includes process start and reading its input file. Every run checks the stored end offsets against the acknowledged records.");
  out.push("");
  out.push(`## Consume from the beginning of one ${fmt(r.consumeFill.bytes / MB)} MB partition (1 KiB records)`);
  out.push("");
  out.push(mdTable(
    ["client", "MB/s", "records/s", "loopback MB/s", "ratio", "broker CPU %", "broker CPU s/GB", "client CPU %", "note"],
    r.consume.map((c) => [c.client, fmt(c.MBps), fmt(c.recordsPerSec), fmt(c.loopbackMBps), fmtRatio(c.ratioLoopback), fmt(c.brokerCpuPct), fmt(c.brokerCpuSecondsPerGB), fmt(c.clientCpuPct), c.note]),
    ["l", "r", "r", "r", "r", "r", "r", "r", "l"],
  ));
  out.push("");
  out.push("## End-to-end latency (1 KiB records, acks=1, one batch a millisecond, producer and consumer in one Bun process, long-poll Fetch)");
  out.push("");
  out.push(mdTable(
    ["offered MB/s", "run", "records/batch", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "p99 from schedule ms", "max from schedule ms", "send lag p99 ms", "ack p99 ms", "batches", "broker CPU %"],
    r.latency.map((l) => [fmt(l.offeredMBps), String(l.repeat), String(l.batchRecords), fmt(l.e2eFromSend.p50), fmt(l.e2eFromSend.p99), fmt(l.e2eFromSend.p999), fmt(l.e2eFromSend.max), fmt(l.e2e.p99), fmt(l.e2e.max), fmt(l.sendLag.p99), fmt(l.ack.p99), `${l.consumedBatches}/${l.producedBatches}`, fmt(l.brokerCpuPct)]),
    ["r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
  ));
  out.push("");
  out.push("p50…max: from the moment a batch was written to the socket to the moment the consumer's Fetch returned it. \"From schedule\" starts at the batch's scheduled send time instead (no coordinated omission: it includes the load generator's timer lag and any queueing behind a slow broker); \"send lag\" is that lag alone.");
  out.push("");
  out.push("## Startup and idle memory");
  out.push("");
  const s = r.startup;
  out.push(mdTable(["measure", "value"], [
    ["spawn to first accepted connection, empty data dir (median)", `${fmt(s.emptyMs)} ms (runs: ${s.emptyAllMs.map((x) => fmt(x)).join(", ")})`],
    ["the same for a Bun process that only listens", `${fmt(s.bunBaselineMs)} ms`],
    ["broker's own startupMs (after Bun loaded the code)", `${fmt(s.selfReportedMs)} ms`],
    ["spawn to first accepted connection, 1,000 partitions on disk", `${fmt(s.with1000PartitionsMs)} ms`],
    ["idle RSS, 1,000 partitions just created (one batch each)", `${fmt(s.idle1000.rssMB)} MB (anon ${fmt(s.idle1000.anonMB)}, file ${fmt(s.idle1000.fileMB)})`],
    ["idle RSS, 1,000 partitions after a restart", `${fmt(s.idle1000.afterRestartRssMB)} MB (anon ${fmt(s.idle1000.afterRestartAnonMB)})`],
  ]));
  out.push("");
  out.push("## Profiles (bun --cpu-prof on the broker; self time as a share of busy time, native frames charged to the function of ours that called them)");
  for (const p of r.profiles) {
    out.push("");
    out.push(`### ${p.name}: ${p.what}`);
    out.push("");
    out.push(`Busy ${fmt(p.summary.busyMs)} ms of ${fmt(p.summary.totalMs)} ms wall (\`${p.file}\`, not committed).`);
    out.push("");
    out.push(mdTable(["self %", "self ms", "our function → native call", "where"], p.summary.byCaller.map((f) => [fmt(f.pct), fmt(f.selfMs), `\`${f.name}\``, f.location]), ["r", "r", "l", "l"]));
    out.push("");
    out.push("Top frames by self time: " + p.summary.top.slice(0, 8).map((f) => `\`${f.name}\` ${fmt(f.pct)}%`).join(", "));
    out.push("");
    out.push("By file: " + p.summary.byFile.slice(0, 8).map((f) => `${f.file} ${fmt(f.pct)}%`).join(", "));
  }
  out.push("");
  const findings = join(import.meta.dir, "findings.md");
  if (existsSync(findings)) {
    out.push(readFileSync(findings, "utf8").trimEnd());
    out.push("");
  }
  return out.join("\n");
}

function charts(r: Results, prefix: string): void {
  const sizes = [100, 1024, 10 * 1024];
  const combos = [
    { acks: 1, partitions: 1 },
    { acks: 1, partitions: 16 },
    { acks: -1, partitions: 1 },
    { acks: -1, partitions: 16 },
  ];
  const cell = (size: number, acks: number, partitions: number) => r.produce.find((x) => x.recordBytes === size && x.acks === acks && x.partitions === partitions);
  const svg1 = barChartSvg({
    title: "Produce throughput by record size (1 MiB batches) against the limit",
    yLabel: "MB/s (record values)",
    groups: sizes.map(fmtBytes),
    series: combos.map((c) => ({ name: `acks=${c.acks}, ${c.partitions} partition${c.partitions > 1 ? "s" : ""}`, values: sizes.map((s) => cell(s, c.acks, c.partitions)?.MBps ?? NaN) })),
    limit: { name: "limit (min of loopback, append)", values: sizes.map((s) => median(r.produce.filter((x) => x.recordBytes === s).map((x) => x.limitMBps))) },
  });
  writeFileSync(join(RESULTS, `${prefix}throughput.svg`), svg1);
  const loads = [...new Set(r.latency.map((l) => l.offeredMBps))];
  const perLoad = (pick: (l: LatencyRow) => number) => loads.map((x) => median(r.latency.filter((l) => l.offeredMBps === x).map(pick)));
  const svg2 = lineChartSvg({
    title: "End-to-end latency by offered load (1 KiB records, acks=1; median of runs)",
    xLabel: "offered load, MB/s",
    yLabel: "latency, ms (log)",
    x: loads,
    series: [
      { name: "p50", values: perLoad((l) => l.e2eFromSend.p50) },
      { name: "p99", values: perLoad((l) => l.e2eFromSend.p99) },
      { name: "p99.9", values: perLoad((l) => l.e2eFromSend.p999) },
      { name: "max", values: perLoad((l) => l.e2eFromSend.max) },
      { name: "p99 from schedule", values: perLoad((l) => l.e2e.p99) },
    ],
    logY: true,
    reference: { value: 5, label: "p99 target 5 ms" },
  });
  writeFileSync(join(RESULTS, `${prefix}latency.svg`), svg2);
  const svg3 = barChartSvg({
    title: "Consume throughput from the beginning of a partition against loopback",
    yLabel: "MB/s (record values)",
    groups: ["consume"],
    series: r.consume.map((c, i) => ({ name: `${c.client}${r.consume.findIndex((x) => x.client === c.client) !== i ? " (repeat)" : ""}`, values: [c.MBps] })),
    limit: { name: "loopback TCP", values: [r.consume[0]?.loopbackMBps ?? NaN] },
    width: 860,
  });
  writeFileSync(join(RESULTS, `${prefix}consume.svg`), svg3);
}

// ---------------------------------------------------------------------------------------------

export async function runHarness(argv: string[]): Promise<number> {
  const quick = argv.includes("--quick");
  const p = plan(quick);
  const started = performance.now();
  const prefix = quick ? "quick-" : "";
  mkdirSync(RESULTS, { recursive: true });
  const base = argv.find((a) => a.startsWith("--data-dir="))?.slice(11) ?? tmpdir();
  workDir = mkdtempSync(join(base, "takhin-bench-"));
  const tools: Tools = {
    kcat: hasCommand(["kcat", "-V"]),
    confluent: hasCommand(["/usr/bin/python3", "-c", "import confluent_kafka"]),
    node: hasCommand(["node", "-e", "import('@platformatic/kafka').then(() => process.exit(0), () => process.exit(1))"]),
  };
  log(`${quick ? "quick" : "full"} run; data in ${workDir}; clients: kcat ${tools.kcat}, confluent-kafka ${tools.confluent}, node+@platformatic/kafka ${tools.node}`);
  const commit = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: ROOT }).stdout.toString().trim();
  const meta: Record<string, unknown> = {
    date: new Date().toISOString(),
    quick,
    command: quick ? "bun run bench -- --quick" : "bun run bench",
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "?",
    memGiB: Math.round(totalmem() / 2 ** 30),
    bun: Bun.version,
    commit,
    loadAvgStart: loadavg().map((x) => x.toFixed(2)).join(" "),
    warmupMs: p.warmupMs,
    durationMs: p.durationMs,
    tools,
  };
  try {
    const produce: ProduceRow[] = [];
    for (const recordBytes of [100, 1024, 10 * 1024]) {
      for (const acks of [1, -1]) {
        for (const partitions of [1, 16]) produce.push(await produceScenario(p, recordBytes, MiB, acks, partitions));
      }
    }
    const batchSweep: ProduceRow[] = [];
    for (const batch of p.batchSweep) batchSweep.push(await produceScenario(p, 1024, batch, 1, 1));
    finalizeLimits([...produce, ...batchSweep]);
    const clientProduce = await clientProduceScenarios(p, tools);
    const { rows: consume, fill: consumeFill } = await consumeScenarios(p, tools);
    const latency = await latencyScenarios(p);
    const startup = await startupAndIdle(p);
    const profs = await profiles(p);
    meta.loadAvgEnd = loadavg().map((x) => x.toFixed(2)).join(" ");
    meta.wallSeconds = (performance.now() - started) / 1000;
    const partial = { meta, produce, batchSweep, clientProduce, consume, consumeFill, latency, startup, profiles: profs };
    const results: Results = { ...partial, targets: evaluateTargets(partial) };
    writeFileSync(join(RESULTS, `${quick ? "quick" : "latest"}.json`), JSON.stringify(results, null, 2) + "\n");
    writeFileSync(join(RESULTS, `${quick ? "quick" : "latest"}.md`), markdown(results));
    charts(results, prefix);
    log(`done in ${fmt(meta.wallSeconds as number)} s; wrote bench/results/${quick ? "quick" : "latest"}.{json,md} and ${prefix}{throughput,latency,consume}.svg`);
    for (const t of results.targets) log(`target ${t.met ? "met   " : "MISSED"} ${t.name}: ${t.measured} (goal ${t.target}; ${t.by})`);
    return 0;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (import.meta.main) process.exit(await runHarness(process.argv.slice(2)));

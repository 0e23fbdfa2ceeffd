/**
 * Kafka's own perf tools as a client family: kafka-producer-perf-test
 * (org.apache.kafka.tools.ProducerPerformance) and kafka-consumer-perf-test
 * (org.apache.kafka.tools.ConsumerPerformance), run as `java -Xmx512m -cp <kafkaClasspath()> <main>`
 * (the heap the kafka-*-perf-test.sh scripts give them) against every target, with the settings of
 * the published Kafka benchmarks (PERF_CASES); and librdkafka's rdkafka_performance (rdkafka-perf.ts)
 * with the settings issue 23 was measured with, when the binary is built. Per case and round, targets interleaved (A B A B):
 * a fresh topic, the page cache settled, the producer flat out (--throughput -1), then the consumer
 * reading the same records from the start, then the topic deleted.
 *
 * Output grammar parsed (Kafka 4.4):
 *   producer, last line: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency,
 *                         P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th."
 *   consumer: a header line "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg,
 *             nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec" and one data line.
 */
import { join } from "node:path";
import { kafkaClasspath } from "../../peer/kafka/classpath.ts";
import { cpuPerGB, readCpu, type CpuReading } from "../e2e/procstat.ts";
import { settlePageCache } from "./brokers.ts";
import { parseRdkafkaPerformance, rdkafkaConsumerArgs, rdkafkaPerformancePath, rdkafkaProducerArgs } from "./rdkafka-perf.ts";
import type { TargetRuntime } from "./runner.ts";
import { track, worker } from "./runner.ts";

export interface PerfCase {
  id: string;
  /** Which benchmark runs it: Kafka's perf tools (the default) or librdkafka's rdkafka_performance. */
  tool?: "kafka-perf-test" | "rdkafka_performance";
  /** Where the settings come from. */
  source: string;
  recordSize: number;
  records: number;
  partitions: number;
  producerProps: Record<string, string>;
}

const LINKEDIN = "LinkedIn, J. Kreps, “Benchmarking Apache Kafka: 2 Million Writes Per Second (On Three Cheap Machines)”, 2014: 100-byte records, 6 partitions, batch.size=8196, buffer.memory=67108864, acks=1 (async replication) and acks=-1 (sync)";
const CONFLUENT = "Confluent, “Benchmarking Apache Kafka, Apache Pulsar, and RabbitMQ: Which is the Fastest?”, 2020 (OMB Kafka driver): 1 KiB records, 100 partitions, batch.size=1048576, linger.ms=10, acks=all";

const RDKAFKA = "librdkafka's rdkafka_performance, as issue 23 measured Takhin: 2,000,000 records of 1 KiB, one partition, linger.ms=5, batch.size=1000000 (1 MB)";

export const PERF_CASES: PerfCase[] = [
  { id: "linkedin-100b-acks1", source: LINKEDIN, recordSize: 100, records: 2_000_000, partitions: 6, producerProps: { acks: "1", "batch.size": "8196", "buffer.memory": "67108864" } },
  { id: "linkedin-100b-acksall", source: LINKEDIN, recordSize: 100, records: 2_000_000, partitions: 6, producerProps: { acks: "all", "batch.size": "8196", "buffer.memory": "67108864" } },
  { id: "confluent-1kib-acks1", source: CONFLUENT, recordSize: 1024, records: 500_000, partitions: 100, producerProps: { acks: "1", "batch.size": "1048576", "linger.ms": "10" } },
  { id: "confluent-1kib-acksall", source: CONFLUENT, recordSize: 1024, records: 500_000, partitions: 100, producerProps: { acks: "all", "batch.size": "1048576", "linger.ms": "10" } },
  { id: "rdkafka-1kib-1p-acks1", tool: "rdkafka_performance", source: RDKAFKA, recordSize: 1024, records: 2_000_000, partitions: 1, producerProps: { acks: "1", "batch.size": "1000000", "linger.ms": "5" } },
  { id: "rdkafka-1kib-1p-acksall", tool: "rdkafka_performance", source: RDKAFKA, recordSize: 1024, records: 2_000_000, partitions: 1, producerProps: { acks: "all", "batch.size": "1000000", "linger.ms": "5" } },
];

/**
 * The cases that can run here: Kafka's perf tools always (the peer's classpath), rdkafka_performance
 * only when its binary is built (a note says how otherwise).
 */
export function availablePerfCases(cases: PerfCase[], log: (m: string) => void): PerfCase[] {
  if (rdkafkaPerformancePath() !== null) return cases;
  const skipped = cases.filter((c) => c.tool === "rdkafka_performance");
  if (skipped.length) log(`rdkafka_performance is not built (bun bench/compare/build-rdkafka-performance.ts, or TAKHIN_RDKAFKA_PERFORMANCE=path): skipping ${skipped.map((c) => c.id).join(", ")}`);
  return cases.filter((c) => c.tool !== "rdkafka_performance");
}

export const PERF_TOOL_HEAP = "-Xmx512m";

export interface ProducerPerfResult {
  records: number;
  recordsPerSec: number;
  MBps: number;
  avgMs: number;
  maxMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
}

export interface ConsumerPerfResult {
  MB: number;
  MBps: number;
  records: number;
  recordsPerSec: number;
  rebalanceMs: number;
  fetchMs: number;
  fetchMBps: number;
  fetchRecordsPerSec: number;
}

export interface PerfRun {
  case: string;
  target: string;
  round: number;
  ok: boolean;
  error?: string;
  cacheSettled: boolean | null;
  producer: ProducerPerfResult | null;
  consumer: ConsumerPerfResult | null;
  /** Broker CPU seconds (user + system) per GB of record values over the producer run (local targets). */
  brokerCpuSecondsPerGB: number | null;
  /** The same over the consumer run, which reads every record once (local targets). */
  brokerConsumeCpuSecondsPerGB: number | null;
}

/**
 * CPU seconds (utime + stime, /proc/<pid>/stat) between two readings per GB (10^9 bytes) moved
 * meanwhile; null without both readings or with nothing moved.
 */
export function cpuSecondsPerGB(before: CpuReading | null, after: CpuReading | null, bytes: number): number | null {
  if (!before || !after) return null;
  const v = cpuPerGB(after.cpuSeconds - before.cpuSeconds, bytes);
  return Number.isFinite(v) ? v : null;
}

const PRODUCER_LINE = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th/;

/** The summary line of ProducerPerformance's output (the last that matches), or null. */
export function parseProducerPerf(out: string): ProducerPerfResult | null {
  const lines = out.split("\n").filter((l) => PRODUCER_LINE.test(l));
  const m = lines.length ? PRODUCER_LINE.exec(lines[lines.length - 1]!) : null;
  if (!m) return null;
  const n = m.slice(1).map(Number);
  return { records: n[0]!, recordsPerSec: n[1]!, MBps: n[2]!, avgMs: n[3]!, maxMs: n[4]!, p50Ms: n[5]!, p95Ms: n[6]!, p99Ms: n[7]!, p999Ms: n[8]! };
}

/** ConsumerPerformance's header and data line, by column name, or null. */
export function parseConsumerPerf(out: string): ConsumerPerfResult | null {
  const lines = out.split("\n").map((l) => l.trim());
  const h = lines.findIndex((l) => l.startsWith("start.time"));
  if (h < 0 || !lines[h + 1]) return null;
  const names = lines[h]!.split(",").map((s) => s.trim());
  const vals = lines[h + 1]!.split(",").map((s) => s.trim());
  if (vals.length !== names.length) return null;
  const get = (k: string) => {
    const i = names.indexOf(k);
    return i < 0 ? NaN : Number(vals[i]);
  };
  const r = { MB: get("data.consumed.in.MB"), MBps: get("MB.sec"), records: get("data.consumed.in.nMsg"), recordsPerSec: get("nMsg.sec"), rebalanceMs: get("rebalance.time.ms"), fetchMs: get("fetch.time.ms"), fetchMBps: get("fetch.MB.sec"), fetchRecordsPerSec: get("fetch.nMsg.sec") };
  return Number.isFinite(r.records) ? r : null;
}

function java(): string {
  const home = process.env.KAFKA_PEER_JAVA_HOME ?? process.env.JAVA_HOME;
  return home ? join(home, "bin", "java") : "java";
}

async function runTool(args: string[], timeoutMs: number): Promise<{ code: number; out: string }> {
  return runCommand([java(), PERF_TOOL_HEAP, "-cp", kafkaClasspath(), ...args], timeoutMs);
}

async function runCommand(cmd: string[], timeoutMs: number): Promise<{ code: number; out: string }> {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  track(proc);
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, out: out + "\n" + err };
}

/**
 * rdkafka_performance's producer totals in ProducerPerformance's shape. It reports no latency
 * percentiles without -l (which costs throughput), so those are NaN ("–" in the report); a run with
 * failed deliveries or fewer acknowledged records than sent is no result.
 */
function rdkafkaProducerResult(out: string, records: number): ProducerPerfResult | null {
  const t = parseRdkafkaPerformance(out, "producer");
  if (!t || t.errors > 0 || t.records < records) return null;
  return { records: t.records, recordsPerSec: t.recordsPerSec, MBps: t.MBps, avgMs: NaN, maxMs: NaN, p50Ms: NaN, p95Ms: NaN, p99Ms: NaN, p999Ms: NaN };
}

/** rdkafka_performance's consumer totals in ConsumerPerformance's shape (no group: it reads partition 0). */
function rdkafkaConsumerResult(out: string): ConsumerPerfResult | null {
  const t = parseRdkafkaPerformance(out, "consumer");
  if (!t || t.errors > 0) return null;
  return { MB: t.bytes / 1e6, MBps: t.MBps, records: t.records, recordsPerSec: t.recordsPerSec, rebalanceMs: 0, fetchMs: t.elapsedMs, fetchMBps: t.MBps, fetchRecordsPerSec: t.recordsPerSec };
}

export async function runPerfTools(opts: { runtimes: TargetRuntime[]; cases: PerfCase[]; scale: number; repeats: number; settleCache: boolean; log: (m: string) => void }): Promise<PerfRun[]> {
  const runs: PerfRun[] = [];
  for (const c of opts.cases) {
    const records = Math.max(1000, Math.round(c.records * opts.scale));
    for (let round = 1; round <= opts.repeats; round++) {
      for (const rt of opts.runtimes) {
        const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
        const topic = `perf-${c.id}-${rt.target.name}-r${round}-${tag}`;
        const run: PerfRun = { case: c.id, target: rt.target.name, round, ok: false, cacheSettled: null, producer: null, consumer: null, brokerCpuSecondsPerGB: null, brokerConsumeCpuSecondsPerGB: null };
        opts.log(`perf tools · ${c.id} · ${rt.target.name} · round ${round}/${opts.repeats} (${records.toLocaleString("en-US")} records of ${c.recordSize} B)`);
        const common = { bootstrap: rt.bootstrap, commonConfig: {} };
        try {
          await worker({ ...common, mode: "setup", topics: [topic], partitions: c.partitions, replicationFactor: 1, topicConfig: {}, hardTimeoutS: 90 }, 100_000).result;
          if (opts.settleCache) {
            const s = settlePageCache();
            run.cacheSettled = s.settled;
            if (!s.settled) opts.log(`  page cache not settled: ${s.error}`);
          }
          const props = Object.entries({ "bootstrap.servers": rt.bootstrap, ...c.producerProps }).map(([k, v]) => `${k}=${v}`);
          const cpuA = rt.broker ? readCpu(rt.broker.pid) : null;
          const p = c.tool === "rdkafka_performance"
            ? await runCommand([rdkafkaPerformancePath()!, ...rdkafkaProducerArgs({ bootstrap: rt.bootstrap, topic, records, recordSize: c.recordSize, props: c.producerProps })], 300_000)
            : await runTool(["org.apache.kafka.tools.ProducerPerformance", "--topic", topic, "--num-records", String(records), "--record-size", String(c.recordSize), "--throughput", "-1", "--producer-props", ...props], 300_000);
          const cpuB = rt.broker ? readCpu(rt.broker.pid) : null;
          run.producer = c.tool === "rdkafka_performance" ? rdkafkaProducerResult(p.out, records) : parseProducerPerf(p.out);
          if (p.code !== 0 || !run.producer) throw new Error(`ProducerPerformance exited ${p.code}: ${p.out.trim().split("\n").slice(-3).join(" | ").slice(0, 400)}`);
          run.brokerCpuSecondsPerGB = cpuSecondsPerGB(cpuA, cpuB, records * c.recordSize);
          const cpuC = rt.broker ? readCpu(rt.broker.pid) : null;
          const q = c.tool === "rdkafka_performance"
            ? await runCommand([rdkafkaPerformancePath()!, ...rdkafkaConsumerArgs({ bootstrap: rt.bootstrap, topic, records })], 120_000)
            : await runTool(["org.apache.kafka.tools.ConsumerPerformance", "--bootstrap-server", rt.bootstrap, "--topic", topic, "--num-records", String(records), "--timeout", "30000", "--group", `perf-${tag}`], 300_000);
          const cpuD = rt.broker ? readCpu(rt.broker.pid) : null;
          run.consumer = c.tool === "rdkafka_performance" ? rdkafkaConsumerResult(q.out) : parseConsumerPerf(q.out);
          // The consumer run includes its group join and its final empty polls: the broker's whole cost of serving it.
          if (run.consumer) run.brokerConsumeCpuSecondsPerGB = cpuSecondsPerGB(cpuC, cpuD, run.consumer.records * c.recordSize);
          if (q.code !== 0 || !run.consumer) throw new Error(`ConsumerPerformance exited ${q.code}: ${q.out.trim().split("\n").slice(-3).join(" | ").slice(0, 400)}`);
          run.ok = run.consumer.records >= records;
          if (!run.ok) run.error = `consumer read ${run.consumer.records} of ${records} records`;
          opts.log(`  producer ${run.producer.MBps} MB/s (${run.producer.recordsPerSec} rec/s), p99 ${run.producer.p99Ms} ms; consumer ${run.consumer.MBps.toFixed(1)} MB/s${run.brokerCpuSecondsPerGB !== null ? `; broker ${run.brokerCpuSecondsPerGB.toFixed(1)} CPU s/GB producing` : ""}${run.brokerConsumeCpuSecondsPerGB !== null ? `, ${run.brokerConsumeCpuSecondsPerGB.toFixed(1)} consuming` : ""}`);
        } catch (e) {
          run.error = String((e as Error).message ?? e).slice(0, 600);
          opts.log(`  FAILED: ${run.error}`);
        } finally {
          const td = await worker({ ...common, mode: "teardown", topics: [topic], hardTimeoutS: 60 }, 70_000).result.catch((e) => ({ errors: [String(e.message ?? e)] }));
          if (td.errors?.length) opts.log(`  teardown: ${td.errors.join("; ")}`);
        }
        runs.push(run);
      }
    }
  }
  return runs;
}

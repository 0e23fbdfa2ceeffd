/**
 * Takhin side by side with Apache Kafka (bench/compare with a `local-kafka` target, peer/kafka):
 * the perf tools' output grammar parses (and a line that does not match is refused, not read as
 * zeros), ratios pair the first target with each other one, the command line knows the new
 * phases, and a smoke run — one short workload against a local Takhin and a local Kafka 4.4, real
 * librdkafka clients, one round — writes a well-formed report whose side-by-side ratios are the
 * two targets' figures divided, with broker CPU s/GB and peak RSS read from /proc for both
 * brokers (Kafka's JVM included). The run is a subprocess with a deadline (SIGTERM makes the
 * harness kill its workers and both brokers, then SIGKILL). Skipped without java and Maven.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "../../bench/compare/cli.ts";
import { localKind, parseTarget } from "../../bench/compare/driver.ts";
import { cpuSecondsPerGB, parseConsumerPerf, parseProducerPerf, PERF_CASES } from "../../bench/compare/perf-tools.ts";
import { aggregatePerf, pairUp, PERF_METRICS, type Report } from "../../bench/compare/report.ts";
import type { PerfRun } from "../../bench/compare/perf-tools.ts";
import { WorkloadError } from "../../bench/compare/workload.ts";
import { parseRdkafkaPerformance, rdkafkaConsumerArgs, rdkafkaProducerArgs } from "../../bench/compare/rdkafka-perf.ts";
import { javaAvailable } from "../../peer/kafka/classpath.ts";

const ROOT = join(import.meta.dir, "..", "..");
const BIN = join(ROOT, "bin", "takhin-bench.ts");

const PRODUCER_OUT = `120000 records sent, 23990.4 records/sec (2.29 MB/sec), 812.3 ms avg latency, 1402.0 ms max latency.
200000 records sent, 33344.448149 records/sec (3.18 MB/sec), 700.52 ms avg latency, 1402.00 ms max latency, 640 ms 50th, 1203 ms 95th, 1350 ms 99th, 1399 ms 99.9th.
`;
const CONSUMER_OUT = `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
2026-12-03 17:38:01:120, 2026-12-03 17:38:04:530, 19.0735, 5.5934, 200000, 58651.0264, 412, 2998, 6.3621, 66711.1408
`;

describe("perf tools output", () => {
  test("ProducerPerformance's summary line (the last full one) parses", () => {
    expect(parseProducerPerf(PRODUCER_OUT)).toEqual({ records: 200000, recordsPerSec: 33344.448149, MBps: 3.18, avgMs: 700.52, maxMs: 1402, p50Ms: 640, p95Ms: 1203, p99Ms: 1350, p999Ms: 1399 });
    // A progress line alone (no percentiles) or an error is no result.
    expect(parseProducerPerf(PRODUCER_OUT.split("\n")[0]!)).toBeNull();
    expect(parseProducerPerf("org.apache.kafka.common.errors.TimeoutException: Topic not present in metadata")).toBeNull();
  });

  test("ConsumerPerformance's header and data line parse by column name", () => {
    expect(parseConsumerPerf(CONSUMER_OUT)).toEqual({ MB: 19.0735, MBps: 5.5934, records: 200000, recordsPerSec: 58651.0264, rebalanceMs: 412, fetchMs: 2998, fetchMBps: 6.3621, fetchRecordsPerSec: 66711.1408 });
    expect(parseConsumerPerf(CONSUMER_OUT.split("\n")[0]!)).toBeNull();
    expect(parseConsumerPerf(CONSUMER_OUT.replace(", 66711.1408", ""))).toBeNull();
  });

  test("broker CPU s/GB of a phase: the CPU seconds between two readings over the GB moved, null when unknown", () => {
    expect(cpuSecondsPerGB({ atMs: 0, cpuSeconds: 10 }, { atMs: 5000, cpuSeconds: 12.5 }, 500e6)).toBe(5);
    expect(cpuSecondsPerGB(null, { atMs: 1, cpuSeconds: 1 }, 1e9)).toBeNull();
    expect(cpuSecondsPerGB({ atMs: 0, cpuSeconds: 1 }, { atMs: 1, cpuSeconds: 2 }, 0)).toBeNull();
  });

  // Captured from rdkafka_performance 2.14.2 (`-u`) against a local Takhin.
  const RDKAFKA_PRODUCER_OUT = [
    "% Sending 30000 messages of size 1024 bytes",
    "|    elapsed |       msgs |      bytes |        rtt |         dr |     dr_m/s |    dr_MB/s |     dr_err |     tx_err |       outq |     offset ",
    "|         65 |      30000 |   30720000 |          0 |      30000 |     457205 |     468.18 |          0 |          0 |          0 |      29999 ",
  ].join("\n");
  const RDKAFKA_CONSUMER_OUT = [
    "|    elapsed |       msgs |      bytes |        rtt |        m/s |       MB/s |     rx_err |     offset ",
    "|          0 |          0 |          0 |          0 |          0 |       0.00 |          0 |          0 ",
    "|         34 |      30000 |   30720000 |          0 |     870827 |     891.73 |          0 |      29999 ",
    "% Average application fetch latency: 17us",
  ].join("\n");

  test("rdkafka_performance's table output: the totals line by column name", () => {
    expect(parseRdkafkaPerformance(RDKAFKA_PRODUCER_OUT, "producer")).toEqual({ elapsedMs: 65, records: 30000, bytes: 30720000, recordsPerSec: 457205, MBps: 468.18, errors: 0 });
    expect(parseRdkafkaPerformance(RDKAFKA_CONSUMER_OUT, "consumer")).toEqual({ elapsedMs: 34, records: 30000, bytes: 30720000, recordsPerSec: 870827, MBps: 891.73, errors: 0 });
    // A header with no line after it, or no table at all, is no result.
    expect(parseRdkafkaPerformance(RDKAFKA_PRODUCER_OUT.split("\n").slice(0, 2).join("\n"), "producer")).toBeNull();
    expect(parseRdkafkaPerformance("% ERROR: Failed to create producer", "producer")).toBeNull();
    // Columns are found by name: a consumer table does not parse as a producer's.
    expect(parseRdkafkaPerformance(RDKAFKA_CONSUMER_OUT, "producer")).toBeNull();
  });

  test("rdkafka_performance's arguments: partition 0, acks as -a (all is -1), the other settings as -X", () => {
    expect(rdkafkaProducerArgs({ bootstrap: "h:1", topic: "t", records: 10, recordSize: 1024, props: { acks: "all", "linger.ms": "5" } })).toEqual(["-P", "-t", "t", "-p", "0", "-b", "h:1", "-s", "1024", "-c", "10", "-a", "-1", "-u", "-X", "linger.ms=5"]);
    expect(rdkafkaProducerArgs({ bootstrap: "h:1", topic: "t", records: 10, recordSize: 1, props: { acks: "1" } })).toContain("1");
    expect(rdkafkaConsumerArgs({ bootstrap: "h:1", topic: "t", records: 10 })).toEqual(["-C", "-t", "t", "-p", "0", "-b", "h:1", "-o", "beginning", "-c", "10", "-u"]);
  });

  test("the cases carry the published settings: 100 B and 1 KiB, acks 1 and all", () => {
    expect(new Set(PERF_CASES.map((c) => c.recordSize))).toEqual(new Set([100, 1024]));
    expect(new Set(PERF_CASES.map((c) => c.producerProps.acks))).toEqual(new Set(["1", "all"]));
    for (const c of PERF_CASES) {
      expect(c.producerProps["batch.size"]).toMatch(/^\d+$/);
      expect(c.source.length).toBeGreaterThan(20);
    }
  });
});

describe("side by side", () => {
  test("pairUp: first target ÷ each other, per group, NaN where a figure is missing or zero", () => {
    const rows = [
      { g: "w1", target: "takhin", mbps: 100, p99: 2 },
      { g: "w1", target: "kafka", mbps: 50, p99: 4 },
      { g: "w1", target: "other", mbps: 200, p99: 0 },
      { g: "w2", target: "kafka", mbps: 1, p99: 1 },
    ];
    const pairs = pairUp(rows, (r) => r.g, ["takhin", "kafka", "other"], [
      ["MB/s", "MB/s", "higher", (r) => r.mbps],
      ["p99", "ms", "lower", (r) => r.p99],
    ]);
    expect(pairs.map((p) => [p.group, p.a, p.b])).toEqual([["w1", "takhin", "kafka"], ["w1", "takhin", "other"]]);
    expect(pairs[0]!.metrics.map((m) => m.ratio)).toEqual([2, 0.5]);
    expect(pairs[1]!.metrics[0]!.ratio).toBe(0.5);
    expect(pairs[1]!.metrics[1]!.ratio).toBeNaN();
  });

  test("perf tools: producing and consuming CPU s/GB, each the median over rounds, paired takhin ÷ kafka", () => {
    const run = (target: string, round: number, produce: number, consume: number): PerfRun => ({
      case: "c", target, round, ok: true, cacheSettled: true,
      producer: parseProducerPerf(PRODUCER_OUT), consumer: parseConsumerPerf(CONSUMER_OUT),
      brokerCpuSecondsPerGB: produce, brokerConsumeCpuSecondsPerGB: consume,
    });
    const rows = aggregatePerf([run("takhin", 1, 2, 1), run("kafka", 1, 8, 3), run("takhin", 2, 4, 3), run("kafka", 2, 10, 5)], ["c"], ["takhin", "kafka"]);
    expect(rows.map((r) => [r.target, r.brokerCpuSecondsPerGB, r.brokerConsumeCpuSecondsPerGB])).toEqual([["takhin", 3, 2], ["kafka", 9, 4]]);
    const [pair] = pairUp(rows, (r) => r.case, ["takhin", "kafka"], PERF_METRICS);
    expect(pair!.metrics.find((m) => m.name === "broker CPU s/GB (produce)")!.ratio).toBeCloseTo(3 / 9, 9);
    expect(pair!.metrics.find((m) => m.name === "broker CPU s/GB (consume)")!.ratio).toBe(0.5);
  });

  test("command line: local-kafka targets and the facts / perf-tools phases", () => {
    const t = parseTarget("kafka=local-kafka;producer:linger.ms=5");
    expect(localKind(t)).toBe("kafka");
    expect(localKind(parseTarget("takhin=local"))).toBe("takhin");
    expect(localKind(parseTarget("x=127.0.0.1:9092"))).toBeNull();
    const o = parseArgs(["--target", "takhin=local", "--target", "kafka=local-kafka", "--workload", "none", "--broker-facts", "--facts-partitions", "200", "--perf-tools", "--perf-scale", "0.1", "--perf-cases", "linkedin-100b-acks1", "--no-settle"]);
    expect(o).toMatchObject({ workloads: [], brokerFacts: true, factsPartitions: 200, perfTools: true, perfScale: 0.1, perfCases: ["linkedin-100b-acks1"], settle: false, repeats: 2 });
    expect(parseArgs(["--workload", "all"]).workloads.length).toBeGreaterThanOrEqual(7);
    expect(() => parseArgs(["--perf-cases", "nope"])).toThrow(WorkloadError);
    expect(() => parseArgs(["--facts-partitions", "0"])).toThrow(WorkloadError);
    expect(() => parseArgs(["--workload", "none,100b-records"])).toThrow(WorkloadError);
  });

  test.skipIf(!javaAvailable())(
    "smoke: one short workload against local Takhin and local Apache Kafka, report well formed, ratios computed",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "takhin-cmp-kafka-"));
      const file = join(dir, "smoke.yaml");
      const out = join(dir, "out");
      writeFileSync(file, "name: smoke\ntopics: 1\npartitionsPerTopic: 2\nmessageSize: 256\nsubscriptionsPerTopic: 1\nconsumerPerSubscription: 1\nproducersPerTopic: 1\nproducerRate: 1000\ntestDurationMinutes: 0.05\nwarmupDurationMinutes: 0.02\n");
      const proc = Bun.spawn(["bun", BIN, "--target", "takhin=local", "--target", "kafka=local-kafka", "--workload", file, "--repeats", "1", "--no-settle", "--out", out, "--data-dir", dir], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
      const term = setTimeout(() => proc.kill("SIGTERM"), 170_000);
      const kill = setTimeout(() => proc.kill("SIGKILL"), 175_000);
      try {
        const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
        if (code !== 0) console.error(stdout.slice(-3000), stderr.slice(-3000));
        expect(code).toBe(0);
        const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as Report;
        expect(report.targets.map((t) => [t.name, t.kind])).toEqual([["takhin", "takhin"], ["kafka", "kafka"]]);
        expect(report.targets[1]!.version).toMatch(/^4\./);
        expect(report.rows).toHaveLength(2);
        for (const row of report.rows) {
          expect(row.okRounds).toBe(1);
          expect(row.publishRecordsPerSec).toBeGreaterThan(200);
          expect(row.publishLatencyMs.p99).toBeGreaterThanOrEqual(row.publishLatencyMs.p50);
          expect(row.e2eLatencyMs.p50).toBeGreaterThan(0);
          // /proc of the broker's own pid (Bun's, the JVM's): some CPU per GB and an RSS of at least 20 MB.
          expect(row.brokerCpuSecondsPerGB!).toBeGreaterThan(0);
          expect(row.brokerPeakRssMB!).toBeGreaterThan(20);
        }
        // Every record acknowledged in the window reached the consumer, on both brokers.
        for (const r of report.runs) expect(r.consume.total).toBeGreaterThanOrEqual(r.publish.records);
        expect(report.pairs).toHaveLength(1);
        const pair = report.pairs[0]!;
        expect([pair.group, pair.a, pair.b]).toEqual(["smoke", "takhin", "kafka"]);
        const [tk, kf] = report.rows;
        const m = (name: string) => pair.metrics.find((x) => x.name === name)!;
        expect(m("publish MB/s").ratio).toBeCloseTo(tk!.publishMBps / kf!.publishMBps, 6);
        expect(m("end-to-end p99").ratio).toBeCloseTo(tk!.e2eLatencyMs.p99 / kf!.e2eLatencyMs.p99, 6);
        expect(m("broker CPU s/GB").ratio).toBeCloseTo(tk!.brokerCpuSecondsPerGB! / kf!.brokerCpuSecondsPerGB!, 6);
        expect(m("broker peak RSS").ratio).toBeCloseTo(tk!.brokerPeakRssMB! / kf!.brokerPeakRssMB!, 6);
        expect(report.cacheSettling).toContain("--no-settle");
        const md = readFileSync(join(out, "report.md"), "utf8");
        expect(md.split("\n").slice(0, 4).join("\n")).toContain("bun bin/takhin-bench.ts --target takhin=local --target kafka=local-kafka");
        expect(md).toContain("## Side by side (takhin ÷ kafka)");
        expect(md).toContain("takhin ÷ kafka");
        expect(md).toContain("Apache Kafka 4.");
        for (const svg of ["throughput.svg", "cpu-per-gb.svg", "peak-rss.svg"]) expect(readFileSync(join(out, svg), "utf8")).toStartWith("<svg");
        expect(readdirSync(dir).filter((n) => n.startsWith("takhin-compare-"))).toEqual([]); // the work dir (both brokers' data) is removed at the end
      } finally {
        clearTimeout(term);
        clearTimeout(kill);
        proc.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { timeout: 180_000 },
  );
});

/**
 * The broker comparison harness (bench/compare): workload files are validated field by field, the
 * shipped workloads parse, target options parse, and a tiny workload runs end to end against two
 * local Takhin brokers (default flush policy vs flush.messages=1) with real librdkafka clients and
 * a consumer group, producing a well-formed comparison report. The end-to-end run is a subprocess
 * with a deadline: SIGTERM (which makes the harness kill its workers and brokers), then SIGKILL.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, parseDuration } from "../../bench/compare/cli.ts";
import { loadDriver, parseDriver, parseTarget, librdkafkaConfig } from "../../bench/compare/driver.ts";
import type { Report } from "../../bench/compare/report.ts";
import { aggregate } from "../../bench/compare/report.ts";
import { listWorkloads, loadWorkload, parseWorkload, WorkloadError } from "../../bench/compare/workload.ts";

const ROOT = join(import.meta.dir, "..", "..");
const BIN = join(ROOT, "bin", "takhin-bench.ts");

const VALID = `
name: tiny
topics: 1
partitionsPerTopic: 4
messageSize: 200
keyDistributor: KEY_ROUND_ROBIN
subscriptionsPerTopic: 1
consumerPerSubscription: 2
producersPerTopic: 1
producerRate: 2000
testDurationMinutes: 0.04
warmupDurationMinutes: 0.01
`;

function refusal(yaml: string): WorkloadError {
  try {
    parseWorkload(yaml, "x", "x.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(WorkloadError);
    return e as WorkloadError;
  }
  throw new Error("accepted a bad workload");
}

describe("workload files", () => {
  test("a valid file parses with OMB field names and defaults", () => {
    const w = parseWorkload(VALID, "tiny");
    expect(w).toMatchObject({ topics: 1, partitionsPerTopic: 4, messageSize: 200, keyDistributor: "KEY_ROUND_ROBIN", consumerPerSubscription: 2, producerRate: 2000, consumerBacklogSizeGB: 0, keySpace: 10_000 });
    expect(w.testDurationMinutes * 60).toBeCloseTo(2.4);
  });

  test("bad files are refused with a message naming the field", () => {
    const cases: [string, string][] = [
      [VALID.replace("partitionsPerTopic: 4", ""), "partitionsPerTopic"],
      [VALID.replace("partitionsPerTopic: 4", "partitionsPerTopic: four"), "partitionsPerTopic"],
      [VALID.replace("messageSize: 200", "messageSize: 4"), "messageSize"],
      [VALID.replace("KEY_ROUND_ROBIN", "ROUND_ROBIN"), "keyDistributor"],
      [VALID.replace("producerRate: 2000", "producerRate: -1"), "producerRate"],
      [VALID.replace("testDurationMinutes: 0.04", "testDurationMinutes: 0"), "testDurationMinutes"],
      [VALID + "partitionPerTopic: 3\n", "partitionPerTopic"],
      [VALID.replace("consumerPerSubscription: 2", "consumerPerSubscription: 2.5"), "consumerPerSubscription"],
      [VALID.replace("KEY_ROUND_ROBIN", "NO_KEY") + "topicConfig:\n  cleanup.policy: compact\n", "keyDistributor"],
      [VALID + "topicConfig: [1, 2]\n", "topicConfig"],
      [VALID.replace("name: tiny", ""), "name"],
      ["- a\n- b\n", "(document)"],
      ["name: [unclosed\n", "(yaml)"],
    ];
    for (const [yaml, field] of cases) {
      const e = refusal(yaml);
      expect(e.field).toBe(field);
      expect(e.message).toContain(`${field}:`);
      expect(e.message).toContain("x.yaml");
    }
  });

  test("topicConfig as a map or as OMB's key=value block", () => {
    expect(parseWorkload(VALID + "topicConfig:\n  flush.messages: 1\n", "t").topicConfig).toEqual({ "flush.messages": "1" });
    expect(parseWorkload(VALID + "topicConfig: |\n  flush.messages=1\n  segment.bytes=1048576\n", "t").topicConfig).toEqual({ "flush.messages": "1", "segment.bytes": "1048576" });
  });

  test("the shipped workloads all parse and include the required set", () => {
    const names = listWorkloads();
    for (const n of ["1-topic-1-partition-1kb", "1-topic-16-partitions-1kb", "1-topic-100-partitions-1kb", "max-rate-1-topic-100-partitions-1kb", "100b-records", "chat-fanout", "cdc-compacted"]) expect(names).toContain(n);
    for (const n of names) {
      const w = loadWorkload(n);
      expect(w.payloadFileMissing).toBeNull();
    }
    expect(loadWorkload("chat-fanout")).toMatchObject({ partitionsPerTopic: 100, keyDistributor: "KEY_ROUND_ROBIN", consumerPerSubscription: 4 });
    expect(loadWorkload("cdc-compacted").topicConfig["cleanup.policy"]).toBe("compact");
    expect(loadWorkload("max-rate-1-topic-100-partitions-1kb").producerRate).toBe(0);
  });
});

describe("targets, drivers, options", () => {
  test("--target name=bootstrap with per-target topic and client settings", () => {
    expect(parseTarget("kafka=k1:9092,k2:9092")).toMatchObject({ name: "kafka", bootstrap: "k1:9092,k2:9092" });
    expect(parseTarget("fsync=local;topic:flush.messages=1;producer:linger.ms=5")).toMatchObject({ bootstrap: "local", topicConfig: { "flush.messages": "1" }, producerConfig: { "linger.ms": "5" } });
    expect(() => parseTarget("nobootstrap")).toThrow("--target");
    expect(() => parseTarget("a=k1")).toThrow("host:port");
    expect(() => parseTarget("a=local;bogus")).toThrow("topic:key=value");
  });

  test("OMB driver files: Java-only properties are dropped for librdkafka", () => {
    const d = parseDriver("name: K\nreplicationFactor: 3\ncommonConfig: |\n  bootstrap.servers=x:1\n  default.api.timeout.ms=600000\nproducerConfig: |\n  acks=all\n", null);
    expect(d.replicationFactor).toBe(3);
    expect(librdkafkaConfig({ ...d.commonConfig, ...d.producerConfig })).toEqual({ config: { acks: "all" }, dropped: ["default.api.timeout.ms"] });
    expect(loadDriver().producerConfig).toMatchObject({ acks: "all", "linger.ms": "1", "batch.size": "1048576" });
    expect(() => parseDriver("replicationFactor: 0\n", "d.yaml")).toThrow("replicationFactor");
  });

  test("command line", () => {
    const o = parseArgs(["--bootstrap", "k1:9092", "--target", "takhin=local", "--workload", "a,b", "--duration", "2m", "--warmup=10s"]);
    expect(o.targets.map((t) => t.name)).toEqual(["kafka", "takhin"]);
    expect(o.workloads).toEqual(["a", "b"]);
    expect(o).toMatchObject({ durationS: 120, warmupS: 10, repeats: 2 });
    expect(parseArgs([]).targets[0]).toMatchObject({ name: "takhin", bootstrap: "local" });
    expect(() => parseArgs(["--target", "a=local", "--target", "a=local"])).toThrow("twice");
    expect(() => parseArgs(["--frobnicate"])).toThrow("--frobnicate");
    expect(parseArgs(["--client", "kafkajs"]).client).toBe("kafkajs");
    expect(() => parseArgs(["--client", "sarama"])).toThrow("--client");
    expect(parseDuration("1.5m", "--duration")).toBe(90);
  });

  test("aggregate: medians over rounds and ratios to the first target", () => {
    const run = (target: string, round: number, MBps: number, p99: number): any => ({
      workload: "w",
      target,
      round,
      ok: true,
      publish: { MBps, recordsPerSec: MBps * 1000 },
      consume: { MBps, recordsPerSec: MBps * 1000, catchUpSeconds: null },
      publishLatencyMs: { p50: 1, p99, p999: p99, max: p99 },
      e2eLatencyMs: { p50: 2, p99: p99 * 2, p999: p99 * 2, max: p99 * 2 },
    });
    const rows = aggregate([run("a", 1, 10, 4), run("b", 1, 5, 8), run("a", 2, 20, 6), run("b", 2, 7, 12)], ["w"], ["a", "b"]);
    expect(rows[0]).toMatchObject({ target: "a", publishMBps: 15, okRounds: 2 });
    expect(rows[1].publishMBps).toBe(6);
    expect(rows[1].ratioToBaseline.publishMBps).toBeCloseTo(0.4);
    expect(rows[1].ratioToBaseline.publishP99).toBeCloseTo(2);
  });
});

const hasPython = Bun.spawnSync(["/usr/bin/python3", "-c", "import confluent_kafka"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;

describe.skipIf(!hasPython)("end to end", () => {
  test("a bad workload file is refused by the CLI, naming the field", () => {
    const dir = mkdtempSync(join(tmpdir(), "takhin-cmp-bad-"));
    try {
      const file = join(dir, "bad.yaml");
      writeFileSync(file, VALID.replace("producerRate: 2000", "producerRate: fast"));
      const r = Bun.spawnSync(["bun", BIN, "--workload", file], { cwd: ROOT, stdout: "pipe", stderr: "pipe", timeout: 20_000 });
      expect(r.exitCode).toBe(2);
      expect(r.stderr.toString()).toContain("producerRate: must be an integer");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(
    "two local Takhin targets (default vs flush.messages=1) give a well-formed comparison",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "takhin-cmp-e2e-"));
      const file = join(dir, "tiny.yaml");
      const out = join(dir, "out");
      writeFileSync(file, VALID);
      const proc = Bun.spawn(["bun", BIN, "--target", "default=local", "--target", "fsync=local;topic:flush.messages=1", "--workload", file, "--repeats", "1", "--no-settle", "--out", out, "--data-dir", dir], {
        cwd: ROOT,
        stdout: "pipe",
        stderr: "pipe",
      });
      const term = setTimeout(() => proc.kill("SIGTERM"), 50_000);
      const kill = setTimeout(() => proc.kill("SIGKILL"), 55_000);
      try {
        const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
        if (code !== 0) console.error(stdout.slice(-3000), stderr.slice(-3000));
        expect(code).toBe(0);
        const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as Report;
        expect(report.targets.map((t) => t.name)).toEqual(["default", "fsync"]);
        expect(report.baseline).toBe("default");
        expect(report.machine.cores).toBeGreaterThan(0);
        expect(report.machine.cpuModel).not.toBe("");
        expect(report.machine.kernel).not.toBe("");
        expect(report.rows).toHaveLength(2);
        for (const row of report.rows) {
          expect(row.okRounds).toBe(1);
          // Behaviour, not speed: records went through in the window (how fast depends on the machine's load).
          expect(row.publishRecordsPerSec).toBeGreaterThan(0);
          expect(row.consumeRecordsPerSec).toBeGreaterThan(0); // by receive time in the window: a loaded machine shifts it
          expect(row.publishLatencyMs.p50).toBeGreaterThan(0);
          expect(row.publishLatencyMs.p99).toBeGreaterThanOrEqual(row.publishLatencyMs.p50);
          expect(row.publishLatencyMs.max).toBeGreaterThanOrEqual(row.publishLatencyMs.p999);
          expect(row.e2eLatencyMs.p99).toBeGreaterThan(0);
        }
        expect(report.rows[0].ratioToBaseline.publishMBps).toBe(1);
        // The ratio is computed against the baseline's figure (any positive value: the fsync target's speed is not under test).
        const ratio = report.rows[1].ratioToBaseline.publishMBps;
        expect(ratio).toBeGreaterThan(0);
        expect(ratio).toBeCloseTo(report.rows[1].publishMBps / report.rows[0].publishMBps, 6);
        const fsyncRun = report.runs.find((r) => r.target === "fsync")!;
        expect(fsyncRun.settings.topic["flush.messages"]).toBe("1");
        expect(fsyncRun.settings.producer.acks).toBe("all");
        // Every record acknowledged in the window reached the group's two members.
        for (const r of report.runs) expect(r.consume.total).toBeGreaterThanOrEqual(r.publish.records);
        const md = readFileSync(join(out, "report.md"), "utf8");
        expect(md).toContain("| workload | target | publish MB/s");
        expect(md).toContain(report.machine.cpuModel);
        expect(md).toContain("acks=all");
        for (const svg of ["throughput.svg", "publish-latency.svg", "e2e-latency.svg", "latency-tiny.svg"]) {
          expect(existsSync(join(out, svg))).toBe(true);
          expect(readFileSync(join(out, svg), "utf8")).toStartWith("<svg");
        }
      } finally {
        clearTimeout(term);
        clearTimeout(kill);
        proc.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { timeout: 60_000 },
  );

  test(
    "the JS client family (kafkajs under Node) runs the same workload through a consumer group",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "takhin-cmp-js-"));
      const file = join(dir, "tiny.yaml");
      const out = join(dir, "out");
      writeFileSync(file, VALID);
      const proc = Bun.spawn(["bun", BIN, "--client", "kafkajs", "--workload", file, "--duration", "1.5s", "--warmup", "0.5s", "--no-settle", "--out", out, "--data-dir", dir], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
      const term = setTimeout(() => proc.kill("SIGTERM"), 35_000);
      const kill = setTimeout(() => proc.kill("SIGKILL"), 40_000);
      try {
        const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
        if (code !== 0) console.error(stdout.slice(-3000), stderr.slice(-3000));
        expect(code).toBe(0);
        const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as Report;
        expect(report.client).toStartWith("kafkajs");
        expect(report.rows[0].okRounds).toBe(1);
        expect(report.rows[0].e2eLatencyMs.p50).toBeGreaterThan(0);
        expect(report.runs[0].consume.total).toBeGreaterThanOrEqual(report.runs[0].publish.records);
      } finally {
        clearTimeout(term);
        clearTimeout(kill);
        proc.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { timeout: 45_000 },
  );
});

/**
 * Command line of the broker comparison (also reached through `bun run bench -- --bootstrap ...`,
 * `--target ...` or `--workload ...`, and `bin/takhin-bench.ts`).
 *
 *   --bootstrap host:port[,host:port]   one Kafka-compatible cluster (named by --name, default "kafka")
 *   --target name=bootstrap[;topic:k=v][;producer:k=v][;consumer:k=v]
 *                                       repeatable; bootstrap "local" starts a Takhin broker here,
 *                                       "local-kafka" an Apache Kafka peer (peer/kafka)
 *   --workload name|file.yaml|all|none  repeatable or comma-separated (default 1-topic-16-partitions-1kb)
 *   --driver name|file.yaml             client settings, OMB driver format (default kafka-throughput)
 *   --repeats N                         rounds per target, interleaved A B A B (default 2 with several targets)
 *   --duration 30s --warmup 5s          override the workloads' durations (s or m suffix)
 *   --out DIR                           where the report goes (default bench/results/compare/latest)
 *   --client librdkafka|kafkajs         producer/consumer family (default librdkafka)
 *   --broker-facts                      also time startup / idle RSS with N partitions / restart of local targets
 *   --facts-partitions N --facts-idle 10s   (default 1000 partitions, 10 s idle)
 *   --perf-tools                        also run kafka-producer-perf-test / kafka-consumer-perf-test (perf-tools.ts),
 *                                       and rdkafka_performance when built (rdkafka-perf.ts)
 *   --perf-scale X --perf-cases a,b --perf-repeats N   scale their record counts; pick cases (default all); rounds
 *   --no-settle                         do not drop the page cache before write phases (default: sync; drop_caches)
 *   --title TEXT   --data-dir DIR   --samples N   --list   --help
 *
 * With neither --bootstrap nor --target, one local Takhin is started (target "takhin").
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { loadDriver, parseBootstrap, parseTarget, type Target } from "./driver.ts";
import { describeMachine } from "./machine.ts";
import { writeReport, aggregate, REPORT_VERSION, type Report } from "./report.ts";
import { abortAll, CLIENTS, defaultWorkDir, PYTHON, runPlan, type ClientFamily } from "./runner.ts";
import { listWorkloads, loadWorkload, WorkloadError } from "./workload.ts";
import { localKind } from "./driver.ts";
import { runFacts, type BrokerFacts } from "./facts.ts";
import { availablePerfCases, PERF_CASES, runPerfTools, type PerfRun } from "./perf-tools.ts";
import { aggregateFacts, aggregatePerf, FACTS_METRICS, pairUp, PERF_METRICS, WORKLOAD_METRICS } from "./report.ts";
import { kafkaVersion } from "../../peer/kafka/classpath.ts";

const ROOT = join(import.meta.dir, "..", "..");
export const DEFAULT_OUT = join(ROOT, "bench", "results", "compare", "latest");
const DEFAULT_WORKLOAD = "1-topic-16-partitions-1kb";

export interface CliOptions {
  targets: Target[];
  workloads: string[];
  driver: string | undefined;
  repeats: number;
  durationS?: number;
  warmupS?: number;
  out: string;
  title: string;
  dataDir?: string;
  samplesCap: number;
  client: ClientFamily;
  list: boolean;
  help: boolean;
  brokerFacts: boolean;
  factsPartitions: number;
  factsIdleS: number;
  perfTools: boolean;
  perfScale: number;
  perfCases: string[];
  /** Rounds of the perf tools (default: --repeats). */
  perfRepeats: number;
  settle: boolean;
}

/** "30", "30s", "2m", "1.5m" -> seconds. */
export function parseDuration(s: string, option: string): number {
  const m = s.trim().match(/^(\d+(?:\.\d+)?)\s*(s|m|ms)?$/);
  if (!m) throw new WorkloadError(option, `"${s}" is not a duration (30s, 2m)`);
  const v = Number(m[1]) * (m[2] === "m" ? 60 : m[2] === "ms" ? 0.001 : 1);
  if (!(v >= 0) || v > 3600) throw new WorkloadError(option, `${s} is outside 0..60m`);
  return v;
}

export function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = { targets: [], workloads: [], driver: undefined, repeats: 0, out: DEFAULT_OUT, title: "", samplesCap: 1_000_000, client: "librdkafka", list: false, help: false, brokerFacts: false, factsPartitions: 1000, factsIdleS: 10, perfTools: false, perfScale: 1, perfCases: [], perfRepeats: 0, settle: true };
  let bootstrap: string | undefined;
  let name = "kafka";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf("=");
    const [flag, inline] = a.startsWith("--") && eq > 0 && !a.startsWith("--target=") ? [a.slice(0, eq), a.slice(eq + 1)] : a.startsWith("--target=") ? ["--target", a.slice(9)] : [a, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new WorkloadError(flag, "needs a value");
      return v;
    };
    switch (flag) {
      case "--bootstrap":
        bootstrap = parseBootstrap(value());
        break;
      case "--name":
        name = value();
        break;
      case "--target":
        o.targets.push(parseTarget(value()));
        break;
      case "--workload":
        o.workloads.push(...value().split(",").map((s) => s.trim()).filter(Boolean));
        break;
      case "--driver":
        o.driver = value();
        break;
      case "--repeats": {
        const v = Number(value());
        if (!Number.isInteger(v) || v < 1 || v > 20) throw new WorkloadError("--repeats", "must be an integer 1..20");
        o.repeats = v;
        break;
      }
      case "--duration":
        o.durationS = parseDuration(value(), "--duration");
        if (o.durationS <= 0) throw new WorkloadError("--duration", "must be above 0");
        break;
      case "--warmup":
        o.warmupS = parseDuration(value(), "--warmup");
        break;
      case "--out":
        o.out = value();
        break;
      case "--title":
        o.title = value();
        break;
      case "--data-dir":
        o.dataDir = value();
        break;
      case "--samples": {
        const v = Number(value());
        if (!Number.isInteger(v) || v < 1000 || v > 10_000_000) throw new WorkloadError("--samples", "must be an integer 1000..10,000,000");
        o.samplesCap = v;
        break;
      }
      case "--client": {
        const v = value();
        if (!(v in CLIENTS)) throw new WorkloadError("--client", `must be one of ${Object.keys(CLIENTS).join(", ")}`);
        o.client = v as ClientFamily;
        break;
      }
      case "--list":
        o.list = true;
        break;
      case "--broker-facts":
        o.brokerFacts = true;
        break;
      case "--facts-partitions": {
        const v = Number(value());
        if (!Number.isInteger(v) || v < 1 || v > 10_000) throw new WorkloadError("--facts-partitions", "must be an integer 1..10,000");
        o.factsPartitions = v;
        break;
      }
      case "--facts-idle":
        o.factsIdleS = parseDuration(value(), "--facts-idle");
        if (o.factsIdleS > 300) throw new WorkloadError("--facts-idle", "must be at most 5m");
        break;
      case "--perf-tools":
        o.perfTools = true;
        break;
      case "--perf-scale": {
        const v = Number(value());
        if (!(v >= 0.0001 && v <= 10)) throw new WorkloadError("--perf-scale", "must be a number 0.0001..10");
        o.perfScale = v;
        break;
      }
      case "--perf-cases":
        for (const c of value().split(",").map((x) => x.trim()).filter(Boolean)) {
          if (!PERF_CASES.some((p) => p.id === c)) throw new WorkloadError("--perf-cases", `unknown case "${c}" (known: ${PERF_CASES.map((p) => p.id).join(", ")})`);
          o.perfCases.push(c);
        }
        break;
      case "--perf-repeats": {
        const v = Number(value());
        if (!Number.isInteger(v) || v < 1 || v > 20) throw new WorkloadError("--perf-repeats", "must be an integer 1..20");
        o.perfRepeats = v;
        break;
      }
      case "--no-settle":
        o.settle = false;
        break;
      case "--help":
      case "-h":
        o.help = true;
        break;
      default:
        throw new WorkloadError(a, "unknown option (see --help)");
    }
  }
  if (bootstrap) o.targets.unshift(parseTarget(`${name}=${bootstrap}`));
  if (o.targets.length === 0) o.targets.push(parseTarget("takhin=local"));
  const names = new Set<string>();
  for (const t of o.targets) {
    if (names.has(t.name)) throw new WorkloadError("--target", `name "${t.name}" given twice`);
    names.add(t.name);
  }
  if (o.workloads.length === 0) o.workloads.push(DEFAULT_WORKLOAD);
  if (o.workloads.includes("all")) o.workloads = listWorkloads();
  if (o.workloads.includes("none")) {
    if (o.workloads.length > 1) throw new WorkloadError("--workload", "none cannot be combined with workloads");
    o.workloads = [];
  }
  if (o.repeats === 0) o.repeats = o.targets.length > 1 ? 2 : 1;
  if (o.perfRepeats === 0) o.perfRepeats = o.repeats;
  return o;
}

const HELP = `takhin-bench: run OpenMessaging-Benchmark-style workloads against Kafka-compatible brokers

  bun bin/takhin-bench.ts --bootstrap kafka1:9092 --workload 1-topic-16-partitions-1kb
  bun bin/takhin-bench.ts --target kafka=kafka1:9092 --target takhin=local --workload chat-fanout
  bun run bench -- --target default=local --target fsync=local\\;topic:flush.messages=1 --workload 100b-records
  bun bin/takhin-bench.ts --target takhin=local --target kafka=local-kafka --workload all --broker-facts --perf-tools

Options: --bootstrap, --name, --target (repeatable), --workload (repeatable), --driver, --repeats,
--duration, --warmup, --client, --out, --title, --data-dir, --samples, --list, --broker-facts,
--facts-partitions, --facts-idle, --perf-tools, --perf-scale, --perf-cases, --perf-repeats, --no-settle.
See README "Comparing brokers" and docs/benchmarks-kafka.md.`;

function log(msg: string): void {
  console.log(`[compare ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

export async function runCompare(argv: string[]): Promise<number> {
  let o: CliOptions;
  try {
    o = parseArgs(argv);
  } catch (e) {
    if (e instanceof WorkloadError) {
      console.error(`takhin-bench: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (o.help) {
    console.log(HELP);
    return 0;
  }
  if (o.list) {
    for (const w of listWorkloads()) console.log(w);
    return 0;
  }
  let workloads;
  let driver;
  try {
    workloads = o.workloads.map((w) => loadWorkload(w));
    driver = loadDriver(o.driver);
  } catch (e) {
    if (e instanceof WorkloadError) {
      console.error(`takhin-bench: refused: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const probe = Bun.spawnSync([PYTHON, "-c", "import confluent_kafka"], { stdout: "ignore", stderr: "ignore", timeout: 10_000 });
  if (probe.exitCode !== 0) {
    console.error(`takhin-bench: needs ${PYTHON} with confluent_kafka (Debian: apt-get install python3-confluent-kafka)`);
    return 2;
  }
  for (const w of workloads) {
    if (w.payloadFileMissing) log(`${w.id}: payloadFile ${w.payloadFileMissing} not found; using ${w.messageSize} random bytes`);
    if (Object.keys(w.ignored).length) log(`${w.id}: OMB fields accepted but not acted on: ${Object.keys(w.ignored).join(", ")}`);
  }
  const workDir = defaultWorkDir(o.dataDir);
  const started = performance.now();
  const machine = describeMachine(workDir);
  const onSignal = () => {
    abortAll();
    rmSync(workDir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  log(`${o.targets.map((t) => t.name).join(" vs ")}; workloads ${workloads.map((w) => w.id).join(", ")}; ${o.repeats} round(s); work dir ${workDir}`);
  try {
    let perfRuns: PerfRun[] | null = null;
    const perfCases = o.perfTools ? availablePerfCases(o.perfCases.length ? PERF_CASES.filter((c) => o.perfCases.includes(c.id)) : PERF_CASES, log) : [];
    const after = o.perfTools ? async (rts: Parameters<NonNullable<Parameters<typeof runPlan>[0]["after"]>>[0]) => {
      perfRuns = await runPerfTools({ runtimes: rts, cases: perfCases, scale: o.perfScale, repeats: o.perfRepeats, settleCache: o.settle, log });
    } : undefined;
    const { runs, runtimes } = await runPlan({ workloads, targets: o.targets, driver, repeats: o.repeats, durationS: o.durationS, warmupS: o.warmupS, workDir, samplesCap: o.samplesCap, client: o.client, log, settleCache: o.settle, after });
    let facts: BrokerFacts[] | null = null;
    if (o.brokerFacts) facts = await runFacts({ targets: o.targets, workDir, partitions: o.factsPartitions, idleS: o.factsIdleS, repeats: o.repeats, log });
    const names = o.targets.map((t) => t.name);
    const rows = aggregate(runs, workloads.map((w) => w.id), names);
    const settledRuns = [...runs.map((x) => x.cacheSettled), ...((perfRuns as PerfRun[] | null) ?? []).map((x) => x.cacheSettled)];
    const cacheSettling = !o.settle
      ? "not settled (--no-settle): write phases start from whatever earlier runs left dirty."
      : settledRuns.every((x) => x === true)
        ? "settled before every write phase (`sync; echo 3 > /proc/sys/vm/drop_caches`, as root), so no run starts with another's dirty pages; reads at the tail come from a warm cache."
        : `settling asked before every write phase (\`sync; echo 3 > /proc/sys/vm/drop_caches\`) but it failed for ${settledRuns.filter((x) => x !== true).length} of ${settledRuns.length} (not root?).`;
    const report: Report = {
      version: REPORT_VERSION,
      title: o.title || `Broker comparison: ${o.targets.map((t) => t.name).join(" vs ")}`,
      date: new Date().toISOString(),
      command: `bun bin/takhin-bench.ts ${argv.map((a) => (/[\s;]/.test(a) ? `'${a}'` : a)).join(" ")}`,
      machine,
      baseline: o.targets[0].name,
      targets: runtimes.map((r) => ({ name: r.target.name, bootstrap: r.bootstrap, spec: r.target.spec, local: localKind(r.target) !== null, kind: localKind(r.target), version: localKind(r.target) === "kafka" ? kafkaVersion() : undefined })),
      driver: { name: driver.name, file: driver.file ? driver.file.replace(`${ROOT}/`, "") : null, replicationFactor: driver.replicationFactor, producerConfig: driver.producerConfig, consumerConfig: driver.consumerConfig, commonConfig: driver.commonConfig, topicConfig: driver.topicConfig },
      client: CLIENTS[o.client],
      repeats: o.repeats,
      workloads: workloads.map((w) => ({ ...w, payloadFile: w.payloadFile ? w.payloadFile.replace(`${ROOT}/`, "") : null, durationS: o.durationS ?? w.testDurationMinutes * 60, warmupS: o.warmupS ?? w.warmupDurationMinutes * 60 })),
      rows,
      runs,
      wallSeconds: (performance.now() - started) / 1000,
      cacheSettling,
      pairs: pairUp(rows, (x) => x.workload, names, WORKLOAD_METRICS),
    };
    if (facts) {
      const fr = aggregateFacts(facts, names);
      report.facts = { partitions: o.factsPartitions, idleS: o.factsIdleS, runs: facts, rows: fr, pairs: pairUp(fr, () => "broker", names, FACTS_METRICS) };
    }
    if (perfRuns) {
      const pr = aggregatePerf(perfRuns, perfCases.map((c) => c.id), names);
      report.perf = { cases: perfCases, scale: o.perfScale, repeats: o.perfRepeats, runs: perfRuns, rows: pr, pairs: pairUp(pr, (x) => x.case, names, PERF_METRICS) };
    }
    const files = writeReport(report, o.out);
    log(`wrote ${files.length} files to ${o.out}`);
    console.log(markdownSummary(report));
    const allOk = runs.every((r) => r.ok) && (facts ?? []).every((f) => f.ok) && ((perfRuns as PerfRun[] | null) ?? []).every((p) => p.ok);
    return allOk ? 0 : 1;
  } finally {
    abortAll();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    rmSync(workDir, { recursive: true, force: true });
  }
}

function markdownSummary(r: Report): string {
  return r.rows
    .map((x) => `${x.workload.padEnd(34)} ${x.target.padEnd(12)} ${x.publishMBps.toFixed(1).padStart(8)} MB/s  pub p99 ${x.publishLatencyMs.p99.toFixed(2).padStart(8)} ms  e2e p99 ${x.e2eLatencyMs.p99.toFixed(2).padStart(8)} ms  ×${x.ratioToBaseline.publishMBps.toFixed(2)}`)
    .join("\n");
}

if (import.meta.main) process.exit(await runCompare(process.argv.slice(2)));

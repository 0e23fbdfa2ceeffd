/**
 * Command line of the broker comparison (also reached through `bun run bench -- --bootstrap ...`,
 * `--target ...` or `--workload ...`, and `bin/takhin-bench.ts`).
 *
 *   --bootstrap host:port[,host:port]   one Kafka-compatible cluster (named by --name, default "kafka")
 *   --target name=bootstrap[;topic:k=v][;producer:k=v][;consumer:k=v]
 *                                       repeatable; bootstrap "local" starts a Takhin broker here
 *   --workload name|file.yaml           repeatable or comma-separated (default 1-topic-16-partitions-1kb)
 *   --driver name|file.yaml             client settings, OMB driver format (default kafka-throughput)
 *   --repeats N                         rounds per target, interleaved A B A B (default 2 with several targets)
 *   --duration 30s --warmup 5s          override the workloads' durations (s or m suffix)
 *   --out DIR                           where the report goes (default bench/results/compare/latest)
 *   --client librdkafka|kafkajs         producer/consumer family (default librdkafka)
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
  const o: CliOptions = { targets: [], workloads: [], driver: undefined, repeats: 0, out: DEFAULT_OUT, title: "", samplesCap: 1_000_000, client: "librdkafka", list: false, help: false };
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
  if (o.repeats === 0) o.repeats = o.targets.length > 1 ? 2 : 1;
  return o;
}

const HELP = `takhin-bench: run OpenMessaging-Benchmark-style workloads against Kafka-compatible brokers

  bun bin/takhin-bench.ts --bootstrap kafka1:9092 --workload 1-topic-16-partitions-1kb
  bun bin/takhin-bench.ts --target kafka=kafka1:9092 --target takhin=local --workload chat-fanout
  bun run bench -- --target default=local --target fsync=local\\;topic:flush.messages=1 --workload 100b-records

Options: --bootstrap, --name, --target (repeatable), --workload (repeatable), --driver, --repeats,
--duration, --warmup, --client, --out, --title, --data-dir, --samples, --list. See README "Comparing brokers".`;

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
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  log(`${o.targets.map((t) => t.name).join(" vs ")}; workloads ${workloads.map((w) => w.id).join(", ")}; ${o.repeats} round(s); work dir ${workDir}`);
  try {
    const { runs, runtimes } = await runPlan({ workloads, targets: o.targets, driver, repeats: o.repeats, durationS: o.durationS, warmupS: o.warmupS, workDir, samplesCap: o.samplesCap, client: o.client, log });
    const report: Report = {
      version: REPORT_VERSION,
      title: o.title || `Broker comparison: ${o.targets.map((t) => t.name).join(" vs ")}`,
      date: new Date().toISOString(),
      command: `bun bin/takhin-bench.ts ${argv.map((a) => (/[\s;]/.test(a) ? `'${a}'` : a)).join(" ")}`,
      machine,
      baseline: o.targets[0].name,
      targets: runtimes.map((r) => ({ name: r.target.name, bootstrap: r.bootstrap, spec: r.target.spec, local: r.target.bootstrap === "local" })),
      driver: { name: driver.name, file: driver.file ? driver.file.replace(`${ROOT}/`, "") : null, replicationFactor: driver.replicationFactor, producerConfig: driver.producerConfig, consumerConfig: driver.consumerConfig, commonConfig: driver.commonConfig, topicConfig: driver.topicConfig },
      client: CLIENTS[o.client],
      repeats: o.repeats,
      workloads: workloads.map((w) => ({ ...w, payloadFile: w.payloadFile ? w.payloadFile.replace(`${ROOT}/`, "") : null, durationS: o.durationS ?? w.testDurationMinutes * 60, warmupS: o.warmupS ?? w.warmupDurationMinutes * 60 })),
      rows: aggregate(runs, workloads.map((w) => w.id), o.targets.map((t) => t.name)),
      runs,
      wallSeconds: (performance.now() - started) / 1000,
    };
    const files = writeReport(report, o.out);
    log(`wrote ${files.length} files to ${o.out}`);
    console.log(markdownSummary(report));
    return runs.every((r) => r.ok) ? 0 : 1;
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

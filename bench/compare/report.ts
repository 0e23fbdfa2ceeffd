/**
 * The comparison report: per workload and target, the median over rounds of throughput (MB/s,
 * records/s) and of each latency percentile (publish and end-to-end, p50/p99/p99.9/max), the
 * ratio of every target to the first (the baseline), the client settings, and the machine. Written
 * as JSON, Markdown and SVG charts (bench/e2e/svg.ts). For max-rate workloads (producerRate 0) the
 * rate discovered in each round and its steps (discovery.ts). Pure apart from `writeReport`.
 *
 * Side by side (the first target against each other one, e.g. Takhin vs Apache Kafka): per
 * workload every figure of both and the ratio first ÷ other (`pairs`), the broker facts
 * (facts.ts: startup, idle RSS with N partitions, restart) and Kafka's perf tools (perf-tools.ts)
 * with the same ratios.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fmt, fmtBytes, fmtRatio, mdTable, ratio } from "../e2e/report.ts";
import { median } from "../e2e/stats.ts";
import { barChartSvg } from "../e2e/svg.ts";
import type { Driver, Target } from "./driver.ts";
import type { Machine } from "./machine.ts";
import type { RunResult } from "./runner.ts";
import type { Workload } from "./workload.ts";
import type { BrokerFacts } from "./facts.ts";
import type { PerfCase, PerfRun } from "./perf-tools.ts";

export const REPORT_VERSION = 2;

export interface Row {
  workload: string;
  target: string;
  rounds: number;
  okRounds: number;
  publishMBps: number;
  publishRecordsPerSec: number;
  consumeMBps: number;
  consumeRecordsPerSec: number;
  publishLatencyMs: { p50: number; p99: number; p999: number; max: number };
  e2eLatencyMs: { p50: number; p99: number; p999: number; max: number };
  catchUpSeconds: number | null;
  brokerCpuPct: number | null;
  /** Local targets: broker CPU seconds over the measured window per GB published in it (produce + consume work). */
  brokerCpuSecondsPerGB: number | null;
  brokerPeakRssMB: number | null;
  /** Max-rate workloads: median over rounds of the discovered rate (records/s), null otherwise. */
  discoveredRate: number | null;
  /** Each figure divided by the baseline target's (the first); 1 for the baseline itself. */
  ratioToBaseline: { publishMBps: number; consumeMBps: number; publishP99: number; e2eP99: number; e2eP50: number; publishP50: number };
  errors: string[];
}

export interface Report {
  version: number;
  title: string;
  date: string;
  command: string;
  machine: Machine;
  baseline: string;
  targets: { name: string; bootstrap: string; spec: string; local: boolean; kind?: "takhin" | "kafka" | null; version?: string }[];
  driver: { name: string; file: string | null; replicationFactor: number; producerConfig: Record<string, string>; consumerConfig: Record<string, string>; commonConfig: Record<string, string>; topicConfig: Record<string, string> };
  client: string;
  repeats: number;
  workloads: (Omit<Workload, "payloadFile"> & { payloadFile: string | null; durationS: number; warmupS: number })[];
  rows: Row[];
  runs: RunResult[];
  wallSeconds: number;
  /** How the page cache was treated before write phases, in words. */
  cacheSettling: string;
  /** First target ÷ each other target, per workload (also for facts and perf tools below). */
  pairs: Pair[];
  facts?: { partitions: number; idleS: number; runs: BrokerFacts[]; rows: FactsRow[]; pairs: Pair[] };
  perf?: { cases: PerfCase[]; scale: number; repeats: number; runs: PerfRun[]; rows: PerfRow[]; pairs: Pair[] };
}

/** One comparison: `a` (the first target) against `b`; each metric with both values and a ÷ b. */
export interface Pair {
  group: string;
  a: string;
  b: string;
  metrics: { name: string; unit: string; better: "higher" | "lower"; a: number; b: number; ratio: number }[];
}

export interface FactsRow {
  target: string;
  okRounds: number;
  rounds: number;
  startupMs: number;
  idleRssMB: number;
  emptyRssMB: number;
  idleCpuPct: number;
  restartMs: number;
  restartAllPartitionsMs: number;
}

export interface PerfRow {
  case: string;
  target: string;
  okRounds: number;
  rounds: number;
  producerMBps: number;
  producerRecordsPerSec: number;
  producerP50Ms: number;
  producerP99Ms: number;
  producerP999Ms: number;
  producerMaxMs: number;
  consumerMBps: number;
  consumerRecordsPerSec: number;
  brokerCpuSecondsPerGB: number;
  brokerConsumeCpuSecondsPerGB: number;
}

type MetricSpec<R> = [name: string, unit: string, better: "higher" | "lower", get: (r: R) => number | null];

/** For every group, the first target's row against each other target's: values and first ÷ other. */
export function pairUp<R extends { target: string }>(rows: R[], groupOf: (r: R) => string, targetNames: string[], specs: MetricSpec<R>[]): Pair[] {
  const out: Pair[] = [];
  const groups = [...new Set(rows.map(groupOf))];
  const [first, ...others] = targetNames;
  for (const g of groups) {
    const a = rows.find((r) => groupOf(r) === g && r.target === first);
    if (!a) continue;
    for (const o of others) {
      const b = rows.find((r) => groupOf(r) === g && r.target === o);
      if (!b) continue;
      out.push({
        group: g,
        a: first!,
        b: o,
        metrics: specs.map(([name, unit, better, get]) => {
          const va = get(a) ?? NaN;
          const vb = get(b) ?? NaN;
          return { name, unit, better, a: va, b: vb, ratio: ratio(va, vb) };
        }),
      });
    }
  }
  return out;
}

export const WORKLOAD_METRICS: MetricSpec<Row>[] = [
  ["publish MB/s", "MB/s", "higher", (r) => r.publishMBps],
  ["publish records/s", "rec/s", "higher", (r) => r.publishRecordsPerSec],
  ["consume MB/s", "MB/s", "higher", (r) => r.consumeMBps],
  ["publish p50", "ms", "lower", (r) => r.publishLatencyMs.p50],
  ["publish p99", "ms", "lower", (r) => r.publishLatencyMs.p99],
  ["publish p99.9", "ms", "lower", (r) => r.publishLatencyMs.p999],
  ["publish max", "ms", "lower", (r) => r.publishLatencyMs.max],
  ["end-to-end p50", "ms", "lower", (r) => r.e2eLatencyMs.p50],
  ["end-to-end p99", "ms", "lower", (r) => r.e2eLatencyMs.p99],
  ["end-to-end p99.9", "ms", "lower", (r) => r.e2eLatencyMs.p999],
  ["end-to-end max", "ms", "lower", (r) => r.e2eLatencyMs.max],
  ["broker CPU s/GB", "s/GB", "lower", (r) => r.brokerCpuSecondsPerGB],
  ["broker peak RSS", "MB", "lower", (r) => r.brokerPeakRssMB],
];

export const FACTS_METRICS: MetricSpec<FactsRow>[] = [
  ["startup to first Metadata", "ms", "lower", (r) => r.startupMs],
  ["idle RSS, empty", "MB", "lower", (r) => r.emptyRssMB],
  ["idle RSS with the partitions", "MB", "lower", (r) => r.idleRssMB],
  ["idle CPU with the partitions", "%", "lower", (r) => r.idleCpuPct],
  ["restart to first Metadata", "ms", "lower", (r) => r.restartMs],
  ["restart to every partition led", "ms", "lower", (r) => r.restartAllPartitionsMs],
];

export const PERF_METRICS: MetricSpec<PerfRow>[] = [
  ["producer MB/s", "MB/s", "higher", (r) => r.producerMBps],
  ["producer records/s", "rec/s", "higher", (r) => r.producerRecordsPerSec],
  ["producer p50", "ms", "lower", (r) => r.producerP50Ms],
  ["producer p99", "ms", "lower", (r) => r.producerP99Ms],
  ["producer p99.9", "ms", "lower", (r) => r.producerP999Ms],
  ["producer max", "ms", "lower", (r) => r.producerMaxMs],
  ["consumer MB/s", "MB/s", "higher", (r) => r.consumerMBps],
  ["broker CPU s/GB (produce)", "s/GB", "lower", (r) => r.brokerCpuSecondsPerGB],
  ["broker CPU s/GB (consume)", "s/GB", "lower", (r) => r.brokerConsumeCpuSecondsPerGB],
];

export function aggregateFacts(runs: BrokerFacts[], targetNames: string[]): FactsRow[] {
  return targetNames.flatMap((t) => {
    const all = runs.filter((r) => r.target === t);
    if (!all.length) return [];
    const rs = all.filter((r) => r.ok);
    return [{ target: t, rounds: all.length, okRounds: rs.length, startupMs: med(rs.map((r) => r.startupMs)), emptyRssMB: med(rs.map((r) => r.emptyRssMB)), idleRssMB: med(rs.map((r) => r.idleRssMB)), idleCpuPct: med(rs.map((r) => r.idleCpuPct)), restartMs: med(rs.map((r) => r.restartMs)), restartAllPartitionsMs: med(rs.map((r) => r.restartAllPartitionsMs)) }];
  });
}

export function aggregatePerf(runs: PerfRun[], caseIds: string[], targetNames: string[]): PerfRow[] {
  const rows: PerfRow[] = [];
  for (const c of caseIds)
    for (const t of targetNames) {
      const all = runs.filter((r) => r.case === c && r.target === t);
      if (!all.length) continue;
      const rs = all.filter((r) => r.ok && r.producer && r.consumer);
      rows.push({
        case: c,
        target: t,
        rounds: all.length,
        okRounds: rs.length,
        producerMBps: med(rs.map((r) => r.producer!.MBps)),
        producerRecordsPerSec: med(rs.map((r) => r.producer!.recordsPerSec)),
        producerP50Ms: med(rs.map((r) => r.producer!.p50Ms)),
        producerP99Ms: med(rs.map((r) => r.producer!.p99Ms)),
        producerP999Ms: med(rs.map((r) => r.producer!.p999Ms)),
        producerMaxMs: med(rs.map((r) => r.producer!.maxMs)),
        consumerMBps: med(rs.map((r) => r.consumer!.MBps)),
        consumerRecordsPerSec: med(rs.map((r) => r.consumer!.recordsPerSec)),
        brokerCpuSecondsPerGB: med(rs.map((r) => r.brokerCpuSecondsPerGB ?? NaN)),
        brokerConsumeCpuSecondsPerGB: med(rs.map((r) => r.brokerConsumeCpuSecondsPerGB ?? NaN)),
      });
    }
  return rows;
}

const med = (xs: number[]) => median(xs.filter((x) => Number.isFinite(x)));

export function aggregate(runs: RunResult[], workloadIds: string[], targetNames: string[]): Row[] {
  const rows: Row[] = [];
  for (const w of workloadIds) {
    let base: Row | null = null;
    for (const t of targetNames) {
      const all = runs.filter((r) => r.workload === w && r.target === t);
      const rs = all.filter((r) => r.ok);
      const lat = (k: "publishLatencyMs" | "e2eLatencyMs") => ({ p50: med(rs.map((r) => r[k].p50)), p99: med(rs.map((r) => r[k].p99)), p999: med(rs.map((r) => r[k].p999)), max: med(rs.map((r) => r[k].max)) });
      const catchUps = rs.map((r) => r.consume.catchUpSeconds).filter((x): x is number => x !== null);
      const cpu = rs.map((r) => r.broker?.cpuPct).filter((x): x is number => typeof x === "number");
      const cpuPerGB = rs.map((r) => r.broker?.cpuSecondsPerGB).filter((x): x is number => typeof x === "number" && Number.isFinite(x));
      const rss = rs.map((r) => r.broker?.peakRssMB).filter((x): x is number => typeof x === "number" && Number.isFinite(x));
      const row: Row = {
        workload: w,
        target: t,
        rounds: all.length,
        okRounds: rs.length,
        publishMBps: med(rs.map((r) => r.publish.MBps)),
        publishRecordsPerSec: med(rs.map((r) => r.publish.recordsPerSec)),
        consumeMBps: med(rs.map((r) => r.consume.MBps)),
        consumeRecordsPerSec: med(rs.map((r) => r.consume.recordsPerSec)),
        publishLatencyMs: lat("publishLatencyMs"),
        e2eLatencyMs: lat("e2eLatencyMs"),
        catchUpSeconds: catchUps.length ? median(catchUps) : null,
        brokerCpuPct: cpu.length ? median(cpu) : null,
        brokerCpuSecondsPerGB: cpuPerGB.length ? median(cpuPerGB) : null,
        brokerPeakRssMB: rss.length ? median(rss) : null,
        discoveredRate: all.some((r) => r.discovery) ? med(all.flatMap((r) => (r.discovery ? [r.discovery.rate] : []))) : null,
        ratioToBaseline: { publishMBps: 1, consumeMBps: 1, publishP99: 1, e2eP99: 1, e2eP50: 1, publishP50: 1 },
        errors: all.flatMap((r) => (r.error ? [`round ${r.round}: ${r.error}`] : [])),
      };
      if (base === null) base = row;
      row.ratioToBaseline = {
        publishMBps: ratio(row.publishMBps, base.publishMBps),
        consumeMBps: ratio(row.consumeMBps, base.consumeMBps),
        publishP50: ratio(row.publishLatencyMs.p50, base.publishLatencyMs.p50),
        publishP99: ratio(row.publishLatencyMs.p99, base.publishLatencyMs.p99),
        e2eP50: ratio(row.e2eLatencyMs.p50, base.e2eLatencyMs.p50),
        e2eP99: ratio(row.e2eLatencyMs.p99, base.e2eLatencyMs.p99),
      };
      rows.push(row);
    }
  }
  return rows;
}

const ratioNote = (a: string, b: string) =>
  `Ratios are ${a} ÷ ${b}, from the same interleaved run: for MB/s and records/s above 1 means ${a} is faster; for latency, CPU s/GB, RSS and times below 1 means ${a} is better (lower).`;

function pairTable(pairs: Pair[], groupLabel: string): string {
  const rows: string[][] = [];
  for (const p of pairs) for (const m of p.metrics) rows.push([p.group, m.name, `${fmt(m.a)} ${m.unit}`, `${fmt(m.b)} ${m.unit}`, fmtRatio(m.ratio), m.better === "higher" ? "higher is better" : "lower is better"]);
  const [a, b] = pairs.length ? [pairs[0]!.a, pairs[0]!.b] : ["a", "b"];
  return mdTable([groupLabel, "metric", a, b, `${a} ÷ ${b}`, ""], rows, ["l", "l", "r", "r", "r", "l"]);
}

/** The headline: per workload MB/s, p99 publish, p99 end-to-end, CPU s/GB and peak RSS of both, with ratios; then broker facts. */
function sideBySide(r: Report): string[] {
  if (!r.pairs.length && !r.facts?.pairs.length && !r.perf?.pairs.length) return [];
  const out: string[] = [];
  const names = [...new Set([...r.pairs, ...(r.facts?.pairs ?? []), ...(r.perf?.pairs ?? [])].map((p) => `${p.a} ÷ ${p.b}`))];
  out.push(`## Side by side (${names.join(", ")})`, "");
  const pick = ["publish MB/s", "publish p99", "end-to-end p99", "broker CPU s/GB", "broker peak RSS"];
  if (r.pairs.length) {
    const a = r.pairs[0]!.a;
    const b = r.pairs[0]!.b;
    out.push(ratioNote(a, b), "");
    const head = ["workload"];
    for (const k of pick) head.push(`${k} ${a}`, `${k} ${b}`, "÷");
    out.push(
      mdTable(
        head,
        r.pairs.map((p) => [p.group + (p.b !== b ? ` (vs ${p.b})` : ""), ...pick.flatMap((k) => {
          const m = p.metrics.find((x) => x.name === k)!;
          return [fmt(m.a), fmt(m.b), fmtRatio(m.ratio)];
        })]),
        ["l", ...pick.flatMap(() => ["r", "r", "r"] as ("l" | "r")[])],
      ),
      "",
      "Units: MB/s; ms; broker CPU seconds per GB published (over the measured window, the broker's produce and fetch work together); peak RSS in MB over the run. Every figure is the median over rounds.",
      "",
    );
  }
  if (r.facts?.pairs.length) {
    out.push(`### Broker facts (${r.facts.partitions.toLocaleString("en-US")} partitions)`, "");
    out.push(pairTable(r.facts.pairs, "phase"), "");
  }
  if (r.perf?.pairs.length) {
    const perfPick = ["producer MB/s", "producer p99", "consumer MB/s", "broker CPU s/GB (produce)", "broker CPU s/GB (consume)"];
    const a = r.perf.pairs[0]!.a;
    const b = r.perf.pairs[0]!.b;
    out.push("### Kafka's perf tools (kafka-producer-perf-test, kafka-consumer-perf-test) and rdkafka_performance", "");
    const head = ["case"];
    for (const k of perfPick) head.push(`${k} ${a}`, `${k} ${b}`, "÷");
    out.push(
      mdTable(
        head,
        r.perf.pairs.map((p) => [p.group + (p.b !== b ? ` (vs ${p.b})` : ""), ...perfPick.flatMap((k) => {
          const m = p.metrics.find((x) => x.name === k)!;
          return [fmt(m.a), fmt(m.b), fmtRatio(m.ratio)];
        })]),
        ["l", ...perfPick.flatMap(() => ["r", "r", "r"] as ("l" | "r")[])],
      ),
      "",
      "Broker CPU seconds (user + system, /proc/<pid>/stat) per GB of record values, over the producer run and, separately, over the consumer run that reads the same records once.",
      "",
    );
  }
  return out;
}

function props(p: Record<string, string>): string {
  const e = Object.entries(p);
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(", ") : "(none)";
}

export function markdown(r: Report): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`# ${r.title}`, "");
  out.push("```", r.command, "```", "");
  out.push(`Generated ${r.date} (${fmt(r.wallSeconds)} s wall). Page cache: ${r.cacheSettling}`, "");
  out.push(...sideBySide(r));
  out.push("## Machine", "");
  out.push(
    mdTable(
      ["", ""],
      [
        ["CPU", `${m.cpuModel}, ${m.cores} cores`],
        ["memory", `${m.memGiB} GiB`],
        ["disk (local brokers' data)", m.disk],
        ["kernel", m.kernel],
        ["OS", m.os],
        ["load average at start", m.loadAvg],
        ["clients", `${r.client}; librdkafka ${m.librdkafka} via confluent-kafka-python ${m.confluentKafka} (Python ${m.python}), Node ${m.node}; harness on Bun ${m.bun}`],
        ["commit", m.commit],
      ],
    ),
    "",
  );
  out.push("Clients, brokers and the harness share this machine: compare figures only within one report, never across machines.", "");
  out.push("## Targets", "");
  out.push(mdTable(["target", "bootstrap", "option"], r.targets.map((t) => [t.name + (t.name === r.baseline ? " (baseline)" : ""), t.local ? `local ${t.kind === "kafka" ? `Apache Kafka${t.version ? ` ${t.version}` : ""} (peer/kafka)` : "Takhin"} (${t.bootstrap})` : t.bootstrap, `\`--target ${t.spec}\``])), "");
  out.push("## Client settings", "");
  out.push(`Driver \`${r.driver.name}\`${r.driver.file ? ` (${r.driver.file})` : ""}, replication factor ${r.driver.replicationFactor}. Every producer and consumer is its own ${r.client} process${r.client.startsWith("kafkajs") ? " (kafkajs has no linger or batch.size: records due are sent as one send() per linger.ms tick; acks and compression.type apply)" : ""}.`, "");
  out.push(
    mdTable(
      ["", "settings"],
      [
        ["producer", props(r.driver.producerConfig)],
        ["consumer", props(r.driver.consumerConfig)],
        ["common", props(r.driver.commonConfig)],
        ["topic (driver)", props(r.driver.topicConfig)],
      ],
    ),
    "",
  );
  const extra = r.runs.length ? r.runs[0].settings.droppedJavaOnly : [];
  if (extra.length) out.push(`Java-only properties dropped for librdkafka: ${extra.join(", ")}.`, "");
  out.push("## Workloads", "");
  out.push(
    mdTable(
      ["workload", "topics × partitions", "record", "keys", "producers", "subscriptions × consumers", "rate (records/s)", "backlog", "warm-up + measured", "topic config"],
      r.workloads.map((w) => [
        w.id,
        `${w.topics} × ${w.partitionsPerTopic}`,
        fmtBytes(w.messageSize),
        w.keyDistributor === "KEY_ROUND_ROBIN" ? `round robin over ${w.keySpace.toLocaleString("en-US")}` : w.keyDistributor,
        String(w.topics * w.producersPerTopic),
        `${w.subscriptionsPerTopic} × ${w.consumerPerSubscription}`,
        w.producerRate === 0 ? (w.consumerBacklogSizeGB ? "max (flat out)" : "max (discovered)") : w.producerRate.toLocaleString("en-US"),
        w.consumerBacklogSizeGB ? `${w.consumerBacklogSizeGB} GB` : "–",
        `${fmt(w.warmupS)} s + ${fmt(w.durationS)} s`,
        props(w.topicConfig),
      ]),
      ["l", "r", "r", "l", "r", "r", "r", "r", "r", "l"],
    ),
    "",
  );
  out.push("## Results", "");
  out.push(`Median over ${r.repeats} round(s) per target, targets interleaved (A B A B …). Latency in ms: publish = send → acknowledged (delivery callback), end-to-end = send → received by the group consumer. Ratios are to the baseline \`${r.baseline}\` (throughput: higher is better; latency: lower is better).`, "");
  const rows = r.rows.map((x) => [
    x.workload,
    x.target,
    fmt(x.publishMBps),
    fmt(x.publishRecordsPerSec),
    fmt(x.consumeMBps),
    `${fmt(x.publishLatencyMs.p50)} / ${fmt(x.publishLatencyMs.p99)} / ${fmt(x.publishLatencyMs.p999)} / ${fmt(x.publishLatencyMs.max)}`,
    `${fmt(x.e2eLatencyMs.p50)} / ${fmt(x.e2eLatencyMs.p99)} / ${fmt(x.e2eLatencyMs.p999)} / ${fmt(x.e2eLatencyMs.max)}`,
    fmtRatio(x.ratioToBaseline.publishMBps),
    fmtRatio(x.ratioToBaseline.publishP99),
    fmtRatio(x.ratioToBaseline.e2eP99),
    x.brokerCpuPct === null ? "–" : `${fmt(x.brokerCpuPct)}%`,
    `${x.okRounds}/${x.rounds}`,
  ]);
  out.push(
    mdTable(
      ["workload", "target", "publish MB/s", "publish rec/s", "consume MB/s", "publish ms p50 / p99 / p99.9 / max", "end-to-end ms p50 / p99 / p99.9 / max", "× MB/s", "× pub p99", "× e2e p99", "broker CPU", "ok"],
      rows,
      ["l", "l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
    ),
    "",
  );
  const catchUp = r.rows.filter((x) => x.catchUpSeconds !== null);
  if (catchUp.length) {
    out.push("Backlog workloads (consumers start after the backlog is written and read from the earliest offset): time to catch up.", "");
    out.push(mdTable(["workload", "target", "catch-up s"], catchUp.map((x) => [x.workload, x.target, fmt(x.catchUpSeconds)]), ["l", "l", "r"]), "");
  }
  const disc = r.runs.filter((x) => x.discovery);
  if (disc.length) {
    out.push("## Max-rate discovery", "");
    out.push("Workloads with `producerRate: 0`: before the measured phase, OMB-style steps on topics of their own raise the publish rate while the producers achieve ≥ 95 % of it and the consumers' backlog stays within the bound, and lower it otherwise (bench/compare/discovery.ts); the measured phase runs at the discovered rate. Steps: target records/s, ✓ sustained or ✗ why.", "");
    out.push(
      mdTable(
        ["workload", "target", "round", "discovered rec/s", "MB/s", "stopped", "steps"],
        disc.map((x) => {
          const d = x.discovery!;
          const size = r.workloads.find((w) => w.id === x.workload)?.messageSize ?? 0;
          return [x.workload, x.target, String(x.round), d.rate.toLocaleString("en-US"), fmt((d.rate * size) / 1e6), d.reason, d.steps.map((s) => `${Math.round(s.targetRate).toLocaleString("en-US")} ${s.ok ? "✓" : `✗ (${s.why})`}`).join(" → ")];
        }),
        ["l", "l", "r", "r", "r", "l", "l"],
      ),
      "",
    );
    const med = r.rows.filter((x) => x.discoveredRate !== null);
    if (r.repeats > 1) out.push(`Median discovered rate: ${med.map((x) => `${x.workload} · ${x.target} ${Math.round(x.discoveredRate!).toLocaleString("en-US")} rec/s`).join("; ")}.`, "");
  }
  if (r.pairs.length) {
    out.push("## Every figure side by side", "", ratioNote(r.pairs[0]!.a, r.pairs[0]!.b), "", pairTable(r.pairs, "workload"), "");
  }
  if (r.facts) {
    const f = r.facts;
    out.push("## Broker facts", "");
    out.push(
      `Each local broker on an empty data directory of its own: spawn → first Metadata answer (probed every 25 ms; includes starting Bun or the JVM); then ${f.partitions.toLocaleString("en-US")} partitions created (topics of 100, replication factor 1) with ~20 records of 100 B each, ${f.idleS} s idle, RSS and CPU read from /proc/<pid>; then a clean stop and a restart on the same data, timed to the first Metadata answer and to the first Metadata answer that lists every partition with a leader. Median over rounds; targets interleaved.`,
      "",
    );
    out.push(
      mdTable(
        ["target", "startup ms", "RSS empty MB", `idle RSS with ${f.partitions} partitions MB`, "idle CPU %", "restart → Metadata ms", "restart → all partitions led ms", "ok"],
        f.rows.map((x) => [x.target, fmt(x.startupMs), fmt(x.emptyRssMB), fmt(x.idleRssMB), fmt(x.idleCpuPct), fmt(x.restartMs), fmt(x.restartAllPartitionsMs), `${x.okRounds}/${x.rounds}`]),
        ["l", "r", "r", "r", "r", "r", "r", "r"],
      ),
      "",
    );
    const bad = f.runs.filter((x) => !x.ok);
    for (const x of bad) out.push(`- ${x.target} round ${x.round}: ${x.error}`);
    if (bad.length) out.push("");
  }
  if (r.perf) {
    const p = r.perf;
    out.push("## Kafka's own perf tools", "");
    out.push(
      `kafka-producer-perf-test (org.apache.kafka.tools.ProducerPerformance, flat out: --throughput -1) then kafka-consumer-perf-test (org.apache.kafka.tools.ConsumerPerformance) reading the same records (${p.repeats} round(s), targets interleaved, median), both from Apache Kafka's jars (\`java ${"-Xmx512m"} -cp <peer/kafka classpath>\`), a fresh topic per run, page cache settled before each producer run${p.scale !== 1 ? `, record counts × ${p.scale}` : ""}. Latencies are ProducerPerformance's (send → acknowledged, whole ms). The rdkafka-* cases run librdkafka's rdkafka_performance instead (\`-P\` flat out to partition 0, then \`-C -p 0 -o beginning\` reading the same records, no group; no latency percentiles: its \`-l\` costs throughput; its MB are 10^6 bytes where the Java tools' are 2^20). Settings as published:`,
      "",
    );
    out.push(mdTable(["case", "records", "record", "partitions", "producer settings", "from"], p.cases.map((c) => [c.id, Math.max(1000, Math.round(c.records * p.scale)).toLocaleString("en-US"), fmtBytes(c.recordSize), String(c.partitions), props(c.producerProps), c.source])), "");
    out.push(
      mdTable(
        ["case", "target", "producer MB/s", "producer rec/s", "producer ms p50 / p99 / p99.9 / max", "consumer MB/s", "consumer rec/s", "broker CPU s/GB producing", "broker CPU s/GB consuming", "ok"],
        p.rows.map((x) => [x.case, x.target, fmt(x.producerMBps), fmt(x.producerRecordsPerSec), `${fmt(x.producerP50Ms)} / ${fmt(x.producerP99Ms)} / ${fmt(x.producerP999Ms)} / ${fmt(x.producerMaxMs)}`, fmt(x.consumerMBps), fmt(x.consumerRecordsPerSec), fmt(x.brokerCpuSecondsPerGB), fmt(x.brokerConsumeCpuSecondsPerGB), `${x.okRounds}/${x.rounds}`]),
        ["l", "l", "r", "r", "r", "r", "r", "r", "r", "r"],
      ),
      "",
    );
    if (p.pairs.length) out.push(ratioNote(p.pairs[0]!.a, p.pairs[0]!.b), "", pairTable(p.pairs, "case"), "");
    const bad = p.runs.filter((x) => !x.ok);
    for (const x of bad) out.push(`- ${x.case} · ${x.target} round ${x.round}: ${x.error}`);
    if (bad.length) out.push("");
  }
  const errs = r.rows.filter((x) => x.errors.length);
  if (errs.length) {
    out.push("## Failed rounds", "");
    for (const x of errs) out.push(`- ${x.workload} · ${x.target}: ${x.errors.join("; ")}`);
    out.push("");
  }
  out.push("## Charts", "");
  if (r.workloads.length) out.push("![publish throughput](throughput.svg)", "", "![publish p99 latency](publish-latency.svg)", "", "![end-to-end p99 latency](e2e-latency.svg)", "", "![broker CPU seconds per GB](cpu-per-gb.svg)", "", "![broker peak RSS](peak-rss.svg)", "");
  if (r.facts) out.push("![broker facts](broker-facts.svg)", "");
  if (r.perf) out.push("![perf tools](perf-tools.svg)", "");
  for (const w of r.workloads) out.push(`![${w.id} latency percentiles](latency-${w.id}.svg)`, "");
  return out.join("\n");
}

export function charts(r: Report): Record<string, string> {
  const ws = r.workloads.map((w) => w.id);
  const names = r.targets.map((t) => t.name);
  const get = (w: string, t: string) => r.rows.find((x) => x.workload === w && x.target === t);
  const series = (f: (row: Row) => number) => names.map((t) => ({ name: t, values: ws.map((w) => (get(w, t) ? f(get(w, t)!) : NaN)) }));
  const width = Math.max(760, 190 + ws.length * 120);
  const files: Record<string, string> = {
    "throughput.svg": barChartSvg({ title: "Publish throughput (median of rounds)", yLabel: "MB/s", groups: ws, series: series((x) => x.publishMBps), width }),
    "publish-latency.svg": barChartSvg({ title: "Publish latency p99 (send → ack)", yLabel: "ms", groups: ws, series: series((x) => x.publishLatencyMs.p99), width }),
    "e2e-latency.svg": barChartSvg({ title: "End-to-end latency p99 (send → consumed)", yLabel: "ms", groups: ws, series: series((x) => x.e2eLatencyMs.p99), width }),
    "cpu-per-gb.svg": barChartSvg({ title: "Broker CPU seconds per GB published", yLabel: "CPU s/GB", groups: ws, series: series((x) => x.brokerCpuSecondsPerGB ?? NaN), width }),
    "peak-rss.svg": barChartSvg({ title: "Broker peak RSS", yLabel: "MB", groups: ws, series: series((x) => x.brokerPeakRssMB ?? NaN), width }),
  };
  if (!ws.length) for (const k of Object.keys(files)) delete files[k];
  if (r.facts) {
    const f = r.facts;
    const ft = f.rows.map((x) => x.target);
    const g = ["startup (s)", `idle RSS, ${f.partitions} partitions (100 MB)`, "restart (s)", "restart, all led (s)"];
    files["broker-facts.svg"] = barChartSvg({ title: "Broker facts", yLabel: "s / 100 MB", groups: g, series: ft.map((t) => {
      const x = f.rows.find((y) => y.target === t)!;
      return { name: t, values: [x.startupMs / 1000, x.idleRssMB / 100, x.restartMs / 1000, x.restartAllPartitionsMs / 1000] };
    }), width: 860 });
  }
  if (r.perf) {
    const cs = r.perf.cases.map((c) => c.id);
    const pt = [...new Set(r.perf.rows.map((x) => x.target))];
    files["perf-tools.svg"] = barChartSvg({ title: "kafka-producer-perf-test throughput", yLabel: "MB/s", groups: cs, series: pt.map((t) => ({ name: t, values: cs.map((c) => r.perf!.rows.find((x) => x.case === c && x.target === t)?.producerMBps ?? NaN) })), width: Math.max(760, 190 + cs.length * 140) });
  }
  for (const w of ws) {
    files[`latency-${w}.svg`] = barChartSvg({
      title: `${w}: latency percentiles`,
      yLabel: "ms",
      groups: ["pub p50", "pub p99", "pub p99.9", "e2e p50", "e2e p99", "e2e p99.9"],
      series: names.map((t) => {
        const x = get(w, t);
        return { name: t, values: x ? [x.publishLatencyMs.p50, x.publishLatencyMs.p99, x.publishLatencyMs.p999, x.e2eLatencyMs.p50, x.e2eLatencyMs.p99, x.e2eLatencyMs.p999] : [] };
      }),
      width: 860,
    });
  }
  return files;
}

/** Writes report.json, report.md and the charts into `dir`; returns the paths written. */
export function writeReport(r: Report, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const put = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    written.push(join(dir, name));
  };
  put("report.json", JSON.stringify(r, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n");
  put("report.md", markdown(r));
  for (const [name, svg] of Object.entries(charts(r))) put(name, svg);
  return written;
}

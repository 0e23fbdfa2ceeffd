/**
 * The comparison report: per workload and target, the median over rounds of throughput (MB/s,
 * records/s) and of each latency percentile (publish and end-to-end, p50/p99/p99.9/max), the
 * ratio of every target to the first (the baseline), the client settings, and the machine. Written
 * as JSON, Markdown and SVG charts (bench/e2e/svg.ts). For max-rate workloads (producerRate 0) the
 * rate discovered in each round and its steps (discovery.ts). Pure apart from `writeReport`.
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

export const REPORT_VERSION = 1;

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
  targets: { name: string; bootstrap: string; spec: string; local: boolean }[];
  driver: { name: string; file: string | null; replicationFactor: number; producerConfig: Record<string, string>; consumerConfig: Record<string, string>; commonConfig: Record<string, string>; topicConfig: Record<string, string> };
  client: string;
  repeats: number;
  workloads: (Omit<Workload, "payloadFile"> & { payloadFile: string | null; durationS: number; warmupS: number })[];
  rows: Row[];
  runs: RunResult[];
  wallSeconds: number;
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

function props(p: Record<string, string>): string {
  const e = Object.entries(p);
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(", ") : "(none)";
}

export function markdown(r: Report): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`# ${r.title}`, "");
  out.push(`Generated ${r.date} by \`${r.command}\` (${fmt(r.wallSeconds)} s wall).`, "");
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
  out.push(mdTable(["target", "bootstrap", "option"], r.targets.map((t) => [t.name + (t.name === r.baseline ? " (baseline)" : ""), t.local ? `local Takhin (${t.bootstrap})` : t.bootstrap, `\`--target ${t.spec}\``])), "");
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
  const errs = r.rows.filter((x) => x.errors.length);
  if (errs.length) {
    out.push("## Failed rounds", "");
    for (const x of errs) out.push(`- ${x.workload} · ${x.target}: ${x.errors.join("; ")}`);
    out.push("");
  }
  out.push("## Charts", "");
  out.push("![publish throughput](throughput.svg)", "", "![publish p99 latency](publish-latency.svg)", "", "![end-to-end p99 latency](e2e-latency.svg)", "");
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
  };
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

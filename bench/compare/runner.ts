/**
 * Runs workloads against targets: for each workload, `repeats` rounds, each round running every
 * target in turn (A B A B ...) so that drift on a shared machine does not favour one side.
 *
 * One run: create the topics (AdminClient), start the consumer group members and wait until each
 * has its first assignment, start the producers at a common instant, let them run the warm-up and
 * the measured window, let the consumers drain, delete the topics. Producers and consumers are
 * librdkafka clients (bench/compare/clients/omb_worker.py), one process each. A target whose
 * bootstrap is "local" is a Takhin broker started here (bench/e2e/broker-proc.ts) on 127.0.0.1;
 * "local-kafka" is an Apache Kafka peer (peer/kafka), started and stopped the same way (brokers.ts).
 * Before every run the page cache is settled (sync; drop_caches) unless the plan says not to, and
 * the broker's CPU seconds over the measured window and peak RSS are read from /proc for its pid.
 *
 * A workload with `producerRate: 0` (and no consumer backlog) first discovers its maximum
 * sustainable rate, OMB-style, on topics of its own (`discoverRate`; the policy and its fields are
 * described in discovery.ts), then runs the measured phase at that fixed rate.
 *
 * Every child process has a kill timer; `abortAll()` kills whatever is still running.
 */
import type { Subprocess } from "bun";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { liveBrokerPids, settlePageCache, startLocalBroker, type LocalBroker } from "./brokers.ts";
import { cpuPercent, MemSampler, readCpu, type CpuReading } from "../e2e/procstat.ts";
import { summarize, type Summary } from "../e2e/stats.ts";
import { librdkafkaConfig, localKind, type Driver, type Target } from "./driver.ts";
import type { Workload } from "./workload.ts";
import { acceptableBacklogFor, discoveredRate, discoveryParams, initialState, nextStep, type DiscoveryResult } from "./discovery.ts";
import { readLines } from "../e2e/read-lines.ts";

export const WORKER = join(import.meta.dir, "clients", "omb_worker.py");
export const PYTHON = "/usr/bin/python3";
export const KAFKAJS_WORKER = join(import.meta.dir, "clients", "kafkajs_worker.mjs");

/** Client families for producers and consumers (topic setup and teardown always use librdkafka's AdminClient). */
export const CLIENTS = {
  librdkafka: "librdkafka (confluent-kafka-python)",
  kafkajs: "kafkajs 2.2.4 under Node",
} as const;
export type ClientFamily = keyof typeof CLIENTS;
const ROOT = join(import.meta.dir, "..", "..");

export interface RunPlan {
  workloads: Workload[];
  targets: Target[];
  driver: Driver;
  repeats: number;
  /** Overrides of the workload files' durations, in seconds. */
  durationS?: number;
  warmupS?: number;
  /** Base directory for local brokers' data and sample files. */
  workDir: string;
  /** Latency samples kept per client process (reservoir beyond). */
  samplesCap: number;
  client: ClientFamily;
  log: (msg: string) => void;
  /** Settle the page cache before every run's write phase (default true; needs root). */
  settleCache?: boolean;
  /** Runs after the workloads while the targets still run (Kafka's perf tools). */
  after?: (runtimes: TargetRuntime[]) => Promise<void>;
}

export interface ClientSettings {
  producer: Record<string, string>;
  consumer: Record<string, string>;
  topic: Record<string, string>;
  replicationFactor: number;
  droppedJavaOnly: string[];
}

export interface RunResult {
  workload: string;
  target: string;
  round: number;
  ok: boolean;
  error?: string;
  topics: string[];
  durationS: number;
  warmupS: number;
  publish: { records: number; bytes: number; MBps: number; recordsPerSec: number; sent: number; failed: number; undelivered: number };
  consume: { records: number; bytes: number; MBps: number; recordsPerSec: number; total: number; catchUpSeconds: number | null; catchUpRecordsPerSec: number | null };
  /** Milliseconds; max is exact, percentiles from (at most samplesCap per client) samples. */
  publishLatencyMs: Summary;
  e2eLatencyMs: Summary;
  /** Records acknowledged per second over all producers, from the start (warm-up included). */
  publishTimeline: number[];
  /** Local targets: the broker process over the measured window (CPU) and the whole run (RSS). */
  broker?: { cpuPct: number; cpuSeconds: number; cpuSecondsPerGB: number; peakRssMB: number };
  /** Whether the page cache was settled before the run (null: not asked). */
  cacheSettled?: boolean | null;
  settings: ClientSettings;
  clientErrors: string[];
  /** Records/s over all producers the measured phase ran at (0 = flat out). */
  producerRate: number;
  /** Max-rate discovery (producerRate 0 in the workload), when it ran. */
  discovery?: DiscoveryResult;
}

interface Child {
  proc: Subprocess<"pipe", "pipe", "pipe">;
  result: Promise<any>;
  exited: Promise<number>;
}

const live = new Set<Subprocess>();

/** Registers a child process (e.g. a perf tool's JVM) so that abortAll() kills it; untracked when it exits. */
export function track(p: Subprocess): void {
  live.add(p);
  void p.exited.then(() => live.delete(p));
}

/** Kills every child process this module started that is still running (workers and local brokers). */
export function abortAll(): void {
  for (const p of live) {
    try {
      p.kill("SIGKILL");
    } catch {}
  }
  live.clear();
  for (const pid of liveBrokerPids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  liveBrokerPids.clear();
}


/** Starts a worker; `on(kind, payload)` sees READY/PROGRESS lines; resolves with the RESULT payload. */
export function worker(spec: Record<string, unknown>, timeoutMs: number, on?: (kind: string, payload: any) => void, client: ClientFamily = "librdkafka"): Child {
  const cmd = client === "kafkajs" ? ["node", KAFKAJS_WORKER] : [PYTHON, WORKER];
  const proc = Bun.spawn([...cmd, JSON.stringify(spec)], { cwd: ROOT, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  live.add(proc);
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  let result: any = null;
  const stderr: string[] = [];
  const out = readLines(proc.stdout, (l) => {
    const sp = l.indexOf(" ");
    const kind = sp > 0 ? l.slice(0, sp) : l;
    if (kind === "RESULT") result = JSON.parse(l.slice(sp + 1));
    else if (kind === "READY" || kind === "PROGRESS") on?.(kind, JSON.parse(l.slice(sp + 1)));
  });
  const err = readLines(proc.stderr, (l) => {
    if (stderr.length < 50) stderr.push(l);
  });
  const exited = proc.exited.then((c) => {
    clearTimeout(timer);
    live.delete(proc);
    return c;
  });
  const res = Promise.all([out, err, exited]).then(([, , code]) => {
    if (result?.fatal) throw new Error(`${spec.mode}: ${result.fatal}`);
    if (result === null) throw new Error(`${spec.mode} worker exited ${code}${proc.signalCode ? ` (${proc.signalCode})` : ""} without a result: ${stderr.slice(-5).join(" | ")}`);
    return result;
  });
  res.catch(() => {});
  return { proc, result: res, exited };
}

function readSamples(path: string): Float64Array {
  try {
    const b = readFileSync(path);
    return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength - (b.byteLength % 8)));
  } catch {
    return new Float64Array(0);
  }
}

/** Percentiles in ms of microsecond samples, with the exact max reported by the clients. */
export function latencySummary(parts: Float64Array[], exactMaxUs: number): Summary {
  const all: number[] = [];
  for (const p of parts) for (let i = 0; i < p.length; i++) all.push(p[i] / 1000);
  const s = summarize(all);
  if (s.count > 0 && exactMaxUs / 1000 > s.max) s.max = exactMaxUs / 1000;
  return s;
}

export function clientSettings(driver: Driver, target: Target, workload: Workload): ClientSettings {
  const common = librdkafkaConfig(driver.commonConfig);
  const prod = librdkafkaConfig({ ...driver.commonConfig, ...driver.producerConfig, ...target.producerConfig });
  const cons = librdkafkaConfig({ ...driver.commonConfig, ...driver.consumerConfig, ...target.consumerConfig });
  return {
    producer: prod.config,
    consumer: cons.config,
    topic: { ...driver.topicConfig, ...workload.topicConfig, ...target.topicConfig },
    replicationFactor: driver.replicationFactor,
    droppedJavaOnly: [...new Set([...common.dropped, ...prod.dropped, ...cons.dropped])],
  };
}

const sum = (xs: any[], k: string) => xs.reduce((a, x) => a + (Number(x[k]) || 0), 0);
const prodResultsValues = (rs: PromiseSettledResult<any>[]) => rs.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));

const emptySummary = (): Summary => ({ count: 0, mean: NaN, p50: NaN, p99: NaN, p999: NaN, max: NaN });

export async function runOne(w: Workload, target: Target, bootstrap: string, round: number, plan: RunPlan, broker?: { pid: number }): Promise<RunResult> {
  const durationS = plan.durationS ?? w.testDurationMinutes * 60;
  const warmupS = plan.warmupS ?? w.warmupDurationMinutes * 60;
  const settings = clientSettings(plan.driver, target, w);
  const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const topics = Array.from({ length: w.topics }, (_, i) => `omb-${w.id}-${target.name}-r${round}-${tag}-${i}`.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 240));
  const runDir = mkdtempSync(join(plan.workDir, "run-"));
  const result: RunResult = {
    workload: w.id,
    target: target.name,
    round,
    ok: false,
    topics,
    durationS,
    warmupS,
    publish: { records: 0, bytes: 0, MBps: 0, recordsPerSec: 0, sent: 0, failed: 0, undelivered: 0 },
    consume: { records: 0, bytes: 0, MBps: 0, recordsPerSec: 0, total: 0, catchUpSeconds: null, catchUpRecordsPerSec: null },
    publishLatencyMs: emptySummary(),
    e2eLatencyMs: emptySummary(),
    publishTimeline: [],
    settings,
    clientErrors: [],
    producerRate: w.producerRate,
  };
  const common = { bootstrap, commonConfig: librdkafkaConfig(plan.driver.commonConfig).config };
  const children: Child[] = [];
  try {
    if (w.producerRate === 0 && w.consumerBacklogSizeGB === 0 && w.subscriptionsPerTopic > 0) {
      result.discovery = await discoverRate(w, settings, common, `${target.name}-r${round}-${tag}`, runDir, durationS, plan, children);
      result.producerRate = result.discovery.rate;
    }
    await worker({ ...common, mode: "setup", topics, partitions: w.partitionsPerTopic, replicationFactor: settings.replicationFactor, topicConfig: settings.topic, hardTimeoutS: 90 }, 100_000).result;

    const backlogBytes = w.consumerBacklogSizeGB * 1e9;
    const backlog = backlogBytes > 0;
    const drainMaxS = backlog ? Math.max(30, durationS) : 10;
    const windowS = warmupS + durationS;
    const consumerSpecs: Record<string, unknown>[] = [];
    for (const [ti, topic] of topics.entries()) {
      for (let s = 0; s < w.subscriptionsPerTopic; s++) {
        for (let c = 0; c < w.consumerPerSubscription; c++) {
          consumerSpecs.push({ ...common, mode: "consume", topics: [topic], groupId: `omb-sub-${ti}-${s}-${tag}`, config: settings.consumer, samplesCap: plan.samplesCap, samplesFile: join(runDir, `c-${ti}-${s}-${c}.f64`), backlog, warmupS, hardTimeoutS: windowS + drainMaxS + 120 });
        }
      }
    }
    const consumers: Child[] = [];
    const startConsumers = async (): Promise<void> => {
      let ready = 0;
      let resolveReady!: () => void;
      const allReady = new Promise<void>((r) => (resolveReady = r));
      for (const spec of consumerSpecs) {
        const ch = worker(spec, ((spec.hardTimeoutS as number) + 10) * 1000, (kind) => {
          if (kind === "READY" && ++ready === consumerSpecs.length) resolveReady();
        }, plan.client);
        consumers.push(ch);
        children.push(ch);
      }
      if (consumerSpecs.length === 0) return;
      const t = setTimeout(resolveReady, 45_000);
      await Promise.race([allReady, Promise.all(consumers.map((c) => c.exited))]);
      clearTimeout(t);
      if (ready < consumerSpecs.length) plan.log(`  ${ready} of ${consumerSpecs.length} consumers assigned after the wait; starting anyway`);
    };
    if (!backlog) await startConsumers();

    const nProducers = w.topics * w.producersPerTopic;
    const perProducerRate = result.producerRate / nProducers;
    const startAtUs = Date.now() * 1000 + 1_500_000;
    const warmUs = startAtUs + warmupS * 1e6;
    const endUs = warmUs + durationS * 1e6;
    const goLine = `GO ${Math.round(warmUs)} ${Math.round(endUs)} ${drainMaxS}\n`;
    const sendGo = (cs: Child[]) => {
      for (const c of cs) {
        try {
          c.proc.stdin.write(goLine);
          c.proc.stdin.flush();
        } catch {}
      }
    };
    if (!backlog) sendGo(consumers);
    let ackedBytes = new Map<number, number>();
    let consumersStarted = !backlog;
    const producers: Child[] = [];
    for (const [ti, topic] of topics.entries()) {
      for (let p = 0; p < w.producersPerTopic; p++) {
        const idx = producers.length;
        const ch = worker(
          {
            ...common,
            mode: "produce",
            topic,
            rate: perProducerRate,
            config: settings.producer,
            messageSize: w.messageSize,
            payloadFile: w.payloadFile,
            keyDistributor: w.keyDistributor,
            keySpace: w.keySpace,
            keyOffset: Math.floor((idx * w.keySpace) / Math.max(1, nProducers)),
            startAtUs,
            warmupS,
            durationS,
            flushTimeoutS: 30,
            samplesCap: plan.samplesCap,
            samplesFile: join(runDir, `p-${ti}-${p}.f64`),
            hardTimeoutS: windowS + 60,
          },
          (windowS + 80) * 1000,
          (kind, payload) => {
            if (kind !== "PROGRESS" || consumersStarted) return;
            ackedBytes.set(idx, payload.ackedBytesAll);
            let sum = 0;
            for (const v of ackedBytes.values()) sum += v;
            if (sum >= backlogBytes) {
              consumersStarted = true;
              plan.log(`  backlog of ${(sum / 1e6).toFixed(0)} MB written; starting consumers from the earliest offset`);
              void startConsumers().then(() => sendGo(consumers));
            }
          },
          plan.client,
        );
        producers.push(ch);
        children.push(ch);
      }
    }
    let cpuA: CpuReading | null = null;
    let cpuB: CpuReading | null = null;
    const sampler = broker ? new MemSampler(broker.pid, 200).start() : null;
    const cpuTimers = broker
      ? [setTimeout(() => (cpuA = readCpu(broker.pid)), Math.max(0, warmUs / 1000 - Date.now())), setTimeout(() => (cpuB = readCpu(broker.pid)), Math.max(0, endUs / 1000 - Date.now()))]
      : [];
    const prodResults = await Promise.allSettled(producers.map((p) => p.result));
    if (backlog && !consumersStarted) {
      consumersStarted = true;
      plan.log(`  producers finished before the backlog (${(backlogBytes / 1e6).toFixed(0)} MB) was reached; starting consumers now`);
      await startConsumers();
      sendGo(consumers);
    }
    // Consumers in backlog mode may be started from a callback; wait until they exist.
    while (backlog && consumers.length < consumerSpecs.length) await Bun.sleep(50);
    for (const c of consumers) {
      try {
        c.proc.stdin.write("DONE\n");
        c.proc.stdin.flush();
      } catch {}
    }
    const consResults = await Promise.allSettled(consumers.map((c) => c.result));
    for (const t of cpuTimers) clearTimeout(t);
    const mem = sampler?.stop();
    if (broker && cpuA && cpuB) {
      const a: CpuReading = cpuA;
      const b: CpuReading = cpuB;
      const cpuSeconds = b.cpuSeconds - a.cpuSeconds;
      const gb = sum(producers.length ? prodResultsValues(prodResults) : [], "bytes") / 1e9;
      result.broker = { cpuPct: cpuPercent(a, b), cpuSeconds, cpuSecondsPerGB: gb > 0 ? cpuSeconds / gb : NaN, peakRssMB: mem?.peakRssMB ?? NaN };
    }

    const failures = [...prodResults, ...consResults].filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => String(r.reason?.message ?? r.reason));
    const prods = prodResults.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const conss = consResults.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    for (const r of [...prods, ...conss]) for (const e of r.errors ?? []) if (result.clientErrors.length < 10) result.clientErrors.push(String(e));

    const pubRecords = sum(prods, "records");
    const pubBytes = sum(prods, "bytes");
    result.publish = { records: pubRecords, bytes: pubBytes, MBps: pubBytes / 1e6 / durationS, recordsPerSec: pubRecords / durationS, sent: sum(prods, "sent"), failed: sum(prods, "failed"), undelivered: sum(prods, "undelivered") };
    const conRecords = sum(conss, "records");
    const conBytes = sum(conss, "bytes");
    const catchUps = conss.map((c) => c.catchUpSeconds).filter((x): x is number => typeof x === "number");
    const catchUpSeconds = catchUps.length ? Math.max(...catchUps) : null;
    result.consume = {
      records: conRecords,
      bytes: conBytes,
      MBps: conBytes / 1e6 / durationS,
      recordsPerSec: conRecords / durationS,
      total: sum(conss, "total"),
      catchUpSeconds,
      catchUpRecordsPerSec: catchUpSeconds ? sum(conss, "catchUpRecords") / catchUpSeconds : null,
    };
    const len = Math.max(0, ...prods.map((p) => (p.timeline ?? []).length));
    result.publishTimeline = Array.from({ length: len }, (_, i) => prods.reduce((a, p) => a + (p.timeline?.[i] ?? 0), 0));
    result.publishLatencyMs = latencySummary(
      producers.map((_, i) => readSamples(join(runDir, `p-${Math.floor(i / w.producersPerTopic)}-${i % w.producersPerTopic}.f64`))),
      Math.max(0, ...prods.map((p) => p.latencyMaxUs ?? 0)),
    );
    result.e2eLatencyMs = latencySummary(
      consumerSpecs.map((s) => readSamples(s.samplesFile as string)),
      Math.max(0, ...conss.map((c) => c.latencyMaxUs ?? 0)),
    );
    if (failures.length) {
      result.error = failures.slice(0, 3).join("; ");
    } else if (pubRecords === 0) {
      result.error = "no record was acknowledged in the measured window";
    } else if (consumerSpecs.length > 0 && sum(conss, "total") === 0) {
      result.error = "consumers received nothing";
    } else result.ok = true;
  } catch (e) {
    result.error = String((e as Error).message ?? e);
  } finally {
    for (const c of children) c.proc.kill("SIGKILL");
    const td = worker({ ...common, mode: "teardown", topics, hardTimeoutS: 60 }, 70_000);
    const r = await td.result.catch((e) => ({ errors: [String(e.message ?? e)] }));
    if (r.errors?.length) plan.log(`  teardown: ${r.errors.join("; ")}`);
    rmSync(runDir, { recursive: true, force: true });
  }
  return result;
}

/**
 * Max-rate discovery (see discovery.ts): consumers of the workload's shape run through every step on
 * topics of their own; each step is a fresh set of producers at the step's rate. Bounded by the
 * policy's step count and `budgetS`; the topics are deleted afterwards.
 */
async function discoverRate(w: Workload, settings: ClientSettings, common: Record<string, unknown>, tag: string, runDir: string, budgetS: number, plan: RunPlan, children: Child[]): Promise<DiscoveryResult> {
  const t0 = performance.now();
  const p = discoveryParams(w, budgetS);
  const topics = Array.from({ length: w.topics }, (_, i) => `omb-${w.id}-disc-${tag}-${i}`.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 240));
  const nProducers = w.topics * w.producersPerTopic;
  const maxStepCost = p.stepSeconds + 15;
  await worker({ ...common, mode: "setup", topics, partitions: w.partitionsPerTopic, replicationFactor: settings.replicationFactor, topicConfig: settings.topic, hardTimeoutS: 90 }, 100_000).result;
  const consumers: Child[] = [];
  try {
    const totals: number[] = [];
    let ready = 0;
    let resolveReady!: () => void;
    const allReady = new Promise<void>((r) => (resolveReady = r));
    let nConsumers = 0;
    for (const [ti, topic] of topics.entries()) {
      for (let s = 0; s < w.subscriptionsPerTopic; s++) {
        for (let c = 0; c < w.consumerPerSubscription; c++) {
          const idx = nConsumers++;
          totals.push(0);
          const spec = { ...common, mode: "consume", topics: [topic], groupId: `omb-disc-${ti}-${s}-${tag}`, config: settings.consumer, samplesCap: 1, samplesFile: join(runDir, `d-${idx}.f64`), backlog: false, warmupS: 0, hardTimeoutS: budgetS + p.maxSteps * 15 + 120 };
          const ch = worker(spec, (spec.hardTimeoutS + 10) * 1000, (kind, payload) => {
            if (kind === "READY" && ++ready === nConsumers) resolveReady();
            if (kind === "PROGRESS" && typeof payload.total === "number") totals[idx] = payload.total;
          }, plan.client);
          consumers.push(ch);
          children.push(ch);
        }
      }
    }
    const waitReady = setTimeout(resolveReady, 45_000);
    await Promise.race([allReady, Promise.all(consumers.map((c) => c.exited))]);
    clearTimeout(waitReady);
    // Records received over every subscription (each subscription's group receives each record once).
    const consumed = () => totals.reduce((a, b) => a + b, 0);
    let sentTotal = 0;
    let ackedTotal = 0;
    let st = initialState(p);
    plan.log(`  discovering the max sustainable rate: from ${st.rate} records/s, ${p.stepSeconds} s steps, at most ${p.maxSteps} steps / ${budgetS} s`);
    while (!st.done) {
      if ((performance.now() - t0) / 1000 + p.stepSeconds + 2 > budgetS && st.steps.length > 0) {
        st = { ...st, done: true, reason: `budget of ${budgetS} s` };
        break;
      }
      const target = st.rate;
      const startAtUs = Date.now() * 1000 + 1_200_000;
      const endMs = startAtUs / 1000 + p.stepSeconds * 1000;
      let consumedAtEnd = -1;
      const snap = setTimeout(() => (consumedAtEnd = consumed()), Math.max(0, endMs - Date.now()));
      const producers: Child[] = [];
      for (const [ti, topic] of topics.entries()) {
        for (let i = 0; i < w.producersPerTopic; i++) {
          const ch = worker(
            { ...common, mode: "produce", topic, rate: target / nProducers, config: settings.producer, messageSize: w.messageSize, payloadFile: w.payloadFile, keyDistributor: w.keyDistributor, keySpace: w.keySpace, keyOffset: Math.floor((producers.length * w.keySpace) / Math.max(1, nProducers)), startAtUs, warmupS: 0, durationS: p.stepSeconds, flushTimeoutS: 10, samplesCap: 1, samplesFile: join(runDir, `d-p-${ti}-${i}.f64`), hardTimeoutS: maxStepCost },
            (maxStepCost + 10) * 1000,
            undefined,
            plan.client,
          );
          producers.push(ch);
          children.push(ch);
        }
      }
      const res = await Promise.allSettled(producers.map((x) => x.result));
      clearTimeout(snap);
      if (consumedAtEnd < 0) consumedAtEnd = consumed();
      const ok = res.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
      if (ok.length < producers.length) {
        const why = res.find((r): r is PromiseRejectedResult => r.status === "rejected")?.reason;
        throw new Error(`rate discovery: a producer failed at ${target} records/s: ${String(why?.message ?? why)}`);
      }
      const stepSent = ok.reduce((a, r) => a + (Number(r.sent) || 0), 0);
      const stepAcked = ok.reduce((a, r) => a + (Number(r.records) || 0), 0);
      sentTotal += stepSent;
      ackedTotal += ok.reduce((a, r) => a + (Number(r.ackedAll) || 0), 0);
      // Backlog per subscription: records sent by the step's end and not consumed by then.
      const backlog = Math.max(0, (sentTotal * w.subscriptionsPerTopic - consumedAtEnd) / w.subscriptionsPerTopic);
      st = nextStep(st, { targetRate: target, achievedRate: stepAcked / p.stepSeconds, backlog }, p);
      const last = st.steps[st.steps.length - 1];
      plan.log(`  step ${st.steps.length}: target ${target}/s, achieved ${Math.round(last.achievedRate)}/s, backlog ${Math.round(backlog)} (≤ ${Math.round(acceptableBacklogFor(p, target))}): ${last.ok ? "ok" : last.why}`);
      // Let the consumers drain before the next step (bounded).
      const drainUntil = performance.now() + 10_000;
      while (!st.done && performance.now() < drainUntil && consumed() < ackedTotal * w.subscriptionsPerTopic - 1) await Bun.sleep(50);
    }
    const rate = discoveredRate(st);
    const seconds = (performance.now() - t0) / 1000;
    plan.log(`  discovered ${rate} records/s (${st.reason}) in ${seconds.toFixed(1)} s`);
    return { rate, reason: st.reason, params: p, steps: st.steps, seconds };
  } finally {
    for (const c of consumers) c.proc.kill("SIGKILL");
    const td = worker({ ...common, mode: "teardown", topics, hardTimeoutS: 60 }, 70_000);
    const r = await td.result.catch((e) => ({ errors: [String(e.message ?? e)] }));
    if (r.errors?.length) plan.log(`  discovery teardown: ${r.errors.join("; ")}`);
  }
}

export interface TargetRuntime {
  target: Target;
  bootstrap: string;
  /** Local targets: the broker started for the run. */
  broker?: LocalBroker;
}

/** Starts the local targets (each its own Takhin or Kafka process and data directory). */
export async function startTargets(targets: Target[], workDir: string, log: (m: string) => void): Promise<TargetRuntime[]> {
  const out: TargetRuntime[] = [];
  try {
    for (const t of targets) {
      const kind = localKind(t);
      if (kind === null) {
        out.push({ target: t, bootstrap: t.bootstrap });
        continue;
      }
      const dataDir = join(workDir, `broker-${t.name}`);
      mkdirSync(dataDir, { recursive: true });
      const broker = await startLocalBroker(kind, dataDir);
      log(`target ${t.name}: local ${kind === "kafka" ? "Apache Kafka" : "Takhin"} pid ${broker.pid} on ${broker.bootstrap} (first Metadata answer after ${broker.startupMs.toFixed(0)} ms)`);
      out.push({ target: t, bootstrap: broker.bootstrap, broker });
    }
  } catch (e) {
    await stopTargets(out);
    throw e;
  }
  return out;
}

export async function stopTargets(rts: TargetRuntime[]): Promise<void> {
  await Promise.all(rts.map(async (r) => r.broker?.stop()));
}

/** Runs every workload against every target, interleaved: for each workload, rounds of A B A B ... */
export async function runPlan(plan: RunPlan): Promise<{ runs: RunResult[]; runtimes: TargetRuntime[] }> {
  const runs: RunResult[] = [];
  const runtimes = await startTargets(plan.targets, plan.workDir, plan.log);
  try {
    for (const w of plan.workloads) {
      for (let round = 1; round <= plan.repeats; round++) {
        for (const rt of runtimes) {
          plan.log(`${w.id} · ${rt.target.name} · round ${round}/${plan.repeats}`);
          const settle = plan.settleCache === false ? null : settlePageCache();
          if (settle && !settle.settled) plan.log(`  page cache not settled: ${settle.error}`);
          const r = await runOne(w, rt.target, rt.bootstrap, round, plan, rt.broker);
          r.cacheSettled = settle ? settle.settled : null;
          runs.push(r);
          plan.log(
            r.ok
              ? `  publish ${r.publish.MBps.toFixed(1)} MB/s (${Math.round(r.publish.recordsPerSec)} rec/s), p99 ${r.publishLatencyMs.p99.toFixed(2)} ms; e2e p99 ${r.e2eLatencyMs.p99.toFixed(2)} ms; consumed ${r.consume.total} records${r.broker ? `; broker ${r.broker.cpuSecondsPerGB.toFixed(1)} CPU s/GB, peak RSS ${r.broker.peakRssMB.toFixed(0)} MB` : ""}`
              : `  FAILED: ${r.error}`,
          );
        }
      }
    }
    await plan.after?.(runtimes);
  } finally {
    await stopTargets(runtimes);
  }
  return { runs, runtimes };
}

export function defaultWorkDir(base = tmpdir()): string {
  return mkdtempSync(join(base, "takhin-compare-"));
}

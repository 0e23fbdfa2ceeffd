/**
 * The "broker facts" phase of the comparison: for every local target (Takhin or Apache Kafka), on
 * a fresh data directory of its own,
 *   1. startup: spawn to the first Metadata answer (empty data directory; includes Bun's or the
 *      JVM's own start, probed every READY_PROBE_INTERVAL_MS),
 *   2. create `partitions` partitions (topics of 100 partitions, librdkafka's AdminClient, until
 *      every partition has a leader), write ~20 records of 100 B to each, let the broker sit idle
 *      `idleS` seconds and read its RSS and CPU over that time from /proc (idle RSS with N partitions),
 *   3. stop it cleanly, start it again on the same data and time the restart: to the first Metadata
 *      answer and to the first Metadata answer that lists all N partitions with a leader.
 * Targets are interleaved per round (A B A B) like the workloads.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { metadataV1 } from "../../peer/kafka/probe.ts";
import { readCpu, readMem } from "../e2e/procstat.ts";
import { READY_PROBE_INTERVAL_MS, startLocalBroker, type LocalBroker, type LocalKind } from "./brokers.ts";
import { localKind, type Target } from "./driver.ts";
import { worker } from "./runner.ts";

export const FACTS_PARTITIONS_PER_TOPIC = 100;
const RESTART_TIMEOUT_MS = 180_000;

export interface BrokerFacts {
  target: string;
  kind: LocalKind;
  round: number;
  ok: boolean;
  error?: string;
  partitions: number;
  /** Empty data directory: spawn to the first Metadata answer. */
  startupMs: number;
  /** RSS right after the start, before any topic exists. */
  emptyRssMB: number;
  /** After `idleS` idle seconds with `partitions` partitions (~20 small records each). */
  idleRssMB: number;
  idleCpuPct: number;
  idleS: number;
  /** Restart on the data: spawn to the first Metadata answer, and to one listing every partition with a leader. */
  restartMs: number;
  restartAllPartitionsMs: number;
  restartIdleRssMB: number;
}

/** Partitions with a leader over all topics named `prefix*`, from one Metadata v1 (all topics) answer; null if none came. */
export async function leadersReady(bootstrap: string, prefix: string, timeoutMs = 5000): Promise<number | null> {
  const [host, portS] = bootstrap.split(",")[0]!.split(":") as [string, string];
  const answer = await metadataV1(host, Number(portS), null, timeoutMs);
  if (!answer) return null;
  let n = 0;
  for (const t of answer.topics) if (t.name?.startsWith(prefix) && t.errorCode === 0) for (const p of t.partitions) if (p.errorCode === 0 && p.leaderId >= 0) n++;
  return n;
}

async function fill(bootstrap: string, prefix: string, partitions: number, dir: string, log: (m: string) => void): Promise<void> {
  const nTopics = Math.ceil(partitions / FACTS_PARTITIONS_PER_TOPIC);
  for (let i = 0; i < nTopics; i++) {
    const n = Math.min(FACTS_PARTITIONS_PER_TOPIC, partitions - i * FACTS_PARTITIONS_PER_TOPIC);
    const topic = `${prefix}${i}`;
    await worker({ bootstrap, commonConfig: {}, mode: "setup", topics: [topic], partitions: n, replicationFactor: 1, topicConfig: {}, hardTimeoutS: 120 }, 130_000).result;
    // About 20 records of 100 bytes per partition (distinct keys hashed over the partitions; missing one is ~1e-9 likely), so each has data.
    await worker(
      { bootstrap, commonConfig: {}, mode: "produce", topic, rate: n * 20, config: { acks: "all", "linger.ms": "5" }, messageSize: 100, payloadFile: null, keyDistributor: "KEY_ROUND_ROBIN", keySpace: n * 20, keyOffset: 0, startAtUs: Date.now() * 1000 + 300_000, warmupS: 0, durationS: 1, flushTimeoutS: 30, samplesCap: 1, samplesFile: join(dir, `${topic}.f64`), hardTimeoutS: 60 },
      70_000,
    ).result.catch((e) => log(`  facts: writing records to ${topic}: ${String(e.message ?? e)}`));
  }
}

async function timeRestart(kind: LocalKind, dataDir: string, prefix: string, partitions: number): Promise<{ broker: LocalBroker; restartMs: number; allMs: number }> {
  const t0 = performance.now();
  const broker = await startLocalBroker(kind, dataDir);
  const restartMs = broker.startupMs;
  const deadline = Date.now() + RESTART_TIMEOUT_MS;
  for (;;) {
    const n = await leadersReady(broker.bootstrap, prefix);
    if (n !== null && n >= partitions) break;
    if (Date.now() > deadline) {
      await broker.stop();
      throw new Error(`after the restart only ${n ?? 0} of ${partitions} partitions had a leader within ${RESTART_TIMEOUT_MS} ms`);
    }
    await Bun.sleep(READY_PROBE_INTERVAL_MS);
  }
  return { broker, restartMs, allMs: performance.now() - t0 };
}

export async function runFacts(opts: { targets: Target[]; workDir: string; partitions: number; idleS: number; repeats: number; log: (m: string) => void }): Promise<BrokerFacts[]> {
  const out: BrokerFacts[] = [];
  const local = opts.targets.filter((t) => localKind(t) !== null);
  for (let round = 1; round <= opts.repeats; round++) {
    for (const t of local) {
      const kind = localKind(t)!;
      const dataDir = join(opts.workDir, `facts-${t.name}-r${round}`);
      mkdirSync(dataDir, { recursive: true });
      const prefix = `facts-${t.name}-`;
      const f: BrokerFacts = { target: t.name, kind, round, ok: false, partitions: opts.partitions, startupMs: NaN, emptyRssMB: NaN, idleRssMB: NaN, idleCpuPct: NaN, idleS: opts.idleS, restartMs: NaN, restartAllPartitionsMs: NaN, restartIdleRssMB: NaN };
      opts.log(`broker facts · ${t.name} · round ${round}/${opts.repeats}`);
      let broker: LocalBroker | null = null;
      try {
        broker = await startLocalBroker(kind, dataDir);
        f.startupMs = broker.startupMs;
        f.emptyRssMB = readMem(broker.pid)?.rssMB ?? NaN;
        await fill(broker.bootstrap, prefix, opts.partitions, opts.workDir, opts.log);
        const a = readCpu(broker.pid);
        await Bun.sleep(opts.idleS * 1000);
        const b = readCpu(broker.pid);
        f.idleRssMB = readMem(broker.pid)?.rssMB ?? NaN;
        if (a && b) f.idleCpuPct = ((b.cpuSeconds - a.cpuSeconds) / ((b.atMs - a.atMs) / 1000)) * 100;
        await broker.stop();
        broker = null;
        const r = await timeRestart(kind, dataDir, prefix, opts.partitions);
        broker = r.broker;
        f.restartMs = r.restartMs;
        f.restartAllPartitionsMs = r.allMs;
        await Bun.sleep(Math.min(opts.idleS, 5) * 1000);
        f.restartIdleRssMB = readMem(broker.pid)?.rssMB ?? NaN;
        f.ok = true;
        opts.log(`  start ${f.startupMs.toFixed(0)} ms; idle RSS with ${opts.partitions} partitions ${f.idleRssMB.toFixed(0)} MB (empty ${f.emptyRssMB.toFixed(0)} MB), idle CPU ${f.idleCpuPct.toFixed(1)}%; restart ${f.restartMs.toFixed(0)} ms (all partitions led after ${f.restartAllPartitionsMs.toFixed(0)} ms)`);
      } catch (e) {
        f.error = String((e as Error).message ?? e).slice(0, 500);
        opts.log(`  FAILED: ${f.error}`);
      } finally {
        await broker?.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
      out.push(f);
    }
  }
  return out;
}

/**
 * Local brokers for the comparison: a Takhin process (`bun src/main.ts`, bench/e2e/broker-proc.ts)
 * or an Apache Kafka peer (one combined broker+controller JVM, peer/kafka/launcher.ts), each on
 * 127.0.0.1 with a data directory of its own. Both are handed back in one shape: the bootstrap,
 * the broker's pid (the process whose CPU and RSS /proc shows: Bun's, or the JVM's), the time from
 * spawn to the first Metadata answer, and stop().
 *
 * Also the page-cache settling done before every write phase (`sync; echo 3 >
 * /proc/sys/vm/drop_caches`, see /work/shared/FACTS.md "Disk and page cache"): dirty pages left by
 * an earlier run decide a produce benchmark otherwise.
 */
import { writeFileSync } from "node:fs";
import { spawnBroker } from "../e2e/broker-proc.ts";
import { startKafkaPeer } from "../../peer/kafka/launcher.ts";
import { metadataBrokers } from "../../peer/kafka/probe.ts";

export type LocalKind = "takhin" | "kafka";

export interface LocalBroker {
  kind: LocalKind;
  bootstrap: string;
  pid: number;
  /** Spawn to the first Metadata answer, ms (includes starting Bun or the JVM). */
  startupMs: number;
  stop(): Promise<void>;
}

/** How often a starting broker is asked for Metadata while its start is timed. */
export const READY_PROBE_INTERVAL_MS = 25;
const TAKHIN_START_TIMEOUT_MS = 60_000;

/**
 * Kafka settings for benchmark runs on top of peer/kafka/settings.ts, matching what the harness
 * gives Takhin (TAKHIN_GROUP_INITIAL_REBALANCE_DELAY_MS=0): a consumer group forms without the 3 s
 * wait, so short runs measure the brokers and not the rebalance delay.
 */
export const KAFKA_BENCH_OVERRIDES: Record<string, string | number | boolean> = { "group.initial.rebalance.delay.ms": 0 };
export const TAKHIN_BENCH_ENV: Record<string, string> = { TAKHIN_LOG_LEVEL: "warn", TAKHIN_GROUP_INITIAL_REBALANCE_DELAY_MS: "0" };

/** Pids of local brokers started and not yet stopped (abortAll kills them). */
export const liveBrokerPids = new Set<number>();

export async function startLocalBroker(kind: LocalKind, dataDir: string): Promise<LocalBroker> {
  if (kind === "kafka") {
    const peer = await startKafkaPeer({ dataDir, overrides: KAFKA_BENCH_OVERRIDES, probeIntervalMs: READY_PROBE_INTERVAL_MS });
    const pid = peer.state.nodes[0]!.pid;
    liveBrokerPids.add(pid);
    return {
      kind,
      bootstrap: peer.bootstrap,
      pid,
      startupMs: peer.startupMs,
      stop: async () => {
        await peer.stop();
        liveBrokerPids.delete(pid);
      },
    };
  }
  const t0 = performance.now();
  const b = await spawnBroker({ dataDir, env: TAKHIN_BENCH_ENV });
  liveBrokerPids.add(b.pid);
  // spawnBroker returns at the first accepted connection; time to the first Metadata answer, as for Kafka.
  const deadline = Date.now() + TAKHIN_START_TIMEOUT_MS;
  while ((await metadataBrokers("127.0.0.1", b.port, 2000)) === null) {
    if (Date.now() > deadline) {
      await b.stop();
      liveBrokerPids.delete(b.pid);
      throw new Error(`Takhin (pid ${b.pid}) accepted connections but did not answer Metadata within ${TAKHIN_START_TIMEOUT_MS} ms`);
    }
    await Bun.sleep(READY_PROBE_INTERVAL_MS);
  }
  const startupMs = performance.now() - t0;
  return {
    kind,
    bootstrap: `127.0.0.1:${b.port}`,
    pid: b.pid,
    startupMs,
    stop: async () => {
      await b.stop();
      liveBrokerPids.delete(b.pid);
    },
  };
}

export interface SettleResult {
  settled: boolean;
  /** Why not, when not. */
  error?: string;
  ms: number;
}

/** `sync; echo 3 > /proc/sys/vm/drop_caches` (needs root); never throws. */
export function settlePageCache(): SettleResult {
  const t0 = performance.now();
  try {
    const s = Bun.spawnSync(["sync"], { timeout: 120_000 });
    if (s.exitCode !== 0) return { settled: false, error: `sync exited ${s.exitCode}`, ms: performance.now() - t0 };
    writeFileSync("/proc/sys/vm/drop_caches", "3\n");
    return { settled: true, ms: performance.now() - t0 };
  } catch (e) {
    return { settled: false, error: String((e as Error).message ?? e), ms: performance.now() - t0 };
  }
}

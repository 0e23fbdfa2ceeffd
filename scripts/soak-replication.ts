/**
 * The replication fault schedule (test/cluster/faults/replication-schedule.ts) for hours: each
 * round starts a fresh 3-node cluster behind fault proxies, runs one seeded schedule (kill -9 of a
 * leader, SIGSTOP of a follower past the lag time, a partitioned leader, a restart) under
 * librdkafka acks=all producers, checks the history and the replicas' bytes, and stops it. A fresh
 * seed per round (from --seed, +1 each round); a failing round prints its seed and report, which
 * replays with `--seed <seed> --rounds 1`.
 *
 *   bun scripts/soak-replication.ts [--rounds 10] [--minutes 0 (no limit)] [--seed <n>] [--records 300]
 *        [--idempotent true|false] [--lag-ms 2000 (the nodes' replica_lag_time_max_ms)] [--keep-going]
 *
 * Exit 0 when every round was clean, 1 otherwise.
 */
import { startFaultCluster } from "../test/cluster/faults/harness.ts";
import { runReplicationRound } from "../test/cluster/faults/replication-schedule.ts";
import { describeReport } from "../test/helpers/history-checker.ts";

function opt(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
const rounds = Number(opt("rounds") ?? 10);
const minutes = Number(opt("minutes") ?? 0);
const firstSeed = Number(opt("seed") ?? Date.now() % 1_000_000);
const records = Number(opt("records") ?? 300);
// replica_lag_time_max_ms of the nodes, also the schedule's lag time (as replication-faults.test.ts).
const lagMs = Number(opt("lag-ms") ?? 2000);
const idempotent = (opt("idempotent") ?? "true") !== "false";
const keepGoing = process.argv.includes("--keep-going");
for (const [k, v] of Object.entries({ rounds, minutes, firstSeed, records, lagMs })) if (!Number.isFinite(v) || v < 0) throw new Error(`bad --${k}`);

const started = Date.now();
let failed = 0;
let ran = 0;
for (let i = 0; i < rounds; i++) {
  if (minutes > 0 && Date.now() - started > minutes * 60_000) break;
  const seed = firstSeed + i;
  let fc: Awaited<ReturnType<typeof startFaultCluster>>;
  try {
    fc = await startFaultCluster({ nodes: 3, proxy: true, kafkaProxy: true, env: { TAKHIN_REPLICA_LAG_TIME_MAX_MS: String(lagMs) } });
  } catch (e) {
    // Not a replication failure (e.g. a port taken by another process meanwhile): say so and go on.
    console.log(`round ${i + 1} seed ${seed}: cluster did not start: ${(e as Error).message.split("\n").slice(-3).join(" ")}`);
    continue;
  }
  const t0 = Date.now();
  try {
    await fc.cluster.waitForBrokers([0, 1, 2]);
    const rep = await runReplicationRound(fc, { seed, topic: `soak-${seed}`, records, intervalMs: 40, lagTimeMs: lagMs, idempotent, dir: fc.dir });
    ran++;
    const replicasOk = rep.replicas.every((r) => r.identical);
    const ok = rep.history.ok && replicasOk && rep.settled && rep.producer.exitCode === 0;
    console.log(
      `round ${i + 1} seed ${seed}: ${ok ? "ok" : "FAILED"} in ${((Date.now() - t0) / 1000).toFixed(0)} s; acked ${rep.history.total.acked}/${rep.history.total.sent}, read ${rep.history.total.read}; ${rep.faults.join("; ")}`,
    );
    if (!ok) {
      failed++;
      console.log(describeReport(rep.history));
      console.log(`replicas: ${JSON.stringify(rep.replicas.map((r) => ({ ...r, highWatermark: String(r.highWatermark) })))} settled=${rep.settled} producer=${JSON.stringify(rep.producer)}`);
      console.log(`replay: bun scripts/soak-replication.ts --seed ${seed} --rounds 1`);
      if (!keepGoing) break;
    }
  } catch (e) {
    failed++;
    console.log(`round ${i + 1} seed ${seed}: ERROR ${(e as Error).message}`);
    if (!keepGoing) break;
  } finally {
    await fc.stop();
  }
}
console.log(`takhin soak-replication: ${ran} rounds, ${failed} failed, ${((Date.now() - started) / 60_000).toFixed(1)} min`);
process.exit(failed === 0 ? 0 : 1);

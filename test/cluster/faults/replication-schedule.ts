/**
 * The replication fault schedule of issue 15 item 9, shared by replication-faults.test.ts (one
 * round) and scripts/soak-replication.ts (N rounds, a fresh seed each):
 *
 *  1. a 3-node cluster whose controller links run through a FaultNet and whose Kafka listeners sit
 *     behind one proxy each (advertised, so clients and followers dial the proxies);
 *  2. a topic with replication factor 3 and min.insync.replicas 2; librdkafka producers
 *     (scripts/history-producer.py; idempotent when the cluster grants producer ids) write a known
 *     sequence per partition with acks=all, every send/ack/fail recorded;
 *  3. meanwhile, in a seeded order with seeded pauses: kill -9 of a partition leader (restarted
 *     after a while), SIGSTOP of a follower past replica_lag_time_max_ms then SIGCONT, the leader
 *     cut off (every controller link blackholed and its Kafka proxy blackholed) past the session
 *     timeout then healed, a restart of a random node;
 *  4. everything healed, every node running, the cluster settled (every broker registered and
 *     unfenced, every partition led with a full ISR, when it gets there within the bound);
 *  5. every partition read back from its leader to the high watermark, the history checked
 *     (history-checker.ts), and the replicas' segment bytes compared up to the high watermark.
 *
 * `runReplicationRound` returns the report; the caller decides what to assert or print.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SeededRandom } from "../../../src/raft/rand.ts";
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD_BYTES, readBatchHeader } from "../../../src/protocol/record-batch.ts";
import { LATEST_TIMESTAMP } from "../../../src/client/client.ts";
import { PYTHON, runProc } from "../../clients/scripts/pc-common.ts";
import { BLACKHOLE, PASS } from "../../helpers/fault-proxy.ts";
import { checkHistory, type HistoryEvent, type HistoryReport } from "../../helpers/history-checker.ts";
import { metadataOf, readAll, until, type FaultCluster } from "./harness.ts";

export interface RoundOptions {
  seed: number;
  topic: string;
  partitions?: number;
  producersPerPartition?: number;
  records?: number;
  intervalMs?: number;
  /** replica_lag_time_max_ms the nodes run with (the SIGSTOP lasts longer than this). */
  lagTimeMs?: number;
  /** Session timeout of the cluster (the leader stays cut off longer than this). */
  sessionTimeoutMs?: number;
  idempotent: boolean;
  dir: string;
  log?: (line: string) => void;
}

export interface ReplicaComparison {
  partition: number;
  highWatermark: bigint;
  /** Node id -> bytes of the log below the high watermark (hex digest). */
  digests: Record<number, string>;
  identical: boolean;
}

export interface RoundReport {
  seed: number;
  faults: string[];
  history: HistoryReport;
  replicas: ReplicaComparison[];
  settled: boolean;
  producer: { version?: string; librdkafka?: string; exitCode: number | null; timedOut: boolean };
}

const SCRIPT = join(import.meta.dir, "scripts", "history-producer.py");

/**
 * The bytes of the whole batches below `hw`, read from the segment files themselves. A segment
 * that lost its tail while mapped (a follower truncating its divergent tail, segment.ts) keeps the
 * old bytes past its logical end and the log rolls a new segment at the new end; as the log's own
 * recovery does, a segment's batches count only below the next segment's base offset (its name).
 */
export function logBytesBelow(partitionDir: string, hw: bigint): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const b of logBatches(partitionDir)) {
    if (b.header.baseOffset + BigInt(b.header.lastOffsetDelta) >= hw) break;
    parts.push(b.bytes);
  }
  return concat(parts);
}

/** Every whole batch of a partition directory's segments in offset order (logBytesBelow's rules). */
export function logBatches(partitionDir: string): { segment: string; header: ReturnType<typeof readBatchHeader>; bytes: Uint8Array }[] {
  const segments = readdirSync(partitionDir)
    .filter((f) => f.endsWith(".log"))
    .sort();
  const out: { segment: string; header: ReturnType<typeof readBatchHeader>; bytes: Uint8Array }[] = [];
  for (let i = 0; i < segments.length; i++) {
    const f = segments[i]!;
    const nextBase = i + 1 < segments.length ? BigInt(segments[i + 1]!.slice(0, -".log".length)) : -1n;
    const bytes = new Uint8Array(readFileSync(join(partitionDir, f)));
    let pos = 0;
    while (pos + BATCH_HEADER_BYTES <= bytes.length) {
      const h = readBatchHeader(bytes, pos);
      if (h.batchLength <= 0) break; // preallocated or torn tail
      const size = BATCH_LOG_OVERHEAD_BYTES + h.batchLength;
      if (pos + size > bytes.length) break;
      if (nextBase >= 0n && h.baseOffset >= nextBase) break; // a stale tail past the logical end
      out.push({ segment: f, header: h, bytes: bytes.subarray(pos, pos + size) });
      pos += size;
    }
  }
  return out;
}

/**
 * For a finding at these offsets: the batch holding each one on every node (epoch, producer id,
 * epoch and sequence, base offset and count), to tell which leader appended which copy.
 */
export function batchesAt(fc: FaultCluster, topic: string, partition: number, offsets: bigint[]): string[] {
  const lines: string[] = [];
  for (const n of fc.cluster.nodes) {
    let batches: ReturnType<typeof logBatches> = [];
    try {
      batches = logBatches(join(n.dataDir, `${topic}-${partition}`));
    } catch {
      continue;
    }
    for (const o of offsets) {
      const b = batches.find((x) => x.header.baseOffset <= o && o <= x.header.baseOffset + BigInt(x.header.lastOffsetDelta));
      const h = b?.header;
      lines.push(h ? `node ${n.id} offset ${o}: batch ${h.baseOffset}+${h.recordCount} leaderEpoch ${h.partitionLeaderEpoch} pid ${h.producerId}/${h.producerEpoch} seq ${h.baseSequence} ts ${h.baseTimestamp} crc ${h.crc.toString(16)} in ${b!.segment}` : `node ${n.id} offset ${o}: none`);
    }
  }
  return lines;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function shuffle<T>(r: SeededRandom, xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = r.nextInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

async function partitionState(fc: FaultCluster, topic: string, askNode?: number) {
  const ids = askNode === undefined ? fc.cluster.nodes.filter((n) => fc.cluster.isRunning(n.id) && !n.paused).map((n) => n.id) : [askNode];
  for (const id of ids) {
    const md = await metadataOf(fc.cluster, id);
    const t = md?.topics.find((x) => x.name === topic);
    if (t && t.errorCode === 0) return t.partitions;
  }
  return null;
}

export async function runReplicationRound(fc: FaultCluster, o: RoundOptions): Promise<RoundReport> {
  const log = o.log ?? (() => {});
  const r = new SeededRandom(o.seed);
  const partitions = o.partitions ?? 3;
  const perPartition = o.producersPerPartition ?? 2;
  const records = o.records ?? 600;
  const intervalMs = o.intervalMs ?? 40;
  const lagTimeMs = o.lagTimeMs ?? 10_000;
  const sessionTimeoutMs = o.sessionTimeoutMs ?? 3000;
  const { cluster, net } = fc;
  const faults: string[] = [];

  const [created] = await fc.client().createTopics([{ name: o.topic, numPartitions: partitions, replicationFactor: 3, configs: { "min.insync.replicas": "2" } }]);
  if (created?.errorCode !== 0) throw new Error(`CreateTopics ${o.topic}: ${created?.errorCode} ${created?.errorMessage}`);
  await until("every partition led", async () => (await partitionState(fc, o.topic))?.every((p) => p.leaderId >= 0), 15_000);

  // 2. The producers, in the background.
  const producers = [];
  for (let p = 0; p < partitions; p++) for (let k = 0; k < perPartition; k++) producers.push({ name: `s${o.seed}p${p}k${k}`, partition: p });
  const specPath = join(o.dir, `history-${o.seed}.json`);
  await Bun.write(specPath, JSON.stringify({ bootstrap: cluster.bootstrap, topic: o.topic, producers, records, intervalMs, idempotent: o.idempotent, deliveryTimeoutMs: 60_000, clientId: "history" }));
  const events: HistoryEvent[] = [];
  let done: { version?: string; librdkafka?: string } = {};
  const producing = runProc([PYTHON, SCRIPT, specPath], {
    timeoutMs: records * intervalMs + 180_000,
    maxStdout: 64 * 1024,
    onLine(line) {
      if (!line.startsWith("{")) return;
      const e = JSON.parse(line);
      if (e.e === "send") events.push({ kind: "send", partition: e.p, producer: e.n, seq: e.s });
      else if (e.e === "ack") events.push({ kind: "ack", partition: e.p, producer: e.n, seq: e.s, offset: BigInt(e.o) });
      else if (e.e === "fail") events.push({ kind: "fail", partition: e.p, producer: e.n, seq: e.s });
      else if (e.e === "done") done = e;
    },
  });

  // 3. The faults, in a seeded order.
  const pause = (min: number, max: number) => Bun.sleep(min + r.nextInt(max - min + 1));
  const pickPartition = () => r.nextInt(partitions);
  const leaderOf = async (p: number) => (await until(`a leader of partition ${p}`, async () => { const ps = await partitionState(fc, o.topic); const l = ps?.[p]?.leaderId; return l !== undefined && l >= 0 ? l : null; }, 30_000));
  const settleBrokers = () => cluster.waitForBrokers([0, 1, 2], { timeoutMs: 60_000 });
  const steps: Record<string, () => Promise<void>> = {
    async killLeader() {
      const p = pickPartition();
      const leader = await leaderOf(p);
      faults.push(`kill -9 node ${leader} (leader of ${p})`);
      await cluster.kill(leader);
      await pause(500, 3000);
      await cluster.start(leader);
      await settleBrokers();
    },
    async pauseFollower() {
      const p = pickPartition();
      const leader = await leaderOf(p);
      const followers = [0, 1, 2].filter((n) => n !== leader);
      const f = followers[r.nextInt(followers.length)]!;
      faults.push(`SIGSTOP node ${f} (follower of ${p}) for lag time + slack`);
      cluster.pause(f);
      await pause(lagTimeMs + 1000, lagTimeMs + 3000);
      cluster.resume(f);
      await settleBrokers();
    },
    async partitionLeader() {
      const p = pickPartition();
      const leader = await leaderOf(p);
      faults.push(`partition node ${leader} (leader of ${p}) away from the others and the clients`);
      net!.isolate(leader, BLACKHOLE);
      fc.kafkaProxies[leader]!.setMode(BLACKHOLE);
      await pause(sessionTimeoutMs + 1000, sessionTimeoutMs + 4000);
      net!.heal();
      fc.kafkaProxies[leader]!.setMode(PASS);
      await settleBrokers();
    },
    async restartNode() {
      const n = r.nextInt(3);
      const signal = r.chance(0.5) ? "SIGKILL" : "SIGTERM";
      faults.push(`restart node ${n} (${signal})`);
      await cluster.restart(n, signal);
      await settleBrokers();
    },
  };
  await pause(500, 2000);
  for (const name of shuffle(r, Object.keys(steps))) {
    log(`seed ${o.seed}: ${name}`);
    await steps[name]!();
    await pause(300, 1500);
  }
  const produced = await producing;
  log(`seed ${o.seed}: producers done (exit ${produced.exitCode}${produced.timedOut ? ", timed out" : ""}) ${produced.stderr.slice(-500)}`);

  // 4. Settle: every node up, healed, every partition led with its full ISR (bounded).
  net?.heal();
  for (const k of fc.kafkaProxies) k.setMode(PASS);
  for (const n of cluster.nodes) if (n.paused) cluster.resume(n.id);
  for (const n of cluster.nodes) if (!cluster.isRunning(n.id)) await cluster.start(n.id);
  await settleBrokers();
  let settled = true;
  try {
    await until("every partition led with a full ISR on every node", async () => {
      for (const id of [0, 1, 2]) {
        const ps = await partitionState(fc, o.topic, id);
        if (!ps || !ps.every((p) => p.leaderId >= 0 && p.isrNodes.length === 3)) return false;
      }
      return true;
    }, 60_000, 200);
  } catch {
    settled = false;
  }

  // 5. Read back, check, compare replicas.
  const reader = fc.client({ requestTimeoutMs: 15_000 });
  const replicas: ReplicaComparison[] = [];
  for (let p = 0; p < partitions; p++) {
    const rows = await until(`read partition ${p}`, () => readAll(reader, o.topic, p), 30_000, 200);
    for (const [offset, value] of rows) events.push({ kind: "read", partition: p, offset, value });
    const hw = (await until(`high watermark of ${p}`, () => reader.listOffsets(o.topic, p, LATEST_TIMESTAMP), 30_000, 200)).offset;
    const digests: Record<number, string> = {};
    for (const n of cluster.nodes) {
      const bytes = logBytesBelow(join(n.dataDir, `${o.topic}-${p}`), hw);
      digests[n.id] = `${bytes.length}:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex").slice(0, 16)}`;
    }
    replicas.push({ partition: p, highWatermark: hw, digests, identical: new Set(Object.values(digests)).size === 1 });
  }
  const history = checkHistory(events);
  for (const pr of history.partitions) {
    for (const ex of pr.duplicated.examples) {
      const offsets = (/at offsets ([\d,]+)/.exec(ex)?.[1] ?? "").split(",").filter(Boolean).map(BigInt);
      log(`duplicate ${ex}:\n  ${batchesAt(fc, o.topic, pr.partition, offsets).join("\n  ")}`);
    }
  }
  return { seed: o.seed, faults, history, replicas, settled, producer: { ...done, exitCode: produced.exitCode, timedOut: produced.timedOut } };
}


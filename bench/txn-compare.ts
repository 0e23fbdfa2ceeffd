#!/usr/bin/env bun
/**
 * The cost of transactions, Takhin vs Apache Kafka 4.4 (peer/kafka), one run.
 *
 * One producer client for every case: librdkafka 2.0.2 through confluent-kafka-python 1.7 under
 * /usr/bin/python3 (Debian's), as bench/cleaner-compare.ts uses. It is a C client whose batching and
 * sending run on its own threads, so the figures are the broker's and not a JavaScript client's
 * event loop; it is also the client txn-clients.test.ts proves transactional against both brokers.
 *
 * Both brokers are started once (a fresh data directory each; Takhin as `bun src/main.ts`, Kafka
 * as one combined broker+controller JVM), then each round runs every case on Takhin and then on
 * Kafka (interleaved: Takhin, Kafka, Takhin, Kafka ...), each on a new topic of one partition
 * (replication 1), with the page cache settled (`sync; echo 3 > /proc/sys/vm/drop_caches`,
 * FACTS.md "Disk and page cache") right before its write phase. Records are `--value-bytes` bytes
 * (100 by default), no key, no compression, acks=all, linger.ms=5, batch.size=1 MiB.
 *
 * Cases (`--cases`):
 *   none    idempotent producer (enable.idempotence=true), no transactions: `--records` records
 *           (100,000 by default). Latency = per record, produce() call to its delivery callback.
 *   txn-N   transactional producer (transactional.id new per case), `--records` records in
 *           transactions of N records (N = 100, 10,000), or `--records-txn1` records (2,000 by
 *           default) for N = 1, since every transaction is at least a few round trips. Latency =
 *           per transaction, begin_transaction() to commit_transaction()'s return (the time until
 *           the transaction's records are visible to read_committed consumers; it includes the
 *           produce() calls, the flush the commit does, EndTxn and the markers).
 * records/s = records / (first produce() to the last delivery or commit), measured in the client.
 * Before the clock starts, one warm-up record (in a transaction of its own when transactional) makes
 * the producer id, the topic's metadata and the leader connection exist; it is not measured.
 * After each case a read_committed consumer reads the topic from the start and counts the records;
 * the count must equal the records sent, warm-up included (the run fails otherwise).
 *
 * A warm-up round first (every case at a tenth of its size on both brokers, not counted;
 * `--no-warmup` skips it): Kafka's JVM is cold at first.
 * Reported: the median over rounds of records/s and of p99 latency per broker and case, and the
 * ratio Takhin/Kafka (records/s: above 1 is Takhin faster; p99: below 1 is Takhin lower).
 *
 * Usage: bun bench/txn-compare.ts [--rounds 3] [--records 100000] [--records-txn1 2000]
 *        [--value-bytes 100] [--cases none,txn-1,txn-100,txn-10000] [--out bench/results/txn]
 *        [--no-warmup]
 *        [--quick]   (1 round, 20,000 records, 300 for txn-1: under 2 minutes)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { settlePageCache, startLocalBroker, type LocalBroker, type LocalKind } from "./compare/brokers.ts";

export const PYTHON = "/usr/bin/python3";

/** The worker: one case (produce, then count back with read_committed); prints "RESULT <json>". */
export const WORKER = String.raw`
import json, sys, time, uuid
from confluent_kafka import Producer, Consumer, TopicPartition, KafkaError
from confluent_kafka.admin import AdminClient, NewTopic
spec = json.loads(sys.argv[1])
bootstrap, topic, records, txn, value_bytes = spec["bootstrap"], spec["topic"], spec["records"], spec["txnSize"], spec["valueBytes"]
deadline = time.monotonic() + spec["timeoutS"]
a = AdminClient({"bootstrap.servers": bootstrap})
for k, f in a.create_topics([NewTopic(topic, 1, 1)]).items():
    f.result(30)
for _ in range(200):
    md = a.list_topics(topic, timeout=10)
    t = md.topics.get(topic)
    if t is not None and t.error is None and 0 in t.partitions and t.partitions[0].leader >= 0:
        break
    time.sleep(0.05)
if spec.get("settle"):
    import subprocess
    subprocess.run(["sync"], check=True)
    try:
        open("/proc/sys/vm/drop_caches", "w").write("3\n")
        settled = True
    except Exception:
        settled = False
else:
    settled = False
conf = {"bootstrap.servers": bootstrap, "linger.ms": 5, "batch.size": 1048576, "compression.type": "none", "acks": "all",
        "queue.buffering.max.kbytes": 262144, "queue.buffering.max.messages": 1000000, "enable.idempotence": True}
if txn > 0:
    conf["transactional.id"] = "txn-bench-" + uuid.uuid4().hex
p = Producer(conf)
value = b"v" * value_bytes
lat = []
errors = []
def on_delivery(err, msg, t0=None):
    if err is not None:
        if len(errors) < 10: errors.append(str(err))
# Warm-up, not measured: one record (in a transaction of its own when transactional), so the
# producer id, the topic's metadata and the partition's leader connection exist before the clock starts.
if txn > 0:
    p.init_transactions(30)
    p.begin_transaction()
    p.produce(topic, value=value, partition=0, on_delivery=on_delivery)
    p.commit_transaction(60)
else:
    p.produce(topic, value=value, partition=0, on_delivery=on_delivery)
    p.flush(30)
expected = records + 1
if txn == 0:
    def cb_for(t0):
        def cb(err, msg):
            if err is not None:
                if len(errors) < 10: errors.append(str(err))
            else:
                lat.append(time.perf_counter() - t0)
        return cb
    t_start = time.perf_counter()
    for i in range(records):
        t0 = time.perf_counter()
        while True:
            try:
                p.produce(topic, value=value, partition=0, on_delivery=cb_for(t0))
                break
            except BufferError:
                p.poll(0.005)
        if i % 1000 == 0:
            p.poll(0)
    left = p.flush(max(1, deadline - time.monotonic()))
    t_end = time.perf_counter()
    if left: errors.append("%d records not delivered" % left)
else:
    t_start = time.perf_counter()
    sent = 0
    while sent < records:
        if time.monotonic() > deadline:
            errors.append("deadline after %d records" % sent); break
        n = min(txn, records - sent)
        t0 = time.perf_counter()
        p.begin_transaction()
        for i in range(n):
            while True:
                try:
                    p.produce(topic, value=value, partition=0, on_delivery=on_delivery)
                    break
                except BufferError:
                    p.poll(0.005)
            if i % 1000 == 0:
                p.poll(0)
        p.commit_transaction(60)
        lat.append(time.perf_counter() - t0)
        sent += n
    t_end = time.perf_counter()
seconds = t_end - t_start
# Read back with read_committed: the records the producer committed, and no more.
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "txn-bench-count", "enable.auto.commit": False,
              "enable.partition.eof": True, "isolation.level": "read_committed", "fetch.max.bytes": 52428800})
c.assign([TopicPartition(topic, 0, 0)])
got = 0
read_deadline = time.monotonic() + 60
while time.monotonic() < read_deadline:
    msgs = c.consume(10000, 0.5)
    eof = False
    for m in msgs:
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                eof = True
                continue
            raise Exception(m.error())
        got += 1
    # At the end of the partition with everything sent: done (more would still be counted if the
    # end came later, since the loop only stops at an end of partition reached past the expected count).
    if eof and got >= expected:
        break
c.close()
lat.sort()
def q(x):
    return lat[min(len(lat) - 1, int(x * len(lat)))] * 1000 if lat else None
print("RESULT " + json.dumps({"records": records, "seconds": seconds, "recordsPerSec": records / seconds if seconds > 0 else 0,
      "samples": len(lat), "p50Ms": q(0.5), "p99Ms": q(0.99), "maxMs": lat[-1] * 1000 if lat else None,
      "readCommitted": got, "expected": expected, "settled": settled, "errors": errors}))
`;

export interface CaseSpec {
  name: string;
  /** 0: idempotent, no transactions. */
  txnSize: number;
  records: number;
}

export interface CaseResult {
  records: number;
  seconds: number;
  recordsPerSec: number;
  samples: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Records a read_committed consumer read back, and the records sent (the measured ones plus the warm-up record). */
  readCommitted: number;
  expected: number;
  settled: boolean;
  errors: string[];
}

/** One case against one broker: a new topic, produce, count back with read_committed. */
export async function runCase(bootstrap: string, topic: string, c: CaseSpec, opts: { valueBytes: number; settle: boolean; timeoutS: number }): Promise<CaseResult> {
  const spec = { bootstrap, topic, records: c.records, txnSize: c.txnSize, valueBytes: opts.valueBytes, settle: opts.settle, timeoutS: opts.timeoutS };
  const proc = Bun.spawn([PYTHON, "-c", WORKER, JSON.stringify(spec)], { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), (opts.timeoutS + 120) * 1000);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const code = await proc.exited;
  clearTimeout(timer);
  const line = out.split("\n").find((l) => l.startsWith("RESULT "));
  if (code !== 0 || !line) throw new Error(`worker for ${c.name} on ${bootstrap} exited ${code}: ${(out + err).slice(-2000)}`);
  return JSON.parse(line.slice(7)) as CaseResult;
}

export function parseCases(list: string, records: number, recordsTxn1: number): CaseSpec[] {
  return list.split(",").map((name) => {
    if (name === "none") return { name, txnSize: 0, records };
    const m = /^txn-(\d+)$/.exec(name);
    if (!m || Number(m[1]) < 1) throw new Error(`unknown case ${name} (none or txn-N)`);
    const txnSize = Number(m[1]);
    return { name, txnSize, records: txnSize === 1 ? recordsTxn1 : records };
  });
}

export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      rounds: { type: "string" },
      records: { type: "string" },
      "records-txn1": { type: "string" },
      "value-bytes": { type: "string", default: "100" },
      cases: { type: "string", default: "none,txn-1,txn-100,txn-10000" },
      out: { type: "string" },
      quick: { type: "boolean", default: false },
      "no-warmup": { type: "boolean", default: false },
    },
  });
  const quick = args.quick!;
  const rounds = Number(args.rounds ?? (quick ? 1 : 3));
  const records = Number(args.records ?? (quick ? 20_000 : 100_000));
  const recordsTxn1 = Number(args["records-txn1"] ?? (quick ? 300 : 2_000));
  const valueBytes = Number(args["value-bytes"]);
  const warmup = !args["no-warmup"];
  const cases = parseCases(args.cases!, records, recordsTxn1);
  const out = args.out ?? (quick ? "bench/results/txn-quick" : "bench/results/txn");
  const cmd = `bun bench/txn-compare.ts${quick ? " --quick" : ""} --rounds ${rounds} --records ${records} --records-txn1 ${recordsTxn1} --value-bytes ${valueBytes} --cases ${args.cases}${warmup ? "" : " --no-warmup"}`;
  const work = mkdtempSync(join(tmpdir(), "takhin-txn-bench-"));
  const brokers: Partial<Record<LocalKind, LocalBroker>> = {};
  const results: { round: number; broker: LocalKind; case: string; result: CaseResult }[] = [];
  const t0 = performance.now();
  const stopAll = async () => {
    for (const b of Object.values(brokers)) await b?.stop().catch(() => {});
  };
  process.on("SIGTERM", () => void stopAll().then(() => process.exit(143)));
  try {
    for (const kind of ["takhin", "kafka"] as LocalKind[]) {
      mkdirSync(join(work, kind));
      brokers[kind] = await startLocalBroker(kind, join(work, kind));
      console.log(`[${kind}] ${brokers[kind]!.bootstrap} pid ${brokers[kind]!.pid}, up in ${Math.round(brokers[kind]!.startupMs)} ms`);
    }
    const canSettle = settlePageCache().settled;
    if (!canSettle) console.log("page cache cannot be settled here (not root?): runs go on without it");
    // Warm-up round, not counted: every case at a tenth of its size on both brokers (the JVM's JIT
    // and Bun's are cold at first; Kafka's first round was 2-4x slower than its later ones).
    if (warmup) {
      for (const c of cases) {
        for (const kind of ["takhin", "kafka"] as LocalKind[]) {
          const w = { ...c, records: Math.max(c.txnSize, Math.ceil(c.records / 10)) };
          const r = await runCase(brokers[kind]!.bootstrap, `txn-bench-warmup-${c.name}`, w, { valueBytes, settle: false, timeoutS: 120 });
          console.log(`[warm-up] ${kind} ${c.name}: ${w.records} records, ${Math.round(r.recordsPerSec)} records/s (not counted)`);
        }
      }
    }
    for (let round = 1; round <= rounds; round++) {
      for (const c of cases) {
        for (const kind of ["takhin", "kafka"] as LocalKind[]) {
          const topic = `txn-bench-${c.name}-r${round}`;
          const r = await runCase(brokers[kind]!.bootstrap, topic, c, { valueBytes, settle: canSettle, timeoutS: quick ? 60 : 600 });
          results.push({ round, broker: kind, case: c.name, result: r });
          console.log(`[round ${round}] ${kind} ${c.name}: ${c.records} records in ${r.seconds.toFixed(2)} s = ${Math.round(r.recordsPerSec)} records/s, p50 ${r.p50Ms?.toFixed(2)} ms, p99 ${r.p99Ms?.toFixed(2)} ms (${r.samples} samples), read_committed ${r.readCommitted}${r.errors.length ? `, errors: ${r.errors.join("; ")}` : ""}`);
          if (r.readCommitted !== r.expected || r.errors.length) throw new Error(`${kind} ${c.name}: read_committed ${r.readCommitted} of ${r.expected} sent, errors ${JSON.stringify(r.errors)}`);
        }
      }
    }
  } finally {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  }
  const pick = (kind: LocalKind, name: string, f: (r: CaseResult) => number | null) => median(results.filter((x) => x.broker === kind && x.case === name).map((x) => f(x.result) ?? NaN));
  const fmt = (x: number, d = 0) => (Number.isFinite(x) ? x.toLocaleString("en", { maximumFractionDigits: d, minimumFractionDigits: d }) : "—");
  const rows = cases.map((c) => {
    const tr = pick("takhin", c.name, (r) => r.recordsPerSec), kr = pick("kafka", c.name, (r) => r.recordsPerSec);
    const tp = pick("takhin", c.name, (r) => r.p99Ms), kp = pick("kafka", c.name, (r) => r.p99Ms);
    const what = c.txnSize === 0 ? "idempotent, no transactions" : `transactions of ${c.txnSize.toLocaleString("en")}`;
    const lat = c.txnSize === 0 ? "per record" : "per transaction";
    return `| ${what} | ${c.records.toLocaleString("en")} | ${fmt(tr)} | ${fmt(kr)} | **${fmt(tr / kr, 2)}** | ${lat} | ${fmt(tp, 2)} | ${fmt(kp, 2)} | **${fmt(tp / kp, 2)}** |`;
  });
  const md = [
    `# Cost of transactions: Takhin vs Apache Kafka 4.4`,
    ``,
    `\`${cmd}\` — ${new Date().toISOString()}, ${warmup ? "one warm-up round (a tenth of each case, not counted), then " : ""}${rounds} round(s) interleaved, ${valueBytes}-byte records, one partition, librdkafka 2.0.2 (confluent-kafka-python 1.7), acks=all, linger.ms=5; page cache ${results.every((x) => x.result.settled) ? "settled before every write phase" : "NOT settled before every write phase"}; ${Math.round((performance.now() - t0) / 1000)} s in all. Medians over rounds; every case read back with read_committed equal to the records sent.`,
    ``,
    `| case | records | Takhin records/s | Kafka records/s | Takhin/Kafka | latency | Takhin p99 ms | Kafka p99 ms | Takhin/Kafka |`,
    `|---|---|---|---|---|---|---|---|---|`,
    ...rows,
  ].join("\n");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "report.md"), md + "\n");
  writeFileSync(join(out, "results.json"), JSON.stringify({ command: cmd, results }, null, 2) + "\n");
  console.log(md);
}

if (import.meta.main) await main();

// kafkajs 2.2.4 (pure JS client, run under Node) worker for the broker comparison harness: the
// second client family beside librdkafka. Same protocol as omb_worker.py (argv[2] JSON spec; modes
// produce and consume; stdout READY / PROGRESS / RESULT lines; stdin GO <warmUs> <endUs> <drainMaxS>
// and DONE; latency samples as float64 LE microseconds). Topic setup and teardown stay with
// omb_worker.py.
//
// kafkajs has no linger or batch.size: records due are gathered every linger.ms (at least 1 ms)
// and sent as one producer.send() per tick, with at most maxInFlight sends outstanding, so a
// record's publish latency is its wait in the tick plus the request's round trip.
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { CompressionTypes, Kafka, logLevel } from "kafkajs";

const spec = JSON.parse(process.argv[2]);
const errors = [];
const hardDeadline = performance.now() + (spec.hardTimeoutS ?? 600) * 1000;
setTimeout(() => process.exit(3), (spec.hardTimeoutS ?? 600) * 1000 + 5000).unref();
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const emit = (kind, payload) => process.stdout.write(`${kind} ${JSON.stringify(payload)}\n`);
const onError = (e) => {
  if (errors.length < 20) errors.push(String(e?.message ?? e));
};

class Samples {
  constructor(cap) {
    this.cap = cap;
    this.data = new Float64Array(Math.min(cap, 1 << 16));
    this.n = 0;
    this.count = 0;
    this.max = 0;
  }
  add(v) {
    this.count++;
    if (v > this.max) this.max = v;
    if (this.n < this.cap) {
      if (this.n === this.data.length) {
        const d = new Float64Array(Math.min(this.cap, this.data.length * 2));
        d.set(this.data);
        this.data = d;
      }
      this.data[this.n++] = v;
    } else {
      const j = Math.floor(Math.random() * this.count);
      if (j < this.cap) this.data[j] = v;
    }
  }
  write(path) {
    writeFileSync(path, Buffer.from(this.data.buffer, 0, this.n * 8));
  }
}

const brokers = spec.bootstrap.split(",");
const conf = spec.config ?? {};
const kafka = new Kafka({ clientId: spec.commonConfig?.["client.id"] ?? "takhin-bench", brokers, logLevel: logLevel.NOTHING, retry: { retries: 5 } });

function keySource() {
  if (spec.keyDistributor === "NO_KEY") return () => null;
  if (spec.keyDistributor === "RANDOM_NANO") return () => String(process.hrtime.bigint());
  let k = (spec.keyOffset ?? 0) % spec.keySpace;
  return () => {
    const key = `key-${k}`;
    k = k + 1 < spec.keySpace ? k + 1 : 0;
    return key;
  };
}

const ACKS = { all: -1, "-1": -1, 1: 1, 0: 0 };
const COMPRESSION = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, snappy: CompressionTypes.Snappy, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD };

async function produce() {
  const payload = spec.payloadFile ? readFileSync(spec.payloadFile) : randomBytes(spec.messageSize);
  const acks = ACKS[conf.acks ?? "all"] ?? -1;
  const compression = COMPRESSION[conf["compression.type"] ?? "none"] ?? CompressionTypes.None;
  const lingerMs = Math.max(1, Number(conf["linger.ms"] ?? 1));
  const maxInFlight = Number(conf["max.in.flight.requests.per.connection"] ?? 5);
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
  await producer.connect();
  const nextKey = keySource();
  const samples = new Samples(spec.samplesCap);
  const st = { acked: 0, ackedBytes: 0, ackedAll: 0, failed: 0, sent: 0, sentInWindow: 0 };
  const timeline = new Map();
  const startUs = spec.startAtUs;
  const warmUs = startUs + spec.warmupS * 1e6;
  const endUs = warmUs + spec.durationS * 1e6;
  const rate = spec.rate;
  const perTick = rate > 0 ? Infinity : 1000;
  let inFlight = 0;
  while (nowUs() < startUs) await new Promise((r) => setTimeout(r, Math.min(10, (startUs - nowUs()) / 1000)));
  const t0 = performance.now();
  let lastProgress = t0;
  const pending = new Set();
  while (nowUs() < endUs && performance.now() < hardDeadline) {
    const now = performance.now();
    if (now - lastProgress >= 1000) {
      emit("PROGRESS", { ackedBytesAll: st.ackedAll * payload.length, sent: st.sent });
      lastProgress = now;
    }
    let n = rate > 0 ? Math.floor(((now - t0) / 1000) * rate) + 1 - st.sent : perTick;
    if (n > 0 && inFlight < maxInFlight) {
      n = Math.min(n, 20000);
      const messages = new Array(n);
      const ts = nowUs();
      for (let i = 0; i < n; i++) {
        const value = Buffer.allocUnsafe(payload.length);
        payload.copy(value);
        value.writeBigInt64LE(BigInt(ts), 0);
        messages[i] = { key: nextKey(), value };
      }
      st.sent += n;
      if (ts >= warmUs && ts < endUs) st.sentInWindow += n;
      inFlight++;
      const p = producer
        .send({ topic: spec.topic, acks, compression, messages })
        .then(() => {
          const t = nowUs();
          st.ackedAll += n;
          const sec = Math.floor((t - startUs) / 1e6);
          timeline.set(sec, (timeline.get(sec) ?? 0) + n);
          if (ts >= warmUs && ts < endUs) {
            st.acked += n;
            st.ackedBytes += n * payload.length;
            for (let i = 0; i < n; i++) samples.add(t - ts);
          }
        })
        .catch((e) => {
          st.failed += n;
          onError(e);
        })
        .finally(() => {
          inFlight--;
          pending.delete(p);
        });
      pending.add(p);
    }
    await new Promise((r) => setTimeout(r, lingerMs));
  }
  const flushDeadline = Date.now() + (spec.flushTimeoutS ?? 30) * 1000;
  while (pending.size > 0 && Date.now() < flushDeadline) await Promise.race([...pending, new Promise((r) => setTimeout(r, 100))]);
  const undelivered = pending.size;
  await producer.disconnect().catch(onError);
  samples.write(spec.samplesFile);
  const secs = Math.floor(spec.warmupS + spec.durationS) + 1;
  return {
    records: st.acked,
    bytes: st.ackedBytes,
    seconds: spec.durationS,
    sent: st.sent,
    sentInWindow: st.sentInWindow,
    ackedAll: st.ackedAll,
    failed: st.failed,
    undelivered,
    latencyCount: samples.count,
    latencyMaxUs: samples.max,
    timeline: Array.from({ length: secs }, (_, i) => timeline.get(i) ?? 0),
    errors: errors.slice(0, 5),
  };
}

async function consume() {
  const go = { warmUs: null, endUs: null, drainMaxS: 10, doneAt: null, seen: performance.now() };
  createInterface({ input: process.stdin }).on("line", (line) => {
    const p = line.trim().split(/\s+/);
    if (p[0] === "GO") {
      go.warmUs = Number(p[1]);
      go.endUs = Number(p[2]);
      go.drainMaxS = Number(p[3]);
      go.seen = performance.now();
    } else if (p[0] === "DONE") {
      go.seen = performance.now();
      go.doneAt = performance.now();
    }
  });
  const consumer = kafka.consumer({
    groupId: spec.groupId,
    maxBytesPerPartition: Number(conf["max.partition.fetch.bytes"] ?? 1048576),
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
  });
  const samples = new Samples(spec.samplesCap);
  let received = 0;
  let rbytes = 0;
  let total = 0;
  let firstRecv = null;
  let caughtUpAt = null;
  let caughtUpRecords = 0;
  let lastMsg = performance.now();
  let assigned = -1;
  let assignedAt = null;
  const timeline = new Map();
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const parts = Object.values(e.payload.memberAssignment ?? {}).reduce((a, ps) => a + ps.length, 0);
    if (assigned < 0) {
      assignedAt = nowUs();
      emit("READY", { partitions: parts });
    }
    assigned = parts;
  });
  await consumer.connect();
  for (const topic of spec.topics) await consumer.subscribe({ topic, fromBeginning: (conf["auto.offset.reset"] ?? "earliest") === "earliest" });
  await consumer.run({
    autoCommit: conf["enable.auto.commit"] === "true",
    eachBatch: async ({ batch }) => {
      const t = nowUs();
      const mono = performance.now();
      for (const m of batch.messages) {
        const v = m.value;
        const ts = Number(v.readBigInt64LE(0));
        total++;
        lastMsg = mono;
        if (firstRecv === null) firstRecv = t;
        if (spec.backlog && caughtUpAt === null && t - ts < 500000) {
          caughtUpAt = t;
          caughtUpRecords = total;
        }
        if (go.warmUs !== null) {
          const sec = Math.floor((t - (go.warmUs - spec.warmupS * 1e6)) / 1e6);
          timeline.set(sec, (timeline.get(sec) ?? 0) + 1);
          if (t >= go.warmUs && t < go.endUs) {
            received++;
            rbytes += v.length;
          }
          if (ts >= go.warmUs && ts < go.endUs) samples.add(t - ts);
        }
      }
    },
  });
  let nextProgress = performance.now() + 250;
  while (performance.now() < hardDeadline) {
    await new Promise((r) => setTimeout(r, 50));
    if (performance.now() >= nextProgress) {
      // Running count for the harness's max-rate discovery (backlog = sent - consumed).
      emit("PROGRESS", { total });
      nextProgress = performance.now() + 250;
    }
    if (go.doneAt !== null) {
      const mono = performance.now();
      if (mono - Math.max(lastMsg, go.seen) >= 1000 || mono >= go.doneAt + go.drainMaxS * 1000) break;
    }
  }
  await consumer.disconnect().catch(onError);
  samples.write(spec.samplesFile);
  const windowS = go.warmUs !== null ? (go.endUs - go.warmUs) / 1e6 : 0;
  const out = {
    records: received,
    bytes: rbytes,
    seconds: windowS,
    total,
    assignedPartitions: assigned,
    latencyCount: samples.count,
    latencyMaxUs: samples.max,
    timeline: Array.from({ length: Math.floor((spec.warmupS ?? 0) + windowS) + 1 }, (_, i) => timeline.get(i) ?? 0),
    errors: errors.slice(0, 5),
  };
  if (spec.backlog) {
    const began = assignedAt ?? firstRecv;
    out.catchUpSeconds = caughtUpAt && began ? (caughtUpAt - began) / 1e6 : null;
    out.catchUpRecords = caughtUpRecords;
  }
  return out;
}

try {
  const result = spec.mode === "produce" ? await produce() : spec.mode === "consume" ? await consume() : { fatal: `mode ${spec.mode} is served by omb_worker.py` };
  emit("RESULT", result);
  process.exit(result.fatal ? 1 : 0);
} catch (e) {
  emit("RESULT", { fatal: `${e?.name ?? "Error"}: ${e?.message ?? e}`, errors: errors.slice(0, 5) });
  process.exit(1);
}

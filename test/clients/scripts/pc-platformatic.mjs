// @platformatic/kafka for the produce/consume suite. argv[2] is a JSON spec:
// {mode: "produce" | "consume", bootstrap, clientId, ...}. Prints one JSON object on stdout.
// Codecs: none, gzip (node:zlib), snappy and lz4 (its wasm utils); zstd needs zlib.zstdCompressSync,
// which Node 20 lacks. Consumption uses Consumer.fetch (a single Fetch to a given node, by topic id)
// and Consumer.listOffsets, neither of which touches the group APIs.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Consumer, Producer } from "@platformatic/kafka";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
// package.json is not in the package's exports; read it beside the resolved entry point.
const entry = fileURLToPath(import.meta.resolve("@platformatic/kafka"));
const version = JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")).version;
const base = { clientId: spec.clientId, bootstrapBrokers: [spec.bootstrap], timeout: 10000, retries: 3, retryDelay: 100 };
const unb64 = (s) => (s === null ? undefined : Buffer.from(s, "base64"));
const b64 = (b) => (b === null || b === undefined ? null : Buffer.from(b).toString("base64"));
const out = { version };

async function produce() {
  const producer = new Producer({ ...base, idempotent: false, acks: -1, autocreateTopics: false });
  out.delivered = {};
  try {
    for (const job of spec.jobs) {
      const records = JSON.parse(readFileSync(job.recordsFile, "utf8"));
      const delivered = [];
      for (let i = 0; i < records.length; i += 50) {
        const part = records.slice(i, i + 50);
        const messages = part.map((r) => ({
          topic: job.topic,
          partition: r.p,
          key: unb64(r.k),
          value: unb64(r.v),
          timestamp: BigInt(r.ts),
          headers: new Map(r.h.map(([n, v]) => [Buffer.from(n, "utf8"), Buffer.from(v, "base64")])),
        }));
        const res = await producer.send({ messages, compression: job.codec });
        const baseOf = new Map(res.offsets.map((o) => [o.partition, BigInt(o.offset)]));
        const seen = new Map();
        for (const r of part) {
          const n = seen.get(r.p) ?? 0n;
          seen.set(r.p, n + 1n);
          delivered.push([r.p, Number(baseOf.get(r.p) + n)]);
        }
      }
      out.delivered[job.topic] = delivered;
    }
  } finally {
    await producer.close();
  }
}

/** Fetches one partition from `start` up to its high watermark. */
async function fetchPartition(consumer, node, topic, topicId, partition, start, deadline) {
  const records = [];
  let offset = start;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`timed out fetching ${topic}/${partition} at ${offset}`);
    const res = await consumer.fetch({
      node,
      maxWaitTime: 100,
      topics: [{ topicId, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }] }],
    });
    const p = res.responses[0].partitions[0];
    if (p.errorCode !== 0) throw new Error(`fetch ${topic}/${partition}: error ${p.errorCode}`);
    for (const batch of p.records ?? []) {
      const logAppend = (batch.attributes & 0x08) !== 0;
      for (const r of batch.records) {
        const o = Number(batch.firstOffset) + r.offsetDelta;
        if (o < offset) continue;
        records.push({
          t: topic,
          p: partition,
          o,
          k: b64(r.key),
          v: b64(r.value),
          h: r.headers.map(([n, v]) => [Buffer.from(n).toString("utf8"), b64(v)]),
          ts: Number(logAppend ? batch.maxTimestamp : batch.firstTimestamp + r.timestampDelta),
          tt: logAppend ? 1 : 0,
        });
        offset = o + 1;
      }
    }
    if (offset >= Number(p.highWatermark)) return records;
  }
}

async function consume() {
  const consumer = new Consumer({ ...base, groupId: "takhin-unused-group" });
  const deadline = Date.now() + (spec.timeoutS ?? 40) * 1000;
  try {
    const names = spec.topics.map((t) => t.topic);
    const md = await consumer.metadata({ topics: names, forceUpdate: true });
    const byTs = await consumer.listOffsets({ topics: names, timestamp: BigInt(spec.timestamp) });
    const latest = await consumer.listOffsets({ topics: names });
    out.fromBeginning = [];
    out.fromTimestamp = [];
    out.offsetsForTimes = {};
    for (const t of spec.topics) {
      const tm = md.topics.get(t.topic);
      out.offsetsForTimes[t.topic] = {};
      for (let p = 0; p < t.partitions; p++) {
        const node = tm.partitions[p].leader;
        out.fromBeginning.push(...(await fetchPartition(consumer, node, t.topic, tm.id, p, 0, deadline)));
        const at = Number(byTs.get(t.topic)[p]);
        out.offsetsForTimes[t.topic][String(p)] = at;
        const start = at >= 0 ? at : Number(latest.get(t.topic)[p]);
        out.fromTimestamp.push(...(await fetchPartition(consumer, node, t.topic, tm.id, p, start, deadline)));
      }
    }
  } finally {
    await consumer.close(true);
  }
}

try {
  if (spec.mode === "produce") await produce();
  else if (spec.mode === "consume") await consume();
  else throw new Error(`unknown mode ${spec.mode}`);
  console.log(JSON.stringify(out));
} catch (e) {
  console.error(e);
  console.log(JSON.stringify({ ...out, error: String(e?.stack ?? e) }));
  process.exit(1);
}

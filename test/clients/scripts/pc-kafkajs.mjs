// kafkajs for the produce/consume and idempotence suites. argv[2] is a JSON spec:
// {mode: "produce" | "idempotent", bootstrap, clientId, ...}. Prints one JSON object on stdout.
// kafkajs ships only gzip; snappy/lz4/zstd need codec plugins that are not installed here. Its
// consumer always joins a group (not served yet), so consumption is checked with other clients;
// admin.fetchTopicOffsets / fetchTopicOffsetsByTimestamp exercise ListOffsets.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import kafkajs from "kafkajs";

const { Kafka, CompressionTypes, logLevel } = kafkajs;
const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const version = createRequire(import.meta.url)("kafkajs/package.json").version;
const kafka = new Kafka({
  clientId: spec.clientId,
  brokers: [spec.bootstrap],
  logLevel: logLevel.NOTHING,
  connectionTimeout: 5000,
  requestTimeout: 15000,
  retry: { retries: 5, initialRetryTime: 100 },
});
const unb64 = (s) => (s === null ? null : Buffer.from(s, "base64"));
const codecs = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP };

/** Sends `messages` in chunks; returns [partition, offset] per message from the per-partition base offsets. */
async function sendAll(producer, topic, messages, compression, chunk) {
  const delivered = [];
  for (let i = 0; i < messages.length; i += chunk) {
    const part = messages.slice(i, i + chunk);
    const meta = await producer.send({ topic, acks: -1, compression, messages: part });
    const base = new Map(meta.map((m) => [m.partition, BigInt(m.baseOffset)]));
    const seen = new Map();
    for (const m of part) {
      const n = seen.get(m.partition) ?? 0n;
      seen.set(m.partition, n + 1n);
      delivered.push([m.partition, Number(base.get(m.partition) + n)]);
    }
  }
  return delivered;
}

const out = { version };
try {
  if (spec.mode === "produce") {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    const admin = kafka.admin();
    await producer.connect();
    await admin.connect();
    out.delivered = {};
    out.offsets = {};
    out.offsetsByTimestamp = {};
    for (const job of spec.jobs) {
      const records = JSON.parse(readFileSync(job.recordsFile, "utf8"));
      const messages = records.map((r) => ({
        partition: r.p,
        key: unb64(r.k),
        value: unb64(r.v),
        timestamp: String(r.ts),
        headers: Object.fromEntries(r.h.map(([n, v]) => [n, Buffer.from(v, "base64")])),
      }));
      out.delivered[job.topic] = await sendAll(producer, job.topic, messages, codecs[job.codec], 50);
      out.offsets[job.topic] = (await admin.fetchTopicOffsets(job.topic)).map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }));
      out.offsetsByTimestamp[job.topic] = (await admin.fetchTopicOffsetsByTimestamp(job.topic, spec.timestamp)).map((o) => ({ partition: o.partition, offset: Number(o.offset) }));
    }
    await producer.disconnect();
    await admin.disconnect();
  } else if (spec.mode === "idempotent") {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    const messages = [];
    for (let i = 0; i < spec.count; i++) {
      messages.push({ partition: i % spec.partitions, key: `k${i}`, value: `${spec.prefix}-${i}-${".".repeat(spec.pad ?? 100)}` });
    }
    out.delivered = await sendAll(producer, spec.topic, messages, codecs[spec.codec ?? "none"], spec.chunk ?? 100);
    await producer.disconnect();
  } else {
    throw new Error(`unknown mode ${spec.mode}`);
  }
  console.log(JSON.stringify(out));
} catch (e) {
  console.error(e);
  console.log(JSON.stringify({ ...out, error: String(e?.stack ?? e) }));
  process.exit(1);
}

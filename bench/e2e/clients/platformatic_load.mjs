// @platformatic/kafka (pure JS client, run under Node) load for the end-to-end benchmark.
// argv[2] is a JSON spec:
//   {mode: "produce", bootstrap, topic, partitions, records, recordBytes, acks, perSend, concurrency, timeoutS}
//   {mode: "consume", bootstrap, topic, partition, records, partitionMaxBytes, timeoutS}
// Prints one JSON line {records, bytes, seconds, errors}. Consumption uses Consumer.fetch (a plain
// Fetch to the partition's leader, by topic id), no group. Bounded by count and timeoutS.
import { randomBytes } from "node:crypto";
import { Consumer, Producer } from "@platformatic/kafka";

const spec = JSON.parse(process.argv[2]);
const base = { clientId: "takhin-bench", bootstrapBrokers: [spec.bootstrap], timeout: 30000, retries: 0 };
const deadline = Date.now() + spec.timeoutS * 1000;

async function produce() {
  const producer = new Producer({ ...base, idempotent: false, acks: spec.acks, autocreateTopics: false });
  const value = randomBytes(spec.recordBytes);
  const errors = [];
  let sent = 0;
  let acked = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (sent < spec.records && Date.now() < deadline) {
      const n = Math.min(spec.perSend, spec.records - sent);
      sent += n;
      const messages = new Array(n);
      for (let i = 0; i < n; i++) messages[i] = { topic: spec.topic, partition: (sent + i) % spec.partitions, value };
      try {
        await producer.send({ messages });
        acked += n;
      } catch (e) {
        errors.push(String(e?.message ?? e));
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  await producer.close();
  return { records: acked, bytes: acked * spec.recordBytes, seconds, errors: errors.slice(0, 5) };
}

async function consume() {
  const consumer = new Consumer({ ...base, groupId: "takhin-bench-unused" });
  const errors = [];
  let records = 0;
  let bytes = 0;
  let t0 = 0;
  try {
    const md = await consumer.metadata({ topics: [spec.topic], forceUpdate: true });
    const tm = md.topics.get(spec.topic);
    const node = tm.partitions[spec.partition].leader;
    let offset = 0n;
    t0 = performance.now();
    while (records < spec.records && Date.now() < deadline) {
      const res = await consumer.fetch({
        node,
        maxWaitTime: 100,
        topics: [{ topicId: tm.id, partitions: [{ partition: spec.partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, partitionMaxBytes: spec.partitionMaxBytes }] }],
      });
      const p = res.responses[0].partitions[0];
      if (p.errorCode !== 0) throw new Error(`fetch error ${p.errorCode}`);
      for (const batch of p.records ?? []) {
        for (const r of batch.records) {
          const o = batch.firstOffset + BigInt(r.offsetDelta);
          if (o < offset) continue;
          records++;
          bytes += r.value.length;
          offset = o + 1n;
        }
      }
    }
  } catch (e) {
    errors.push(String(e?.message ?? e));
  } finally {
    await consumer.close(true);
  }
  return { records, bytes, seconds: (performance.now() - t0) / 1000, errors };
}

const result = spec.mode === "produce" ? await produce() : await consume();
console.log(JSON.stringify(result));
process.exit(0);

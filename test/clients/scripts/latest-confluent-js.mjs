// @confluentinc/kafka-javascript (librdkafka inside; its KafkaJS-compatible promise API) against
// Takhin, under Node only (a NAN addon). argv: bootstrap, topic prefix. Prints one JSON object;
// each phase records its own error under `errors`.
//   admin:   createTopics, listTopics, fetchTopicMetadata.
//   produce: an idempotent producer per codec (none, gzip, snappy, lz4, zstd) writes 30 keyed
//            records with a header and an explicit timestamp to a 3-partition topic.
//   classic: a classic-protocol group consumer (static instance id, cooperative-sticky) reads them all
//            and commits; admin fetchOffsets shows the commits.
//   kip848:  a consumer with group.protocol=consumer (KIP-848) reads the "none" topic and commits.
//   txn:     a transactional producer commits 3 records and aborts 2; read_committed reads the 3.
//   groups:  admin listGroups / describeGroups / deleteTopics.
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const ckjs = require("@confluentinc/kafka-javascript");
const { Kafka } = ckjs.KafkaJS;

const [bootstrap, prefix] = process.argv.slice(2);
const out = { version: require("@confluentinc/kafka-javascript/package.json").version, librdkafka: ckjs.librdkafkaVersion, errors: {} };
const codecs = ["none", "gzip", "snappy", "lz4", "zstd"];
const topicOf = (c) => `${prefix}-${c}`;
const txnTopic = `${prefix}-txn`;
const N = 30;
const baseTs = Date.now() - 60_000;
out.baseTs = baseTs;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const kafka = new Kafka({ kafkaJS: { brokers: [bootstrap], clientId: `${prefix}-client`, logLevel: 1 } });
const admin = kafka.admin();

async function phase(name, fn) {
  try {
    await fn();
  } catch (e) {
    out.errors[name] = String(e?.stack ?? e);
  }
}

/** Runs a consumer until `done()` or the deadline, then a little longer for extras. */
async function consumeUntil(consumer, topics, onMessage, done, ms = 40000) {
  await consumer.connect();
  await consumer.subscribe({ topics });
  await consumer.run({ eachMessage: async ({ topic, partition, message }) => onMessage(topic, partition, message) });
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !done()) await sleep(50);
  await sleep(300);
}

await phase("admin", async () => {
  await admin.connect();
  await admin.createTopics({ topics: [...codecs.map(topicOf), txnTopic].map((topic) => ({ topic, numPartitions: 3 })) });
  out.listed = (await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort();
  const md = await admin.fetchTopicMetadata({ topics: [topicOf("none")] });
  out.partitions = md[0].partitions.length;
});

await phase("produce", async () => {
  out.produced = {};
  for (const codec of codecs) {
    const producer = kafka.producer({ kafkaJS: { idempotent: true, acks: -1 }, "compression.type": codec, "linger.ms": 5 });
    await producer.connect();
    try {
      const messages = Array.from({ length: N }, (_, i) => ({ partition: i % 3, key: `k${i}`, value: `v${i}-${codec}`, timestamp: String(baseTs + i), headers: { h: `x${i}` } }));
      const res = await producer.send({ topic: topicOf(codec), messages });
      out.produced[codec] = res.length;
    } finally {
      await producer.disconnect();
    }
  }
});

const record = (topic, partition, m) => ({ t: topic, p: partition, o: Number(m.offset), k: m.key?.toString() ?? null, v: m.value?.toString() ?? null, h: Object.entries(m.headers ?? {}).map(([n, v]) => [n, String(v)]), ts: Number(m.timestamp) });

await phase("classic", async () => {
  const group = `${prefix}-classic`;
  const consumer = kafka.consumer({
    kafkaJS: { groupId: group, fromBeginning: true, autoCommit: false },
    "group.instance.id": `${prefix}-static-0`,
    "partition.assignment.strategy": "cooperative-sticky",
  });
  const got = [];
  try {
    await consumeUntil(consumer, codecs.map(topicOf), async (t, p, m) => {
      got.push(record(t, p, m));
      await consumer.commitOffsets([{ topic: t, partition: p, offset: String(Number(m.offset) + 1) }]);
    }, () => got.length >= N * codecs.length);
    out.consumed = got;
    out.assignment = consumer.assignment().map((a) => `${a.topic}/${a.partition}`).sort();
  } finally {
    await consumer.disconnect();
  }
  // A static member leaves no LeaveGroup behind on close: it stays until its session times out.
  const d = await admin.describeGroups([group]);
  out.describedGroup = { state: d.groups[0].state, protocolType: d.groups[0].protocolType, members: d.groups[0].members.map((m) => m.groupInstanceId) };
  const offs = await admin.fetchOffsets({ groupId: group, topics: codecs.map(topicOf) });
  out.committed = Object.fromEntries(offs.map((t) => [t.topic, t.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset))]));
});

await phase("kip848", async () => {
  const group = `${prefix}-kip848`;
  const consumer = kafka.consumer({ kafkaJS: { groupId: group, fromBeginning: true, autoCommit: false }, "group.protocol": "consumer", "group.remote.assignor": "uniform" });
  const seen = new Set();
  try {
    await consumeUntil(consumer, [topicOf("none")], async (t, p, m) => {
      seen.add(`${p}:${m.offset}`);
      await consumer.commitOffsets([{ topic: t, partition: p, offset: String(Number(m.offset) + 1) }]);
    }, () => seen.size >= N);
    out.kip848 = { distinct: seen.size, assignment: consumer.assignment().map((a) => `${a.topic}/${a.partition}`).sort() };
  } finally {
    await consumer.disconnect();
  }
  const offs = await admin.fetchOffsets({ groupId: group, topics: [topicOf("none")] });
  out.kip848.committed = offs[0].partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
});

await phase("txn", async () => {
  const producer = kafka.producer({ kafkaJS: { transactionalId: `${prefix}-txid`, idempotent: true, maxInFlightRequests: 1 } });
  await producer.connect();
  try {
    const t1 = await producer.transaction();
    await t1.send({ topic: txnTopic, messages: [0, 1, 2].map((i) => ({ partition: 0, value: `committed-${i}` })) });
    await t1.commit();
    const t2 = await producer.transaction();
    await t2.send({ topic: txnTopic, messages: [0, 1].map((i) => ({ partition: 0, value: `aborted-${i}` })) });
    await t2.abort();
  } finally {
    await producer.disconnect();
  }
  const consumer = kafka.consumer({ kafkaJS: { groupId: `${prefix}-txn-reader`, fromBeginning: true }, "isolation.level": "read_committed" });
  const seen = [];
  try {
    await consumeUntil(consumer, [txnTopic], async (t, p, m) => seen.push(`${m.offset}:${m.value}`), () => seen.length >= 3);
    out.readCommitted = seen;
  } finally {
    await consumer.disconnect();
  }
});

await phase("seek", async () => {
  // auto.offset.reset=latest (fromBeginning false): nothing is read until a seek to p1 offset 7.
  const consumer = kafka.consumer({ kafkaJS: { groupId: `${prefix}-seek`, fromBeginning: false, autoCommit: false } });
  const seen = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topicOf("none")] });
    await consumer.run({ eachMessage: async ({ partition, message }) => seen.push(`${partition}:${message.offset}`) });
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline && consumer.assignment().length < 3) await sleep(50);
    await sleep(500);
    out.seekBefore = seen.slice();
    consumer.seek({ topic: topicOf("none"), partition: 1, offset: "7" });
    while (Date.now() < deadline && seen.length < 3) await sleep(50);
    await sleep(300);
    out.seek = seen.slice().sort();
  } finally {
    await consumer.disconnect();
  }
});

await phase("assignors", async () => {
  out.assignors = {};
  for (const strategy of ["range", "roundrobin"]) {
    const group = `${prefix}-${strategy}`;
    const members = [0, 1].map(() => kafka.consumer({ kafkaJS: { groupId: group, fromBeginning: true, autoCommit: false }, "partition.assignment.strategy": strategy }));
    try {
      for (const m of members) {
        await m.connect();
        await m.subscribe({ topics: [topicOf("gzip"), topicOf("snappy")] });
        await m.run({ eachMessage: async () => {} });
      }
      const deadline = Date.now() + 30000;
      const owned = () => members.map((m) => m.assignment().map((a) => `${a.topic.slice(prefix.length + 1)}/${a.partition}`).sort());
      while (Date.now() < deadline && !(owned().every((a) => a.length > 0) && owned().flat().length === 6 && new Set(owned().flat()).size === 6)) await sleep(50);
      out.assignors[strategy] = owned();
    } finally {
      for (const m of members) await m.disconnect();
    }
  }
});

await phase("adminOffsets", async () => {
  const offs = await admin.fetchTopicOffsets(topicOf("none"));
  out.topicOffsets = offs.sort((a, b) => a.partition - b.partition).map((o) => [o.partition, Number(o.low), Number(o.high)]);
  const byTs = await admin.fetchTopicOffsetsByTimestamp(topicOf("none"), baseTs + 15);
  out.offsetsForTimes = byTs.sort((a, b) => a.partition - b.partition).map((o) => Number(o.offset));
  await admin.deleteTopicRecords({ topic: topicOf("gzip"), partitions: [{ partition: 0, offset: "3" }] });
  out.gzipLow = Number((await admin.fetchTopicOffsets(topicOf("gzip"))).find((o) => o.partition === 0).low);
  await admin.deleteGroups([`${prefix}-txn-reader`]);
  out.deletedGroupListed = (await admin.listGroups()).groups.some((g) => g.groupId === `${prefix}-txn-reader`);
});

await phase("groups", async () => {
  const listed = await admin.listGroups();
  out.groups = listed.groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix)).sort();
  await admin.deleteTopics({ topics: [txnTopic] });
  out.afterDelete = (await admin.listTopics()).includes(txnTopic);
});

await admin.disconnect().catch(() => {});
console.log(JSON.stringify(out));
process.exit(0);

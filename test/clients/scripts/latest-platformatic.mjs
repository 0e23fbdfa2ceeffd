// @platformatic/kafka at its newest release (installed as "@platformatic/kafka-latest") against
// Takhin, run under Node and under Bun. argv: bootstrap, topic prefix. Prints one JSON object; each
// phase records its own error under `errors` so the test shows which one failed.
//   admin:     createTopics, listTopics, metadata, describeConfigs.
//   produce:   an idempotent producer (acks -1) writes 30 keyed records with a header and an explicit
//              timestamp to each codec's 3-partition topic (zstd only where node:zlib has it).
//   group:     a classic-protocol consumer with a static instance id reads them all from the earliest
//              offset and commits each; listCommittedOffsets and listOffsets by timestamp.
//   txn:       a transactional producer commits 3 records and aborts 2; read_committed reads the 3.
//   kip848:    a consumer with groupProtocol "consumer" (KIP-848) reads the "none" topic.
//   groups:    admin listGroups / describeGroups / deleteTopics.
import zlib from "node:zlib";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Admin, ConfigResourceTypes, Consumer, Producer } from "@platformatic/kafka-latest";

const [bootstrap, prefix] = process.argv.slice(2);
const entry = fileURLToPath(import.meta.resolve("@platformatic/kafka-latest"));
const version = JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")).version;
const runtime = typeof Bun !== "undefined" ? `bun ${Bun.version}` : `node ${process.versions.node}`;
const clientId = `${prefix}-client`;
const base = { clientId, bootstrapBrokers: [bootstrap], timeout: 10000, retries: 3, retryDelay: 200 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const out = { version, runtime, errors: {} };
const codecs = ["none", "gzip", "snappy", "lz4", ...(typeof zlib.zstdCompressSync === "function" ? ["zstd"] : [])];
out.codecs = codecs;
const topicOf = (c) => `${prefix}-${c}`;
const txnTopic = `${prefix}-txn`;
const N = 30;
const baseTs = Date.now() - 60_000;
out.baseTs = baseTs;
const admin = new Admin(base);

async function phase(name, fn) {
  try {
    await fn();
  } catch (e) {
    out.errors[name] = String(e?.stack ?? e) + (e?.errors ? ` ${JSON.stringify(e.errors.map((x) => x.message ?? String(x)))}` : "");
  }
}

/** Reads messages from a stream until `done()` or the deadline; then waits a little for extras. */
async function drain(stream, onMessage, done, ms = 30000) {
  const deadline = Date.now() + ms;
  stream.on("data", onMessage);
  while (Date.now() < deadline && !done()) await sleep(50);
  await sleep(300);
}

await phase("admin", async () => {
  await admin.createTopics({ topics: [...codecs.map(topicOf), txnTopic], partitions: 3, replicas: 1 });
  out.listed = (await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort();
  const md = await admin.metadata({ topics: [topicOf("none")], forceUpdate: true });
  out.partitions = md.topics.get(topicOf("none")).partitionsCount;
  const [cfg] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topicOf("none"), configurationKeys: ["cleanup.policy"] }] });
  out.cleanupPolicy = cfg.configs.find((c) => c.name === "cleanup.policy")?.value;
});

await phase("produce", async () => {
  const producer = new Producer({ ...base, idempotent: true, acks: -1, autocreateTopics: false });
  out.produced = {};
  try {
    for (const codec of codecs) {
      const messages = Array.from({ length: N }, (_, i) => ({
        topic: topicOf(codec),
        partition: i % 3,
        key: Buffer.from(`k${i}`),
        value: Buffer.from(`v${i}-${codec}`),
        timestamp: BigInt(baseTs + i),
        headers: new Map([[Buffer.from("h"), Buffer.from(`x${i}`)]]),
      }));
      const res = await producer.send({ messages, compression: codec });
      out.produced[codec] = res.offsets.map((o) => [o.partition, Number(o.offset)]).sort((a, b) => a[0] - b[0]);
    }
    out.producerId = producer.producerId === undefined ? null : String(producer.producerId);
  } finally {
    await producer.close();
  }
});

await phase("group", async () => {
  const group = `${prefix}-group`;
  const consumer = new Consumer({ ...base, groupId: group, groupInstanceId: `${prefix}-static-0`, sessionTimeout: 10000, heartbeatInterval: 500 });
  const got = [];
  try {
    const stream = await consumer.consume({ topics: codecs.map(topicOf), mode: "earliest", autocommit: false, maxWaitTime: 200 });
    await drain(
      stream,
      async (m) => {
        got.push({ t: m.topic, p: m.partition, o: Number(m.offset), k: m.key.toString(), v: m.value.toString(), h: [...m.headers].map(([n, v]) => [n.toString(), v.toString()]), ts: Number(m.timestamp) });
        await m.commit();
      },
      () => got.length >= N * codecs.length,
    );
    await sleep(300);
    out.consumed = got;
    out.assignments = (consumer.assignments ?? []).map((a) => [a.topic, [...a.partitions].sort()]).sort();
    const committed = await consumer.listCommittedOffsets({ topics: codecs.map((c) => ({ topic: topicOf(c), partitions: [0, 1, 2] })) });
    out.committed = Object.fromEntries([...committed].map(([t, offs]) => [t, offs.map(Number)]));
    const byTs = await consumer.listOffsets({ topics: [topicOf("none")], timestamp: BigInt(baseTs + 15) });
    out.offsetsForTimes = byTs.get(topicOf("none")).map(Number);
    await stream.close();
  } finally {
    await consumer.close(true);
  }
});

await phase("txn", async () => {
  const producer = new Producer({ ...base, idempotent: true, acks: -1, transactionalId: `${prefix}-txid`, autocreateTopics: false });
  try {
    const t1 = await producer.beginTransaction();
    await t1.send({ messages: [0, 1, 2].map((i) => ({ topic: txnTopic, partition: 0, value: Buffer.from(`committed-${i}`) })) });
    await t1.commit();
    const t2 = await producer.beginTransaction();
    await t2.send({ messages: [0, 1].map((i) => ({ topic: txnTopic, partition: 0, value: Buffer.from(`aborted-${i}`) })) });
    await t2.abort();
  } finally {
    await producer.close();
  }
  const consumer = new Consumer({ ...base, groupId: `${prefix}-txn-reader` });
  const seen = [];
  try {
    const stream = await consumer.consume({ topics: [txnTopic], mode: "earliest", autocommit: false, isolationLevel: 1, maxWaitTime: 200 });
    await drain(stream, (m) => seen.push(`${m.offset}:${m.value.toString()}`), () => seen.length >= 3);
    out.readCommitted = seen;
    out.txnEnd = Number((await consumer.listOffsets({ topics: [txnTopic] })).get(txnTopic)[0]);
    await stream.close();
  } finally {
    await consumer.close(true);
  }
});

await phase("kip848", async () => {
  const group = `${prefix}-kip848`;
  const consumer = new Consumer({ ...base, groupId: group, groupProtocol: "consumer", groupRemoteAssignor: "uniform" });
  const seen = new Set();
  try {
    const stream = await consumer.consume({ topics: [topicOf("none")], mode: "earliest", autocommit: false, maxWaitTime: 200 });
    await drain(stream, async (m) => { seen.add(`${m.partition}:${m.offset}`); await m.commit(); }, () => seen.size >= N);
    out.kip848 = { distinct: seen.size, assignments: (consumer.assignments ?? []).map((a) => [a.topic, [...a.partitions].sort()]) };
    const [d] = [...(await admin.describeGroups({ groups: [group] })).values()];
    out.kip848.described = { protocolType: d?.protocolType, state: d?.state, members: d ? d.members.size ?? d.members.length : null };
    await stream.close();
  } finally {
    await consumer.close(true);
  }
});

await phase("seek", async () => {
  // Manual offsets (a seek at subscription): p0 from 9, p1 from 7, p2 from its end (10).
  const consumer = new Consumer({ ...base, groupId: `${prefix}-seek` });
  const seen = [];
  try {
    const offsets = [[0, 9n], [1, 7n], [2, 10n]].map(([partition, offset]) => ({ topic: topicOf("none"), partition, offset }));
    const stream = await consumer.consume({ topics: [topicOf("none")], mode: "manual", offsets, autocommit: false, maxWaitTime: 200 });
    await drain(stream, (m) => seen.push(`${m.partition}:${m.offset}`), () => seen.length >= 4);
    out.seek = seen.sort();
    await stream.close();
  } finally {
    await consumer.close(true);
  }
});

await phase("adminOffsets", async () => {
  const group = `${prefix}-txn-reader`;
  await admin.alterConsumerGroupOffsets({ groupId: group, topics: [{ name: txnTopic, partitionOffsets: [{ partition: 0, offset: 1n }] }] });
  const [g] = await admin.listConsumerGroupOffsets({ groups: [group] });
  out.alteredOffset = g.topics.find((t) => t.name === txnTopic).partitions.map((p) => [p.partitionIndex, Number(p.committedOffset)]);
  const deleted = await admin.deleteRecords({ topics: [{ name: topicOf("gzip"), partitions: [{ partition: 0, offset: 3n }] }] });
  out.deletedRecords = deleted.map((t) => [t.name, t.partitions.map((p) => [p.partition, Number(p.lowWatermark)])]);
  await admin.createPartitions({ topics: [{ name: topicOf("lz4"), count: 4, assignments: [] }] });
  out.lz4Partitions = (await admin.metadata({ topics: [topicOf("lz4")], forceUpdate: true })).topics.get(topicOf("lz4")).partitionsCount;
  await admin.deleteGroups({ groups: [group] });
  out.deletedGroupListed = [...(await admin.listGroups()).values()].some((x) => x.id === group);
});

await phase("groups", async () => {
  const listed = await admin.listGroups();
  out.groups = [...listed.values()].map((g) => g.id).filter((id) => id.startsWith(prefix)).sort();
  const described = await admin.describeGroups({ groups: [`${prefix}-group`] });
  const g = described.get(`${prefix}-group`);
  out.describedGroup = { state: g.state, protocolType: g.protocolType, protocol: g.protocol, members: g.members.size };
  await admin.deleteTopics({ topics: [txnTopic] });
  out.afterDelete = (await admin.listTopics()).includes(txnTopic);
});

await admin.close();
console.log(JSON.stringify(out, (_, v) => (typeof v === "bigint" ? String(v) : v)));
process.exit(0);

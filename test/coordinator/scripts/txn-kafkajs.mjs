// kafkajs for the transaction suites. argv[2] is a JSON spec; prints one JSON object on stdout.
//  mode "produce": runs spec.steps in order —
//    {kind: "txn", id, end: "commit"|"abort", sends: [{topic, messages: [{p, k, v}]}]}: one
//      transaction of the transactional producer `id` (one producer per id, kept across steps);
//    {kind: "zombie", id, zombie: sends, fencer: sends}: producer A of `id` sends in a transaction,
//      producer B of the same id initialises (fencing A) and commits its own; A's commit must fail.
//    {kind: "offsets", id, group, topic, offset, sends}: a transaction with sendOffsets (the group's
//      offset of topic/0); the group's committed offset before and after the commit;
//    then one plain record "end" to each of spec.endPartitions ({topic, p}), so a consumer knows it has read everything.
//  mode "consume": a consumer group (read_committed unless spec.readUncommitted) reads spec.topics
//    from the beginning until it has seen the "end" record of every partition in spec.endPartitions.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import kafkajs from "kafkajs";

const { Kafka, logLevel } = kafkajs;
const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const version = createRequire(import.meta.url)("kafkajs/package.json").version;
const kafka = new Kafka({
  clientId: spec.clientId,
  brokers: spec.bootstrap.split(","),
  logLevel: logLevel.NOTHING,
  connectionTimeout: 5000,
  requestTimeout: 15000,
  retry: { retries: 10, initialRetryTime: 100 },
});

const out = { version };
const toMessages = (ms) => ms.map((m) => ({ partition: m.p, key: m.k, value: m.v }));

function newProducer(id) {
  return kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1, transactionTimeout: spec.transactionTimeoutMs ?? 30000, allowAutoTopicCreation: false });
}

async function sendAll(txn, sends) {
  for (const s of sends) await txn.send({ topic: s.topic, acks: -1, messages: toMessages(s.messages) });
}

try {
  if (spec.mode === "produce") {
    const producers = new Map();
    out.steps = [];
    for (const step of spec.steps) {
      if (step.kind === "txn") {
        let p = producers.get(step.id);
        if (!p) {
          p = newProducer(step.id);
          await p.connect();
          producers.set(step.id, p);
        }
        const txn = await p.transaction();
        await sendAll(txn, step.sends);
        if (step.end === "commit") await txn.commit();
        else await txn.abort();
        out.steps.push({ kind: step.kind, id: step.id, end: step.end, ok: true });
      } else if (step.kind === "offsets") {
        let p = producers.get(step.id);
        if (!p) {
          p = newProducer(step.id);
          await p.connect();
          producers.set(step.id, p);
        }
        const admin = kafka.admin();
        await admin.connect();
        const committed = async () => (await admin.fetchOffsets({ groupId: step.group, topics: [step.topic] }))[0].partitions.find((x) => x.partition === 0).offset;
        const txn = await p.transaction();
        await sendAll(txn, step.sends);
        await txn.sendOffsets({ consumerGroupId: step.group, topics: [{ topic: step.topic, partitions: [{ partition: 0, offset: String(step.offset) }] }] });
        const before = await committed();
        await txn.commit();
        let after = await committed();
        const deadline = Date.now() + 20000;
        while (after !== String(step.offset) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
          after = await committed();
        }
        await admin.disconnect();
        out.steps.push({ kind: step.kind, id: step.id, before, after, ok: true });
      } else if (step.kind === "zombie") {
        const a = newProducer(step.id);
        await a.connect();
        const ta = await a.transaction();
        await sendAll(ta, step.zombie);
        const b = newProducer(step.id);
        await b.connect();
        const tb = await b.transaction();
        await sendAll(tb, step.fencer);
        let zombieError = null;
        try {
          await ta.commit();
        } catch (e) {
          zombieError = e.type ?? e.name;
        }
        let zombieSendError = null;
        try {
          const again = await a.transaction();
          await sendAll(again, step.zombie);
          await again.commit();
        } catch (e) {
          zombieSendError = e.type ?? e.name;
        }
        await tb.commit();
        await a.disconnect().catch(() => {});
        await b.disconnect();
        out.steps.push({ kind: step.kind, id: step.id, zombieError, zombieSendError, ok: true });
      }
    }
    for (const p of producers.values()) await p.disconnect();
    const plain = kafka.producer({ allowAutoTopicCreation: false });
    await plain.connect();
    for (const e of spec.endPartitions) await plain.send({ topic: e.topic, acks: -1, messages: [{ partition: e.p, key: "end", value: "end" }] });
    await plain.disconnect();
  } else if (spec.mode === "consume") {
    const consumer = kafka.consumer({ groupId: spec.groupId, readUncommitted: spec.readUncommitted === true, maxWaitTimeInMs: 200 });
    await consumer.connect();
    for (const topic of spec.topics) await consumer.subscribe({ topic, fromBeginning: true });
    const waiting = new Set(spec.endPartitions.map((e) => `${e.topic}/${e.p}`));
    out.records = [];
    await new Promise((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            const v = message.value === null ? null : message.value.toString();
            if (v === "end") waiting.delete(`${topic}/${partition}`);
            else out.records.push({ t: topic, p: partition, o: Number(message.offset), k: message.key?.toString() ?? null, v });
            if (waiting.size === 0) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
  }
  out.ok = true;
} catch (e) {
  out.ok = false;
  out.error = `${e.name}: ${e.message}${e.type ? ` (${e.type})` : ""}`;
}
console.log(JSON.stringify(out));
process.exit(0);

// kafkajs 2.2.4: one consumer of a group when partitions are added to its topic. kafkajs notices the
// new partitions on a metadata refresh (metadataMaxAge 500 ms), throws its stale-assignment error and
// re-joins as the group's leader with an unchanged subscription; the broker must answer that
// JoinGroup at once although the rebalance timeout is 5 minutes. argv: bootstrap, topic, group,
// phase deadline in seconds. Prints one JSON object: per phase the assignment seen and whether it
// arrived before the deadline.
import { Kafka, logLevel } from "kafkajs";

const [bootstrap, topic, group, phaseArg] = process.argv.slice(2);
const phaseMs = Number(phaseArg) * 1000;
const kafka = new Kafka({ clientId: "takhin-rebalance-kafkajs", brokers: [bootstrap], logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: group, sessionTimeout: 6000, heartbeatInterval: 300, rebalanceTimeout: 300000, metadataMaxAge: 500 });
const admin = kafka.admin();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let assignment = [];
consumer.on(consumer.events.GROUP_JOIN, (e) => {
  assignment = (e.payload.memberAssignment[topic] ?? []).slice().sort((a, b) => a - b);
});

async function waitFor(expected) {
  const started = Date.now();
  while (Date.now() - started < phaseMs) {
    if (assignment.join() === expected.join()) return { ok: true, assignment, seconds: (Date.now() - started) / 1000 };
    await sleep(50);
  }
  return { ok: false, assignment, seconds: (Date.now() - started) / 1000 };
}

await admin.connect();
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({ eachMessage: async () => {} });
const phases = {};
phases.initial = await waitFor([0, 1]);
await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] });
phases.addPartitions = await waitFor([0, 1, 2]);
console.log(JSON.stringify({ client: "kafkajs", phases }));
await Promise.race([Promise.all([consumer.disconnect(), admin.disconnect()]), sleep(10000)]);
process.exit(0);

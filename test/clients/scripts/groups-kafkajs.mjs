// kafkajs 2.2.4 consumer group against Takhin: 3 consumers in one group read every record of a
// 6-partition topic (committing as they go), then one disconnects (LeaveGroup) and the other two
// must own all partitions. argv: bootstrap, topic, group, total. Prints one JSON object.
import { Kafka, logLevel } from "kafkajs";

const [bootstrap, topic, group, totalArg] = process.argv.slice(2);
const total = Number(totalArg);
const kafka = new Kafka({ clientId: "takhin-groups-kafkajs", brokers: [bootstrap], logLevel: logLevel.NOTHING });
const seen = new Map();
const assignments = [[], [], []];
const consumers = [0, 1, 2].map(() => kafka.consumer({ groupId: group, sessionTimeout: 6000, heartbeatInterval: 300, rebalanceTimeout: 10000 }));
const deadline = Date.now() + 45000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await Promise.all(consumers.map(async (c, i) => {
  c.on(c.events.GROUP_JOIN, (e) => {
    assignments[i] = (e.payload.memberAssignment[topic] ?? []).slice().sort((a, b) => a - b);
  });
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  await c.run({
    eachMessage: async ({ partition, message }) => {
      const k = `${partition}:${message.offset}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
    },
  });
}));
while (Date.now() < deadline && !(seen.size >= total && assignments.every((a) => a.length === 2))) await sleep(50);
const out = { client: "kafkajs", assignments: assignments.map((a) => a.slice()), distinct: seen.size, duplicates: [...seen.values()].reduce((s, n) => s + n - 1, 0) };
await consumers[0].disconnect();
while (Date.now() < deadline && [...assignments[1], ...assignments[2]].sort((a, b) => a - b).join() !== "0,1,2,3,4,5") await sleep(50);
out.afterLeave = [assignments[1], assignments[2]];
console.log(JSON.stringify(out));
await Promise.all(consumers.slice(1).map((c) => c.disconnect()));
process.exit(0);

// A kafkajs 2.2.4 consumer group member for the CLI tests: joins `group`, reads `topic` from the
// group's committed offsets (the earliest when there are none) until it has seen `count` records,
// committing as it goes, prints {"ready": true, "offsets": {partition: [offsets...]}} and then stays
// in the group until a line arrives on stdin (or 45 s pass), when it leaves and exits.
// argv: bootstrap, topic, group, count.
import { Kafka, logLevel } from "kafkajs";
import { createInterface } from "node:readline";

const [bootstrap, topic, group, countArg] = process.argv.slice(2);
const count = Number(countArg);
const kafka = new Kafka({ clientId: "takhin-cli-test", brokers: bootstrap.split(","), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: group, sessionTimeout: 6000, heartbeatInterval: 300, rebalanceTimeout: 10000 });
const seen = {};
let n = 0;
const deadline = Date.now() + 45000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  autoCommitInterval: 100,
  eachMessage: async ({ partition, message }) => {
    (seen[partition] ??= []).push(Number(message.offset));
    n++;
  },
});
while (n < count && Date.now() < deadline) await sleep(50);
await consumer.commitOffsets([]).catch(() => {});
await sleep(300);
console.log(JSON.stringify({ ready: n >= count, offsets: seen }));
const rl = createInterface({ input: process.stdin });
await Promise.race([new Promise((r) => rl.once("line", r)), sleep(Math.max(0, deadline - Date.now()))]);
await consumer.disconnect();
process.exit(0);

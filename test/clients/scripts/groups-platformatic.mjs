// @platformatic/kafka 1.35 group consumer (Consumer.consume, classic protocol) against Takhin.
// argv: bootstrap, mode, topic, group, total.
//   three:  3 consumers in one group read every record of a 6-partition topic from the committed
//           offsets (earliest when none), committing each message; then one closes (LeaveGroup)
//           and the other two must own all partitions.
//   resume: one consumer of the same group reads `total` records from the committed offsets.
// Prints one JSON object.
import { Consumer } from "@platformatic/kafka";

const [bootstrap, mode, topic, group, totalArg] = process.argv.slice(2);
const total = Number(totalArg);
const deadline = Date.now() + 45000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function member(i, seen, assignments) {
  const consumer = new Consumer({
    clientId: `takhin-groups-platformatic-${i}`,
    bootstrapBrokers: [bootstrap],
    groupId: group,
    sessionTimeout: 6000,
    rebalanceTimeout: 10000,
    heartbeatInterval: 300,
    timeout: 10000,
    retries: 5,
    retryDelay: 200,
  });
  const own = () => {
    assignments[i] = (consumer.assignments ?? []).filter((a) => a.topic === topic).flatMap((a) => a.partitions).sort((a, b) => a - b);
  };
  consumer.on("consumer:group:join", own);
  const start = async () => {
    const stream = await consumer.consume({ topics: [topic], mode: "committed", fallbackMode: "earliest", autocommit: false, maxWaitTime: 200 });
    stream.on("data", async (message) => {
      const k = `${message.partition}:${message.offset}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
      await message.commit();
      seen.committed = (seen.committed ?? 0) + 1;
    });
    stream.on("error", (e) => console.error(`stream ${i}: ${e.message}`));
    return stream;
  };
  return { consumer, start, own };
}

const seen = new Map();
const out = { client: "@platformatic/kafka" };
if (mode === "three") {
  const assignments = [[], [], []];
  const members = [0, 1, 2].map((i) => member(i, seen, assignments));
  await Promise.all(members.map((m) => m.start()));
  const settled = () => assignments.every((a) => a.length === 2);
  while (Date.now() < deadline && !(seen.size >= total && seen.committed >= total && settled())) await sleep(50);
  out.assignments = assignments.map((a) => a.slice());
  out.distinct = seen.size;
  out.duplicates = [...seen.values()].reduce((s, n) => s + n - 1, 0);
  await members[0].consumer.close(true);
  const rest = () => [...assignments[1], ...assignments[2]].sort((a, b) => a - b).join();
  while (Date.now() < deadline && rest() !== "0,1,2,3,4,5") {
    members[1].own();
    members[2].own();
    await sleep(50);
  }
  out.afterLeave = [assignments[1], assignments[2]];
  await Promise.all(members.slice(1).map((m) => m.consumer.close(true)));
} else {
  const assignments = [[]];
  const m = member(0, seen, assignments);
  await m.start();
  while (Date.now() < deadline && !(seen.size >= total && seen.committed >= total)) await sleep(50);
  // Anything past `total` would be a record delivered again; give it a moment to show up.
  await sleep(300);
  out.assignments = assignments;
  out.offsets = [...seen.keys()].sort();
  await m.consumer.close(true);
}
console.log(JSON.stringify(out));
process.exit(0);

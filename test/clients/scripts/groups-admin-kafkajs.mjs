// kafkajs 2.2.4 admin group APIs against Takhin. A consumer of `group` reads the topic and commits;
// while it runs: listGroups and describeGroups (Stable, one member with its assignment); after it
// disconnects: describeGroups (Empty), fetchOffsets, resetOffsets (earliest), setOffsets,
// deleteGroups, then listGroups and fetchOffsets again. argv: bootstrap, topic, group, total.
// Prints one JSON object.
import { Kafka, logLevel } from "kafkajs";

const [bootstrap, topic, group, totalArg] = process.argv.slice(2);
const total = Number(totalArg);
const kafka = new Kafka({ clientId: "takhin-groups-admin-kafkajs", brokers: [bootstrap], logLevel: logLevel.NOTHING });
const deadline = Date.now() + 45000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const admin = kafka.admin();
await admin.connect();
const out = { client: "kafkajs" };

const consumer = kafka.consumer({ groupId: group, sessionTimeout: 6000, heartbeatInterval: 300 });
let read = 0;
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({ eachMessage: async () => void read++ });
while (Date.now() < deadline && read < total) await sleep(50);
await sleep(200);
const offsetsNow = async () =>
  (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0].partitions.map((p) => [p.partition, Number(p.offset)]).sort((a, b) => a[0] - b[0]);
// kafkajs commits on its own schedule; wait until every partition shows the end.
while (Date.now() < deadline && !(await offsetsNow()).every(([, o]) => o >= total / 6)) await sleep(100);

const listed = await admin.listGroups();
out.listedWhileRunning = listed.groups.filter((g) => g.groupId === group);
const running = (await admin.describeGroups([group])).groups[0];
out.running = {
  state: running.state,
  protocolType: running.protocolType,
  protocol: running.protocol,
  members: running.members.map((m) => ({ clientId: m.clientId, hasAssignment: m.memberAssignment.length > 0 })),
};
await consumer.disconnect();
out.emptyState = (await admin.describeGroups([group])).groups[0].state;
out.committed = await offsetsNow();
await admin.resetOffsets({ groupId: group, topic, earliest: true });
out.afterReset = await offsetsNow();
await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: "5" }, { partition: 1, offset: "7" }] });
out.afterSet = await offsetsNow();
await admin.deleteGroups([group]);
out.listedAfterDelete = (await admin.listGroups()).groups.filter((g) => g.groupId === group);
out.afterDelete = await offsetsNow();
out.describedAfterDelete = (await admin.describeGroups([group])).groups[0].state;
await admin.disconnect();
console.log(JSON.stringify(out));
process.exit(0);

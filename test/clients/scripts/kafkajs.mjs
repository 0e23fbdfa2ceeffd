// kafkajs admin: listTopics, describeCluster and fetchTopicMetadata against the bootstrap address
// given as argv[2]; prints one JSON object on stdout.
import { createRequire } from "node:module";
import { Kafka, logLevel } from "kafkajs";

const bootstrap = process.argv[2];
if (!bootstrap) {
  console.error("usage: node kafkajs.mjs host:port");
  process.exit(2);
}
const version = createRequire(import.meta.url)("kafkajs/package.json").version;
const kafka = new Kafka({
  clientId: "takhin-discovery-kafkajs",
  brokers: [bootstrap],
  logLevel: logLevel.ERROR,
  connectionTimeout: 5000,
  requestTimeout: 10000,
  retry: { retries: 2, initialRetryTime: 100 },
});
const admin = kafka.admin();
try {
  await admin.connect();
  const topicNames = await admin.listTopics();
  const cluster = await admin.describeCluster();
  const meta = await admin.fetchTopicMetadata({ topics: topicNames });
  const out = {
    client: "kafkajs",
    version,
    clusterId: cluster.clusterId,
    controllerId: cluster.controller,
    brokers: cluster.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })),
    topics: meta.topics.map((t) => ({ name: t.name, partitions: t.partitions.length })),
    listed: topicNames,
  };
  console.log(JSON.stringify(out));
} finally {
  await admin.disconnect();
}

// kafkajs admin against Takhin: createTopics with configs (and the errors it reports), fetchTopicMetadata,
// createPartitions, describeConfigs (topic and broker), alterConfigs (topic; broker must fail),
// deleteTopics. argv: bootstrap, topic prefix, broker id. Prints one JSON object on stdout.
import { createRequire } from "node:module";
import kafkajs from "kafkajs";

const { ConfigResourceTypes, Kafka, logLevel } = kafkajs;

const [bootstrap, prefix, brokerId] = process.argv.slice(2);
const version = createRequire(import.meta.url)("kafkajs/package.json").version;
const kafka = new Kafka({
  clientId: "takhin-admin-kafkajs",
  brokers: [bootstrap],
  logLevel: logLevel.NOTHING,
  connectionTimeout: 5000,
  requestTimeout: 10000,
  retry: { retries: 1, initialRetryTime: 100 },
});
const admin = kafka.admin();
const errorTypes = (e) => (e.errors ? e.errors.map((x) => x.type) : [e.type ?? e.message]);
const partitionCounts = async (topics) =>
  (await admin.fetchTopicMetadata({ topics })).topics.map((t) => ({ name: t.name, partitions: t.partitions.length }));
const configsOf = (res) =>
  Object.fromEntries(res.resources[0].configEntries.map((c) => [c.configName, { value: c.configValue, source: c.configSource, isDefault: c.isDefault }]));

const topic = `${prefix}-kafkajs`;
const out = { client: "kafkajs", version };
try {
  await admin.connect();
  out.created = await admin.createTopics({
    timeout: 5000,
    topics: [{ topic, numPartitions: 2, replicationFactor: 1, configEntries: [{ name: "retention.ms", value: "3600000" }, { name: "cleanup.policy", value: "compact,delete" }] }],
  });
  out.createdAgain = await admin.createTopics({ timeout: 5000, topics: [{ topic, numPartitions: 1 }] });
  try {
    await admin.createTopics({ timeout: 5000, topics: [{ topic: `${topic}-bad`, configEntries: [{ name: "retention.ms", value: "tomorrow" }] }] });
    out.badConfig = "no error";
  } catch (e) {
    out.badConfig = errorTypes(e);
  }
  try {
    await admin.createTopics({ timeout: 5000, topics: [{ topic: `${topic}-rf3`, replicationFactor: 3 }] });
    out.badReplication = "no error";
  } catch (e) {
    out.badReplication = errorTypes(e);
  }
  out.metadata = await partitionCounts([topic]);
  try {
    out.autoCreated = await partitionCounts([`${topic}-auto`]);
  } catch (e) {
    out.autoCreated = errorTypes(e);
  }
  await admin.createPartitions({ timeout: 5000, topicPartitions: [{ topic, count: 5 }] });
  out.metadataAfterPartitions = await partitionCounts([topic]);
  try {
    await admin.createPartitions({ timeout: 5000, topicPartitions: [{ topic, count: 3 }] });
    out.shrink = "no error";
  } catch (e) {
    out.shrink = errorTypes(e);
  }
  const names = ["retention.ms", "cleanup.policy", "segment.bytes"];
  out.described = configsOf(await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: names }] }));
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: "retention.ms", value: "7200000" }] }] });
  out.describedAfterAlter = configsOf(
    await admin.describeConfigs({ includeSynonyms: true, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: names }] }),
  );
  out.broker = configsOf(
    await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: brokerId, configNames: ["num.partitions", "log.retention.hours"] }] }),
  );
  try {
    await admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: brokerId, configEntries: [{ name: "num.partitions", value: "9" }] }] });
    out.alterBroker = "no error";
  } catch (e) {
    out.alterBroker = errorTypes(e);
  }
  await admin.deleteTopics({ topics: [topic], timeout: 5000 });
  out.listedAfterDelete = await admin.listTopics();
  console.log(JSON.stringify(out));
} finally {
  await admin.disconnect();
}

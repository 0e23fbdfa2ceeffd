// @platformatic/kafka Admin against Takhin: createTopics with configs, metadata, createPartitions,
// describeConfigs, alterConfigs, incrementalAlterConfigs, deleteTopics. argv: bootstrap, topic prefix.
// Prints one JSON object on stdout.
import { Admin, ConfigResourceTypes } from "@platformatic/kafka";

const [bootstrap, prefix] = process.argv.slice(2);
const admin = new Admin({ clientId: "takhin-admin-platformatic", bootstrapBrokers: [bootstrap], timeout: 10000, retries: 1, retryDelay: 100 });
const topic = `${prefix}-platformatic`;
const out = { client: "platformatic" };
const partitionsOf = async () => (await admin.metadata({ topics: [topic], forceUpdate: true })).topics.get(topic).partitionsCount;
const describe = async () => {
  const [res] = await admin.describeConfigs({
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: ["retention.ms", "max.message.bytes", "segment.ms"] }],
  });
  return Object.fromEntries(res.configs.map((c) => [c.name, { value: c.value, source: c.configSource }]));
};
try {
  const [created] = await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1, configs: [{ name: "max.message.bytes", value: "2000000" }] });
  out.created = { id: created.id, name: created.name, partitions: created.partitions, replicas: created.replicas, maxMessageBytes: created.configuration["max.message.bytes"] };
  try {
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    out.createdAgain = "no error";
  } catch (e) {
    out.createdAgain = JSON.stringify(e.errors?.map((x) => x.apiCode ?? x.code ?? x.message) ?? e.message);
  }
  out.partitions = await partitionsOf();
  await admin.createPartitions({ topics: [{ name: topic, count: 4, assignments: [] }] });
  out.partitionsAfter = await partitionsOf();
  out.described = await describe();
  await admin.alterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configs: [{ name: "retention.ms", value: "90000" }] }] });
  out.afterAlter = await describe();
  await admin.incrementalAlterConfigs({
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configs: [{ name: "segment.ms", configOperation: 0, value: "120000" }] }],
  });
  out.afterIncremental = await describe();
  await admin.deleteTopics({ topics: [topic] });
  out.listedAfterDelete = await admin.listTopics();
  console.log(JSON.stringify(out));
} finally {
  await admin.close();
}

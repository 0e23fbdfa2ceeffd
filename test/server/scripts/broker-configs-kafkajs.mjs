// kafkajs 2.2.4 admin on BROKER configs of one broker: describeConfigs, alterConfigs (AlterConfigs 33)
// of dynamic keys, of a read-only key (must fail), and an empty set (clears the broker's dynamic set).
// kafkajs itself refuses the cluster-default resource name "" before sending anything.
// argv: bootstrap, broker id. Prints one JSON object on stdout.
import kafkajs from "kafkajs";

const { ConfigResourceTypes, Kafka, logLevel } = kafkajs;
const [bootstrap, brokerId] = process.argv.slice(2);
const kafka = new Kafka({ clientId: "takhin-dynconf-kafkajs", brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 100 } });
const admin = kafka.admin();
const NAMES = ["log.retention.ms", "message.max.bytes", "num.partitions"];
const describe = async () =>
  Object.fromEntries(
    (await admin.describeConfigs({ includeSynonyms: true, resources: [{ type: ConfigResourceTypes.BROKER, name: brokerId, configNames: NAMES }] })).resources[0].configEntries.map((c) => [
      c.configName,
      { value: c.configValue, source: c.configSource, readOnly: c.readOnly, synonyms: c.configSynonyms.map((s) => s.configSource) },
    ]),
  );
const alter = (configEntries) => admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: brokerId, configEntries }] });
const out = {};
try {
  await admin.connect();
  out.before = await describe();
  await alter([{ name: "log.retention.ms", value: "5400000" }, { name: "message.max.bytes", value: "2000000" }]);
  out.after = await describe();
  try {
    await alter([{ name: "log.dirs", value: "/elsewhere" }]);
    out.readOnly = "no error";
  } catch (e) {
    out.readOnly = { type: e.type ?? e.message, message: e.message };
  }
  await alter([]);
  out.cleared = await describe();
  try {
    await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: "" }] });
    out.defaultName = "sent";
  } catch (e) {
    out.defaultName = e.message;
  }
} catch (e) {
  out.error = String(e?.stack ?? e);
} finally {
  await admin.disconnect().catch(() => {});
}
console.log(JSON.stringify(out));

// kafkajs admin.describeCluster against a cluster: argv bootstrap. Prints one JSON object on stdout.
import kafkajs from "kafkajs";

const { Kafka, logLevel } = kafkajs;
const [bootstrap] = process.argv.slice(2);
const kafka = new Kafka({ clientId: "takhin-quorum-kafkajs", brokers: bootstrap.split(","), logLevel: logLevel.NOTHING, connectionTimeout: 5000, requestTimeout: 10000, retry: { retries: 2 } });
const admin = kafka.admin();
try {
  await admin.connect();
  console.log(JSON.stringify(await admin.describeCluster()));
} catch (e) {
  console.log(JSON.stringify({ error: e.message, type: e.type ?? null }));
} finally {
  await admin.disconnect();
}

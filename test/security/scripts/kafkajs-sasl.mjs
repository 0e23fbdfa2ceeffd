// kafkajs 2.2.4 over SASL (run under Node): node kafkajs-sasl.mjs <bootstrap> <mechanism> <user|-> <password|token> <topic> [ssl-ca-file]
// Produces one record and reads it back with a consumer group; prints one JSON line.
import kafkajs from "kafkajs";
import { readFileSync } from "node:fs";
const [bootstrap, mechanism, user, secret, topic, caFile] = process.argv.slice(2);
const sasl = mechanism === "oauthbearer" ? { mechanism, oauthBearerProvider: async () => ({ value: secret }) } : { mechanism, username: user, password: secret };
const kafka = new kafkajs.Kafka({
  clientId: "sasl-kafkajs",
  brokers: [bootstrap],
  sasl,
  ssl: caFile ? { ca: [readFileSync(caFile, "utf8")] } : false,
  logLevel: kafkajs.logLevel.NOTHING,
  retry: { retries: 0 },
  connectionTimeout: 5000,
});
const value = `kafkajs-${mechanism}-${Date.now()}`;
try {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  await producer.send({ topic, messages: [{ value }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `g-${topic}-${Date.now()}`, retry: { retries: 2 } });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no record within 20 s")), 20_000);
    consumer.run({ eachMessage: async ({ message }) => { if (message.value?.toString() === value) { clearTimeout(t); resolve(true); } } }).catch(reject);
  });
  await consumer.disconnect();
  console.log(JSON.stringify({ ok: seen === true }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e.message ?? e), type: e.type ?? e.name }));
}
process.exit(0);

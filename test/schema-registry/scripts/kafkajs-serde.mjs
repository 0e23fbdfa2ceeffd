// @kafkajs/confluent-schema-registry 3.9 with kafkajs 2.2.4 against Takhin's registry and broker:
// per format (AVRO, PROTOBUF, JSON) register v1, produce N typed records (Confluent wire format:
// magic 0, schema id, payload), evolve to a compatible v2 and produce N more, try an incompatible
// v3 (the registry must refuse it with 409), then consume everything and decode it with the ids in
// the records. argv: bootstrap, registry url, records per version. Prints one JSON object.
import { Kafka, logLevel } from "kafkajs";
import { SchemaRegistry, SchemaType, COMPATIBILITY } from "@kafkajs/confluent-schema-registry";

const [bootstrap, url, perVersionArg] = process.argv.slice(2);
const perVersion = Number(perVersionArg);
const registry = new SchemaRegistry({ host: url, retry: { retries: 0 } });
const kafka = new Kafka({ clientId: "takhin-sr-kafkajs", brokers: [bootstrap], logLevel: logLevel.NOTHING });

const avro = (fields) => JSON.stringify({ type: "record", name: "Reading", namespace: "takhin.test", fields });
const FORMATS = {
  AVRO: {
    v1: avro([{ name: "sensor", type: "string" }, { name: "value", type: "double" }]),
    v2: avro([{ name: "sensor", type: "string" }, { name: "value", type: "double" }, { name: "unit", type: "string", default: "C" }]),
    bad: avro([{ name: "sensor", type: "string" }, { name: "value", type: "double" }, { name: "site", type: "string" }]),
    record: (i, v) => (v === 1 ? { sensor: `s${i}`, value: i / 2 } : { sensor: `s${i}`, value: i / 2, unit: "K" }),
  },
  PROTOBUF: {
    v1: 'syntax = "proto3";\npackage takhin.test;\nmessage Reading { string sensor = 1; double value = 2; }',
    v2: 'syntax = "proto3";\npackage takhin.test;\nmessage Reading { string sensor = 1; double value = 2; string unit = 3; }',
    bad: 'syntax = "proto3";\npackage takhin.test;\nmessage Reading { string sensor = 1; string value = 2; }',
    record: (i, v) => (v === 1 ? { sensor: `s${i}`, value: i / 2 } : { sensor: `s${i}`, value: i / 2, unit: "K" }),
  },
  JSON: {
    v1: JSON.stringify({ type: "object", properties: { sensor: { type: "string" }, value: { type: "number" } }, required: ["sensor"], additionalProperties: false }),
    v2: JSON.stringify({ type: "object", properties: { sensor: { type: "string" }, value: { type: "number" }, unit: { type: "string" } }, required: ["sensor"], additionalProperties: false }),
    bad: JSON.stringify({ type: "object", properties: { sensor: { type: "string" } }, required: ["sensor"], additionalProperties: false }),
    record: (i, v) => (v === 1 ? { sensor: `s${i}`, value: i / 2 } : { sensor: `s${i}`, value: i / 2, unit: "K" }),
  },
};

const out = {};
const producer = kafka.producer();
await producer.connect();
for (const [type, f] of Object.entries(FORMATS)) {
  const topic = `sr-kafkajs-${type.toLowerCase()}`;
  const subject = `${topic}-value`;
  const r = { ids: [], produced: 0, refused: null, decoded: [], latestId: null };
  for (const [v, schema] of [[1, f.v1], [2, f.v2]]) {
    const { id } = await registry.register({ type: SchemaType[type], schema }, { subject, compatibility: COMPATIBILITY.BACKWARD });
    r.ids.push(id);
    const messages = [];
    for (let i = 0; i < perVersion; i++) messages.push({ key: `k${i}`, value: await registry.encode(id, f.record(i, v)) });
    await producer.send({ topic, messages });
    r.produced += messages.length;
  }
  try {
    await registry.register({ type: SchemaType[type], schema: f.bad }, { subject });
  } catch (e) {
    r.refused = { status: e.status ?? null, message: String(e.message).slice(0, 300) };
  }
  r.latestId = await registry.getLatestSchemaId(subject);
  const consumer = kafka.consumer({ groupId: `sr-${topic}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const deadline = Date.now() + 30000;
  await consumer.run({
    eachMessage: async ({ message }) => {
      const value = await registry.decode(message.value);
      r.decoded.push({ id: message.value.readInt32BE(1), magic: message.value[0], value: JSON.parse(JSON.stringify(value)) });
    },
  });
  while (r.decoded.length < r.produced && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  await consumer.disconnect();
  out[type] = r;
}
await producer.disconnect();
console.log(JSON.stringify(out));
process.exit(0);

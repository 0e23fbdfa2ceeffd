// @confluentinc/kafka-javascript (librdkafka; Node only) under vitest against `takhin/testing`.
// Its addon is not in this example's lockfile: the client's install downloads a prebuilt binary;
// where it is installed and built (the Takhin repository's CI builds it), this suite runs, else it is skipped.
import { createRequire } from "node:module";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startBroker } from "takhin/testing";

const require = createRequire(import.meta.url);
let ckjs = null;
try {
  ckjs = require("@confluentinc/kafka-javascript");
} catch {
  // not installed here
}

let broker;
beforeAll(async () => {
  if (ckjs) broker = await startBroker();
});
afterAll(async () => {
  await broker?.stop();
});

test.skipIf(!ckjs)("@confluentinc/kafka-javascript: an idempotent producer and a group consumer", async () => {
  const { Kafka } = ckjs.KafkaJS;
  await broker.admin.createTopic("invoices", { partitions: 2 });
  const kafka = new Kafka({ kafkaJS: { brokers: [broker.bootstrap], logLevel: 1 } });
  const producer = kafka.producer({ kafkaJS: { idempotent: true, acks: -1 } });
  await producer.connect();
  await producer.send({ topic: "invoices", messages: [{ key: "i-1", value: "issued" }, { key: "i-1", value: "settled" }] });
  await producer.disconnect();

  const consumer = kafka.consumer({ kafkaJS: { groupId: "accounting", fromBeginning: true } });
  await consumer.connect();
  await consumer.subscribe({ topics: ["invoices"] });
  const seen = [];
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value.toString()) });
  await broker.admin.waitForGroupStable("accounting", { members: 1 });
  while (seen.length < 2) await new Promise((r) => setTimeout(r, 20));
  await consumer.disconnect();
  expect(seen).toEqual(["issued", "settled"]);
  const records = await broker.admin.readRecords("invoices");
  expect(records.map((r) => r.value.toString())).toEqual(["issued", "settled"]);
});

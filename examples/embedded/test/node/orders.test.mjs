// Under Node (vitest): `takhin/testing` starts the broker as a Bun child process (Bun must be on PATH,
// or TAKHIN_BUN set). Run with `npx vitest run`.
import { afterAll, beforeAll, expect, test } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { startBroker } from "takhin/testing";

let broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.stop();
});

test("kafkajs: a consumer group reads what a producer wrote; the group and its offsets are visible", async () => {
  await broker.admin.createTopic("orders", { partitions: 2 });
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: "orders", messages: [{ value: "a", partition: 0 }, { value: "b", partition: 1 }] });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: "billing", maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: "orders", fromBeginning: true });
  const seen = [];
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value.toString()) });
  const group = await broker.admin.waitForGroupStable("billing", { members: 1 });
  expect(group.members[0].assignment).toHaveLength(2);
  while (seen.length < 2) await new Promise((r) => setTimeout(r, 20));
  await consumer.disconnect();
  expect(seen.sort()).toEqual(["a", "b"]);
  expect(await broker.admin.committedOffsets("billing", "orders")).toEqual([
    { partition: 0, offset: 1n },
    { partition: 1, offset: 1n },
  ]);
});

test("kafkajs: an idempotent producer writes once through a lost acknowledgement (a fault hook)", async () => {
  await broker.admin.createTopic("payments");
  await broker.faults.failProduce("payments", { errorCode: "NOT_LEADER_OR_FOLLOWER", afterAppend: true });
  const producer = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50 } }).producer({ idempotent: true });
  await producer.connect();
  await producer.send({ topic: "payments", messages: [{ value: "p-1" }] });
  await producer.disconnect();
  const records = await broker.admin.readRecords("payments");
  expect(records.map((r) => r.value.toString())).toEqual(["p-1"]);
});

// Under Bun: `takhin` runs in-process. Run with `bun test ./test/bun`.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Kafka, logLevel } from "kafkajs";
import { Consumer, Producer, stringDeserializers, stringSerializers } from "@platformatic/kafka";
import { startBroker, type EmbeddedBroker } from "takhin";

let broker: EmbeddedBroker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.stop();
});

test("kafkajs: produce, then read back with the admin handle", async () => {
  await broker.admin.createTopic("orders", { partitions: 3 });
  const producer = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  await producer.send({ topic: "orders", messages: [{ key: "o-1", value: "created" }, { key: "o-1", value: "paid" }] });
  await producer.disconnect();
  const records = await broker.admin.readRecords("orders");
  expect(records.map((r) => new TextDecoder().decode(r.value!))).toEqual(["created", "paid"]);
  expect(new Set(records.map((r) => r.partition)).size).toBe(1); // one key, one partition
});

test("kafkajs: retries absorb two failed produces (a fault hook)", async () => {
  await broker.admin.createTopic("payments");
  await broker.faults.failProduce("payments", { count: 2, errorCode: "NOT_LEADER_OR_FOLLOWER" });
  const producer = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50 } }).producer();
  await producer.connect();
  await producer.send({ topic: "payments", messages: [{ value: "p-1" }] });
  await producer.disconnect();
  expect((await broker.admin.listOffsets("payments"))[0]!.latest).toBe(1n);
});

test("@platformatic/kafka 2.x: a consumer group reads what a producer wrote", async () => {
  await broker.admin.createTopic("events");
  const producer = new Producer({ clientId: "example", bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers });
  await producer.send({ messages: [{ topic: "events", key: "k", value: "v1" }, { topic: "events", key: "k", value: "v2" }] });
  await producer.close();
  const consumer = new Consumer({ clientId: "example", groupId: "example-group", bootstrapBrokers: [broker.bootstrap], deserializers: stringDeserializers, maxWaitTime: 100 });
  const stream = await consumer.consume({ topics: ["events"], mode: "earliest" });
  const seen: string[] = [];
  for await (const message of stream) {
    seen.push(message.value as string);
    if (seen.length === 2) break;
  }
  await stream.close();
  await consumer.close();
  expect(seen).toEqual(["v1", "v2"]);
});

/**
 * The embedded broker (src/embed) driven by kafkajs over real sockets: `await startBroker()` with
 * no arguments, the admin handle (topics, records, offsets, a stable group, committed offsets),
 * the embedded defaults (no HTTP surface listening), and stop() removing its data directory.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { startBroker, type EmbeddedBroker } from "../../src/embed/index.ts";
import type { InProcessBroker } from "../../src/embed/broker.ts";

const started: EmbeddedBroker[] = [];
afterAll(async () => {
  await Promise.all(started.map((b) => b.stop()));
});

describe("startBroker()", () => {
  test("no arguments: a broker on a free port that kafkajs produces to and consumes from; the admin handle sees it all", async () => {
    const broker = await startBroker();
    started.push(broker);
    expect(broker.bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(broker.port).toBeGreaterThan(0);
    // Every HTTP surface is off in an embedded broker: only the Kafka listener is up.
    const services = (broker as InProcessBroker).broker.health().map((s) => s.name);
    expect(services).toContain("kafka-listener");
    expect(services.filter((s) => /admin-api|schema-registry|http-proxy|console/.test(s))).toEqual([]);

    await broker.admin.createTopic("orders", { partitions: 2 });
    const kafka = new Kafka({ clientId: "embed-test", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "orders", messages: [0, 1, 2, 3, 4, 5].map((i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 2, headers: { n: String(i) } })) });
    await producer.disconnect();

    const offsets = await broker.admin.listOffsets("orders");
    expect(offsets).toEqual([
      { partition: 0, earliest: 0n, latest: 3n },
      { partition: 1, earliest: 0n, latest: 3n },
    ]);
    const records = await broker.admin.readRecords("orders");
    expect(records.map((r) => [r.partition, Number(r.offset), new TextDecoder().decode(r.value!)])).toEqual([
      [0, 0, "v0"], [0, 1, "v2"], [0, 2, "v4"], [1, 0, "v1"], [1, 1, "v3"], [1, 2, "v5"],
    ]);
    expect(new TextDecoder().decode(records[0]!.headers[0]!.value!)).toBe("0");
    const some = await broker.admin.readRecords("orders", { partition: 1, fromOffset: 1, maxRecords: 1 });
    expect(some.map((r) => new TextDecoder().decode(r.value!))).toEqual(["v3"]);

    const consumer = kafka.consumer({ groupId: "g1", sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: "orders", fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    const group = await broker.admin.waitForGroupStable("g1", { members: 1 });
    expect(group.members).toHaveLength(1);
    expect(group.members[0]!.assignment.map((a) => `${a.topic}-${a.partition}`).sort()).toEqual(["orders-0", "orders-1"]);
    const deadline = Date.now() + 20_000;
    while (seen.length < 6 && Date.now() < deadline) await Bun.sleep(20);
    expect(seen.sort()).toEqual(["v0", "v1", "v2", "v3", "v4", "v5"]);
    await consumer.disconnect(); // commits on leave
    expect(await broker.admin.committedOffsets("g1", "orders")).toEqual([
      { partition: 0, offset: 3n },
      { partition: 1, offset: 3n },
    ]);

    const dir = broker.dataDir;
    expect(existsSync(dir)).toBe(true);
    await broker.stop();
    expect(existsSync(dir)).toBe(false);
  }, 60_000);

  test("a bad configuration key or value is refused, naming it", async () => {
    await expect(startBroker({ config: { no_such_key: 1 } })).rejects.toThrow(/no_such_key/);
    await expect(startBroker({ config: { num_partitions: "many" } })).rejects.toThrow(/num_partitions/);
  });

  test("two brokers side by side, each with its own port and data; a given data directory is kept", async () => {
    const given = mkdtempSync(join(tmpdir(), "embed-given-"));
    const a = await startBroker({ dataDir: given, config: { auto_create_topics_enable: false } });
    const b = await startBroker();
    started.push(a, b);
    expect(a.port).not.toBe(b.port);
    expect(a.dataDir).not.toBe(b.dataDir);
    await a.admin.createTopic("only-a");
    await expect(b.admin.listOffsets("only-a")).rejects.toThrow();
    await a.stop();
    expect(existsSync(join(given, "meta.properties"))).toBe(true);
    rmSync(given, { recursive: true, force: true });
  }, 30_000);
});

/**
 * Upgrade in place and refusal of bad catalogue files, on a real broker and real files: a data
 * directory in the format before the metadata log (meta.properties, __takhin/topics.json,
 * __takhin/producer-ids.json, partition logs) starts with the same topics, ids, configs, data and
 * producer ids, converted once; corrupt or hand-edited catalogue files and a corrupt metadata log
 * stop the start with a message naming the file and the fault.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { ZERO_UUID } from "../../src/protocol/reader.ts";
import { RawClient, removeDir, startTestBroker, tempDir } from "../helpers/broker.ts";
import { buildBatch } from "../storage/batch-builder.ts";

const ORDERS_ID = "q83vEjRWeJC0NVxpAWPq9g";
const INTERNAL_ID = "AbCdEfGhIjKlMnOpQrStUw";

/** Writes a data directory the way Takhin wrote it before the metadata log. */
function writeLegacyDataDir(dir: string, topics: unknown = null, producerIds: unknown = null): void {
  mkdirSync(join(dir, "__takhin"), { recursive: true });
  writeFileSync(join(dir, "meta.properties"), "version=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\nnode.id=0\n");
  const doc = topics ?? {
    version: 1,
    topics: [
      { name: "orders", id: ORDERS_ID, partitions: 3, configs: { "retention.ms": "3600000", "cleanup.policy": "delete" }, internal: false },
      { name: "__consumer_offsets", id: INTERNAL_ID, partitions: 2, configs: { "cleanup.policy": "compact" }, internal: true },
    ],
  };
  writeFileSync(join(dir, "__takhin", "topics.json"), typeof doc === "string" ? doc : JSON.stringify(doc, null, 1));
  const ids = producerIds ?? { version: 1, nextBlockStart: "5000" };
  writeFileSync(join(dir, "__takhin", "producer-ids.json"), typeof ids === "string" ? ids : JSON.stringify(ids));
}

async function describeTopics(port: number, names: string[]) {
  const c = await RawClient.connect(port);
  try {
    const res = await c.call(Metadata, 12, { topics: names.map((name) => ({ name, topicId: ZERO_UUID })), allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    return res as any;
  } finally {
    c.close();
  }
}

describe("upgrade in place", () => {
  test("topics.json and producer-ids.json become metadata records once; topics, ids, configs, data and producer ids carry over", async () => {
    // Partition data written by a broker, then the catalogue replaced by the legacy files with the same topic.
    const dir = tempDir();
    writeLegacyDataDir(dir);
    let tb = await startTestBroker({}, dir);
    const p0 = tb.broker.context.partitions.get("orders", 0)!;
    p0.log.append(buildBatch({ recordCount: 3 }), {});
    expect(await tb.broker.context.producerIds.allocate()).toBe(5000n);
    expect(tb.logs.some((l) => l.includes("catalogue files converted into the metadata log"))).toBe(true);
    expect(existsSync(join(dir, "__takhin", "topics.json"))).toBe(false);
    expect(existsSync(join(dir, "__takhin", "topics.json.migrated"))).toBe(true);
    expect(existsSync(join(dir, "__takhin", "producer-ids.json.migrated"))).toBe(true);
    const md = await describeTopics(tb.port, ["orders", "__consumer_offsets"]);
    expect(md.topics.map((t: any) => [t.name, t.topicId, t.isInternal, t.partitions.length])).toEqual([
      ["orders", ORDERS_ID, false, 3],
      ["__consumer_offsets", INTERNAL_ID, true, 2],
    ]);
    expect(md.topics[0].partitions[1]).toMatchObject({ errorCode: 0, leaderId: 0, leaderEpoch: 0, replicaNodes: [0], isrNodes: [0], offlineReplicas: [] });
    expect(tb.broker.context.topics.get("orders")!.configs).toEqual({ "retention.ms": "3600000", "cleanup.policy": "delete" });
    await tb.stop();

    // Second start: the log alone; a stray legacy file written now is not read again.
    writeFileSync(join(dir, "__takhin", "topics.json"), JSON.stringify({ version: 1, topics: [] }));
    tb = await startTestBroker({}, dir);
    try {
      expect(tb.logs.some((l) => l.includes("catalogue files converted"))).toBe(false);
      expect(tb.broker.context.topics.list().map((t) => t.name)).toEqual(["__consumer_offsets", "orders"]);
      expect(tb.broker.context.partitions.get("orders", 0)!.logEndOffset).toBe(3);
      // The first block (5000..5999) was handed out before the restart; the next starts after it.
      expect(await tb.broker.context.producerIds.allocate()).toBe(6000n);
    } finally {
      await tb.stop();
      removeDir(dir);
    }
  });

  test("a data directory without legacy files starts empty and keeps what it creates", async () => {
    const tb = await startTestBroker();
    tb.broker.context.topics.create("fresh", 2);
    expect(await tb.broker.context.producerIds.allocate()).toBe(0n);
    await tb.stop();
    const again = await startTestBroker({}, tb.dataDir);
    try {
      expect(again.broker.context.topics.get("fresh")!.partitions).toBe(2);
      expect(await again.broker.context.producerIds.allocate()).toBe(1000n);
    } finally {
      await again.stop();
      removeDir(tb.dataDir);
    }
  });
});

describe("bad catalogue files stop the broker with a clear message", () => {
  const cases: [string, unknown, unknown, RegExp][] = [
    ["topics.json is not JSON", '{"version": 1, "topics": [', null, /topics\.json: not valid JSON/],
    ["partitions is a string", { version: 1, topics: [{ name: "a", id: ORDERS_ID, partitions: "3", configs: {} }] }, null, /topics\.json: topics\[0\] \(a\): partitions must be an integer/],
    ["a topic without an id", { version: 1, topics: [{ name: "a", partitions: 1, configs: {} }] }, null, /topics\.json: topics\[0\] \(a\): id must be a 22-character base64 uuid/],
    ["an invalid topic name", { version: 1, topics: [{ name: "a b", id: ORDERS_ID, partitions: 1, configs: {} }] }, null, /topics\.json: topics\[0\]: topic name "a b" has characters/],
    ["the same topic twice", { version: 1, topics: [{ name: "a", id: ORDERS_ID, partitions: 1 }, { name: "a", id: INTERNAL_ID, partitions: 1 }] }, null, /topics\.json: topics\[1\]: topic a appears twice/],
    ["an unknown version", { version: 2, topics: [] }, null, /topics\.json: unsupported version 2/],
    ["a config value that is not a string", { version: 1, topics: [{ name: "a", id: ORDERS_ID, partitions: 1, configs: { "retention.ms": 5 } }] }, null, /config retention\.ms must be a string/],
    ["a config value Kafka refuses", { version: 1, topics: [{ name: "a", id: ORDERS_ID, partitions: 1, configs: { "cleanup.policy": "shred" } }] }, null, /topics\.json: topics\[0\] \(a\): .*cleanup\.policy/],
    ["producer-ids.json with a number", null, { version: 1, nextBlockStart: 5000 }, /producer-ids\.json: nextBlockStart must be a non-negative int64/],
    ["producer-ids.json negative", null, { version: 1, nextBlockStart: "-1" }, /producer-ids\.json: nextBlockStart must be/],
  ];
  for (const [what, topics, ids, message] of cases) {
    test(what, async () => {
      const dir = tempDir();
      writeLegacyDataDir(dir, topics, ids);
      try {
        await expect(startTestBroker({}, dir)).rejects.toThrow(message);
        // Nothing was converted: the files are where they were, for the operator to fix.
        expect(existsSync(join(dir, "__takhin", "topics.json"))).toBe(true);
      } finally {
        removeDir(dir);
      }
    });
  }

  const badMeta: [string, string, RegExp][] = [
    ["an empty node.id (Number('') is 0)", "version=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\nnode.id=\n", /meta\.properties: missing or malformed node\.id/],
    ["a fractional node.id", "version=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\nnode.id=0.0\n", /meta\.properties: missing or malformed node\.id/],
    ["a cluster.id that is not base64", "version=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Q!\nnode.id=0\n", /meta\.properties: missing or malformed cluster\.id/],
    ["no version", "cluster.id=MkU3OEVBNTcwNTJENDM2Qk\nnode.id=0\n", /meta\.properties: version must be 1/],
  ];
  for (const [what, text, message] of badMeta) {
    test(`meta.properties with ${what}`, async () => {
      const dir = tempDir();
      writeLegacyDataDir(dir);
      writeFileSync(join(dir, "meta.properties"), text);
      try {
        await expect(startTestBroker({}, dir)).rejects.toThrow(message);
      } finally {
        removeDir(dir);
      }
    });
  }

  test("a corrupt metadata log stops the start, naming the file", async () => {
    const tb = await startTestBroker();
    tb.broker.context.topics.create("kept", 1);
    tb.broker.context.topics.create("also", 1);
    await tb.stop();
    const path = join(tb.dataDir, "__takhin", "metadata.log");
    const bytes = readFileSync(path);
    bytes[20] ^= 0x55;
    writeFileSync(path, bytes);
    try {
      await expect(startTestBroker({}, tb.dataDir)).rejects.toThrow(`${path}: corrupt at byte 0`);
      // The partition logs of the topics are still on disk (nothing was removed on a guess).
      expect(existsSync(join(tb.dataDir, "kept-0"))).toBe(true);
    } finally {
      rmSync(tb.dataDir, { recursive: true, force: true });
    }
  });
});

/**
 * The broker as a process (`bun src/main.ts`): one readiness line naming the listening address,
 * and a graceful stop on SIGTERM that answers in-flight work, flushes, and leaves each partition
 * with a clean-shutdown marker; after kill -9 the next start recovers every acknowledged record.
 */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ListOffsets } from "../../src/protocol/messages/list-offsets.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { RawClient, removeDir, tempDir } from "../helpers/broker.ts";
import { spawnBroker } from "../helpers/broker-process.ts";

const enc = new TextEncoder();
async function produceN(port: number, topic: string, batches: number): Promise<void> {
  const c = await RawClient.connect(port);
  for (let i = 0; i < batches; i++) {
    const records = buildRecordBatch({ records: [{ key: enc.encode(`k${i}`), value: enc.encode(`v${i}`) }] });
    const res = await c.call(Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }, i + 1);
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
  }
  c.close();
}

async function latestOffset(port: number, topic: string): Promise<bigint> {
  const c = await RawClient.connect(port);
  const res = await c.call(ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] });
  c.close();
  return res.topics[0].partitions[0].offset;
}

describe("broker process", () => {
  test("SIGTERM stops gracefully and marks partitions clean", async () => {
    const dir = tempDir();
    const b = await spawnBroker(dir);
    const meta = await RawClient.connect(b.port);
    // Metadata with auto-creation creates the topic.
    const { Metadata } = await import("../../src/protocol/messages/metadata.ts");
    await meta.call(Metadata, 12, { topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: "life" }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    meta.close();
    await produceN(b.port, "life", 10);
    expect(await b.stop()).toBe(0);
    expect(b.output()).toContain("takhin stopped");
    expect(existsSync(join(dir, "life-0", ".clean-shutdown"))).toBe(true);
    const again = await spawnBroker(dir);
    expect(await latestOffset(again.port, "life")).toBe(10n);
    await again.stop();
    removeDir(dir);
  }, 60_000);

  test("after kill -9 every acknowledged record is served again", async () => {
    const dir = tempDir();
    const b = await spawnBroker(dir);
    const meta = await RawClient.connect(b.port);
    const { Metadata } = await import("../../src/protocol/messages/metadata.ts");
    await meta.call(Metadata, 12, { topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: "crash" }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    meta.close();
    await produceN(b.port, "crash", 25);
    await b.kill();
    expect(existsSync(join(dir, "crash-0", ".clean-shutdown"))).toBe(false);
    const again = await spawnBroker(dir);
    expect(await latestOffset(again.port, "crash")).toBe(25n);
    await again.stop();
    removeDir(dir);
  }, 60_000);
});

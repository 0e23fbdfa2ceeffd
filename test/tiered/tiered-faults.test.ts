/**
 * Tiered storage under object-store faults (a proxy in front of s3rver, s3-harness.ts):
 *  - reads: with the store answering 503, cutting or corrupting bodies, or unreachable, a fetch
 *    below the local log start answers KAFKA_STORAGE_ERROR (retriable) and no bytes; a kafkajs
 *    consumer reading from offset 0 while a fault is on gets every record byte-exact once it
 *    clears; a slow store only delays;
 *  - uploads: with PUTs failing (503, cut bodies, unreachable) nothing is marked copied and no
 *    local segment is deleted beyond what is remote; once the store is back the uploads finish
 *    (retried, same objects) and the whole history is served from offset 0.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { BrokerConnection } from "../../src/client/connection.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { removeDir, tempDir, type TestBroker } from "../helpers/broker.ts";
import { startS3, type Fault, type S3Harness } from "./s3-harness.ts";
import { consumeAllKafkajs, createTieredTopic, produceRange, startTieredBroker, waitUntilTiered } from "./tiered-setup.ts";

const TOPIC = "tiered-faults";
const FIRST = 2000;
const TOTAL = 3000;

let s3: S3Harness;
let tb: TestBroker;
const dataDir = tempDir();

async function fetchAt(offset: bigint): Promise<{ errorCode: number; bytes: number; logStartOffset: bigint }> {
  const c = new BrokerConnection("127.0.0.1", tb.port, { clientId: "tiered-fetch", requestTimeoutMs: 20_000 });
  try {
    const r = await c.send(Fetch, {
      replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: "",
    }, { version: 12 });
    const p = r.body.responses[0]!.partitions[0]!;
    const records = p.records as Uint8Array | null;
    return { errorCode: p.errorCode, bytes: records?.length ?? 0, logStartOffset: p.logStartOffset };
  } finally {
    c.close();
  }
}

function manager() {
  return tb.broker.context.tiered!.manager;
}

beforeAll(async () => {
  s3 = await startS3();
  tb = await startTieredBroker(s3, dataDir);
  await createTieredTopic(tb.bootstrap, TOPIC);
  await produceRange(tb.bootstrap, TOPIC, 0, FIRST);
  await waitUntilTiered(tb, TOPIC, 500);
}, 60_000);

afterAll(async () => {
  s3?.setFault("none");
  await tb?.stop();
  await s3?.close();
  removeDir(dataDir);
});

describe("remote reads under faults", () => {
  for (const fault of ["error", "truncate", "corrupt", "unreachable"] as Fault[]) {
    test(`${fault}: KAFKA_STORAGE_ERROR and no bytes; once it clears, the same fetch is served`, async () => {
      manager().reader.cache.clear();
      s3.setFault(fault, fault === "unreachable" ? null : "GET");
      const failed = await fetchAt(0n);
      expect(failed.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      expect(failed.bytes).toBe(0);
      s3.setFault("none");
      const ok = await fetchAt(0n);
      expect(ok.errorCode).toBe(ErrorCode.NONE);
      expect(ok.bytes).toBeGreaterThan(0);
      expect(ok.logStartOffset).toBe(0n);
    }, 30_000);
  }

  test("a kafkajs consumer from offset 0 while the store answers 503 gets every record once it recovers", async () => {
    manager().reader.cache.clear();
    const before = manager().stats.remoteReadFailures;
    s3.setFault("error", "GET");
    const consuming = consumeAllKafkajs(tb.bootstrap, TOPIC, FIRST, "g-faults-1");
    const deadline = Date.now() + 20_000;
    while (manager().stats.remoteReadFailures === before && Date.now() < deadline) await Bun.sleep(50);
    expect(manager().stats.remoteReadFailures).toBeGreaterThan(before);
    s3.setFault("none");
    await consuming;
  }, 90_000);

  test("a slow store only delays: every record byte-exact", async () => {
    manager().reader.cache.clear();
    s3.slowMs = 100;
    s3.setFault("slow", "GET");
    try {
      await consumeAllKafkajs(tb.bootstrap, TOPIC, FIRST, "g-faults-2");
    } finally {
      s3.setFault("none");
    }
  }, 90_000);
});

describe("uploads under faults", () => {
  test("failed PUTs (503, cut bodies, unreachable) mark nothing copied and delete nothing local that is not remote; then the uploads finish", async () => {
    const topicId = tb.broker.context.topics.get(TOPIC)!.id;
    const log = tb.broker.context.partitions.hosted(TOPIC, 0)!.log;
    await manager().settle();
    const copiedBefore = manager().metadata.copiedUpTo(topicId, 0);
    for (const fault of ["error", "truncate", "unreachable"] as Fault[]) {
      const failuresBefore = manager().stats.copyFailures;
      s3.setFault(fault, fault === "unreachable" ? null : "PUT");
      if (fault === "error") await produceRange(tb.bootstrap, TOPIC, FIRST, TOTAL);
      const deadline = Date.now() + 20_000;
      while (manager().stats.copyFailures === failuresBefore && Date.now() < deadline) {
        tb.broker.context.partitions.logs.runMaintenance(undefined, true);
        await Bun.sleep(50);
      }
      expect(manager().stats.copyFailures).toBeGreaterThan(failuresBefore);
      tb.broker.context.partitions.logs.runMaintenance(undefined, true);
      expect(manager().metadata.copiedUpTo(topicId, 0)).toBe(copiedBefore);
      // The local log still holds everything that is not remote.
      expect(log.logStartOffset).toBeLessThanOrEqual(copiedBefore);
    }
    s3.setFault("none");
    await waitUntilTiered(tb, TOPIC, copiedBefore + 1);
    expect(manager().metadata.copiedUpTo(topicId, 0)).toBeGreaterThan(copiedBefore);
    await consumeAllKafkajs(tb.bootstrap, TOPIC, TOTAL, "g-faults-3");
  }, 120_000);
});

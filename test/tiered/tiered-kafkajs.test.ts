/**
 * Tiered storage end to end on one broker with kafkajs: a topic with local.retention.ms=1 and a
 * week of retention.ms; once its oldest segments are uploaded and deleted locally, a consumer from
 * offset 0 gets every record byte-exact, ListOffsets answers earliest (remote start),
 * earliest-local and latest-tiered, and a restart keeps the remote metadata.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { ListOffsets } from "../../src/protocol/messages/list-offsets.ts";
import { BrokerConnection } from "../../src/client/connection.ts";
import { removeDir, tempDir, type TestBroker } from "../helpers/broker.ts";
import { startS3, type S3Harness } from "./s3-harness.ts";
import { consumeAllKafkajs, createTieredTopic, produceRange, startTieredBroker, waitUntilTiered } from "./tiered-setup.ts";

const TOPIC = "tiered-js";
const COUNT = 2000;

let s3: S3Harness;
let tb: TestBroker;
const dataDir = tempDir();

async function listOffsets(bootstrap: string, timestamp: bigint): Promise<{ errorCode: number; offset: bigint }> {
  const [host, port] = bootstrap.split(":");
  const c = new BrokerConnection(host!, Number(port), { clientId: "tiered-list-offsets" });
  try {
    const r = await c.send(ListOffsets, { replicaId: -1, isolationLevel: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }] }, { version: 9 });
    const p = r.body.topics[0]!.partitions[0]!;
    return { errorCode: p.errorCode, offset: p.offset };
  } finally {
    c.close();
  }
}

beforeAll(async () => {
  s3 = await startS3();
  tb = await startTieredBroker(s3, dataDir);
  await createTieredTopic(tb.bootstrap, TOPIC);
  await produceRange(tb.bootstrap, TOPIC, 0, COUNT);
  await waitUntilTiered(tb, TOPIC, 900);
}, 60_000);

afterAll(async () => {
  await tb?.stop();
  await s3?.close();
  removeDir(dataDir);
});

describe("tiered storage, one broker", () => {
  test("the whole history from offset 0, byte-exact, with the oldest segments only remote", async () => {
    const log = tb.broker.context.partitions.hosted(TOPIC, 0)!.log;
    expect(log.logStartOffset).toBeGreaterThan(0);
    await consumeAllKafkajs(tb.bootstrap, TOPIC, COUNT, "g-js-1");
    const cache = tb.broker.context.tiered!.manager.reader.cache.stats;
    expect(cache.misses).toBeGreaterThan(0);
  }, 90_000);

  test("ListOffsets: earliest is the remote start, earliest-local the local one, latest-tiered the last copied", async () => {
    const local = tb.broker.context.partitions.hosted(TOPIC, 0)!.log.logStartOffset;
    expect(await listOffsets(tb.bootstrap, -2n)).toEqual({ errorCode: ErrorCode.NONE, offset: 0n });
    expect(await listOffsets(tb.bootstrap, -4n)).toEqual({ errorCode: ErrorCode.NONE, offset: BigInt(local) });
    const tiered = await listOffsets(tb.bootstrap, -5n);
    expect(tiered.errorCode).toBe(ErrorCode.NONE);
    expect(tiered.offset).toBeGreaterThanOrEqual(BigInt(local - 1));
    expect(await listOffsets(tb.bootstrap, 0n)).toEqual({ errorCode: ErrorCode.NONE, offset: 0n });
  });

  test("a restart keeps the remote metadata: offset 0 is still served", async () => {
    await tb.stop();
    tb = await startTieredBroker(s3, dataDir);
    expect(tb.broker.context.partitions.hosted(TOPIC, 0)!.log.logStartOffset).toBeGreaterThan(0);
    expect(await listOffsets(tb.bootstrap, -2n)).toEqual({ errorCode: ErrorCode.NONE, offset: 0n });
    await consumeAllKafkajs(tb.bootstrap, TOPIC, COUNT, "g-js-2");
  }, 90_000);
});

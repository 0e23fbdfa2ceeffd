/**
 * The leader epoch and ISR come from the metadata image everywhere: a PartitionChangeRecord that
 * moves leadership bumps the epoch, and Metadata, ListOffsets, OffsetForLeaderEpoch and the batches
 * Produce appends all follow it, across a restart. (Before the image, every one of them said 0.)
 */
import { afterAll, expect, test } from "bun:test";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { ListOffsets } from "../../src/protocol/messages/list-offsets.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { OffsetForLeaderEpoch } from "../../src/protocol/messages/offset-for-leader-epoch.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { ZERO_UUID } from "../../src/protocol/reader.ts";
import { RawClient, removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const enc = new TextEncoder();
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

async function observe(tb: TestBroker, topic: string) {
  const c = await RawClient.connect(tb.port);
  try {
    const md = await c.call(Metadata, 12, { topics: [{ name: topic, topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const lo = await c.call(ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] });
    const fenced = await c.call(OffsetForLeaderEpoch, 4, { replicaId: -1, topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }] }] });
    return { md: md.topics[0].partitions[0], lo: lo.topics[0].partitions[0], fenced: fenced.topics[0].partitions[0], c };
  } catch (e) {
    c.close();
    throw e;
  }
}

test("a leadership change in the image reaches Metadata, ListOffsets, OffsetForLeaderEpoch and Produce, and survives a restart", async () => {
  let tb = await startTestBroker({ autoCreateTopicsEnable: false });
  dirs.push(tb.dataDir);
  const t = tb.broker.context.topics.create("epochs", 1);
  const controller = tb.broker.context.metadata;
  let o = await observe(tb, "epochs");
  o.c.close();
  expect(o.md).toMatchObject({ leaderId: 0, leaderEpoch: 0, isrNodes: [0] });

  // The leader goes away and comes back: two leader changes, epoch 0 -> 2.
  controller.changePartition(t.id, 0, { leader: -1, isr: [] });
  o = await observe(tb, "epochs");
  o.c.close();
  expect(o.md).toMatchObject({ errorCode: ErrorCode.LEADER_NOT_AVAILABLE, leaderId: -1, leaderEpoch: 1, isrNodes: [] });
  controller.changePartition(t.id, 0, { leader: 0, isr: [0] });
  expect(tb.broker.context.partitions.get("epochs", 0)!.leaderEpoch).toBe(2);

  o = await observe(tb, "epochs");
  const produced = await o.c.call(Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: "epochs", partitionData: [{ index: 0, records: buildRecordBatch({ baseTimestampMs: 1_700_000_000_000n, records: [{ key: null, value: enc.encode("v"), headers: [], timestampMs: 1_700_000_000_000n }] }) }] }],
  });
  o.c.close();
  expect(produced.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
  expect(o.md).toMatchObject({ errorCode: 0, leaderId: 0, leaderEpoch: 2 });
  expect(o.fenced.errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
  // The appended batch carries the image's epoch, so the epoch cache knows it.
  expect(tb.broker.context.partitions.get("epochs", 0)!.log.epochs.latestEpoch()).toBe(2);
  await tb.stop();

  tb = await startTestBroker({ autoCreateTopicsEnable: false }, tb.dataDir);
  try {
    o = await observe(tb, "epochs");
    o.c.close();
    expect(o.md.leaderEpoch).toBe(2);
    expect(o.lo).toMatchObject({ errorCode: 0, offset: 1n, leaderEpoch: 2 });
    expect(o.fenced.errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
  } finally {
    await tb.stop();
  }
});

test("Metadata and DescribeCluster list the brokers, leaders, replicas and offline replicas the image holds", async () => {
  const { DescribeCluster } = await import("../../src/protocol/messages/describe-cluster.ts");
  const tb = await startTestBroker({ autoCreateTopicsEnable: false });
  dirs.push(tb.dataDir);
  const controller = tb.broker.context.metadata;
  // A second broker registers (as a peer would through the controller), then leads a partition.
  const register = (fenced: boolean) =>
    controller.commit([{ type: "RegisterBroker", brokerId: 7, incarnationId: "AbCdEfGhIjKlMnOpQrStUw", brokerEpoch: BigInt(controller.image.offset + 1), endPoints: [{ name: "PLAINTEXT", host: "127.0.0.7", port: 9097, securityProtocol: 0 }], rack: "r7", fenced }]);
  register(false);
  controller.createTopic({ name: "shared", partitions: 2, replicationFactor: 2, configs: {}, assignments: [[7, 0], [0, 7]] });
  const c = await RawClient.connect(tb.port);
  try {
    const ask = async () => (await c.call(Metadata, 12, { topics: [{ name: "shared", topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })) as any;
    let md = await ask();
    expect(md.brokers.map((b: any) => [b.nodeId, b.host, b.port, b.rack])).toEqual([
      [0, "127.0.0.1", tb.port, null],
      [7, "127.0.0.7", 9097, "r7"],
    ]);
    expect(md.controllerId).toBe(0);
    expect(md.topics[0].partitions.map((p: any) => [p.leaderId, p.replicaNodes, p.isrNodes, p.offlineReplicas])).toEqual([
      [7, [7, 0], [7, 0], []],
      [0, [0, 7], [0, 7], []],
    ]);
    const dc = await c.call(DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    expect(dc.brokers.map((b: any) => b.brokerId)).toEqual([0, 7]);

    // Broker 7 is fenced: it leaves the broker lists, its replicas are offline, its partition has no live leader.
    register(true);
    md = await ask();
    expect(md.brokers.map((b: any) => b.nodeId)).toEqual([0]);
    expect(md.topics[0].partitions.map((p: any) => [p.errorCode, p.leaderId, p.offlineReplicas])).toEqual([
      [ErrorCode.LEADER_NOT_AVAILABLE, 7, [7]],
      [ErrorCode.NONE, 0, [7]],
    ]);
  } finally {
    c.close();
    await tb.stop();
  }
});

test("the offsets log stamps the image's leader epoch of its __consumer_offsets partition", async () => {
  const { OffsetCommit } = await import("../../src/protocol/messages/offset-commit.ts");
  const tb = await startTestBroker({ autoCreateTopicsEnable: false });
  dirs.push(tb.dataDir);
  tb.broker.context.topics.create("orders", 1);
  tb.broker.context.groups.ensureTopic();
  const offsets = tb.broker.context.topics.get("__consumer_offsets")!;
  const target = tb.broker.context.groups.partitionFor("simple");
  // Leadership of that partition moves away and back: epoch 2.
  tb.broker.context.metadata.changePartition(offsets.id, target, { leader: -1, isr: [] });
  tb.broker.context.metadata.changePartition(offsets.id, target, { leader: 0, isr: [0] });
  const c = await RawClient.connect(tb.port);
  try {
    const commit = await c.call(OffsetCommit, 7, {
      groupId: "simple",
      generationIdOrMemberEpoch: -1,
      memberId: "",
      groupInstanceId: null,
      retentionTimeMs: -1n,
      topics: [{ name: "orders", partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(commit.topics[0].partitions[0].errorCode).toBe(0);
    expect(tb.broker.context.partitions.get("__consumer_offsets", target)!.log.epochs.latestEpoch()).toBe(2);
  } finally {
    c.close();
    await tb.stop();
  }
});

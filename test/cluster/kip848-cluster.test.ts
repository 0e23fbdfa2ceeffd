/**
 * KIP-848 consumer groups on a 3-node cluster (real node processes): the group lives on the leader
 * of its __consumer_offsets partition, as classic groups do — the other nodes answer
 * ConsumerGroupHeartbeat / ConsumerGroupDescribe NOT_COORDINATOR; after kill -9 of the coordinator's
 * node the new leader of the partition loads the group from its replica (member ids, epochs,
 * assignments, committed offsets), a member goes on heartbeating at its epoch there, and commits at
 * that epoch are accepted.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { ConsumerGroupDescribe } from "../../src/protocol/messages/consumer-group-describe.ts";
import { ConsumerGroupHeartbeat } from "../../src/protocol/messages/consumer-group-heartbeat.ts";
import { FindCoordinator } from "../../src/protocol/messages/find-coordinator.ts";
import { OffsetCommit } from "../../src/protocol/messages/offset-commit.ts";
import { OffsetFetch } from "../../src/protocol/messages/offset-fetch.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { startFaultCluster, until, type FaultCluster } from "./faults/harness.ts";

const TOPIC = "k848-cluster";
const GROUP = "k848-cluster-group";

let fc: FaultCluster | null = null;
afterAll(async () => {
  await fc?.stop();
}, 30_000);

async function call(port: number, api: any, version: number, body: unknown): Promise<any> {
  const c = await RawClient.connect(port);
  try {
    return await c.call(api, version, body);
  } finally {
    c.close();
  }
}

const heartbeat = (port: number, over: Record<string, unknown>) =>
  call(port, ConsumerGroupHeartbeat, 1, {
    groupId: GROUP, memberId: "m-1", memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000,
    subscribedTopicNames: [TOPIC], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [], ...over,
  });
const describeGroup = (port: number) => call(port, ConsumerGroupDescribe, 1, { groupIds: [GROUP], includeAuthorizedOperations: false });
const commit = (port: number, epoch: number, offset: bigint) =>
  call(port, OffsetCommit, 9, {
    groupId: GROUP, generationIdOrMemberEpoch: epoch, memberId: "m-1", groupInstanceId: null,
    topics: [{ name: TOPIC, partitions: [0, 1, 2].map((p) => ({ partitionIndex: p, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null })) }],
  });

describe("KIP-848 consumer groups on a 3-node cluster", () => {
  test("the group lives on its offsets partition's leader and survives kill -9 of it", async () => {
    fc = await startFaultCluster({ nodes: 3, env: { TAKHIN_OFFSETS_TOPIC_NUM_PARTITIONS: "6", TAKHIN_GROUP_CONSUMER_SESSION_TIMEOUT_MS: "60000" } });
    const cluster = fc.cluster;
    await cluster.waitForBrokers([0, 1, 2], { timeoutMs: 30_000 });
    const [created] = await fc.client().createTopics([{ name: TOPIC, numPartitions: 3, replicationFactor: 3 }]);
    expect(created!.errorCode).toBe(0);
    const find = (port: number) => call(port, FindCoordinator, 4, { keyType: 0, coordinatorKeys: [GROUP] }).then((r) => r.coordinators[0]);
    const coord = await until("a coordinator", async () => {
      const r = await find(cluster.node(0).kafkaPort);
      return r.errorCode === ErrorCode.NONE ? r : null;
    }, 30_000, 100);

    const joined = await until("m-1 joined", async () => {
      const r = await heartbeat(coord.port, {});
      return r.errorCode === ErrorCode.NONE ? r : null;
    }, 20_000, 100);
    expect(joined.assignment.topicPartitions[0].partitions).toEqual([0, 1, 2]);
    const ok = await commit(coord.port, joined.memberEpoch, 7n);
    expect(ok.topics[0].partitions.map((p: any) => p.errorCode)).toEqual([0, 0, 0]);
    const before = await describeGroup(coord.port);
    expect(before.groups[0].errorCode).toBe(0);

    for (const n of cluster.nodes) {
      if (n.id === coord.nodeId) continue;
      expect((await heartbeat(n.kafkaPort, { memberEpoch: joined.memberEpoch, topicPartitions: null, rebalanceTimeoutMs: -1, subscribedTopicNames: null })).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
      expect((await describeGroup(n.kafkaPort)).groups[0].errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    }

    await cluster.kill(coord.nodeId);
    const live = cluster.nodes.filter((n) => n.id !== coord.nodeId);
    let i = 0;
    const next = await until("a new coordinator with the group loaded", async () => {
      const r = await find(live[i++ % live.length]!.kafkaPort).catch(() => null);
      if (!r || r.errorCode !== ErrorCode.NONE || r.nodeId === coord.nodeId) return null;
      const d = await describeGroup(r.port).catch(() => null);
      return d && d.groups[0].errorCode === ErrorCode.NONE ? r : null;
    }, 60_000, 100);
    const after = await describeGroup(next.port);
    expect(after.groups[0]).toEqual(before.groups[0]);
    const hb = await heartbeat(next.port, { memberEpoch: joined.memberEpoch, topicPartitions: [{ topicId: joined.assignment.topicPartitions[0].topicId, partitions: [0, 1, 2] }], rebalanceTimeoutMs: -1, subscribedTopicNames: null });
    expect([hb.errorCode, hb.memberEpoch]).toEqual([0, joined.memberEpoch]);
    const fetched = await call(next.port, OffsetFetch, 9, { groups: [{ groupId: GROUP, memberId: "m-1", memberEpoch: joined.memberEpoch, topics: [{ name: TOPIC, partitionIndexes: [0, 1, 2] }] }], requireStable: false });
    expect(fetched.groups[0].topics[0].partitions.map((p: any) => Number(p.committedOffset))).toEqual([7, 7, 7]);
    expect((await commit(next.port, joined.memberEpoch, 9n)).topics[0].partitions.map((p: any) => p.errorCode)).toEqual([0, 0, 0]);
    expect((await commit(next.port, joined.memberEpoch - 1, 9n)).topics[0].partitions.map((p: any) => p.errorCode)).toEqual([113, 113, 113]);
  }, 300_000);
});

/**
 * KIP-848 consumer groups over real sockets with raw requests: ConsumerGroupHeartbeat 0-1 (join,
 * reconciliation between two members, the errors Kafka 4.4 answers — checked against the local
 * Kafka with the same requests), ConsumerGroupDescribe 0-1, ListGroups v5 type filter, DescribeGroups
 * of a consumer group, the rules between classic and consumer groups of one id, OffsetCommit /
 * OffsetFetch checked by member epoch, OffsetDelete / DeleteGroups, ApiVersions, and the group
 * reloaded from __consumer_offsets after a restart (members, epochs, assignments, offsets).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { ConsumerGroupDescribe } from "../../src/protocol/messages/consumer-group-describe.ts";
import { ConsumerGroupHeartbeat } from "../../src/protocol/messages/consumer-group-heartbeat.ts";
import { DeleteGroups } from "../../src/protocol/messages/delete-groups.ts";
import { DescribeGroups } from "../../src/protocol/messages/describe-groups.ts";
import { Heartbeat } from "../../src/protocol/messages/heartbeat.ts";
import { JoinGroup } from "../../src/protocol/messages/join-group.ts";
import { LeaveGroup } from "../../src/protocol/messages/leave-group.ts";
import { ListGroups } from "../../src/protocol/messages/list-groups.ts";
import { OffsetCommit } from "../../src/protocol/messages/offset-commit.ts";
import { OffsetDelete } from "../../src/protocol/messages/offset-delete.ts";
import { OffsetFetch } from "../../src/protocol/messages/offset-fetch.ts";
import { InitProducerId } from "../../src/protocol/messages/init-producer-id.ts";
import { TxnOffsetCommit } from "../../src/protocol/messages/txn-offset-commit.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { RawClient, removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { subscription } from "../helpers/consumer-protocol.ts";

let tb: TestBroker;
// TxnOffsetCommit from a producer id without a transaction coordinator's verification (as test/server/txn-offsets.test.ts).
const BROKER = { groupInitialRebalanceDelayMs: 0, transactionPartitionVerificationEnable: false };
let c: RawClient;
let topicId: string;
const dataDir = tempDir();
const T = "kip848-orders";

beforeAll(async () => {
  tb = await startTestBroker(BROKER, dataDir);
  topicId = tb.broker.context.topics.create(T, 4).id;
  c = await RawClient.connect(tb.port);
});
afterAll(async () => {
  c.close();
  await tb.stop();
  removeDir(dataDir);
});

let corr = 1;
function hb(client: RawClient, over: Record<string, unknown>, v = 1) {
  return client.call(ConsumerGroupHeartbeat, v, {
    groupId: "g1", memberId: "m-1", memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000,
    subscribedTopicNames: [T], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [], ...over,
  }, corr++);
}
const poll = (over: Record<string, unknown>) => ({ rebalanceTimeoutMs: -1, subscribedTopicNames: null, ...over });
const commit = (v: number, group: string, memberId: string, epoch: number) =>
  c.call(OffsetCommit, v, {
    groupId: group, generationIdOrMemberEpoch: epoch, memberId, groupInstanceId: null, retentionTimeMs: -1n,
    topics: [{ name: T, partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: "" }] }],
  }, corr++);
const fetchOffsets = (group: string, memberId: string | null, memberEpoch: number) =>
  c.call(OffsetFetch, 9, { groups: [{ groupId: group, memberId, memberEpoch, topics: [{ name: T, partitionIndexes: [0] }] }], requireStable: false }, corr++);

describe("ConsumerGroupHeartbeat and ConsumerGroupDescribe", () => {
  test("advertised at 0-1", async () => {
    const av = await c.call(ApiVersions, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" }, corr++);
    const keys = new Map(av.apiKeys.map((k: any) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    expect(keys.get(68)).toEqual([0, 1]);
    expect(keys.get(69)).toEqual([0, 1]);
  });

  test("two members: the second gets partitions only after the first revoked them", async () => {
    const a = await hb(c, {});
    expect(a.errorCode).toBe(0);
    expect(a.memberId).toBe("m-1");
    expect(a.heartbeatIntervalMs).toBe(5000);
    expect(a.assignment.topicPartitions).toEqual([{ topicId, partitions: [0, 1, 2, 3] }]);
    const b = await hb(c, { memberId: "m-2" });
    expect(b.errorCode).toBe(0);
    expect(b.assignment.topicPartitions).toEqual([]);
    const a2 = await hb(c, poll({ memberEpoch: a.memberEpoch, topicPartitions: [{ topicId, partitions: [0, 1, 2, 3] }] }));
    expect(a2.memberEpoch).toBe(a.memberEpoch); // must revoke first
    const kept = a2.assignment.topicPartitions[0].partitions as number[];
    expect(kept.length).toBe(2);
    expect((await hb(c, poll({ memberId: "m-2", memberEpoch: b.memberEpoch, topicPartitions: [] }))).assignment).toBeNull();
    const d1 = await c.call(ConsumerGroupDescribe, 1, { groupIds: ["g1"], includeAuthorizedOperations: false }, corr++);
    expect(d1.groups[0].groupState).toBe("Reconciling");
    const a3 = await hb(c, poll({ memberEpoch: a.memberEpoch, topicPartitions: [{ topicId, partitions: kept }] }));
    expect(a3.memberEpoch).toBe(b.memberEpoch);
    const b3 = await hb(c, poll({ memberId: "m-2", memberEpoch: b.memberEpoch, topicPartitions: [] }));
    expect(b3.assignment.topicPartitions).toEqual([{ topicId, partitions: [0, 1, 2, 3].filter((p) => !kept.includes(p)) }]);
    const d = await c.call(ConsumerGroupDescribe, 1, { groupIds: ["g1", "nope"], includeAuthorizedOperations: false }, corr++);
    expect(d.groups[0]).toMatchObject({ errorCode: 0, groupId: "g1", groupState: "Stable", groupEpoch: b.memberEpoch, assignmentEpoch: b.memberEpoch, assignorName: "uniform" });
    expect(d.groups[0].members.map((m: any) => [m.memberId, m.memberEpoch, m.memberType, m.subscribedTopicNames, m.subscribedTopicRegex, m.clientHost])).toEqual([
      ["m-1", b.memberEpoch, 1, [T], "", "/127.0.0.1"],
      ["m-2", b.memberEpoch, 1, [T], "", "/127.0.0.1"],
    ]);
    expect(d.groups[0].members[0].assignment.topicPartitions).toEqual([{ topicId, topicName: T, partitions: kept }]);
    expect(d.groups[1]).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: "Group nope not found.", groupState: "" });
  });

  test("the errors Kafka 4.4 answers", async () => {
    const err = async (over: Record<string, unknown>, v = 1) => {
      const r = await hb(c, over, v);
      expect(r.memberId).toBeNull();
      expect(r.memberEpoch).toBe(0);
      return [r.errorCode, r.errorMessage];
    };
    expect(await err({ memberId: "zz", memberEpoch: 5 })).toEqual([ErrorCode.UNKNOWN_MEMBER_ID, "Member zz is not a member of group g1."]);
    expect((await err({ memberEpoch: 99 }))[0]).toBe(ErrorCode.FENCED_MEMBER_EPOCH);
    expect(await err({ memberId: "" })).toEqual([ErrorCode.INVALID_REQUEST, "MemberId can't be empty."]);
    expect(await err({ topicPartitions: null })).toEqual([ErrorCode.INVALID_REQUEST, "TopicPartitions must be empty when (re-)joining."]);
    expect(await err({ memberEpoch: -2 })).toEqual([ErrorCode.INVALID_REQUEST, "InstanceId can't be null."]);
    expect(await err({ memberEpoch: -5 })).toEqual([ErrorCode.INVALID_REQUEST, "MemberEpoch is invalid."]);
    expect(await err({ memberId: "m-9", serverAssignor: "foo" })).toEqual([ErrorCode.UNSUPPORTED_ASSIGNOR, "ServerAssignor foo is not supported. Supported assignors: uniform, range."]);
    expect((await err({ memberId: "m-9", subscribedTopicNames: null, subscribedTopicRegex: "(a)\\1" }))[0]).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION);
    expect((await err({ memberId: "m-9", subscribedTopicNames: null, subscribedTopicRegex: "a(?=b)" }))[0]).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION);
    expect(await err({ groupId: "nope", memberEpoch: 3 })).toEqual([ErrorCode.GROUP_ID_NOT_FOUND, "Consumer group nope not found."]);
    expect(await err({ groupId: "nope", memberEpoch: -1 })).toEqual([ErrorCode.GROUP_ID_NOT_FOUND, "Group nope not found."]);
    const s = await hb(c, { memberId: "s-1", instanceId: "inst" });
    expect(s.errorCode).toBe(0);
    expect(await err({ memberId: "s-2", instanceId: "inst" })).toEqual([ErrorCode.UNRELEASED_INSTANCE_ID, "Static member s-2 with instance id inst cannot join the group because the instance id is owned by s-1 member."]);
    expect(await err({ memberId: "s-2", instanceId: "inst", memberEpoch: 2 })).toEqual([ErrorCode.FENCED_INSTANCE_ID, "Static member s-2 with instance id inst was fenced by member s-1."]);
    const left = await hb(c, { memberId: "s-1", instanceId: "inst", memberEpoch: -2, topicPartitions: null });
    expect([left.errorCode, left.memberId, left.memberEpoch, left.heartbeatIntervalMs]).toEqual([0, "s-1", -2, 0]);
    // v0: the coordinator chooses the member id
    const v0 = await hb(c, { groupId: "g-v0", memberId: "" }, 0);
    expect(v0.errorCode).toBe(0);
    expect(v0.memberId.length).toBeGreaterThan(0);
  });

  test("ListGroups v5 filters by type; DescribeGroups shows a consumer group as Dead (as Kafka 4.4 at v5)", async () => {
    const consumer = await c.call(ListGroups, 5, { statesFilter: [], typesFilter: ["consumer"] }, corr++);
    expect(consumer.groups.find((g: any) => g.groupId === "g1")).toEqual({ groupId: "g1", protocolType: "consumer", groupState: expect.any(String), groupType: "consumer" });
    const classic = await c.call(ListGroups, 5, { statesFilter: [], typesFilter: ["classic"] }, corr++);
    expect(classic.groups.find((g: any) => g.groupId === "g1")).toBeUndefined();
    const v4 = await c.call(ListGroups, 4, { statesFilter: ["assigning", "reconciling", "stable"], typesFilter: [] }, corr++);
    expect(v4.groups.find((g: any) => g.groupId === "g1")?.protocolType).toBe("consumer");
    const dg = await c.call(DescribeGroups, 5, { groups: ["g1"], includeAuthorizedOperations: false }, corr++);
    expect(dg.groups[0]).toMatchObject({ errorCode: 0, groupState: "Dead", protocolType: "", members: [] });
  });

  test("OffsetCommit and OffsetFetch are checked by member epoch", async () => {
    const d = await c.call(ConsumerGroupDescribe, 0, { groupIds: ["g1"], includeAuthorizedOperations: false }, corr++);
    const epoch = d.groups[0].members.find((m: any) => m.memberId === "m-1").memberEpoch;
    const code = (r: any) => r.topics[0].partitions[0].errorCode;
    expect(code(await commit(9, "g1", "m-1", epoch))).toBe(0);
    expect(code(await commit(9, "g1", "m-1", epoch - 1))).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect(code(await commit(9, "g1", "m-1", epoch + 1))).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect(code(await commit(9, "g1", "zz", epoch))).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(code(await commit(8, "g1", "m-1", epoch))).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(code(await commit(9, "g1", "", -1))).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const ok = await fetchOffsets("g1", "m-1", epoch);
    expect(ok.groups[0].errorCode).toBe(0);
    expect(ok.groups[0].topics[0].partitions[0].committedOffset).toBe(42n);
    expect((await fetchOffsets("g1", "m-1", epoch + 1)).groups[0].errorCode).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect((await fetchOffsets("g1", "zz", epoch)).groups[0].errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await fetchOffsets("g1", null, -1)).groups[0].topics[0].partitions[0].committedOffset).toBe(42n);
    const od = await c.call(OffsetDelete, 0, { groupId: "g1", topics: [{ name: T, partitions: [{ partitionIndex: 0 }] }] }, corr++);
    expect(od.topics[0].partitions[0].errorCode).toBe(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
    const del = await c.call(DeleteGroups, 2, { groupsNames: ["g1"] }, corr++);
    expect(del.results[0].errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
  });

  test("TxnOffsetCommit to a consumer group (GroupService's check) at the member's epoch; committed by the marker; the group stays one consumer group", async () => {
    const d = await c.call(ConsumerGroupDescribe, 0, { groupIds: ["g1"], includeAuthorizedOperations: false }, corr++);
    const epoch = d.groups[0].members.find((m: any) => m.memberId === "m-1").memberEpoch;
    const ip = await c.call(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }, corr++);
    expect(ip.errorCode).toBe(0);
    const txn = async (memberId: string, generationId: number, offset: bigint) => {
      const r = await c.call(TxnOffsetCommit, 3, {
        transactionalId: "k848-tx", groupId: "g1", producerId: ip.producerId, producerEpoch: ip.producerEpoch, generationId, memberId, groupInstanceId: null,
        topics: [{ name: T, partitions: [{ partitionIndex: 1, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: "" }] }],
      }, corr++);
      return r.topics[0].partitions[0].errorCode;
    };
    expect(await txn("m-1", epoch - 1, 11n)).toBe(ErrorCode.ILLEGAL_GENERATION); // TxnOffsetCommit's answer for a stale epoch
    expect(await txn("zz", epoch, 11n)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await txn("m-1", epoch, 11n)).toBe(0);
    const partition = tb.broker.context.groups.partitionFor("g1");
    const m = await tb.broker.context.txnMarkers.writeMarkers({ producerId: ip.producerId, producerEpoch: ip.producerEpoch, coordinatorEpoch: 0, result: "commit", partitions: [{ topic: "__consumer_offsets", partition }] });
    expect(m.map((x) => x.errorCode)).toEqual([0]);
    const f = await c.call(OffsetFetch, 9, { groups: [{ groupId: "g1", memberId: "m-1", memberEpoch: epoch, topics: [{ name: T, partitionIndexes: [1] }] }], requireStable: true }, corr++);
    expect(f.groups[0].topics[0].partitions[0].committedOffset).toBe(11n);
    const list = await c.call(ListGroups, 5, { statesFilter: [], typesFilter: [] }, corr++);
    expect(list.groups.filter((g: any) => g.groupId === "g1").map((g: any) => g.groupType)).toEqual(["consumer"]);
  });

  test("classic and consumer groups of one id", async () => {
    const protocols = [{ name: "range", metadata: subscription([T]) }];
    const join = (groupId: string, protocolType = "consumer") =>
      c.call(JoinGroup, 9, { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: "", groupInstanceId: null, protocolType, protocols, reason: null }, corr++);
    expect((await join("g1")).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await c.call(Heartbeat, 4, { groupId: "g1", generationId: 1, memberId: "m-1", groupInstanceId: null }, corr++)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // a classic group with a member: not a consumer group
    const c2 = await RawClient.connect(tb.port);
    const j1 = await join("classic-1");
    expect(j1.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const j2 = await c2.call(JoinGroup, 9, { groupId: "classic-1", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: j1.memberId, groupInstanceId: null, protocolType: "consumer", protocols, reason: null }, 1);
    expect(j2.errorCode).toBe(0);
    expect(await hb(c, { groupId: "classic-1" }).then((r) => [r.errorCode, r.errorMessage])).toEqual([ErrorCode.GROUP_ID_NOT_FOUND, "Group classic-1 is not a consumer group."]);
    const dc = await c.call(ConsumerGroupDescribe, 1, { groupIds: ["classic-1"], includeAuthorizedOperations: false }, corr++);
    expect([dc.groups[0].errorCode, dc.groups[0].errorMessage]).toEqual([ErrorCode.GROUP_ID_NOT_FOUND, "Group classic-1 is not a consumer group."]);
    // once Empty, the first consumer-protocol join converts it; its committed offsets stay
    expect((await c2.call(LeaveGroup, 5, { groupId: "classic-1", members: [{ memberId: j1.memberId, groupInstanceId: null, reason: null }] }, 2)).errorCode).toBe(0);
    c2.close();
    expect((await commit(9, "classic-1", "", -1)).topics[0].partitions[0].errorCode).toBe(0);
    const conv = await hb(c, { groupId: "classic-1", memberId: "x-1" });
    expect(conv.errorCode).toBe(0);
    const list = await c.call(ListGroups, 5, { statesFilter: [], typesFilter: [] }, corr++);
    expect(list.groups.filter((g: any) => g.groupId === "classic-1").map((g: any) => g.groupType)).toEqual(["consumer"]);
    expect((await fetchOffsets("classic-1", "x-1", conv.memberEpoch)).groups[0].topics[0].partitions[0].committedOffset).toBe(42n);
    // a classic LeaveGroup removes a consumer group's member (as Kafka); the Empty group goes back to classic on a JoinGroup
    const lv = await c.call(LeaveGroup, 5, { groupId: "classic-1", members: [{ memberId: "x-1", groupInstanceId: null, reason: null }] }, corr++);
    expect(lv.members[0].errorCode).toBe(0);
    expect((await join("classic-1")).errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  });

  test("the group comes back from __consumer_offsets after a restart", async () => {
    const before = await c.call(ConsumerGroupDescribe, 1, { groupIds: ["g1"], includeAuthorizedOperations: false }, corr++);
    c.close();
    await tb.stop();
    tb = await startTestBroker(BROKER, dataDir);
    c = await RawClient.connect(tb.port);
    const after = await c.call(ConsumerGroupDescribe, 1, { groupIds: ["g1"], includeAuthorizedOperations: false }, corr++);
    expect(after.groups[0]).toEqual(before.groups[0]);
    const list = await c.call(ListGroups, 5, { statesFilter: [], typesFilter: [] }, corr++);
    expect(list.groups.filter((g: any) => g.groupId === "g1").map((g: any) => g.groupType)).toEqual(["consumer"]);
    const m1 = before.groups[0].members.find((m: any) => m.memberId === "m-1");
    const r = await hb(c, poll({ memberEpoch: m1.memberEpoch, topicPartitions: m1.assignment.topicPartitions.map((t: any) => ({ topicId: t.topicId, partitions: t.partitions })) }));
    expect([r.errorCode, r.memberEpoch]).toEqual([0, m1.memberEpoch]);
    expect((await fetchOffsets("g1", "m-1", m1.memberEpoch)).groups[0].topics[0].partitions[0].committedOffset).toBe(42n);
  });
});

/**
 * Consumer-group APIs over real sockets with raw requests: FindCoordinator, the join/sync/heartbeat/
 * leave cycle (one connection per member, since a pending JoinGroup holds its connection's
 * answers), OffsetCommit/OffsetFetch across their versions, ListGroups/DescribeGroups/DeleteGroups/
 * OffsetDelete, and durability: offsets survive a clean restart and a SIGKILL of a broker process.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DeleteGroups } from "../../src/protocol/messages/delete-groups.ts";
import { DescribeGroups } from "../../src/protocol/messages/describe-groups.ts";
import { FindCoordinator } from "../../src/protocol/messages/find-coordinator.ts";
import { Heartbeat } from "../../src/protocol/messages/heartbeat.ts";
import { JoinGroup } from "../../src/protocol/messages/join-group.ts";
import { LeaveGroup } from "../../src/protocol/messages/leave-group.ts";
import { ListGroups } from "../../src/protocol/messages/list-groups.ts";
import { OffsetCommit } from "../../src/protocol/messages/offset-commit.ts";
import { OffsetDelete } from "../../src/protocol/messages/offset-delete.ts";
import { OffsetFetch } from "../../src/protocol/messages/offset-fetch.ts";
import { SyncGroup } from "../../src/protocol/messages/sync-group.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { offsetsPartitionFor, javaStringHashCode } from "../../src/coordinator/offsets-log.ts";
import { OFFSETS_TOPIC } from "../../src/coordinator/group-config.ts";
import { RawClient, removeDir, tempDir, type TestBroker } from "../helpers/broker.ts";
import { spawnBroker, startGroupBroker } from "../clients/scripts/groups-harness.ts";
import { subscription } from "../helpers/consumer-protocol.ts";

const enc = new TextEncoder();
let tb: TestBroker;

beforeAll(async () => {
  tb = await startGroupBroker({ initialRebalanceDelayMs: 0 });
  tb.broker.context.topics.create("orders", 4);
});
afterAll(async () => {
  await tb.stop();
  removeDir(tb.dataDir);
});

function joinBody(groupId: string, memberId: string, extra: Record<string, unknown> = {}) {
  return {
    groupId,
    sessionTimeoutMs: 6000,
    rebalanceTimeoutMs: 10_000,
    memberId,
    groupInstanceId: null,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: subscription(["orders"]) }],
    reason: null,
    ...extra,
  };
}

function commitBody(groupId: string, memberId: string, generation: number, offset: bigint, extra: Record<string, unknown> = {}) {
  return {
    groupId,
    generationIdOrMemberEpoch: generation,
    memberId,
    groupInstanceId: null,
    retentionTimeMs: -1n,
    topics: [{ name: "orders", partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: 0, committedMetadata: "meta" }] }],
    ...extra,
  };
}

async function fetchOffset(c: RawClient, groupId: string, version = 7): Promise<bigint> {
  const r = await c.call(OffsetFetch, version, { groupId, topics: [{ name: "orders", partitionIndexes: [0] }], groups: [], requireStable: false });
  return r.topics[0].partitions[0].committedOffset;
}

describe("FindCoordinator", () => {
  test("every version names this broker for a group; v4+ answers each key; a transactional id is answered by the transaction coordinator", async () => {
    const c = await RawClient.connect(tb.port);
    for (let v = 0; v <= 3; v++) {
      const r = await c.call(FindCoordinator, v, { key: "g", keyType: 0, coordinatorKeys: [] }, v + 1);
      expect(r).toMatchObject({ errorCode: 0, nodeId: tb.broker.context.nodeId, host: "127.0.0.1", port: tb.port });
      if (v >= 1) expect(r.errorMessage).toBe("NONE"); // as Kafka on success
    }
    for (let v = 4; v <= 6; v++) {
      const r = await c.call(FindCoordinator, v, { key: "", keyType: 0, coordinatorKeys: ["a", "b"] }, 10 + v);
      expect(r.coordinators.map((x: any) => [x.key, x.errorCode, x.errorMessage, x.port])).toEqual([["a", 0, "", tb.port], ["b", 0, "", tb.port]]);
    }
    const txn = await c.call(FindCoordinator, 3, { key: "tx", keyType: 1, coordinatorKeys: [] }, 20);
    expect(txn).toMatchObject({ errorCode: 0, nodeId: tb.broker.context.nodeId, host: "127.0.0.1", port: tb.port });
    // The internal topic exists once groups are in use, with the configured partition count.
    expect(tb.broker.context.topics.get(OFFSETS_TOPIC)?.partitions).toBe(8);
    expect(tb.broker.context.topics.get(OFFSETS_TOPIC)?.configs["cleanup.policy"]).toBe("compact");
    expect(tb.broker.context.topics.get(OFFSETS_TOPIC)?.configs["compression.type"]).toBe("producer"); // an override, as Kafka's
    c.close();
  });

  test("a group's partition of __consumer_offsets is Kafka's: abs(String.hashCode) % partitions", () => {
    expect(javaStringHashCode("abc")).toBe(96354);
    expect(offsetsPartitionFor("abc", 50)).toBe(96354 % 50);
    expect(javaStringHashCode("polygenelubricants")).toBe(-2147483648);
    expect(offsetsPartitionFor("polygenelubricants", 50)).toBe(0);
  });
});

describe("join, sync, heartbeat, commit, leave", () => {
  test("v4+: MEMBER_ID_REQUIRED, join, sync, heartbeat, commit, fetch, leave", async () => {
    const c = await RawClient.connect(tb.port);
    const first = await c.call(JoinGroup, 9, joinBody("g1", ""));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const memberId = first.memberId as string;
    expect(memberId.startsWith("takhin-test-")).toBe(true);
    const joined = await c.call(JoinGroup, 9, joinBody("g1", memberId), 2);
    expect(joined).toMatchObject({ errorCode: 0, generationId: 1, protocolType: "consumer", protocolName: "range", leader: memberId, memberId });
    expect(joined.members.length).toBe(1);
    const synced = await c.call(SyncGroup, 5, { groupId: "g1", generationId: 1, memberId, groupInstanceId: null, protocolType: "consumer", protocolName: "range", assignments: [{ memberId, assignment: enc.encode("A") }] }, 3);
    expect(synced.errorCode).toBe(0);
    expect(new TextDecoder().decode(synced.assignment)).toBe("A");
    expect((await c.call(Heartbeat, 4, { groupId: "g1", generationId: 1, memberId, groupInstanceId: null }, 4)).errorCode).toBe(0);
    expect((await c.call(Heartbeat, 0, { groupId: "g1", generationId: 0, memberId, groupInstanceId: null }, 5)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    for (let v = 2; v <= 9; v++) {
      const r = await c.call(OffsetCommit, v, commitBody("g1", memberId, 1, BigInt(100 + v)), 10 + v);
      expect(r.topics[0].partitions[0].errorCode).toBe(0);
    }
    for (let v = 1; v <= 7; v++) expect(await fetchOffset(c, "g1", v)).toBe(109n);
    const v8 = await c.call(OffsetFetch, 8, { groups: [{ groupId: "g1", memberId: null, memberEpoch: -1, topics: null }, { groupId: "none", memberId: null, memberEpoch: -1, topics: [{ name: "orders", partitionIndexes: [1] }] }], requireStable: true }, 30);
    expect(v8.groups[0].topics[0].partitions[0]).toMatchObject({ partitionIndex: 0, committedOffset: 109n, committedLeaderEpoch: 0, metadata: "meta", errorCode: 0 });
    expect(v8.groups[1].topics[0].partitions[0]).toMatchObject({ committedOffset: -1n, errorCode: 0 });
    const stale = await c.call(OffsetCommit, 8, commitBody("g1", memberId, 0, 1n), 31);
    expect(stale.topics[0].partitions[0].errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    const unknownTopic = await c.call(OffsetCommit, 8, { ...commitBody("g1", memberId, 1, 1n), topics: [{ name: "nope", partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }] }, 32);
    expect(unknownTopic.topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const left = await c.call(LeaveGroup, 5, { groupId: "g1", memberId: "", members: [{ memberId, groupInstanceId: null, reason: "bye" }] }, 33);
    expect(left.errorCode).toBe(0);
    expect(left.members[0].errorCode).toBe(0);
    expect(tb.broker.context.groups.coordinator.get("g1")?.state).toBe("Empty");
    c.close();
  });

  test("v0 (no rebalance timeout) and a second member: the follower's sync waits for the leader's", async () => {
    const a = await RawClient.connect(tb.port);
    const b = await RawClient.connect(tb.port);
    const ja = await a.call(JoinGroup, 0, joinBody("g2", ""));
    expect(ja).toMatchObject({ errorCode: 0, generationId: 1 });
    await a.call(SyncGroup, 0, { groupId: "g2", generationId: 1, memberId: ja.memberId, assignments: [] }, 2);
    const jbPending = b.call(JoinGroup, 3, joinBody("g2", ""));
    const hb = await a.call(Heartbeat, 2, { groupId: "g2", generationId: 1, memberId: ja.memberId }, 3);
    expect(hb.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const ja2 = await a.call(JoinGroup, 0, joinBody("g2", ja.memberId), 4);
    const jb = await jbPending;
    expect(ja2.generationId).toBe(2);
    expect(jb.generationId).toBe(2);
    expect(ja2.members.length).toBe(2);
    const sbPending = b.call(SyncGroup, 3, { groupId: "g2", generationId: 2, memberId: jb.memberId, groupInstanceId: null, assignments: [] }, 2);
    await Bun.sleep(20);
    expect(b.frames.length).toBe(1); // the follower's SyncGroup is still waiting
    await a.call(SyncGroup, 3, { groupId: "g2", generationId: 2, memberId: ja.memberId, groupInstanceId: null, assignments: [{ memberId: jb.memberId, assignment: enc.encode("B") }] }, 5);
    expect(new TextDecoder().decode((await sbPending).assignment)).toBe("B");
    // LeaveGroup v0 names one member.
    expect((await b.call(LeaveGroup, 0, { groupId: "g2", memberId: jb.memberId, members: [] }, 3)).errorCode).toBe(0);
    expect((await b.call(LeaveGroup, 1, { groupId: "g2", memberId: jb.memberId, members: [] }, 4)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    a.close();
    b.close();
  });

  test("static members: a restart with the same group.instance.id fences the old member id without a rebalance", async () => {
    const c = await RawClient.connect(tb.port);
    const body = (memberId: string) => joinBody("g3", memberId, { groupInstanceId: "host-1" });
    const j = await c.call(JoinGroup, 7, body(""));
    expect(j.errorCode).toBe(0); // static members get their id at once
    await c.call(SyncGroup, 4, { groupId: "g3", generationId: j.generationId, memberId: j.memberId, groupInstanceId: "host-1", assignments: [{ memberId: j.memberId, assignment: enc.encode("S") }] }, 2);
    const again = await c.call(JoinGroup, 7, body(""), 3);
    expect(again).toMatchObject({ errorCode: 0, generationId: j.generationId });
    expect(again.memberId).not.toBe(j.memberId);
    expect(tb.broker.context.groups.coordinator.get("g3")?.state).toBe("Stable");
    expect((await c.call(Heartbeat, 3, { groupId: "g3", generationId: j.generationId, memberId: j.memberId, groupInstanceId: "host-1" }, 4)).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const s = await c.call(SyncGroup, 4, { groupId: "g3", generationId: j.generationId, memberId: again.memberId, groupInstanceId: "host-1", assignments: [] }, 5);
    expect(new TextDecoder().decode(s.assignment)).toBe("S");
    // LeaveGroup v3+ by instance id.
    const left = await c.call(LeaveGroup, 4, { groupId: "g3", memberId: "", members: [{ memberId: "", groupInstanceId: "host-1", reason: null }] }, 6);
    expect(left.members[0].errorCode).toBe(0);
    c.close();
  });

  test("a lone member re-joining with a changed subscription, or as leader, or as a restarted static member, is answered at once", async () => {
    // The rebalance timeout is 5 minutes: a join that waited for it would leave RawClient.call with
    // no answer (it gives up after 5 s). Each re-join is the last join its group waits for.
    const c = await RawClient.connect(tb.port);
    const long = { rebalanceTimeoutMs: 300_000 };
    const sub = (topics: string[]) => ({ ...long, protocols: [{ name: "range", metadata: subscription(topics) }] });
    let cid = 1;
    const stable = async (groupId: string, extra: Record<string, unknown> = {}) => {
      let j = await c.call(JoinGroup, 7, joinBody(groupId, "", { ...sub(["orders"]), ...extra }), cid++);
      if (j.errorCode === ErrorCode.MEMBER_ID_REQUIRED) j = await c.call(JoinGroup, 7, joinBody(groupId, j.memberId, { ...sub(["orders"]), ...extra }), cid++);
      expect(j.errorCode).toBe(0);
      const s = await c.call(SyncGroup, 5, { groupId, generationId: j.generationId, memberId: j.memberId, groupInstanceId: extra.groupInstanceId ?? null, protocolType: "consumer", protocolName: "range", assignments: [{ memberId: j.memberId, assignment: enc.encode("A") }] }, cid++);
      expect(s.errorCode).toBe(0);
      return j;
    };
    // A regex subscription that picks up a new topic (or loses a deleted one): the subscription changes.
    const a = await stable("rejoin-changed");
    const a2 = await c.call(JoinGroup, 7, joinBody("rejoin-changed", a.memberId, sub(["orders", "orders-new"])), cid++);
    expect(a2).toMatchObject({ errorCode: 0, generationId: a.generationId + 1, leader: a.memberId });
    expect(a2.members.length).toBe(1);
    // Partitions added: the subscription is the same, the leader re-joins to reassign.
    const b = await stable("rejoin-leader");
    const b2 = await c.call(JoinGroup, 7, joinBody("rejoin-leader", b.memberId, sub(["orders"])), cid++);
    expect(b2).toMatchObject({ errorCode: 0, generationId: b.generationId + 1 });
    // A static member restarted with a changed subscription (unknown member id, same instance id).
    const s = await stable("rejoin-static", { groupInstanceId: "host-s" });
    const s2 = await c.call(JoinGroup, 7, joinBody("rejoin-static", "", { ...sub(["orders", "orders-new"]), groupInstanceId: "host-s" }), cid++);
    expect(s2).toMatchObject({ errorCode: 0, generationId: s.generationId + 1 });
    expect(s2.memberId).not.toBe(s.memberId);
    // Waiting for SyncGroup (CompletingRebalance) when the subscription changes.
    const d = await c.call(JoinGroup, 5, joinBody("rejoin-completing", "", sub(["orders"])), cid++);
    expect(d.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const d1 = await c.call(JoinGroup, 5, joinBody("rejoin-completing", d.memberId, sub(["orders"])), cid++);
    expect(d1.errorCode).toBe(0);
    expect(tb.broker.context.groups.coordinator.get("rejoin-completing")?.state).toBe("CompletingRebalance");
    const d2 = await c.call(JoinGroup, 7, joinBody("rejoin-completing", d.memberId, sub(["orders-new"])), cid++);
    expect(d2).toMatchObject({ errorCode: 0, generationId: d1.generationId + 1 });
    c.close();
  });

  test("bad session timeout and inconsistent protocols are refused", async () => {
    const c = await RawClient.connect(tb.port);
    expect((await c.call(JoinGroup, 5, joinBody("g4", "", { sessionTimeoutMs: 10 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await c.call(JoinGroup, 5, joinBody("g4", "", { protocols: [] }), 2)).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await c.call(JoinGroup, 5, joinBody("", ""), 3)).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await c.call(Heartbeat, 1, { groupId: "g4", generationId: 1, memberId: "x" }, 4)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    c.close();
  });
});

describe("ListGroups, DescribeGroups, DeleteGroups, OffsetDelete", () => {
  test("an admin view of groups, then deleting offsets and groups", async () => {
    const member = await RawClient.connect(tb.port);
    const admin = await RawClient.connect(tb.port);
    // An active consumer group subscribed to "orders", and a simple-consumer group with offsets only.
    const j = await member.call(JoinGroup, 3, joinBody("active", ""));
    await member.call(SyncGroup, 3, { groupId: "active", generationId: j.generationId, memberId: j.memberId, groupInstanceId: null, assignments: [{ memberId: j.memberId, assignment: enc.encode("X") }] }, 2);
    const simple = await admin.call(OffsetCommit, 8, commitBody("simple", "", -1, 7n));
    expect(simple.topics[0].partitions[0].errorCode).toBe(0);

    const all = await admin.call(ListGroups, 5, { statesFilter: [], typesFilter: [] }, 2);
    const byId = Object.fromEntries(all.groups.map((g: any) => [g.groupId, g]));
    expect(byId.active).toMatchObject({ protocolType: "consumer", groupState: "Stable", groupType: "classic" });
    expect(byId.simple).toMatchObject({ protocolType: "", groupState: "Empty" });
    const stable = await admin.call(ListGroups, 4, { statesFilter: ["stable"], typesFilter: [] }, 3);
    expect(stable.groups.map((g: any) => g.groupId)).toContain("active");
    expect(stable.groups.map((g: any) => g.groupId)).not.toContain("simple");
    expect((await admin.call(ListGroups, 0, {}, 4)).groups.length).toBe(all.groups.length);

    const d = await admin.call(DescribeGroups, 5, { groups: ["active", "missing"], includeAuthorizedOperations: true }, 5);
    expect(d.groups[0]).toMatchObject({ errorCode: 0, groupId: "active", groupState: "Stable", protocolType: "consumer", protocolData: "range" });
    expect(d.groups[0].members[0]).toMatchObject({ memberId: j.memberId, clientId: "takhin-test", clientHost: "/127.0.0.1" });
    expect(new TextDecoder().decode(d.groups[0].members[0].memberAssignment)).toBe("X");
    expect(d.groups[0].authorizedOperations).toBeGreaterThan(0);
    expect(d.groups[1]).toMatchObject({ errorCode: 0, groupState: "Dead", members: [] });

    // OffsetDelete: refused for a topic the active group subscribes to; fine for the simple group.
    await member.call(OffsetCommit, 8, commitBody("active", j.memberId, j.generationId, 3n), 3);
    const od = await admin.call(OffsetDelete, 0, { groupId: "active", topics: [{ name: "orders", partitions: [{ partitionIndex: 0 }] }] }, 6);
    expect(od.errorCode).toBe(0);
    expect(od.topics[0].partitions[0].errorCode).toBe(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
    const od2 = await admin.call(OffsetDelete, 0, { groupId: "simple", topics: [{ name: "orders", partitions: [{ partitionIndex: 0 }] }] }, 7);
    expect(od2.topics[0].partitions[0].errorCode).toBe(0);
    // As Kafka: partitions of topics the cluster lacks, or beyond a topic's count, are UNKNOWN_TOPIC_OR_PARTITION.
    const od3 = await admin.call(OffsetDelete, 0, { groupId: "active", topics: [{ name: "orders", partitions: [{ partitionIndex: 99 }] }, { name: "no-such-topic", partitions: [{ partitionIndex: 0 }] }] }, 11);
    expect(od3.topics.map((t: any) => t.partitions[0].errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(await fetchOffset(admin, "simple")).toBe(-1n);
    expect((await admin.call(OffsetDelete, 0, { groupId: "nobody", topics: [] }, 8)).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);

    // DeleteGroups: a group with members is NON_EMPTY_GROUP; once it left, it goes with its offsets.
    const del = await admin.call(DeleteGroups, 2, { groupsNames: ["active", "nobody"] }, 9);
    expect(del.results.map((r: any) => r.errorCode)).toEqual([ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND]);
    await member.call(LeaveGroup, 2, { groupId: "active", memberId: j.memberId, members: [] }, 4);
    const del2 = await admin.call(DeleteGroups, 0, { groupsNames: ["active"] }, 10);
    expect(del2.results[0].errorCode).toBe(0);
    expect(await fetchOffset(admin, "active")).toBe(-1n);
    member.close();
    admin.close();
  });
});

describe("durability", () => {
  test("committed offsets and metadata survive a clean restart; deleted ones stay deleted", async () => {
    const dir = tempDir("takhin-groups-restart-");
    let b = await startGroupBroker({ initialRebalanceDelayMs: 0 }, dir);
    b.broker.context.topics.create("orders", 4);
    let c = await RawClient.connect(b.port);
    expect((await c.call(OffsetCommit, 8, commitBody("keep", "", -1, 42n))).topics[0].partitions[0].errorCode).toBe(0);
    await c.call(OffsetCommit, 8, commitBody("gone", "", -1, 5n), 2);
    await c.call(DeleteGroups, 2, { groupsNames: ["gone"] }, 3);
    const j = await c.call(JoinGroup, 3, joinBody("members", ""), 4);
    await c.call(SyncGroup, 3, { groupId: "members", generationId: j.generationId, memberId: j.memberId, groupInstanceId: null, assignments: [] }, 5);
    c.close();
    await b.stop();
    b = await startGroupBroker({ initialRebalanceDelayMs: 0 }, dir);
    try {
      c = await RawClient.connect(b.port);
      expect(await fetchOffset(c, "keep")).toBe(42n);
      const r = await c.call(OffsetFetch, 7, { groupId: "keep", topics: [{ name: "orders", partitionIndexes: [0] }], requireStable: false }, 2);
      expect(r.topics[0].partitions[0]).toMatchObject({ metadata: "meta", committedLeaderEpoch: 0 });
      expect(await fetchOffset(c, "gone")).toBe(-1n);
      // The member of the stored generation is still known (its session restarted with the broker).
      const g = b.broker.context.groups.coordinator.get("members");
      expect(g?.generationId).toBe(j.generationId);
      expect((await c.call(Heartbeat, 3, { groupId: "members", generationId: j.generationId, memberId: j.memberId, groupInstanceId: null }, 3)).errorCode).toBe(0);
      c.close();
    } finally {
      await b.stop();
      removeDir(dir);
    }
  });

  test("committed offsets survive SIGKILL of a broker process", async () => {
    const dir = tempDir("takhin-groups-kill-");
    let broker = await spawnBroker(dir);
    try {
      let c = await RawClient.connect(broker.port);
      const { CreateTopics } = await import("../../src/protocol/messages/create-topics.ts");
      await c.call(CreateTopics, 5, { topics: [{ name: "orders", numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
      for (let i = 1; i <= 20; i++) {
        const r = await c.call(OffsetCommit, 8, commitBody("survivor", "", -1, BigInt(i * 10)), 1 + i);
        expect(r.topics[0].partitions[0].errorCode).toBe(0);
      }
      c.close();
      await broker.kill();
      broker = await spawnBroker(dir);
      c = await RawClient.connect(broker.port);
      expect(await fetchOffset(c, "survivor")).toBe(200n);
      c.close();
    } finally {
      await broker.kill();
      removeDir(dir);
    }
  }, 30_000);
});

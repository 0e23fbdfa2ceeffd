/**
 * Failed writes to __consumer_offsets, over real sockets on a real broker: the append of the
 * group's __consumer_offsets partition is made to fail at the storage seam (the partition log's
 * `append` throws, as a failing disk would; the one mock this suite needs, since a real EIO cannot
 * be produced on demand). Every failure must reach the client as Kafka's coordinator error
 * (KAFKA_STORAGE_ERROR -> NOT_COORDINATOR), leave memory as it was (nothing half-applied), and be
 * logged with its group, member and partitions. A failed write of a group's assignment answers the
 * waiting SyncGroups and rebalances the group (as Kafka); a static member's replacement that cannot
 * be stored is undone. Then the pure coordinator with a store answering each append error, for the
 * whole mapping.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DeleteGroups } from "../../src/protocol/messages/delete-groups.ts";
import { JoinGroup } from "../../src/protocol/messages/join-group.ts";
import { OffsetCommit } from "../../src/protocol/messages/offset-commit.ts";
import { OffsetDelete } from "../../src/protocol/messages/offset-delete.ts";
import { OffsetFetch } from "../../src/protocol/messages/offset-fetch.ts";
import { SyncGroup } from "../../src/protocol/messages/sync-group.ts";
import { IncrementalAlterConfigs } from "../../src/protocol/messages/incremental-alter-configs.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { OFFSETS_TOPIC } from "../../src/coordinator/group-config.ts";
import { GroupCoordinator, STORED, coordinatorErrorFor, type GroupStore, type StoreResult } from "../../src/coordinator/group-coordinator.ts";
import { RawClient, removeDir, type TestBroker } from "../helpers/broker.ts";
import { startGroupBroker } from "../clients/scripts/groups-harness.ts";

let tb: TestBroker;
beforeAll(async () => {
  tb = await startGroupBroker({ initialRebalanceDelayMs: 0 });
  tb.broker.context.topics.create("faults", 2);
});
afterAll(async () => {
  await tb.stop();
  removeDir(tb.dataDir);
});

/** Makes the group's __consumer_offsets partition log refuse appends until the returned function is called. */
function failAppends(groupId: string): { restore: () => void; attempts: () => number } {
  const ctx = tb.broker.context;
  ctx.groups.ensureTopic();
  const log = ctx.partitions.get(OFFSETS_TOPIC, ctx.groups.partitionFor(groupId))!.log;
  const original = log.append;
  let attempts = 0;
  log.append = () => {
    attempts++;
    throw new Error("injected EIO: write failed");
  };
  return { restore: () => void (log.append = original), attempts: () => attempts };
}

function commitBody(groupId: string, memberId: string, generation: number, offset: bigint) {
  return {
    groupId,
    generationIdOrMemberEpoch: generation,
    memberId,
    groupInstanceId: null,
    retentionTimeMs: -1n,
    topics: [{ name: "faults", partitions: [0, 1].map((p) => ({ partitionIndex: p, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null })) }],
  };
}

async function committed(c: RawClient, groupId: string): Promise<bigint[]> {
  const r = await c.call(OffsetFetch, 7, { groupId, topics: [{ name: "faults", partitionIndexes: [0, 1] }], groups: [], requireStable: false }, 99);
  return r.topics[0].partitions.map((p: any) => p.committedOffset);
}

const logged = (msg: string) => tb.logs.filter((l) => l.includes(msg));

describe("a failed append to __consumer_offsets answers the client and is logged", () => {
  test("OffsetCommit: NOT_COORDINATOR for every partition, the old offsets stay, the failure is logged with group, member and partitions", async () => {
    const c = await RawClient.connect(tb.port);
    const group = "fault-commit";
    let j = await c.call(JoinGroup, 5, { groupId: group, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 10_000, memberId: "", groupInstanceId: null, protocolType: "consumer", protocols: [{ name: "range", metadata: new Uint8Array([0, 0, 0, 0, 0, 0, 255, 255, 255, 255]) }], reason: null }, 1);
    j = await c.call(JoinGroup, 5, { groupId: group, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 10_000, memberId: j.memberId, groupInstanceId: null, protocolType: "consumer", protocols: [{ name: "range", metadata: new Uint8Array([0, 0, 0, 0, 0, 0, 255, 255, 255, 255]) }], reason: null }, 2);
    expect(j.errorCode).toBe(0);
    expect((await c.call(SyncGroup, 5, { groupId: group, generationId: j.generationId, memberId: j.memberId, groupInstanceId: null, protocolType: "consumer", protocolName: "range", assignments: [] }, 3)).errorCode).toBe(0);
    const ok = await c.call(OffsetCommit, 8, commitBody(group, j.memberId, j.generationId, 5n), 4);
    expect(ok.topics[0].partitions.map((p: any) => p.errorCode)).toEqual([0, 0]);

    const fault = failAppends(group);
    try {
      const failed = await c.call(OffsetCommit, 8, commitBody(group, j.memberId, j.generationId, 6n), 5);
      expect(failed.topics[0].partitions.map((p: any) => p.errorCode)).toEqual([ErrorCode.NOT_COORDINATOR, ErrorCode.NOT_COORDINATOR]);
      expect(fault.attempts()).toBe(1);
      expect(await committed(c, group)).toEqual([5n, 5n]);
      const lines = logged("storing committed offsets failed");
      expect(lines.length).toBe(1);
      for (const field of [`group=${group}`, `member=${j.memberId}`, "faults-0", "faults-1", "appendError=KAFKA_STORAGE_ERROR", "answered=NOT_COORDINATOR", "injected EIO"]) expect(lines[0]).toContain(field);
    } finally {
      fault.restore();
    }
    // The log takes appends again: the client's retry is stored.
    const retry = await c.call(OffsetCommit, 8, commitBody(group, j.memberId, j.generationId, 6n), 6);
    expect(retry.topics[0].partitions.map((p: any) => p.errorCode)).toEqual([0, 0]);
    expect(await committed(c, group)).toEqual([6n, 6n]);
    c.close();
  });

  test("OffsetDelete and DeleteGroups: the error is answered, offsets and group stay; retention expiry retries at the next sweep", async () => {
    const c = await RawClient.connect(tb.port);
    const group = "fault-admin";
    expect((await c.call(OffsetCommit, 8, commitBody(group, "", -1, 3n), 1)).topics[0].partitions[0].errorCode).toBe(0);
    const fault = failAppends(group);
    try {
      const del = await c.call(OffsetDelete, 0, { groupId: group, topics: [{ name: "faults", partitions: [{ partitionIndex: 0 }] }] }, 2);
      expect(del.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
      const dg = await c.call(DeleteGroups, 2, { groupsNames: [group] }, 3);
      expect(dg.results[0]).toMatchObject({ groupId: group, errorCode: ErrorCode.NOT_COORDINATOR });
      expect(await committed(c, group)).toEqual([3n, 3n]);
      expect(tb.broker.context.groups.describeGroup(group).groupState).toBe("Empty");
      // An expiry that cannot be written keeps the offsets (and says so).
      const far = Date.now() + 365 * 24 * 3600 * 1000;
      expect(tb.broker.context.groups.expireOffsets(far)).toBe(0);
      expect(await committed(c, group)).toEqual([3n, 3n]);
      expect(logged("deleting committed offsets failed").some((l) => l.includes(`group=${group}`) && l.includes("faults-0"))).toBe(true);
      expect(logged("deleting group failed").some((l) => l.includes(`group=${group}`))).toBe(true);
      expect(logged("expiring committed offsets failed").some((l) => l.includes(`group=${group}`))).toBe(true);
    } finally {
      fault.restore();
    }
    const dg = await c.call(DeleteGroups, 2, { groupsNames: [group] }, 4);
    expect(dg.results[0].errorCode).toBe(0);
    expect(await committed(c, group)).toEqual([-1n, -1n]);
    c.close();
  });
});

describe("a failed write of group metadata", () => {
  test("SyncGroup over a socket: the leader hears NOT_COORDINATOR and the group rebalances; after the fault the group becomes Stable", async () => {
    const c = await RawClient.connect(tb.port);
    const group = "fault-sync";
    const body = (memberId: string) => ({ groupId: group, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: null, protocolType: "consumer", protocols: [{ name: "range", metadata: new Uint8Array([0, 0, 0, 0, 0, 0, 255, 255, 255, 255]) }], reason: null });
    const first = await c.call(JoinGroup, 5, body(""), 1);
    const j = await c.call(JoinGroup, 5, body(first.memberId), 2);
    const syncBody = (generationId: number) => ({ groupId: group, generationId, memberId: j.memberId, groupInstanceId: null, protocolType: "consumer", protocolName: "range", assignments: [{ memberId: j.memberId, assignment: new Uint8Array([1]) }] });
    const fault = failAppends(group);
    try {
      const s = await c.call(SyncGroup, 5, syncBody(j.generationId), 3);
      expect(s.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
      expect(tb.broker.context.groups.describeGroup(group).groupState).not.toBe("Stable");
      expect(logged("storing group metadata failed").some((l) => l.includes(`group=${group}`) && l.includes("answered=NOT_COORDINATOR"))).toBe(true);
    } finally {
      fault.restore();
    }
    const again = await c.call(JoinGroup, 5, body(j.memberId), 4);
    expect(again).toMatchObject({ errorCode: 0, generationId: j.generationId + 1 });
    const s = await c.call(SyncGroup, 5, syncBody(again.generationId), 5);
    expect(s.errorCode).toBe(0);
    expect(tb.broker.context.groups.describeGroup(group).groupState).toBe("Stable");
    c.close();
  });

  test("in the coordinator: every waiting SyncGroup hears the error; a static replacement that cannot be stored is undone", () => {
    let groupWrite: StoreResult = STORED;
    const store: GroupStore = { offsetsCommitted: () => STORED, txnOffsetsCommitted: () => STORED, offsetsDeleted: () => STORED, groupChanged: () => groupWrite, groupDeleted: () => STORED };
    let n = 0;
    const c = new GroupCoordinator({ minSessionTimeoutMs: 1000, initialRebalanceDelayMs: 100 }, store, (p) => `${p}-${++n}`);
    const req = (memberId: string, groupInstanceId: string | null = null) => ({
      memberId, groupInstanceId, clientId: "c", clientHost: "/127.0.0.1", sessionTimeoutMs: 6000, rebalanceTimeoutMs: 10_000,
      protocolType: "consumer", protocols: [{ name: "range", metadata: new Uint8Array([7]) }], requireKnownMemberId: false, supportsSkipAssignment: false,
    });
    const joined: string[] = [];
    c.join("g", req("", "static-a"), 0, (r) => joined.push(r.memberId));
    c.join("g", req(""), 0, (r) => joined.push(r.memberId));
    c.tick(100);
    const g = c.get("g")!;
    const [a, b] = joined as [string, string];
    const leader = g.leaderId!;
    const follower = leader === a ? b : a;
    const answers: number[] = [];
    const syncReq = (memberId: string) => ({ memberId, groupInstanceId: memberId === a ? "static-a" : null, generationId: g.generationId, protocolType: null, protocolName: null, assignments: [{ memberId: a, assignment: new Uint8Array([1]) }, { memberId: b, assignment: new Uint8Array([2]) }] });
    c.sync("g", syncReq(follower), 100, (r) => answers.push(r.errorCode));
    groupWrite = { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, errorMessage: "injected" };
    c.sync("g", syncReq(leader), 100, (r) => answers.push(r.errorCode));
    expect(answers).toEqual([ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_NOT_AVAILABLE]);
    expect(g.state).toBe("PreparingRebalance");
    for (const m of g.members.values()) expect(m.assignment.length).toBe(0);
    // Both re-join and sync with the store working again: Stable.
    groupWrite = STORED;
    const gen: number[] = [];
    c.join("g", req(a, "static-a"), 200, (r) => gen.push(r.generationId));
    c.join("g", req(b), 200, (r) => gen.push(r.generationId));
    expect(g.state).toBe("CompletingRebalance");
    c.sync("g", { ...syncReq(g.leaderId!), generationId: g.generationId }, 200, () => {});
    expect(g.state).toBe("Stable");
    // The static member restarts (unknown member id, same instance, same subscription) while the write fails.
    groupWrite = { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: "injected" };
    let restart: number | undefined;
    c.join("g", req("", "static-a"), 300, (r) => (restart = r.errorCode));
    expect(restart).toBe(ErrorCode.NOT_COORDINATOR);
    expect(g.staticMembers.get("static-a")).toBe(a);
    expect(c.heartbeat("g", a, "static-a", g.generationId, 301)).toBe(ErrorCode.NONE);
    expect(g.state).toBe("Stable");
    expect(g.members.size).toBe(2);
  });
});

describe("writes bounded by __consumer_offsets' max.message.bytes", () => {
  test("a commit over it is refused whole (UNKNOWN_SERVER_ERROR, as Kafka); a group whose tombstones need several batches is deleted, also across a restart", async () => {
    const own = await startGroupBroker({ initialRebalanceDelayMs: 0 });
    try {
      const PARTS = 64;
      own.broker.context.topics.create("wide", PARTS);
      const c = await RawClient.connect(own.port);
      own.broker.context.groups.ensureTopic();
      const alter = await c.call(IncrementalAlterConfigs, 1, { resources: [{ resourceType: 2, resourceName: OFFSETS_TOPIC, configs: [{ name: "max.message.bytes", configOperation: 0, value: "1024" }] }], validateOnly: false }, 1);
      expect(alter.responses[0].errorCode).toBe(0);
      const commit = (parts: number[], cid: number) =>
        c.call(OffsetCommit, 8, { groupId: "wide-group", generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: "wide", partitions: parts.map((p) => ({ partitionIndex: p, committedOffset: BigInt(p), committedLeaderEpoch: -1, committedMetadata: null })) }] }, cid);
      const fetchAll = async (cid: number, client = c) => {
        const r = await client.call(OffsetFetch, 7, { groupId: "wide-group", topics: [{ name: "wide", partitionIndexes: [...Array(PARTS).keys()] }], groups: [], requireStable: false }, cid);
        return r.topics[0].partitions.map((p: any) => p.committedOffset);
      };
      // One commit of every partition does not fit one batch: refused whole, nothing stored.
      const tooLarge = await commit([...Array(PARTS).keys()], 2);
      expect(new Set(tooLarge.topics[0].partitions.map((p: any) => p.errorCode))).toEqual(new Set([ErrorCode.UNKNOWN_SERVER_ERROR]));
      expect((await fetchAll(3)).every((o: bigint) => o === -1n)).toBe(true);
      // Eight at a time fit.
      for (let i = 0; i < PARTS; i += 8) {
        const r = await commit([...Array(8).keys()].map((k) => i + k), 10 + i);
        expect(r.topics[0].partitions.every((p: any) => p.errorCode === 0)).toBe(true);
      }
      expect(await fetchAll(100)).toEqual([...Array(PARTS).keys()].map(BigInt));
      const offsetsLog = own.broker.context.partitions.get(OFFSETS_TOPIC, own.broker.context.groups.partitionFor("wide-group"))!;
      const before = offsetsLog.logEndOffset;
      const dg = await c.call(DeleteGroups, 2, { groupsNames: ["wide-group"] }, 101);
      expect(dg.results[0].errorCode).toBe(0);
      expect(offsetsLog.logEndOffset - before).toBe(PARTS + 1); // a tombstone per offset and one for the group
      expect((await fetchAll(102)).every((o: bigint) => o === -1n)).toBe(true);
      c.close();
      // The tombstones, spread over several batches, are what a restart reads back.
      await own.stop();
      const again = await startGroupBroker({ initialRebalanceDelayMs: 0 }, own.dataDir);
      try {
        const c2 = await RawClient.connect(again.port);
        expect((await fetchAll(1, c2)).every((o: bigint) => o === -1n)).toBe(true);
        expect(again.broker.context.groups.describeGroup("wide-group").groupState).toBe("Dead");
        c2.close();
      } finally {
        await again.stop();
      }
    } finally {
      await own.stop().catch(() => {});
      removeDir(own.dataDir);
    }
  }, 60_000);
});

describe("append errors map to Kafka's coordinator errors", () => {
  test("each append error reaches the committer as the mapped code; nothing is applied; a store that throws is UNKNOWN_SERVER_ERROR", () => {
    const cases: [number, number][] = [
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      [ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      [ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      [ErrorCode.REQUEST_TIMED_OUT, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_COORDINATOR],
      [ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.NOT_COORDINATOR],
      [ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.UNKNOWN_SERVER_ERROR],
      [ErrorCode.RECORD_LIST_TOO_LARGE, ErrorCode.UNKNOWN_SERVER_ERROR],
      [ErrorCode.INVALID_FETCH_SIZE, ErrorCode.UNKNOWN_SERVER_ERROR],
      [ErrorCode.CORRUPT_MESSAGE, ErrorCode.CORRUPT_MESSAGE],
    ];
    for (const [appendError, expected] of cases) {
      expect(coordinatorErrorFor(appendError)).toBe(expected);
      let answer: StoreResult = { errorCode: appendError, errorMessage: "refused" };
      const store: GroupStore = { offsetsCommitted: () => answer, txnOffsetsCommitted: () => answer, offsetsDeleted: () => STORED, groupChanged: () => STORED, groupDeleted: () => STORED };
      const lines: string[] = [];
      const log = { debug() {}, info() {}, warn() {}, error: (m: string, f?: Record<string, unknown>) => void lines.push(`${m} ${JSON.stringify(f)}`), child: () => log };
      const c = new GroupCoordinator({}, store, undefined, log);
      const commit = () => c.commit({ groupId: "g", memberId: "", groupInstanceId: null, generationId: -1, retentionTimeMs: -1, topics: [{ name: "t", partitions: [{ partition: 3, offset: 1n, leaderEpoch: -1, metadata: null }] }] }, 0);
      expect(commit()[0]!.partitions[0]!.errorCode).toBe(expected);
      expect(c.offsets.get("g", "t", 3)).toBeUndefined();
      expect(lines.length).toBe(1);
      expect(lines[0]).toContain('"group":"g"');
      expect(lines[0]).toContain("t-3");
      answer = STORED;
      expect(commit()[0]!.partitions[0]!.errorCode).toBe(0);
      expect(c.offsets.get("g", "t", 3)?.offset).toBe(1n);
    }
    const throwing: GroupStore = { offsetsCommitted: () => { throw new Error("boom"); }, txnOffsetsCommitted: () => STORED, offsetsDeleted: () => STORED, groupChanged: () => STORED, groupDeleted: () => STORED };
    const c = new GroupCoordinator({}, throwing);
    expect(c.commit({ groupId: "g", memberId: "", groupInstanceId: null, generationId: -1, retentionTimeMs: -1, topics: [{ name: "t", partitions: [{ partition: 0, offset: 1n, leaderEpoch: -1, metadata: null }] }] }, 0)[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
  });
});

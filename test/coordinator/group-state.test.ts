/**
 * The group state machine driven directly (no sockets, a fake clock): the rebalance paths one by
 * one, then fast-check command sequences (join, sync, heartbeat, leave, commit, static restart,
 * clock advance) over several clients with the coordinator's invariants checked after each step.
 * The store can be made to fail (a storeFault command): a refused commit is never answered as stored
 * and a group becomes Stable only once its assignment is stored.
 * Runs: TAKHIN_PROPERTY_RUNS (default 150); fast-check prints the seed and path of a failure.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { GroupCoordinator, STORED, type GroupStore, type StoreResult } from "../../src/coordinator/group-coordinator.ts";
import type { Group, JoinRequest, JoinResult, SyncResult } from "../../src/coordinator/group-state.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";

const SESSION_MS = 10_000;
const REBALANCE_MS = 20_000;
const GROUP = "g";
const enc = new TextEncoder();
const dec = new TextDecoder();

function coordinator(initialDelayMs = 0, store?: GroupStore) {
  let n = 0;
  return new GroupCoordinator({ minSessionTimeoutMs: 1000, initialRebalanceDelayMs: initialDelayMs }, store, (p) => `${p}-${++n}`);
}

function joinReq(memberId: string, over: Partial<JoinRequest> = {}): JoinRequest {
  return {
    memberId,
    groupInstanceId: null,
    clientId: "c",
    clientHost: "/127.0.0.1",
    sessionTimeoutMs: SESSION_MS,
    rebalanceTimeoutMs: REBALANCE_MS,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: enc.encode("t") }],
    requireKnownMemberId: false,
    supportsSkipAssignment: false,
    ...over,
  };
}

class Box<T> {
  value: T | undefined;
  set = (v: T) => {
    this.value = v;
  };
}

function join(c: GroupCoordinator, req: JoinRequest, now: number): Box<JoinResult> {
  const b = new Box<JoinResult>();
  c.join(GROUP, req, now, b.set);
  return b;
}

function sync(c: GroupCoordinator, memberId: string, gen: number, now: number, assignments: { memberId: string; assignment: Uint8Array }[] = []): Box<SyncResult> {
  const b = new Box<SyncResult>();
  c.sync(GROUP, { memberId, groupInstanceId: null, generationId: gen, protocolType: null, protocolName: null, assignments }, now, b.set);
  return b;
}

describe("group state machine: paths", () => {
  test("v4+ join gets MEMBER_ID_REQUIRED, then joins with the id; a lone member leads and syncs to Stable", () => {
    const c = coordinator();
    const first = join(c, joinReq("", { requireKnownMemberId: true }), 0).value!;
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).not.toBe("");
    const second = join(c, joinReq(first.memberId), 1).value!;
    expect(second).toMatchObject({ errorCode: 0, generationId: 1, leader: first.memberId, protocolName: "range" });
    expect(second.members.map((m) => m.memberId)).toEqual([first.memberId]);
    expect(c.get(GROUP)!.state).toBe("CompletingRebalance");
    const s = sync(c, first.memberId, 1, 2, [{ memberId: first.memberId, assignment: enc.encode("p0") }]).value!;
    expect(s.errorCode).toBe(0);
    expect(dec.decode(s.assignment)).toBe("p0");
    expect(c.get(GROUP)!.state).toBe("Stable");
  });

  test("a second member makes the group rebalance; the join completes when both have joined", () => {
    const c = coordinator();
    const a = join(c, joinReq(""), 0).value!;
    sync(c, a.memberId, 1, 0, [{ memberId: a.memberId, assignment: enc.encode("all") }]);
    const b = join(c, joinReq(""), 10);
    expect(b.value).toBeUndefined();
    expect(c.heartbeat(GROUP, a.memberId, null, 1, 11)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const a2 = join(c, joinReq(a.memberId), 12).value!;
    expect(a2.generationId).toBe(2);
    expect(b.value!.generationId).toBe(2);
    expect(a2.leader).toBe(a.memberId);
    expect(a2.members.length).toBe(2);
    expect(b.value!.members.length).toBe(0);
    // The follower's sync waits for the leader's.
    const fs = sync(c, b.value!.memberId, 2, 13);
    expect(fs.value).toBeUndefined();
    sync(c, a.memberId, 2, 14, [
      { memberId: a.memberId, assignment: enc.encode("p0") },
      { memberId: b.value!.memberId, assignment: enc.encode("p1") },
    ]);
    expect(dec.decode(fs.value!.assignment)).toBe("p1");
    // A stale generation is fenced.
    expect(c.heartbeat(GROUP, a.memberId, null, 1, 15)).toBe(ErrorCode.ILLEGAL_GENERATION);
  });

  test("a member whose session expires is removed and the rest rebalance", () => {
    const c = coordinator();
    const a = join(c, joinReq(""), 0).value!;
    sync(c, a.memberId, 1, 0);
    const b = join(c, joinReq(""), 1);
    join(c, joinReq(a.memberId), 1);
    const bId = b.value!.memberId;
    sync(c, bId, 2, 2);
    sync(c, a.memberId, 2, 2);
    expect(c.get(GROUP)!.state).toBe("Stable");
    // Only a heartbeats.
    for (let t = 3000; t <= 12_000; t += 3000) {
      c.heartbeat(GROUP, a.memberId, null, 2, t);
      c.tick(t);
    }
    expect(c.get(GROUP)!.members.has(bId)).toBe(false);
    expect(c.get(GROUP)!.state).toBe("PreparingRebalance");
    const a3 = join(c, joinReq(a.memberId), 12_001).value!;
    expect(a3.generationId).toBe(3);
  });

  test("the rebalance timeout removes members that did not rejoin", () => {
    const c = coordinator();
    const a = join(c, joinReq(""), 0).value!;
    const b = join(c, joinReq(""), 0);
    join(c, joinReq(a.memberId), 0);
    sync(c, a.memberId, 2, 0);
    sync(c, b.value!.memberId, 2, 0);
    join(c, joinReq(""), 100); // a third member triggers a rebalance
    const a2 = join(c, joinReq(a.memberId), 200);
    for (let t = 1000; t < REBALANCE_MS + 2000; t += 1000) {
      c.heartbeat(GROUP, b.value!.memberId, null, 2, t); // heartbeats but never rejoins
      c.tick(t);
    }
    expect(a2.value!.generationId).toBe(3);
    expect(c.get(GROUP)!.members.has(b.value!.memberId)).toBe(false);
  });

  test("a static member rejoining with an unknown id in a Stable group keeps its assignment without a rebalance", () => {
    const c = coordinator();
    const s = join(c, joinReq("", { groupInstanceId: "i1" }), 0).value!;
    sync(c, s.memberId, 1, 0, [{ memberId: s.memberId, assignment: enc.encode("mine") }]);
    const again = join(c, joinReq("", { groupInstanceId: "i1" }), 100).value!;
    expect(again.errorCode).toBe(0);
    expect(again.generationId).toBe(1);
    expect(again.memberId).not.toBe(s.memberId);
    expect(c.get(GROUP)!.state).toBe("Stable");
    // The old id is fenced; the new one gets the old assignment.
    expect(c.heartbeat(GROUP, s.memberId, "i1", 1, 101)).toBe(ErrorCode.FENCED_INSTANCE_ID);
    // A member naming an instance id no member has is UNKNOWN_MEMBER_ID, as in Kafka.
    expect(c.heartbeat(GROUP, again.memberId, "i9", 1, 101)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(dec.decode(sync(c, again.memberId, 1, 102).value!.assignment)).toBe("mine");
  });

  test("commits: members of the current generation only; generation -1 only while the group is empty", () => {
    const c = coordinator();
    const commit = (memberId: string, gen: number) =>
      c.commit({ groupId: GROUP, memberId, groupInstanceId: null, generationId: gen, retentionTimeMs: -1, topics: [{ name: "t", partitions: [{ partition: 0, offset: 5n, leaderEpoch: -1, metadata: "m" }] }] }, 0)[0]!.partitions[0]!.errorCode;
    expect(commit("", -1)).toBe(0);
    expect(c.fetchOffsets(GROUP, null)[0]!.partitions[0]!.entry!.metadata).toBe("m");
    const a = join(c, joinReq(""), 0).value!;
    expect(commit("", -1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(commit(a.memberId, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    sync(c, a.memberId, 1, 0);
    expect(commit(a.memberId, 1)).toBe(0);
    expect(commit(a.memberId, 0)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(commit("nobody", 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test("the initial rebalance delay gathers members that join within it into one generation", () => {
    const c = coordinator(300);
    const a = join(c, joinReq(""), 0);
    c.tick(100);
    const b = join(c, joinReq(""), 200);
    c.tick(400);
    expect(a.value).toBeUndefined();
    c.tick(500);
    expect(a.value!.generationId).toBe(1);
    expect(b.value!.generationId).toBe(1);
  });

  test("incompatible protocols and bad session timeouts are refused", () => {
    const c = coordinator();
    join(c, joinReq(""), 0);
    expect(join(c, joinReq("", { protocols: [{ name: "other", metadata: new Uint8Array() }] }), 0).value!.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(join(c, joinReq("", { protocolType: "connect" }), 0).value!.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(join(c, joinReq("", { sessionTimeoutMs: 10 }), 0).value!.errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
  });
});

// ------------------------------------------------------------------ properties

const PARTITIONS = 6;
const CLIENTS = 4;

interface Client {
  instanceId: string | null;
  memberId: string;
  generation: number;
  members: string[];
}

type Cmd =
  | { kind: "join"; c: number; v4: boolean }
  | { kind: "sync"; c: number }
  | { kind: "heartbeat"; c: number }
  | { kind: "leave"; c: number }
  | { kind: "commit"; c: number; stale: boolean }
  | { kind: "restart"; c: number }
  | { kind: "advance"; ms: number }
  | { kind: "storeFault"; failing: boolean };

const client = fc.integer({ min: 0, max: CLIENTS - 1 });
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("join" as const), c: client, v4: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("sync" as const), c: client }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("heartbeat" as const), c: client }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("leave" as const), c: client }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("commit" as const), c: client, stale: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("restart" as const), c: client }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 25_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("storeFault" as const), failing: fc.boolean() }) },
);

function encodeAssignment(parts: number[]): Uint8Array {
  return enc.encode(parts.join(","));
}
function decodeAssignment(b: Uint8Array): number[] {
  const s = dec.decode(b);
  return s === "" ? [] : s.split(",").map(Number);
}

/** Every member waits in JoinGroup and no member id handed out with MEMBER_ID_REQUIRED is outstanding. */
function everyMemberJoined(g: Group): boolean {
  return g.pendingMembers.size === 0 && [...g.members.values()].every((m) => m.joinWaiter !== null);
}

function runScenario(cmds: Cmd[], initialDelayMs: number): void {
  // Writes to the store fail while `failing` (a storeFault command): commits and group metadata are refused.
  let failing = false;
  const write = (): StoreResult => (failing ? { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: "injected" } : STORED);
  const c = coordinator(initialDelayMs, { offsetsCommitted: write, txnOffsetsCommitted: write, offsetsDeleted: write, groupChanged: write, groupDeleted: write });
  let now = 0;
  const clients: Client[] = Array.from({ length: CLIENTS }, (_, i) => ({ instanceId: i % 2 === 0 ? `static-${i}` : null, memberId: "", generation: -1, members: [] }));
  /** generation -> partition -> owner member id, from every successful SyncGroup answer. */
  const owners = new Map<number, Map<number, string>>();
  /** generation -> leader/protocol seen in successful JoinGroup answers. */
  const genInfo = new Map<number, string>();
  let lastGeneration = 0;
  let prevState: string | undefined;

  const group = () => c.get(GROUP);
  const checkInvariants = () => {
    const g = group();
    if (!g) return;
    expect(g.generationId).toBeGreaterThanOrEqual(lastGeneration);
    lastGeneration = g.generationId;
    if (g.state === "Stable") for (const m of g.members.values()) expect(m.assignedGeneration).toBe(g.generationId);
    if (g.state === "Empty") expect(g.members.size).toBe(0);
    for (const [instance, id] of g.staticMembers) expect(g.members.get(id)?.groupInstanceId).toBe(instance);
    // A group becomes Stable only when its assignment is stored.
    if (failing && g.state === "Stable") expect(prevState).toBe("Stable");
    prevState = g.state;
    // Nobody left to wait for: the join phase must have completed (only the initial delay may hold it).
    if (g.state === "PreparingRebalance" && g.initialDelayUntilMs === 0) expect(everyMemberJoined(g)).toBe(false);
  };

  const onJoin = (cl: Client) => (r: JoinResult) => {
    if (r.errorCode === ErrorCode.NONE) {
      // One generation at a time: every member of a generation hears the same protocol, and the leader is a member.
      const info = String(r.protocolName);
      expect(group()!.members.has(r.leader)).toBe(true);
      const seen = genInfo.get(r.generationId);
      if (seen !== undefined) expect(info).toBe(seen);
      genInfo.set(r.generationId, info);
      expect(r.generationId).toBe(group()!.generationId);
      cl.memberId = r.memberId;
      cl.generation = r.generationId;
      cl.members = r.members.map((m) => m.memberId);
    } else if (r.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      cl.memberId = r.memberId;
    } else if (r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || r.errorCode === ErrorCode.FENCED_INSTANCE_ID) {
      cl.memberId = "";
      cl.generation = -1;
    }
  };

  for (const cmd of cmds) {
    switch (cmd.kind) {
      case "join": {
        const cl = clients[cmd.c]!;
        c.join(GROUP, joinReq(cl.memberId, { groupInstanceId: cl.instanceId, requireKnownMemberId: cmd.v4, supportsSkipAssignment: true }), now, onJoin(cl));
        break;
      }
      case "sync": {
        const cl = clients[cmd.c]!;
        if (cl.generation < 0) break;
        const gen = cl.generation;
        const memberId = cl.memberId;
        // A static member keeps its partitions across a restart: its identity is the instance id.
        const ownerKey = cl.instanceId ?? memberId;
        const assignments = cl.members.map((id, i) => ({
          memberId: id,
          assignment: encodeAssignment([...Array(PARTITIONS).keys()].filter((p) => p % cl.members.length === i)),
        }));
        c.sync(GROUP, { memberId, groupInstanceId: cl.instanceId, generationId: gen, protocolType: "consumer", protocolName: "range", assignments }, now, (r) => {
          if (r.errorCode !== ErrorCode.NONE) return;
          expect(gen).toBe(group()!.generationId);
          let byPartition = owners.get(gen);
          if (!byPartition) owners.set(gen, (byPartition = new Map()));
          // Within a generation each partition belongs to at most one member.
          for (const p of decodeAssignment(r.assignment)) {
            const owner = byPartition.get(p);
            if (owner !== undefined) expect(owner).toBe(ownerKey);
            byPartition.set(p, ownerKey);
          }
        });
        break;
      }
      case "heartbeat": {
        const cl = clients[cmd.c]!;
        const err = c.heartbeat(GROUP, cl.memberId, cl.instanceId, cl.generation, now);
        if (err === ErrorCode.UNKNOWN_MEMBER_ID || err === ErrorCode.FENCED_INSTANCE_ID) {
          cl.memberId = "";
          cl.generation = -1;
        }
        break;
      }
      case "leave": {
        const cl = clients[cmd.c]!;
        c.leave(GROUP, [{ memberId: cl.memberId, groupInstanceId: cl.instanceId }], now);
        cl.memberId = "";
        cl.generation = -1;
        break;
      }
      case "commit": {
        const cl = clients[cmd.c]!;
        const gen = cmd.stale ? cl.generation - 1 : cl.generation;
        const g = group();
        const before = g ? { generation: g.generationId, isMember: g.members.has(cl.memberId), state: g.state, size: g.members.size } : null;
        const r = c.commit({ groupId: GROUP, memberId: cl.memberId, groupInstanceId: cl.instanceId, generationId: gen, retentionTimeMs: -1, topics: [{ name: "t", partitions: [{ partition: 0, offset: BigInt(now), leaderEpoch: -1, metadata: null }] }] }, now);
        const err = r[0]!.partitions[0]!.errorCode;
        // A commit the store refuses is never answered as stored.
        if (failing) expect(err).not.toBe(ErrorCode.NONE);
        if (err === ErrorCode.NONE) {
          // Commits from a stale generation (or a non-member) are rejected.
          const simple = gen < 0 && cl.memberId === "" && cl.instanceId === null && (before === null || before.size === 0);
          if (!simple) {
            expect(before).not.toBeNull();
            expect(before!.isMember).toBe(true);
            expect(gen).toBe(before!.generation);
          }
        }
        break;
      }
      case "restart": {
        // A process restart: the client forgets its member id (a static one keeps its instance id).
        const cl = clients[cmd.c]!;
        cl.memberId = "";
        cl.generation = -1;
        c.join(GROUP, joinReq("", { groupInstanceId: cl.instanceId, requireKnownMemberId: true, supportsSkipAssignment: true }), now, onJoin(cl));
        break;
      }
      case "storeFault":
        failing = cmd.failing;
        break;
      case "advance":
        now += cmd.ms;
        c.tick(now);
        break;
    }
    checkInvariants();
  }
}

describe("group state machine: properties", () => {
  const numRuns = Number(process.env.TAKHIN_PROPERTY_RUNS ?? 150);
  test("invariants hold over random command sequences", () => {
    const seed = Number(process.env.TAKHIN_PROPERTY_SEED ?? Date.now() % 2 ** 31);
    console.log(`group-state properties: seed ${seed} (TAKHIN_PROPERTY_SEED reproduces)`);
    fc.assert(
      fc.property(fc.array(cmdArb, { minLength: 1, maxLength: 80 }), fc.constantFrom(0, 0, 500), (cmds, delay) => runScenario(cmds, delay)),
      { numRuns, seed },
    );
  });
});

/**
 * The rebalance timeout, by property: a Stable group of 2-5 members is sent into a rebalance and some
 * members go silent (they keep heartbeating, so only the rebalance timeout can remove them), while
 * the clock moves in random steps below the session timeout.
 * - PreparingRebalance: silent members never rejoin. Until the deadline the group waits for them;
 *   at the deadline exactly the members that rejoined (and the newcomer) form the next generation.
 * - CompletingRebalance: the leader is silent (its SyncGroup is what would end the phase), some
 *   followers sync and wait. At the deadline the members that did not sync are removed, the waiting
 *   SyncGroups are answered REBALANCE_IN_PROGRESS, and the rest form the next generation once they rejoin.
 */
describe("group state machine: rebalance timeout properties", () => {
  const numRuns = Number(process.env.TAKHIN_PROPERTY_RUNS ?? 150);
  const INITIAL_DELAY_MS = 100;
  const scenario = fc.record({
    silent: fc.array(fc.boolean(), { minLength: 2, maxLength: 5 }),
    phase: fc.constantFrom("join" as const, "sync" as const),
    steps: fc.array(fc.integer({ min: 200, max: SESSION_MS - 2000 }), { minLength: 1, maxLength: 30 }),
  });

  /** A Stable group of `n` members (one generation, thanks to the initial delay); returns their ids, leader first. */
  function stableGroup(c: GroupCoordinator, n: number): string[] {
    const boxes = Array.from({ length: n }, () => join(c, joinReq(""), 0));
    c.tick(INITIAL_DELAY_MS);
    const ids = boxes.map((b) => b.value!.memberId);
    const gen = c.get(GROUP)!.generationId;
    const leader = c.get(GROUP)!.leaderId!;
    for (const id of ids) sync(c, id, gen, INITIAL_DELAY_MS, id === leader ? ids.map((m) => ({ memberId: m, assignment: enc.encode(m) })) : []);
    expect(c.get(GROUP)!.state).toBe("Stable");
    return [leader, ...ids.filter((id) => id !== leader)];
  }

  test("members that never rejoin or sync are removed at the rebalance timeout, and only they", () => {
    const seed = Number(process.env.TAKHIN_PROPERTY_SEED ?? Date.now() % 2 ** 31);
    console.log(`rebalance-timeout properties: seed ${seed} (TAKHIN_PROPERTY_SEED reproduces)`);
    fc.assert(
      fc.property(scenario, ({ silent, phase, steps }) => {
        const c = coordinator(INITIAL_DELAY_MS);
        const ids = stableGroup(c, silent.length);
        const g = () => c.get(GROUP)!;
        let now = INITIAL_DELAY_MS + 1;
        const generation = g().generationId;
        // The leader must stay silent in the sync phase: its SyncGroup alone would make the group Stable.
        const isSilent = (i: number) => (phase === "sync" && i === 0) || silent[i]!;
        const silentIds = ids.filter((_, i) => isSilent(i));
        const activeIds = ids.filter((_, i) => !isSilent(i));
        const joins = new Map<string, Box<JoinResult>>();
        const syncs = new Map<string, Box<SyncResult>>();
        let newcomer: Box<JoinResult>;
        let deadline: number;

        if (phase === "join") {
          newcomer = join(c, joinReq(""), now); // a new member starts the rebalance
          expect(g().state).toBe("PreparingRebalance");
          deadline = g().rebalanceDeadlineMs;
          for (const id of activeIds) joins.set(id, join(c, joinReq(id), now));
          if (silentIds.length === 0) {
            // Nobody to wait for: the join completes at once, long before any deadline.
            expect(g().state).toBe("CompletingRebalance");
            for (const box of [...joins.values(), newcomer]) expect(box.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: generation + 1 });
            return;
          }
        } else {
          // Everyone rejoins after a newcomer arrives; the new generation waits for the leader's sync.
          newcomer = join(c, joinReq(""), now);
          for (const id of ids) joins.set(id, join(c, joinReq(id), now));
          expect(g().state).toBe("CompletingRebalance");
          expect(g().leaderId).toBe(ids[0]!);
          deadline = g().rebalanceDeadlineMs;
          const gen = g().generationId;
          for (const id of [...activeIds, newcomer.value!.memberId]) syncs.set(id, sync(c, id, gen, now));
        }
        const before = phase === "join" ? "PreparingRebalance" : "CompletingRebalance";
        // The clock moves by the steps, over and over, until it passes the deadline.
        for (let i = 0; now < deadline; i++) {
          now += steps[i % steps.length]!;
          c.tick(now);
          if (now >= deadline) break;
          // Before the deadline nobody is removed and the group still waits (silent ones heartbeat).
          expect(g().state).toBe(before);
          for (const id of ids) expect(g().members.has(id)).toBe(true);
          for (const id of silentIds) {
            const err = c.heartbeat(GROUP, id, null, g().generationId, now);
            expect([ErrorCode.NONE, ErrorCode.REBALANCE_IN_PROGRESS] as number[]).toContain(err);
          }
        }
        const group = g();
        for (const id of silentIds) {
          expect(group.members.has(id)).toBe(false);
          expect(c.heartbeat(GROUP, id, null, group.generationId, now)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
        }
        const survivors = [...activeIds, newcomer.value!.memberId].sort();
        expect([...group.members.keys()].sort()).toEqual(survivors);
        expect(group.members.has(group.leaderId!)).toBe(true);
        if (phase === "join") {
          // The join completed at the deadline: every survivor got the new generation.
          expect(group.state).toBe("CompletingRebalance");
          for (const box of [...joins.values(), newcomer]) expect(box.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: group.generationId });
          const leaderAnswer = [...joins.values(), newcomer].find((b) => b.value!.memberId === group.leaderId)!;
          expect(leaderAnswer.value!.members.map((m) => m.memberId).sort()).toEqual(survivors);
        } else {
          for (const box of syncs.values()) expect(box.value?.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
          expect(group.state).toBe("PreparingRebalance");
          // The survivors rejoin and form the next generation without the silent ones.
          const again = survivors.map((id) => join(c, joinReq(id), now));
          expect(group.state).toBe("CompletingRebalance");
          for (const box of again) expect(box.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: group.generationId });
        }
      }),
      { numRuns, seed },
    );
  });
});

/**
 * The join that completes a rebalance, by property: a group of 1-5 members is Stable or waiting for
 * SyncGroup when one member re-joins in a way that rebalances (the leader re-joining, a changed
 * subscription — what a regex matching a new topic, added partitions or a deleted topic produce —
 * or a static member restarting with a changed subscription), and the others re-join one by one in
 * a random order, each with the same or a changed subscription. The clock never moves: the join that
 * makes every member joined must complete the join phase itself, with every member answered with
 * the next generation, rather than leave the group waiting for the rebalance timeout.
 */
describe("group state machine: a join that makes every member joined completes the join phase", () => {
  const numRuns = Number(process.env.TAKHIN_PROPERTY_RUNS ?? 150);
  const INITIAL_DELAY_MS = 100;
  const scenario = fc.record({
    statics: fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
    phase: fc.constantFrom("Stable" as const, "CompletingRebalance" as const),
    trigger: fc.constantFrom("leader" as const, "changed" as const, "static-restart" as const),
    triggerIndex: fc.nat(),
    order: fc.array(fc.nat(), { maxLength: 5 }),
    changed: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  });
  const subscriptionOf = (topics: string) => [{ name: "range", metadata: enc.encode(topics) }];

  test("every member is answered with the next generation as soon as the last one has joined", () => {
    const seed = Number(process.env.TAKHIN_PROPERTY_SEED ?? Date.now() % 2 ** 31);
    console.log(`join-completion properties: seed ${seed} (TAKHIN_PROPERTY_SEED reproduces)`);
    fc.assert(
      fc.property(scenario, ({ statics, phase, trigger, triggerIndex, order, changed }) => {
        const c = coordinator(INITIAL_DELAY_MS);
        const now = INITIAL_DELAY_MS;
        const instance = (i: number) => (statics[i] ? `instance-${i}` : null);
        const boxes = statics.map((_, i) => join(c, joinReq("", { groupInstanceId: instance(i) }), 0));
        c.tick(INITIAL_DELAY_MS);
        const g = () => c.get(GROUP)!;
        expect(g().state).toBe("CompletingRebalance");
        const ids = boxes.map((b) => b.value!.memberId);
        const generation = g().generationId;
        if (phase === "Stable") {
          const leader = g().leaderId!;
          for (const id of ids) sync(c, id, generation, now, id === leader ? ids.map((m) => ({ memberId: m, assignment: enc.encode(m) })) : []);
          expect(g().state).toBe("Stable");
        }
        // Who triggers the rebalance, and how. A static restart needs a static member; the leader's
        // unchanged re-join rebalances only a Stable group (in CompletingRebalance it is answered at once).
        let t = triggerIndex % ids.length;
        let how = trigger;
        if (how === "static-restart" && !statics[t]) how = "changed";
        if (how === "leader") {
          if (phase === "Stable") t = ids.indexOf(g().leaderId!);
          else how = "changed";
        }
        const answers = new Map<number, Box<JoinResult>>();
        if (how === "static-restart") answers.set(t, join(c, joinReq("", { groupInstanceId: instance(t), protocols: subscriptionOf("t,new") }), now));
        else answers.set(t, join(c, joinReq(ids[t]!, { groupInstanceId: instance(t), protocols: how === "leader" ? subscriptionOf("t") : subscriptionOf("t,new") }), now));
        // The others, in a random order (a permutation built from `order`).
        const rest = ids.map((_, i) => i).filter((i) => i !== t);
        for (let k = 0; k < rest.length; k++) {
          const j = k + ((order[k] ?? 0) % (rest.length - k));
          [rest[k], rest[j]] = [rest[j]!, rest[k]!];
        }
        for (const i of rest) {
          if (answers.size < ids.length) expect(g().state).toBe("PreparingRebalance");
          answers.set(i, join(c, joinReq(ids[i]!, { groupInstanceId: instance(i), protocols: subscriptionOf(changed[i] ? "t,new" : "t") }), now));
        }
        expect(g().state).toBe("CompletingRebalance");
        expect(g().generationId).toBe(generation + 1);
        for (const box of answers.values()) expect(box.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: generation + 1 });
        expect(g().members.size).toBe(ids.length);
        const leaderAnswer = [...answers.values()].find((b) => b.value!.memberId === g().leaderId)!;
        expect(leaderAnswer.value!.members.length).toBe(ids.length);
      }),
      { numRuns, seed },
    );
  });
});

describe("offsets retention", () => {
  test("an empty group's offsets expire offsetsRetentionMs after commit; a group with members keeps them; explicit retention wins", () => {
    const c = new GroupCoordinator({ minSessionTimeoutMs: 1000, initialRebalanceDelayMs: 0, offsetsRetentionMs: 1000 });
    const commit = (groupId: string, memberId: string, gen: number, now: number, retentionTimeMs = -1) =>
      c.commit({ groupId, memberId, groupInstanceId: null, generationId: gen, retentionTimeMs, topics: [{ name: "t", partitions: [{ partition: 0, offset: 1n, leaderEpoch: -1, metadata: null }] }] }, now);
    commit("simple", "", -1, 0);
    commit("explicit", "", -1, 0, 100);
    let member = "";
    c.join("busy", joinReq(""), 0, (r) => (member = r.memberId));
    c.sync("busy", { memberId: member, groupInstanceId: null, generationId: 1, protocolType: null, protocolName: null, assignments: [] }, 0, () => {});
    commit("busy", member, 1, 0);
    expect(c.expireOffsets(500)).toBe(1); // only the explicit one
    expect(c.offsets.get("explicit", "t", 0)).toBeUndefined();
    c.heartbeat("busy", member, null, 1, 900);
    expect(c.expireOffsets(1000)).toBe(1); // the simple group's; the busy group has a member
    expect(c.offsets.get("simple", "t", 0)).toBeUndefined();
    expect(c.offsets.get("busy", "t", 0)?.offset).toBe(1n);
    expect(c.get("simple")).toBeUndefined();
  });
});

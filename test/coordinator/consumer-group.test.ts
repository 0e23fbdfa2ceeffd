/**
 * The KIP-848 consumer group model driven directly (no sockets, a fake clock): examples of the
 * heartbeat paths and errors, the assignors, the RE2 check, the record formats, then fast-check
 * command sequences over simulated clients (heartbeats that may lose their answer or omit owned
 * partitions, leaves, static leaves and returns, crashes, clock advances that expire sessions and
 * rebalance timeouts, topics created and grown, subscriptions changed, a store that fails) with the
 * invariants checked after every step:
 *   - no partition is held by two members at once (server side), nor owned by two clients that are
 *     not fenced (client side);
 *   - a client is given a partition only when no other unfenced client owns it (its previous owner
 *     revoked it or was fenced);
 *   - the group epoch, the assignment epoch and every member's epoch never go back;
 *   - every accepted commit came from a current member at its current epoch (a fenced client, a
 *     stale or a future epoch is refused).
 * Runs: TAKHIN_PROPERTY_RUNS (default 150); the seed is printed (TAKHIN_PROPERTY_SEED reproduces).
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { countPartitions, eachPartition, fromList, toList, type TopicPartitions } from "../../src/coordinator/consumer-group/assignment.ts";
import { rangeAssignor, uniformAssignor } from "../../src/coordinator/consumer-group/assignors.ts";
import { ConsumerGroupCoordinator, recordsBetween, type HeartbeatRequest } from "../../src/coordinator/consumer-group/coordinator.ts";
import type { TopicMeta, TopicsView } from "../../src/coordinator/consumer-group/group.ts";
import { decodeConsumerGroupRecord, encodeConsumerGroupRecord, type ConsumerGroupRecord } from "../../src/coordinator/consumer-group/records.ts";
import { compileTopicRegex } from "../../src/coordinator/consumer-group/regex.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { Reader } from "../../src/protocol/reader.ts";

const SESSION_MS = 10_000;
const REBALANCE_MS = 5_000;
const G = "g";

class FakeTopics implements TopicsView {
  readonly topics = new Map<string, TopicMeta>();
  private n = 0;
  add(name: string, partitions: number): TopicMeta {
    const t = { id: `id-${name}-${++this.n}`, name, partitions };
    this.topics.set(name, t);
    return t;
  }
  remove(name: string): void {
    this.topics.delete(name);
  }
  grow(name: string, by: number): void {
    const t = this.topics.get(name);
    if (t) this.topics.set(name, { ...t, partitions: t.partitions + by });
  }
  byName(name: string) {
    return this.topics.get(name);
  }
  byId(id: string) {
    for (const t of this.topics.values()) if (t.id === id) return t;
    return undefined;
  }
  all() {
    return this.topics.values();
  }
}

function setup(opts: { failWrites?: () => boolean } = {}) {
  const topics = new FakeTopics();
  const written: ConsumerGroupRecord[] = [];
  let n = 0;
  const c = new ConsumerGroupCoordinator(
    { sessionTimeoutMs: SESSION_MS, heartbeatIntervalMs: 1000 },
    { write: (_g, rs) => (opts.failWrites?.() ? ErrorCode.NOT_LEADER_OR_FOLLOWER : (written.push(...rs), ErrorCode.NONE)) },
    () => topics,
    undefined,
    100,
    () => `m${++n}`,
  );
  return { c, topics, written };
}

function hb(over: Partial<HeartbeatRequest>): HeartbeatRequest {
  return {
    groupId: G,
    memberId: "",
    memberEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: REBALANCE_MS,
    subscribedTopicNames: ["t"],
    subscribedTopicRegex: null,
    serverAssignor: null,
    topicPartitions: [],
    clientId: "c",
    clientHost: "/127.0.0.1",
    version: 1,
    ...over,
  };
}

const list = (a: TopicPartitions | null) => (a ? toList(a) : null);

describe("consumer group heartbeat", () => {
  test("a member joins, a second one joins, partitions move only after revocation", () => {
    const { c, topics } = setup();
    const t = topics.add("t", 4);
    const a = c.heartbeat(hb({ memberId: "a" }), 0);
    expect(a.errorCode).toBe(0);
    expect(a.memberEpoch).toBe(1);
    expect(list(a.assignment)).toEqual([{ topicId: t.id, partitions: [0, 1, 2, 3] }]);
    const b = c.heartbeat(hb({ memberId: "b" }), 10);
    expect(b.memberEpoch).toBe(2); // at the target epoch, but its partitions are still a's: unreleased
    expect(b.assignment && countPartitions(b.assignment)).toBe(0);
    expect(c.get(G)!.state).toBe("Reconciling");
    // a is told to give up two partitions, keeps its epoch
    const a2 = c.heartbeat(hb({ memberId: "a", memberEpoch: 1, topicPartitions: [{ topicId: t.id, partitions: [0, 1, 2, 3] }], rebalanceTimeoutMs: -1, subscribedTopicNames: null }), 20);
    expect(a2.memberEpoch).toBe(1);
    expect(countPartitions(a2.assignment!)).toBe(2);
    const kept = toList(a2.assignment!)[0]!.partitions;
    // b still gets nothing: a has not revoked
    const b2 = c.heartbeat(hb({ memberId: "b", memberEpoch: 2, topicPartitions: [], rebalanceTimeoutMs: -1, subscribedTopicNames: null }), 30);
    expect(b2.assignment).toBeNull();
    // a revokes; now it moves to epoch 2 and b gets the rest
    const a3 = c.heartbeat(hb({ memberId: "a", memberEpoch: 1, topicPartitions: [{ topicId: t.id, partitions: kept }], rebalanceTimeoutMs: -1, subscribedTopicNames: null }), 40);
    expect(a3.memberEpoch).toBe(2);
    const b3 = c.heartbeat(hb({ memberId: "b", memberEpoch: 2, topicPartitions: [], rebalanceTimeoutMs: -1, subscribedTopicNames: null }), 50);
    expect(b3.memberEpoch).toBe(2);
    expect(toList(b3.assignment!)[0]!.partitions).toEqual([0, 1, 2, 3].filter((p) => !kept.includes(p)));
    expect(c.get(G)!.state).toBe("Stable");
  });

  test("errors: unknown group, unknown member, fenced epoch, assignor, regex, request shape, static instance", () => {
    const { c, topics } = setup();
    topics.add("t", 2);
    expect(c.heartbeat(hb({ memberId: "x", memberEpoch: 3 }), 0).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    expect(c.heartbeat(hb({ memberId: "a", serverAssignor: "sticky" }), 0).errorCode).toBe(ErrorCode.UNSUPPORTED_ASSIGNOR);
    expect(c.heartbeat(hb({ memberId: "a", subscribedTopicNames: null, subscribedTopicRegex: "(a)\\1" }), 0).errorCode).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION);
    expect(c.heartbeat(hb({ memberId: "a", subscribedTopicNames: null, subscribedTopicRegex: "t(?=x)" }), 0).errorCode).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION);
    expect(c.heartbeat(hb({ memberId: "a", subscribedTopicNames: null, subscribedTopicRegex: "[" }), 0).errorCode).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION);
    // librdkafka sends an empty pattern with a topic-list subscription: no regex
    expect(c.heartbeat(hb({ groupId: "g-empty-regex", memberId: "r", subscribedTopicRegex: "" }), 0).errorCode).toBe(0);
    expect(c.get("g-empty-regex")!.members.get("r")!.subscribedTopicRegex).toBeNull();
    expect(c.heartbeat(hb({ memberId: "" }), 0).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(c.heartbeat(hb({ memberId: "a", rebalanceTimeoutMs: -1 }), 0).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(c.heartbeat(hb({ memberId: "a", topicPartitions: null }), 0).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(c.heartbeat(hb({ memberId: "a", memberEpoch: -3 }), 0).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(c.heartbeat(hb({ memberId: "a", instanceId: "i1" }), 0).errorCode).toBe(0);
    expect(c.heartbeat(hb({ memberId: "z", memberEpoch: 1 }), 0).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(c.heartbeat(hb({ memberId: "a", memberEpoch: 7, instanceId: "i1" }), 0).errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH);
    expect(c.heartbeat(hb({ memberId: "b", instanceId: "i1" }), 0).errorCode).toBe(ErrorCode.UNRELEASED_INSTANCE_ID);
    expect(c.heartbeat(hb({ memberId: "b", memberEpoch: 1, instanceId: "i1" }), 0).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    // v0: the coordinator chooses the member id
    const v0 = c.heartbeat(hb({ memberId: "", version: 0 }), 0);
    expect(v0.errorCode).toBe(0);
    expect(v0.memberId).toBe("m1");
  });

  test("a static member leaves with epoch -2 and comes back with its assignment under a new member id", () => {
    const { c, topics } = setup();
    const t = topics.add("t", 2);
    const a = c.heartbeat(hb({ memberId: "a", instanceId: "i" }), 0);
    expect(countPartitions(a.assignment!)).toBe(2);
    expect(c.heartbeat(hb({ memberId: "a", memberEpoch: -2, instanceId: "i" }), 10).memberEpoch).toBe(-2);
    const epochBefore = c.get(G)!.groupEpoch;
    const back = c.heartbeat(hb({ memberId: "a2", instanceId: "i" }), 20);
    expect(back.errorCode).toBe(0);
    expect(back.memberEpoch).toBe(1);
    expect(list(back.assignment)).toEqual([{ topicId: t.id, partitions: [0, 1] }]);
    expect(c.get(G)!.groupEpoch).toBe(epochBefore);
    expect([...c.get(G)!.members.keys()]).toEqual(["a2"]);
  });

  test("session timeout and rebalance timeout fence a member; its partitions go to the others", () => {
    const { c, topics } = setup();
    topics.add("t", 2);
    c.heartbeat(hb({ memberId: "a" }), 0);
    const b0 = c.heartbeat(hb({ memberId: "b" }), 0);
    c.tick(SESSION_MS - 1);
    expect(c.get(G)!.members.size).toBe(2);
    expect(c.heartbeat(hb({ memberId: "b", memberEpoch: b0.memberEpoch, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: [] }), SESSION_MS - 1).errorCode).toBe(0);
    c.tick(SESSION_MS);
    expect([...c.get(G)!.members.keys()]).toEqual(["b"]);
    const b = c.heartbeat(hb({ memberId: "b", memberEpoch: b0.memberEpoch, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: [] }), SESSION_MS + 1);
    expect(countPartitions(b.assignment!)).toBe(2);
    // c joins; b must revoke one and does not: fenced after its rebalance timeout
    c.heartbeat(hb({ memberId: "c" }), SESSION_MS + 2);
    const b2 = c.heartbeat(hb({ memberId: "b", memberEpoch: b.memberEpoch, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: toList(b.assignment!) }), SESSION_MS + 3);
    expect(countPartitions(b2.assignment!)).toBe(1);
    c.tick(SESSION_MS + 3 + REBALANCE_MS);
    expect([...c.get(G)!.members.keys()]).toEqual(["c"]);
  });

  test("a regex subscription picks up a new topic; partition growth bumps the group epoch", () => {
    const { c, topics } = setup();
    const t1 = topics.add("orders-1", 1);
    const a = c.heartbeat(hb({ memberId: "a", subscribedTopicNames: null, subscribedTopicRegex: "orders-.*" }), 0);
    expect(list(a.assignment)).toEqual([{ topicId: t1.id, partitions: [0] }]);
    topics.add("other", 1);
    const t2 = topics.add("orders-2", 2);
    c.topicsChanged(1);
    const a2 = c.heartbeat(hb({ memberId: "a", memberEpoch: a.memberEpoch, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: toList(a.assignment!) }), 2);
    expect(list(a2.assignment)).toEqual([{ topicId: t1.id, partitions: [0] }, { topicId: t2.id, partitions: [0, 1] }].sort((x, y) => (x.topicId < y.topicId ? -1 : 1)));
    const epoch = c.get(G)!.groupEpoch;
    topics.grow("orders-1", 1);
    c.topicsChanged(3);
    expect(c.get(G)!.groupEpoch).toBe(epoch + 1);
  });

  test("a deleted topic: new group epoch, its partitions revoked, the rest kept", () => {
    const { c, topics } = setup();
    const t1 = topics.add("t", 2);
    const t2 = topics.add("u", 1);
    const a = c.heartbeat(hb({ memberId: "a", subscribedTopicNames: ["t", "u"] }), 0);
    expect(countPartitions(a.assignment!)).toBe(3);
    const epoch = c.get(G)!.groupEpoch;
    topics.remove("u");
    c.topicsChanged(1);
    expect(c.get(G)!.groupEpoch).toBe(epoch + 1);
    const owned = toList(a.assignment!);
    const r = c.heartbeat(hb({ memberId: "a", memberEpoch: a.memberEpoch, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: owned }), 2);
    expect(list(r.assignment)).toEqual([{ topicId: t1.id, partitions: [0, 1] }]);
    expect(r.memberEpoch).toBe(a.memberEpoch); // until it drops u's partition
    const r2 = c.heartbeat(hb({ memberId: "a", memberEpoch: a.memberEpoch, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: toList(r.assignment!) }), 3);
    expect(r2.memberEpoch).toBe(epoch + 1);
    expect(c.get(G)!.members.get("a")!.pendingRevocation.has(t2.id)).toBe(false);
  });

  test("GROUP_MAX_SIZE_REACHED beyond the group's maximum size", () => {
    const topics = new FakeTopics();
    topics.add("t", 1);
    const c = new ConsumerGroupCoordinator({ maxSize: 2 }, { write: () => ErrorCode.NONE }, () => topics);
    expect(c.heartbeat(hb({ memberId: "a" }), 0).errorCode).toBe(0);
    expect(c.heartbeat(hb({ memberId: "b" }), 0).errorCode).toBe(0);
    const r = c.heartbeat(hb({ memberId: "c" }), 0);
    expect([r.errorCode, r.errorMessage]).toEqual([ErrorCode.GROUP_MAX_SIZE_REACHED, "The consumer group has reached its maximum capacity of 2 members."]);
    expect(c.get(G)!.members.size).toBe(2);
  });

  test("commits are checked by member epoch", () => {
    const { c, topics } = setup();
    topics.add("t", 1);
    const a = c.heartbeat(hb({ memberId: "a" }), 0);
    expect(c.validateCommit(G, "a", a.memberEpoch, 9)).toBe(ErrorCode.NONE);
    expect(c.validateCommit(G, "a", a.memberEpoch - 1, 9)).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect(c.validateCommit(G, "a", a.memberEpoch + 1, 9)).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect(c.validateCommit(G, "x", a.memberEpoch, 9)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(c.validateCommit(G, "a", a.memberEpoch, 8)).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(c.validateCommit("other", "a", 1, 9)).toBeNull();
  });

  test("a group replayed from its records: the same epochs and assignments; a new group epoch only if its topics changed meanwhile", () => {
    const { c, topics, written } = setup();
    const t = topics.add("t", 2);
    const a = c.heartbeat(hb({ memberId: "a" }), 0);
    const restore = () => {
      const { c: c2 } = setup();
      (c2 as any).topics = () => topics;
      expect(c2.restore(written, 100)).toBe(1);
      return c2;
    };
    const same = restore();
    const r = same.heartbeat(hb({ memberId: "a", memberEpoch: a.memberEpoch, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: [{ topicId: t.id, partitions: [0, 1] }] }), 200);
    expect([r.errorCode, r.memberEpoch, same.get(G)!.groupEpoch]).toEqual([0, a.memberEpoch, c.get(G)!.groupEpoch]);
    topics.grow("t", 1);
    const grown = restore();
    const r2 = grown.heartbeat(hb({ memberId: "a", memberEpoch: a.memberEpoch, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: [{ topicId: t.id, partitions: [0, 1] }] }), 200);
    expect(r2.memberEpoch).toBe(a.memberEpoch + 1);
    expect(list(r2.assignment)).toEqual([{ topicId: t.id, partitions: [0, 1, 2] }]);
  });

  test("a failed write leaves the group as it was and answers the error", () => {
    let fail = false;
    const { c, topics } = setup({ failWrites: () => fail });
    topics.add("t", 2);
    c.heartbeat(hb({ memberId: "a" }), 0);
    fail = true;
    const before = c.get(G)!.clone();
    expect(c.heartbeat(hb({ memberId: "b" }), 1).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(recordsBetween(G, before, c.get(G)!)).toEqual([]);
  });
});

describe("assignors", () => {
  const members = [{ memberId: "b", topics: new Set(["x", "y"]) }, { memberId: "a", topics: new Set(["x", "y"]) }, { memberId: "c", topics: new Set(["y"]) }];
  const topicCounts = new Map([["x", 3], ["y", 4]]);
  test("range: contiguous ranges per topic over the sorted subscribers", () => {
    const r = rangeAssignor({ members, topics: topicCounts, previous: new Map() });
    expect(toList(r.get("a")!)).toEqual([{ topicId: "x", partitions: [0, 1] }, { topicId: "y", partitions: [0, 1] }]);
    expect(toList(r.get("b")!)).toEqual([{ topicId: "x", partitions: [2] }, { topicId: "y", partitions: [2] }]);
    expect(toList(r.get("c")!)).toEqual([{ topicId: "y", partitions: [3] }]);
  });
  test("uniform (property): every partition exactly once, to a subscriber, balanced, sticky when nothing changed", () => {
    fc.assert(
      fc.property(fc.array(fc.subarray(["x", "y", "z"], { minLength: 1 }), { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 3, maxLength: 3 }), (subs, counts) => {
        const ms = subs.map((s, i) => ({ memberId: `m${i}`, topics: new Set(s) }));
        const tc = new Map(["x", "y", "z"].map((t, i) => [t, counts[i]!]));
        const r = uniformAssignor({ members: ms, topics: tc, previous: new Map() });
        const seen = new Set<string>();
        for (const m of ms) for (const [t, p] of eachPartition(r.get(m.memberId)!)) {
          expect(m.topics.has(t)).toBe(true);
          expect(seen.has(`${t}:${p}`)).toBe(false);
          seen.add(`${t}:${p}`);
        }
        for (const [t, n] of tc) if (ms.some((m) => m.topics.has(t))) for (let p = 0; p < n; p++) expect(seen.has(`${t}:${p}`)).toBe(true);
        if (subs.every((s) => s.length === 3)) {
          const again = uniformAssignor({ members: ms, topics: tc, previous: r });
          for (const m of ms) expect(toList(again.get(m.memberId)!)).toEqual(toList(r.get(m.memberId)!));
          const sizes = ms.map((m) => countPartitions(r.get(m.memberId)!));
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("regular expressions (RE2/J semantics)", () => {
  test("whole-name match, RE2-only constructs refused", () => {
    const r = compileTopicRegex("orders.*");
    expect(r.ok && r.regex.test("orders-1")).toBe(true);
    expect(r.ok && r.regex.test("x-orders-1")).toBe(false);
    const alt = compileTopicRegex("a|b");
    expect(alt.ok && alt.regex.test("ab")).toBe(false);
    for (const bad of ["(a)\\1", "(?<n>a)\\k<n>", "a(?!b)", "(?<=a)b", "(?>a)", "a++", "("]) expect(compileTopicRegex(bad).ok).toBe(false);
    // catastrophic backtracking in a JS RegExp (RE2 is linear): refused
    for (const slow of ["(a+)+$", "(a*)*b", "(a|aa)+", "((ab)*c)+", "(x+x+)+y", "(?:a+){2,}"]) expect(compileTopicRegex(slow).ok, slow).toBe(false);
    for (const good of ["(orders|payments)-.*", "(ab)+c", "[a-z]+(-[0-9])?", "orders\\.(eu|us)\\..+"]) expect(compileTopicRegex(good).ok, good).toBe(true);
    for (const good of ["t[(?=]", "a{2,3}", "(?:a|b)c", "\\d+"]) expect(compileTopicRegex(good).ok).toBe(true);
  });
});

describe("records", () => {
  test("each record type round-trips through Kafka's key/value bytes", () => {
    const parts = fromList([{ topicId: "AAAAAAAAAAAAAAAAAAAAAQ", partitions: [2, 0] }]);
    const recs: ConsumerGroupRecord[] = [
      { type: 3, groupId: "g", value: { epoch: 7, metadataHash: 0n } },
      { type: 5, groupId: "g", memberId: "m", value: { instanceId: "i", rackId: null, clientId: "c", clientHost: "/h", subscribedTopicNames: ["a", "b"], subscribedTopicRegex: null, rebalanceTimeoutMs: 300000, serverAssignor: "range" } },
      { type: 6, groupId: "g", value: { assignmentEpoch: 7, assignmentTimestampMs: 1234 } },
      { type: 7, groupId: "g", memberId: "m", value: parts },
      { type: 8, groupId: "g", memberId: "m", value: { memberEpoch: 7, previousMemberEpoch: 6, state: 1, assigned: parts, pendingRevocation: new Map() } },
      { type: 8, groupId: "g", memberId: "m", value: null },
    ];
    for (const r of recs) {
      const { key, value } = encodeConsumerGroupRecord(r);
      const k = new Reader(key);
      const type = k.int16();
      expect(type).toBe(r.type);
      const back = decodeConsumerGroupRecord(type, k, value);
      const plain = (_k: string, v: unknown) => (v instanceof Map ? toList(v) : typeof v === "bigint" ? String(v) : v);
      expect(JSON.stringify(back, plain)).toBe(JSON.stringify(r, plain));
    }
    // Kafka's bytes for ConsumerGroupMetadataKey("g") and ConsumerGroupMetadataValue(epoch 7).
    const { key, value } = encodeConsumerGroupRecord(recs[0]!);
    expect([...key]).toEqual([0, 3, 0, 1, 0x67]);
    expect([...value!]).toEqual([0, 0, 0, 0, 0, 7, 0]);
  });
});

// ------------------------------------------------------------------------------------ properties

type Cmd =
  | { k: "hb"; who: number; lose: boolean; omitOwned: boolean }
  | { k: "leave"; who: number; static: boolean }
  | { k: "crash"; who: number }
  | { k: "restart"; who: number }
  | { k: "advance"; ms: number }
  | { k: "topic"; grow: boolean; which: number }
  | { k: "sub"; who: number; regex: boolean }
  | { k: "fail"; on: boolean }
  | { k: "commit"; who: number; skew: number };

const CLIENTS = 4;
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ k: fc.constant("hb" as const), who: fc.nat(CLIENTS - 1), lose: fc.boolean(), omitOwned: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("leave" as const), who: fc.nat(CLIENTS - 1), static: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("crash" as const), who: fc.nat(CLIENTS - 1) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("restart" as const), who: fc.nat(CLIENTS - 1) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 12_000 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("topic" as const), grow: fc.boolean(), which: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("sub" as const), who: fc.nat(CLIENTS - 1), regex: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("fail" as const), on: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("commit" as const), who: fc.nat(CLIENTS - 1), skew: fc.constantFrom(0, 0, 0, 0, 0, -1, 1) }) },
);

interface Client {
  memberId: string;
  instanceId: string | null;
  epoch: number;
  owned: TopicPartitions;
  alive: boolean;
  /** The server fenced (removed) this incarnation: its ownership no longer counts until it rejoins. */
  fenced: boolean;
  topics: string[];
  regex: string | null;
  incarnation: number;
}

describe("consumer group properties", () => {
  test("no two owners; a partition changes hands only after revocation or fencing; epochs never go back", () => {
    const numRuns = Number(process.env.TAKHIN_PROPERTY_RUNS ?? 150);
    const seed = Number(process.env.TAKHIN_PROPERTY_SEED ?? Date.now() % 2 ** 31);
    console.log(`consumer-group properties: seed ${seed} (TAKHIN_PROPERTY_SEED reproduces)`);
    let acceptedCommits = 0;
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 1, maxLength: 120 }), fc.boolean(), (cmds, range) => {
        let failing = false;
        const { c, topics } = setup({ failWrites: () => failing });
        topics.add("t0", 3);
        topics.add("t1", 2);
        let now = 0;
        let lastGroupEpoch = 0;
        let lastAssignmentEpoch = 0;
        const memberEpochs = new Map<string, number>();
        const clients: Client[] = Array.from({ length: CLIENTS }, (_, i) => ({
          memberId: `c${i}`, instanceId: i % 2 === 0 ? `i${i}` : null, epoch: 0, owned: new Map(), alive: true, fenced: false,
          topics: i === 3 ? ["t1"] : ["t0", "t1"], regex: null, incarnation: 0,
        }));
        const ownerOf = (t: string, p: number, except: Client) => clients.find((o) => o !== except && o.alive && !o.fenced && o.owned.get(t)?.has(p));
        const check = () => {
          const g = c.get(G);
          // a client the server no longer knows is fenced (it learns so at its next heartbeat)
          for (const cl of clients) if (!g?.members.has(cl.memberId) && cl.epoch !== 0) cl.fenced = true;
          for (const cl of clients) if (cl.fenced) memberEpochs.delete(cl.memberId);
          // server side: no partition held by two members
          const held = new Map<string, string>();
          for (const m of g?.members.values() ?? []) {
            for (const [t, p] of [...eachPartition(m.assigned), ...eachPartition(m.pendingRevocation)]) {
              const k = `${t}:${p}`;
              expect(held.get(k), `partition ${k} held by ${held.get(k)} and ${m.memberId}`).toBeUndefined();
              held.set(k, m.memberId);
            }
          }
          // client side: every unfenced client's partitions are held for it by the server
          for (const cl of clients) {
            if (!cl.alive || cl.fenced) continue;
            for (const [t, p] of eachPartition(cl.owned)) expect(held.get(`${t}:${p}`), `client ${cl.memberId} owns ${t}:${p}`).toBe(cl.memberId);
          }
          if (g) {
            expect(g.groupEpoch).toBeGreaterThanOrEqual(lastGroupEpoch);
            expect(g.assignmentEpoch).toBeGreaterThanOrEqual(lastAssignmentEpoch);
            expect(g.assignmentEpoch).toBeLessThanOrEqual(g.groupEpoch);
            lastGroupEpoch = g.groupEpoch;
            lastAssignmentEpoch = g.assignmentEpoch;
            for (const m of g.members.values()) {
              if (m.memberEpoch < 0) continue;
              expect(m.memberEpoch).toBeGreaterThanOrEqual(memberEpochs.get(m.memberId) ?? 0);
              memberEpochs.set(m.memberId, m.memberEpoch);
            }
          }
        };
        const lose = (cl: Client) => {
          cl.owned = new Map();
          cl.epoch = 0;
          cl.fenced = false;
          cl.incarnation++;
          cl.memberId = `${cl.memberId.split("#")[0]}#${cl.incarnation}`;
        };
        for (const x of cmds) {
          switch (x.k) {
            case "hb": {
              const cl = clients[x.who]!;
              if (!cl.alive) break;
              const joining = cl.epoch === 0;
              const r = c.heartbeat(hb({
                memberId: cl.memberId, memberEpoch: cl.epoch, instanceId: cl.instanceId,
                rebalanceTimeoutMs: joining ? REBALANCE_MS : -1,
                subscribedTopicNames: joining ? (cl.regex ? null : cl.topics) : null,
                subscribedTopicRegex: joining ? cl.regex : null,
                serverAssignor: range ? "range" : null,
                topicPartitions: joining ? [] : x.omitOwned ? null : toList(cl.owned),
              }), now);
              if (x.lose) break;
              if (r.errorCode === ErrorCode.FENCED_MEMBER_EPOCH || r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || r.errorCode === ErrorCode.FENCED_INSTANCE_ID) {
                lose(cl);
                break;
              }
              if (r.errorCode !== 0) break;
              cl.epoch = r.memberEpoch;
              cl.fenced = false;
              if (r.assignment) {
                for (const [t, p] of eachPartition(r.assignment)) {
                  if (cl.owned.get(t)?.has(p)) continue;
                  const other = ownerOf(t, p, cl);
                  expect(other, `${cl.memberId} given ${t}:${p} still owned by ${other?.memberId}`).toBeUndefined();
                }
                cl.owned = r.assignment; // revokes what is missing, takes what is new
              }
              break;
            }
            case "leave": {
              const cl = clients[x.who]!;
              if (!cl.alive || cl.epoch === 0) break;
              const staticLeave = x.static && cl.instanceId !== null;
              const r = c.heartbeat(hb({ memberId: cl.memberId, memberEpoch: staticLeave ? -2 : -1, instanceId: cl.instanceId, topicPartitions: null, rebalanceTimeoutMs: -1, subscribedTopicNames: null }), now);
              if (r.errorCode === 0) {
                // it revoked everything before leaving
                cl.owned = new Map();
                if (staticLeave) {
                  cl.alive = false; // comes back by "restart" under a new member id
                } else lose(cl);
              }
              break;
            }
            case "crash":
              clients[x.who]!.alive = false;
              break;
            case "restart": {
              const cl = clients[x.who]!;
              if (cl.alive) break;
              cl.alive = true;
              lose(cl);
              break;
            }
            case "advance":
              now += x.ms;
              c.tick(now);
              break;
            case "topic": {
              const name = `t${x.which}`;
              if (x.grow && topics.byName(name)) topics.grow(name, 1);
              else if (!topics.byName(name)) topics.add(name, 2);
              c.topicsChanged(now);
              break;
            }
            case "sub": {
              const cl = clients[x.who]!;
              cl.regex = x.regex ? "t[0-2]" : null;
              break; // takes effect when it next joins
            }
            case "fail":
              failing = x.on;
              break;
            case "commit": {
              const cl = clients[x.who]!;
              if (!cl.alive) break;
              const epoch = cl.epoch + x.skew;
              const verdict = c.validateCommit(G, cl.memberId, epoch, 9);
              const m = c.get(G)?.members.get(cl.memberId);
              if (verdict === ErrorCode.NONE) {
                acceptedCommits++;
                expect(cl.fenced, `${cl.memberId} committed while fenced`).toBe(false);
                expect(m?.memberEpoch, `${cl.memberId} committed at ${epoch}`).toBe(epoch);
              } else if (verdict !== null) {
                expect(m === undefined || m.memberEpoch !== epoch).toBe(true);
              }
              break;
            }
          }
          check();
        }
      }),
      { numRuns, seed },
    );
    console.log(`consumer-group properties: ${acceptedCommits} commits accepted (each checked against the member's epoch)`);
    expect(acceptedCommits).toBeGreaterThan(0);
  });
});

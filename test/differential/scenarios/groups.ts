/**
 * Corpus: classic consumer groups — JoinGroup / SyncGroup / Heartbeat / LeaveGroup sequences at
 * several version sets, DescribeGroups and ListGroups states, OffsetCommit / OffsetFetch /
 * OffsetDelete, DeleteGroups, and the errors of each. A JoinGroup that starts a group waits for
 * the initial rebalance delay (3 s on both brokers), so these scenarios run concurrently.
 */
import type { RequestStep, Scenario, Step } from "../scenario.ts";
import { topic } from "./steps.ts";
import { subscription, assignment } from "../../helpers/consumer-protocol.ts";

const JOIN_TIMEOUT_MS = 20_000;

interface Versions {
  join: number; sync: number; hb: number; describe: number; commit: number; fetch: number; leave: number; list: number; del: number;
}

const SETS: Record<string, Versions> = {
  old: { join: 2, sync: 1, hb: 1, describe: 1, commit: 2, fetch: 1, leave: 1, list: 1, del: 0 },
  mid: { join: 5, sync: 3, hb: 3, describe: 4, commit: 7, fetch: 7, leave: 3, list: 4, del: 1 },
  flex: { join: 6, sync: 4, hb: 4, describe: 5, commit: 8, fetch: 8, leave: 4, list: 3, del: 2 },
  new: { join: 9, sync: 5, hb: 4, describe: 5, commit: 9, fetch: 9, leave: 5, list: 5, del: 2 },
};

function join(v: number, memberIdVar: string | null, opts: { conn?: number; label?: string; capture?: Record<string, string>; sessionTimeoutMs?: number; protocolType?: string; group?: string; delayMs?: number; instance?: string } = {}): RequestStep {
  return {
    api: "JoinGroup",
    version: v,
    conn: opts.conn ?? 0,
    timeoutMs: JOIN_TIMEOUT_MS,
    ...(opts.label ? { label: opts.label } : {}),
    ...(opts.delayMs ? { delayMs: opts.delayMs } : {}),
    body: {
      groupId: opts.group ?? "${group}",
      sessionTimeoutMs: opts.sessionTimeoutMs ?? 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: memberIdVar === null ? "" : `\${${memberIdVar}}`,
      groupInstanceId: opts.instance ?? null,
      protocolType: opts.protocolType ?? "consumer",
      protocols: [{ name: "range", metadata: subscription(["differential-topic"]) }],
      reason: null,
    },
    capture: opts.capture ?? {},
  };
}

/** JoinGroup until the member is in: v4+ first answers MEMBER_ID_REQUIRED with the id to use. */
function joinFully(v: number, memberVar: string, opts: { conn?: number; labelPrefix?: string } = {}): Step[] {
  const p = opts.labelPrefix ?? "";
  if (v < 4) return [join(v, null, { conn: opts.conn, label: `${p}join`, capture: { [memberVar]: "memberId", gen: "generationId" } })];
  return [
    join(v, null, { conn: opts.conn, label: `${p}join-without-id`, capture: { [memberVar]: "memberId" } }),
    join(v, memberVar, { conn: opts.conn, label: `${p}join`, capture: { gen: "generationId" } }),
  ];
}

function sync(v: number, memberVar: string, assignments: { memberVar: string }[], opts: { conn?: number; label?: string; gen?: unknown } = {}): RequestStep {
  return {
    api: "SyncGroup",
    version: v,
    conn: opts.conn ?? 0,
    timeoutMs: JOIN_TIMEOUT_MS,
    label: opts.label ?? "sync",
    body: {
      groupId: "${group}",
      generationId: opts.gen ?? "${gen}",
      memberId: `\${${memberVar}}`,
      groupInstanceId: null,
      protocolType: "consumer",
      protocolName: "range",
      assignments: assignments.map((a) => ({ memberId: `\${${a.memberVar}}`, assignment: assignment("differential-topic") })),
    },
  };
}

function heartbeat(v: number, memberId: string, gen: unknown, label: string, conn = 0, instance: string | null = null): RequestStep {
  return { api: "Heartbeat", version: v, conn, label, body: { groupId: "${group}", generationId: gen, memberId, groupInstanceId: instance } };
}

function describe(v: number, label: string, groups = ["${group}"]): RequestStep {
  return { api: "DescribeGroups", version: v, label, body: { groups, includeAuthorizedOperations: false } };
}

function commit(v: number, label: string, opts: { gen?: unknown; memberId?: string; offset?: bigint; topicName?: string; partitions?: number[]; metadata?: unknown; group?: string } = {}): RequestStep {
  return {
    api: "OffsetCommit",
    version: v,
    label,
    body: {
      groupId: opts.group ?? "${group}",
      generationIdOrMemberEpoch: opts.gen ?? -1,
      memberId: opts.memberId ?? "",
      groupInstanceId: null,
      retentionTimeMs: -1n,
      topics: [{ name: opts.topicName ?? "${topic}", partitions: (opts.partitions ?? [0]).map((p) => ({ partitionIndex: p, committedOffset: opts.offset ?? 5n, committedLeaderEpoch: -1, committedMetadata: opts.metadata ?? "meta" })) }],
    },
  };
}

function offsetFetch(v: number, label: string, topics: { name: string; partitionIndexes: number[] }[] | null, group = "${group}"): RequestStep {
  return {
    api: "OffsetFetch",
    version: v,
    label,
    body: { groupId: group, topics, groups: [{ groupId: group, memberId: null, memberEpoch: -1, topics }], requireStable: false },
  };
}

function leave(v: number, memberVar: string, label = "leave", conn = 0): RequestStep {
  return {
    api: "LeaveGroup",
    version: v,
    conn,
    label,
    body: { groupId: "${group}", memberId: `\${${memberVar}}`, members: [{ memberId: `\${${memberVar}}`, groupInstanceId: null, reason: null }] },
  };
}

function listGroups(v: number, label: string, states: string[] = [], types: string[] = []): RequestStep {
  return { api: "ListGroups", version: v, label, own: ["groups"], body: { statesFilter: states, typesFilter: types } };
}

function deleteGroups(v: number, label: string, groups = ["${group}"]): RequestStep {
  return { api: "DeleteGroups", version: v, label, body: { groupsNames: groups } };
}

function lifecycle(setName: string, v: Versions): Scenario {
  return {
    name: `group-lifecycle-${setName}`,
    steps: [
      ...topic(),
      ...joinFully(v.join, "m1"),
      sync(v.sync, "m1", [{ memberVar: "m1" }]),
      heartbeat(v.hb, "${m1}", "${gen}", "heartbeat"),
      describe(v.describe, "describe-stable"),
      listGroups(v.list, "list-all"),
      commit(v.commit, "commit", { gen: "${gen}", memberId: "${m1}" }),
      offsetFetch(v.fetch, "fetch", [{ name: "${topic}", partitionIndexes: [0, 1] }]),
      commit(v.commit, "commit-as-simple-consumer", { offset: 9n }),
      leave(v.leave, "m1"),
      describe(v.describe, "describe-empty"),
      heartbeat(v.hb, "${m1}", "${gen}", "heartbeat-after-leave"),
      deleteGroups(v.del, "delete"),
      describe(v.describe, "describe-deleted"),
      offsetFetch(v.fetch, "fetch-after-delete", [{ name: "${topic}", partitionIndexes: [0] }]),
    ],
  };
}

export const GROUPS: Scenario[] = [
  ...Object.entries(SETS).map(([name, v]) => lifecycle(name, v)),
  ...["mid", "new"].map((setName): Scenario => {
    const v = SETS[setName]!;
    return {
      name: `group-two-members-${setName}`,
      steps: [
        ...topic(),
        join(v.join, null, { label: "a-without-id", capture: { a: "memberId" } }),
        join(v.join, null, { conn: 1, label: "b-without-id", capture: { b: "memberId" } }),
        { parallel: [join(v.join, "a", { label: "a-join", capture: { gen: "generationId" } }), join(v.join, "b", { conn: 1, label: "b-join", delayMs: 300 })] },
        { parallel: [sync(v.sync, "a", [{ memberVar: "a" }, { memberVar: "b" }], { label: "a-sync" }), sync(v.sync, "b", [], { conn: 1, label: "b-sync" })] },
        describe(v.describe, "describe-stable"),
        leave(v.leave, "b", "b-leave", 1),
        heartbeat(v.hb, "${a}", "${gen}", "a-heartbeat-rebalancing"),
        join(v.join, "a", { label: "a-rejoin", capture: { gen: "generationId" } }),
        sync(v.sync, "a", [{ memberVar: "a" }], { label: "a-resync" }),
        describe(v.describe, "describe-after"),
      ],
    };
  }),
  {
    // Static membership (KIP-345): a member with a group.instance.id joins without MEMBER_ID_REQUIRED,
    // a new incarnation of the same instance replaces it without a rebalance, the old one is fenced.
    name: "group-static-membership",
    steps: [
      ...topic(),
      join(9, null, { label: "join", instance: "${prefix}i1", capture: { m1: "memberId", gen: "generationId" } }),
      { ...sync(5, "m1", [{ memberVar: "m1" }]), body: { groupId: "${group}", generationId: "${gen}", memberId: "${m1}", groupInstanceId: "${prefix}i1", protocolType: "consumer", protocolName: "range", assignments: [{ memberId: "${m1}", assignment: assignment("differential-topic") }] } },
      join(9, null, { conn: 1, label: "rejoin-new-incarnation", instance: "${prefix}i1", capture: { m2: "memberId", gen2: "generationId" } }),
      heartbeat(4, "${m1}", "${gen}", "heartbeat-old-incarnation", 0, "${prefix}i1"),
      heartbeat(4, "${m2}", "${gen2}", "heartbeat-new-incarnation", 1, "${prefix}i1"),
      heartbeat(4, "${m2}", "${gen2}", "heartbeat-wrong-instance", 1, "${prefix}i9"),
      describe(5, "describe-stable"),
      { api: "LeaveGroup", version: 5, label: "leave-by-instance", body: { groupId: "${group}", members: [{ memberId: "", groupInstanceId: "${prefix}i1", reason: "done" }, { memberId: "", groupInstanceId: "${prefix}i7", reason: null }] } },
      describe(5, "describe-after-leave"),
    ],
  },
  {
    name: "group-member-errors",
    steps: [
      ...topic(),
      ...joinFully(9, "m1"),
      sync(5, "m1", [{ memberVar: "m1" }]),
      heartbeat(4, "${m1}", 99, "heartbeat-wrong-generation"),
      heartbeat(4, "nobody", "${gen}", "heartbeat-unknown-member"),
      { ...sync(5, "m1", [], { label: "sync-wrong-generation", gen: 42 }) },
      { api: "SyncGroup", version: 5, label: "sync-unknown-member", body: { groupId: "${group}", generationId: "${gen}", memberId: "nobody", groupInstanceId: null, protocolType: "consumer", protocolName: "range", assignments: [] } },
      { api: "SyncGroup", version: 5, label: "sync-wrong-protocol", body: { groupId: "${group}", generationId: "${gen}", memberId: "${m1}", groupInstanceId: null, protocolType: "connect", protocolName: "range", assignments: [] } },
      join(9, null, { conn: 1, label: "other-protocol-type", protocolType: "connect" }),
      commit(9, "commit-unknown-member", { gen: "${gen}", memberId: "nobody" }),
      commit(9, "commit-wrong-generation", { gen: 77, memberId: "${m1}" }),
      commit(9, "commit-simple-to-stable-group"),
      deleteGroups(2, "delete-non-empty"),
      { api: "LeaveGroup", version: 5, label: "leave-unknown-member", body: { groupId: "${group}", members: [{ memberId: "nobody", groupInstanceId: null, reason: null }] } },
    ],
  },
  ...[1, 3, 4].map((v): Scenario => ({
    name: `heartbeat-unknown-group-v${v}`,
    steps: [heartbeat(v, "nobody", 1, "heartbeat")],
  })),
  {
    name: "join-group-bad-input",
    steps: [
      join(9, null, { label: "session-too-short", sessionTimeoutMs: 1000 }),
      join(9, null, { label: "session-too-long", sessionTimeoutMs: 99_999_999 }),
      join(9, null, { label: "empty-group-id", group: "" }),
      join(9, "unknownMember", { label: "unknown-member-id" }),
      { ...join(9, null, { label: "no-protocols" }), body: { groupId: "${group}", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: "", groupInstanceId: null, protocolType: "consumer", protocols: [], reason: null } },
    ],
  },
  ...[2, 5, 8, 9].map((v): Scenario => ({
    name: `offset-commit-simple-v${v}`,
    steps: [
      ...topic("${topic}", 2),
      commit(v, "commit", { partitions: [0, 1], metadata: v >= 2 ? "hello" : "" }),
      commit(v, "commit-null-metadata", { partitions: [1], metadata: null, offset: 7n }),
      offsetFetch(v === 9 ? 9 : v === 8 ? 8 : v >= 5 ? 5 : 1, "fetch", [{ name: "${topic}", partitionIndexes: [0, 1, 2] }]),
      describe(5, "describe"),
      listGroups(5, "list"),
    ],
  })),
  {
    name: "offset-commit-retention-and-stable-fetch",
    steps: [
      ...topic(),
      commit(2, "commit-v2-retention", { offset: 3n }),
      { ...commit(4, "commit-v4-retention", { offset: 4n }), body: { groupId: "${group}", generationIdOrMemberEpoch: -1, memberId: "", retentionTimeMs: 60_000n, topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0, committedOffset: 4n, committedLeaderEpoch: -1, committedMetadata: "r" }] }] } },
      { ...offsetFetch(7, "fetch-require-stable", [{ name: "${topic}", partitionIndexes: [0] }]), body: { groupId: "${group}", topics: [{ name: "${topic}", partitionIndexes: [0] }], requireStable: true } },
      { api: "DescribeGroups", version: 5, label: "describe-with-operations", body: { groups: ["${group}"], includeAuthorizedOperations: true } },
    ],
  },
  {
    name: "offset-commit-bad-input",
    steps: [
      ...topic(),
      commit(9, "unknown-topic", { topicName: "${topic2}" }),
      commit(9, "unknown-partition", { partitions: [4] }),
      commit(9, "metadata-too-large", { metadata: { $repeat: "m", n: 4097 } }),
      commit(9, "negative-offset", { offset: -5n }),
      commit(9, "empty-group-id", { group: "" }),
      offsetFetch(8, "fetch", [{ name: "${topic}", partitionIndexes: [0, 4] }, { name: "${topic2}", partitionIndexes: [0] }]),
    ],
  },
  ...[1, 5, 7, 8].map((v): Scenario => ({
    name: `offset-fetch-unknown-group-v${v}`,
    steps: [...topic(), offsetFetch(v, "fetch", [{ name: "${topic}", partitionIndexes: [0] }])],
  })),
  ...[2, 7, 8].map((v): Scenario => ({
    name: `offset-fetch-all-topics-v${v}`,
    steps: [...topic("${topic}", 2), ...topic("${topic2}"), commit(7, "commit-t", { partitions: [0, 1] }), commit(7, "commit-u", { topicName: "${topic2}" }), offsetFetch(v, "fetch-all", null)],
  })),
  {
    name: "offset-delete",
    steps: [
      ...topic("${topic}", 2),
      commit(8, "commit", { partitions: [0, 1] }),
      { api: "OffsetDelete", version: 0, label: "delete", body: { groupId: "${group}", topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0 }, { partitionIndex: 5 }] }, { name: "${topic2}", partitions: [{ partitionIndex: 0 }] }] } },
      offsetFetch(8, "fetch", [{ name: "${topic}", partitionIndexes: [0, 1] }]),
      { api: "OffsetDelete", version: 0, label: "unknown-group", body: { groupId: "${prefix}nogroup", topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0 }] }] } },
    ],
  },
  ...[0, 1, 3, 5].map((v): Scenario => ({
    name: `describe-groups-unknown-v${v}`,
    steps: [describe(v, "describe", ["${group}"])],
  })),
  ...[0, 1, 2].map((v): Scenario => ({
    name: `delete-groups-v${v}`,
    steps: [...topic(), commit(7, "commit"), deleteGroups(v, "delete", ["${group}", "${prefix}nogroup"]), offsetFetch(7, "fetch", [{ name: "${topic}", partitionIndexes: [0] }])],
  })),
  {
    name: "list-groups-filters",
    steps: [
      ...topic(),
      commit(7, "commit-empty-group", { group: "${prefix}g2" }),
      ...joinFully(9, "m1"),
      { ...sync(5, "m1", [{ memberVar: "m1" }]), body: { groupId: "${group}", generationId: "${gen}", memberId: "${m1}", groupInstanceId: null, protocolType: "consumer", protocolName: "range", assignments: [{ memberId: "${m1}", assignment: new Uint8Array(0) }] } },
      listGroups(5, "all"),
      listGroups(5, "stable", ["Stable"]),
      listGroups(5, "empty", ["Empty"]),
      listGroups(5, "lowercase-state", ["stable"]),
      listGroups(5, "classic", [], ["classic"]),
      listGroups(5, "consumer-type", [], ["consumer"]),
      listGroups(4, "v4-stable", ["Stable"]),
      listGroups(0, "v0"),
    ],
  },
];

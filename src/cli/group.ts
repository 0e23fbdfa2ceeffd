/**
 * `takhin group list|describe|seek|delete`: consumer groups through their coordinators
 * (FindCoordinator, ListGroups on every broker, DescribeGroups, OffsetFetch, ListOffsets for lag,
 * OffsetCommit, DeleteGroups). `seek` resets committed offsets as Kafka's
 * kafka-consumer-groups.sh --reset-offsets does, and like it refuses while the group has members
 * (NON_EMPTY_GROUP with Kafka's message).
 */
import { EARLIEST_TIMESTAMP, KafkaError, LATEST_TIMESTAMP, type KafkaClient } from "../client/index.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { UsageError } from "./args.ts";
import { bool, int, int64, strs, type Context, type Group } from "./command.ts";
import { commitOffsets, decodeAssignment, deleteGroup, describeGroup, fetchOffsets, groupCoordinator, listGroups, topicMetadata, withLeaderRetry } from "./kafka.ts";
import { errorName } from "./topic.ts";

async function list(ctx: Context): Promise<void> {
  const client = await ctx.client();
  const groups = await listGroups(client);
  const rows = groups.map((g) => ({ group_id: g.groupId, state: g.state || null, protocol_type: g.protocolType, coordinator: g.coordinator }));
  if (ctx.json) ctx.out.json(rows);
  else ctx.out.table(["GROUP", "STATE", "TYPE", "COORDINATOR"], rows.map((g) => [g.group_id, g.state, g.protocol_type || "-", g.coordinator]));
}

async function logEnd(client: KafkaClient, topic: string, partition: number): Promise<bigint | null> {
  try {
    return (await withLeaderRetry(client, topic, () => client.listOffsets(topic, partition, LATEST_TIMESTAMP))).offset;
  } catch (error) {
    if (error instanceof KafkaError) return null; // a deleted topic still in the offsets
    throw error;
  }
}

async function describe(ctx: Context): Promise<void> {
  const client = await ctx.client();
  const groupId = ctx.positionals[0]!;
  const coordinator = await groupCoordinator(client, groupId);
  const g = await describeGroup(client, groupId, coordinator);
  const committed = await fetchOffsets(client, groupId, coordinator, null);
  if (g.groupState === "Dead" && committed.length === 0) throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, `group ${groupId}`, `Consumer group '${groupId}' does not exist.`);
  const members = g.members.map((m) => ({
    member_id: m.memberId,
    group_instance_id: m.groupInstanceId,
    client_id: m.clientId,
    client_host: m.clientHost,
    assignment: g.protocolType === "consumer" ? decodeAssignment(m.memberAssignment) : [],
  }));
  const owner = new Map<string, string>();
  for (const m of members) for (const a of m.assignment) owner.set(`${a.topic}\0${a.partition}`, m.member_id);
  const keys = new Map<string, { topic: string; partition: number; offset: bigint | null }>();
  for (const c of committed) keys.set(`${c.topic}\0${c.partition}`, { topic: c.topic, partition: c.partition, offset: c.offset });
  for (const m of members) for (const a of m.assignment) if (!keys.has(`${a.topic}\0${a.partition}`)) keys.set(`${a.topic}\0${a.partition}`, { ...a, offset: null });
  const offsets = [];
  for (const [k, o] of [...keys].sort(([, a], [, b]) => a.topic.localeCompare(b.topic) || a.partition - b.partition)) {
    const end = await logEnd(client, o.topic, o.partition);
    offsets.push({ topic: o.topic, partition: o.partition, current_offset: o.offset, log_end_offset: end, lag: end !== null && o.offset !== null ? (end > o.offset ? end - o.offset : 0n) : null, member_id: owner.get(k) ?? null });
  }
  if (ctx.json) {
    ctx.out.json({ group_id: groupId, state: g.groupState, protocol_type: g.protocolType, protocol: g.protocolData, coordinator, members, offsets });
    return;
  }
  ctx.out.write(`Group: ${groupId}\nState: ${g.groupState}\nCoordinator: ${coordinator}\nProtocol: ${g.protocolType || "-"}${g.protocolData ? ` (${g.protocolData})` : ""}\nMembers: ${members.length}\n\n`);
  ctx.out.table(["TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "MEMBER"], offsets.map((o) => [o.topic, o.partition, o.current_offset, o.log_end_offset, o.lag, o.member_id]));
  if (members.length > 0) {
    ctx.out.write("\n");
    ctx.out.table(["MEMBER", "CLIENT-ID", "HOST", "PARTITIONS"], members.map((m) => [m.member_id, m.client_id, m.client_host, m.assignment.map((a) => `${a.topic}-${a.partition}`).join(",") || "-"]));
  }
}

async function seek(ctx: Context): Promise<void> {
  const client = await ctx.client();
  const groupId = ctx.positionals[0]!;
  const toOffset = int64(ctx, "to-offset");
  const toTimestamp = int64(ctx, "to-timestamp");
  const modes = [bool(ctx, "to-earliest"), bool(ctx, "to-latest"), toOffset !== undefined, toTimestamp !== undefined].filter(Boolean).length;
  if (modes !== 1) throw new UsageError("give exactly one of --to-earliest, --to-latest, --to-offset N, --to-timestamp MS");
  const only = int(ctx, "partition");
  const topicsFlag = strs(ctx, "topic");
  if (only !== undefined && topicsFlag.length !== 1) throw new UsageError("--partition needs exactly one --topic");

  const coordinator = await groupCoordinator(client, groupId);
  const g = await describeGroup(client, groupId, coordinator);
  if (g.groupState !== "Empty" && g.groupState !== "Dead") {
    throw new KafkaError(ErrorCode.NON_EMPTY_GROUP, `seek group ${groupId}`, `Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${g.groupState}.`);
  }
  const committed = await fetchOffsets(client, groupId, coordinator, null);
  const targets: { topic: string; partition: number; previous: bigint | null }[] = [];
  const topics = topicsFlag.length > 0 ? topicsFlag : [...new Set(committed.map((c) => c.topic))];
  if (topics.length === 0) throw new UsageError(`group ${groupId} has no committed offsets: name the topics with --topic`);
  for (const topic of topics) {
    const md = await withLeaderRetry(client, topic, () => topicMetadata(client, topic));
    const ids = md.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b);
    if (only !== undefined && !ids.includes(only)) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${only}`);
    for (const p of only === undefined ? ids : [only]) targets.push({ topic, partition: p, previous: committed.find((c) => c.topic === topic && c.partition === p)?.offset ?? null });
  }
  const plan = [];
  for (const t of targets) {
    const earliest = (await withLeaderRetry(client, t.topic, () => client.listOffsets(t.topic, t.partition, EARLIEST_TIMESTAMP))).offset;
    const latest = (await withLeaderRetry(client, t.topic, () => client.listOffsets(t.topic, t.partition, LATEST_TIMESTAMP))).offset;
    let offset: bigint;
    if (bool(ctx, "to-earliest")) offset = earliest;
    else if (bool(ctx, "to-latest")) offset = latest;
    else if (toOffset !== undefined) offset = toOffset < earliest ? earliest : toOffset > latest ? latest : toOffset; // clamped, as Kafka's tool does
    else {
      const r = await withLeaderRetry(client, t.topic, () => client.listOffsets(t.topic, t.partition, toTimestamp!));
      offset = r.offset < 0n ? latest : r.offset;
    }
    plan.push({ topic: t.topic, partition: t.partition, previous_offset: t.previous, new_offset: offset });
  }
  const dryRun = bool(ctx, "dry-run");
  if (!dryRun) await commitOffsets(client, groupId, coordinator, plan.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.new_offset })));
  if (ctx.json) ctx.out.json({ group_id: groupId, dry_run: dryRun, offsets: plan });
  else ctx.out.table(["TOPIC", "PARTITION", "PREVIOUS-OFFSET", "NEW-OFFSET"], plan.map((p) => [p.topic, p.partition, p.previous_offset, p.new_offset]));
}

async function remove(ctx: Context): Promise<void> {
  const client = await ctx.client();
  const results = [];
  for (const groupId of ctx.positionals) {
    const code = await deleteGroup(client, groupId, await groupCoordinator(client, groupId));
    results.push({ group_id: groupId, error: code === 0 ? null : errorName(code), code });
  }
  if (ctx.json) ctx.out.json(results.map(({ group_id, error }) => ({ group_id, error })));
  else ctx.out.table(["GROUP", "STATUS"], results.map((r) => [r.group_id, r.error ?? "deleted"]));
  const failed = results.find((r) => r.code !== 0);
  if (failed) throw new KafkaError(failed.code, `delete group ${failed.group_id}`);
}

export const groupCommands: Group = {
  name: "group",
  summary: "list, describe, reset offsets of and delete consumer groups",
  commands: [
    { name: "list", summary: "list groups (from every broker)", flags: [], positionals: [], run: list },
    { name: "describe", summary: "state, members, committed offsets and lag of a group", flags: [], positionals: [{ name: "group", required: true }], run: describe },
    {
      name: "seek",
      summary: "reset a group's committed offsets (the group must have no members)",
      flags: [
        { name: "topic", kind: "strings", value: "TOPIC", help: "a topic to reset (default: the topics the group has offsets for)" },
        { name: "partition", kind: "int", value: "N", help: "only this partition (with one --topic)" },
        { name: "to-earliest", kind: "bool", help: "to the log start" },
        { name: "to-latest", kind: "bool", help: "to the log end" },
        { name: "to-offset", kind: "int64", value: "N", help: "to offset N (clamped to the log's range)" },
        { name: "to-timestamp", kind: "int64", value: "MS", help: "to the first offset at or after this time (ms since the epoch)" },
        { name: "dry-run", kind: "bool", help: "show the new offsets without committing them" },
      ],
      positionals: [{ name: "group", required: true }],
      run: seek,
    },
    { name: "delete", summary: "delete groups (they must have no members)", flags: [], positionals: [{ name: "group", required: true, variadic: true }], run: remove },
  ],
};

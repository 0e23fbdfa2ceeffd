/**
 * What the console asks a Kafka cluster, through the internal client (src/client) only, so it
 * works the same against Takhin and Apache Kafka: the cluster view from Metadata, topic listings
 * with offsets (ListOffsets batched per leader) and sizes (DescribeLogDirs per broker), topic
 * configs, partitions added, groups with lag, offsets reset and deleted. The group calls shared
 * with the CLI (FindCoordinator, ListGroups, DescribeGroups, OffsetFetch, standalone OffsetCommit,
 * DeleteGroups, IncrementalAlterConfigs) are src/cli/kafka.ts's.
 */
import { EARLIEST_TIMESTAMP, KafkaError, LATEST_TIMESTAMP, type KafkaClient, type MetadataResponse } from "../../client/index.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { CreatePartitions } from "../../protocol/messages/create-partitions.ts";
import { DescribeLogDirs } from "../../protocol/messages/describe-log-dirs.ts";
import { ListOffsets } from "../../protocol/messages/list-offsets.ts";
import { OffsetDelete } from "../../protocol/messages/offset-delete.ts";
import { commitOffsets, decodeAssignment, deleteGroup, describeGroup, fetchOffsets, groupCoordinator, listGroups, topicMetadata } from "../../cli/kafka.ts";
import { CONSOLE_MAX_LIST_ITEMS, CONSOLE_MAX_PARTITIONS } from "../../limits.ts";
import { badRequest, notFound } from "./errors.ts";

export type TopicMd = MetadataResponse["topics"][number];

export interface PartitionOffsets {
  partition: number;
  earliest: string | null;
  latest: string | null;
  /** Error code name when the leader could not answer. */
  error?: string;
}

/** Earliest and latest offsets (or the offsets for `timestamp`) of partitions, one ListOffsets per leader. */
export async function offsetsFor(client: KafkaClient, parts: { topic: string; partition: number; leader: number }[], timestamp: bigint): Promise<Map<string, { offset: bigint | null; error?: string }>> {
  const byLeader = new Map<number, { topic: string; partition: number }[]>();
  const out = new Map<string, { offset: bigint | null; error?: string }>();
  for (const p of parts) {
    if (p.leader < 0) {
      out.set(`${p.topic}:${p.partition}`, { offset: null, error: "LEADER_NOT_AVAILABLE" });
      continue;
    }
    const list = byLeader.get(p.leader) ?? [];
    list.push(p);
    byLeader.set(p.leader, list);
  }
  await Promise.all(
    [...byLeader].map(async ([leader, list]) => {
      const topics = new Map<string, number[]>();
      for (const p of list) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
      try {
        const { version, body } = await client.send(
          ListOffsets,
          { replicaId: -1, isolationLevel: 0, topics: [...topics].map(([name, ps]) => ({ name, partitions: ps.map((partitionIndex) => ({ partitionIndex, timestamp, maxNumOffsets: 1 })) })) },
          { nodeId: leader },
        );
        for (const t of body.topics)
          for (const p of t.partitions) {
            const offset = version === 0 ? (p.oldStyleOffsets[0] ?? -1n) : p.offset;
            out.set(`${t.name}:${p.partitionIndex}`, p.errorCode === 0 ? { offset: offset < 0n ? null : offset } : { offset: null, error: new KafkaError(p.errorCode, "").codeName });
          }
      } catch (e) {
        for (const p of list) out.set(`${p.topic}:${p.partition}`, { offset: null, error: (e as Error).message });
      }
    }),
  );
  return out;
}

/** Bytes on disk per topic-partition, summed over the brokers' log dirs (replicas included). */
async function sizes(client: KafkaClient): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  await Promise.all(
    client.brokers.map(async (b) => {
      try {
        const { body } = await client.send(DescribeLogDirs, { topics: null }, { nodeId: b.nodeId });
        for (const d of body.results) for (const t of d.topics) for (const p of t.partitions) out.set(t.name, (out.get(t.name) ?? 0n) + p.partitionSize);
      } catch {
        // A broker that does not answer leaves its share out of the sizes.
      }
    }),
  );
  return out;
}

export async function overview(client: KafkaClient) {
  const md = await client.metadata(null);
  let partitions = 0;
  const leaderless: { topic: string; partition: number }[] = [];
  const underReplicated: { topic: string; partition: number; replicas: number[]; isr: number[] }[] = [];
  for (const t of md.topics) {
    if (t.errorCode !== 0 || t.name === null) continue;
    for (const p of t.partitions) {
      partitions++;
      if (p.leaderId < 0 && leaderless.length < CONSOLE_MAX_LIST_ITEMS) leaderless.push({ topic: t.name, partition: p.partitionIndex });
      if (p.isrNodes.length < p.replicaNodes.length && underReplicated.length < CONSOLE_MAX_LIST_ITEMS) underReplicated.push({ topic: t.name, partition: p.partitionIndex, replicas: p.replicaNodes, isr: p.isrNodes });
    }
  }
  const versions = await client.apiVersions().catch(() => null);
  return {
    clusterId: md.clusterId,
    controller: md.controllerId,
    brokers: md.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })).sort((a, b) => a.nodeId - b.nodeId),
    topics: md.topics.filter((t) => t.errorCode === 0).length,
    partitions,
    leaderless,
    underReplicated,
    apis: versions ? versions.size : null,
  };
}

export async function listTopics(client: KafkaClient, opts: { search: string; internal: boolean }) {
  const md = await client.metadata(null);
  const all = md.topics
    .filter((t): t is TopicMd & { name: string } => t.errorCode === 0 && t.name !== null)
    .filter((t) => (opts.internal || !t.isInternal) && (opts.search === "" || t.name.toLowerCase().includes(opts.search.toLowerCase())))
    .sort((a, b) => a.name.localeCompare(b.name));
  const shown = all.slice(0, CONSOLE_MAX_LIST_ITEMS);
  const parts = shown.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, leader: p.leaderId })));
  const [earliest, latest, size] = await Promise.all([offsetsFor(client, parts, EARLIEST_TIMESTAMP), offsetsFor(client, parts, LATEST_TIMESTAMP), sizes(client)]);
  return {
    total: all.length,
    topics: shown.map((t) => {
      let records = 0n;
      for (const p of t.partitions) {
        const e = earliest.get(`${t.name}:${p.partitionIndex}`)?.offset;
        const l = latest.get(`${t.name}:${p.partitionIndex}`)?.offset;
        if (e != null && l != null) records += l - e;
      }
      return {
        name: t.name,
        internal: t.isInternal,
        partitions: t.partitions.length,
        replicationFactor: t.partitions[0]?.replicaNodes.length ?? 0,
        records: records.toString(),
        sizeBytes: size.has(t.name) ? size.get(t.name)!.toString() : null,
        underReplicated: t.partitions.filter((p) => p.isrNodes.length < p.replicaNodes.length).length,
        leaderless: t.partitions.filter((p) => p.leaderId < 0).length,
      };
    }),
  };
}

export async function describeTopic(client: KafkaClient, name: string) {
  const t = await topicMetadata(client, name).catch((e) => {
    if (e instanceof KafkaError && e.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw notFound(`topic "${name}" does not exist`);
    throw e;
  });
  const parts = t.partitions.slice(0, CONSOLE_MAX_PARTITIONS).map((p) => ({ topic: name, partition: p.partitionIndex, leader: p.leaderId }));
  const [earliest, latest, configs] = await Promise.all([offsetsFor(client, parts, EARLIEST_TIMESTAMP), offsetsFor(client, parts, LATEST_TIMESTAMP), topicConfigs(client, name)]);
  return {
    name,
    topicId: t.topicId,
    internal: t.isInternal,
    partitions: t.partitions
      .slice(0, CONSOLE_MAX_PARTITIONS)
      .sort((a, b) => a.partitionIndex - b.partitionIndex)
      .map((p) => {
        const e = earliest.get(`${name}:${p.partitionIndex}`);
        const l = latest.get(`${name}:${p.partitionIndex}`);
        return {
          partition: p.partitionIndex,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offline: p.offlineReplicas,
          earliest: e?.offset?.toString() ?? null,
          latest: l?.offset?.toString() ?? null,
          error: e?.error ?? l?.error,
        };
      }),
    configs,
  };
}

export async function topicConfigs(client: KafkaClient, name: string) {
  const [r] = await client.describeConfigs([{ type: 2, name }]);
  if (!r) return [];
  if (r.errorCode !== 0) throw new KafkaError(r.errorCode, `DescribeConfigs for ${name}`, r.errorMessage);
  return r.configs
    .map((c) => ({ name: c.name, value: c.isSensitive ? null : c.value, readOnly: c.readOnly, sensitive: c.isSensitive, source: c.configSource, isDefault: c.configSource === 5 || c.configSource === -1 }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function createTopic(client: KafkaClient, t: { name: string; partitions: number; replicationFactor: number; configs: Record<string, string> }, validateOnly: boolean) {
  const [r] = await client.createTopics([{ name: t.name, numPartitions: t.partitions, replicationFactor: t.replicationFactor, configs: t.configs }], { validateOnly });
  if (!r) throw badRequest("CreateTopics: empty answer");
  if (r.errorCode !== 0) throw new KafkaError(r.errorCode, `create topic ${t.name}`, r.errorMessage);
  return { name: t.name, partitions: r.numPartitions, replicationFactor: r.replicationFactor };
}

export async function deleteTopic(client: KafkaClient, name: string) {
  const [r] = await client.deleteTopics([name]);
  if (r && r.errorCode !== 0) throw new KafkaError(r.errorCode, `delete topic ${name}`, r.errorMessage);
}

export async function addPartitions(client: KafkaClient, name: string, count: number) {
  const { body } = await client.send(CreatePartitions, { topics: [{ name, count, assignments: null }], timeoutMs: 30_000, validateOnly: false });
  const r = body.results[0];
  if (r && r.errorCode !== 0) throw new KafkaError(r.errorCode, `add partitions to ${name}`, r.errorMessage);
}

// ---- groups

export async function groups(client: KafkaClient) {
  const list = await listGroups(client);
  return { total: list.length, groups: list.slice(0, CONSOLE_MAX_LIST_ITEMS) };
}

export interface LagRow {
  topic: string;
  partition: number;
  committed: string | null;
  logEnd: string | null;
  lag: string | null;
  member: string | null;
}

export async function describeGroupFull(client: KafkaClient, groupId: string) {
  const coordinator = await groupCoordinator(client, groupId);
  const g = await describeGroup(client, groupId, coordinator);
  const committed = await fetchOffsets(client, groupId, coordinator, null);
  const members = g.members.map((m) => ({
    memberId: m.memberId,
    clientId: m.clientId,
    host: m.clientHost,
    instanceId: m.groupInstanceId,
    assignment: g.protocolType === "consumer" ? decodeAssignment(m.memberAssignment) : [],
  }));
  const owner = new Map<string, string>();
  for (const m of members) for (const a of m.assignment) owner.set(`${a.topic}:${a.partition}`, m.memberId);
  const keys = new Map<string, { topic: string; partition: number }>();
  for (const c of committed) keys.set(`${c.topic}:${c.partition}`, c);
  for (const m of members) for (const a of m.assignment) keys.set(`${a.topic}:${a.partition}`, a);
  const md = keys.size ? await client.metadata([...new Set([...keys.values()].map((k) => k.topic))]) : null;
  const leaders = new Map<string, number>();
  for (const t of md?.topics ?? []) for (const p of t.partitions) leaders.set(`${t.name}:${p.partitionIndex}`, p.leaderId);
  const ends = await offsetsFor(client, [...keys.values()].slice(0, CONSOLE_MAX_PARTITIONS).map((k) => ({ ...k, leader: leaders.get(`${k.topic}:${k.partition}`) ?? -1 })), LATEST_TIMESTAMP);
  const byKey = new Map(committed.map((c) => [`${c.topic}:${c.partition}`, c.offset]));
  const lag: LagRow[] = [...keys.entries()]
    .map(([k, v]) => {
      const c = byKey.get(k) ?? null;
      const end = ends.get(k)?.offset ?? null;
      return { topic: v.topic, partition: v.partition, committed: c?.toString() ?? null, logEnd: end?.toString() ?? null, lag: c !== null && end !== null ? (end - c > 0n ? end - c : 0n).toString() : null, member: owner.get(k) ?? null };
    })
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return { groupId, coordinator, state: g.groupState, protocolType: g.protocolType, protocol: g.protocolData, members, lag, totalLag: lag.reduce((s, r) => s + BigInt(r.lag ?? "0"), 0n).toString() };
}

export type ResetSpec = { to: "earliest" } | { to: "latest" } | { to: "timestamp"; timestampMs: bigint } | { to: "offset"; offset: bigint } | { to: "shift"; by: bigint };

/** The new offsets of a reset (a dry run when `apply` is false): per partition, the current and the target. */
export async function resetOffsets(client: KafkaClient, groupId: string, topic: string, partitions: number[] | null, spec: ResetSpec, apply: boolean) {
  const t = await topicMetadata(client, topic);
  const chosen = t.partitions.filter((p) => partitions === null || partitions.includes(p.partitionIndex));
  if (partitions !== null && chosen.length !== partitions.length) throw badRequest(`topic ${topic} has no partition ${partitions.find((p) => !t.partitions.some((x) => x.partitionIndex === p))}`);
  const parts = chosen.map((p) => ({ topic, partition: p.partitionIndex, leader: p.leaderId }));
  const coordinator = await groupCoordinator(client, groupId);
  const [earliest, latest, committed] = await Promise.all([offsetsFor(client, parts, EARLIEST_TIMESTAMP), offsetsFor(client, parts, LATEST_TIMESTAMP), fetchOffsets(client, groupId, coordinator, [{ name: topic, partitions: parts.map((p) => p.partition) }])]);
  const at = spec.to === "timestamp" ? await offsetsFor(client, parts, spec.timestampMs) : null;
  const rows = parts.map((p) => {
    const k = `${topic}:${p.partition}`;
    const lo = earliest.get(k)?.offset ?? 0n;
    const hi = latest.get(k)?.offset ?? 0n;
    const current = committed.find((c) => c.partition === p.partition)?.offset ?? null;
    let target: bigint;
    switch (spec.to) {
      case "earliest":
        target = lo;
        break;
      case "latest":
        target = hi;
        break;
      case "timestamp":
        target = at!.get(k)?.offset ?? hi;
        break;
      case "offset":
        target = spec.offset;
        break;
      case "shift":
        target = (current ?? lo) + spec.by;
        break;
    }
    if (target < lo) target = lo;
    if (target > hi) target = hi;
    return { topic, partition: p.partition, current: current?.toString() ?? null, target: target.toString(), lagAfter: (hi - target).toString() };
  });
  if (apply) await commitOffsets(client, groupId, coordinator, rows.map((r) => ({ topic, partition: r.partition, offset: BigInt(r.target) })));
  return { groupId, applied: apply, partitions: rows };
}

export async function removeGroup(client: KafkaClient, groupId: string) {
  const coordinator = await groupCoordinator(client, groupId);
  const code = await deleteGroup(client, groupId, coordinator);
  if (code !== 0) throw new KafkaError(code, `delete group ${groupId}`);
}

export async function deleteGroupOffsets(client: KafkaClient, groupId: string, topic: string, partitions: number[] | null) {
  const coordinator = await groupCoordinator(client, groupId);
  const parts = partitions ?? (await topicMetadata(client, topic)).partitions.map((p) => p.partitionIndex);
  const { body } = await client.send(OffsetDelete, { groupId, topics: [{ name: topic, partitions: parts.map((partitionIndex) => ({ partitionIndex })) }] }, { nodeId: coordinator });
  if (body.errorCode !== 0) throw new KafkaError(body.errorCode, `delete offsets of group ${groupId}`);
  for (const t of body.topics) for (const p of t.partitions) if (p.errorCode !== 0) throw new KafkaError(p.errorCode, `delete offsets of group ${groupId} on ${t.name}-${p.partitionIndex}`);
}

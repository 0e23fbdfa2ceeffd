/**
 * The Kafka requests the CLI makes beyond the client's typed calls: topic listings from Metadata,
 * group coordinator lookup, ListGroups on every broker, DescribeGroups, OffsetFetch, OffsetCommit
 * as a standalone (generation -1) committer, DeleteGroups, IncrementalAlterConfigs, and the
 * consumer protocol's assignment bytes (Kafka's ConsumerProtocolAssignment: int16 version, then
 * [topic string, [int32 partition]], then user data bytes, all classic non-flexible encoding).
 * Every call goes through KafkaClient.send at the version both sides speak.
 */
import { KafkaError, type KafkaClient, type MetadataResponse } from "../client/index.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { DeleteGroups } from "../protocol/messages/delete-groups.ts";
import { DescribeGroups } from "../protocol/messages/describe-groups.ts";
import { FindCoordinator } from "../protocol/messages/find-coordinator.ts";
import { IncrementalAlterConfigs } from "../protocol/messages/incremental-alter-configs.ts";
import { ListGroups } from "../protocol/messages/list-groups.ts";
import { OffsetCommit } from "../protocol/messages/offset-commit.ts";
import { OffsetFetch } from "../protocol/messages/offset-fetch.ts";
import { Reader } from "../protocol/reader.ts";
import { CLI_LEADER_RETRIES, CLI_RETRY_BACKOFF_MS } from "./limits.ts";

export type TopicMetadata = MetadataResponse["topics"][number];

/** Metadata for one topic; a topic error (UNKNOWN_TOPIC_OR_PARTITION, ...) raises KafkaError. */
export async function topicMetadata(client: KafkaClient, topic: string): Promise<TopicMetadata> {
  const md = await client.metadata([topic]);
  const t = md.topics.find((x) => x.name === topic);
  if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${topic}`);
  if (t.errorCode !== 0) throw new KafkaError(t.errorCode, `topic ${topic}`);
  return t;
}

const RETRIABLE_LEADER = new Set<number>([ErrorCode.LEADER_NOT_AVAILABLE, ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.UNKNOWN_LEADER_EPOCH, ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_NOT_AVAILABLE]);

/**
 * Runs `fn`, retrying (after refreshing metadata) while the error is one a new partition or a
 * moving leader gives for a moment. UNKNOWN_TOPIC_OR_PARTITION is not retried: it is the answer.
 */
export async function withLeaderRetry<T>(client: KafkaClient, topic: string | null, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof KafkaError) || !RETRIABLE_LEADER.has(error.code) || attempt >= CLI_LEADER_RETRIES) throw error;
      await Bun.sleep(CLI_RETRY_BACKOFF_MS);
      await client.metadata(topic === null ? [] : [topic]);
    }
  }
}

/** The node id of a group's coordinator (FindCoordinator key type 0). */
export async function groupCoordinator(client: KafkaClient, groupId: string): Promise<number> {
  return withLeaderRetry(client, null, async () => {
    const { version, body } = await client.send(FindCoordinator, { key: groupId, keyType: 0, coordinatorKeys: [groupId] });
    if (version >= 4) {
      const c = body.coordinators[0];
      if (!c) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `FindCoordinator for group ${groupId}`);
      if (c.errorCode !== 0) throw new KafkaError(c.errorCode, `FindCoordinator for group ${groupId}`, c.errorMessage);
      return c.nodeId;
    }
    if (body.errorCode !== 0) throw new KafkaError(body.errorCode, `FindCoordinator for group ${groupId}`, body.errorMessage);
    return body.nodeId;
  });
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: string;
  coordinator: number;
}

/** ListGroups on every broker (each lists the groups it coordinates), merged and sorted. */
export async function listGroups(client: KafkaClient): Promise<GroupListing[]> {
  await client.metadata([]);
  const out = new Map<string, GroupListing>();
  for (const b of client.brokers) {
    const { body } = await client.send(ListGroups, { statesFilter: [], typesFilter: [] }, { nodeId: b.nodeId });
    if (body.errorCode !== 0) throw new KafkaError(body.errorCode, `ListGroups on broker ${b.nodeId}`);
    for (const g of body.groups) out.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType, state: g.groupState || "", coordinator: b.nodeId });
  }
  return [...out.values()].sort((a, b) => a.groupId.localeCompare(b.groupId));
}

export type DescribedGroup = Awaited<ReturnType<typeof describeGroup>>;

export async function describeGroup(client: KafkaClient, groupId: string, coordinator: number) {
  const { body } = await client.send(DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false }, { nodeId: coordinator });
  const g = body.groups[0];
  if (!g) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `DescribeGroups for ${groupId}: empty response`);
  if (g.errorCode !== 0) throw new KafkaError(g.errorCode, `DescribeGroups for ${groupId}`);
  return g;
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: bigint;
  metadata: string | null;
}

/** The group's committed offsets (all of them when `topics` is null). Offsets of -1 are left out. */
export async function fetchOffsets(client: KafkaClient, groupId: string, coordinator: number, topics: { name: string; partitions: number[] }[] | null): Promise<CommittedOffset[]> {
  const reqTopics = topics === null ? null : topics.map((t) => ({ name: t.name, partitionIndexes: t.partitions }));
  const { version, body } = await client.send(
    OffsetFetch,
    { groupId, topics: reqTopics, groups: [{ groupId, memberId: null, memberEpoch: -1, topics: reqTopics }], requireStable: false },
    { nodeId: coordinator },
  );
  const out: CommittedOffset[] = [];
  const take = (list: typeof body.topics) => {
    for (const t of list)
      for (const p of t.partitions) {
        if (p.errorCode !== 0) throw new KafkaError(p.errorCode, `OffsetFetch for ${groupId} ${t.name}-${p.partitionIndex}`);
        if (p.committedOffset >= 0n) out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata });
      }
  };
  if (version >= 8) {
    const g = body.groups[0];
    if (!g) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `OffsetFetch for ${groupId}: empty response`);
    if (g.errorCode !== 0) throw new KafkaError(g.errorCode, `OffsetFetch for ${groupId}`);
    take(g.topics as typeof body.topics);
  } else {
    if (body.errorCode !== 0) throw new KafkaError(body.errorCode, `OffsetFetch for ${groupId}`);
    take(body.topics);
  }
  return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** Commits offsets as a standalone consumer (generation -1, no member): only an empty group accepts it. */
export async function commitOffsets(client: KafkaClient, groupId: string, coordinator: number, offsets: { topic: string; partition: number; offset: bigint }[]): Promise<void> {
  const byTopic = new Map<string, { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }[]>();
  for (const o of offsets) {
    const list = byTopic.get(o.topic) ?? [];
    list.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, committedMetadata: "" });
    byTopic.set(o.topic, list);
  }
  const { body } = await client.send(
    OffsetCommit,
    { groupId, generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1n, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) },
    { nodeId: coordinator },
  );
  for (const t of body.topics) for (const p of t.partitions) if (p.errorCode !== 0) throw new KafkaError(p.errorCode, `OffsetCommit for ${groupId} ${t.name}-${p.partitionIndex}`);
}

export async function deleteGroup(client: KafkaClient, groupId: string, coordinator: number): Promise<number> {
  const { body } = await client.send(DeleteGroups, { groupsNames: [groupId] }, { nodeId: coordinator });
  return body.results.find((r) => r.groupId === groupId)?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
}

/** IncrementalAlterConfigs on a topic: SET (0) and DELETE (1) operations. */
export async function alterTopicConfigs(client: KafkaClient, topic: string, set: [string, string][], remove: string[], validateOnly: boolean): Promise<void> {
  const { body } = await client.send(IncrementalAlterConfigs, {
    resources: [{ resourceType: 2, resourceName: topic, configs: [...set.map(([name, value]) => ({ name, configOperation: 0, value })), ...remove.map((name) => ({ name, configOperation: 1, value: null }))] }],
    validateOnly,
  });
  const r = body.responses[0];
  if (!r) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `IncrementalAlterConfigs for ${topic}: empty response`);
  if (r.errorCode !== 0) throw new KafkaError(r.errorCode, `alter configs of topic ${topic}`, r.errorMessage);
}

/** The partitions in a consumer-protocol assignment (empty when the bytes are not one). */
export function decodeAssignment(bytes: Uint8Array): { topic: string; partition: number }[] {
  if (bytes.length < 2) return [];
  try {
    const r = new Reader(bytes);
    r.int16();
    const n = r.int32();
    if (n < 0 || n > r.remaining) return [];
    const out: { topic: string; partition: number }[] = [];
    for (let i = 0; i < n; i++) {
      const topic = r.string(false) ?? "";
      const m = r.int32();
      if (m < 0 || m * 4 > r.remaining) return [];
      for (let j = 0; j < m; j++) out.push({ topic, partition: r.int32() });
    }
    return out;
  } catch {
    return [];
  }
}

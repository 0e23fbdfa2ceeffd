/**
 * What the Admin API shows, read from the broker's domain objects: the metadata image (brokers,
 * topics, partition registrations), the PartitionManager (offsets and sizes of the partitions this
 * node hosts), the GroupService (groups, members, committed offsets) and the quorum (controller,
 * term). Plain JSON-ready objects with stable field names (snake_case, as Redpanda's Admin API);
 * nothing here writes.
 *
 * A partition this node does not host (led by another node of a cluster) has its offsets and
 * size as null: they are the hosting node's to tell (ask its Admin API), not guessed here.
 */
import type { BrokerContext } from "../server/context.ts";
import type { ServiceStatus } from "../server/lifecycle.ts";
import type { MetadataImage, TopicImage } from "../metadata/image.ts";
import { ADMIN_API_MAX_LIST_ENTRIES } from "../limits.ts";

export interface BrokerView {
  node_id: number;
  rack: string | null;
  fenced: boolean;
  is_alive: boolean;
  epoch: string;
  endpoints: { name: string; host: string; port: number }[];
  is_controller: boolean;
  self: boolean;
}

export function controllerId(ctx: BrokerContext): number {
  return ctx.quorum ? ctx.quorum.controllerId : ctx.nodeId;
}

function image(ctx: BrokerContext): MetadataImage {
  return ctx.metadata.image;
}

export function brokers(ctx: BrokerContext): BrokerView[] {
  const ctl = controllerId(ctx);
  return [...image(ctx).brokers.values()]
    .sort((a, b) => a.id - b.id)
    .map((b) => ({
      node_id: b.id,
      rack: b.rack,
      fenced: b.fenced,
      is_alive: !b.fenced,
      epoch: b.epoch.toString(),
      endpoints: b.endPoints.map((e) => ({ name: e.name, host: e.host, port: e.port })),
      is_controller: b.id === ctl,
      self: b.id === ctx.nodeId,
    }));
}

export interface PartitionView {
  partition_id: number;
  leader_id: number;
  leader_epoch: number;
  replicas: number[];
  isr: number[];
  under_replicated: boolean;
  leaderless: boolean;
  /** Whether this node hosts the partition's log (the fields below are null when it does not). */
  local: boolean;
  log_start_offset: number | null;
  log_end_offset: number | null;
  high_watermark: number | null;
  size_bytes: number | null;
  offline: boolean | null;
}

function partitionViews(ctx: BrokerContext, t: TopicImage): PartitionView[] {
  return t.partitions.map((p, i) => {
    const local = ctx.partitions.hosted(t.name, i) ?? null;
    const usable = local !== null && !local.offline;
    return {
      partition_id: i,
      leader_id: p.leader,
      leader_epoch: p.leaderEpoch,
      replicas: [...p.replicas],
      isr: [...p.isr],
      under_replicated: p.isr.length < p.replicas.length,
      leaderless: p.leader < 0,
      local: local !== null,
      log_start_offset: usable ? local.logStartOffset : null,
      log_end_offset: usable ? local.logEndOffset : null,
      high_watermark: usable ? local.highWatermark : null,
      size_bytes: usable ? local.log.sizeBytes : null,
      offline: local ? local.offline : null,
    };
  });
}

export interface TopicSummary {
  topic: string;
  topic_id: string;
  partition_count: number;
  replication_factor: number;
  internal: boolean;
}

function summary(t: TopicImage): TopicSummary {
  return {
    topic: t.name,
    topic_id: t.id,
    partition_count: t.partitions.length,
    replication_factor: t.partitions[0]?.replicas.length ?? 0,
    internal: t.name.startsWith("__"),
  };
}

export function topics(ctx: BrokerContext): TopicSummary[] {
  return [...image(ctx).topicsByName.values()]
    .map(summary)
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0))
    .slice(0, ADMIN_API_MAX_LIST_ENTRIES);
}

export function topic(ctx: BrokerContext, name: string): (TopicSummary & { configs: Record<string, string>; partitions: PartitionView[] }) | null {
  const t = image(ctx).topic(name);
  if (!t) return null;
  return { ...summary(t), configs: image(ctx).topicConfigs(name), partitions: partitionViews(ctx, t) };
}

export interface HealthOverview {
  is_healthy: boolean;
  controller_id: number;
  all_nodes: number[];
  nodes_down: number[];
  leaderless_partitions: string[];
  leaderless_count: number;
  under_replicated_partitions: string[];
  under_replicated_count: number;
}

/** Listed partitions are capped (the counts are not). */
const MAX_LISTED_PARTITIONS = 1000;

export function healthOverview(ctx: BrokerContext): HealthOverview {
  const img = image(ctx);
  const all = [...img.brokers.keys()].sort((a, b) => a - b);
  const down = [...img.brokers.values()].filter((b) => b.fenced).map((b) => b.id).sort((a, b) => a - b);
  const leaderless: string[] = [];
  const under: string[] = [];
  let leaderlessCount = 0;
  let underCount = 0;
  for (const t of img.topicsByName.values()) {
    t.partitions.forEach((p, i) => {
      if (p.leader < 0) {
        leaderlessCount++;
        if (leaderless.length < MAX_LISTED_PARTITIONS) leaderless.push(`${t.name}/${i}`);
      }
      if (p.isr.length < p.replicas.length) {
        underCount++;
        if (under.length < MAX_LISTED_PARTITIONS) under.push(`${t.name}/${i}`);
      }
    });
  }
  const ctl = controllerId(ctx);
  return {
    is_healthy: ctl >= 0 && down.length === 0 && leaderlessCount === 0,
    controller_id: ctl,
    all_nodes: all,
    nodes_down: down,
    leaderless_partitions: leaderless.sort(),
    leaderless_count: leaderlessCount,
    under_replicated_partitions: under.sort(),
    under_replicated_count: underCount,
  };
}

export function groups(ctx: BrokerContext): { group_id: string; protocol_type: string; state: string }[] {
  return ctx.groups
    .listGroups()
    .map((g) => ({ group_id: g.groupId, protocol_type: g.protocolType, state: g.state }))
    .sort((a, b) => (a.group_id < b.group_id ? -1 : a.group_id > b.group_id ? 1 : 0))
    .slice(0, ADMIN_API_MAX_LIST_ENTRIES);
}

export interface GroupOffsetView {
  topic: string;
  partition_id: number;
  committed_offset: number;
  /** The partition's high watermark on this node; null when it is hosted elsewhere. */
  high_watermark: number | null;
  lag: number | null;
}

/** One group with its members and committed offsets; null when the group is not known here. */
export function group(ctx: BrokerContext, groupId: string) {
  const d = ctx.groups.describeGroup(groupId);
  if (d.errorCode !== 0 || d.groupState === "Dead") return null;
  const offsets = ctx.groups.fetchOffsets(groupId, null);
  const partitions: GroupOffsetView[] = [];
  for (const t of offsets.topics) {
    for (const p of t.partitions) {
      if (!p.entry) continue;
      const local = ctx.partitions.hosted(t.name, p.partition);
      const hw = local && !local.offline ? local.highWatermark : null;
      const committed = Number(p.entry.offset);
      partitions.push({ topic: t.name, partition_id: p.partition, committed_offset: committed, high_watermark: hw, lag: hw === null ? null : Math.max(0, hw - committed) });
    }
  }
  partitions.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition_id - b.partition_id));
  return {
    group_id: d.groupId,
    state: d.groupState,
    protocol_type: d.protocolType,
    protocol: d.protocolData,
    members: d.members.map((m) => ({ member_id: m.memberId, group_instance_id: m.groupInstanceId, client_id: m.clientId, client_host: m.clientHost })),
    partitions,
    total_lag: partitions.reduce((s, p) => s + (p.lag ?? 0), 0),
  };
}

export type ComponentHealth = "up" | "down" | "starting";

/** Per-component readiness from the service host (storage, metadata, coordinators, listeners, this API). */
export function components(status: ServiceStatus[], self: { name: string }): { name: string; status: ComponentHealth; port?: number; error?: string }[] {
  return status.map((s) => ({
    name: s.name,
    // The Admin API answers, so it is up even while the host still reports it starting.
    status: s.name === self.name ? "up" : s.health === "ready" ? "up" : s.health === "starting" ? "starting" : "down",
    ...(s.port !== undefined ? { port: s.port } : {}),
    ...(s.error ? { error: s.error } : {}),
  }));
}

/** The log directory as a readiness component: down while it is offline (failed) or full (issue 26). */
export function logDirsComponent(ctx: BrokerContext): { name: string; status: ComponentHealth; error?: string } {
  const logs = ctx.partitions.logs;
  const problem = logs.offlineError !== null ? `log directory ${logs.dataDir} is offline: ${logs.offlineError}` : logs.diskSpace.reason;
  return problem === null ? { name: "log-dirs", status: "up" } : { name: "log-dirs", status: "down", error: problem };
}

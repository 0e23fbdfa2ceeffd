/**
 * `takhin topic create|list|describe|alter-config|delete`: CreateTopics, Metadata, DescribeConfigs
 * and ListOffsets, IncrementalAlterConfigs, DeleteTopics. A per-topic error fails the command
 * (exit 1) after the other topics' results are printed.
 */
import { EARLIEST_TIMESTAMP, KafkaError, LATEST_TIMESTAMP, type KafkaClient } from "../client/index.ts";
import { UsageError } from "./args.ts";
import { bool, int, keyValues, strs, type Context, type Group } from "./command.ts";
import { alterTopicConfigs, topicMetadata, withLeaderRetry } from "./kafka.ts";

const CONFIG_SOURCES: Record<number, string> = {
  1: "DYNAMIC_TOPIC_CONFIG",
  2: "DYNAMIC_BROKER_CONFIG",
  3: "DYNAMIC_DEFAULT_BROKER_CONFIG",
  4: "STATIC_BROKER_CONFIG",
  5: "DEFAULT_CONFIG",
  6: "DYNAMIC_BROKER_LOGGER_CONFIG",
};

export function errorName(code: number): string {
  return new KafkaError(code, "").codeName;
}

/** Prints per-topic results, then fails with the first error if there was one. */
function report(ctx: Context, action: string, results: { name: string | null; errorCode: number; errorMessage?: string | null }[]): void {
  const rows = results.map((r) => ({ name: r.name ?? "", error: r.errorCode === 0 ? null : errorName(r.errorCode), message: r.errorMessage ?? null }));
  if (ctx.json) ctx.out.json(rows);
  else ctx.out.table(["TOPIC", "STATUS"], rows.map((r) => [r.name, r.error === null ? action : `${r.error}${r.message ? `: ${r.message}` : ""}`]));
  const failed = results.find((r) => r.errorCode !== 0);
  if (failed) throw new KafkaError(failed.errorCode, `${action.replace(/d$/, "")} topic ${failed.name}`, failed.errorMessage ?? null);
}

async function create(ctx: Context): Promise<void> {
  const partitions = int(ctx, "partitions");
  const replicas = int(ctx, "replicas");
  if (partitions !== undefined && partitions < 1) throw new UsageError("--partitions must be at least 1");
  if (replicas !== undefined && replicas < 1) throw new UsageError("--replicas must be at least 1");
  const configs = Object.fromEntries(keyValues(strs(ctx, "config"), "--config"));
  const client = await ctx.client();
  const results = await client.createTopics(ctx.positionals.map((name) => ({ name, numPartitions: partitions, replicationFactor: replicas, configs })), { validateOnly: bool(ctx, "dry-run") });
  report(ctx, bool(ctx, "dry-run") ? "valid" : "created", results);
}

async function list(ctx: Context): Promise<void> {
  const client = await ctx.client();
  const md = await client.metadata(null);
  const topics = md.topics
    .filter((t) => t.errorCode === 0 && t.name !== null && (bool(ctx, "internal") || !t.isInternal))
    .map((t) => ({ name: t.name!, topic_id: t.topicId, partitions: t.partitions.length, replication_factor: Math.max(0, ...t.partitions.map((p) => p.replicaNodes.length)), internal: t.isInternal }))
    .sort((a, b) => a.name.localeCompare(b.name));
  if (ctx.json) ctx.out.json(topics);
  else ctx.out.table(["NAME", "PARTITIONS", "REPLICAS", "INTERNAL"], topics.map((t) => [t.name, t.partitions, t.replication_factor, t.internal]));
}

async function offsetsOf(client: KafkaClient, topic: string, partition: number, leader: number): Promise<{ earliest: bigint | null; latest: bigint | null }> {
  if (leader < 0) return { earliest: null, latest: null };
  const earliest = await withLeaderRetry(client, topic, () => client.listOffsets(topic, partition, EARLIEST_TIMESTAMP));
  const latest = await withLeaderRetry(client, topic, () => client.listOffsets(topic, partition, LATEST_TIMESTAMP));
  return { earliest: earliest.offset, latest: latest.offset };
}

async function describe(ctx: Context): Promise<void> {
  const client = await ctx.client();
  const name = ctx.positionals[0]!;
  const t = await topicMetadata(client, name);
  const partitions = [];
  for (const p of [...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex)) {
    const o = await offsetsOf(client, name, p.partitionIndex, p.leaderId);
    partitions.push({
      partition: p.partitionIndex,
      leader: p.leaderId,
      leader_epoch: p.leaderEpoch,
      replicas: p.replicaNodes,
      isr: p.isrNodes,
      offline_replicas: p.offlineReplicas,
      earliest_offset: o.earliest,
      latest_offset: o.latest,
      error: p.errorCode === 0 ? null : errorName(p.errorCode),
    });
  }
  const [cfg] = await client.describeConfigs([{ type: 2, name }]);
  if (cfg && cfg.errorCode !== 0) throw new KafkaError(cfg.errorCode, `configs of topic ${name}`, cfg.errorMessage);
  const configs = (cfg?.configs ?? [])
    .map((c) => ({ name: c.name, value: c.isSensitive ? null : c.value, source: CONFIG_SOURCES[c.configSource] ?? (c.isDefault ? "DEFAULT_CONFIG" : "UNKNOWN"), read_only: c.readOnly, sensitive: c.isSensitive }))
    .sort((a, b) => a.name.localeCompare(b.name));
  if (ctx.json) {
    ctx.out.json({ name, topic_id: t.topicId, internal: t.isInternal, partitions, configs });
    return;
  }
  ctx.out.write(`Topic: ${name}\nTopic id: ${t.topicId}\nInternal: ${t.isInternal}\n\n`);
  ctx.out.table(
    ["PARTITION", "LEADER", "EPOCH", "REPLICAS", "ISR", "EARLIEST", "LATEST"],
    partitions.map((p) => [p.partition, p.leader, p.leader_epoch, p.replicas.join(","), p.isr.join(","), p.earliest_offset, p.latest_offset]),
  );
  const shown = bool(ctx, "all-configs") ? configs : configs.filter((c) => c.source !== "DEFAULT_CONFIG");
  ctx.out.write("\n");
  if (shown.length === 0) ctx.out.write("No configs set on the topic (--all-configs shows the defaults).\n");
  else ctx.out.table(["CONFIG", "VALUE", "SOURCE"], shown.map((c) => [c.name, c.value, c.source]));
}

async function alterConfig(ctx: Context): Promise<void> {
  const set = keyValues(strs(ctx, "set"), "--set");
  const remove = strs(ctx, "delete");
  if (set.length === 0 && remove.length === 0) throw new UsageError("give at least one --set key=value or --delete key");
  const client = await ctx.client();
  const name = ctx.positionals[0]!;
  await alterTopicConfigs(client, name, set, remove, bool(ctx, "dry-run"));
  const result = { topic: name, set: Object.fromEntries(set), deleted: remove, validate_only: bool(ctx, "dry-run") };
  if (ctx.json) ctx.out.json(result);
  else ctx.out.table(["TOPIC", "CONFIG", "ACTION"], [...set.map(([k, v]) => [name, k, `set to ${v}`]), ...remove.map((k) => [name, k, "deleted (back to default)"])]);
}

async function remove(ctx: Context): Promise<void> {
  const client = await ctx.client();
  const results = await client.deleteTopics(ctx.positionals);
  report(ctx, "deleted", results);
}

export const topicCommands: Group = {
  name: "topic",
  summary: "create, list, describe, configure and delete topics",
  commands: [
    {
      name: "create",
      summary: "create topics",
      flags: [
        { name: "partitions", kind: "int", value: "N", help: "partitions (default: the broker's num.partitions)" },
        { name: "replicas", kind: "int", value: "N", help: "replication factor (default: the broker's default.replication.factor)" },
        { name: "config", kind: "strings", value: "key=value", help: "a topic config" },
        { name: "dry-run", kind: "bool", help: "validate only (CreateTopics validateOnly)" },
      ],
      positionals: [{ name: "topic", required: true, variadic: true }],
      run: create,
    },
    {
      name: "list",
      summary: "list topics",
      flags: [{ name: "internal", kind: "bool", help: "include internal topics (__consumer_offsets, ...)" }],
      positionals: [],
      run: list,
    },
    {
      name: "describe",
      summary: "partitions (leader, replicas, ISR, offsets) and configs of a topic",
      flags: [{ name: "all-configs", kind: "bool", help: "show default configs too" }],
      positionals: [{ name: "topic", required: true }],
      run: describe,
    },
    {
      name: "alter-config",
      summary: "set or delete topic configs (IncrementalAlterConfigs)",
      flags: [
        { name: "set", kind: "strings", value: "key=value", help: "set a config" },
        { name: "delete", kind: "strings", value: "key", help: "remove a config (back to its default)" },
        { name: "dry-run", kind: "bool", help: "validate only" },
      ],
      positionals: [{ name: "topic", required: true }],
      run: alterConfig,
    },
    {
      name: "delete",
      summary: "delete topics",
      flags: [],
      positionals: [{ name: "topic", required: true, variadic: true }],
      run: remove,
    },
  ],
};


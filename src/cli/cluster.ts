/**
 * `takhin cluster info`: the cluster id, the controller and the brokers (DescribeCluster, else Metadata).
 * `takhin cluster reassignments | reassign | transfer-leadership | drain | decommission`: partition
 * moves with Kafka's own APIs (ListPartitionReassignments, AlterPartitionReassignments, ElectLeaders),
 * so they work against any Kafka cluster; drain and decommission plan from Metadata and the brokers'
 * racks with src/metadata/broker-moves.ts (the same plans as the Admin API's).
 */
import { pickVersion, type BrokerVersions, type KafkaClient } from "../client/index.ts";
import { DescribeCluster } from "../protocol/messages/describe-cluster.ts";
import { AlterPartitionReassignments } from "../protocol/messages/alter-partition-reassignments.ts";
import { ElectLeaders } from "../protocol/messages/elect-leaders.ts";
import { ListPartitionReassignments } from "../protocol/messages/list-partition-reassignments.ts";
import { decommissionPlan, drainPlan, type BrokerView, type PartitionView } from "../metadata/broker-moves.ts";
import { KafkaError } from "../client/index.ts";
import { UsageError } from "./args.ts";
import { bool, CliError, int, str, type Context, type Group } from "./command.ts";

interface BrokerRow {
  node_id: number;
  host: string;
  port: number;
  rack: string | null;
  fenced: boolean | null;
}

function speaks(versions: BrokerVersions): boolean {
  try {
    pickVersion(DescribeCluster, versions);
    return true;
  } catch {
    return false;
  }
}

async function info(ctx: Context): Promise<void> {
  const client = await ctx.client();
  const md = await client.metadata([]);
  let clusterId = md.clusterId;
  let controllerId = md.controllerId;
  let brokers: BrokerRow[] = md.brokers.map((b) => ({ node_id: b.nodeId, host: b.host, port: b.port, rack: b.rack, fenced: null }));
  // DescribeCluster (KIP-700) knows fenced brokers from v2; Kafka 2.8+ and Takhin answer it.
  if (speaks(await client.apiVersions())) {
    const { version, body } = await client.send(DescribeCluster, { includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: true });
    if (body.errorCode !== 0) throw new KafkaError(body.errorCode, "DescribeCluster", body.errorMessage);
    clusterId = body.clusterId;
    controllerId = body.controllerId;
    brokers = body.brokers.map((b) => ({ node_id: b.brokerId, host: b.host, port: b.port, rack: b.rack, fenced: version >= 2 ? b.isFenced : null }));
  }
  brokers.sort((a, b) => a.node_id - b.node_id);
  if (ctx.json) {
    ctx.out.json({ cluster_id: clusterId, controller_id: controllerId, brokers });
    return;
  }
  ctx.out.write(`Cluster id: ${clusterId ?? "-"}\nController: ${controllerId}\n\n`);
  ctx.out.table(
    ["ID", "HOST", "PORT", "RACK", "STATUS"],
    brokers.map((b) => [b.node_id + (b.node_id === controllerId ? "*" : ""), b.host, b.port, b.rack, b.fenced === null ? "-" : b.fenced ? "fenced" : "active"]),
  );
}

const ERROR_NONE = 0;
const ELECTION_NOT_NEEDED = 84;

function errorName(code: number): string {
  return new KafkaError(code, "").codeName;
}

async function listReassignments(ctx: Context): Promise<void> {
  const client = await ctx.client();
  const { body } = await client.send(ListPartitionReassignments, { timeoutMs: 30_000, topics: null });
  if (body.errorCode !== ERROR_NONE) throw new KafkaError(body.errorCode, "ListPartitionReassignments", body.errorMessage);
  const rows = body.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas, adding_replicas: p.addingReplicas, removing_replicas: p.removingReplicas })));
  if (ctx.json) return ctx.out.json(rows);
  ctx.out.table(["TOPIC", "PARTITION", "REPLICAS", "ADDING", "REMOVING"], rows.map((r) => [r.topic, r.partition, r.replicas.join(","), r.adding_replicas.join(","), r.removing_replicas.join(",")]));
}

/** One AlterPartitionReassignments; prints the per-partition results and fails on the first error. */
async function alter(ctx: Context, client: KafkaClient, moves: { topic: string; partition: number; replicas: number[] | null }[], print = true): Promise<void> {
  const byTopic = new Map<string, { partitionIndex: number; replicas: number[] | null }[]>();
  for (const m of moves) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), { partitionIndex: m.partition, replicas: m.replicas }]);
  const { body } = await client.send(AlterPartitionReassignments, { timeoutMs: 30_000, allowReplicationFactorChange: true, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) });
  if (body.errorCode !== ERROR_NONE) throw new KafkaError(body.errorCode, "AlterPartitionReassignments", body.errorMessage);
  const rows = body.responses.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, error: p.errorCode === 0 ? null : errorName(p.errorCode), message: p.errorMessage })));
  if (print) {
    if (ctx.json) ctx.out.json(rows);
    else ctx.out.table(["TOPIC", "PARTITION", "STATUS"], rows.map((r) => [r.topic, r.partition, r.error === null ? "started" : `${r.error}${r.message ? `: ${r.message}` : ""}`]));
  }
  const failed = body.responses.flatMap((t) => t.partitions.map((p) => ({ t: t.name, p }))).find((x) => x.p.errorCode !== 0);
  if (failed) throw new KafkaError(failed.p.errorCode, `reassign ${failed.t}-${failed.p.partitionIndex}`, failed.p.errorMessage);
}

function partitionFlag(ctx: Context): { topic: string; partition: number } {
  const topic = str(ctx, "topic");
  const partition = int(ctx, "partition");
  if (!topic) throw new UsageError("--topic is required");
  if (partition === undefined || partition < 0) throw new UsageError("--partition is required (>= 0)");
  return { topic, partition };
}

async function reassign(ctx: Context): Promise<void> {
  const { topic, partition } = partitionFlag(ctx);
  const raw = str(ctx, "replicas");
  const cancel = bool(ctx, "cancel");
  if ((raw === undefined) === !cancel) throw new UsageError("give either --replicas id,id,... or --cancel");
  let replicas: number[] | null = null;
  if (raw !== undefined) {
    replicas = raw.split(",").map((x) => {
      if (!/^\d{1,10}$/.test(x.trim())) throw new UsageError(`--replicas: ${JSON.stringify(x)} is not a broker id`);
      return Number(x.trim());
    });
  }
  await alter(ctx, await ctx.client(), [{ topic, partition, replicas }]);
}

interface ClusterView {
  partitions: PartitionView[];
  brokers: BrokerView[];
}

async function clusterView(client: KafkaClient): Promise<ClusterView> {
  const md = await client.metadata(null);
  const partitions: PartitionView[] = [];
  for (const t of md.topics) {
    if (t.errorCode !== 0 || t.name === null) continue;
    for (const p of t.partitions) partitions.push({ topic: t.name, partition: p.partitionIndex, replicas: p.replicaNodes, isr: p.isrNodes, leader: p.leaderId });
  }
  // Metadata lists the live brokers; replicas on others count as not alive.
  return { partitions, brokers: md.brokers.map((b) => ({ id: b.nodeId, rack: b.rack, alive: true })) };
}

/** PREFERRED elections for the partitions; returns the failures (ELECTION_NOT_NEEDED is not one). */
async function electPreferred(client: KafkaClient, parts: { topic: string; partition: number }[]): Promise<{ topic: string; partition: number; error: string; message: string | null }[]> {
  if (parts.length === 0) return [];
  const byTopic = new Map<string, number[]>();
  for (const p of parts) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
  const { body } = await client.send(ElectLeaders, { electionType: 0, topicPartitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })), timeoutMs: 30_000 });
  if (body.errorCode !== ERROR_NONE) throw new KafkaError(body.errorCode, "ElectLeaders");
  return body.replicaElectionResults.flatMap((t) => t.partitionResult.filter((r) => r.errorCode !== 0 && r.errorCode !== ELECTION_NOT_NEEDED).map((r) => ({ topic: t.topic, partition: r.partitionId, error: errorName(r.errorCode), message: r.errorMessage })));
}

/** Waits (bounded) until Metadata shows every partition's first replica as asked (the reorder applied). */
async function waitForOrder(client: KafkaClient, want: { topic: string; partition: number; first: number }[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await clusterView(client);
    if (want.every((w) => v.partitions.find((p) => p.topic === w.topic && p.partition === w.partition)?.replicas[0] === w.first)) return;
    if (Date.now() > deadline) return;
    await Bun.sleep(100);
  }
}

async function transferLeadership(ctx: Context): Promise<void> {
  const { topic, partition } = partitionFlag(ctx);
  const target = int(ctx, "target");
  const client = await ctx.client();
  const p = (await clusterView(client)).partitions.find((x) => x.topic === topic && x.partition === partition);
  if (!p) throw new KafkaError(3, `transfer leadership of ${topic}-${partition}`, "no such partition");
  if (target !== undefined && target !== p.replicas[0]) {
    if (!p.replicas.includes(target)) throw new UsageError(`broker ${target} is not a replica of ${topic}-${partition} (replicas ${p.replicas.join(",")})`);
    await alter(ctx, client, [{ topic, partition, replicas: [target, ...p.replicas.filter((r) => r !== target)] }], false);
    await waitForOrder(client, [{ topic, partition, first: target }]);
  }
  const failed = await electPreferred(client, [{ topic, partition }]);
  if (failed.length > 0) throw new CliError(failed[0]!.error, `election failed for ${topic}-${partition}${failed[0]!.message ? `: ${failed[0]!.message}` : ""}`);
  const leader = target ?? p.replicas[0]!;
  if (ctx.json) ctx.out.json({ topic, partition, leader });
  else ctx.out.write(`${topic}-${partition}: leader ${leader}\n`);
}

function brokerPositional(ctx: Context): number {
  const raw = ctx.positionals[0] ?? "";
  if (!/^\d{1,10}$/.test(raw)) throw new UsageError(`broker id must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

async function drain(ctx: Context): Promise<void> {
  const id = brokerPositional(ctx);
  const client = await ctx.client();
  const v = await clusterView(client);
  const plan = drainPlan(id, v.partitions, v.brokers);
  if (plan.moves.length > 0) {
    await alter(ctx, client, plan.moves, false);
    await waitForOrder(client, plan.moves.map((m) => ({ topic: m.topic, partition: m.partition, first: m.leader })));
  }
  const failed = await electPreferred(client, plan.moves);
  const rows = [
    ...plan.moves.filter((m) => !failed.some((f) => f.topic === m.topic && f.partition === m.partition)).map((m) => ({ topic: m.topic, partition: m.partition, leader: m.leader, status: "moved" })),
    ...plan.stuck.map((s) => ({ topic: s.topic, partition: s.partition, leader: id, status: `stuck: ${s.reason}` })),
    ...failed.map((f) => ({ topic: f.topic, partition: f.partition, leader: id, status: `${f.error}: ${f.message ?? ""}` })),
  ];
  if (ctx.json) ctx.out.json({ broker: id, partitions: rows });
  else ctx.out.table(["TOPIC", "PARTITION", "LEADER", "STATUS"], rows.map((r) => [r.topic, r.partition, r.leader, r.status]));
  if (plan.stuck.length + failed.length > 0) throw new CliError("LEADERSHIP_NOT_MOVED", `drain broker ${id}: ${plan.stuck.length + failed.length} leadership(s) could not move`);
}

async function decommission(ctx: Context): Promise<void> {
  const id = brokerPositional(ctx);
  const client = await ctx.client();
  const v = await clusterView(client);
  const plan = decommissionPlan(id, v.partitions, v.brokers);
  if ("error" in plan) {
    if (ctx.json) ctx.out.json({ broker: id, error: plan.error, partitions: plan.partitions });
    else ctx.out.table(["TOPIC", "PARTITION", "REASON"], plan.partitions.map((p) => [p.topic, p.partition, p.reason]));
    throw new CliError("INVALID_REPLICATION_FACTOR", plan.error);
  }
  if (plan.moves.length > 0) await alter(ctx, client, plan.moves, false);
  if (ctx.json) ctx.out.json({ broker: id, moves: plan.moves });
  else ctx.out.table(["TOPIC", "PARTITION", "NEW REPLICAS"], plan.moves.map((m) => [m.topic, m.partition, m.replicas.join(",")]));
}

const partitionFlags = [
  { name: "topic", kind: "string" as const, help: "the topic", value: "NAME" },
  { name: "partition", kind: "int" as const, help: "the partition", value: "N" },
];

export const clusterCommands: Group = {
  name: "cluster",
  summary: "the cluster as a whole",
  commands: [
    { name: "info", summary: "cluster id, controller and brokers", flags: [], positionals: [], run: info, details: "The controller is marked with * in the table." },
    { name: "reassignments", summary: "partition reassignments in progress (ListPartitionReassignments)", flags: [], positionals: [], run: listReassignments },
    {
      name: "reassign",
      summary: "move a partition's replicas, or cancel its move (AlterPartitionReassignments)",
      flags: [...partitionFlags, { name: "replicas", kind: "string", help: "the new replica list, preferred leader first", value: "ID,ID,..." }, { name: "cancel", kind: "bool", help: "cancel the reassignment in progress" }],
      positionals: [],
      run: reassign,
      details: "The new replicas catch up as followers, then the old ones are removed; `takhin cluster reassignments` shows progress.",
    },
    {
      name: "transfer-leadership",
      summary: "elect a partition's preferred leader, or make --target preferred and elect it",
      flags: [...partitionFlags, { name: "target", kind: "int", help: "the broker to lead (a replica in the ISR)", value: "ID" }],
      positionals: [],
      run: transferLeadership,
    },
    {
      name: "drain",
      summary: "maintenance: move every leadership off a broker (it goes last in each replica list)",
      flags: [],
      positionals: [{ name: "broker", required: true }],
      run: drain,
      details: "Exit 1 when a leadership has no other in-sync replica to go to.",
    },
    {
      name: "decommission",
      summary: "reassign every replica of a broker to the other live brokers (refused when a partition would lose a replica)",
      flags: [],
      positionals: [{ name: "broker", required: true }],
      run: decommission,
      details: "Follow it with `takhin cluster reassignments`; the broker can be stopped once none is left.",
    },
  ],
};

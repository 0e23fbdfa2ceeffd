/**
 * Operations endpoints (issue 18): reassignments, leadership transfer, broker drain (maintenance)
 * and decommission. Each is carried out by Kafka requests handed to the registered handlers, so it
 * passes the Kafka API's checks and, in a cluster, is forwarded to the active controller; the plans
 * for draining and decommissioning are src/metadata/broker-moves.ts, read off this node's image.
 *
 *   GET  /v1/partitions/reassignments           -> [{topic, partition, replicas, adding_replicas, removing_replicas}]
 *   POST /v1/partitions/reassignments           <- {"partitions": [{"topic", "partition", "replicas": [ids] | null}]}
 *                                                -> {"results": [{topic, partition, error_code, error, message}]}
 *        (null replicas cancels; per-partition refusals are in the results, the call itself is 200)
 *   POST /v1/partitions/{topic}/{partition}/transfer_leadership[?target=N]
 *        without target: a PREFERRED election (ElectLeaders); with one: the replica list reordered with
 *        the target first (AlterPartitionReassignments, completes at once), then a PREFERRED election.
 *        400 not_a_replica / target_not_in_sync / election error names; 404 for an unknown partition.
 *   PUT  /v1/brokers/{id}/maintenance           drain: every leadership moved off the broker (broker-moves.ts)
 *                                                -> {broker, leaderships_moved, moved: [...], stuck: [...]}
 *   PUT  /v1/brokers/{id}/decommission          every replica of the broker reassigned away; 409
 *                                                would_lower_replication_factor (nothing started) when a
 *                                                partition has no other live broker to go to
 *   GET  /v1/brokers/{id}/decommission          -> {broker, replicas_left, reassignments: [...], done}
 */
import { decommissionPlan, drainPlan, type BrokerView, type PartitionView } from "../metadata/broker-moves.ts";
import { ongoingReassignments } from "../metadata/reassignments.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { AlterPartitionReassignments } from "../protocol/messages/alter-partition-reassignments.ts";
import { ElectLeaders } from "../protocol/messages/elect-leaders.ts";
import { ListPartitionReassignments } from "../protocol/messages/list-partition-reassignments.ts";
import type { ApiDef } from "../protocol/schema.ts";
import type { BrokerContext, RequestContext } from "../server/context.ts";
import { NO_RESPONSE } from "../server/registry.ts";
import { ANONYMOUS } from "../security/principal.ts";
import { AdminError } from "./errors.ts";

/** Most partitions one POST /v1/partitions/reassignments may name. */
export const ADMIN_MAX_REASSIGNMENTS_PER_CALL = 10_000;
const MAX_REPLICAS = 64;

const errorName = (code: number) => Object.entries(ErrorCode).find(([, v]) => v === code)?.[0] ?? String(code);

async function call(ctx: BrokerContext, api: ApiDef, version: number, req: unknown): Promise<any> {
  const handler = ctx.registry.get(api.apiKey);
  if (!handler) throw new AdminError(503, `API ${api.apiKey} is not served by this broker`, "unavailable");
  const rc: RequestContext = { broker: ctx, connection: { id: -1, remoteAddress: "admin-api", principal: ANONYMOUS }, api, apiKey: api.apiKey, apiVersion: version, correlationId: 0, clientId: "takhin-admin-api" };
  const res = await handler.handle(rc, req as never, version);
  if (res === NO_RESPONSE) throw new AdminError(503, `no answer from the ${api.name} handler`, "unavailable");
  return res;
}

function retriable(code: number): boolean {
  return code === ErrorCode.NOT_CONTROLLER || code === ErrorCode.REQUEST_TIMED_OUT;
}

export interface ReassignmentRequest {
  topic: string;
  partition: number;
  replicas: number[] | null;
}

export function parseReassignments(body: unknown): ReassignmentRequest[] {
  const b = body as { partitions?: unknown };
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new AdminError(400, 'expected {"partitions": [...]}', "invalid_body");
  for (const k of Object.keys(body)) if (k !== "partitions") throw new AdminError(400, `unknown field ${JSON.stringify(k)}; expected partitions`, "invalid_body");
  if (!Array.isArray(b.partitions) || b.partitions.length === 0) throw new AdminError(400, "partitions must be a non-empty array", "invalid_body");
  if (b.partitions.length > ADMIN_MAX_REASSIGNMENTS_PER_CALL) throw new AdminError(400, `at most ${ADMIN_MAX_REASSIGNMENTS_PER_CALL} partitions in one request`, "too_many_partitions");
  return b.partitions.map((p: unknown, i: number) => {
    const x = p as { topic?: unknown; partition?: unknown; replicas?: unknown };
    if (typeof p !== "object" || p === null || typeof x.topic !== "string" || x.topic === "") throw new AdminError(400, `partitions[${i}].topic must be a non-empty string`, "invalid_body");
    if (typeof x.partition !== "number" || !Number.isInteger(x.partition) || x.partition < 0 || x.partition > 2 ** 31 - 1) throw new AdminError(400, `partitions[${i}].partition must be an integer >= 0`, "invalid_body");
    if (x.replicas !== null && (!Array.isArray(x.replicas) || x.replicas.length > MAX_REPLICAS || !x.replicas.every((r) => typeof r === "number" && Number.isInteger(r) && r >= 0 && r <= 2 ** 31 - 1))) {
      throw new AdminError(400, `partitions[${i}].replicas must be null or an array of broker ids`, "invalid_body");
    }
    return { topic: x.topic, partition: x.partition, replicas: x.replicas as number[] | null };
  });
}

export async function listReassignments(ctx: BrokerContext) {
  const res = await call(ctx, ListPartitionReassignments, 0, { timeoutMs: 30_000, topics: null });
  if (res.errorCode !== ErrorCode.NONE) throw new AdminError(retriable(res.errorCode) ? 503 : 400, res.errorMessage ?? errorName(res.errorCode), errorName(res.errorCode).toLowerCase());
  const out: { topic: string; partition: number; replicas: number[]; adding_replicas: number[]; removing_replicas: number[] }[] = [];
  for (const t of res.topics) for (const p of t.partitions) out.push({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas, adding_replicas: p.addingReplicas, removing_replicas: p.removingReplicas });
  return out;
}

export async function reassign(ctx: BrokerContext, list: readonly ReassignmentRequest[]) {
  const byTopic = new Map<string, { partitionIndex: number; replicas: number[] | null }[]>();
  for (const r of list) {
    let l = byTopic.get(r.topic);
    if (!l) byTopic.set(r.topic, (l = []));
    l.push({ partitionIndex: r.partition, replicas: r.replicas });
  }
  const res = await call(ctx, AlterPartitionReassignments, 0, { timeoutMs: 30_000, allowReplicationFactorChange: true, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) });
  if (res.errorCode !== ErrorCode.NONE) throw new AdminError(retriable(res.errorCode) ? 503 : 400, res.errorMessage ?? errorName(res.errorCode), errorName(res.errorCode).toLowerCase());
  const results: { topic: string; partition: number; error_code: number; error: string | null; message: string | null }[] = [];
  for (const t of res.responses) for (const p of t.partitions) results.push({ topic: t.name, partition: p.partitionIndex, error_code: p.errorCode, error: p.errorCode === 0 ? null : errorName(p.errorCode), message: p.errorMessage });
  return { results };
}

async function electPreferred(ctx: BrokerContext, topic: string, partitions: number[]): Promise<{ partition: number; errorCode: number; errorMessage: string | null }[]> {
  const res = await call(ctx, ElectLeaders, 2, { electionType: 0, topicPartitions: [{ topic, partitions }], timeoutMs: 30_000 });
  if (res.errorCode !== ErrorCode.NONE) throw new AdminError(retriable(res.errorCode) ? 503 : 400, errorName(res.errorCode), errorName(res.errorCode).toLowerCase());
  return (res.replicaElectionResults[0]?.partitionResult ?? []).map((r: any) => ({ partition: r.partitionId, errorCode: r.errorCode, errorMessage: r.errorMessage }));
}

/** Waits (bounded) until this node's image shows `check` true: the controller committed, the node applied it. */
async function applied(ctx: BrokerContext, check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await Bun.sleep(20);
  }
  return true;
}

export async function transferLeadership(ctx: BrokerContext, topic: string, partition: number, target: number | null) {
  const t = ctx.metadata.image.topic(topic);
  const p = t?.partitions[partition];
  if (!t || !p) throw new AdminError(404, `no partition ${partition} of topic ${JSON.stringify(topic)}`, "partition_not_found");
  if (target !== null && target !== p.replicas[0]) {
    if (!p.replicas.includes(target)) throw new AdminError(400, `broker ${target} is not a replica of ${topic}-${partition} (replicas [${p.replicas.join(",")}])`, "not_a_replica");
    if (!p.isr.includes(target)) throw new AdminError(400, `broker ${target} is not in the ISR of ${topic}-${partition} ([${p.isr.join(",")}])`, "target_not_in_sync");
    const order = [target, ...p.replicas.filter((r) => r !== target)];
    const r = (await reassign(ctx, [{ topic, partition, replicas: order }])).results[0]!;
    if (r.error_code !== 0) throw new AdminError(retriable(r.error_code) ? 503 : 400, r.message ?? r.error!, r.error!.toLowerCase());
    await applied(ctx, () => ctx.metadata.image.topic(topic)?.partitions[partition]?.replicas[0] === target);
  }
  const [e] = await electPreferred(ctx, topic, [partition]);
  if (e && e.errorCode !== 0 && e.errorCode !== ErrorCode.ELECTION_NOT_NEEDED) throw new AdminError(retriable(e.errorCode) ? 503 : 400, e.errorMessage ?? errorName(e.errorCode), errorName(e.errorCode).toLowerCase());
  const leader = target ?? p.replicas[0]!;
  await applied(ctx, () => ctx.metadata.image.topic(topic)?.partitions[partition]?.leader === leader);
  const now = ctx.metadata.image.topic(topic)!.partitions[partition]!;
  return { topic, partition, leader: now.leader, leader_epoch: now.leaderEpoch, replicas: [...now.replicas] };
}

function views(ctx: BrokerContext): { partitions: PartitionView[]; brokers: BrokerView[] } {
  const image = ctx.metadata.image;
  const partitions: PartitionView[] = [];
  for (const t of image.topicsByName.values()) t.partitions.forEach((p, i) => partitions.push({ topic: t.name, partition: i, replicas: p.replicas, isr: p.isr, leader: p.leader }));
  return { partitions, brokers: [...image.brokers.values()].map((b) => ({ id: b.id, rack: b.rack, alive: !b.fenced })) };
}

function knownBroker(ctx: BrokerContext, id: number): void {
  if (!ctx.metadata.image.brokers.has(id)) throw new AdminError(404, `broker ${id} is not registered`, "broker_not_found");
}

/** Groups moves by topic for one AlterPartitionReassignments; returns the failures. */
async function applyMoves(ctx: BrokerContext, moves: readonly { topic: string; partition: number; replicas: number[] }[]) {
  if (moves.length === 0) return [];
  const { results } = await reassign(ctx, moves);
  return results.filter((r) => r.error_code !== 0);
}

export async function drain(ctx: BrokerContext, id: number) {
  knownBroker(ctx, id);
  const v = views(ctx);
  const plan = drainPlan(id, v.partitions, v.brokers);
  const failed = await applyMoves(ctx, plan.moves);
  const failedKeys = new Set(failed.map((f) => `${f.topic}:${f.partition}`));
  const moved = plan.moves.filter((m) => !failedKeys.has(`${m.topic}:${m.partition}`));
  await applied(ctx, () => moved.every((m) => ctx.metadata.image.topic(m.topic)?.partitions[m.partition]?.replicas[0] === m.leader));
  const byTopic = new Map<string, number[]>();
  for (const m of moved) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m.partition]);
  const electionFailures: { topic: string; partition: number; error: string; message: string | null }[] = [];
  for (const [topic, parts] of byTopic) {
    for (const e of await electPreferred(ctx, topic, parts)) {
      if (e.errorCode !== 0 && e.errorCode !== ErrorCode.ELECTION_NOT_NEEDED) electionFailures.push({ topic, partition: e.partition, error: errorName(e.errorCode), message: e.errorMessage });
    }
  }
  const ok = moved.filter((m) => !electionFailures.some((f) => f.topic === m.topic && f.partition === m.partition));
  await applied(ctx, () => ok.every((m) => ctx.metadata.image.topic(m.topic)?.partitions[m.partition]?.leader !== id));
  return {
    broker: id,
    leaderships_moved: ok.length,
    moved: ok.map((m) => ({ topic: m.topic, partition: m.partition, leader: m.leader })),
    stuck: [...plan.stuck, ...failed.map((f) => ({ topic: f.topic, partition: f.partition, reason: `${f.error}: ${f.message ?? ""}` })), ...electionFailures.map((f) => ({ topic: f.topic, partition: f.partition, reason: `${f.error}: ${f.message ?? ""}` }))],
  };
}

export async function decommission(ctx: BrokerContext, id: number) {
  knownBroker(ctx, id);
  const v = views(ctx);
  const plan = decommissionPlan(id, v.partitions, v.brokers);
  if ("error" in plan) throw new AdminError(409, `${plan.error}: ${plan.partitions.map((p) => `${p.topic}-${p.partition} (${p.reason})`).slice(0, 20).join("; ")}`, "would_lower_replication_factor");
  const failed = await applyMoves(ctx, plan.moves);
  return { broker: id, reassignments_started: plan.moves.length - failed.length, moves: plan.moves, failed };
}

export function decommissionStatus(ctx: BrokerContext, id: number) {
  knownBroker(ctx, id);
  const image = ctx.metadata.image;
  let left = 0;
  for (const t of image.topicsByName.values()) for (const p of t.partitions) if (p.replicas.includes(id) && !(p.removingReplicas ?? []).includes(id)) left++;
  const moving = ongoingReassignments(image, null).filter((r) => r.removingReplicas.includes(id));
  return {
    broker: id,
    replicas_left: left,
    reassignments: moving.map((r) => ({ topic: r.topic, partition: r.partition, replicas: [...r.replicas], adding_replicas: [...r.addingReplicas], removing_replicas: [...r.removingReplicas] })),
    done: left === 0 && moving.length === 0,
  };
}

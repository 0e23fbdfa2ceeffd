/**
 * Controlled shutdown: a broker that is asked to stop (SIGTERM, Broker.stop) first has the active
 * controller move its leaderships to other in-sync replicas, then stops serving. Kafka's broker does
 * this with BrokerHeartbeat(wantShutDown) and waits for shouldShutDown; here it is one controller
 * RPC (cluster-node.ts, kind "controlledShutdown"):
 *
 *   request  {brokerId, incarnationId}
 *   response {index, leadershipsMoved, leaderless}
 *
 * The controller commits the same batch a session expiry would (decisions.ts fenceBrokerRecords:
 * the broker is fenced, each partition it leads gets the first other live ISR member as leader, it
 * leaves those ISRs; a partition with no other live ISR member becomes leaderless, -1, with no
 * unclean election) and answers with the batch's log index. The broker stopped heartbeating before
 * asking (a heartbeat would unfence it again) and waits until its own image has applied that index,
 * so that from then on it answers NOT_LEADER_OR_FOLLOWER (with the new leader, KIP-951) for what it
 * led, while its listener still serves. Every step is bounded by `timeoutMs`; on timeout or without
 * a controller the broker stops anyway and the session expiry fences it later, as after a crash.
 */
import { fenceBrokerRecords } from "../metadata/decisions.ts";
import type { MetadataImage } from "../metadata/image.ts";
import { NO_LEADER, type MetadataRecord } from "../metadata/records.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type { Logger } from "../util/log.ts";
import type { MetadataQuorum } from "./metadata-quorum.ts";

export const CONTROLLED_SHUTDOWN_DEFAULTS = {
  /** The whole controlled shutdown (RPC + waiting for the image) at most. */
  timeoutMs: 5000,
} as const;

export interface ControlledShutdownResult {
  /** True when the controller moved the leaderships and this node applied it before the timeout. */
  readonly done: boolean;
  readonly leadershipsMoved: number;
  readonly leaderless: number;
  readonly elapsedMs: number;
  /** Why not done. */
  readonly reason?: string;
}

/** Thrown to the RPC layer with a Kafka error code. */
export class ControlledShutdownError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

function countMoves(image: MetadataImage, brokerId: number, records: readonly MetadataRecord[]): { leadershipsMoved: number; leaderless: number } {
  let leadershipsMoved = 0;
  let leaderless = 0;
  for (const r of records) {
    if (r.type !== "PartitionChange") continue;
    const p = image.topicsById.get(r.topicId)?.partitions[r.partitionId];
    if (p?.leader !== brokerId) continue;
    if (r.leader === NO_LEADER) leaderless++;
    else leadershipsMoved++;
  }
  return { leadershipsMoved, leaderless };
}

/** Active controller: serves one "controlledShutdown" request from node `from`. */
export async function serveControlledShutdown(quorum: MetadataQuorum, body: Record<string, unknown>, from: number): Promise<Record<string, unknown>> {
  const { brokerId, incarnationId } = body as { brokerId: unknown; incarnationId: unknown };
  if (brokerId !== from || typeof incarnationId !== "string") throw new ControlledShutdownError(`node ${from} cannot shut down broker ${String(brokerId)}`, ErrorCode.INVALID_REQUEST);
  return quorum.submit((image, ctx) => {
    const reg = image.brokers.get(from);
    if (!reg || reg.incarnationId !== incarnationId) throw new ControlledShutdownError(`broker ${from} is not registered with incarnation ${incarnationId}`, ErrorCode.STALE_BROKER_EPOCH);
    const records = fenceBrokerRecords(image, from);
    return { records, result: { index: records.length > 0 ? ctx.nextIndex : quorum.appliedIndex, ...countMoves(image, from, records) } };
  });
}

/** Broker side: asks the controller (through `call`) and waits for this node's image to show the result. */
export async function requestControlledShutdown(o: {
  quorum: MetadataQuorum;
  brokerId: number;
  incarnationId: string;
  call: (kind: string, body: Record<string, unknown>) => Promise<Record<string, unknown>>;
  log: Logger;
  timeoutMs?: number;
}): Promise<ControlledShutdownResult> {
  const timeoutMs = o.timeoutMs ?? CONTROLLED_SHUTDOWN_DEFAULTS.timeoutMs;
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not finished within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const r = await Promise.race([o.call("controlledShutdown", { brokerId: o.brokerId, incarnationId: o.incarnationId }), deadline]);
    const index = typeof r.index === "number" ? r.index : 0;
    await Promise.race([o.quorum.waitForApplied(index), deadline]);
    const result = { done: true, leadershipsMoved: Number(r.leadershipsMoved ?? 0), leaderless: Number(r.leaderless ?? 0), elapsedMs: Math.round(performance.now() - started) };
    o.log.info("controlled shutdown: leaderships moved", { broker: o.brokerId, ...result });
    return result;
  } catch (e) {
    const result = { done: false, leadershipsMoved: 0, leaderless: 0, elapsedMs: Math.round(performance.now() - started), reason: (e as Error).message };
    o.log.warn("controlled shutdown not completed; stopping anyway (the session timeout fences this broker)", { broker: o.brokerId, ...result });
    return result;
  } finally {
    clearTimeout(timer);
  }
}

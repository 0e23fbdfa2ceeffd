/**
 * ISR changes through the controller (Kafka's AlterPartition, API 56, carried over Takhin's
 * controller RPC, cluster-node.ts): a partition leader asks for a new ISR; the active controller
 * checks it against the committed image and commits one PartitionChangeRecord (leader unchanged),
 * which bumps the partition epoch on every node.
 *
 *   request  {"topicId", "partitionId", "leaderId", "leaderEpoch", "partitionEpoch",
 *             "newIsr": [{"brokerId", "brokerEpoch"}]}              (brokerEpoch -1: not known)
 *   answer   {"errorCode", "isr", "partitionEpoch", "leaderEpoch"}
 *
 * Refusals, Kafka's codes: UNKNOWN_TOPIC_OR_PARTITION; NOT_LEADER_OR_FOLLOWER (the sender does
 * not lead it); FENCED_LEADER_EPOCH (stale leader epoch); INVALID_UPDATE_VERSION (stale partition
 * epoch: another change came first); INVALID_REQUEST (an ISR without the leader, or with members
 * that are not replicas, or duplicates); INELIGIBLE_REPLICA (an added member that is fenced or
 * whose broker epoch is not its registered one, KIP-903). The answer of a refusal still carries
 * the committed ISR and epochs, so the leader can catch up.
 */
import type { MetadataImage } from "../../metadata/image.ts";
import { LEADER_UNCHANGED } from "../../metadata/records.ts";
import { withCompletion } from "../../metadata/reassignments.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import type { DecideContext, Decision } from "../metadata-quorum.ts";

export interface AlterPartitionRequest {
  topicId: string;
  partitionId: number;
  leaderId: number;
  leaderEpoch: number;
  partitionEpoch: number;
  newIsr: { brokerId: number; brokerEpoch: string }[];
}

export interface AlterPartitionAnswer {
  errorCode: number;
  isr: number[];
  partitionEpoch: number;
  leaderEpoch: number;
}

/** Bound on one request's ISR list (a partition has at most this many replicas anyway). */
const MAX_ISR_ENTRIES = 64;

function parse(body: Record<string, unknown>): AlterPartitionRequest | null {
  const b = body as Partial<AlterPartitionRequest>;
  const int = (x: unknown) => typeof x === "number" && Number.isSafeInteger(x);
  if (typeof b.topicId !== "string" || !int(b.partitionId) || !int(b.leaderId) || !int(b.leaderEpoch) || !int(b.partitionEpoch)) return null;
  if (!Array.isArray(b.newIsr) || b.newIsr.length > MAX_ISR_ENTRIES) return null;
  for (const m of b.newIsr) if (!m || !int(m.brokerId) || typeof m.brokerEpoch !== "string" || !/^-?\d{1,20}$/.test(m.brokerEpoch)) return null;
  return b as AlterPartitionRequest;
}

/** The controller's decision on one AlterPartition from broker `from` (header). */
export function decideAlterPartition(image: MetadataImage, body: Record<string, unknown>, from: number): Decision<AlterPartitionAnswer> {
  const req = parse(body);
  const refuse = (errorCode: number, p?: { isr: readonly number[]; partitionEpoch: number; leaderEpoch: number }): Decision<AlterPartitionAnswer> => ({
    records: [],
    result: { errorCode, isr: p ? [...p.isr] : [], partitionEpoch: p?.partitionEpoch ?? -1, leaderEpoch: p?.leaderEpoch ?? -1 },
  });
  if (!req) return refuse(ErrorCode.INVALID_REQUEST);
  const p = image.topicsById.get(req.topicId)?.partitions[req.partitionId];
  if (!p) return refuse(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (req.leaderId !== from || p.leader !== from) return refuse(ErrorCode.NOT_LEADER_OR_FOLLOWER, p);
  if (req.leaderEpoch !== p.leaderEpoch) return refuse(ErrorCode.FENCED_LEADER_EPOCH, p);
  if (req.partitionEpoch !== p.partitionEpoch) return refuse(ErrorCode.INVALID_UPDATE_VERSION, p);
  const isr = req.newIsr.map((m) => m.brokerId);
  if (!isr.includes(p.leader) || new Set(isr).size !== isr.length || isr.some((id) => !p.replicas.includes(id))) return refuse(ErrorCode.INVALID_REQUEST, p);
  for (const m of req.newIsr) {
    if (p.isr.includes(m.brokerId)) continue;
    const b = image.brokers.get(m.brokerId);
    if (!b || b.fenced || (m.brokerEpoch !== "-1" && BigInt(m.brokerEpoch) !== b.epoch)) return refuse(ErrorCode.INELIGIBLE_REPLICA, p);
  }
  if (isr.length === p.isr.length && isr.every((id) => p.isr.includes(id))) {
    return { records: [], result: { errorCode: ErrorCode.NONE, isr: [...p.isr], partitionEpoch: p.partitionEpoch, leaderEpoch: p.leaderEpoch } };
  }
  // An ISR change may complete a reassignment in progress (metadata/reassignments.ts): then the
  // same record also sets the target replicas (and a new leader when this one is removed).
  const record = withCompletion(image, { type: "PartitionChange", topicId: req.topicId, partitionId: req.partitionId, leader: LEADER_UNCHANGED, isr, replicas: null }, p);
  // Replay bumps the partition epoch by one (image.ts), the leader epoch when the leader is re-stated.
  const committedIsr = record.isr ?? isr;
  const leaderEpoch = record.leader === LEADER_UNCHANGED ? p.leaderEpoch : p.leaderEpoch + 1;
  return { records: [record], result: { errorCode: ErrorCode.NONE, isr: committedIsr, partitionEpoch: p.partitionEpoch + 1, leaderEpoch } };
}

/** The `alterPartition` controller RPC kind (one case in ClusterNode.serve). */
export function serveAlterPartition(
  submit: <T>(decide: (image: MetadataImage, ctx: DecideContext) => Decision<T>) => Promise<T>,
  body: Record<string, unknown>,
  from: number,
): Promise<Record<string, unknown>> {
  return submit((image) => decideAlterPartition(image, body, from)) as unknown as Promise<Record<string, unknown>>;
}

/**
 * Producer id blocks granted by the active controller (Kafka's AllocateProducerIds, API 67,
 * carried over Takhin's controller RPC, cluster-node.ts): a broker asks for the next block, the
 * controller commits one ProducerIdsRecord (nextProducerId = end of the block) through the quorum
 * and answers once it is applied — so a block is in the replicated metadata log before any id of
 * it is handed out, and a new controller (after a failover or a restart) continues above it.
 *
 *   request  {"brokerId": <int>, "brokerEpoch": "<decimal>"}      (brokerEpoch "-1": not known)
 *   answer   {"errorCode": <int>, "start": "<decimal>", "end": "<decimal>"}   ids [start, end)
 *
 * Refusals, Kafka's codes: BROKER_ID_NOT_REGISTERED (the sender is not registered, or asks for
 * another broker), STALE_BROKER_EPOCH (an epoch that is not its registered one), UNKNOWN_SERVER_ERROR
 * when the id space is exhausted. The block size is the controller's (1000, as Kafka's).
 */
import type { MetadataImage } from "../metadata/image.ts";
import { producerIdsRecords } from "../metadata/decisions.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { PRODUCER_ID_BLOCK_SIZE, type ProducerIdBlock } from "../coordinator/producer-ids.ts";
import type { DecideContext, Decision } from "./metadata-quorum.ts";

export interface AllocateProducerIdsAnswer {
  errorCode: number;
  start: string;
  end: string;
}

const MAX_PRODUCER_ID = (1n << 63n) - 1n;

/** The controller's decision on one request from broker `from` (header). */
export function decideAllocateProducerIds(image: MetadataImage, body: Record<string, unknown>, from: number): Decision<AllocateProducerIdsAnswer> {
  const refuse = (errorCode: number): Decision<AllocateProducerIdsAnswer> => ({ records: [], result: { errorCode, start: "-1", end: "-1" } });
  const { brokerId, brokerEpoch } = body as { brokerId?: unknown; brokerEpoch?: unknown };
  const b = image.brokers.get(from);
  if (brokerId !== from || !b) return refuse(ErrorCode.BROKER_ID_NOT_REGISTERED);
  if (typeof brokerEpoch !== "string" || !/^-?\d{1,20}$/.test(brokerEpoch)) return refuse(ErrorCode.INVALID_REQUEST);
  if (brokerEpoch !== "-1" && BigInt(brokerEpoch) !== b.epoch) return refuse(ErrorCode.STALE_BROKER_EPOCH);
  if (image.nextProducerId > MAX_PRODUCER_ID - PRODUCER_ID_BLOCK_SIZE) return refuse(ErrorCode.UNKNOWN_SERVER_ERROR);
  const { records, start, end } = producerIdsRecords(image, from, PRODUCER_ID_BLOCK_SIZE);
  return { records, result: { errorCode: ErrorCode.NONE, start: start.toString(), end: end.toString() } };
}

/** The `allocateProducerIds` controller RPC kind (one case in ClusterNode.serve). */
export function serveAllocateProducerIds(
  submit: <T>(decide: (image: MetadataImage, ctx: DecideContext) => Decision<T>) => Promise<T>,
  body: Record<string, unknown>,
  from: number,
): Promise<Record<string, unknown>> {
  return submit((image) => decideAllocateProducerIds(image, body, from)) as unknown as Promise<Record<string, unknown>>;
}

/** The broker side: asks the active controller for a block (rejects on a refusal, NOT_CONTROLLER or a timeout). */
export async function requestProducerIdBlock(
  call: (kind: string, body: Record<string, unknown>) => Promise<Record<string, unknown>>,
  brokerId: number,
  brokerEpoch: () => bigint,
): Promise<ProducerIdBlock> {
  const r = await call("allocateProducerIds", { brokerId, brokerEpoch: brokerEpoch().toString() });
  if (r.errorCode !== ErrorCode.NONE) throw new Error(`allocateProducerIds refused with error ${String(r.errorCode)}`);
  if (typeof r.start !== "string" || typeof r.end !== "string" || !/^\d{1,20}$/.test(r.start) || !/^\d{1,20}$/.test(r.end)) throw new Error("malformed allocateProducerIds answer");
  return { start: BigInt(r.start), end: BigInt(r.end) };
}

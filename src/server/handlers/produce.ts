/**
 * Produce: advertised 0-11 so that librdkafka enables every codec; versions 0-2 (message format
 * v0/v1) are answered UNSUPPORTED_VERSION per partition, as Kafka 4 does. acks 0 sends no
 * response; 1 and -1 answer after the append (one node: the leader is the whole ISR).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { Produce } from "../../protocol/messages/produce.ts";
import type { ProduceResult } from "../../cluster/partition.ts";
import { topicNameError } from "../../cluster/topics.ts";
import type { BrokerContext } from "../context.ts";
import { NO_RESPONSE, type Handler } from "../registry.ts";

interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: { name: string; partitionData: { index: number; records: Uint8Array | null }[] }[];
}

const FIRST_SUPPORTED_VERSION = 3;

function partitionResponse(index: number, r: Partial<ProduceResult> & { errorCode: number }) {
  return {
    index,
    errorCode: r.errorCode,
    baseOffset: r.baseOffset ?? -1n,
    logAppendTimeMs: r.logAppendTimeMs ?? -1n,
    logStartOffset: r.logStartOffset ?? -1n,
    recordErrors: [],
    errorMessage: r.errorMessage ?? null,
  };
}

function everyPartition(req: ProduceRequest, errorCode: number, errorMessage: string | null) {
  return {
    responses: req.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => partitionResponse(p.index, { errorCode, errorMessage })),
    })),
    throttleTimeMs: 0,
    nodeEndpoints: [],
  };
}

function produceOne(b: BrokerContext, topicName: string, index: number, records: Uint8Array | null, acks: number, version: number): ProduceResult | { errorCode: number; errorMessage: string } {
  const nameError = topicNameError(topicName);
  if (nameError) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: nameError };
  const partition = b.partitions.get(topicName, index);
  if (!partition) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `this server does not host ${topicName}-${index}` };
  if (records === null) return { errorCode: ErrorCode.INVALID_RECORD, errorMessage: "null records" };
  if (acks === -1 && partition.minInsyncReplicas > 1) {
    return { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, errorMessage: `min.insync.replicas is ${partition.minInsyncReplicas} but the ISR has 1 replica` };
  }
  return partition.appendProduced(records, Date.now(), version);
}

export const produceHandler: Handler<ProduceRequest> = {
  api: Produce,
  minVersion: 0,
  maxVersion: 11,
  handle(ctx, req, version) {
    const b = ctx.broker;
    if (version < FIRST_SUPPORTED_VERSION) {
      return everyPartition(req, ErrorCode.UNSUPPORTED_VERSION, "produce versions below 3 (message format v0/v1) are not supported");
    }
    if (req.acks !== 0 && req.acks !== 1 && req.acks !== -1) {
      return everyPartition(req, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1, not ${req.acks}`);
    }
    if (req.transactionalId !== null) {
      return everyPartition(req, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, "transactions are not supported by this broker yet");
    }
    const responses = req.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => partitionResponse(p.index, produceOne(b, t.name, p.index, p.records, req.acks, version))),
    }));
    if (req.acks === 0) return NO_RESPONSE;
    return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
  },
  errorResponse(req, _version, errorCode) {
    return everyPartition(req, errorCode, "internal error");
  },
};

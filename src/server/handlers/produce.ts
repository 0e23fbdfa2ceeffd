/**
 * Produce: advertised 0-11 so that librdkafka enables every codec; versions 0-2 (message format
 * v0/v1) are answered UNSUPPORTED_VERSION per partition, as Kafka 4 does. Decodes, delegates to
 * the replica manager (topic policy, acks, ISR, appends, the acks=-1 wait) and encodes; acks 0
 * sends no response.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { Produce } from "../../protocol/messages/produce.ts";
import type { ProducePartitionInput, ProducePartitionResult } from "../../cluster/replica-manager.ts";
import { NO_RESPONSE, type HandlerFor } from "../registry.ts";

interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: { name: string; partitionData: { index: number; records: Uint8Array | null }[] }[];
}

const FIRST_SUPPORTED_VERSION = 3;

function partitionResponse(index: number, r: Partial<ProducePartitionResult> & { errorCode: number }) {
  return {
    index,
    errorCode: r.errorCode,
    baseOffset: r.baseOffset ?? -1n,
    logAppendTimeMs: r.logAppendTimeMs ?? -1n,
    logStartOffset: r.logStartOffset ?? -1n,
    recordErrors: (r.recordErrors ?? []).map((e) => ({ batchIndex: e.batchIndex, batchIndexErrorMessage: e.message })),
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

function encode(req: ProduceRequest, results: ProducePartitionResult[]) {
  let i = 0;
  const responses = req.topicData.map((t) => ({
    name: t.name,
    partitionResponses: t.partitionData.map((p) => partitionResponse(p.index, results[i++]!)),
  }));
  return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
}

export const produceHandler: HandlerFor<typeof Produce> = {
  api: Produce,
  minVersion: 0,
  maxVersion: 11,
  handle(ctx, req, version) {
    if (version < FIRST_SUPPORTED_VERSION) {
      return everyPartition(req, ErrorCode.UNSUPPORTED_VERSION, "produce versions below 3 (message format v0/v1) are not supported");
    }
    const inputs: ProducePartitionInput[] = [];
    for (const t of req.topicData) for (const p of t.partitionData) inputs.push({ topic: t.name, partition: p.index, records: p.records });
    const results = ctx.broker.replicas.appendRecords(inputs, { acks: req.acks, timeoutMs: req.timeoutMs, produceVersion: version, transactionalId: req.transactionalId });
    if (req.acks === 0) return NO_RESPONSE;
    if (results instanceof Promise) return results.then((r) => encode(req, r));
    return encode(req, results);
  },
  errorResponse(req, _version, errorCode) {
    return everyPartition(req, errorCode, "internal error");
  },
};

/**
 * Producing for the HTTP Proxy: records (already encoded to bytes) are placed on partitions
 * (given, or Kafka's default partitioner: murmur2 of the key; keyless records round-robin), one
 * uncompressed v2 batch per partition per request, appended with acks=all. A partition this node
 * leads goes through the replica manager in-process; one led by another node of the cluster goes
 * to that node with the internal client (src/client). Each record's answer is its partition and
 * offset, or Confluent's per-record error (error_code 1 non-retriable, 2 retriable, with a message).
 */
import { KafkaError, type KafkaClient } from "../client/index.ts";
import { partitionForKey } from "../cli/records.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { buildRecordBatch, type RecordHeader } from "../protocol/record-batch.ts";
import type { BrokerContext } from "../server/context.ts";
import { partitionNotFound } from "./errors.ts";
import { topicImage } from "./metadata.ts";

export interface OutRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers?: RecordHeader[];
  partition?: number;
  timestampMs?: bigint;
}

export interface RecordOffset {
  partition: number | null;
  offset: number | null;
  error_code: number | null;
  error: string | null;
  /** For v3 answers. */
  timestampMs?: number;
}

const PRODUCE_TIMEOUT_MS = 30_000;
const RETRIABLE = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.LEADER_NOT_AVAILABLE, ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.NETWORK_EXCEPTION, ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, ErrorCode.KAFKA_STORAGE_ERROR,
]);
const NAME_BY_CODE = new Map<number, string>(Object.entries(ErrorCode).map(([n, c]) => [c as number, n]));

export class ProxyProducer {
  private roundRobin = 0;

  constructor(
    private readonly ctx: BrokerContext,
    private readonly client: () => KafkaClient,
  ) {}

  /** The partition of each record (40402 for a named partition the topic does not have). */
  place(topic: string, records: OutRecord[], fixedPartition?: number): number[] {
    const count = topicImage(this.ctx, topic).partitions.length;
    return records.map((r) => {
      const p = fixedPartition ?? r.partition;
      if (p !== undefined) {
        if (!Number.isInteger(p) || p < 0 || p >= count) throw partitionNotFound();
        return p;
      }
      if (r.key) return partitionForKey(r.key, count);
      this.roundRobin = (this.roundRobin + 1) % 0x7fffffff;
      return this.roundRobin % count;
    });
  }

  async produce(topic: string, records: OutRecord[], fixedPartition?: number): Promise<RecordOffset[]> {
    const partitions = this.place(topic, records, fixedPartition);
    const groups = new Map<number, number[]>();
    partitions.forEach((p, i) => {
      const g = groups.get(p);
      if (g) g.push(i);
      else groups.set(p, [i]);
    });
    const out: RecordOffset[] = new Array(records.length);
    await Promise.all(
      [...groups].map(async ([p, idx]) => {
        const now = BigInt(Date.now());
        const batch = buildRecordBatch({ records: idx.map((i) => ({ key: records[i]!.key, value: records[i]!.value, headers: records[i]!.headers ?? [], timestampMs: records[i]!.timestampMs ?? now })) });
        const answer = await this.append(topic, p, batch);
        idx.forEach((i, n) => {
          out[i] =
            answer.errorCode === 0
              ? { partition: p, offset: answer.baseOffset + n, error_code: null, error: null, timestampMs: answer.logAppendTimeMs >= 0 ? answer.logAppendTimeMs : Number(records[i]!.timestampMs ?? now) }
              : { partition: null, offset: null, error_code: RETRIABLE.has(answer.errorCode) ? 2 : 1, error: `${NAME_BY_CODE.get(answer.errorCode) ?? "UNKNOWN"}: ${answer.message ?? "produce failed"}` };
        });
      }),
    );
    return out;
  }

  private async append(topic: string, partition: number, batch: Uint8Array): Promise<{ errorCode: number; baseOffset: number; logAppendTimeMs: number; message: string | null }> {
    const leader = this.ctx.topics.partition(topic, partition)?.leader ?? -1;
    if (leader === this.ctx.nodeId || this.ctx.quorum === null) {
      const [r] = await this.ctx.replicas.appendRecords([{ topic, partition, records: batch }], { acks: -1, timeoutMs: PRODUCE_TIMEOUT_MS });
      return { errorCode: r!.errorCode, baseOffset: Number(r!.baseOffset), logAppendTimeMs: Number(r!.logAppendTimeMs), message: r!.errorMessage };
    }
    // Led by another node: the internal client sends it there (refreshing the leader once if it moved).
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await this.client().produce(topic, partition, batch, { acks: -1, timeoutMs: PRODUCE_TIMEOUT_MS });
        return { errorCode: 0, baseOffset: Number(r!.baseOffset), logAppendTimeMs: Number(r!.logAppendTimeMs), message: null };
      } catch (e) {
        if (e instanceof KafkaError) {
          if (attempt === 0 && RETRIABLE.has(e.code)) {
            await this.client().leaderOf(topic, partition, true).catch(() => {});
            continue;
          }
          return { errorCode: e.code, baseOffset: -1, logAppendTimeMs: -1, message: e.message };
        }
        return { errorCode: ErrorCode.NETWORK_EXCEPTION, baseOffset: -1, logAppendTimeMs: -1, message: (e as Error).message };
      }
    }
  }
}

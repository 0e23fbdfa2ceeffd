/**
 * `__remote_log_metadata`: the compacted internal topic holding tiered storage's segment metadata
 * (record format: storage/remote/remote-metadata.ts), so a restart or a new leader knows what is in
 * the object store. Kafka's TopicBasedRemoteLogMetadataManager in shape: a partition's records go
 * to metadata partition abs(javaStringHashCode("<topicId>:<partition>")) % partitionCount, written
 * with acks=all to that partition's leader (here, or by Produce over the internal client to the
 * broker that leads it), and every broker applies the committed records (below the high
 * watermark) of the metadata partitions it holds a replica of, in offset order.
 *
 * Created on first use like __transaction_state: on one node straight in the catalogue, in a
 * cluster through the active controller, with min(3, live brokers) replicas, so with up to three
 * brokers every broker holds every metadata partition. (Kafka's default is 50 partitions; this
 * uses REMOTE_LOG_METADATA_PARTITIONS, few records per segment need no more.)
 */
import { BrokerConnection } from "../client/connection.ts";
import { batchRecords } from "../compression/index.ts";
import { offsetsPartitionFor } from "../coordinator/offsets-log.ts";
import type { MetadataImage } from "../metadata/image.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { Produce } from "../protocol/messages/produce.ts";
import { BATCH_LOG_OVERHEAD_BYTES, CONTROL_BIT, buildRecordBatch, iterateRecords, readBatchHeader } from "../protocol/record-batch.ts";
import { decodeMetadataRecord, type MetadataRecord } from "../storage/remote/remote-metadata.ts";
import type { MetadataPublisher } from "../storage/remote/remote-log-manager.ts";
import type { Logger } from "../util/log.ts";
import type { PartitionManager } from "./partition-manager.ts";
import type { ReplicaManager } from "./replica-manager.ts";
import type { TopicRegistry } from "./topics.ts";

export const REMOTE_LOG_METADATA_TOPIC = "__remote_log_metadata";
export const REMOTE_LOG_METADATA_PARTITIONS = 8;
const TOPIC_CONFIGS: Record<string, string> = { "cleanup.policy": "compact", "retention.ms": "-1", "min.insync.replicas": "1" };
/** How long one metadata write may wait for its replicas. */
const WRITE_TIMEOUT_MS = 15_000;
/** Bytes read per step while applying a metadata partition. */
const TAIL_READ_BYTES = 1024 * 1024;

export interface RemoteLogMetadataTopicDeps {
  nodeId: number;
  topics: TopicRegistry;
  partitions: PartitionManager;
  replicas: () => ReplicaManager;
  log: Logger;
  /** Each committed record, in offset order per metadata partition. */
  apply(record: MetadataRecord): void;
  /** The metadata view must be rebuilt from the start (a replica was truncated below what was applied). */
  reset(): void;
  /** In a cluster: creating the topic through the controller, and the brokers' endpoints. */
  cluster?: {
    liveBrokerCount(): number;
    createTopic(partitions: number, replicationFactor: number, configs: Record<string, string>): Promise<number>;
    image(): MetadataImage;
    interBrokerListener: string;
  };
}

export class RemoteLogMetadataTopic implements MetadataPublisher {
  /** Per metadata partition: the next offset to apply. */
  private applied: number[] = [];
  private creating: Promise<void> | null = null;
  private readonly connections = new Map<number, BrokerConnection>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(private readonly d: RemoteLogMetadataTopicDeps) {}

  static partitionFor(topicId: string, partition: number): number {
    return offsetsPartitionFor(`${topicId}:${partition}`, REMOTE_LOG_METADATA_PARTITIONS);
  }

  start(tailIntervalMs = 100): void {
    this.tail();
    this.timer = setInterval(() => this.tail(), tailIntervalMs);
    this.timer.unref?.();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
  }

  /** Creates the topic when missing (first upload). */
  async ensureTopic(): Promise<void> {
    if (this.d.topics.get(REMOTE_LOG_METADATA_TOPIC)) return;
    const cluster = this.d.cluster;
    if (!cluster) {
      this.d.topics.create(REMOTE_LOG_METADATA_TOPIC, REMOTE_LOG_METADATA_PARTITIONS, { ...TOPIC_CONFIGS });
      this.d.log.info("created internal topic", { topic: REMOTE_LOG_METADATA_TOPIC, partitions: REMOTE_LOG_METADATA_PARTITIONS });
      return;
    }
    this.creating ??= (async () => {
      const rf = Math.max(1, Math.min(3, cluster.liveBrokerCount()));
      const code = await cluster.createTopic(REMOTE_LOG_METADATA_PARTITIONS, rf, TOPIC_CONFIGS);
      if (code !== ErrorCode.NONE && code !== ErrorCode.TOPIC_ALREADY_EXISTS) throw new Error(`creating ${REMOTE_LOG_METADATA_TOPIC} failed with error ${code}`);
      this.d.log.info("created internal topic", { topic: REMOTE_LOG_METADATA_TOPIC, partitions: REMOTE_LOG_METADATA_PARTITIONS, replicationFactor: rf });
    })().finally(() => (this.creating = null));
    await this.creating;
  }

  /** MetadataPublisher: appends with acks=all to the metadata partition's leader; then applies what is committed. */
  async publish(topicId: string, partition: number, records: { key: Uint8Array; value: Uint8Array | null }[]): Promise<void> {
    await this.ensureTopic();
    const target = RemoteLogMetadataTopic.partitionFor(topicId, partition);
    const nowMs = Date.now();
    const batch = buildRecordBatch({ baseTimestampMs: BigInt(nowMs), records: records.map((r) => ({ key: r.key, value: r.value })) });
    const local = this.d.partitions.get(REMOTE_LOG_METADATA_TOPIC, target);
    let code: number;
    if (local) {
      const results = await this.d.replicas().appendRecords([{ topic: REMOTE_LOG_METADATA_TOPIC, partition: target, records: batch }], { acks: -1, timeoutMs: WRITE_TIMEOUT_MS, origin: "coordinator", nowMs });
      code = results[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    } else {
      code = await this.produceRemotely(target, batch);
    }
    if (code !== ErrorCode.NONE) throw new Error(`${REMOTE_LOG_METADATA_TOPIC}-${target}: metadata write failed with error ${code}`);
    this.tail();
  }

  private async produceRemotely(target: number, batch: Uint8Array): Promise<number> {
    const cluster = this.d.cluster;
    const leader = this.d.topics.partition(REMOTE_LOG_METADATA_TOPIC, target)?.leader ?? -1;
    if (!cluster || leader < 0 || leader === this.d.nodeId) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    const b = cluster.image().brokers.get(leader);
    const ep = b?.endPoints.find((e) => e.name === cluster.interBrokerListener) ?? b?.endPoints[0];
    if (!ep) return ErrorCode.LEADER_NOT_AVAILABLE;
    const host = ep.host === "" || ep.host === "0.0.0.0" ? "127.0.0.1" : ep.host;
    let c = this.connections.get(leader);
    if (c && (c.host !== host || c.port !== ep.port)) {
      c.close();
      c = undefined;
    }
    if (!c) {
      c = new BrokerConnection(host, ep.port, { clientId: `takhin-remote-log-metadata-${this.d.nodeId}`, requestTimeoutMs: WRITE_TIMEOUT_MS + 5000, reconnectBackoffMaxMs: 1000 });
      this.connections.set(leader, c);
    }
    const r = await c.send(Produce, {
      transactionalId: null,
      acks: -1,
      timeoutMs: WRITE_TIMEOUT_MS,
      topicData: [{ name: REMOTE_LOG_METADATA_TOPIC, partitionData: [{ index: target, records: batch }] }],
    });
    return r.body.responses[0]?.partitionResponses[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
  }

  /** Applies the committed records of every metadata partition held here that were not applied yet. */
  tail(): void {
    if (this.closed) return;
    const topic = this.d.topics.get(REMOTE_LOG_METADATA_TOPIC);
    if (!topic) return;
    for (let i = 0; i < topic.partitions; i++) {
      const p = this.d.partitions.hosted(REMOTE_LOG_METADATA_TOPIC, i);
      if (!p || p.log.isClosed || p.log.isOffline) continue;
      let offset = this.applied[i] ?? p.log.logStartOffset;
      if (offset > p.log.logEndOffset) {
        // This replica was truncated below what was applied: start over from every partition's start.
        this.d.log.warn("remote log metadata replica truncated; re-reading the metadata topic", { partition: i });
        this.applied = [];
        this.d.reset();
        this.tail();
        return;
      }
      const hwm = p.log.highWatermark;
      while (offset < hwm) {
        const r = p.log.read(offset, TAIL_READ_BYTES, { minOneBatch: true, maxOffsetExclusive: hwm });
        if (r.sizeBytes === 0) break;
        let next = offset;
        for (const view of r.batches) {
          for (let pos = 0; pos + BATCH_LOG_OVERHEAD_BYTES <= view.length; ) {
            const h = readBatchHeader(view, pos);
            const size = BATCH_LOG_OVERHEAD_BYTES + h.batchLength;
            const batch = view.subarray(pos, pos + size);
            pos += size;
            next = Math.max(next, Number(h.baseOffset) + h.lastOffsetDelta + 1);
            if ((h.attributes & CONTROL_BIT) !== 0) continue;
            try {
              for (const rec of iterateRecords(batchRecords(batch), h.recordCount)) {
                const m = decodeMetadataRecord(rec.key, rec.value);
                if (m) this.d.apply(m);
              }
            } catch (e) {
              this.d.log.warn("unreadable remote log metadata batch skipped", { partition: i, offset: Number(h.baseOffset), error: (e as Error).message });
            }
          }
        }
        if (next <= offset) break;
        offset = next;
      }
      this.applied[i] = offset;
    }
  }
}

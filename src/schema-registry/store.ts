/**
 * The `_schemas` topic as the registry's log: one partition, cleanup.policy=compact (Confluent's
 * kafkastore.topic). Writes append one batch through the partition's leader append path (origin
 * "coordinator", as the group coordinator writes __consumer_offsets) and wait until the high
 * watermark passes them; the state (state.ts) is then advanced by reading the log, so what a node
 * serves is always what the log says, on the leader and on followers alike (followers read their
 * replica up to its high watermark). At start the whole partition is replayed.
 *
 * The topic is created on the first write: on one node directly in the metadata image, in a
 * cluster by CreateTopics through the broker's own listener (which forwards to the controller).
 */
import { KafkaClient } from "../client/index.ts";
import { batchRecords } from "../compression/index.ts";
import type { Partition } from "../cluster/partition.ts";
import { BATCH_LOG_OVERHEAD_BYTES, buildRecordBatch, CONTROL_BIT, iterateRecords, readBatchHeader } from "../protocol/record-batch.ts";
import type { BrokerContext } from "../server/context.ts";
import { SCHEMA_REGISTRY_MAX_RECORD_BYTES } from "../limits.ts";
import { RegistryError, storeError, unknownLeader } from "./errors.ts";
import { decodeRecord, encodeRecord, type StoreRecord } from "./records.ts";
import type { RegistryState } from "./state.ts";

export const SCHEMAS_TOPIC = "_schemas";
export const SCHEMAS_TOPIC_CONFIGS = { "cleanup.policy": "compact" };
/** Bytes read per step while replaying. */
const READ_STEP_BYTES = 4 * 1024 * 1024;
/** How long a write waits for its records to be committed (high watermark) before answering 50002. */
export const WRITE_COMMIT_TIMEOUT_MS = 10_000;
const COMMIT_POLL_MS = 2;

export class SchemaLog {
  /** The next offset of _schemas to apply to the state. */
  private nextOffset = 0;
  private creating: Promise<void> | null = null;

  constructor(
    private readonly ctx: BrokerContext,
    private readonly state: RegistryState,
  ) {}

  private get cluster(): boolean {
    return this.ctx.quorum !== null && this.ctx.quorum !== undefined;
  }

  /** The node that leads _schemas-0 (where ids are assigned), or -1. */
  leader(): number {
    return this.ctx.topics.partition(SCHEMAS_TOPIC, 0)?.leader ?? -1;
  }

  isLeader(): boolean {
    if (!this.ctx.topics.get(SCHEMAS_TOPIC)) return !this.cluster;
    return this.leader() === this.ctx.nodeId;
  }

  /** Applies every committed record not applied yet (replica or leader). */
  catchUp(): void {
    const p = this.ctx.partitions.hosted(SCHEMAS_TOPIC, 0);
    if (!p) return;
    const end = p.highWatermark;
    if (this.nextOffset < p.logStartOffset) this.nextOffset = p.logStartOffset;
    while (this.nextOffset < end) {
      const next = this.readFrom(p, this.nextOffset, end);
      if (next <= this.nextOffset) break;
      this.nextOffset = next;
    }
  }

  private readFrom(p: Partition, offset: number, end: number): number {
    const r = p.log.read(offset, READ_STEP_BYTES, { maxOffsetExclusive: end, minOneBatch: true });
    if (r.sizeBytes === 0) return offset;
    let next = offset;
    const warn = (why: string) => this.ctx.log.warn(`${SCHEMAS_TOPIC}: record skipped`, { reason: why });
    for (const view of r.batches) {
      for (let pos = 0; pos + BATCH_LOG_OVERHEAD_BYTES <= view.length; ) {
        const h = readBatchHeader(view, pos);
        const size = BATCH_LOG_OVERHEAD_BYTES + h.batchLength;
        const batch = view.subarray(pos, pos + size);
        pos += size;
        const last = Number(h.baseOffset) + h.lastOffsetDelta;
        if (last + 1 > next) next = last + 1;
        if ((h.attributes & CONTROL_BIT) !== 0 || last < offset) continue;
        try {
          let i = 0;
          for (const rec of iterateRecords(batchRecords(batch), h.recordCount)) {
            const recOffset = Number(h.baseOffset) + i++;
            if (recOffset < offset || rec.key === null) continue;
            if (rec.key.length + (rec.value?.length ?? 0) > SCHEMA_REGISTRY_MAX_RECORD_BYTES) {
              warn(`record at offset ${recOffset} is over ${SCHEMA_REGISTRY_MAX_RECORD_BYTES} bytes`);
              continue;
            }
            const decoded = decodeRecord(rec.key, rec.value, warn);
            if (decoded) this.state.apply(decoded);
          }
        } catch (e) {
          warn(`unreadable batch at offset ${h.baseOffset}: ${(e as Error).message}`);
        }
      }
    }
    return next;
  }

  /** The next offset of _schemas not applied yet (what a forwarded write's answer carries). */
  get appliedOffset(): number {
    return this.nextOffset;
  }

  /** Waits (bounded) until every record below `offset` is applied here; false when it timed out. */
  async waitApplied(offset: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.catchUp();
      if (this.nextOffset >= offset) return true;
      if (Date.now() >= deadline) return false;
      await Bun.sleep(COMMIT_POLL_MS);
    }
  }

  /** Whether this node leads _schemas-0 now (the topic exists and its partition is led here). */
  leadsHere(): boolean {
    return this.ctx.partitions.get(SCHEMAS_TOPIC, 0) !== undefined;
  }

  async ensureTopic(): Promise<void> {
    if (this.ctx.topics.get(SCHEMAS_TOPIC)) return;
    this.creating ??= (async () => {
      if (!this.cluster) {
        this.ctx.topics.create(SCHEMAS_TOPIC, 1, { ...SCHEMAS_TOPIC_CONFIGS });
        this.ctx.log.info("created internal topic", { topic: SCHEMAS_TOPIC });
        return;
      }
      const client = await KafkaClient.connect({ bootstrap: `${this.ctx.advertisedHost}:${this.ctx.advertisedPort}` });
      try {
        const [r] = await client.createTopics([{ name: SCHEMAS_TOPIC, numPartitions: 1, replicationFactor: Math.min(3, this.ctx.metadata.image.brokers.size), configs: SCHEMAS_TOPIC_CONFIGS }]);
        if (r && r.errorCode !== 0 && r.errorCode !== 36) throw storeError(`creating ${SCHEMAS_TOPIC} failed with error ${r.errorCode}`);
      } finally {
        client.close();
      }
      const deadline = Date.now() + WRITE_COMMIT_TIMEOUT_MS;
      while (!this.ctx.topics.get(SCHEMAS_TOPIC) && Date.now() < deadline) await Bun.sleep(10);
    })().finally(() => (this.creating = null));
    await this.creating;
  }

  /**
   * Before a write decides its records (the caller holds the registry's write lock): the topic
   * exists, this node leads it, and the state has every committed record.
   */
  async prepareWrite(): Promise<void> {
    try {
      await this.ensureTopic();
    } catch (e) {
      if (e instanceof RegistryError) throw e;
      throw storeError(`creating ${SCHEMAS_TOPIC}: ${(e as Error).message}`);
    }
    const p = this.ctx.partitions.get(SCHEMAS_TOPIC, 0);
    if (!p) throw unknownLeader(`this node does not lead ${SCHEMAS_TOPIC}-0 (leader: ${this.leader()})`);
    // A new leader's log may hold records its high watermark has not passed yet (written under the
    // previous leader): they are applied before any id is assigned, so no id is handed out twice.
    const deadline = Date.now() + WRITE_COMMIT_TIMEOUT_MS;
    while (p.highWatermark < p.logEndOffset) {
      if (Date.now() >= deadline) throw new RegistryError(50002, `${SCHEMAS_TOPIC}-0's high watermark did not reach its log end within ${WRITE_COMMIT_TIMEOUT_MS} ms`);
      await Bun.sleep(COMMIT_POLL_MS);
      if (!this.ctx.partitions.get(SCHEMAS_TOPIC, 0)) throw unknownLeader(`this node no longer leads ${SCHEMAS_TOPIC}-0`);
    }
    this.catchUp();
  }

  /** Appends the records as one batch on the leader (after prepareWrite) and waits until they are applied. */
  async append(records: StoreRecord[]): Promise<void> {
    if (records.length === 0) return;
    const p = this.ctx.partitions.get(SCHEMAS_TOPIC, 0);
    if (!p) throw unknownLeader(`this node does not lead ${SCHEMAS_TOPIC}-0 (leader: ${this.leader()})`);
    const nowMs = Date.now();
    const batch = buildRecordBatch({ baseTimestampMs: BigInt(nowMs), records: records.map(encodeRecord) });
    const r = p.appendAsLeader(batch, { origin: "coordinator", nowMs });
    if (r.errorCode !== 0) throw storeError(`append to ${SCHEMAS_TOPIC} failed with error ${r.errorCode}${r.errorMessage ? `: ${r.errorMessage}` : ""}`);
    const last = Number(r.lastOffset);
    const deadline = Date.now() + WRITE_COMMIT_TIMEOUT_MS;
    for (;;) {
      this.catchUp();
      if (this.nextOffset > last) return;
      if (Date.now() >= deadline) throw new RegistryError(50002, `the write to ${SCHEMAS_TOPIC} was not committed within ${WRITE_COMMIT_TIMEOUT_MS} ms`);
      await Bun.sleep(COMMIT_POLL_MS);
    }
  }
}

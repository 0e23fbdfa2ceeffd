/**
 * The admin handle of an embedded broker or cluster (types/api.d.ts `Admin`): topics, records,
 * offsets and groups, over the internal Kafka client (src/client) and real sockets — what a test
 * could do with an admin client, without picking one. Every wait is bounded by a timeout.
 */
import { EARLIEST_TIMESTAMP, KafkaClient, KafkaError, LATEST_TIMESTAMP } from "../client/index.ts";
import { decodeFetched } from "../cli/consume.ts";
import { decodeAssignment, describeGroup, fetchOffsets, groupCoordinator, topicMetadata, withLeaderRetry } from "../cli/kafka.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type { Admin, CreateTopicOptions, PartitionOffsets, ReadRecord, ReadRecordsOptions, StableGroup, WaitForGroupOptions } from "./types/api.d.ts";

/** Largest fetch the admin handle asks for at once. */
const ADMIN_FETCH_MAX_BYTES = 8 * 1024 * 1024;
const POLL_STEP_MS = 25;
const DEFAULT_WAIT_MS = 30_000;

export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
    await Bun.sleep(POLL_STEP_MS);
  }
}

export class EmbeddedAdmin implements Admin {
  private client: KafkaClient | null = null;

  constructor(private readonly bootstrap: string) {}

  private async kafka(): Promise<KafkaClient> {
    this.client ??= await KafkaClient.connect({ bootstrap: this.bootstrap, clientId: "takhin-embedded-admin" });
    return this.client;
  }

  close(): void {
    this.client?.close();
    this.client = null;
  }

  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<void> {
    const client = await this.kafka();
    const partitions = options.partitions ?? 1;
    const [r] = await client.createTopics([{ name, numPartitions: partitions, replicationFactor: options.replicationFactor ?? 1, configs: options.configs ?? {} }]);
    if (!r) throw new Error(`CreateTopics ${name}: empty response`);
    if (r.errorCode !== 0) throw new KafkaError(r.errorCode, `create topic ${name}`, r.errorMessage);
    // Ready when every partition has a leader (in a cluster, once the node that answers knows it).
    await until(`topic ${name} to have leaders`, DEFAULT_WAIT_MS, async () => {
      const t = await topicMetadata(client, name);
      return t.partitions.length === partitions && t.partitions.every((p) => p.leaderId >= 0 && p.errorCode === 0) ? true : undefined;
    });
  }

  async deleteTopic(name: string): Promise<void> {
    const client = await this.kafka();
    const [r] = await client.deleteTopics([name]);
    if (r && r.errorCode !== 0) throw new KafkaError(r.errorCode, `delete topic ${name}`, r.errorMessage);
  }

  async waitForGroupStable(groupId: string, options: WaitForGroupOptions = {}): Promise<StableGroup> {
    const client = await this.kafka();
    const want = options.members;
    return until(`group ${groupId} to be Stable${want === undefined ? "" : ` with ${want} member(s)`}`, options.timeoutMs ?? DEFAULT_WAIT_MS, async () => {
      const coordinator = await groupCoordinator(client, groupId);
      const g = await describeGroup(client, groupId, coordinator);
      if (g.groupState !== "Stable") return undefined;
      if (want !== undefined && g.members.length !== want) return undefined;
      return {
        groupId,
        state: "Stable" as const,
        protocol: g.protocolData,
        members: g.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, assignment: decodeAssignment(m.memberAssignment) })),
      };
    });
  }

  async listOffsets(topic: string): Promise<PartitionOffsets[]> {
    const client = await this.kafka();
    const md = await withLeaderRetry(client, topic, () => topicMetadata(client, topic));
    const ids = md.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b);
    const out: PartitionOffsets[] = [];
    for (const partition of ids) {
      const earliest = (await withLeaderRetry(client, topic, () => client.listOffsets(topic, partition, EARLIEST_TIMESTAMP))).offset;
      const latest = (await withLeaderRetry(client, topic, () => client.listOffsets(topic, partition, LATEST_TIMESTAMP))).offset;
      out.push({ partition, earliest, latest });
    }
    return out;
  }

  async readRecords(topic: string, options: ReadRecordsOptions = {}): Promise<ReadRecord[]> {
    const client = await this.kafka();
    const offsets = await this.listOffsets(topic);
    const chosen = options.partition === undefined ? offsets : offsets.filter((o) => o.partition === options.partition);
    if (options.partition !== undefined && chosen.length === 0) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${options.partition}`);
    const max = options.maxRecords ?? Number.POSITIVE_INFINITY;
    const out: ReadRecord[] = [];
    for (const o of chosen) {
      let next = options.fromOffset === undefined ? o.earliest : BigInt(options.fromOffset);
      if (next < o.earliest) next = o.earliest;
      let taken = 0;
      while (next < o.latest && taken < max) {
        const from = next;
        const p = await withLeaderRetry(client, topic, () => client.fetch(topic, o.partition, from, { maxWaitMs: 0, maxBytes: ADMIN_FETCH_MAX_BYTES }));
        const got = decodeFetched(topic, o.partition, (p.records as Uint8Array | null) ?? null, from);
        if (got.next <= from) break; // nothing readable (the bytes ended mid-batch): stop rather than spin
        for (const r of got.records) {
          if (r.offset >= o.latest || taken >= max) break;
          out.push({ topic, partition: o.partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers });
          taken++;
        }
        next = got.next;
      }
    }
    return out;
  }

  async committedOffsets(groupId: string, topic: string): Promise<{ partition: number; offset: bigint }[]> {
    const client = await this.kafka();
    const md = await withLeaderRetry(client, topic, () => topicMetadata(client, topic));
    const partitions = md.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b);
    const coordinator = await groupCoordinator(client, groupId);
    const got = await fetchOffsets(client, groupId, coordinator, [{ name: topic, partitions }]);
    return partitions.map((partition) => ({ partition, offset: got.find((c) => c.partition === partition)?.offset ?? -1n }));
  }
}

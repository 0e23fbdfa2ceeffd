/**
 * KafkaClient: the internal client's cluster view. It bootstraps from a list of addresses, learns
 * the brokers (and topic leaders and ids) from Metadata, keeps one BrokerConnection per broker
 * address, and offers typed calls built on the protocol schemas. It speaks to Takhin and to any
 * Kafka broker: every call uses the highest version both sides support (ApiVersions per
 * connection).
 *
 * The typed calls target one partition or one admin batch and raise KafkaError for a partition
 * error code (produce, fetch, listOffsets); admin calls return per-topic results as the broker
 * gave them. `send()` is the general path: any API in src/protocol, to any broker.
 */
import { ErrorCode } from "../protocol/errors.ts";
import { CreateTopics } from "../protocol/messages/create-topics.ts";
import { DeleteTopics } from "../protocol/messages/delete-topics.ts";
import { DescribeConfigs } from "../protocol/messages/describe-configs.ts";
import { Fetch } from "../protocol/messages/fetch.ts";
import { ListOffsets } from "../protocol/messages/list-offsets.ts";
import { Metadata } from "../protocol/messages/metadata.ts";
import { Produce } from "../protocol/messages/produce.ts";
import { ZERO_UUID } from "../protocol/reader.ts";
import type { ApiDef, RequestInput, ResponseOf } from "../protocol/schema.ts";
import { BrokerConnection, type ConnectionOptions, type Response, type SendOptions } from "./connection.ts";
import { ClientClosedError, ClientError, ConnectionError, KafkaError } from "./errors.ts";
import { CLIENT_MAX_BROKERS } from "../limits.ts";
import type { BrokerVersions } from "./versions.ts";

export interface ClientOptions extends ConnectionOptions {
  /** "host:port" addresses, or one comma-separated string. */
  bootstrap: string | string[];
}

export interface BrokerAddress {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export type MetadataResponse = ResponseOf<typeof Metadata>;
export type ProducePartitionResponse = ResponseOf<typeof Produce>["responses"][number]["partitionResponses"][number];
export type FetchPartitionResponse = ResponseOf<typeof Fetch>["responses"][number]["partitions"][number];
export type ListOffsetsPartitionResponse = ResponseOf<typeof ListOffsets>["topics"][number]["partitions"][number];
export type CreateTopicsResult = ResponseOf<typeof CreateTopics>["topics"][number];
export type DeleteTopicsResult = ResponseOf<typeof DeleteTopics>["responses"][number];
export type DescribeConfigsResult = ResponseOf<typeof DescribeConfigs>["results"][number];

/** Kafka's special ListOffsets timestamps. */
export const LATEST_TIMESTAMP = -1n;
export const EARLIEST_TIMESTAMP = -2n;

interface TopicInfo {
  topicId: string;
  partitions: Map<number, { leaderId: number; leaderEpoch: number }>;
}

export function parseAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(":");
  const host = i > 0 ? address.slice(0, i).replace(/^\[|\]$/g, "") : "";
  const port = Number(address.slice(i + 1));
  if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) throw new ClientError(`bad broker address "${address}" (want host:port)`);
  return { host, port };
}

export class KafkaClient {
  private readonly bootstrap: { host: string; port: number }[];
  private readonly connections = new Map<string, BrokerConnection>();
  private readonly brokerById = new Map<number, BrokerAddress>();
  private readonly topics = new Map<string, TopicInfo>();
  private controllerId = -1;
  private clusterIdValue: string | null = null;
  private closed = false;

  constructor(private readonly opts: ClientOptions) {
    const list = Array.isArray(opts.bootstrap) ? opts.bootstrap : opts.bootstrap.split(",");
    this.bootstrap = list.map((a) => a.trim()).filter((a) => a.length > 0).map(parseAddress);
    if (this.bootstrap.length === 0) throw new ClientError("no bootstrap address");
  }

  /** A client that has fetched the cluster's metadata from one of the bootstrap addresses. */
  static async connect(opts: ClientOptions): Promise<KafkaClient> {
    const client = new KafkaClient(opts);
    try {
      await client.metadata([]);
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }

  get clusterId(): string | null {
    return this.clusterIdValue;
  }

  /** Brokers from the last Metadata response. */
  get brokers(): BrokerAddress[] {
    return [...this.brokerById.values()];
  }

  /** The controller id from the last Metadata response (-1 when unknown). */
  get controller(): number {
    return this.controllerId;
  }

  /** The connection to one broker (by node id from Metadata). */
  connectionTo(nodeId: number): BrokerConnection {
    const b = this.brokerById.get(nodeId);
    if (!b) throw new ClientError(`broker ${nodeId} is not in the cluster metadata`);
    return this.connectionAt(b.host, b.port);
  }

  private connectionAt(host: string, port: number): BrokerConnection {
    if (this.closed) throw new ClientClosedError("client closed");
    const key = `${host}:${port}`;
    let c = this.connections.get(key);
    if (!c) {
      if (this.connections.size >= CLIENT_MAX_BROKERS + this.bootstrap.length) throw new ClientError(`more than ${CLIENT_MAX_BROKERS} broker connections`);
      c = new BrokerConnection(host, port, this.opts);
      this.connections.set(key, c);
    }
    return c;
  }

  /** Any broker: a connected one if there is one, else the known brokers and bootstraps in turn. */
  private async anyConnection(): Promise<BrokerConnection> {
    for (const c of this.connections.values()) if (c.connected) return c;
    const candidates = [...this.brokerById.values(), ...this.bootstrap];
    let last: Error | null = null;
    for (const a of candidates) {
      const c = this.connectionAt(a.host, a.port);
      try {
        await c.connect();
        return c;
      } catch (error) {
        last = error as Error;
      }
    }
    throw new ConnectionError(`no broker reachable (${candidates.map((a) => `${a.host}:${a.port}`).join(", ")})${last ? `: ${last.message}` : ""}`);
  }

  /** Sends any API to a broker (`nodeId`) or to any reachable broker. */
  async send<A extends ApiDef>(api: A, body: RequestInput<A>, opts: SendOptions & { nodeId?: number } = {}): Promise<Response<A>> {
    const c = opts.nodeId === undefined ? await this.anyConnection() : this.connectionTo(opts.nodeId);
    return c.send(api, body, opts);
  }

  /** The ApiVersions ranges of a broker (connects if needed). */
  async apiVersions(nodeId?: number): Promise<BrokerVersions> {
    const c = nodeId === undefined ? await this.anyConnection() : this.connectionTo(nodeId);
    await c.connect();
    return c.brokerVersions!;
  }

  /**
   * Metadata for `topics` (null: every topic; []: brokers only). Never creates topics. Updates the
   * client's view of brokers, leaders and topic ids.
   */
  async metadata(topics: string[] | null = null): Promise<MetadataResponse> {
    const c = await this.anyConnection();
    const version = await c.versionOf(Metadata);
    // v0 has no "all topics" null: an empty list means all there, so ask v0 for named topics only.
    const list = topics === null ? (version === 0 ? [] : null) : topics.map((name) => ({ topicId: ZERO_UUID, name }));
    const { body } = await c.send(Metadata, { topics: list, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    this.absorb(body);
    return body;
  }

  private absorb(md: MetadataResponse): void {
    if (md.brokers.length > CLIENT_MAX_BROKERS) throw new ClientError(`Metadata lists ${md.brokers.length} brokers (limit ${CLIENT_MAX_BROKERS})`);
    this.brokerById.clear();
    for (const b of md.brokers) this.brokerById.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    this.controllerId = md.controllerId;
    this.clusterIdValue = md.clusterId;
    for (const t of md.topics) {
      if (t.name === null) continue;
      if (t.errorCode !== 0) {
        this.topics.delete(t.name);
        continue;
      }
      const partitions = new Map<number, { leaderId: number; leaderEpoch: number }>();
      for (const p of t.partitions) partitions.set(p.partitionIndex, { leaderId: p.leaderId, leaderEpoch: p.leaderEpoch });
      this.topics.set(t.name, { topicId: t.topicId, partitions });
    }
  }

  private async topicInfo(topic: string, refresh = false): Promise<TopicInfo> {
    if (refresh || !this.topics.has(topic)) {
      const md = await this.metadata([topic]);
      const t = md.topics.find((x) => x.name === topic);
      if (t && t.errorCode !== 0) throw new KafkaError(t.errorCode, `Metadata for ${topic}`);
    }
    const info = this.topics.get(topic);
    if (!info) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Metadata for ${topic}`);
    return info;
  }

  /** The leader of a partition, from Metadata (refreshed when unknown or `refresh`). */
  async leaderOf(topic: string, partition: number, refresh = false): Promise<number> {
    let info = await this.topicInfo(topic, refresh);
    let p = info.partitions.get(partition);
    if ((!p || p.leaderId < 0) && !refresh) {
      info = await this.topicInfo(topic, true);
      p = info.partitions.get(partition);
    }
    if (!p) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition}`);
    if (p.leaderId < 0) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `${topic}-${partition}`);
    return p.leaderId;
  }

  /**
   * Appends one record batch (v2 format, e.g. from protocol/record-batch.ts buildRecordBatch) to a
   * partition's leader. acks 0 resolves once written and returns null.
   */
  async produce(
    topic: string,
    partition: number,
    records: Uint8Array | Uint8Array[],
    opts: { acks?: -1 | 0 | 1; timeoutMs?: number; transactionalId?: string | null } = {},
  ): Promise<ProducePartitionResponse | null> {
    const acks = opts.acks ?? -1;
    const leader = await this.leaderOf(topic, partition);
    const { body } = await this.send(
      Produce,
      { transactionalId: opts.transactionalId ?? null, acks, timeoutMs: opts.timeoutMs ?? 30_000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] },
      { nodeId: leader, expectResponse: acks !== 0 },
    );
    if (acks === 0) return null;
    const p = body.responses[0]?.partitionResponses[0];
    if (!p) throw new ClientError(`Produce to ${topic}-${partition}: empty response`);
    if (p.errorCode !== 0) throw new KafkaError(p.errorCode, `Produce to ${topic}-${partition}`, p.errorMessage);
    return p;
  }

  /** Fetches from one partition's leader (a consumer fetch without a session). */
  async fetch(
    topic: string,
    partition: number,
    offset: bigint,
    opts: { maxWaitMs?: number; minBytes?: number; maxBytes?: number; partitionMaxBytes?: number; isolationLevel?: 0 | 1; timeoutMs?: number } = {},
  ): Promise<FetchPartitionResponse> {
    const info = await this.topicInfo(topic);
    const leader = await this.leaderOf(topic, partition);
    const maxBytes = opts.maxBytes ?? 1024 * 1024;
    const maxWaitMs = opts.maxWaitMs ?? 500;
    const { body } = await this.send(
      Fetch,
      {
        replicaId: -1,
        maxWaitMs,
        minBytes: opts.minBytes ?? 1,
        maxBytes,
        isolationLevel: opts.isolationLevel ?? 0,
        sessionId: 0,
        sessionEpoch: -1,
        // Versions up to 12 name the topic, 13+ give its id: both are filled, the codec writes
        // the one the negotiated version has.
        topics: [{ topic, topicId: info.topicId, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: opts.partitionMaxBytes ?? maxBytes }] }],
        forgottenTopicsData: [],
        rackId: "",
      },
      // The broker may hold the request for maxWaitMs: the timeout covers that too.
      { nodeId: leader, timeoutMs: opts.timeoutMs ?? Math.max(maxWaitMs + 30_000, 30_000) },
    );
    if (body.errorCode !== 0) throw new KafkaError(body.errorCode, `Fetch from ${topic}-${partition}`);
    const p = body.responses[0]?.partitions[0];
    if (!p) throw new ClientError(`Fetch from ${topic}-${partition}: empty response`);
    if (p.errorCode !== 0) throw new KafkaError(p.errorCode, `Fetch from ${topic}-${partition}`);
    return p;
  }

  /** The offset for a timestamp (LATEST_TIMESTAMP, EARLIEST_TIMESTAMP, or a time in ms). */
  async listOffsets(topic: string, partition: number, timestamp: bigint, opts: { isolationLevel?: 0 | 1 } = {}): Promise<ListOffsetsPartitionResponse> {
    const leader = await this.leaderOf(topic, partition);
    const { version, body } = await this.send(
      ListOffsets,
      { replicaId: -1, isolationLevel: opts.isolationLevel ?? 0, topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp, maxNumOffsets: 1 }] }] },
      { nodeId: leader },
    );
    const p = body.topics[0]?.partitions[0];
    if (!p) throw new ClientError(`ListOffsets for ${topic}-${partition}: empty response`);
    if (p.errorCode !== 0) throw new KafkaError(p.errorCode, `ListOffsets for ${topic}-${partition}`);
    // v0 answers with a list of offsets instead of one.
    if (version === 0) return { ...p, offset: p.oldStyleOffsets[0] ?? -1n };
    return p;
  }

  /** Creates topics (any broker forwards to the controller); per-topic results as answered. */
  async createTopics(
    topics: { name: string; numPartitions?: number; replicationFactor?: number; configs?: Record<string, string> }[],
    opts: { timeoutMs?: number; validateOnly?: boolean } = {},
  ): Promise<CreateTopicsResult[]> {
    const { body } = await this.send(CreateTopics, {
      topics: topics.map((t) => ({
        name: t.name,
        numPartitions: t.numPartitions ?? -1,
        replicationFactor: t.replicationFactor ?? -1,
        assignments: [],
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs: opts.timeoutMs ?? 30_000,
      validateOnly: opts.validateOnly ?? false,
    });
    return body.topics;
  }

  /** Deletes topics by name; per-topic results as answered. */
  async deleteTopics(names: string[], opts: { timeoutMs?: number } = {}): Promise<DeleteTopicsResult[]> {
    const { body } = await this.send(DeleteTopics, {
      topics: names.map((name) => ({ name, topicId: ZERO_UUID })),
      topicNames: names,
      timeoutMs: opts.timeoutMs ?? 30_000,
    });
    for (const n of names) this.topics.delete(n);
    return body.responses;
  }

  /** DescribeConfigs for topics (resourceType 2) or brokers (4); null keys: every config. */
  async describeConfigs(resources: { type: 2 | 4; name: string; keys?: string[] | null }[], opts: { nodeId?: number } = {}): Promise<DescribeConfigsResult[]> {
    const { body } = await this.send(
      DescribeConfigs,
      { resources: resources.map((r) => ({ resourceType: r.type, resourceName: r.name, configurationKeys: r.keys ?? null })), includeSynonyms: false, includeDocumentation: false },
      { nodeId: opts.nodeId },
    );
    return body.results;
  }

  /** Closes every connection; pending requests fail with ClientClosedError. */
  close(): void {
    this.closed = true;
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
  }
}

/**
 * HTTP Proxy consumer instances (Confluent REST Proxy v2 /consumers): each is a Kafka consumer
 * held on this node for a client that polls over HTTP — a real member of its consumer group when
 * it subscribes (group-member.ts), or a standalone consumer of the partitions it is assigned.
 *
 *   create(group, {name, format, auto.offset.reset, auto.commit.enable, fetch.min.bytes,
 *          consumer.request.timeout.ms})  ->  subscribe | assign  ->  records*  ->  commit  ->  delete
 *
 * Positions are kept per partition: set by seek (positions, /beginning, /end), else at first
 * read from the group's committed offset, else by auto.offset.reset (ListOffsets earliest or
 * latest; "none" answers 40403-free 50002 "no committed offset"). GET records fetches from the
 * partitions' leaders (the internal client, one Fetch per leader) and waits at most its timeout
 * (capped to HTTP_PROXY_MAX_POLL_MS) for fetch.min.bytes; answers at most max_bytes of records.
 * With auto.commit.enable the positions are committed every AUTO_COMMIT_INTERVAL_MS, before a
 * rebalance and at delete.
 *
 * Bounds: at most HTTP_PROXY_MAX_CONSUMER_INSTANCES instances per node (429 past it); each is
 * deleted after consumer_instance_timeout_ms without a request (it leaves its group); one request
 * runs at a time per instance (a second waits for the first), so a client cannot stack up work.
 */
import { EARLIEST_TIMESTAMP, KafkaClient, KafkaError, LATEST_TIMESTAMP } from "../client/index.ts";
import { decodeFetched } from "../cli/consume.ts";
import { fetchOffsets, groupCoordinator } from "../cli/kafka.ts";
import { HTTP_PROXY_MAX_CONSUMER_INSTANCES, HTTP_PROXY_MAX_CONSUMER_PARTITIONS, HTTP_PROXY_MAX_POLL_MS, HTTP_PROXY_MAX_RESPONSE_BYTES } from "../limits.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { Fetch } from "../protocol/messages/fetch.ts";
import { OffsetCommit } from "../protocol/messages/offset-commit.ts";
import type { Registry } from "../schema-registry/registry.ts";
import type { BrokerContext } from "../server/context.ts";
import { EMBEDDED_FORMATS, type EmbeddedFormat } from "./content-type.ts";
import { alreadySubscribed, consumerExists, consumerNotFound, invalidConsumerConfig, kafkaError, ProxyError, tooManyInstances, unprocessable } from "./errors.ts";
import { GroupMember, type TopicPartition } from "./group-member.ts";
import { decodeEmbedded, SchemaCache } from "./serde.ts";

export const AUTO_COMMIT_INTERVAL_MS = 5_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 1_000;
const DEFAULT_MAX_BYTES = HTTP_PROXY_MAX_RESPONSE_BYTES;
const NAME_RE = /^[A-Za-z0-9._-]{1,249}$/;

export interface ConsumerConfig {
  format: EmbeddedFormat;
  autoOffsetReset: "earliest" | "latest" | "none";
  autoCommit: boolean;
  fetchMinBytes: number;
  requestTimeoutMs: number;
}

export interface ConsumedJson {
  topic: string;
  key: unknown;
  value: unknown;
  partition: number;
  offset: number;
}

const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

export interface ConsumerManagerDeps {
  context: BrokerContext;
  /** This node's Kafka listener, which each instance's own client bootstraps from. */
  bootstrap: string;
  registry: () => Registry | null;
  instanceTimeoutMs: number;
}

export class ConsumerInstance {
  lastUsedMs = Date.now();
  private subscription: { topics: string[] } | { pattern: RegExp; source: string } | null = null;
  private assigned: TopicPartition[] = [];
  private manual = false;
  private member: GroupMember | null = null;
  /** Next offset to read per partition (only partitions with a known position). */
  private readonly positions = new Map<string, bigint>();
  /** Positions committed last (auto commit skips unchanged ones). */
  private readonly committed = new Map<string, bigint>();
  private lock: Promise<unknown> = Promise.resolve();
  private commitTimer: ReturnType<typeof setInterval> | null = null;
  private readonly schemas: SchemaCache;
  closed = false;

  constructor(
    private readonly deps: ConsumerManagerDeps,
    readonly group: string,
    readonly name: string,
    readonly config: ConsumerConfig,
  ) {
    this.schemas = new SchemaCache(deps.registry);
    if (config.autoCommit) this.commitTimer = setInterval(() => void this.exclusive(() => this.commitPositions()).catch(() => {}), AUTO_COMMIT_INTERVAL_MS);
  }

  /** Runs one request's work alone on this instance. */
  exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    this.lastUsedMs = Date.now();
    const run = this.lock.then(fn);
    this.lock = run.catch(() => {});
    return run.finally(() => {
      this.lastUsedMs = Date.now();
    });
  }

  /**
   * The instance's own client (own connections), as each Kafka consumer has: a broker answers a
   * connection's requests in order, so a JoinGroup held open for a rebalance on a shared connection
   * would hold back the other members' heartbeats (and so the rebalance itself).
   */
  private ownClient: KafkaClient | null = null;
  private client(): KafkaClient {
    if (this.closed && this.ownClient === null) throw consumerNotFound();
    this.ownClient ??= new KafkaClient({ bootstrap: this.deps.bootstrap, clientId: `${this.group}-${this.name}` });
    return this.ownClient;
  }

  /** The group coordinator's node id (the client learns the brokers first: connections by id need them). */
  private async coordinator(): Promise<number> {
    if (this.client().brokers.length === 0) await this.client().metadata([]);
    return groupCoordinator(this.client(), this.group);
  }

  private topicsNow(): string[] {
    const s = this.subscription;
    if (!s) return [];
    if ("topics" in s) return s.topics;
    return [...this.deps.context.metadata.image.topicsByName.keys()].filter((t) => !t.startsWith("__") && s.pattern.test(t)).sort();
  }

  async subscribe(topics: string[] | null, pattern: string | null): Promise<void> {
    if (this.manual) throw alreadySubscribed();
    if (topics && topics.length > HTTP_PROXY_MAX_CONSUMER_PARTITIONS) throw unprocessable(`at most ${HTTP_PROXY_MAX_CONSUMER_PARTITIONS} topics`);
    if (pattern !== null) {
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${pattern})$`);
      } catch (e) {
        throw unprocessable(`topic_pattern is not a regular expression: ${(e as Error).message}`);
      }
      this.subscription = { pattern: re, source: pattern };
    } else this.subscription = { topics: [...new Set(topics!)] };
    this.member ??= new GroupMember(() => this.client(), this.group, {
      topics: () => this.topicsNow(),
      partitionCount: (t) => this.deps.context.metadata.image.topic(t)?.partitions.length ?? 0,
      revoking: () => (this.config.autoCommit ? this.commitPositions() : Promise.resolve()),
      assigned: (parts) => this.setAssigned(parts),
      log: (m, f) => this.deps.context.log.debug(`http proxy consumer: ${m}`, { instance: this.name, ...f }),
    });
    // The join runs in the background; a poll waits for it (up to its timeout).
    void this.member.resubscribe().catch((e) => this.deps.context.log.warn("http proxy consumer: join failed", { group: this.group, instance: this.name, error: String(e) }));
  }

  subscriptionView(): { topics: string[] } {
    return { topics: this.topicsNow() };
  }

  async unsubscribe(): Promise<void> {
    if (this.member) {
      if (this.config.autoCommit) await this.commitPositions().catch(() => {});
      await this.member.leave();
    }
    this.member = null;
    this.subscription = null;
    this.setAssigned([]);
    this.manual = false;
  }

  assign(parts: TopicPartition[]): void {
    if (this.subscription) throw alreadySubscribed();
    if (parts.length > HTTP_PROXY_MAX_CONSUMER_PARTITIONS) throw unprocessable(`at most ${HTTP_PROXY_MAX_CONSUMER_PARTITIONS} partitions`);
    this.manual = parts.length > 0;
    this.setAssigned(parts);
  }

  private setAssigned(parts: TopicPartition[]): void {
    const keep = new Set(parts.map(key));
    for (const k of [...this.positions.keys()]) if (!keep.has(k)) this.positions.delete(k);
    this.assigned = parts.map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  assignments(): TopicPartition[] {
    return this.assigned;
  }

  private requireAssigned(tp: TopicPartition): void {
    if (!this.assigned.some((a) => a.topic === tp.topic && a.partition === tp.partition)) throw new ProxyError(40903, `Illegal state: No current assignment for partition ${tp.topic}-${tp.partition}`);
  }

  seek(offsets: (TopicPartition & { offset: number })[]): void {
    for (const o of offsets) this.requireAssigned(o);
    for (const o of offsets) this.positions.set(key(o), BigInt(o.offset));
  }

  async seekTo(parts: TopicPartition[], where: "beginning" | "end"): Promise<void> {
    for (const p of parts) this.requireAssigned(p);
    for (const p of parts) this.positions.set(key(p), await this.listOffset(p, where === "beginning" ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP));
  }

  private async listOffset(tp: TopicPartition, ts: bigint): Promise<bigint> {
    try {
      return (await this.client().listOffsets(tp.topic, tp.partition, ts)).offset;
    } catch (e) {
      throw kafkaError((e as Error).message);
    }
  }

  /** Positions for assigned partitions without one: committed offset, else auto.offset.reset. */
  private async fillPositions(): Promise<void> {
    const missing = this.assigned.filter((p) => !this.positions.has(key(p)));
    if (missing.length === 0) return;
    const byTopic = new Map<string, number[]>();
    for (const p of missing) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    let committed: { topic: string; partition: number; offset: bigint }[] = [];
    try {
      committed = await fetchOffsets(this.client(), this.group, await this.coordinator(), [...byTopic].map(([name, partitions]) => ({ name, partitions })));
    } catch (e) {
      throw kafkaError((e as Error).message);
    }
    for (const p of missing) {
      const c = committed.find((x) => x.topic === p.topic && x.partition === p.partition);
      if (c) this.positions.set(key(p), c.offset);
      else if (this.config.autoOffsetReset === "none") throw kafkaError(`Undefined offset with no reset policy for partition: ${p.topic}-${p.partition}`);
      else this.positions.set(key(p), await this.listOffset(p, this.config.autoOffsetReset === "earliest" ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP));
    }
    for (const p of missing) this.committed.set(key(p), this.positions.get(key(p))!);
  }

  /** GET .../records: up to maxBytes of records, waiting up to timeoutMs for fetch.min.bytes. */
  async records(timeoutMs: number, maxBytes: number): Promise<ConsumedJson[]> {
    const deadline = Date.now() + Math.min(timeoutMs, HTTP_PROXY_MAX_POLL_MS);
    const out: ConsumedJson[] = [];
    let bytes = 0;
    const minBytes = Math.max(1, this.config.fetchMinBytes);
    for (;;) {
      if (this.member && !this.member.stable) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        await Promise.race([this.member.join().catch(() => {}), Bun.sleep(left)]);
        // A join that failed for good (not a rebalance in progress) is the answer: 50002, as Confluent's.
        if (this.member?.lastError && !this.member.stable) throw kafkaError(this.member.lastError.message);
        if (!this.member?.stable) break;
      }
      await this.fillPositions();
      const left = Math.max(0, deadline - Date.now());
      const got = await this.fetchOnce(Math.min(left, 5_000), maxBytes - bytes);
      for (const r of got) {
        const size = (r.rawKey?.length ?? 0) + (r.rawValue?.length ?? 0);
        if (out.length > 0 && bytes + size > maxBytes) break;
        out.push({ topic: r.topic, key: decodeEmbedded(this.config.format, r.rawKey, this.schemas), value: decodeEmbedded(this.config.format, r.rawValue, this.schemas), partition: r.partition, offset: Number(r.offset) });
        bytes += size;
        this.positions.set(key(r), r.offset + 1n);
      }
      if (bytes >= minBytes || bytes >= maxBytes || Date.now() >= deadline) break;
    }
    return out;
  }

  private async fetchOnce(waitMs: number, maxBytes: number): Promise<{ topic: string; partition: number; offset: bigint; rawKey: Uint8Array | null; rawValue: Uint8Array | null }[]> {
    const parts = this.assigned.filter((p) => this.positions.has(key(p)));
    if (parts.length === 0) {
      if (waitMs > 0) await Bun.sleep(Math.min(waitMs, 200));
      return [];
    }
    const image = this.deps.context.metadata.image;
    const byLeader = new Map<number, TopicPartition[]>();
    for (const p of parts) {
      let leader = -1;
      try {
        leader = await this.client().leaderOf(p.topic, p.partition);
      } catch {
        continue;
      }
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
    }
    const limit = Math.max(1, Math.min(maxBytes, HTTP_PROXY_MAX_RESPONSE_BYTES));
    const results = await Promise.all(
      [...byLeader].map(async ([leader, list]) => {
        const topics = new Map<string, TopicPartition[]>();
        for (const p of list) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p]);
        try {
          const { body } = await this.client().send(
            Fetch,
            {
              replicaId: -1,
              maxWaitMs: waitMs,
              minBytes: 1,
              maxBytes: limit,
              isolationLevel: 0,
              sessionId: 0,
              sessionEpoch: -1,
              topics: [...topics].map(([topic, ps]) => ({ topic, topicId: image.topic(topic)?.id ?? "00000000-0000-0000-0000-000000000000", partitions: ps.map((p) => ({ partition: p.partition, fetchOffset: this.positions.get(key(p))!, partitionMaxBytes: limit })) })),
              forgottenTopicsData: [],
              rackId: "",
            } as never,
            { nodeId: leader, timeoutMs: waitMs + 30_000 },
          );
          const out: { topic: string; partition: number; offset: bigint; rawKey: Uint8Array | null; rawValue: Uint8Array | null }[] = [];
          for (const t of body.responses) {
            const name = t.topic || [...image.topicsByName.values()].find((x) => x.id === t.topicId)?.name || "";
            for (const p of t.partitions) {
              const tp = { topic: name, partition: p.partitionIndex };
              if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
                // As Kafka's consumer does: auto.offset.reset decides where to go on.
                if (this.config.autoOffsetReset === "none") throw kafkaError(`Offsets out of range with no configured reset policy for partition ${name}-${p.partitionIndex}`);
                this.positions.set(key(tp), await this.listOffset(tp, this.config.autoOffsetReset === "earliest" ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP));
                continue;
              }
              if (p.errorCode !== 0) continue;
              const from = this.positions.get(key(tp));
              if (from === undefined) continue;
              const { records } = decodeFetched(name, p.partitionIndex, (p.records as Uint8Array | null) ?? null, from);
              for (const r of records) out.push({ topic: name, partition: p.partitionIndex, offset: r.offset, rawKey: r.key, rawValue: r.value });
            }
          }
          return out;
        } catch (e) {
          if (e instanceof ProxyError) throw e;
          this.deps.context.log.debug("http proxy consumer: fetch failed", { leader, error: String(e) });
          return [];
        }
      }),
    );
    return results.flat();
  }

  /** Commits `offsets`, or (null) the current positions of every assigned partition. */
  async commit(offsets: (TopicPartition & { offset: number; metadata?: string })[] | null): Promise<void> {
    const list: (TopicPartition & { offset: number; metadata?: string })[] = offsets ?? this.assigned.filter((p) => this.positions.has(key(p))).map((p) => ({ ...p, offset: Number(this.positions.get(key(p))!) }));
    if (list.length === 0) return;
    const byTopic = new Map<string, { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }[]>();
    for (const o of list) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1, committedMetadata: o.metadata ?? "" }]);
    const inGroup = this.member && this.member.stable;
    try {
      const { body } = await this.client().send(
        OffsetCommit,
        { groupId: this.group, generationIdOrMemberEpoch: inGroup ? this.member!.generationId : -1, memberId: inGroup ? this.member!.memberId : "", groupInstanceId: null, retentionTimeMs: -1n, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) },
        { nodeId: await this.coordinator() },
      );
      for (const t of body.topics) for (const p of t.partitions) if (p.errorCode !== 0) throw new KafkaError(p.errorCode, `OffsetCommit ${t.name}-${p.partitionIndex}`);
    } catch (e) {
      throw kafkaError((e as Error).message);
    }
    for (const o of list) this.committed.set(key(o), BigInt(o.offset));
  }

  private async commitPositions(): Promise<void> {
    const changed = this.assigned.filter((p) => this.positions.has(key(p)) && this.positions.get(key(p)) !== this.committed.get(key(p)));
    if (changed.length === 0) return;
    await this.commit(changed.map((p) => ({ ...p, offset: Number(this.positions.get(key(p))!) })));
  }

  async committedOffsets(parts: TopicPartition[]): Promise<{ topic: string; partition: number; offset: number; metadata: string }[]> {
    const byTopic = new Map<string, number[]>();
    for (const p of parts) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    try {
      const got = await fetchOffsets(this.client(), this.group, await this.coordinator(), [...byTopic].map(([name, partitions]) => ({ name, partitions })));
      return got.map((o) => ({ topic: o.topic, partition: o.partition, offset: Number(o.offset), metadata: o.metadata ?? "" }));
    } catch (e) {
      throw kafkaError((e as Error).message);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.commitTimer) clearInterval(this.commitTimer);
    if (this.config.autoCommit) await this.commitPositions().catch(() => {});
    await this.member?.leave();
    this.member = null;
    this.ownClient?.close();
    this.ownClient = null;
  }
}

function parseBool(v: unknown, what: string): boolean {
  if (v === undefined || v === null) return true;
  if (v === true || v === "true") return true;
  if (v === false || v === "false") return false;
  throw invalidConsumerConfig(`${what} must be true or false`);
}

function parseInt32(v: unknown, what: string, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < -1 || n > 2 ** 31 - 1) throw invalidConsumerConfig(`${what} must be an integer`);
  return n;
}

export function parseConsumerConfig(body: Record<string, unknown>): ConsumerConfig {
  const format = body.format ?? "binary";
  if (typeof format !== "string" || !(EMBEDDED_FORMATS as readonly string[]).includes(format.toLowerCase())) throw unprocessable(`format must be one of ${EMBEDDED_FORMATS.join(", ")}`);
  const reset = body["auto.offset.reset"] ?? "latest";
  if (reset !== "earliest" && reset !== "latest" && reset !== "none") throw invalidConsumerConfig(`Invalid value ${String(reset)} for configuration auto.offset.reset: String must be one of: latest, earliest, none`);
  return {
    format: format.toLowerCase() as EmbeddedFormat,
    autoOffsetReset: reset,
    autoCommit: parseBool(body["auto.commit.enable"], "auto.commit.enable"),
    fetchMinBytes: parseInt32(body["fetch.min.bytes"], "fetch.min.bytes", -1),
    requestTimeoutMs: parseInt32(body["consumer.request.timeout.ms"], "consumer.request.timeout.ms", DEFAULT_REQUEST_TIMEOUT_MS),
  };
}

export class ConsumerManager {
  private readonly instances = new Map<string, ConsumerInstance>();
  private sweeper: ReturnType<typeof setInterval> | null = null;
  private sequence = 0;

  constructor(private readonly deps: ConsumerManagerDeps) {}

  get size(): number {
    return this.instances.size;
  }

  start(): void {
    const every = Math.max(200, Math.min(5_000, Math.floor(this.deps.instanceTimeoutMs / 4)));
    this.sweeper = setInterval(() => void this.expire(), every);
  }

  private async expire(): Promise<void> {
    const now = Date.now();
    for (const [k, c] of this.instances) {
      if (now - c.lastUsedMs < this.deps.instanceTimeoutMs) continue;
      this.instances.delete(k);
      this.deps.context.log.info("http proxy: consumer instance expired", { group: c.group, instance: c.name });
      await c.close().catch(() => {});
    }
  }

  create(group: string, body: Record<string, unknown>): ConsumerInstance {
    if (!NAME_RE.test(group)) throw unprocessable("the group name is 1 to 249 of [A-Za-z0-9._-]");
    const requested = body.name ?? body.id;
    if (requested !== undefined && requested !== null && (typeof requested !== "string" || !NAME_RE.test(requested))) throw unprocessable("name is 1 to 249 of [A-Za-z0-9._-]");
    const config = parseConsumerConfig(body);
    const name = (requested as string | undefined) ?? `rest-consumer-${this.deps.context.nodeId}-${Date.now().toString(36)}-${(this.sequence++).toString(36)}`;
    const k = `${group}\u0000${name}`;
    if (this.instances.has(k)) throw consumerExists();
    if (this.instances.size >= HTTP_PROXY_MAX_CONSUMER_INSTANCES) throw tooManyInstances(HTTP_PROXY_MAX_CONSUMER_INSTANCES);
    const c = new ConsumerInstance(this.deps, group, name, config);
    this.instances.set(k, c);
    return c;
  }

  get(group: string, name: string): ConsumerInstance {
    const c = this.instances.get(`${group}\u0000${name}`);
    if (!c || c.closed) throw consumerNotFound();
    c.lastUsedMs = Date.now();
    return c;
  }

  async delete(group: string, name: string): Promise<void> {
    const c = this.get(group, name);
    this.instances.delete(`${group}\u0000${name}`);
    await c.close();
  }

  async closeAll(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    const all = [...this.instances.values()];
    this.instances.clear();
    await Promise.all(all.map((c) => c.close().catch(() => {})));
  }
}

export { DEFAULT_MAX_BYTES };

/**
 * One follower fetcher per leader (Kafka's ReplicaFetcherThread): a loop that sends ONE Fetch
 * covering every partition this broker follows on that leader, as replica `nodeId` (replica_id up
 * to v14, ReplicaState with the broker epoch from v15, KIP-903), sessionless (session id 0,
 * epoch -1: a full fetch each time), long-polling (max_wait_ms) with bounded bytes, over the
 * leader's inter-broker listener through the internal client (src/client).
 *
 * Per partition it sends fetch_offset = its log end, current_leader_epoch = the epoch it follows,
 * last_fetched_epoch = the epoch of its last record (KIP-320). On the answer:
 *   divergingEpoch    truncate (divergence.ts truncationFor) and fetch again
 *   records           Partition.appendAsFollower (offsets, epochs and producer state kept)
 *   high watermark    taken up to its own log end
 *   an error          that partition waits FETCH_BACKOFF_MS before it is asked for again
 * A partition removed or re-assigned while a fetch was out, or whose log end moved, ignores that
 * fetch's answer for it.
 */
import { BrokerConnection } from "../../client/connection.ts";
import { Fetch } from "../../protocol/messages/fetch.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import type { Logger } from "../../util/log.ts";
import type { Partition } from "../partition.ts";
import { truncationFor } from "./divergence.ts";

/** How long a follower's fetch waits at the leader for data (Kafka's replica.fetch.wait.max.ms is 500). */
export const REPLICA_FETCH_WAIT_MAX_MS = 500;
/** Bytes per partition and per response (Kafka: replica.fetch.max.bytes 1 MiB, replica.fetch.response.max.bytes 10 MiB). */
export const REPLICA_FETCH_PARTITION_MAX_BYTES = 1024 * 1024;
export const REPLICA_FETCH_RESPONSE_MAX_BYTES = 10 * 1024 * 1024;
/** Pause after a failed fetch or a partition-level error (Kafka's replica.fetch.backoff.ms is 1000). */
export const FETCH_BACKOFF_MS = 200;

export interface FollowedPartition {
  partition: Partition;
  topicId: string;
  leaderEpoch: number;
  /** Not asked for again before this time (ms, Date.now) after an error. */
  backoffUntil: number;
}

export interface ReplicaFetcherOptions {
  nodeId: number;
  leaderId: number;
  /** The leader's inter-broker endpoint now (it may re-register), or null when unknown. */
  endpoint: () => { host: string; port: number } | null;
  /** This broker's epoch (its registration), for ReplicaState. */
  brokerEpoch: () => bigint;
  log: Logger;
  /** After records were appended (the replication manager may wake waiters). */
  onAppended?: (p: Partition) => void;
}

function key(p: Partition): string {
  return `${p.topic.id}:${p.index}`;
}

export class ReplicaFetcher {
  private readonly followed = new Map<string, FollowedPartition>();
  private conn: BrokerConnection | null = null;
  private connAddress = "";
  private running = true;
  private wake: (() => void) | null = null;
  private readonly done: Promise<void>;
  /** Counters (tests, metrics). */
  readonly stats = { fetches: 0, failures: 0, appendedBatches: 0, truncations: 0 };

  constructor(private readonly o: ReplicaFetcherOptions) {
    this.done = this.loop();
  }

  get size(): number {
    return this.followed.size;
  }

  add(p: Partition, topicId: string, leaderEpoch: number): void {
    const existing = this.followed.get(key(p));
    if (existing && existing.partition === p && existing.leaderEpoch === leaderEpoch) return;
    this.followed.set(key(p), { partition: p, topicId, leaderEpoch, backoffUntil: 0 });
    this.wake?.();
  }

  remove(p: Partition): void {
    this.followed.delete(key(p));
  }

  has(p: Partition): boolean {
    return this.followed.get(key(p))?.partition === p;
  }

  async close(): Promise<void> {
    this.running = false;
    this.wake?.();
    this.conn?.close();
    await this.done;
  }

  private connection(): BrokerConnection | null {
    const ep = this.o.endpoint();
    if (!ep) return null;
    const address = `${ep.host}:${ep.port}`;
    if (this.conn && this.connAddress === address) return this.conn;
    this.conn?.close();
    this.conn = new BrokerConnection(ep.host, ep.port, { clientId: `takhin-replica-fetcher-${this.o.nodeId}-${this.o.leaderId}`, reconnectBackoffMaxMs: 1000 });
    this.connAddress = address;
    return this.conn;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const now = Date.now();
      const batch = [...this.followed.values()].filter((f) => f.backoffUntil <= now && !f.partition.offline && !f.partition.log.isClosed && !f.partition.healing);
      const conn = batch.length > 0 ? this.connection() : null;
      if (batch.length === 0 || conn === null) {
        await this.sleep(batch.length === 0 && this.followed.size === 0 ? 1000 : FETCH_BACKOFF_MS);
        continue;
      }
      try {
        await this.fetchOnce(conn, batch);
      } catch (e) {
        if (!this.running) break;
        this.stats.failures++;
        if (this.stats.failures % 50 === 1) this.o.log.info("replica fetch failed", { leader: this.o.leaderId, error: (e as Error).message });
        await this.sleep(FETCH_BACKOFF_MS);
      }
    }
  }

  private async fetchOnce(conn: BrokerConnection, batch: FollowedPartition[]): Promise<void> {
    const byTopic = new Map<string, { topic: string; topicId: string; partitions: { partition: number; currentLeaderEpoch: number; fetchOffset: bigint; lastFetchedEpoch: number; logStartOffset: bigint; partitionMaxBytes: number }[] }>();
    const sent = new Map<string, { f: FollowedPartition; fetchOffset: number }>();
    for (const f of batch) {
      const p = f.partition;
      let t = byTopic.get(f.topicId);
      if (!t) {
        t = { topic: p.topic.name, topicId: f.topicId, partitions: [] };
        byTopic.set(f.topicId, t);
      }
      const fetchOffset = p.logEndOffset;
      t.partitions.push({ partition: p.index, currentLeaderEpoch: f.leaderEpoch, fetchOffset: BigInt(fetchOffset), lastFetchedEpoch: p.log.epochs.latestEpoch(), logStartOffset: BigInt(p.logStartOffset), partitionMaxBytes: REPLICA_FETCH_PARTITION_MAX_BYTES });
      sent.set(`${f.topicId}:${p.index}`, { f, fetchOffset });
    }
    this.stats.fetches++;
    const { body } = await conn.send(
      Fetch,
      {
        clusterId: null,
        replicaId: this.o.nodeId,
        replicaState: { replicaId: this.o.nodeId, replicaEpoch: this.o.brokerEpoch() },
        maxWaitMs: REPLICA_FETCH_WAIT_MAX_MS,
        minBytes: 1,
        maxBytes: REPLICA_FETCH_RESPONSE_MAX_BYTES,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [...byTopic.values()],
        forgottenTopicsData: [],
        rackId: "",
      } as never,
      { timeoutMs: REPLICA_FETCH_WAIT_MAX_MS + 15_000 },
    );
    if (!this.running) return;
    if (body.errorCode !== ErrorCode.NONE) throw new Error(`fetch from leader ${this.o.leaderId}: error ${body.errorCode}`);
    const byName = new Map([...byTopic.values()].map((t) => [t.topic, t.topicId]));
    for (const t of body.responses) {
      const topicId = (t as { topicId?: string }).topicId && (t as { topicId?: string }).topicId !== "AAAAAAAAAAAAAAAAAAAAAA" ? (t as { topicId: string }).topicId : byName.get((t as { topic?: string }).topic ?? "");
      for (const r of t.partitions) {
        const entry = sent.get(`${topicId}:${r.partitionIndex}`);
        if (!entry) continue;
        this.apply(entry.f, entry.fetchOffset, r as unknown as FetchedPartition);
      }
    }
  }

  private apply(f: FollowedPartition, fetchOffset: number, r: FetchedPartition): void {
    const p = f.partition;
    const current = this.followed.get(key(p));
    if (current !== f || p.log.isClosed || p.offline) return; // re-assigned or gone meanwhile
    if (p.logEndOffset !== fetchOffset) return;
    if (r.errorCode !== ErrorCode.NONE) {
      f.backoffUntil = Date.now() + FETCH_BACKOFF_MS;
      return;
    }
    try {
      const d = r.divergingEpoch;
      if (d && (d.epoch >= 0 || d.endOffset >= 0n)) {
        const t = truncationFor(p.log.epochs.all(), p.logEndOffset, p.highWatermark, { epoch: d.epoch, endOffset: Number(d.endOffset) });
        this.o.log.info("follower truncates its divergent tail", { topic: p.topic.name, partition: p.index, from: p.logEndOffset, to: t.offset, leaderEpoch: d.epoch });
        p.truncateTo(t.offset);
        this.stats.truncations++;
        return;
      }
      const records = r.records;
      if (records && records.length > 0) {
        p.appendAsFollower(records);
        this.stats.appendedBatches++;
        this.o.onAppended?.(p);
      }
      p.followerHighWatermark(Number(r.highWatermark));
    } catch (e) {
      f.backoffUntil = Date.now() + FETCH_BACKOFF_MS;
      this.o.log.warn("follower could not apply fetched data", { topic: p.topic.name, partition: p.index, error: (e as Error).message });
    }
  }
}

interface FetchedPartition {
  partitionIndex: number;
  errorCode: number;
  highWatermark: bigint;
  divergingEpoch?: { epoch: number; endOffset: bigint };
  records: Uint8Array | null;
}

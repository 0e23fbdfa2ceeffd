/**
 * Partition replication on a cluster node (Kafka's ReplicaManager role changes + ISR handling):
 * follows the metadata image and, for every partition this broker holds a replica of,
 *   leads it   a LeaderState (leader-state.ts) on the Partition: follower fetches move the HW,
 *              a periodic check (and every follower fetch) proposes ISR shrinks and expansions
 *              to the controller (AlterPartition, alter-partition.ts), one at a time
 *   follows it the partition is handed to the ReplicaFetcher of its leader (replica-fetcher.ts)
 * Becoming leader in a new epoch records that epoch in the leader-epoch cache at the log end (as
 * Kafka does), so followers with a divergent tail of an older epoch find where to truncate even
 * before the new leader appends anything.
 *
 * Nothing of that before the image holds this broker's own current registration (`registered`,
 * cluster-node.ts registeredIn): a restarted broker's image may still name its previous
 * incarnation as leader. Once it does, every partition is reconciled (reconcileAll).
 *
 * `replica_lag_time_max_ms` (Kafka's replica.lag.time.max.ms, default 30000): a follower that has
 * not reached the leader's log end for that long leaves the ISR; the check runs every
 * min(lag / 2, ISR_CHECK_MAX_INTERVAL_MS).
 */
import type { MetadataImage } from "../../metadata/image.ts";
import { NO_LEADER } from "../../metadata/records.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import type { Logger } from "../../util/log.ts";
import type { Partition } from "../partition.ts";
import type { PartitionManager } from "../partition-manager.ts";
import type { TopicInfo, TopicListener, TopicRegistry } from "../topics.ts";
import type { AlterPartitionAnswer } from "./alter-partition.ts";
import { DEFAULT_REPLICA_LAG_TIME_MAX_MS, LeaderState } from "./leader-state.ts";
import { ReplicaFetcher } from "./replica-fetcher.ts";

export const ISR_CHECK_MAX_INTERVAL_MS = 1000;

export interface ReplicationManagerOptions {
  nodeId: number;
  partitions: PartitionManager;
  topics: TopicRegistry;
  image: () => MetadataImage;
  /** The listener name followers reach leaders on (inter_broker_listener_name). */
  interBrokerListener: string;
  replicaLagTimeMaxMs?: number;
  /** Sends one controller RPC (cluster-node.ts `call`). */
  controllerCall: (kind: string, body: Record<string, unknown>) => Promise<Record<string, unknown>>;
  /** Whether the image holds this broker's current registration (header); default: always. */
  registered?: () => boolean;
  log: Logger;
}

export class ReplicationManager implements TopicListener {
  private readonly fetchers = new Map<number, ReplicaFetcher>();
  private readonly lagMs: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private closed = false;
  /** Followers' broker epochs as their fetches told them (KIP-903), by broker id. */
  readonly followerBrokerEpochs = new Map<number, bigint>();

  constructor(private readonly o: ReplicationManagerOptions) {
    this.lagMs = o.replicaLagTimeMaxMs ?? DEFAULT_REPLICA_LAG_TIME_MAX_MS;
  }

  get replicaLagTimeMaxMs(): number {
    return this.lagMs;
  }

  start(): void {
    for (const t of this.o.topics.list()) this.reconcileTopic(t, 0);
    this.o.topics.listen(this);
    const every = Math.max(10, Math.min(Math.floor(this.lagMs / 2), ISR_CHECK_MAX_INTERVAL_MS));
    this.timer = setInterval(() => this.checkAllIsr(), every);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const all = [...this.fetchers.values()];
    this.fetchers.clear();
    await Promise.all(all.map((f) => f.close()));
  }

  fetcherOf(leaderId: number): ReplicaFetcher | undefined {
    return this.fetchers.get(leaderId);
  }

  // ----- the image ---------------------------------------------------------------------------

  created(t: TopicInfo): void {
    this.reconcileTopic(t, 0);
  }
  partitionsAdded(t: TopicInfo, previousCount: number): void {
    this.reconcileTopic(t, previousCount);
  }
  partitionsChanged(t: TopicInfo, indexes: readonly number[]): void {
    for (const i of indexes) this.reconcile(t, i);
  }
  deleted(t: TopicInfo): void {
    for (const f of this.fetchers.values()) for (let i = 0; i < t.partitions; i++) f.remove({ topic: t, index: i } as Partition);
  }

  /** Every partition again (this broker's registration was applied). */
  reconcileAll(): void {
    for (const t of this.o.topics.list()) this.reconcileTopic(t, 0);
  }

  private reconcileTopic(t: TopicInfo, from: number): void {
    for (let i = from; i < t.partitions; i++) this.reconcile(t, i);
  }

  private stopFollowing(p: Partition, exceptLeader = -1): void {
    for (const [id, f] of this.fetchers) if (id !== exceptLeader) f.remove(p);
  }

  /** Puts one partition in the role the image gives this broker (header). */
  private reconcile(t: TopicInfo, index: number): void {
    if (this.closed) return;
    const p = this.o.partitions.hosted(t.name, index);
    const reg = this.o.topics.partition(t.name, index);
    if (!p || !reg) return;
    const me = this.o.nodeId;
    const nowMs = Date.now();
    if (!reg.replicas.includes(me) || !(this.o.registered?.() ?? true)) {
      this.stopFollowing(p);
      p.leaderState = null;
      return;
    }
    if (reg.leader === me) {
      this.stopFollowing(p);
      const s = p.leaderState;
      if (!s || s.leaderEpoch !== reg.leaderEpoch) {
        if (!p.offline && p.log.epochs.latestEpoch() < reg.leaderEpoch) p.log.epochs.assign(reg.leaderEpoch, p.logEndOffset);
        p.leaderState = new LeaderState({
          leaderId: me,
          leaderEpoch: reg.leaderEpoch,
          partitionEpoch: reg.partitionEpoch,
          replicas: reg.replicas,
          isr: reg.isr,
          leaderLogEndOffset: p.logEndOffset,
          highWatermark: p.highWatermark,
          nowMs,
          replicaLagTimeMaxMs: this.lagMs,
        });
        this.o.log.info("partition leader", { topic: t.name, partition: index, leaderEpoch: reg.leaderEpoch, isr: reg.isr, logEndOffset: p.logEndOffset, highWatermark: p.highWatermark });
        if (p.leaderState.leaderAppended(p.logEndOffset)) p.log.updateHighWatermark(p.leaderState.highWatermark);
      } else {
        // A reassignment adding replicas changes the list within the leader epoch (leader-state.ts).
        const moved = s.replicas.length !== reg.replicas.length || s.replicas.some((r) => !reg.replicas.includes(r)) ? s.replicasChanged(reg.replicas) : false;
        if (s.committed(reg.isr, reg.partitionEpoch, nowMs) || moved) p.log.updateHighWatermark(s.highWatermark);
      }
      return;
    }
    p.leaderState = null;
    if (reg.leader === NO_LEADER) {
      this.stopFollowing(p);
      return;
    }
    this.stopFollowing(p, reg.leader);
    this.fetcherFor(reg.leader).add(p, t.id, reg.leaderEpoch);
  }

  private fetcherFor(leaderId: number): ReplicaFetcher {
    let f = this.fetchers.get(leaderId);
    if (!f) {
      f = new ReplicaFetcher({
        nodeId: this.o.nodeId,
        leaderId,
        endpoint: () => {
          const b = this.o.image().brokers.get(leaderId);
          const ep = b?.endPoints.find((e) => e.name === this.o.interBrokerListener) ?? b?.endPoints[0];
          return ep ? { host: ep.host === "" || ep.host === "0.0.0.0" ? "127.0.0.1" : ep.host, port: ep.port } : null;
        },
        brokerEpoch: () => this.o.image().brokers.get(this.o.nodeId)?.epoch ?? -1n,
        log: this.o.log,
      });
      this.fetchers.set(leaderId, f);
    }
    return f;
  }

  // ----- the ISR -----------------------------------------------------------------------------

  /** A follower's fetch was recorded (replica-manager.ts): maybe an expansion is due. */
  followerFetched(p: Partition, replicaId: number, brokerEpoch: bigint): void {
    if (brokerEpoch >= 0n) this.followerBrokerEpochs.set(replicaId, brokerEpoch);
    const s = p.leaderState;
    if (s && !s.isr.includes(replicaId)) this.checkIsr(p);
  }

  private checkAllIsr(): void {
    if (this.closed) return;
    for (const t of this.o.topics.list()) {
      for (const p of this.o.partitions.partitionsOf(t.name)) if (p?.leaderState) this.checkIsr(p);
    }
  }

  private checkIsr(p: Partition): void {
    const s = p.leaderState;
    if (!s || this.closed) return;
    let proposal = s.isrChangeToPropose(Date.now());
    if (!proposal) return;
    if (proposal.kind === "expand") {
      // KIP-903, as Kafka's Partition.isReplicaIsrEligible: only a follower whose fetches carry the
      // broker epoch its registration has in the image, and that is not fenced, is proposed.
      const image = this.o.image();
      const eligible = proposal.changed.filter((id) => {
        const b = image.brokers.get(id);
        return b !== undefined && !b.fenced && this.followerBrokerEpochs.get(id) === b.epoch;
      });
      if (eligible.length === 0) return;
      if (eligible.length < proposal.changed.length) proposal = { kind: "expand", isr: [...s.isr, ...eligible].sort((a, b) => a - b), changed: eligible };
    }
    s.proposed(proposal.isr);
    const body = {
      topicId: p.topic.id,
      partitionId: p.index,
      leaderId: s.leaderId,
      leaderEpoch: s.leaderEpoch,
      partitionEpoch: s.partitionEpoch,
      newIsr: proposal.isr.map((id) => ({ brokerId: id, brokerEpoch: String(id === this.o.nodeId ? (this.o.image().brokers.get(id)?.epoch ?? -1n) : (this.followerBrokerEpochs.get(id) ?? -1n)) })),
    };
    this.o.log.info(`ISR ${proposal.kind} proposed`, { topic: p.topic.name, partition: p.index, isr: proposal.isr, changed: proposal.changed, partitionEpoch: s.partitionEpoch });
    this.o.controllerCall("alterPartition", body).then(
      (r) => {
        if (p.leaderState !== s) return;
        const a = r as unknown as AlterPartitionAnswer;
        const outcome = s.alterAnswered(a, Date.now());
        if (outcome === "committed") p.log.updateHighWatermark(s.highWatermark);
        if (a.errorCode !== ErrorCode.NONE) this.o.log.info("ISR change refused", { topic: p.topic.name, partition: p.index, errorCode: a.errorCode, isr: a.isr, partitionEpoch: a.partitionEpoch, outcome });
      },
      (e) => {
        // No answer: it may still have been committed. The pending change stays (and holds the HW)
        // and the next check sends it again at the same partition epoch (leader-state.ts header).
        if (p.leaderState === s) s.alterUnanswered();
        this.o.log.info("ISR change not answered", { topic: p.topic.name, partition: p.index, error: (e as Error).message });
      },
    );
  }
}

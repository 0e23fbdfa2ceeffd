/**
 * The partitions this broker hosts, kept in step with the topic catalogue: a topic created there
 * gets its logs opened here, a deleted one has them removed, added partitions are opened and
 * config changes reach the logs. Listeners (the replica manager) hear of removed partitions and
 * leadership changes, so operations waiting on them complete.
 */
import type { Logger } from "../util/log.ts";
import type { BrokerConfig } from "../config/config.ts";
import { LogManager, setWriteBehindPolicy, type LogConfig } from "../storage/index.ts";
import { INITIAL_LEADER_EPOCH, Partition } from "./partition.ts";
import { effectiveTopicConfig, type EffectiveTopicConfig } from "./topic-config.ts";
import { brokerLayers } from "./broker-config.ts";
import type { TopicInfo, TopicListener, TopicRegistry } from "./topics.ts";

/** The storage settings a topic's effective config implies. */
export function logConfigOf(c: EffectiveTopicConfig): Partial<LogConfig> {
  return {
    segmentBytes: c.segmentBytes,
    segmentMs: c.segmentMs,
    segmentIndexBytes: c.segmentIndexBytes,
    indexIntervalBytes: c.indexIntervalBytes,
    retentionMs: c.cleanupPolicyDelete ? c.retentionMs : -1,
    retentionBytes: c.cleanupPolicyDelete ? c.retentionBytes : -1,
    flushMessages: c.flushMessages,
    flushMs: c.flushMs,
    preallocate: true,
    compact: c.cleanupPolicyCompact,
    deleteRetentionMs: c.deleteRetentionMs,
    minCompactionLagMs: c.minCompactionLagMs,
    maxCompactionLagMs: c.maxCompactionLagMs,
    minCleanableDirtyRatio: c.minCleanableDirtyRatio,
    remoteStorageEnable: c.remoteStorageEnable && c.cleanupPolicyDelete,
    localRetentionMs: c.cleanupPolicyDelete ? c.localRetentionMs : -1,
    localRetentionBytes: c.cleanupPolicyDelete ? c.localRetentionBytes : -1,
  };
}

/** Told when partitions go away or change leadership (the replica manager's delayed operations). */
export interface PartitionListener {
  partitionsRemoved(partitions: Partition[]): void;
  leadershipChanged(partition: Partition): void;
}

export class PartitionManager implements TopicListener {
  private readonly byTopic = new Map<string, Partition[]>();
  private readonly listeners: PartitionListener[] = [];
  readonly logs: LogManager;

  /** Whose dynamic broker configs (per broker and cluster default) the topics fall back to. */
  private readonly nodeId: number;
  private readonly replicated: boolean;

  constructor(
    config: BrokerConfig,
    private readonly topics: TopicRegistry,
    private readonly log: Logger,
    private readonly onTopicDeleted: (t: TopicInfo) => void = () => {},
    /** A cluster: high watermarks come from replication, not from every append. */
    replicated = false,
  ) {
    this.nodeId = config.nodeId;
    this.replicated = replicated;
    setWriteBehindPolicy(config.logWriteBehind);
    this.logs = LogManager.open(config.dataDir, { log: (line) => log.warn(line), logger: log.child({ component: "storage" }), autoHighWatermark: !replicated,
      cleaner: { threads: config.logCleanerThreads, dedupeBufferBytes: config.logCleanerDedupeBufferSize, ioMaxBytesPerSecond: config.logCleanerIoMaxBytesPerSecond || Infinity, backoffMs: config.logCleanerBackoffMs },
      scrub: { bytesPerSecond: config.logScrubBytesPerSecond, intervalMs: config.logScrubIntervalMs } });
    // Opening every partition durably one by one (marker removal, checkpoints) was most of a
    // many-partition start; nothing is appended before the listener starts, so one sync suffices.
    this.logs.withDeferredSync(() => {
      for (const t of topics.list()) this.openTopic(t, 0);
    });
    // Logs on disk whose topic is no longer in the catalogue (deleted while down) are removed.
    for (const tp of this.logs.listPartitions()) {
      const t = topics.get(tp.topic);
      if (!t || tp.partition >= t.partitions) {
        log.warn("removing log of a partition not in the catalogue", { topic: tp.topic, partition: tp.partition });
        this.logs.deleteLog(tp.topic, tp.partition);
      }
    }
    topics.listen(this);
  }

  private openTopic(t: TopicInfo, fromPartition: number): void {
    const effective = effectiveTopicConfig(t, brokerLayers(this.topics.image, this.nodeId));
    const list = this.byTopic.get(t.name) ?? [];
    for (let p = fromPartition; p < t.partitions; p++) {
      const log = this.logs.openLog(t.name, p, logConfigOf(effective));
      let partition = new Partition(t, p, log, effective);
      list[p] = partition;
      this.byTopic.set(t.name, list);
      // A replica this broker lost while it was down (a reassignment moved it away): its data goes.
      if (this.droppedReplica(t, p, partition)) partition = this.resetLog(t, p);
      // Leader epoch and ISR as the metadata image registers them.
      const reg = this.topics.partition(t.name, p);
      partition.leaderEpoch = reg?.leaderEpoch ?? INITIAL_LEADER_EPOCH;
      partition.isrSize = reg?.isr.length ?? 1;
    }
    this.byTopic.set(t.name, list);
  }

  /**
   * In a cluster every broker keeps a log per partition, empty unless it is (or was) a replica.
   * True when this broker is not a replica of the partition any more but its log holds data: a
   * reassignment removed it, and as Kafka's brokers delete a removed replica's log, so does this.
   */
  private droppedReplica(t: TopicInfo, index: number, p: Partition): boolean {
    if (!this.replicated) return false;
    const reg = this.topics.partition(t.name, index);
    if (!reg || reg.replicas.includes(this.nodeId)) return false;
    return p.logEndOffset > 0 || p.logStartOffset > 0;
  }

  /** Replaces a partition's log with an empty one (the old directory deleted); waiters re-check. */
  private resetLog(t: TopicInfo, index: number): Partition {
    const old = this.byTopic.get(t.name)![index]!;
    this.log.info("deleting the log of a replica this broker no longer holds", { topic: t.name, partition: index, logEndOffset: old.logEndOffset });
    this.logs.deleteLog(t.name, index);
    const effective = effectiveTopicConfig(t, brokerLayers(this.topics.image, this.nodeId));
    const fresh = new Partition(t, index, this.logs.openLog(t.name, index, logConfigOf(effective)), effective);
    this.byTopic.get(t.name)![index] = fresh;
    for (const l of this.listeners) l.partitionsRemoved([old]);
    return fresh;
  }

  /**
   * In a cluster: whether this broker serves a partition now (it leads it). Others are not handed
   * out by `get`, and `ledElsewhere` tells callers to answer NOT_LEADER_OR_FOLLOWER.
   */
  hostFilter: ((topic: string, partition: number) => boolean) | null = null;

  get(topic: string, partition: number): Partition | undefined {
    const p = this.byTopic.get(topic)?.[partition];
    return p && (!this.hostFilter || this.hostFilter(topic, partition)) ? p : undefined;
  }

  /** A partition this broker holds a log of, whoever leads it (followers replicate into it). */
  hosted(topic: string, partition: number): Partition | undefined {
    return this.byTopic.get(topic)?.[partition];
  }

  /** A partition that exists but that another broker serves (cluster only). */
  ledElsewhere(topic: string, partition: number): boolean {
    return !!this.hostFilter && this.byTopic.get(topic)?.[partition] !== undefined && !this.hostFilter(topic, partition);
  }

  partitionsOf(topic: string): Partition[] {
    return this.byTopic.get(topic) ?? [];
  }

  created(t: TopicInfo): void {
    this.openTopic(t, 0);
  }

  deleted(t: TopicInfo): void {
    const list = this.byTopic.get(t.name) ?? [];
    this.byTopic.delete(t.name);
    for (let p = 0; p < Math.max(list.length, t.partitions); p++) this.logs.deleteLog(t.name, p);
    this.onTopicDeleted(t);
    const removed = list.filter((p) => p !== undefined);
    for (const l of this.listeners) l.partitionsRemoved(removed);
  }

  addListener(listener: PartitionListener): void {
    this.listeners.push(listener);
  }

  /** Sets a partition's leader epoch (from the metadata image) and tells the listeners. */
  setLeaderEpoch(partition: Partition, leaderEpoch: number): void {
    if (partition.leaderEpoch === leaderEpoch) return;
    partition.leaderEpoch = leaderEpoch;
    for (const l of this.listeners) l.leadershipChanged(partition);
  }

  /** Registrations changed in the image (leader, leader epoch, ISR): the partitions follow. */
  partitionsChanged(t: TopicInfo, indexes: readonly number[]): void {
    for (const i of indexes) {
      let partition = this.hosted(t.name, i);
      const reg = this.topics.partition(t.name, i);
      if (!partition || !reg) continue;
      if (this.droppedReplica(t, i, partition)) partition = this.resetLog(t, i);
      partition.isrSize = reg.isr.length;
      this.setLeaderEpoch(partition, reg.leaderEpoch);
    }
  }

  partitionsAdded(t: TopicInfo, previousCount: number): void {
    this.openTopic(t, previousCount);
  }

  /** The dynamic broker defaults changed (broker-config.ts watchBrokerConfigs): every topic re-reads its effective config. */
  brokerDefaultsChanged(): void {
    for (const t of this.topics.list()) this.configsChanged(t);
  }

  configsChanged(t: TopicInfo): void {
    const effective = effectiveTopicConfig(t, brokerLayers(this.topics.image, this.nodeId));
    for (const p of this.byTopic.get(t.name) ?? []) {
      p.config = effective;
      p.log.setConfig(logConfigOf(effective));
    }
  }

  /** Producer snapshots, then every log closed cleanly. */
  close(): void {
    for (const list of this.byTopic.values()) {
      for (const p of list) {
        try {
          p.saveProducerState();
        } catch (e) {
          this.log.warn("could not save producer state", { topic: p.topic.name, partition: p.index, error: e });
        }
      }
    }
    this.byTopic.clear();
    this.logs.close();
  }
}

/**
 * The cluster side of tiered storage: which partitions are tiered and led here (from the partition
 * manager and each topic's effective config), and the wiring of storage/remote's RemoteLogManager
 * with the object store of the broker config and the `__remote_log_metadata` topic. The replica
 * manager reads below the local log start through `manager` (fetch), as does ListOffsets.
 */
import type { BrokerConfig } from "../config/config.ts";
import type { MetadataImage } from "../metadata/image.ts";
import { S3ObjectStore, type ObjectStore } from "../storage/remote/object-store.ts";
import { RemoteLogManager, type RemoteLogManagerOptions, type TieredPartition, type TieredPartitionSource } from "../storage/remote/remote-log-manager.ts";
import type { Logger } from "../util/log.ts";
import type { Partition } from "./partition.ts";
import type { PartitionManager } from "./partition-manager.ts";
import { RemoteLogMetadataTopic, type RemoteLogMetadataTopicDeps } from "./remote-log-metadata-topic.ts";
import type { ReplicaManager } from "./replica-manager.ts";
import type { TopicRegistry } from "./topics.ts";

export interface TieredStorageDeps {
  config: BrokerConfig;
  nodeId: number;
  topics: TopicRegistry;
  partitions: PartitionManager;
  replicas: () => ReplicaManager;
  log: Logger;
  cluster?: RemoteLogMetadataTopicDeps["cluster"] & { image(): MetadataImage };
  /** Tests and the bench: another store (a fault proxy is in front of the endpoint instead, usually). */
  store?: ObjectStore;
  /** Tests and the bench: the manager's periods and bounds. */
  tuning?: Partial<Pick<RemoteLogManagerOptions, "taskIntervalMs" | "maxConcurrentUploads" | "uploadBytesPerSecond" | "cacheBytes" | "chunkBytes" | "retryBackoffMs" | "retryBackoffMaxMs">>;
}

export class TieredStorage {
  readonly manager: RemoteLogManager;
  readonly metadataTopic: RemoteLogMetadataTopic;
  readonly store: ObjectStore;

  constructor(d: TieredStorageDeps) {
    const c = d.config;
    this.store =
      d.store ??
      new S3ObjectStore({
        endpoint: c.remoteStorageEndpoint ?? undefined,
        bucket: c.remoteStorageBucket!,
        region: c.remoteStorageRegion,
        accessKeyId: c.remoteStorageAccessKeyId ?? undefined,
        secretAccessKey: c.remoteStorageSecretAccessKey ?? undefined,
        pathStyle: c.remoteStoragePathStyle,
      });
    const source = new TieredPartitions(d.topics, d.partitions);
    let manager: RemoteLogManager | null = null;
    this.metadataTopic = new RemoteLogMetadataTopic({
      nodeId: d.nodeId,
      topics: d.topics,
      partitions: d.partitions,
      replicas: d.replicas,
      log: d.log,
      apply: (r) => manager?.apply(r),
      reset: () => manager?.resetMetadata(),
      ...(d.cluster ? { cluster: d.cluster } : {}),
    });
    manager = new RemoteLogManager({ store: this.store, prefix: c.remoteStoragePrefix, source, publisher: this.metadataTopic, nodeId: d.nodeId, log: d.log, ...d.tuning });
    this.manager = manager;
  }

  start(): void {
    this.metadataTopic.start();
    this.manager.start();
  }

  async close(): Promise<void> {
    await this.manager.close();
    this.metadataTopic.close();
  }
}

class TieredPartitions implements TieredPartitionSource {
  constructor(
    private readonly topics: TopicRegistry,
    private readonly manager: PartitionManager,
  ) {}

  *partitions(): Iterable<TieredPartition> {
    for (const t of this.topics.list()) {
      for (let i = 0; i < t.partitions; i++) {
        const p = this.manager.hosted(t.name, i);
        if (p && p.config.remoteStorageEnable && p.config.cleanupPolicyDelete) yield this.view(p);
      }
    }
  }

  get(topicId: string, partition: number): TieredPartition | undefined {
    const t = this.topics.getById(topicId);
    const p = t ? this.manager.hosted(t.name, partition) : undefined;
    return p && p.config.remoteStorageEnable ? this.view(p) : undefined;
  }

  private view(p: Partition): TieredPartition {
    const partitions = this.manager;
    return {
      topic: p.topic.name,
      topicId: p.topic.id,
      partition: p.index,
      log: p.log,
      get isLeader() {
        return partitions.get(p.topic.name, p.index) === p;
      },
      retentionMs: p.config.retentionMs,
      retentionBytes: p.config.retentionBytes,
      producerSnapshot: () => (p.producers.size === 0 ? null : new TextEncoder().encode(p.producers.toJSON(p.log.logEndOffset))),
      localAbortedTxns: (from, to) => p.abortedTxns.collect(from, to),
    };
  }
}

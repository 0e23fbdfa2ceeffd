/**
 * The topic view the broker's parts use (partition logs, handlers, coordinators): topics by name
 * and id with their partition counts, config overrides and partition registrations (leader, leader
 * epoch, replicas, ISR), read from the metadata image. Changes go through the controller as
 * metadata records; this registry turns each committed batch into topic events for its listeners.
 * Nothing here is persisted: the metadata log (src/metadata) is the only catalogue on disk.
 */
import type { LocalController, TopicPlan } from "../metadata/controller.ts";
import type { MetadataChanges, MetadataImage, PartitionRegistration, TopicImage } from "../metadata/image.ts";
import { isInternalTopicName, topicNameError } from "../metadata/names.ts";

export { topicNameError };

export interface TopicInfo {
  name: string;
  id: string;
  partitions: number;
  configs: Record<string, string>;
  internal: boolean;
}

/**
 * Listeners that keep other parts of the broker (the partition logs, fetch sessions, ...) in step
 * with the catalogue. They run synchronously after the change is persisted.
 */
export interface TopicListener {
  created?(t: TopicInfo): void;
  deleted?(t: TopicInfo): void;
  partitionsAdded?(t: TopicInfo, previousCount: number): void;
  configsChanged?(t: TopicInfo): void;
  /** Existing partitions whose registration (leader, leader epoch, replicas, ISR) changed. */
  partitionsChanged?(t: TopicInfo, partitions: readonly number[]): void;
}

function infoOf(image: MetadataImage, t: TopicImage): TopicInfo {
  return { name: t.name, id: t.id, partitions: t.partitions.length, configs: image.topicConfigs(t.name), internal: isInternalTopicName(t.name) };
}

export class TopicRegistry {
  private readonly listeners: TopicListener[] = [];
  /** TopicInfo objects of the current image, built on first use and dropped when their topic changes. */
  private readonly infos = new Map<string, TopicInfo>();

  constructor(readonly controller: LocalController) {
    controller.listen((image, changes, previous) => this.publish(image, changes, previous));
  }

  get image(): MetadataImage {
    return this.controller.image;
  }

  listen(l: TopicListener): void {
    this.listeners.push(l);
  }

  private info(t: TopicImage): TopicInfo {
    let i = this.infos.get(t.name);
    if (!i || i.id !== t.id) this.infos.set(t.name, (i = infoOf(this.image, t)));
    return i;
  }

  list(): TopicInfo[] {
    return [...this.image.topicsByName.values()].map((t) => this.info(t)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  get(name: string): TopicInfo | undefined {
    const t = this.image.topicsByName.get(name);
    return t && this.info(t);
  }
  getById(id: string): TopicInfo | undefined {
    const t = this.image.topicsById.get(id);
    return t && this.info(t);
  }
  /** A partition's registration in the image (leader, leader epoch, replicas, ISR). */
  partition(name: string, index: number): PartitionRegistration | undefined {
    return this.image.topicsByName.get(name)?.partitions[index];
  }
  /** Every registration of a topic, by partition index. */
  registrations(name: string): readonly PartitionRegistration[] {
    return this.image.topicsByName.get(name)?.partitions ?? [];
  }

  /** Creates a topic (placement by the controller). Callers have validated the request. */
  create(name: string, partitions: number, configs: Record<string, string> = {}, plan: Partial<TopicPlan> = {}): TopicInfo {
    const err = topicNameError(name);
    if (err) throw new Error(err);
    if (this.image.topicsByName.has(name)) throw new Error(`topic ${name} already exists`);
    const t = this.controller.createTopic({ name, partitions, replicationFactor: 1, configs, ...plan });
    return this.info(t);
  }

  delete(name: string): TopicInfo | undefined {
    const t = this.image.topicsByName.get(name);
    if (!t) return undefined;
    const info = this.info(t);
    this.controller.deleteTopic(t.id);
    return info;
  }

  setPartitions(name: string, partitions: number, assignments?: number[][]): void {
    const t = this.image.topicsByName.get(name);
    if (!t) throw new Error(`no topic ${name}`);
    this.controller.createPartitions(t.id, partitions, assignments);
  }

  setConfigs(name: string, configs: Record<string, string>): void {
    if (!this.image.topicsByName.has(name)) throw new Error(`no topic ${name}`);
    this.controller.setTopicConfigs(name, configs);
  }

  /** Turns one committed batch into topic events (deletions first, then creations, then changes). */
  private publish(image: MetadataImage, changes: MetadataChanges, previous: MetadataImage): void {
    for (const [id, t] of changes.deletedTopics) {
      const before = this.infos.get(t.name)?.id === id ? this.infos.get(t.name)! : infoOf(previous, t);
      this.infos.delete(t.name);
      for (const l of this.listeners) l.deleted?.(before);
    }
    for (const id of changes.changedPartitions.keys()) this.infos.delete(image.topicsById.get(id)!.name);
    for (const name of changes.changedTopicConfigs) this.infos.delete(name);
    for (const id of changes.createdTopics) {
      const t = this.info(image.topicsById.get(id)!);
      for (const l of this.listeners) l.created?.(t);
    }
    for (const [id, indexes] of changes.changedPartitions) {
      const after = image.topicsById.get(id)!;
      const before = previous.topicsById.get(id)!;
      const t = this.info(after);
      if (after.partitions.length > before.partitions.length) for (const l of this.listeners) l.partitionsAdded?.(t, before.partitions.length);
      const changed = [...indexes].filter((i) => i < before.partitions.length).sort((a, b) => a - b);
      if (changed.length > 0) for (const l of this.listeners) l.partitionsChanged?.(t, changed);
    }
    for (const name of changes.changedTopicConfigs) {
      const t = image.topicsByName.get(name)!;
      if (changes.createdTopics.has(t.id)) continue;
      const info = this.info(t);
      for (const l of this.listeners) l.configsChanged?.(info);
    }
  }
}

/**
 * The metadata image: an immutable picture of the cluster's metadata at one offset of the metadata
 * log — brokers, features, topics with their partitions (replicas, ISR, leader, leader epoch,
 * partition epoch), configs per resource, the producer-id high mark, the ACL bindings, the
 * users' SCRAM credentials and the client quotas. It changes only by
 * replaying records into a `MetadataDelta` and applying that delta, which yields a new image and
 * leaves the old one untouched (readers holding it see a consistent state).
 *
 * `replay` refuses a record that does not fit the state it is applied to (a partition of an
 * unknown topic, a leader outside the ISR, a metadata.version newer than this code, ...) with a
 * `MetadataReplayError`: the controller checks its own records this way before persisting them,
 * and the loader stops the broker on such a record found on disk.
 */
import {
  LEADER_UNCHANGED,
  METADATA_VERSION_FEATURE,
  NO_LEADER,
  TAKHIN_METADATA_VERSION,
  type AccessControlEntryRecord,
  type Endpoint,
  type MetadataRecord,
  type PartitionRecord,
  type UserScramCredentialRecord,
} from "./records.ts";
import { topicNameError } from "./names.ts";

/** ConfigResource.Type of a topic. */
export const TOPIC_RESOURCE = 2;

export interface PartitionRegistration {
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** NO_LEADER (-1) when the partition has none. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  /** A reassignment in progress (metadata/reassignments.ts): replicas it adds / removes; absent or empty: none. */
  readonly addingReplicas?: readonly number[];
  readonly removingReplicas?: readonly number[];
}

export interface TopicImage {
  readonly name: string;
  readonly id: string;
  readonly partitions: readonly PartitionRegistration[];
}

export interface BrokerRegistration {
  readonly id: number;
  readonly incarnationId: string;
  readonly epoch: bigint;
  readonly endPoints: readonly Endpoint[];
  readonly rack: string | null;
  readonly fenced: boolean;
}

export interface ProducerIdsImage {
  readonly brokerId: number;
  readonly brokerEpoch: bigint;
  /** Every id below this has been handed out. */
  readonly nextProducerId: bigint;
}

/** An ACL binding as the image holds it: an AccessControlEntryRecord without its type tag. */
export type AclEntry = Readonly<Omit<AccessControlEntryRecord, "type">>;

/** Kafka's codes an ACL binding must carry (src/security/acl.ts names them). */
const ACL_RESOURCE_TYPES = new Set([2, 3, 4, 5, 6, 7]);
const ACL_PATTERN_TYPES = new Set([3, 4]);
const ACL_PERMISSION_TYPES = new Set([2, 3]);
const ACL_MIN_OPERATION = 2;
const ACL_MAX_OPERATION = 15;
/** A user's SCRAM credential for one mechanism (UserScramCredentialRecord without its type tag). */
export type ScramCredentialEntry = Readonly<Omit<UserScramCredentialRecord, "type">>;

/** Key of a SCRAM credential in the image: "<mechanism>:<user name>". */
export function scramKey(mechanism: number, name: string): string {
  return `${mechanism}:${name}`;
}

const NO_SCRAM: ReadonlyMap<string, ScramCredentialEntry> = new Map();

/** One client-quota entity: its parts sorted by entity type, and its quota values by key. */
export interface ClientQuotaEntry {
  readonly entity: readonly { readonly entityType: string; readonly entityName: string | null }[];
  readonly values: ReadonlyMap<string, number>;
}

/** Key of a client-quota entity in the image: its parts sorted by type, JSON-encoded. */
export function clientQuotaEntityKey(entity: readonly { entityType: string; entityName: string | null }[]): string {
  return JSON.stringify([...entity].sort((a, b) => (a.entityType < b.entityType ? -1 : a.entityType > b.entityType ? 1 : 0)).map((e) => [e.entityType, e.entityName]));
}

const NO_QUOTAS: ReadonlyMap<string, ClientQuotaEntry> = new Map();

export class MetadataReplayError extends Error {}

function configKey(resourceType: number, resourceName: string): string {
  return `${resourceType}:${resourceName}`;
}

export class MetadataImage {
  static readonly EMPTY = new MetadataImage(-1, new Map(), new Map(), new Map(), new Map(), new Map(), null, new Map());

  constructor(
    /** Offset of the last batch applied; -1 for the empty image. */
    readonly offset: number,
    readonly topicsById: ReadonlyMap<string, TopicImage>,
    readonly topicsByName: ReadonlyMap<string, TopicImage>,
    /** "resourceType:resourceName" -> config name -> value. */
    readonly configs: ReadonlyMap<string, ReadonlyMap<string, string>>,
    readonly brokers: ReadonlyMap<number, BrokerRegistration>,
    readonly features: ReadonlyMap<string, number>,
    readonly producerIds: ProducerIdsImage | null,
    /** ACL bindings by id (AccessControlEntryRecord). */
    readonly acls: ReadonlyMap<string, AclEntry>,
    /** SCRAM credentials by scramKey(mechanism, user). */
    readonly scramCredentials: ReadonlyMap<string, ScramCredentialEntry> = NO_SCRAM,
    /** Client quotas by clientQuotaEntityKey(entity); an entity without values is absent. */
    readonly clientQuotas: ReadonlyMap<string, ClientQuotaEntry> = NO_QUOTAS,
  ) {}

  topic(name: string): TopicImage | undefined {
    return this.topicsByName.get(name);
  }

  /** The config overrides of a resource as a plain object (a fresh copy). */
  resourceConfigs(resourceType: number, resourceName: string): Record<string, string> {
    return Object.fromEntries(this.configs.get(configKey(resourceType, resourceName)) ?? []);
  }

  topicConfigs(name: string): Record<string, string> {
    return this.resourceConfigs(TOPIC_RESOURCE, name);
  }

  private partitionTotal = -1;

  /** Partitions over all topics (computed once per image; images never change). */
  get partitionCount(): number {
    if (this.partitionTotal < 0) {
      let n = 0;
      for (const t of this.topicsById.values()) n += t.partitions.length;
      this.partitionTotal = n;
    }
    return this.partitionTotal;
  }

  get nextProducerId(): bigint {
    return this.producerIds?.nextProducerId ?? 0n;
  }

  /**
   * The records that rebuild this image from empty (a snapshot), in a canonical order: features,
   * brokers by id, topics by name with their partitions, configs by resource and name, producer ids,
   * ACL bindings by id.
   */
  toRecords(): MetadataRecord[] {
    const out: MetadataRecord[] = [];
    for (const [name, featureLevel] of [...this.features].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      out.push({ type: "FeatureLevel", name, featureLevel });
    }
    for (const b of [...this.brokers.values()].sort((x, y) => x.id - y.id)) {
      out.push({ type: "RegisterBroker", brokerId: b.id, incarnationId: b.incarnationId, brokerEpoch: b.epoch, endPoints: b.endPoints.map((e) => ({ ...e })), rack: b.rack, fenced: b.fenced });
    }
    for (const t of [...this.topicsByName.values()].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
      out.push({ type: "Topic", name: t.name, topicId: t.id });
      t.partitions.forEach((p, i) => out.push(partitionRecord(t.id, i, p)));
    }
    for (const key of [...this.configs.keys()].sort()) {
      const sep = key.indexOf(":");
      const resourceType = Number(key.slice(0, sep));
      const resourceName = key.slice(sep + 1);
      for (const [name, value] of [...this.configs.get(key)!].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        out.push({ type: "Config", resourceType, resourceName, name, value });
      }
    }
    if (this.producerIds) out.push({ type: "ProducerIds", ...this.producerIds });
    for (const id of [...this.acls.keys()].sort()) out.push({ type: "AccessControlEntry", ...this.acls.get(id)! });
    for (const key of [...this.scramCredentials.keys()].sort()) out.push({ type: "UserScramCredential", ...this.scramCredentials.get(key)! });
    for (const key of [...this.clientQuotas.keys()].sort()) {
      const q = this.clientQuotas.get(key)!;
      for (const [k, value] of [...q.values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        out.push({ type: "ClientQuota", entity: q.entity.map((e) => ({ ...e })), key: k, value, remove: false });
      }
    }
    return out;
  }
}

export function partitionRecord(topicId: string, partitionId: number, p: PartitionRegistration): PartitionRecord {
  return {
    type: "Partition",
    partitionId,
    topicId,
    replicas: [...p.replicas],
    isr: [...p.isr],
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    partitionEpoch: p.partitionEpoch,
    ...(p.removingReplicas?.length ? { removingReplicas: [...p.removingReplicas] } : {}),
    ...(p.addingReplicas?.length ? { addingReplicas: [...p.addingReplicas] } : {}),
  };
}

/** What a delta changed, for the listeners that follow the image (partition logs, caches). */
export interface MetadataChanges {
  /** Topics that did not exist in the base image (by id). */
  readonly createdTopics: ReadonlySet<string>;
  /** Topics of the base image that are gone, as they were. */
  readonly deletedTopics: ReadonlyMap<string, TopicImage>;
  /** Existing topics (by id) whose partitions were added or changed: id -> changed indexes. */
  readonly changedPartitions: ReadonlyMap<string, ReadonlySet<number>>;
  /** Topic names whose config overrides changed (for topics that exist after the delta). */
  readonly changedTopicConfigs: ReadonlySet<string>;
  readonly brokersChanged: boolean;
  /** Whether ACL bindings were added or removed. */
  readonly aclsChanged: boolean;
  /** Whether client quotas were set or removed. */
  readonly clientQuotasChanged: boolean;
}

function checkReplicaList(what: string, list: readonly number[]): void {
  if (new Set(list).size !== list.length) throw new MetadataReplayError(`${what} has duplicate brokers: ${list.join(",")}`);
}

function checkRegistration(where: string, p: PartitionRegistration): void {
  if (p.replicas.length === 0) throw new MetadataReplayError(`${where}: empty replica list`);
  checkReplicaList(`${where} replicas`, p.replicas);
  checkReplicaList(`${where} isr`, p.isr);
  for (const id of p.isr) if (!p.replicas.includes(id)) throw new MetadataReplayError(`${where}: ISR member ${id} is not a replica`);
  if (p.leader !== NO_LEADER && !p.isr.includes(p.leader)) throw new MetadataReplayError(`${where}: leader ${p.leader} is not in the ISR`);
  if (p.leaderEpoch < 0 || p.partitionEpoch < 0) throw new MetadataReplayError(`${where}: negative epoch`);
  const adding = p.addingReplicas ?? [];
  const removing = p.removingReplicas ?? [];
  checkReplicaList(`${where} adding replicas`, adding);
  checkReplicaList(`${where} removing replicas`, removing);
  for (const id of [...adding, ...removing]) if (!p.replicas.includes(id)) throw new MetadataReplayError(`${where}: reassigned replica ${id} is not a replica`);
  for (const id of adding) if (removing.includes(id)) throw new MetadataReplayError(`${where}: replica ${id} both added and removed`);
}

/**
 * Changes accumulated on top of a base image. `replay` each record of a batch in order, then
 * `apply` for the new image. Copy-on-write: only the maps and topics touched are copied.
 */
export class MetadataDelta {
  private readonly topicsById: Map<string, TopicImage>;
  private readonly topicsByName: Map<string, TopicImage>;
  private readonly configs: Map<string, ReadonlyMap<string, string>>;
  private brokers: Map<number, BrokerRegistration> | null = null;
  private features: Map<string, number> | null = null;
  private producerIds: ProducerIdsImage | null;
  private acls: Map<string, AclEntry> | null = null;
  private scram: Map<string, ScramCredentialEntry> | null = null;
  private quotas: Map<string, ClientQuotaEntry> | null = null;
  private readonly created = new Set<string>();
  private readonly deleted = new Map<string, TopicImage>();
  private readonly changed = new Map<string, Set<number>>();
  private readonly changedConfigs = new Set<string>();
  /** Partition lists copied in this delta (by topic id), written in place until `apply`. */
  private readonly ownPartitions = new Map<string, PartitionRegistration[]>();
  private applied = false;

  constructor(readonly base: MetadataImage) {
    this.topicsById = new Map(base.topicsById);
    this.topicsByName = new Map(base.topicsByName);
    this.configs = new Map(base.configs);
    this.producerIds = base.producerIds;
  }

  replay(r: MetadataRecord): void {
    if (this.applied) throw new Error("a MetadataDelta is replayed into after apply");
    switch (r.type) {
      case "FeatureLevel": {
        if (r.name === METADATA_VERSION_FEATURE && r.featureLevel > TAKHIN_METADATA_VERSION) {
          throw new MetadataReplayError(`metadata.version ${r.featureLevel} is newer than this Takhin understands (${TAKHIN_METADATA_VERSION})`);
        }
        this.features ??= new Map(this.base.features);
        this.features.set(r.name, r.featureLevel);
        return;
      }
      case "RegisterBroker": {
        this.brokers ??= new Map(this.base.brokers);
        const previous = this.brokers.get(r.brokerId);
        // A record of the same registration (incarnation and epoch) changes its fencing state, as
        // Kafka's Fence/UnfenceBrokerRecord do; a new registration needs a higher epoch.
        const sameRegistration = previous && r.brokerEpoch === previous.epoch && r.incarnationId === previous.incarnationId;
        if (previous && !sameRegistration && r.brokerEpoch <= previous.epoch) {
          throw new MetadataReplayError(`broker ${r.brokerId} registered with epoch ${r.brokerEpoch}, not above its previous ${previous.epoch}`);
        }
        this.brokers.set(r.brokerId, { id: r.brokerId, incarnationId: r.incarnationId, epoch: r.brokerEpoch, endPoints: r.endPoints, rack: r.rack, fenced: r.fenced });
        return;
      }
      case "Topic": {
        const nameErr = topicNameError(r.name);
        if (nameErr) throw new MetadataReplayError(`Topic record: ${nameErr}`);
        if (this.topicsByName.has(r.name)) throw new MetadataReplayError(`Topic record: topic ${r.name} already exists`);
        if (this.topicsById.has(r.topicId)) throw new MetadataReplayError(`Topic record: topic id ${r.topicId} already in use`);
        const t: TopicImage = { name: r.name, id: r.topicId, partitions: [] };
        this.topicsById.set(t.id, t);
        this.topicsByName.set(t.name, t);
        this.created.add(t.id);
        return;
      }
      case "Partition": {
        const t = this.topicOf(r.topicId, "Partition");
        if (r.partitionId > t.partitions.length) {
          throw new MetadataReplayError(`Partition record: partition ${r.partitionId} of ${t.name} skips index ${t.partitions.length}`);
        }
        const reg: PartitionRegistration = {
          replicas: r.replicas,
          isr: r.isr,
          leader: r.leader,
          leaderEpoch: r.leaderEpoch,
          partitionEpoch: r.partitionEpoch,
          ...(r.addingReplicas?.length ? { addingReplicas: r.addingReplicas } : {}),
          ...(r.removingReplicas?.length ? { removingReplicas: r.removingReplicas } : {}),
        };
        checkRegistration(`partition ${t.name}-${r.partitionId}`, reg);
        this.setPartition(t, r.partitionId, reg);
        return;
      }
      case "PartitionChange": {
        const t = this.topicOf(r.topicId, "PartitionChange");
        const p = t.partitions[r.partitionId];
        if (!p) throw new MetadataReplayError(`PartitionChange record: no partition ${r.partitionId} in ${t.name}`);
        // Kafka bumps the leader epoch when the leader field is set (a new leader, or the same one
        // re-stated with a new replica list: a reassignment removing replicas); the partition epoch
        // on any change.
        const leaderChanged = r.leader !== LEADER_UNCHANGED && (r.leader !== p.leader || r.replicas !== null);
        const adding = r.addingReplicas === undefined || r.addingReplicas === null ? p.addingReplicas : r.addingReplicas;
        const removing = r.removingReplicas === undefined || r.removingReplicas === null ? p.removingReplicas : r.removingReplicas;
        const next: PartitionRegistration = {
          replicas: r.replicas ?? p.replicas,
          isr: r.isr ?? p.isr,
          leader: r.leader === LEADER_UNCHANGED ? p.leader : r.leader,
          leaderEpoch: leaderChanged ? p.leaderEpoch + 1 : p.leaderEpoch,
          partitionEpoch: p.partitionEpoch + 1,
          ...(adding?.length ? { addingReplicas: adding } : {}),
          ...(removing?.length ? { removingReplicas: removing } : {}),
        };
        checkRegistration(`partition ${t.name}-${r.partitionId}`, next);
        this.setPartition(t, r.partitionId, next);
        return;
      }
      case "RemoveTopic": {
        const t = this.topicOf(r.topicId, "RemoveTopic");
        this.topicsById.delete(t.id);
        this.topicsByName.delete(t.name);
        const key = configKey(TOPIC_RESOURCE, t.name);
        if (this.configs.delete(key)) this.changedConfigs.delete(t.name);
        this.changed.delete(t.id);
        if (this.created.has(t.id)) this.created.delete(t.id);
        else this.deleted.set(t.id, this.base.topicsById.get(t.id)!);
        return;
      }
      case "Config": {
        const key = configKey(r.resourceType, r.resourceName);
        const current = new Map(this.configs.get(key) ?? []);
        if (r.value === null) current.delete(r.name);
        else current.set(r.name, r.value);
        if (current.size === 0) this.configs.delete(key);
        else this.configs.set(key, current);
        if (r.resourceType === TOPIC_RESOURCE) this.changedConfigs.add(r.resourceName);
        return;
      }
      case "UserScramCredential": {
        if (r.name.length === 0) throw new MetadataReplayError("UserScramCredential record: empty user name");
        this.scram ??= new Map(this.base.scramCredentials);
        const { type: _type, ...entry } = r;
        this.scram.set(scramKey(r.mechanism, r.name), entry);
        return;
      }
      case "RemoveUserScramCredential": {
        this.scram ??= new Map(this.base.scramCredentials);
        if (!this.scram.delete(scramKey(r.mechanism, r.name))) throw new MetadataReplayError(`RemoveUserScramCredential record: ${r.name} has no credential for mechanism ${r.mechanism}`);
        return;
      }
      case "ClientQuota": {
        const types = new Set(r.entity.map((e) => e.entityType));
        if (types.size !== r.entity.length) throw new MetadataReplayError("ClientQuota record: an entity type given twice");
        this.quotas ??= new Map(this.base.clientQuotas);
        const key = clientQuotaEntityKey(r.entity);
        const values = new Map(this.quotas.get(key)?.values ?? []);
        if (r.remove) values.delete(r.key);
        else values.set(r.key, r.value);
        if (values.size === 0) this.quotas.delete(key);
        else this.quotas.set(key, { entity: [...r.entity].sort((a, b) => (a.entityType < b.entityType ? -1 : a.entityType > b.entityType ? 1 : 0)), values });
        return;
      }
      case "ProducerIds": {
        const current = this.producerIds?.nextProducerId ?? 0n;
        if (r.nextProducerId <= current) throw new MetadataReplayError(`ProducerIds record: nextProducerId ${r.nextProducerId} is not above ${current}`);
        this.producerIds = { brokerId: r.brokerId, brokerEpoch: r.brokerEpoch, nextProducerId: r.nextProducerId };
        return;
      }
      case "AccessControlEntry": {
        this.acls ??= new Map(this.base.acls);
        if (this.acls.has(r.id)) throw new MetadataReplayError(`AccessControlEntry record: ACL id ${r.id} already in use`);
        if (!ACL_RESOURCE_TYPES.has(r.resourceType)) throw new MetadataReplayError(`AccessControlEntry record: bad resourceType ${r.resourceType}`);
        if (!ACL_PATTERN_TYPES.has(r.patternType)) throw new MetadataReplayError(`AccessControlEntry record: bad patternType ${r.patternType}`);
        if (!ACL_PERMISSION_TYPES.has(r.permissionType)) throw new MetadataReplayError(`AccessControlEntry record: bad permissionType ${r.permissionType}`);
        if (r.operation < ACL_MIN_OPERATION || r.operation > ACL_MAX_OPERATION) throw new MetadataReplayError(`AccessControlEntry record: bad operation ${r.operation}`);
        if (r.resourceName === "") throw new MetadataReplayError("AccessControlEntry record: empty resourceName");
        const { type: _t, ...entry } = r;
        this.acls.set(r.id, entry);
        return;
      }
      case "RemoveAccessControlEntry": {
        this.acls ??= new Map(this.base.acls);
        if (!this.acls.delete(r.id)) throw new MetadataReplayError(`RemoveAccessControlEntry record: no ACL with id ${r.id}`);
        return;
      }
    }
  }

  private topicOf(topicId: string, what: string): TopicImage {
    const t = this.topicsById.get(topicId);
    if (!t) throw new MetadataReplayError(`${what} record: no topic with id ${topicId}`);
    return t;
  }

  private setPartition(t: TopicImage, index: number, reg: PartitionRegistration): void {
    // The first change to a topic in this delta copies its partition list; later ones (a topic
    // created with many partitions in one batch) write into that copy, which no image shares yet.
    let partitions = this.ownPartitions.get(t.id);
    if (!partitions || partitions !== t.partitions) {
      partitions = [...t.partitions];
      this.ownPartitions.set(t.id, partitions);
      const next: TopicImage = { name: t.name, id: t.id, partitions };
      this.topicsById.set(t.id, next);
      this.topicsByName.set(t.name, next);
    }
    partitions[index] = reg;
    if (!this.created.has(t.id)) {
      let set = this.changed.get(t.id);
      if (!set) this.changed.set(t.id, (set = new Set()));
      set.add(index);
    }
  }

  get changes(): MetadataChanges {
    const changedTopicConfigs = new Set([...this.changedConfigs].filter((n) => this.topicsByName.has(n)));
    return {
      createdTopics: this.created,
      deletedTopics: this.deleted,
      changedPartitions: this.changed,
      changedTopicConfigs,
      brokersChanged: this.brokers !== null,
      aclsChanged: this.acls !== null,
      clientQuotasChanged: this.quotas !== null,
    };
  }

  apply(offset: number): MetadataImage {
    this.applied = true;
    return new MetadataImage(
      offset,
      this.topicsById,
      this.topicsByName,
      this.configs,
      this.brokers ?? this.base.brokers,
      this.features ?? this.base.features,
      this.producerIds,
      this.acls ?? this.base.acls,
      this.scram ?? this.base.scramCredentials,
      this.quotas ?? this.base.clientQuotas,
    );
  }
}

/** Replays a whole batch onto `image` (throws on the first record that does not fit). */
export function applyBatch(image: MetadataImage, offset: number, records: readonly MetadataRecord[]): { image: MetadataImage; changes: MetadataChanges } {
  const delta = new MetadataDelta(image);
  for (const r of records) delta.replay(r);
  return { image: delta.apply(offset), changes: delta.changes };
}

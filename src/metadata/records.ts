/**
 * Metadata records: the only way the metadata image changes. Their shape follows Kafka's KRaft
 * metadata records (metadata/src/main/resources/common/metadata/*.json in Apache Kafka): the same
 * names, the same fields and the same sentinel values, so that a later Raft-replicated metadata log
 * carries the same facts a Kafka controller would write. Only the fields Takhin uses are kept;
 * each record's `type` is Kafka's record name without the "Record" suffix and `apiKey` its
 * MetadataRecordType key.
 *
 * ## Persisted form (JSON, inside the CRC frames of metadata-log.ts)
 * A record is one JSON object: `{ "type": "Topic", "name": "t", "topicId": "<22-char uuid>" }`.
 * int64 fields (brokerEpoch, nextProducerId) are decimal strings, since JSON numbers lose
 * precision above 2^53. `decodeRecord` checks every field's type and range and throws
 * `RecordFormatError` naming the field; nothing undecoded reaches the image.
 */

/** Kafka's MetadataRecordType api keys of the records below. */
export const RecordApiKey = {
  RegisterBroker: 0,
  Topic: 2,
  Partition: 3,
  Config: 4,
  PartitionChange: 5,
  RemoveTopic: 9,
  FeatureLevel: 12,
  ProducerIds: 15,
  AccessControlEntry: 23,
  RemoveAccessControlEntry: 24,
  UserScramCredential: 11,
  RemoveUserScramCredential: 22,
  ClientQuota: 14,
} as const;

/** PartitionRecord.Leader: no leader. PartitionChangeRecord.Leader: -1 none, -2 unchanged. */
export const NO_LEADER = -1;
export const LEADER_UNCHANGED = -2;

/** The metadata.version feature: the record shapes this code writes and understands. */
export const METADATA_VERSION_FEATURE = "metadata.version";
export const TAKHIN_METADATA_VERSION = 1;

export interface Endpoint {
  name: string;
  host: string;
  port: number;
  securityProtocol: number;
}

/** RegisterBrokerRecord (apiKey 0): a broker joined, or restarted with a new incarnation. */
export interface RegisterBrokerRecord {
  type: "RegisterBroker";
  brokerId: number;
  incarnationId: string;
  brokerEpoch: bigint;
  endPoints: Endpoint[];
  rack: string | null;
  fenced: boolean;
}

/** TopicRecord (apiKey 2): a topic exists with this name and id. */
export interface TopicRecord {
  type: "Topic";
  name: string;
  topicId: string;
}

/** PartitionRecord (apiKey 3): a partition's full registration (creation or replacement). */
export interface PartitionRecord {
  type: "Partition";
  partitionId: number;
  topicId: string;
  replicas: number[];
  isr: number[];
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
  /** Replicas a reassignment in progress is removing / adding (Kafka's RemovingReplicas/AddingReplicas); absent: none. */
  removingReplicas?: number[];
  addingReplicas?: number[];
}

/**
 * PartitionChangeRecord (apiKey 5): null / LEADER_UNCHANGED / absent fields did not change. A leader
 * given explicitly together with a new replica list bumps the leader epoch even when it is the same
 * broker (Kafka bumps it when a reassignment removes replicas, so they are fenced).
 */
export interface PartitionChangeRecord {
  type: "PartitionChange";
  partitionId: number;
  topicId: string;
  isr: number[] | null;
  leader: number;
  replicas: number[] | null;
  removingReplicas?: number[] | null;
  addingReplicas?: number[] | null;
}

/** RemoveTopicRecord (apiKey 9): the topic, its partitions and its configs are gone. */
export interface RemoveTopicRecord {
  type: "RemoveTopic";
  topicId: string;
}

/** ConfigRecord (apiKey 4): one config of one resource set (value) or removed (null). */
export interface ConfigRecord {
  type: "Config";
  resourceType: number;
  resourceName: string;
  name: string;
  value: string | null;
}

/** FeatureLevelRecord (apiKey 12). */
export interface FeatureLevelRecord {
  type: "FeatureLevel";
  name: string;
  featureLevel: number;
}

/** ProducerIdsRecord (apiKey 15): ids below nextProducerId have been handed to a broker. */
export interface ProducerIdsRecord {
  type: "ProducerIds";
  brokerId: number;
  brokerEpoch: bigint;
  nextProducerId: bigint;
}

/**
 * AccessControlEntryRecord (apiKey 23): one ACL binding, Kafka's shape: a resource pattern
 * (resourceType, resourceName, patternType) and an entry (principal, host, operation,
 * permissionType), all as Kafka's codes (src/security/acl.ts names them). `id` identifies the
 * binding for its removal.
 */
export interface AccessControlEntryRecord {
  type: "AccessControlEntry";
  id: string;
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

/** RemoveAccessControlEntryRecord (apiKey 24): the binding with this id is gone. */
export interface RemoveAccessControlEntryRecord {
  type: "RemoveAccessControlEntry";
  id: string;
}

/**
 * UserScramCredentialRecord (apiKey 11): a user's SCRAM credential for one mechanism (1
 * SCRAM-SHA-256, 2 SCRAM-SHA-512), set or replaced. salt, storedKey and serverKey are base64.
 */
export interface UserScramCredentialRecord {
  type: "UserScramCredential";
  name: string;
  mechanism: number;
  salt: string;
  storedKey: string;
  serverKey: string;
  iterations: number;
}

/** RemoveUserScramCredentialRecord (apiKey 22): the user's credential for that mechanism is gone. */
export interface RemoveUserScramCredentialRecord {
  type: "RemoveUserScramCredential";
  name: string;
  mechanism: number;
}

/**
 * ClientQuotaRecord (apiKey 14): one quota of one client-quota entity set or removed, Kafka's
 * shape. `entity` lists (entityType, entityName) pairs, entityType one of "user", "client-id",
 * "ip"; a null entityName is that type's default entity. `remove` true drops the key (value is
 * then ignored). Checked in src/security/client-quotas.ts before the controller writes one.
 */
export interface ClientQuotaRecord {
  type: "ClientQuota";
  entity: { entityType: string; entityName: string | null }[];
  key: string;
  value: number;
  remove: boolean;
}

export type MetadataRecord =
  | ClientQuotaRecord
  | UserScramCredentialRecord
  | RemoveUserScramCredentialRecord
  | RegisterBrokerRecord
  | TopicRecord
  | PartitionRecord
  | PartitionChangeRecord
  | RemoveTopicRecord
  | ConfigRecord
  | FeatureLevelRecord
  | ProducerIdsRecord
  | AccessControlEntryRecord
  | RemoveAccessControlEntryRecord;

export class RecordFormatError extends Error {}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Longest replica list a record may carry (a bound on what a corrupt file can make us allocate). */
export const MAX_REPLICAS_PER_PARTITION = 1024;
/** Longest string field (Kafka strings are int16-length). */
const MAX_STRING_CHARS = 32767;

/** JSON form of a record: bigints as decimal strings. */
export function recordToJson(r: MetadataRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) out[k] = typeof v === "bigint" ? v.toString() : v;
  return out;
}

type Obj = Record<string, unknown>;

function field(o: Obj, name: string): unknown {
  if (!(name in o)) throw new RecordFormatError(`${o.type} record: missing field ${name}`);
  return o[name];
}
function int32(o: Obj, name: string, min = INT32_MIN): number {
  const v = field(o, name);
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > INT32_MAX) {
    throw new RecordFormatError(`${o.type} record: ${name} must be an int32 >= ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}
function int64(o: Obj, name: string, min = INT64_MIN): bigint {
  const v = field(o, name);
  if (typeof v !== "string" || !/^-?\d{1,19}$/.test(v)) throw new RecordFormatError(`${o.type} record: ${name} must be an int64 decimal string, got ${JSON.stringify(v)}`);
  const n = BigInt(v);
  if (n < min || n > INT64_MAX) throw new RecordFormatError(`${o.type} record: ${name} out of range: ${v}`);
  return n;
}
function str(o: Obj, name: string): string {
  const v = field(o, name);
  if (typeof v !== "string" || v.length > MAX_STRING_CHARS) throw new RecordFormatError(`${o.type} record: ${name} must be a string, got ${JSON.stringify(v)}`);
  return v;
}
function nullableStr(o: Obj, name: string): string | null {
  return field(o, name) === null ? null : str(o, name);
}
function int8(o: Obj, name: string, min: number, max: number): number {
  const v = field(o, name);
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new RecordFormatError(`${o.type} record: ${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return v;
}
function bool(o: Obj, name: string): boolean {
  const v = field(o, name);
  if (typeof v !== "boolean") throw new RecordFormatError(`${o.type} record: ${name} must be a boolean`);
  return v;
}
function uuid(o: Obj, name: string): string {
  const v = str(o, name);
  if (!/^[A-Za-z0-9_-]{22}$/.test(v)) throw new RecordFormatError(`${o.type} record: ${name} must be a 22-character uuid, got ${JSON.stringify(v)}`);
  return v;
}
function ids(o: Obj, name: string): number[] {
  const v = field(o, name);
  if (!Array.isArray(v) || v.length > MAX_REPLICAS_PER_PARTITION) throw new RecordFormatError(`${o.type} record: ${name} must be a list of broker ids`);
  for (const x of v) {
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > INT32_MAX) throw new RecordFormatError(`${o.type} record: ${name} has a bad broker id ${JSON.stringify(x)}`);
  }
  return v as number[];
}
function nullableIds(o: Obj, name: string): number[] | null {
  return field(o, name) === null ? null : ids(o, name);
}
/** An optional list written only when present (records from before reassignments lack it). */
function optionalIds(o: Obj, name: string): { [k: string]: number[] } {
  return name in o && o[name] !== null ? { [name]: ids(o, name) } : {};
}

function base64(o: Obj, name: string): string {
  const v = str(o, name);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length > 1024) throw new RecordFormatError(`${o.type} record: ${name} must be base64, got ${JSON.stringify(v)}`);
  return v;
}
function scramMechanism(o: Obj): number {
  const m = int32(o, "mechanism", 1);
  if (m !== 1 && m !== 2) throw new RecordFormatError(`${o.type} record: mechanism must be 1 (SCRAM-SHA-256) or 2 (SCRAM-SHA-512), got ${m}`);
  return m;
}

/** Checks and converts one record from its JSON form. */
export function decodeRecord(value: unknown): MetadataRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new RecordFormatError("a record must be a JSON object");
  const o = value as Obj;
  switch (o.type) {
    case "RegisterBroker": {
      const eps = field(o, "endPoints");
      if (!Array.isArray(eps) || eps.length > 64) throw new RecordFormatError("RegisterBroker record: endPoints must be a list");
      const endPoints = eps.map((e) => {
        if (typeof e !== "object" || e === null) throw new RecordFormatError("RegisterBroker record: an endpoint must be an object");
        const eo = { type: "RegisterBroker endpoint", ...(e as Obj) };
        return { name: str(eo, "name"), host: str(eo, "host"), port: int32(eo, "port", 0), securityProtocol: int32(eo, "securityProtocol", 0) };
      });
      return {
        type: "RegisterBroker",
        brokerId: int32(o, "brokerId", 0),
        incarnationId: uuid(o, "incarnationId"),
        brokerEpoch: int64(o, "brokerEpoch", -1n),
        endPoints,
        rack: nullableStr(o, "rack"),
        fenced: bool(o, "fenced"),
      };
    }
    case "Topic":
      return { type: "Topic", name: str(o, "name"), topicId: uuid(o, "topicId") };
    case "Partition":
      return {
        type: "Partition",
        partitionId: int32(o, "partitionId", 0),
        topicId: uuid(o, "topicId"),
        replicas: ids(o, "replicas"),
        isr: ids(o, "isr"),
        leader: int32(o, "leader", NO_LEADER),
        leaderEpoch: int32(o, "leaderEpoch", -1),
        partitionEpoch: int32(o, "partitionEpoch", -1),
        ...optionalIds(o, "removingReplicas"),
        ...optionalIds(o, "addingReplicas"),
      };
    case "PartitionChange":
      return {
        type: "PartitionChange",
        partitionId: int32(o, "partitionId", 0),
        topicId: uuid(o, "topicId"),
        isr: nullableIds(o, "isr"),
        leader: int32(o, "leader", LEADER_UNCHANGED),
        replicas: nullableIds(o, "replicas"),
        ...optionalIds(o, "removingReplicas"),
        ...optionalIds(o, "addingReplicas"),
      };
    case "RemoveTopic":
      return { type: "RemoveTopic", topicId: uuid(o, "topicId") };
    case "Config":
      return { type: "Config", resourceType: int32(o, "resourceType", 0), resourceName: str(o, "resourceName"), name: str(o, "name"), value: nullableStr(o, "value") };
    case "FeatureLevel":
      return { type: "FeatureLevel", name: str(o, "name"), featureLevel: int32(o, "featureLevel", 0) };
    case "ProducerIds":
      return { type: "ProducerIds", brokerId: int32(o, "brokerId", 0), brokerEpoch: int64(o, "brokerEpoch", -1n), nextProducerId: int64(o, "nextProducerId", 0n) };
    case "AccessControlEntry":
      return {
        type: "AccessControlEntry",
        id: uuid(o, "id"),
        resourceType: int8(o, "resourceType", 0, 127),
        resourceName: str(o, "resourceName"),
        patternType: int8(o, "patternType", 0, 127),
        principal: str(o, "principal"),
        host: str(o, "host"),
        operation: int8(o, "operation", 0, 127),
        permissionType: int8(o, "permissionType", 0, 127),
      };
    case "RemoveAccessControlEntry":
      return { type: "RemoveAccessControlEntry", id: uuid(o, "id") };
    case "UserScramCredential":
      return {
        type: "UserScramCredential",
        name: str(o, "name"),
        mechanism: scramMechanism(o),
        salt: base64(o, "salt"),
        storedKey: base64(o, "storedKey"),
        serverKey: base64(o, "serverKey"),
        iterations: int32(o, "iterations", 1),
      };
    case "RemoveUserScramCredential":
      return { type: "RemoveUserScramCredential", name: str(o, "name"), mechanism: scramMechanism(o) };
    case "ClientQuota": {
      const list = field(o, "entity");
      if (!Array.isArray(list) || list.length === 0 || list.length > 3) throw new RecordFormatError("ClientQuota record: entity must be a list of 1 to 3 parts");
      const entity = list.map((e) => {
        if (typeof e !== "object" || e === null) throw new RecordFormatError("ClientQuota record: an entity part must be an object");
        const eo = { type: "ClientQuota entity", ...(e as Obj) };
        return { entityType: str(eo, "entityType"), entityName: nullableStr(eo, "entityName") };
      });
      const value = field(o, "value");
      if (typeof value !== "number" || !Number.isFinite(value)) throw new RecordFormatError(`ClientQuota record: value must be a finite number, got ${JSON.stringify(value)}`);
      return { type: "ClientQuota", entity, key: str(o, "key"), value, remove: bool(o, "remove") };
    }
    default:
      throw new RecordFormatError(`unknown record type ${JSON.stringify(o.type)}`);
  }
}

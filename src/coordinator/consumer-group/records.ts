/**
 * The records of KIP-848 consumer groups in __consumer_offsets, in Kafka 4.x's formats (apache/kafka
 * group-coordinator: ConsumerGroup*Key/Value.json, CoordinatorRecordType), so a data directory reads
 * like Kafka's. A key is an int16 record type then classic (non-flexible) strings; a value is an
 * int16 version (0) then a flexible body (compact strings and arrays, tagged fields at the end of
 * every struct). Uuid = 16 bytes. A null value (tombstone) deletes the key.
 *
 *   type 3  ConsumerGroupMetadata          key: group_id
 *           value v0: epoch int32; tagged 0: metadata_hash int64 (Takhin's hash of the subscribed
 *                     topics' ids and partition counts; written when not 0)
 *   type 5  ConsumerGroupMemberMetadata    key: group_id, member_id
 *           value v0: instance_id string?, rack_id string?, client_id string, client_host string,
 *                     subscribed_topic_names [string], subscribed_topic_regex string?,
 *                     rebalance_timeout_ms int32, server_assignor string?;
 *                     tagged 0: classic_member_metadata (not written: no classic members here)
 *   type 6  ConsumerGroupTargetAssignmentMetadata  key: group_id
 *           value v0: assignment_epoch int32; tagged 0: assignment_timestamp int64
 *   type 7  ConsumerGroupTargetAssignmentMember    key: group_id, member_id
 *           value v0: topic_partitions [topic_id uuid, partitions [int32]]
 *   type 8  ConsumerGroupCurrentMemberAssignment   key: group_id, member_id
 *           value v0: member_epoch int32, previous_member_epoch int32, state int8
 *                     (0 STABLE, 1 UNREVOKED_PARTITIONS, 2 UNRELEASED_PARTITIONS, 127 UNKNOWN),
 *                     assigned_partitions [topic_id uuid, partitions [int32]],
 *                     partitions_pending_revocation [topic_id uuid, partitions [int32]]
 *
 * Type 4 (ConsumerGroupPartitionMetadata, deprecated since Kafka 4.1 by metadata_hash) is neither
 * written nor needed: the subscribed topics' metadata is recomputed from the metadata image at load.
 */
import { decodeMessage, encodeMessage } from "../../protocol/codec.ts";
import { Reader } from "../../protocol/reader.ts";
import { arr, field, request, struct } from "../../protocol/schema.ts";
import { Writer } from "../../protocol/writer.ts";
import { fromList, toList, type TopicPartitions } from "./assignment.ts";

export const RecordType = {
  CONSUMER_GROUP_METADATA: 3,
  CONSUMER_GROUP_PARTITION_METADATA: 4,
  CONSUMER_GROUP_MEMBER_METADATA: 5,
  CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA: 6,
  CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER: 7,
  CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT: 8,
} as const;

export function isConsumerGroupRecordType(type: number): boolean {
  return type >= RecordType.CONSUMER_GROUP_METADATA && type <= RecordType.CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT;
}

const v0 = (name: string, apiKey: number) => ({ apiKey, name, valid: "0", flexible: "0+" });
const topicPartitions = arr(struct(field("topicId", "uuid", "0+"), field("partitions", arr("int32"), "0+")));

const MetadataValue = request(v0("ConsumerGroupMetadataValue", 3), [
  field("epoch", "int32", "0+"),
  field("metadataHash", "int64", "0+", { tag: 0, tagged: "0+", default: 0n }),
]);
const MemberMetadataValue = request(v0("ConsumerGroupMemberMetadataValue", 5), [
  field("instanceId", "string", "0+", { nullable: "0+", default: null }),
  field("rackId", "string", "0+", { nullable: "0+", default: null }),
  field("clientId", "string", "0+"),
  field("clientHost", "string", "0+"),
  field("subscribedTopicNames", arr("string"), "0+"),
  field("subscribedTopicRegex", "string", "0+", { nullable: "0+", default: null }),
  field("rebalanceTimeoutMs", "int32", "0+", { default: -1 }),
  field("serverAssignor", "string", "0+", { nullable: "0+", default: null }),
]);
const TargetMetadataValue = request(v0("ConsumerGroupTargetAssignmentMetadataValue", 6), [
  field("assignmentEpoch", "int32", "0+"),
  field("assignmentTimestamp", "int64", "0+", { tag: 0, tagged: "0+", default: -1n }),
]);
const TargetMemberValue = request(v0("ConsumerGroupTargetAssignmentMemberValue", 7), [field("topicPartitions", topicPartitions, "0+")]);
const CurrentAssignmentValue = request(v0("ConsumerGroupCurrentMemberAssignmentValue", 8), [
  field("memberEpoch", "int32", "0+"),
  field("previousMemberEpoch", "int32", "0+"),
  field("state", "int8", "0+"),
  field("assignedPartitions", topicPartitions, "0+"),
  field("partitionsPendingRevocation", topicPartitions, "0+"),
]);

export interface MemberMetadata {
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  rebalanceTimeoutMs: number;
  serverAssignor: string | null;
}

export interface CurrentAssignment {
  memberEpoch: number;
  previousMemberEpoch: number;
  state: number;
  assigned: TopicPartitions;
  pendingRevocation: TopicPartitions;
}

/** One consumer group record; `value` null = tombstone. */
export type ConsumerGroupRecord =
  | { type: 3; groupId: string; value: { epoch: number; metadataHash: bigint } | null }
  | { type: 5; groupId: string; memberId: string; value: MemberMetadata | null }
  | { type: 6; groupId: string; value: { assignmentEpoch: number; assignmentTimestampMs: number } | null }
  | { type: 7; groupId: string; memberId: string; value: TopicPartitions | null }
  | { type: 8; groupId: string; memberId: string; value: CurrentAssignment | null };

function writeKeyString(w: Writer, s: string): void {
  const b = new TextEncoder().encode(s);
  w.int16(b.length);
  w.raw(b);
}

function encodeValue(def: Parameters<typeof encodeMessage>[0], value: unknown): Uint8Array {
  const w = new Writer(128);
  w.int16(0);
  encodeMessage(def, 0, value, w);
  return w.toBytes();
}

/** The record's key and value bytes as Kafka writes them. */
export function encodeConsumerGroupRecord(r: ConsumerGroupRecord): { key: Uint8Array; value: Uint8Array | null } {
  const k = new Writer(64);
  k.int16(r.type);
  writeKeyString(k, r.groupId);
  if ("memberId" in r) writeKeyString(k, r.memberId);
  const key = k.toBytes();
  if (r.value === null) return { key, value: null };
  switch (r.type) {
    case 3:
      return { key, value: encodeValue(MetadataValue, { epoch: r.value.epoch, metadataHash: r.value.metadataHash }) };
    case 5:
      return { key, value: encodeValue(MemberMetadataValue, r.value) };
    case 6:
      return { key, value: encodeValue(TargetMetadataValue, { assignmentEpoch: r.value.assignmentEpoch, assignmentTimestamp: BigInt(r.value.assignmentTimestampMs) }) };
    case 7:
      return { key, value: encodeValue(TargetMemberValue, { topicPartitions: toList(r.value) }) };
    case 8:
      return {
        key,
        value: encodeValue(CurrentAssignmentValue, {
          memberEpoch: r.value.memberEpoch,
          previousMemberEpoch: r.value.previousMemberEpoch,
          state: r.value.state,
          assignedPartitions: toList(r.value.assigned),
          partitionsPendingRevocation: toList(r.value.pendingRevocation),
        }),
      };
  }
}

/**
 * Decodes a consumer group record whose key reader `k` has read the int16 type already; null for a
 * type this broker does not replay (4) or a value version it does not know.
 */
export function decodeConsumerGroupRecord(type: number, k: Reader, value: Uint8Array | null): ConsumerGroupRecord | null {
  const groupId = k.string(false) ?? "";
  const memberId = type === 5 || type === 7 || type === 8 ? (k.string(false) ?? "") : "";
  let body: any = null;
  if (value !== null) {
    const v = new Reader(value);
    if (v.int16() !== 0) return null;
    const def = type === 3 ? MetadataValue : type === 5 ? MemberMetadataValue : type === 6 ? TargetMetadataValue : type === 7 ? TargetMemberValue : type === 8 ? CurrentAssignmentValue : null;
    if (!def) return null;
    body = decodeMessage(def, 0, v);
  }
  switch (type) {
    case 3:
      return { type, groupId, value: body && { epoch: body.epoch, metadataHash: body.metadataHash } };
    case 5:
      return { type, groupId, memberId, value: body && { ...body } };
    case 6:
      return { type, groupId, value: body && { assignmentEpoch: body.assignmentEpoch, assignmentTimestampMs: Number(body.assignmentTimestamp) } };
    case 7:
      return { type, groupId, memberId, value: body && fromList(body.topicPartitions) };
    case 8:
      return {
        type,
        groupId,
        memberId,
        value: body && {
          memberEpoch: body.memberEpoch,
          previousMemberEpoch: body.previousMemberEpoch,
          state: body.state,
          assigned: fromList(body.assignedPartitions),
          pendingRevocation: fromList(body.partitionsPendingRevocation),
        },
      };
    default:
      return null;
  }
}

/**
 * One request per API key for the authorisation tests (acl-every-api.test.ts, acl-differential.test.ts):
 * its body, the version sent, and what Kafka answers when User:ANONYMOUS may not touch the
 * resources it names (topic "t", group "g", transactional id "tx", the cluster).
 */
import { expect } from "bun:test";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { ZERO_UUID } from "../../src/protocol/reader.ts";
import type { ApiDef } from "../../src/protocol/schema.ts";
import { AclOp, PatternType, Permission, ResourceType } from "../../src/security/acl.ts";
import * as M from "./acl-api-defs.ts";

export const TOPIC_AUTH = 29;
export const GROUP_AUTH = 30;
export const CLUSTER_AUTH = 31;
export const TXN_AUTH = 53;
export const AUTH_ERRORS = new Set([TOPIC_AUTH, GROUP_AUTH, CLUSTER_AUTH, TXN_AUTH]);

export interface Case {
  api: ApiDef;
  version: number;
  body: () => unknown;
  /** The refused answer (phase 1): throws (expect) when it is not what Kafka answers. */
  refused(res: any): void;
}

export const batch = () => buildRecordBatch({ records: [{ value: new TextEncoder().encode("v") }] });
const aclFilter = { resourceTypeFilter: ResourceType.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY, principalFilter: null, hostFilter: null, operation: AclOp.ANY, permissionType: Permission.ANY };

export const CASES: Record<number, Case> = {
  0: {
    api: M.Produce,
    version: 9,
    body: () => ({ transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: "t", partitionData: [{ index: 0, records: batch() }] }] }),
    refused: (r) => expect(r.responses[0].partitionResponses[0].errorCode).toBe(TOPIC_AUTH),
  },
  1: {
    api: M.Fetch,
    version: 12,
    body: () => ({ replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topic: "t", partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }], forgottenTopicsData: [], rackId: "" }),
    refused: (r) => expect(r.responses[0].partitions[0].errorCode).toBe(TOPIC_AUTH),
  },
  2: {
    api: M.ListOffsets,
    version: 7,
    body: () => ({ replicaId: -1, isolationLevel: 0, topics: [{ name: "t", partitions: [{ partitionIndex: 0, timestamp: -1n }] }] }),
    refused: (r) => expect(r.topics[0].partitions[0].errorCode).toBe(TOPIC_AUTH),
  },
  3: {
    api: M.Metadata,
    version: 12,
    body: () => ({ topics: [{ name: "t", topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: true }),
    refused: (r) => expect(r.topics.map((t: any) => [t.name, t.errorCode])).toEqual([["t", TOPIC_AUTH]]),
  },
  8: {
    api: M.OffsetCommit,
    version: 8,
    body: () => ({ groupId: "g", generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 0n, committedMetadata: null }] }] }),
    refused: (r) => expect(r.topics[0].partitions[0].errorCode).toBe(GROUP_AUTH),
  },
  9: {
    api: M.OffsetFetch,
    version: 8,
    body: () => ({ groups: [{ groupId: "g", topics: null }], requireStable: false }),
    refused: (r) => expect(r.groups[0].errorCode).toBe(GROUP_AUTH),
  },
  10: {
    api: M.FindCoordinator,
    version: 4,
    body: () => ({ keyType: 0, coordinatorKeys: ["g"] }),
    refused: (r) => expect(r.coordinators[0].errorCode).toBe(GROUP_AUTH),
  },
  11: {
    api: M.JoinGroup,
    version: 5,
    body: () => ({ groupId: "g", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: "", groupInstanceId: null, protocolType: "consumer", protocols: [{ name: "range", metadata: new Uint8Array(0) }] }),
    refused: (r) => expect(r.errorCode).toBe(GROUP_AUTH),
  },
  12: { api: M.Heartbeat, version: 3, body: () => ({ groupId: "g", generationId: 0, memberId: "m", groupInstanceId: null }), refused: (r) => expect(r.errorCode).toBe(GROUP_AUTH) },
  13: { api: M.LeaveGroup, version: 3, body: () => ({ groupId: "g", members: [{ memberId: "m", groupInstanceId: null }] }), refused: (r) => expect(r.errorCode).toBe(GROUP_AUTH) },
  14: { api: M.SyncGroup, version: 3, body: () => ({ groupId: "g", generationId: 0, memberId: "m", groupInstanceId: null, assignments: [] }), refused: (r) => expect(r.errorCode).toBe(GROUP_AUTH) },
  15: { api: M.DescribeGroups, version: 5, body: () => ({ groups: ["g"], includeAuthorizedOperations: true }), refused: (r) => expect(r.groups[0].errorCode).toBe(GROUP_AUTH) },
  // ListGroups lists only what may be described: nothing here, and no error.
  16: { api: M.ListGroups, version: 4, body: () => ({ statesFilter: [] }), refused: (r) => expect([r.errorCode, r.groups]).toEqual([0, []]) },
  // Before authentication: answered as usual.
  17: { api: M.SaslHandshake, version: 1, body: () => ({ mechanism: "PLAIN" }), refused: (r) => expect(AUTH_ERRORS.has(r.errorCode)).toBe(false) },
  18: { api: M.ApiVersions, version: 3, body: () => ({ clientSoftwareName: "t", clientSoftwareVersion: "1" }), refused: (r) => expect(r.errorCode).toBe(0) },
  // On a PLAINTEXT listener: no SASL exchange to take part in, whatever the ACLs.
  36: { api: M.SaslAuthenticate, version: 2, body: () => ({ authBytes: new Uint8Array(0) }), refused: (r) => expect(r.errorCode).toBe(34 /* ILLEGAL_SASL_STATE */) },
  48: { api: M.DescribeClientQuotas, version: 1, body: () => ({ components: [], strict: false }), refused: (r) => expect(r.errorCode).toBe(CLUSTER_AUTH) },
  49: {
    api: M.AlterClientQuotas,
    version: 1,
    body: () => ({ entries: [{ entity: [{ entityType: "user", entityName: "u" }], ops: [{ key: "producer_byte_rate", value: 1024, remove: false }] }], validateOnly: true }),
    refused: (r) => expect(r.entries).toEqual([{ errorCode: CLUSTER_AUTH, errorMessage: null, entity: [{ entityType: "user", entityName: "u" }] }]),
  },
  50: { api: M.DescribeUserScramCredentials, version: 0, body: () => ({ users: null }), refused: (r) => expect(r.errorCode).toBe(CLUSTER_AUTH) },
  51: {
    api: M.AlterUserScramCredentials,
    version: 0,
    body: () => ({ deletions: [{ name: "nobody", mechanism: 1 }], upsertions: [] }),
    refused: (r) => expect(r.results).toEqual([{ userName: "nobody", errorCode: CLUSTER_AUTH, errorMessage: null }]),
  },
  19: {
    api: M.CreateTopics,
    version: 5,
    body: () => ({ topics: [{ name: "t2", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false }),
    refused: (r) => expect(r.topics[0].errorCode).toBe(TOPIC_AUTH),
  },
  20: { api: M.DeleteTopics, version: 5, body: () => ({ topicNames: ["t3"], timeoutMs: 5000 }), refused: (r) => expect(r.responses[0].errorCode).toBe(TOPIC_AUTH) },
  21: {
    api: M.DeleteRecords,
    version: 2,
    body: () => ({ topics: [{ name: "t", partitions: [{ partitionIndex: 0, offset: 0n }] }], timeoutMs: 5000 }),
    refused: (r) => expect(r.topics[0].partitions[0].errorCode).toBe(TOPIC_AUTH),
  },
  22: { api: M.InitProducerId, version: 4, body: () => ({ transactionalId: null, transactionTimeoutMs: 60_000 }), refused: (r) => expect(r.errorCode).toBe(CLUSTER_AUTH) },
  23: {
    api: M.OffsetForLeaderEpoch,
    version: 4,
    body: () => ({ replicaId: -1, topics: [{ topic: "t", partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] }),
    refused: (r) => expect(r.topics[0].partitions[0].errorCode).toBe(TOPIC_AUTH),
  },
  24: {
    api: M.AddPartitionsToTxn,
    version: 3,
    body: () => ({ v3AndBelowTransactionalId: "tx", v3AndBelowProducerId: 1n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: "t", partitions: [0] }] }),
    refused: (r) => expect(r.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(TXN_AUTH),
  },
  25: { api: M.AddOffsetsToTxn, version: 3, body: () => ({ transactionalId: "tx", producerId: 1n, producerEpoch: 0, groupId: "g" }), refused: (r) => expect(r.errorCode).toBe(TXN_AUTH) },
  26: { api: M.EndTxn, version: 3, body: () => ({ transactionalId: "tx", producerId: 1n, producerEpoch: 0, committed: true }), refused: (r) => expect(r.errorCode).toBe(TXN_AUTH) },
  27: {
    api: M.WriteTxnMarkers,
    version: 1,
    body: () => ({ markers: [{ producerId: 1n, producerEpoch: 0, transactionResult: true, topics: [{ name: "t", partitionIndexes: [0] }], coordinatorEpoch: 0 }] }),
    refused: (r) => expect(r.markers[0].topics[0].partitions[0].errorCode).toBe(CLUSTER_AUTH),
  },
  28: {
    api: M.TxnOffsetCommit,
    version: 3,
    body: () => ({ transactionalId: "tx", groupId: "g", producerId: 1n, producerEpoch: 0, generationId: -1, memberId: "", groupInstanceId: null, topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 0n, committedMetadata: null }] }] }),
    refused: (r) => expect(r.topics[0].partitions[0].errorCode).toBe(TXN_AUTH),
  },
  29: { api: M.DescribeAcls, version: 3, body: () => aclFilter, refused: (r) => expect(r.errorCode).toBe(CLUSTER_AUTH) },
  30: {
    api: M.CreateAcls,
    version: 3,
    body: () => ({ creations: [{ resourceType: ResourceType.TOPIC, resourceName: "x", resourcePatternType: PatternType.LITERAL, principal: "User:x", host: "*", operation: AclOp.READ, permissionType: Permission.ALLOW }] }),
    refused: (r) => expect(r.results[0].errorCode).toBe(CLUSTER_AUTH),
  },
  31: { api: M.DeleteAcls, version: 3, body: () => ({ filters: [{ ...aclFilter, resourceNameFilter: "x" }] }), refused: (r) => expect(r.filterResults[0].errorCode).toBe(CLUSTER_AUTH) },
  32: {
    api: M.DescribeConfigs,
    version: 4,
    body: () => ({ resources: [{ resourceType: 2, resourceName: "t", configurationKeys: null }, { resourceType: 4, resourceName: "0", configurationKeys: null }], includeSynonyms: false, includeDocumentation: false }),
    refused: (r) => expect(r.results.map((x: any) => [x.resourceType, x.errorCode]).sort()).toEqual([[2, TOPIC_AUTH], [4, CLUSTER_AUTH]]),
  },
  33: {
    api: M.AlterConfigs,
    version: 2,
    body: () => ({ resources: [{ resourceType: 2, resourceName: "t", configs: [{ name: "retention.ms", value: "100000" }] }], validateOnly: true }),
    refused: (r) => expect(r.responses[0].errorCode).toBe(TOPIC_AUTH),
  },
  35: { api: M.DescribeLogDirs, version: 4, body: () => ({ topics: null }), refused: (r) => expect(r.errorCode).toBe(CLUSTER_AUTH) },
  37: { api: M.CreatePartitions, version: 3, body: () => ({ topics: [{ name: "t", count: 2, assignments: null }], timeoutMs: 5000, validateOnly: true }), refused: (r) => expect(r.results[0].errorCode).toBe(TOPIC_AUTH) },
  42: { api: M.DeleteGroups, version: 2, body: () => ({ groupsNames: ["g"] }), refused: (r) => expect(r.results[0].errorCode).toBe(GROUP_AUTH) },
  43: { api: M.ElectLeaders, version: 2, body: () => ({ electionType: 0, topicPartitions: null, timeoutMs: 5000 }), refused: (r) => expect(r.errorCode).toBe(CLUSTER_AUTH) },
  44: {
    api: M.IncrementalAlterConfigs,
    version: 1,
    body: () => ({ resources: [{ resourceType: 2, resourceName: "t", configs: [{ name: "retention.ms", configOperation: 0, value: "100000" }] }], validateOnly: true }),
    refused: (r) => expect(r.responses[0].errorCode).toBe(TOPIC_AUTH),
  },
  // Reassignments: ALTER (45) and DESCRIBE (46) on the cluster, refused at the top level.
  45: {
    api: M.AlterPartitionReassignments,
    version: 0,
    body: () => ({ timeoutMs: 5000, topics: [{ name: "t", partitions: [{ partitionIndex: 0, replicas: null }] }] }),
    refused: (r) => expect(r.errorCode).toBe(CLUSTER_AUTH),
  },
  46: { api: M.ListPartitionReassignments, version: 0, body: () => ({ timeoutMs: 5000, topics: null }), refused: (r) => expect(r.errorCode).toBe(CLUSTER_AUTH) },
  47: { api: M.OffsetDelete, version: 0, body: () => ({ groupId: "g", topics: [{ name: "t", partitions: [{ partitionIndex: 0 }] }] }), refused: (r) => expect(r.errorCode).toBe(GROUP_AUTH) },
  55: { api: M.DescribeQuorum, version: 1, body: () => ({ topics: [{ topicName: "__cluster_metadata", partitions: [{ partitionIndex: 0 }] }] }), refused: (r) => expect(r.errorCode).toBe(CLUSTER_AUTH) },
  65: { api: M.DescribeTransactions, version: 0, body: () => ({ transactionalIds: ["tx"] }), refused: (r) => expect(r.transactionStates[0].errorCode).toBe(TXN_AUTH) },
  // ListTransactions lists only what may be described.
  66: { api: M.ListTransactions, version: 0, body: () => ({ stateFilters: [], producerIdFilters: [] }), refused: (r) => expect([r.errorCode, r.transactionStates]).toEqual([0, []]) },
  68: {
    api: M.ConsumerGroupHeartbeat,
    version: 0,
    body: () => ({ groupId: "g848", memberId: "m848aaaaaaaaaaaaaaaaa", memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ["t"], serverAssignor: null, topicPartitions: [] }),
    refused: (r) => expect(r.errorCode).toBe(GROUP_AUTH),
  },
  69: { api: M.ConsumerGroupDescribe, version: 0, body: () => ({ groupIds: ["g"], includeAuthorizedOperations: true }), refused: (r) => expect(r.groups[0].errorCode).toBe(GROUP_AUTH) },
  60: { api: M.DescribeCluster, version: 1, body: () => ({ includeClusterAuthorizedOperations: true, endpointType: 1 }), refused: (r) => expect(r.errorCode).toBe(CLUSTER_AUTH) },
};


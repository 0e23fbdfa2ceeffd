/**
 * Every API key the broker serves, sent as User:ANONYMOUS over a real socket (raw client):
 *
 *   1. authorizer_enabled, no ACLs, allow_everyone_if_no_acl_found off: each answer carries the
 *      authorisation error Kafka puts there (TOPIC_ / GROUP_ / CLUSTER_ / TRANSACTIONAL_ID_
 *      AUTHORIZATION_FAILED in the per-topic, per-group or top-level field), or — for the APIs
 *      that list things — leaves out what ANONYMOUS may not describe; the unauthenticated APIs
 *      (ApiVersions, SaslHandshake) answer as usual.
 *   2. The same data directory restarted with allow_everyone_if_no_acl_found on (so ANONYMOUS may
 *      create ACLs while none exists on the cluster), ALLOW ALL granted to ANONYMOUS on every
 *      resource type, restarted again with it off: no answer carries an authorisation error any
 *      more (and the ACLs came back from the metadata log twice).
 *
 * An API key served without a case here fails the test, so a new API cannot skip the authoriser.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { CreateAcls } from "../../src/protocol/messages/create-acls.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { ZERO_UUID } from "../../src/protocol/reader.ts";
import type { ApiDef } from "../../src/protocol/schema.ts";
import { TOPIC_OPERATIONS } from "../../src/server/authorized-operations.ts";
import * as M from "./acl-api-defs.ts";
import { AclOp, PatternType, Permission, ResourceType } from "../../src/security/acl.ts";
import { RawClient, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";

const TOPIC_AUTH = 29;
const GROUP_AUTH = 30;
const CLUSTER_AUTH = 31;
const TXN_AUTH = 53;
const AUTH_ERRORS = new Set([TOPIC_AUTH, GROUP_AUTH, CLUSTER_AUTH, TXN_AUTH]);

interface Case {
  api: ApiDef;
  version: number;
  body: () => unknown;
  /** The refused answer (phase 1): throws (expect) when it is not what Kafka answers. */
  refused(res: any): void;
}

const batch = () => buildRecordBatch({ records: [{ value: new TextEncoder().encode("v") }] });
const aclFilter = { resourceTypeFilter: ResourceType.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY, principalFilter: null, hostFilter: null, operation: AclOp.ANY, permissionType: Permission.ANY };

const CASES: Record<number, Case> = {
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

/** Every error code anywhere in a response. */
function errorCodes(v: unknown, out: number[] = []): number[] {
  if (Array.isArray(v)) for (const x of v) errorCodes(x, out);
  else if (v && typeof v === "object" && !(v instanceof Uint8Array)) {
    for (const [k, x] of Object.entries(v)) {
      if ((k === "errorCode" || k === "partitionErrorCode") && typeof x === "number") out.push(x);
      else errorCodes(x, out);
    }
  }
  return out;
}

const brokers: TestBroker[] = [];
const clients: RawClient[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  for (const b of brokers) await b.stop().catch(() => {});
});

async function start(dir: string, allowEveryone: boolean): Promise<{ tb: TestBroker; c: RawClient; served: number[] }> {
  const tb = await startTestBroker({ authorizerEnabled: true, allowEveryoneIfNoAclFound: allowEveryone, autoCreateTopicsEnable: false }, dir);
  brokers.push(tb);
  const c = await RawClient.connect(tb.port);
  clients.push(c);
  const av = await c.call(ApiVersions, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
  return { tb, c, served: av.apiKeys.map((k: any) => k.apiKey) };
}

async function stop(tb: TestBroker, c: RawClient): Promise<void> {
  c.close();
  await tb.stop();
}

describe("every API as an unauthorised principal", () => {
  const dir = tempDir();

  test("no ACLs: each API answers its authorisation error where Kafka puts it", async () => {
    const { tb, c, served } = await start(dir, false);
    try {
      expect(served.filter((k) => !(k in CASES))).toEqual([]);
      for (const key of served) {
        const k = CASES[key]!;
        const res = await c.call(k.api, k.version, k.body(), key + 1);
        try {
          k.refused(res);
        } catch (e) {
          throw new Error(`${k.api.name} v${k.version}: ${(e as Error).message}\n${JSON.stringify(res, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`);
        }
      }
      // The transactional variants: TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
      expect((await c.call(M.InitProducerId, 4, { transactionalId: "tx", transactionTimeoutMs: 60_000 })).errorCode).toBe(TXN_AUTH);
      expect((await c.call(M.FindCoordinator, 4, { keyType: 1, coordinatorKeys: ["tx"] })).coordinators[0].errorCode).toBe(TXN_AUTH);
      const txProduce = await c.call(M.Produce, 9, { transactionalId: "tx", acks: 1, timeoutMs: 5000, topicData: [{ name: "t", partitionData: [{ index: 0, records: batch() }] }] });
      expect(txProduce.responses[0].partitionResponses[0].errorCode).toBe(TXN_AUTH);
      // Metadata for all topics leaves out what may not be described.
      expect((await c.call(M.Metadata, 12, { topics: null, allowAutoTopicCreation: false })).topics).toEqual([]);
    } finally {
      await stop(tb, c);
    }
  }, 60_000);

  test("ALLOW ALL granted to ANONYMOUS: no API answers an authorisation error", async () => {
    const open = await start(dir, true);
    const grant = await open.c.call(CreateAcls, 3, {
      creations: [ResourceType.TOPIC, ResourceType.GROUP, ResourceType.CLUSTER, ResourceType.TRANSACTIONAL_ID].map((resourceType) => ({
        resourceType,
        resourceName: resourceType === ResourceType.CLUSTER ? "kafka-cluster" : "*",
        resourcePatternType: PatternType.LITERAL,
        principal: "User:ANONYMOUS",
        host: "*",
        operation: AclOp.ALL,
        permissionType: Permission.ALLOW,
      })),
    });
    expect(grant.results.map((r: any) => r.errorCode)).toEqual([0, 0, 0, 0]);
    await stop(open.tb, open.c);

    const { tb, c, served } = await start(dir, false);
    const created = await c.call(CreateTopics, 5, { topics: ["t", "t3"].map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 5000, validateOnly: false });
    expect(created.topics.map((t: any) => t.errorCode)).toEqual([0, 0]);
    for (const key of served) {
      const k = CASES[key]!;
      const res = await c.call(k.api, k.version, k.body(), key + 1);
      const auth = errorCodes(res).filter((code) => AUTH_ERRORS.has(code));
      if (auth.length > 0) throw new Error(`${k.api.name} v${k.version} still refused: ${JSON.stringify(res, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`);
    }
    const md = await c.call(M.Metadata, 12, { topics: [{ name: "t", topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: true });
    // Every operation a topic has (KIP-430 bits READ..DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS).
    expect(md.topics[0].topicAuthorizedOperations).toBe(TOPIC_OPERATIONS);
    await stop(tb, c);
  }, 60_000);
});

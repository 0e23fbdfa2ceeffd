/**
 * Requests partly authorised, over a real socket as User:ANONYMOUS: the allowed part is served,
 * the refused part answered with its authorisation error, both in one response; topics that may
 * not be described left out of "all topics"; auto-creation needing CREATE; ListGroups filtered;
 * the authorized-operations fields of Metadata, DescribeGroups and DescribeCluster computed for the
 * principal.
 *
 * allow_everyone_if_no_acl_found is on: resources without ACLs ("open", "g-open") are open to
 * ANONYMOUS; "closed*" topics and "g-closed" have ACLs of User:alice only, so ANONYMOUS is refused
 * there except where it is granted something explicitly.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CreateAcls } from "../../src/protocol/messages/create-acls.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { DescribeCluster } from "../../src/protocol/messages/describe-cluster.ts";
import { DescribeConfigs } from "../../src/protocol/messages/describe-configs.ts";
import { DescribeGroups } from "../../src/protocol/messages/describe-groups.ts";
import { ListGroups } from "../../src/protocol/messages/list-groups.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { OffsetCommit } from "../../src/protocol/messages/offset-commit.ts";
import { OffsetFetch } from "../../src/protocol/messages/offset-fetch.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { ZERO_UUID } from "../../src/protocol/reader.ts";
import { AclOp, PatternType, Permission, ResourceType } from "../../src/security/acl.ts";
import { RawClient, requestFrame, startTestBroker, type TestBroker } from "../helpers/broker.ts";

let tb: TestBroker;
let c: RawClient;

const acl = (resourceType: number, resourceName: string, principal: string, operation: number, resourcePatternType: number = PatternType.LITERAL) => ({
  resourceType,
  resourceName,
  resourcePatternType,
  principal,
  host: "*",
  operation,
  permissionType: Permission.ALLOW,
});
const bit = (...ops: number[]) => ops.reduce((a, o) => a | (1 << o), 0);

beforeAll(async () => {
  tb = await startTestBroker({ authorizerEnabled: true, allowEveryoneIfNoAclFound: true, autoCreateTopicsEnable: true });
  c = await RawClient.connect(tb.port);
  const created = await c.call(CreateTopics, 5, { topics: ["open", "closed"].map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 5000, validateOnly: false });
  expect(created.topics.map((t: any) => t.errorCode)).toEqual([0, 0]);
  const r = await c.call(CreateAcls, 3, {
    creations: [
      // ANONYMOUS may administer, describe and alter the cluster, but not create topics on it.
      acl(ResourceType.CLUSTER, "kafka-cluster", "User:ANONYMOUS", AclOp.ALTER),
      acl(ResourceType.CLUSTER, "kafka-cluster", "User:ANONYMOUS", AclOp.DESCRIBE),
      acl(ResourceType.TOPIC, "closed", "User:alice", AclOp.ALL, PatternType.PREFIXED),
      acl(ResourceType.TOPIC, "closed-readable", "User:ANONYMOUS", AclOp.READ),
      acl(ResourceType.GROUP, "g-closed", "User:alice", AclOp.ALL),
    ],
  });
  expect(r.results.map((x: any) => x.errorCode)).toEqual([0, 0, 0, 0, 0]);
  // A group that exists (committed offsets), so DescribeGroups and ListGroups have something to show.
  for (const groupId of ["g-open"]) {
    const oc = await c.call(OffsetCommit, 8, { groupId, generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, topics: [{ name: "open", partitions: [{ partitionIndex: 0, committedOffset: 0n, committedMetadata: null }] }] });
    expect(oc.topics[0].partitions[0].errorCode).toBe(0);
  }
}, 30_000);
afterAll(async () => {
  c?.close();
  await tb?.stop();
});

describe("partly authorised requests", () => {
  test("Produce to an allowed and a refused topic: one served, one TOPIC_AUTHORIZATION_FAILED", async () => {
    const records = () => buildRecordBatch({ records: [{ value: new TextEncoder().encode("v") }] });
    const r = await c.call(Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: ["open", "closed"].map((name) => ({ name, partitionData: [{ index: 0, records: records() }] })) });
    const byName = Object.fromEntries(r.responses.map((t: any) => [t.name, t.partitionResponses[0].errorCode]));
    expect(byName).toEqual({ open: 0, closed: 29 });
  });

  test("Produce acks=0 to a refused topic: no answer, the connection is closed (as Kafka tells an acks=0 producer)", async () => {
    const raw = await RawClient.connect(tb.port);
    try {
      raw.write(requestFrame(Produce, 9, 7, { transactionalId: null, acks: 0, timeoutMs: 5000, topicData: [{ name: "closed", partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ value: new TextEncoder().encode("v") }] }) }] }] }));
      expect(await raw.waitClosed(10_000)).toBe(true);
      expect(raw.frames).toEqual([]);
    } finally {
      raw.close();
    }
  });

  test("Metadata: named topics refused or served; all topics leaves out the refused; auto-creation needs CREATE", async () => {
    const named = await c.call(Metadata, 12, {
      topics: ["open", "closed", "free-new", "closed-new"].map((name) => ({ name, topicId: ZERO_UUID })),
      allowAutoTopicCreation: true,
      includeTopicAuthorizedOperations: true,
    });
    const byName = Object.fromEntries(named.topics.map((t: any) => [t.name, t.errorCode]));
    // free-new has no ACL: CREATE on it is open (allow_everyone...); closed-new falls under alice's prefix.
    expect(byName).toEqual({ open: 0, closed: 29, "free-new": 0, "closed-new": 29 });
    expect(named.topics.find((t: any) => t.name === "open").topicAuthorizedOperations).toBe(bit(3, 4, 5, 6, 7, 8, 10, 11));

    const all = await c.call(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false });
    expect(all.topics.map((t: any) => t.name).sort()).toEqual(["__consumer_offsets", "free-new", "open"]);

    const readable = await c.call(CreateTopics, 5, { topics: [{ name: "closed-readable", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    expect(readable.topics[0].errorCode).toBe(29); // no CREATE on the cluster, alice's prefix covers it
  });

  test("authorized operations: every topic operation on an open topic; DescribeCluster's are ALTER and DESCRIBE", async () => {
    const md = await c.call(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: true });
    expect(md.topics.find((t: any) => t.name === "open").topicAuthorizedOperations).toBe(bit(3, 4, 5, 6, 7, 8, 10, 11));
    const dc = await c.call(DescribeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
    expect(dc.errorCode).toBe(0);
    expect(dc.clusterAuthorizedOperations).toBe(bit(AclOp.ALTER, AclOp.DESCRIBE));
  });

  test("DescribeConfigs: allowed and refused resources in one answer", async () => {
    const r = await c.call(DescribeConfigs, 4, {
      resources: ["open", "closed"].map((resourceName) => ({ resourceType: 2, resourceName, configurationKeys: ["retention.ms"] })),
      includeSynonyms: false,
      includeDocumentation: false,
    });
    const byName = Object.fromEntries(r.results.map((x: any) => [x.resourceName, x.errorCode]));
    expect(byName).toEqual({ open: 0, closed: 29 });
    expect(r.results.find((x: any) => x.resourceName === "open").configs.map((x: any) => x.name)).toEqual(["retention.ms"]);
  });

  test("groups: DescribeGroups per group with its operations, ListGroups filtered, OffsetFetch per group", async () => {
    const dg = await c.call(DescribeGroups, 5, { groups: ["g-open", "g-closed"], includeAuthorizedOperations: true });
    const byId = Object.fromEntries(dg.groups.map((g: any) => [g.groupId, g]));
    expect(byId["g-open"].errorCode).toBe(0);
    expect(byId["g-open"].authorizedOperations).toBe(bit(AclOp.READ, AclOp.DELETE, AclOp.DESCRIBE, AclOp.DESCRIBE_CONFIGS, AclOp.ALTER_CONFIGS));
    expect(byId["g-closed"].errorCode).toBe(30);
    // ANONYMOUS has DESCRIBE on the cluster: ListGroups lists everything.
    const lg = await c.call(ListGroups, 4, { statesFilter: [] });
    expect(lg.groups.map((g: any) => g.groupId)).toContain("g-open");
    const of = await c.call(OffsetFetch, 8, { groups: [{ groupId: "g-open", topics: [{ name: "open", partitionIndexes: [0] }, { name: "closed", partitionIndexes: [0] }] }, { groupId: "g-closed", topics: null }], requireStable: false });
    const groups = Object.fromEntries(of.groups.map((g: any) => [g.groupId, g]));
    expect(groups["g-closed"].errorCode).toBe(30);
    expect(groups["g-open"].errorCode).toBe(0);
    const topics = Object.fromEntries(groups["g-open"].topics.map((t: any) => [t.name, [t.partitions[0].errorCode, t.partitions[0].committedOffset]]));
    expect(topics).toEqual({ open: [0, 0n], closed: [29, -1n] });
  });
});

/**
 * ACLs in a 3-node cluster (node processes, src/cluster-launcher.ts): an ACL created through one
 * node (CreateAcls forwarded to the active controller, committed to the Raft metadata log) is
 * listed by every node and enforced by every node; deleted through another node, it stops being
 * enforced everywhere. The nodes run with allow_everyone_if_no_acl_found so that replication
 * (followers' Fetch with CLUSTER_ACTION) and administration as User:ANONYMOUS stay open while the
 * cluster resource has no ACL.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { LocalCluster } from "../../src/cluster-launcher.ts";
import { CreateAcls } from "../../src/protocol/messages/create-acls.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { DeleteAcls } from "../../src/protocol/messages/delete-acls.ts";
import { DescribeAcls } from "../../src/protocol/messages/describe-acls.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { AclOp, PatternType, Permission, ResourceType } from "../../src/security/acl.ts";
import { RawClient } from "../helpers/broker.ts";
import { startTestCluster, waitFor } from "../cluster/quorum-cluster.ts";

let cluster: LocalCluster;
beforeAll(async () => {
  cluster = await startTestCluster(3, { env: { TAKHIN_AUTHORIZER_ENABLED: "true", TAKHIN_ALLOW_EVERYONE_IF_NO_ACL_FOUND: "true" } });
}, 120_000);
afterAll(async () => {
  await cluster?.stop(10_000);
}, 30_000);

async function call(port: number, api: any, version: number, body: unknown): Promise<any> {
  const c = await RawClient.connect(port);
  try {
    return await c.call(api, version, body);
  } finally {
    c.close();
  }
}

const ANY_FILTER = { resourceTypeFilter: ResourceType.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY, principalFilter: null, hostFilter: null, operation: AclOp.ANY, permissionType: Permission.ANY };
const DENY_WRITE = { resourceType: ResourceType.TOPIC, resourceName: "guarded", resourcePatternType: PatternType.LITERAL, principal: "User:ANONYMOUS", host: "*", operation: AclOp.WRITE, permissionType: Permission.DENY };

const produce = (port: number) =>
  call(port, Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: "guarded", partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ value: new TextEncoder().encode("x") }] }) }] }] }).then(
    (r) => r.responses[0].partitionResponses[0].errorCode as number,
  );

describe("ACLs in a 3-node cluster", () => {
  test(
    "created on one node, listed and enforced on all; deleted on another, lifted on all",
    async () => {
      const ports = cluster.nodes.map((n) => n.kafkaPort);
      const created = await waitFor("topic created", async () => {
        const r = await call(ports[0]!, CreateTopics, 5, { topics: [{ name: "guarded", numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
        return r.topics[0].errorCode === 0 || r.topics[0].errorCode === 36 ? r : undefined;
      });
      expect([0, 36]).toContain(created.topics[0].errorCode);
      const md = await waitFor("a leader for guarded-0", async () => {
        const r = await call(ports[0]!, Metadata, 12, { topics: [{ name: "guarded", topicId: "AAAAAAAAAAAAAAAAAAAAAA" }], allowAutoTopicCreation: false });
        const p = r.topics[0]?.partitions[0];
        return p && p.leaderId >= 0 && p.isrNodes.length === 3 ? r : undefined;
      });
      const leader: number = md.topics[0].partitions[0].leaderId;
      const controller: number = md.controllerId;
      const leaderPort = cluster.nodes.find((n) => n.id === leader)!.kafkaPort;
      expect(await waitFor("an acks=all produce", async () => ((await produce(leaderPort)) === 0 ? 0 : undefined))).toBe(0);

      // Through a node that is not the active controller: forwarded.
      const via = cluster.nodes.find((n) => n.id !== controller)!;
      const cr = await call(via.kafkaPort, CreateAcls, 3, { creations: [DENY_WRITE] });
      expect(cr.results).toEqual([{ errorCode: 0, errorMessage: null }]);
      for (const port of ports) {
        await waitFor(`node on ${port} lists the ACL`, async () => {
          const d = await call(port, DescribeAcls, 3, ANY_FILTER);
          return d.resources.length === 1 && d.resources[0].resourceName === "guarded" ? true : undefined;
        });
        // Every node refuses, the leader and the followers alike (authorisation comes before leadership).
        expect(await produce(port)).toBe(29);
      }

      const other = cluster.nodes.find((n) => n.id !== via.id)!;
      const del = await call(other.kafkaPort, DeleteAcls, 3, { filters: [{ ...ANY_FILTER, resourceNameFilter: "guarded" }] });
      expect(del.filterResults[0].matchingAcls.map((m: any) => m.principal)).toEqual(["User:ANONYMOUS"]);
      for (const port of ports) {
        await waitFor(`node on ${port} lists no ACL`, async () => ((await call(port, DescribeAcls, 3, ANY_FILTER)).resources.length === 0 ? true : undefined));
      }
      expect(await produce(leaderPort)).toBe(0);
    },
    180_000,
  );
});

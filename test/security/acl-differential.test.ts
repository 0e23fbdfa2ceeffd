/**
 * The authorisation errors side by side with Apache Kafka 4.4 (peer/kafka, StandardAuthorizer):
 * both brokers get the same ACLs — User:alice owns topic "t", group "g" and transactional id
 * "tx", nothing is set on the cluster, allow.everyone.if.no.acl.found is on — and every request of
 * acl-cases.ts is sent to both as User:ANONYMOUS (the APIs both serve at the case's version). For
 * each, the authorisation errors (TOPIC_ / GROUP_ / CLUSTER_ / TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
 * anywhere in the answer must be the same on both, field by field. Then, with READ on "t" and
 * DESCRIBE on "g" granted and host-bound DENYs, the authorized-operations fields of Metadata,
 * DescribeGroups and DescribeCluster and the host matching are compared.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startKafkaPeer, type KafkaPeer } from "../../peer/kafka/launcher.ts";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { CreateAcls } from "../../src/protocol/messages/create-acls.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { DescribeCluster } from "../../src/protocol/messages/describe-cluster.ts";
import { DescribeGroups } from "../../src/protocol/messages/describe-groups.ts";
import { FindCoordinator } from "../../src/protocol/messages/find-coordinator.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { ZERO_UUID } from "../../src/protocol/reader.ts";
import { AclOp, PatternType, Permission, ResourceType } from "../../src/security/acl.ts";
import { RawClient, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { requireJava } from "../java/java.ts";
import { AUTH_ERRORS, CASES } from "./acl-cases.ts";

let peer: KafkaPeer | undefined;
let tb: TestBroker | undefined;
const ports: { kafka: number; takhin: number } = { kafka: 0, takhin: 0 };

beforeAll(async () => {
  requireJava();
  [peer, tb] = await Promise.all([
    startKafkaPeer({
      dataDir: tempDir("takhin-kafka-acl-"),
      overrides: { "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer", "allow.everyone.if.no.acl.found": "true", "auto.create.topics.enable": "false" },
    }),
    startTestBroker({ authorizerEnabled: true, allowEveryoneIfNoAclFound: true, autoCreateTopicsEnable: false }),
  ]);
  ports.kafka = Number(peer.bootstrap.split(":")[1]);
  ports.takhin = tb.port;
}, 180_000);
afterAll(async () => {
  await Promise.all([peer?.stop(), tb?.stop()]);
}, 60_000);

/** "path=code" for every authorisation error in a response, sorted. */
function authErrors(v: unknown, path = "", out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => authErrors(x, `${path}[]`, out));
  else if (v && typeof v === "object" && !(v instanceof Uint8Array)) {
    for (const [k, x] of Object.entries(v)) {
      if ((k === "errorCode" || k === "partitionErrorCode") && typeof x === "number") {
        if (AUTH_ERRORS.has(x)) out.push(`${path}.${k}=${x}`);
      } else authErrors(x, `${path}.${k}`, out);
    }
  }
  return out.sort();
}

async function setUp(port: number): Promise<{ c: RawClient; served: Map<number, [number, number]> }> {
  const c = await RawClient.connect(port);
  const av = await c.call(ApiVersions, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
  const created = await c.call(CreateTopics, 5, { topics: [{ name: "t", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
  expect(created.topics[0].errorCode).toBe(0);
  const acls = await c.call(CreateAcls, 3, {
    creations: [
      [ResourceType.TOPIC, "t"],
      [ResourceType.GROUP, "g"],
      [ResourceType.TRANSACTIONAL_ID, "tx"],
    ].map(([resourceType, resourceName]) => ({ resourceType, resourceName, resourcePatternType: PatternType.LITERAL, principal: "User:alice", host: "*", operation: AclOp.ALL, permissionType: Permission.ALLOW })),
  });
  expect(acls.results.map((r: any) => r.errorCode)).toEqual([0, 0, 0]);
  return { c, served: new Map(av.apiKeys.map((k: any) => [k.apiKey, [k.minVersion, k.maxVersion]])) };
}

describe("authorisation errors against Apache Kafka 4.4", () => {
  test(
    "every case answers the same authorisation errors in the same fields",
    async () => {
      const [k, t] = await Promise.all([setUp(ports.kafka), setUp(ports.takhin)]);
      // Kafka's ACL changes reach its authoriser through its metadata log: wait until it refuses.
      for (let i = 0; i < 100; i++) {
        const r = await k.c.call(CASES[3]!.api, CASES[3]!.version, CASES[3]!.body());
        if (authErrors(r).length > 0) break;
        await Bun.sleep(100);
      }
      const differences: string[] = [];
      let compared = 0;
      for (const [key, kase] of Object.entries(CASES)) {
        const apiKey = Number(key);
        const kr = k.served.get(apiKey);
        if (!kr || kase.version < kr[0] || kase.version > kr[1] || !t.served.has(apiKey)) continue;
        // Requests that change state run last on both sides in the same order; both start alike.
        const [kres, tres] = [await k.c.call(kase.api, kase.version, kase.body(), apiKey + 1), await t.c.call(kase.api, kase.version, kase.body(), apiKey + 1)];
        compared++;
        const [ke, te] = [authErrors(kres), authErrors(tres)];
        if (JSON.stringify(ke) !== JSON.stringify(te)) differences.push(`${kase.api.name} v${kase.version}: Kafka ${JSON.stringify(ke)} Takhin ${JSON.stringify(te)}`);
      }
      expect(compared).toBeGreaterThan(30);
      expect(differences).toEqual([]);

      // Authorized operations (KIP-430) and host-bound ACLs: ANONYMOUS may READ "t" and DESCRIBE
      // "g"; a DENY of DESCRIBE on "u" binds only 127.0.0.1 (the client's address), one on "w" another host.
      const views: unknown[][] = [];
      for (const side of [k, t]) {
        const grant = await side.c.call(CreateAcls, 3, {
          creations: [
            { resourceType: ResourceType.TOPIC, resourceName: "t", principal: "User:ANONYMOUS", host: "*", operation: AclOp.READ, permissionType: Permission.ALLOW },
            { resourceType: ResourceType.GROUP, resourceName: "g", principal: "User:ANONYMOUS", host: "*", operation: AclOp.DESCRIBE, permissionType: Permission.ALLOW },
            { resourceType: ResourceType.TOPIC, resourceName: "u", principal: "User:ANONYMOUS", host: "127.0.0.1", operation: AclOp.DESCRIBE, permissionType: Permission.DENY },
            { resourceType: ResourceType.TOPIC, resourceName: "w", principal: "User:ANONYMOUS", host: "10.9.9.9", operation: AclOp.DESCRIBE, permissionType: Permission.DENY },
            { resourceType: ResourceType.TOPIC, resourceName: "u", principal: "User:ANONYMOUS", host: "*", operation: AclOp.DESCRIBE, permissionType: Permission.ALLOW },
            { resourceType: ResourceType.TOPIC, resourceName: "w", principal: "User:ANONYMOUS", host: "*", operation: AclOp.DESCRIBE, permissionType: Permission.ALLOW },
          ].map((x) => ({ ...x, resourcePatternType: PatternType.LITERAL })),
        });
        expect(grant.results.map((r: any) => r.errorCode)).toEqual([0, 0, 0, 0, 0, 0]);
        await side.c.call(CreateTopics, 5, { topics: ["u", "w"].map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 10_000, validateOnly: false });
      }
      for (const side of [k, t]) {
        const view = async () => {
          const md = await side.c.call(Metadata, 10, { topics: ["t", "u", "w"].map((name) => ({ name, topicId: ZERO_UUID })), allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true });
          const dg = await side.c.call(DescribeGroups, 5, { groups: ["g"], includeAuthorizedOperations: true });
          const dc = await side.c.call(DescribeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
          return [
            md.topics.map((x: any) => [x.name, x.errorCode, x.errorCode === 0 ? x.topicAuthorizedOperations : null]).sort(),
            md.clusterAuthorizedOperations,
            dg.groups.map((g: any) => [g.groupId, g.errorCode, g.authorizedOperations]),
            dc.clusterAuthorizedOperations,
          ];
        };
        // Kafka applies ACL records asynchronously and creates __consumer_offsets at the first
        // FindCoordinator: take its view once it sees the grant on "t" and its coordinator answers.
        await side.c.call(FindCoordinator, 4, { keyType: 0, coordinatorKeys: ["g"] });
        const settled = (x: unknown[]) => !JSON.stringify(x[0]).includes('"t",29') && ![14, 15, 16].includes((x[2] as any)[0][1]);
        let v = await view();
        for (let i = 0; i < 150 && !settled(v); i++) {
          await Bun.sleep(100);
          v = await view();
        }
        views.push(v);
      }
      expect(views[1]).toEqual(views[0]!);
      // The DENY bound to the client's address applies; the one bound to another host does not.
      expect((views[1]![0] as any[]).map((x) => [x[0], x[1]])).toEqual([
        ["t", 0],
        ["u", 29],
        ["w", 0],
      ]);

      // CreateTopics with CREATE but not DESCRIBE_CONFIGS on the new topic: its configs are withheld.
      const created: unknown[] = [];
      for (const side of [k, t]) {
        const g = await side.c.call(CreateAcls, 3, {
          creations: [{ resourceType: ResourceType.TOPIC, resourceName: "cfg", resourcePatternType: PatternType.LITERAL, principal: "User:ANONYMOUS", host: "*", operation: AclOp.CREATE, permissionType: Permission.ALLOW }],
        });
        expect(g.results[0].errorCode).toBe(0);
      }
      await Bun.sleep(1000); // Kafka's authoriser applies the record asynchronously
      for (const side of [k, t]) {
        const r = await side.c.call(CreateTopics, 5, { topics: [{ name: "cfg", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
        const x = r.topics[0];
        created.push([x.name, x.errorCode, x.topicConfigErrorCode, x.numPartitions, x.replicationFactor, x.configs]);
      }
      expect(created[1]).toEqual(created[0]);
      k.c.close();
      t.c.close();
    },
    120_000,
  );
});

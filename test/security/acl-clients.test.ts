/**
 * ACLs through a real client library (kafkajs 2.2.4): the admin client creates, describes and
 * deletes ACLs; a producer is refused with TOPIC_AUTHORIZATION_FAILED and a consumer with
 * GROUP_AUTHORIZATION_FAILED until the ACLs they need are added, then both work.
 *
 * Every client here is User:ANONYMOUS (PLAINTEXT). The broker runs with
 * allow_everyone_if_no_acl_found: true so ANONYMOUS can administer ACLs while the cluster resource
 * has none; it keeps that right with an explicit ALLOW ALL on the cluster, and the topic and group
 * under test are governed by ACLs of another principal, so ANONYMOUS is refused on them.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } from "kafkajs";
import { startTestBroker, type TestBroker } from "../helpers/broker.ts";

let tb: TestBroker;
let kafka: Kafka;

beforeAll(async () => {
  tb = await startTestBroker({ authorizerEnabled: true, allowEveryoneIfNoAclFound: true, groupInitialRebalanceDelayMs: 0 } as any);
  kafka = new Kafka({ clientId: "acl-test", brokers: [tb.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50 } });
});
afterAll(async () => {
  await tb?.stop();
});

const acl = (resourceType: number, resourceName: string, principal: string, operation: number, permissionType = AclPermissionTypes.ALLOW, resourcePatternType = ResourcePatternTypes.LITERAL) => ({
  resourceType,
  resourceName,
  resourcePatternType,
  principal,
  host: "*",
  operation,
  permissionType,
});

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "none";
  } catch (e: any) {
    return String(e?.type ?? e?.originalError?.type ?? e?.cause?.type ?? e?.message);
  }
}

describe("ACLs with kafkajs", () => {
  test("admin createAcls / describeAcls / deleteAcls; producer and consumer refused, then allowed", async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createAcls({
        acl: [
          acl(AclResourceTypes.CLUSTER, "kafka-cluster", "User:ANONYMOUS", AclOperationTypes.ALL),
          acl(AclResourceTypes.TOPIC, "secured", "User:alice", AclOperationTypes.ALL),
          // DESCRIBE only: Metadata answers, Produce and Fetch are refused.
          acl(AclResourceTypes.TOPIC, "secured", "User:ANONYMOUS", AclOperationTypes.DESCRIBE),
          acl(AclResourceTypes.GROUP, "secured-", "User:alice", AclOperationTypes.ALL, AclPermissionTypes.ALLOW, ResourcePatternTypes.PREFIXED),
          acl(AclResourceTypes.TOPIC, "scratch", "User:bob", AclOperationTypes.READ, AclPermissionTypes.DENY),
        ],
      });
      const described = await admin.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      expect(described.resources.map((r: any) => `${r.resourceType}:${r.resourceName}`).sort()).toEqual(["2:scratch", "2:secured", "3:secured-", "4:kafka-cluster"]);
      const deleted = await admin.deleteAcls({
        filters: [{ resourceType: AclResourceTypes.TOPIC, resourceName: "scratch", resourcePatternType: ResourcePatternTypes.LITERAL, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }],
      });
      expect(deleted.filterResponses[0]!.matchingAcls.map((m: any) => m.principal)).toEqual(["User:bob"]);
      // The cluster ACL lets ANONYMOUS create topics.
      await admin.createTopics({ topics: [{ topic: "secured", numPartitions: 1 }] });

      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      expect(await errorOf(producer.send({ topic: "secured", messages: [{ value: "refused" }] }))).toContain("TOPIC_AUTHORIZATION_FAILED");
      await admin.createAcls({ acl: [acl(AclResourceTypes.TOPIC, "secured", "User:ANONYMOUS", AclOperationTypes.WRITE)] });
      await producer.send({ topic: "secured", messages: [{ value: "allowed" }] });
      await producer.disconnect();

      // READ on the topic, but no ACL of ANONYMOUS on the group yet.
      await admin.createAcls({ acl: [acl(AclResourceTypes.TOPIC, "secured", "User:ANONYMOUS", AclOperationTypes.READ)] });
      // kafkajs reports a failed FindCoordinator as "Failed to find group coordinator"; the
      // broker's error is in its debug log, which this client collects.
      const seen: string[] = [];
      const logged = new Kafka({
        clientId: "acl-test-refused",
        brokers: [tb.bootstrap],
        logLevel: logLevel.DEBUG,
        logCreator: () => (entry: any) => seen.push(JSON.stringify(entry.log)),
        retry: { retries: 0 },
      });
      const refused = logged.consumer({ groupId: "secured-readers", retry: { retries: 0 } });
      await refused.connect();
      await refused.subscribe({ topic: "secured", fromBeginning: true });
      const crashed = waitCrash(refused);
      await refused.run({ eachMessage: async () => {} });
      expect(await errorOf(crashed)).toContain("group coordinator");
      expect(seen.some((l) => l.includes("Not authorized to access group"))).toBe(true);
      await refused.disconnect().catch(() => {});

      await admin.createAcls({ acl: [acl(AclResourceTypes.GROUP, "secured-", "User:ANONYMOUS", AclOperationTypes.READ, AclPermissionTypes.ALLOW, ResourcePatternTypes.PREFIXED)] });
      const consumer = kafka.consumer({ groupId: "secured-readers" });
      await consumer.connect();
      await consumer.subscribe({ topic: "secured", fromBeginning: true });
      const got = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no message within 30 s")), 30_000);
        consumer.run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve(String(message.value));
          },
        });
      });
      expect(got).toBe("allowed");
      await consumer.disconnect();
    } finally {
      await admin.disconnect();
    }
  }, 90_000);
});

/** Resolves with the consumer's crash (kafkajs reports group errors through the CRASH event). */
function waitCrash(consumer: ReturnType<Kafka["consumer"]>): Promise<never> {
  return new Promise((_resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("consumer did not fail within 30 s")), 30_000);
    consumer.on(consumer.events.CRASH, (e: any) => {
      clearTimeout(timer);
      reject(e.payload.error);
    });
  });
}

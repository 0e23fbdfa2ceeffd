/**
 * ACLs for authenticated principals: kafkajs 2.2.4 logs in over SASL_PLAINTEXT with PLAIN as three
 * users. User:admin is a super user and sets up a topic and the ACLs; User:alice may write the
 * topic, User:bob may read it (and use groups starting "bob-"); allow_everyone_if_no_acl_found is
 * off. alice's records arrive, bob's produce is refused with TOPIC_AUTHORIZATION_FAILED, bob
 * consumes alice's record, alice may not list ACLs (CLUSTER_AUTHORIZATION_FAILED), and the ACLs
 * name the principals exactly as authentication set them.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } from "kafkajs";
import { startTestBroker, type TestBroker } from "../helpers/broker.ts";

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret" user_alice="alice-secret" user_bob="bob-secret";';

let tb: TestBroker;
let bootstrap = "";
beforeAll(async () => {
  tb = await startTestBroker({
    listeners: "SASL_PLAINTEXT://127.0.0.1:0",
    saslEnabledMechanisms: "PLAIN",
    plainSaslJaasConfig: JAAS,
    authorizerEnabled: true,
    superUsers: "User:admin",
    allowEveryoneIfNoAclFound: false,
    groupInitialRebalanceDelayMs: 0,
  } as any);
  const l = tb.broker.context.listeners.find((x) => x.name === "SASL_PLAINTEXT")!;
  bootstrap = `127.0.0.1:${l.advertisedPort}`;
}, 30_000);
afterAll(async () => {
  await tb?.stop();
});

const as = (user: string) =>
  new Kafka({ clientId: `acl-sasl-${user}`, brokers: [bootstrap], sasl: { mechanism: "plain", username: user, password: `${user}-secret` }, logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50 } });

const allow = (resourceType: number, resourceName: string, principal: string, operation: number, resourcePatternType: number = ResourcePatternTypes.LITERAL) => ({
  resourceType,
  resourceName,
  resourcePatternType,
  principal,
  host: "*",
  operation,
  permissionType: AclPermissionTypes.ALLOW,
});

async function errorType(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "none";
  } catch (e: any) {
    return String(e?.type ?? e?.originalError?.type ?? e?.message);
  }
}

describe("ACLs with SASL PLAIN principals", () => {
  test("a super user grants, alice writes, bob reads, each refused what they were not granted", async () => {
    const admin = as("admin").admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "orders", numPartitions: 1 }] });
    await admin.createAcls({
      acl: [
        allow(AclResourceTypes.TOPIC, "orders", "User:alice", AclOperationTypes.WRITE),
        allow(AclResourceTypes.TOPIC, "orders", "User:bob", AclOperationTypes.READ),
        allow(AclResourceTypes.GROUP, "bob-", "User:bob", AclOperationTypes.READ, ResourcePatternTypes.PREFIXED),
      ],
    });
    const listed = await admin.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
    expect(listed.resources.flatMap((r: any) => r.acls.map((a: any) => `${r.resourceName} ${a.principal}`)).sort()).toEqual(["bob- User:bob", "orders User:alice", "orders User:bob"]);
    await admin.disconnect();

    const alice = as("alice");
    const ap = alice.producer({ allowAutoTopicCreation: false });
    await ap.connect();
    await ap.send({ topic: "orders", messages: [{ value: "from alice" }] });
    await ap.disconnect();
    const aliceAdmin = alice.admin();
    await aliceAdmin.connect();
    expect(await errorType(aliceAdmin.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }))).toBe(
      "CLUSTER_AUTHORIZATION_FAILED",
    );
    await aliceAdmin.disconnect();

    const bob = as("bob");
    const bp = bob.producer({ allowAutoTopicCreation: false });
    await bp.connect();
    expect(await errorType(bp.send({ topic: "orders", messages: [{ value: "from bob" }] }))).toContain("TOPIC_AUTHORIZATION_FAILED");
    await bp.disconnect();
    const consumer = bob.consumer({ groupId: "bob-readers" });
    await consumer.connect();
    await consumer.subscribe({ topic: "orders", fromBeginning: true });
    const got = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("bob read nothing within 30 s")), 30_000);
      consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve(String(message.value));
        },
      });
    });
    expect(got).toBe("from alice");
    await consumer.disconnect();
  }, 90_000);
});

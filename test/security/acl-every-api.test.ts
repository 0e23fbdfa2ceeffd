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
import { ZERO_UUID } from "../../src/protocol/reader.ts";
import { TOPIC_OPERATIONS } from "../../src/server/authorized-operations.ts";
import * as M from "./acl-api-defs.ts";
import { AUTH_ERRORS, batch, CASES, TXN_AUTH } from "./acl-cases.ts";
import { AclOp, PatternType, Permission, ResourceType } from "../../src/security/acl.ts";
import { RawClient, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";

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

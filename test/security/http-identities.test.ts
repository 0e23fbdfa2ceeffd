/**
 * Identities and ACLs on the HTTP surfaces (src/security/http-auth.ts): the Admin API, the HTTP
 * Proxy and the Schema Registry of one broker with http_authentication_method BASIC,BEARER and
 * the authorizer on (allow_everyone_if_no_acl_found off). HTTP Basic against a PLAIN user (admin,
 * a super user) and a SCRAM user created through the Admin API itself (bob); Bearer JWTs signed
 * by a key of the JWKS the OAUTHBEARER settings name (carol); ACLs created over the Kafka protocol.
 * Each surface: 401 without or with wrong credentials (its own error body and a challenge), 403
 * without the ACL, success with it, lists filtered. @kafkajs/confluent-schema-registry (a real
 * registry client) registers with Basic credentials and is refused without them.
 */
import { SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_API_SERVICE, type AdminApiService } from "../../src/admin/admin-api.ts";
import { HTTP_PROXY_SERVICE, type HttpProxyService } from "../../src/http-proxy/service.ts";
import { CreateAcls } from "../../src/protocol/messages/create-acls.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { SCHEMA_REGISTRY_SERVICE, type SchemaRegistryService } from "../../src/schema-registry/service.ts";
import { AclOp, PatternType, Permission, ResourceType } from "../../src/security/acl.ts";
import { RawClient, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { makeKey, nowSeconds, signedJwt, unsecuredJwt, writeJwks } from "./tokens.ts";

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret";';
const key = makeKey("http-key", "RS256");
let dir = "";
let tb: TestBroker;
let kafka: RawClient;
let adminUrl = "";
let proxyUrl = "";
let registryUrl = "";

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const ADMIN = basic("admin", "admin-secret");
const BOB = basic("bob", "bob-secret");
const carolToken = () => signedJwt(key, { sub: "carol", iat: nowSeconds(), exp: nowSeconds() + 600 });

async function grant(principal: string, resourceType: number, resourceName: string, operation: number): Promise<void> {
  const r = await kafka.call(CreateAcls, 3, {
    creations: [{ resourceType, resourceName, resourcePatternType: PatternType.LITERAL, principal, host: "*", operation, permissionType: Permission.ALLOW }],
  });
  expect(r.results.map((x: any) => x.errorCode)).toEqual([0]);
}

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; body: any; challenge: string | null }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, challenge: res.headers.get("www-authenticate") };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "takhin-http-identities-"));
  tb = await startTestBroker({
    httpAuthenticationMethod: "BASIC,BEARER",
    plainSaslJaasConfig: JAAS,
    saslOauthbearerJwksEndpointUrl: `file://${writeJwks(dir, [key])}`,
    authorizerEnabled: true,
    // The test's own Kafka connection (PLAINTEXT, ANONYMOUS) administers the ACLs.
    superUsers: "User:admin;User:ANONYMOUS",
    allowEveryoneIfNoAclFound: false,
    schemaRegistryPort: 0,
    httpProxyPort: 0,
  } as any);
  adminUrl = `http://127.0.0.1:${tb.broker.services.get<AdminApiService>(ADMIN_API_SERVICE)!.port}`;
  proxyUrl = `http://127.0.0.1:${tb.broker.services.get<HttpProxyService>(HTTP_PROXY_SERVICE)!.port}`;
  registryUrl = `http://127.0.0.1:${tb.broker.services.get<SchemaRegistryService>(SCHEMA_REGISTRY_SERVICE)!.port}`;
  kafka = await RawClient.connect(tb.port);
  const created = await kafka.call(CreateTopics, 5, { topics: ["orders", "secret"].map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 5000, validateOnly: false });
  expect(created.topics.map((t: any) => t.errorCode)).toEqual([0, 0]);
}, 60_000);

afterAll(async () => {
  kafka?.close();
  await tb?.stop();
  if (tb) rmSync(tb.dataDir, { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("Admin API", () => {
  test("no or wrong credentials: 401 with a challenge; probes stay open", async () => {
    const none = await call(`${adminUrl}/v1/brokers`);
    expect(none).toMatchObject({ status: 401, body: { code: "unauthenticated" } });
    expect(none.challenge).toContain("Basic");
    expect(none.challenge).toContain("Bearer");
    expect((await call(`${adminUrl}/v1/brokers`, { headers: basic("admin", "wrong") })).status).toBe(401);
    expect((await call(`${adminUrl}/v1/brokers`, { headers: { authorization: "Basic !!!" } })).status).toBe(401);
    // Over the header bound: refused (Bun's server may refuse the oversized header first, 431).
    expect([401, 431]).toContain((await call(`${adminUrl}/v1/brokers`, { headers: { authorization: `Basic ${"A".repeat(20_000)}` } })).status);
    expect((await call(`${adminUrl}/v1/brokers`, { headers: { authorization: "Digest x" } })).status).toBe(401);
    expect((await call(`${adminUrl}/health/live`)).status).toBe(200);
  });

  test("a super user (PLAIN) creates a SCRAM user, who then needs ACLs", async () => {
    expect((await call(`${adminUrl}/v1/brokers`, { headers: ADMIN })).status).toBe(200);
    const created = await call(`${adminUrl}/v1/security/users`, {
      method: "POST",
      headers: { ...ADMIN, "content-type": "application/json" },
      body: JSON.stringify({ username: "bob", password: "bob-secret", algorithm: "SCRAM-SHA-256" }),
    });
    expect(created.status).toBe(200);
    const refused = await call(`${adminUrl}/v1/brokers`, { headers: BOB });
    expect(refused).toMatchObject({ status: 403, body: { code: "forbidden", message: "User:bob is not authorized to DESCRIBE on Cluster:kafka-cluster" } });
    expect((await call(`${adminUrl}/v1/brokers`, { headers: basic("bob", "not-bob") })).status).toBe(401);
    await grant("User:bob", ResourceType.CLUSTER, "kafka-cluster", AclOp.DESCRIBE);
    expect((await call(`${adminUrl}/v1/brokers`, { headers: BOB })).status).toBe(200);
    // Reading is not changing.
    const put = await call(`${adminUrl}/v1/cluster_config`, { method: "PUT", headers: { ...BOB, "content-type": "application/json" }, body: JSON.stringify({ upsert: { "log.retention.ms": "1000000" } }) });
    expect(put.status).toBe(403);
  });

  test("bearer tokens: a valid JWT authenticates; an unsecured, expired or foreign one does not", async () => {
    expect((await call(`${adminUrl}/v1/brokers`, { headers: bearer(carolToken()) })).status).toBe(403); // authenticated, no ACL
    await grant("User:carol", ResourceType.CLUSTER, "kafka-cluster", AclOp.DESCRIBE);
    expect((await call(`${adminUrl}/v1/brokers`, { headers: bearer(carolToken()) })).status).toBe(200);
    expect((await call(`${adminUrl}/v1/brokers`, { headers: bearer(unsecuredJwt({ sub: "admin", exp: nowSeconds() + 600 })) })).status).toBe(401);
    expect((await call(`${adminUrl}/v1/brokers`, { headers: bearer(signedJwt(key, { sub: "carol", exp: nowSeconds() - 3600 })) })).status).toBe(401);
    expect((await call(`${adminUrl}/v1/brokers`, { headers: bearer(signedJwt(makeKey("http-key", "RS256"), { sub: "admin", exp: nowSeconds() + 600 })) })).status).toBe(401);
  });
});

describe("HTTP Proxy", () => {
  const produce = (topic: string, headers: Record<string, string>) =>
    call(`${proxyUrl}/topics/${topic}`, { method: "POST", headers: { ...headers, "content-type": "application/vnd.kafka.json.v2+json" }, body: JSON.stringify({ records: [{ value: { n: 1 } }] }) });

  test("401 in Confluent's shape without credentials", async () => {
    expect(await produce("orders", {})).toMatchObject({ status: 401, body: { error_code: 40101 } });
  });

  test("produce needs WRITE on the topic; lists show what the principal may DESCRIBE", async () => {
    expect(await produce("orders", BOB)).toMatchObject({ status: 403, body: { error_code: 40301 } });
    await grant("User:bob", ResourceType.TOPIC, "orders", AclOp.WRITE);
    const ok = await produce("orders", BOB);
    expect(ok.status).toBe(200);
    expect(ok.body.offsets[0]).toMatchObject({ partition: 0, offset: 0 });
    expect((await produce("secret", BOB)).status).toBe(403);
    await grant("User:bob", ResourceType.TOPIC, "orders", AclOp.DESCRIBE);
    expect((await call(`${proxyUrl}/topics`, { headers: BOB })).body).toEqual(["orders"]);
    expect([...(await call(`${proxyUrl}/topics`, { headers: ADMIN })).body].sort()).toEqual(["orders", "secret"]);
    expect((await call(`${proxyUrl}/topics/secret`, { headers: BOB })).status).toBe(403);
  });

  test("a consumer needs READ on its group and on the topics it subscribes to", async () => {
    const create = (headers: Record<string, string>) =>
      call(`${proxyUrl}/consumers/bobs`, { method: "POST", headers: { ...headers, "content-type": "application/vnd.kafka.v2+json" }, body: JSON.stringify({ name: "c1", format: "json" }) });
    expect((await create(BOB)).status).toBe(403);
    await grant("User:bob", ResourceType.GROUP, "bobs", AclOp.READ);
    expect((await create(BOB)).status).toBe(200);
    const subscribe = (topics: string[]) =>
      call(`${proxyUrl}/consumers/bobs/instances/c1/subscription`, { method: "POST", headers: { ...BOB, "content-type": "application/vnd.kafka.v2+json" }, body: JSON.stringify({ topics }) });
    expect(await subscribe(["orders"])).toMatchObject({ status: 403, body: { error_code: 40301 } });
    await grant("User:bob", ResourceType.TOPIC, "orders", AclOp.READ);
    expect((await subscribe(["orders"])).status).toBe(204);
    expect((await call(`${proxyUrl}/consumers/bobs/instances/c1`, { method: "DELETE", headers: { ...BOB, "content-type": "application/vnd.kafka.v2+json" } })).status).toBe(204);
  });
});

describe("Schema Registry", () => {
  const schema = JSON.stringify({ type: "record", name: "Order", fields: [{ name: "id", type: "long" }] });

  test("401 in Confluent's shape; registering needs WRITE on the subject's topic; lists are filtered", async () => {
    expect(await call(`${registryUrl}/subjects`)).toMatchObject({ status: 401, body: { error_code: 401 } });
    const register = (subject: string, headers: Record<string, string>) =>
      call(`${registryUrl}/subjects/${subject}/versions`, { method: "POST", headers: { ...headers, "content-type": "application/vnd.schemaregistry.v1+json" }, body: JSON.stringify({ schema }) });
    // bob may WRITE and DESCRIBE orders (granted above), nothing on secret.
    expect((await register("orders-value", BOB)).status).toBe(200);
    expect(await register("secret-value", BOB)).toMatchObject({ status: 403, body: { error_code: 40301 } });
    expect((await register("secret-value", ADMIN)).status).toBe(200);
    expect((await call(`${registryUrl}/subjects`, { headers: BOB })).body).toEqual(["orders-value"]);
    expect([...(await call(`${registryUrl}/subjects`, { headers: ADMIN })).body].sort()).toEqual(["orders-value", "secret-value"]);
    expect((await call(`${registryUrl}/subjects/secret-value/versions/latest`, { headers: BOB })).status).toBe(403);
    expect((await call(`${registryUrl}/config`, { method: "PUT", headers: { ...BOB, "content-type": "application/json" }, body: JSON.stringify({ compatibility: "NONE" }) })).status).toBe(403);
  });

  test("@kafkajs/confluent-schema-registry with Basic credentials", async () => {
    const withAuth = new SchemaRegistry({ host: registryUrl, auth: { username: "bob", password: "bob-secret" } });
    // This client sets the subject's compatibility when it registers (PUT /config/orders-value).
    await expect(withAuth.register({ type: SchemaType.AVRO, schema }, { subject: "orders-value" })).rejects.toThrow(/ALTER_CONFIGS on Topic:orders/);
    await grant("User:bob", ResourceType.TOPIC, "orders", AclOp.ALTER_CONFIGS);
    const { id } = await withAuth.register({ type: SchemaType.AVRO, schema }, { subject: "orders-value" });
    expect(id).toBeGreaterThan(0);
    const bytes = await withAuth.encode(id, { id: 42 });
    expect(await withAuth.decode(bytes)).toEqual({ id: 42 });
    const without = new SchemaRegistry({ host: registryUrl });
    await expect(without.register({ type: SchemaType.AVRO, schema }, { subject: "orders-value" })).rejects.toThrow(/401|Unauthorized|Authentication/i);
  });
});

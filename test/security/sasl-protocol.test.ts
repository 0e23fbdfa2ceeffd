/**
 * The SASL state machine over real sockets with a raw Kafka client (test/helpers/raw-client.ts):
 * what Kafka's SaslServerAuthenticator does before login (only ApiVersions and the SASL APIs; any
 * other request closes), an unknown mechanism, the v0 handshake's raw tokens, SaslAuthenticate
 * where no exchange runs, the pre-login frame bound, KIP-368 session lifetimes and
 * re-authentication, DescribeUserScramCredentials / AlterUserScramCredentials answers, and a
 * fast-check fuzz of SASL tokens that never breaks the broker or another connection.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { SaslAuthenticate } from "../../src/protocol/messages/sasl-authenticate.ts";
import { SaslHandshake } from "../../src/protocol/messages/sasl-handshake.ts";
import { AlterUserScramCredentials } from "../../src/protocol/messages/alter-user-scram-credentials.ts";
import { DescribeUserScramCredentials } from "../../src/protocol/messages/describe-user-scram-credentials.ts";
import { saltedPassword } from "../../src/security/sasl/scram.ts";
import { LoginFailures } from "../../src/security/login-failures.ts";
import { LOGIN_FAILURE_MEMORY_MS, MAX_FAILED_AUTHENTICATION_DELAY_MS } from "../../src/limits.ts";
import { removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { RawClient } from "../helpers/raw-client.ts";

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="x" password="y" user_alice="alice-secret" user_bob="bob-secret";';
const plain = (user: string, password: string) => new TextEncoder().encode(`\u0000${user}\u0000${password}`);

let tb: TestBroker;
let saslPort = 0;
let plainPort = 0;

beforeAll(async () => {
  tb = await startTestBroker({
    listeners: "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
    saslEnabledMechanisms: "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER",
    plainSaslJaasConfig: JAAS,
    connectionsMaxReauthMs: 60_000,
    connectionFailedAuthenticationDelayMs: 10,
  });
  saslPort = tb.broker.context.listeners.find((l) => l.name === "SASL_PLAINTEXT")!.advertisedPort;
  plainPort = tb.broker.context.listeners.find((l) => l.name === "PLAINTEXT")!.advertisedPort;
});
afterAll(async () => {
  await tb?.stop();
  if (tb) removeDir(tb.dataDir);
});

async function login(c: RawClient, user: string, password: string) {
  const hs = await c.call(SaslHandshake, 1, { mechanism: "PLAIN" });
  expect(hs.errorCode).toBe(ErrorCode.NONE);
  return c.call(SaslAuthenticate, 2, { authBytes: plain(user, password) }, 2);
}

describe("before authentication", () => {
  test("ApiVersions is answered, then any other API closes the connection", async () => {
    const c = await RawClient.connect(saslPort);
    const av = await c.call(ApiVersions, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    expect(av.errorCode).toBe(ErrorCode.NONE);
    expect(av.apiKeys.find((k: { apiKey: number }) => k.apiKey === 36)).toEqual({ apiKey: 36, minVersion: 0, maxVersion: 2 });
    c.write(new Uint8Array(0));
    await expect(c.call(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, 2)).rejects.toThrow("closed=true");
  });

  test("a mechanism that is not enabled: UNSUPPORTED_SASL_MECHANISM with the enabled list, then closed", async () => {
    const c = await RawClient.connect(saslPort);
    const hs = await c.call(SaslHandshake, 1, { mechanism: "GSSAPI" });
    expect(hs).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"] });
    expect(await c.waitClosed()).toBe(true);
  });

  test("after a v1 handshake only SaslAuthenticate is served", async () => {
    const c = await RawClient.connect(saslPort);
    expect((await c.call(SaslHandshake, 1, { mechanism: "PLAIN" })).errorCode).toBe(ErrorCode.NONE);
    // As Kafka 4.4: ApiVersions answered ILLEGAL_SASL_STATE with no keys, then the connection closes.
    const av = await c.call(ApiVersions, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" }, 2);
    expect([av.errorCode, av.apiKeys]).toEqual([ErrorCode.ILLEGAL_SASL_STATE, []]);
    expect(await c.waitClosed()).toBe(true);
  });

  test("a frame above sasl_server_max_receive_size closes the connection", async () => {
    const c = await RawClient.connect(saslPort);
    const big = new Uint8Array(8);
    new DataView(big.buffer).setInt32(0, 600_000);
    c.write(big);
    expect(await c.waitClosed()).toBe(true);
  });
});

describe("login", () => {
  test("PLAIN over SaslAuthenticate v2: success carries the session lifetime, then requests are served", async () => {
    const c = await RawClient.connect(saslPort);
    const r = await login(c, "alice", "alice-secret");
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(Number(r.sessionLifetimeMs)).toBeGreaterThan(0);
    expect(Number(r.sessionLifetimeMs)).toBeLessThanOrEqual(60_000);
    const md = await c.call(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, 3);
    expect(md.brokers[0].port).toBe(saslPort);
    // SaslAuthenticate without a handshake after login: ILLEGAL_SASL_STATE, the connection stays.
    const again = await c.call(SaslAuthenticate, 2, { authBytes: plain("alice", "alice-secret") }, 4);
    expect(again.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    // KIP-368 re-authentication as the same user works; as another user it is refused.
    expect((await c.call(SaslHandshake, 1, { mechanism: "PLAIN" }, 5)).errorCode).toBe(ErrorCode.NONE);
    expect((await c.call(SaslAuthenticate, 2, { authBytes: plain("alice", "alice-secret") }, 6)).errorCode).toBe(ErrorCode.NONE);
    expect((await c.call(SaslHandshake, 1, { mechanism: "PLAIN" }, 7)).errorCode).toBe(ErrorCode.NONE);
    const other = await c.call(SaslAuthenticate, 2, { authBytes: plain("bob", "bob-secret") }, 8);
    expect(other.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(other.errorMessage).toContain("Cannot change principals during re-authentication");
    expect(await c.waitClosed()).toBe(true);
  });

  test("a wrong password and an unknown user get the same SASL_AUTHENTICATION_FAILED message, then the connection closes", async () => {
    for (const [user, pw] of [["alice", "nope"], ["mallory", "x"]]) {
      const c = await RawClient.connect(saslPort);
      const r = await login(c, user!, pw!);
      expect(r.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
      expect(r.errorMessage).toBe("Authentication failed: Invalid username or password");
      expect(await c.waitClosed()).toBe(true);
    }
    expect(tb.logs.some((l) => l.includes("SASL authentication failed") && l.includes("Invalid username or password"))).toBe(true);
    // Counted on /metrics.
    const text = await (await fetch(`http://127.0.0.1:${tb.broker.services.get("admin-api")!.port!}/metrics`)).text();
    const failures = Number(/^takhin_authentication_failures_total (\d+)$/m.exec(text)?.[1]);
    expect(failures).toBeGreaterThanOrEqual(2);
    expect(failures).toBe(tb.broker.context.security.failures.failedTotal);
  });

  test("v0 handshake: raw length-framed PLAIN token, an empty reply frame, then Kafka requests", async () => {
    const c = await RawClient.connect(saslPort);
    expect((await c.call(SaslHandshake, 0, { mechanism: "PLAIN" })).errorCode).toBe(ErrorCode.NONE);
    const token = plain("bob", "bob-secret");
    const frame = new Uint8Array(4 + token.length);
    new DataView(frame.buffer).setInt32(0, token.length);
    frame.set(token, 4);
    c.write(frame);
    const frames = await c.waitFrames(2);
    expect(frames[1]!.length).toBe(0);
    const md = await c.call(Metadata, 1, { topics: null }, 3);
    expect(md.brokers.length).toBe(1);
  });

  test("SaslHandshake and SaslAuthenticate on the PLAINTEXT listener: ILLEGAL_SASL_STATE", async () => {
    const c = await RawClient.connect(plainPort);
    expect((await c.call(SaslHandshake, 1, { mechanism: "PLAIN" })).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect((await c.call(SaslAuthenticate, 1, { authBytes: plain("alice", "alice-secret") }, 2)).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    c.close();
  });
});

describe("session expiry (KIP-368)", () => {
  let short: TestBroker;
  afterAll(async () => {
    await short?.stop();
    if (short) removeDir(short.dataDir);
  });
  test("a request after connections_max_reauth_ms without re-authentication closes the connection", async () => {
    short = await startTestBroker({ listeners: "SASL_PLAINTEXT://127.0.0.1:0", plainSaslJaasConfig: JAAS, connectionsMaxReauthMs: 200 });
    const c = await RawClient.connect(short.port);
    const r = await login(c, "alice", "alice-secret");
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(Number(r.sessionLifetimeMs)).toBeLessThanOrEqual(200);
    await Bun.sleep(Number(r.sessionLifetimeMs) + 50);
    await expect(c.call(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, 3)).rejects.toThrow("closed=true");
    expect(short.logs.some((l) => l.includes("the SASL session expired without re-authentication"))).toBe(true);
  });
});

describe("SCRAM users (50/51)", () => {
  test("upsert, describe, refusals with Kafka's errors, delete", async () => {
    const c = await RawClient.connect(plainPort);
    const salt = new Uint8Array(16).fill(7);
    const up = (name: string, mechanism: number, iterations: number, pw = "pw") => ({ name, mechanism, iterations, salt, saltedPassword: mechanism === 1 || mechanism === 2 ? saltedPassword(mechanism, pw, salt, iterations) : new Uint8Array(32) });
    const alter = await c.call(AlterUserScramCredentials, 0, {
      deletions: [{ name: "ghost", mechanism: 1 }],
      upsertions: [up("carol", 1, 4096), up("carol", 2, 8192), up("dave", 1, 100), up("erin", 3, 4096), up("", 1, 4096)],
    });
    const byUser = Object.fromEntries(alter.results.map((r: { userName: string; errorCode: number; errorMessage: string }) => [r.userName, [r.errorCode, r.errorMessage]]));
    expect(byUser).toEqual({
      ghost: [ErrorCode.RESOURCE_NOT_FOUND, "Attempt to delete a user credential that does not exist"],
      carol: [ErrorCode.NONE, null],
      dave: [ErrorCode.UNACCEPTABLE_CREDENTIAL, "Too few iterations"],
      erin: [ErrorCode.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism"],
      "": [ErrorCode.UNACCEPTABLE_CREDENTIAL, "Username must not be empty"],
    });
    const all = await c.call(DescribeUserScramCredentials, 0, { users: null }, 2);
    expect(all.results).toEqual([{ user: "carol", errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 4096 }, { mechanism: 2, iterations: 8192 }] }]);
    const some = await c.call(DescribeUserScramCredentials, 0, { users: [{ name: "carol" }, { name: "nobody" }, { name: "x" }, { name: "x" }] }, 3);
    expect(some.results.map((r: { user: string; errorCode: number }) => [r.user, r.errorCode])).toEqual([["carol", 0], ["nobody", ErrorCode.RESOURCE_NOT_FOUND], ["x", ErrorCode.DUPLICATE_RESOURCE]]);
    const del = await c.call(AlterUserScramCredentials, 0, { deletions: [{ name: "carol", mechanism: 2 }], upsertions: [] }, 4);
    expect(del.results).toEqual([{ userName: "carol", errorCode: 0, errorMessage: null }]);
    expect(tb.broker.context.metadata.image.scramCredentials.size).toBe(1);
    c.close();
  });
});

describe("failed logins slow down", () => {
  test("the delay doubles per recent failure from one address, is capped, and is forgotten after a quiet minute", () => {
    let now = 0;
    const f = new LoginFailures(100, () => now);
    expect([1, 2, 3, 4].map(() => f.failed("10.0.0.1"))).toEqual([100, 200, 400, 800]);
    expect(f.failed("10.0.0.2")).toBe(100);
    for (let i = 0; i < 20; i++) f.failed("10.0.0.1");
    expect(f.failed("10.0.0.1")).toBe(MAX_FAILED_AUTHENTICATION_DELAY_MS);
    now += LOGIN_FAILURE_MEMORY_MS;
    expect(f.recentFailures("10.0.0.1")).toBe(0);
    expect(f.failed("10.0.0.1")).toBe(100);
    expect(f.failedTotal).toBe(27);
  });
});

describe("fuzz", () => {
  let fuzz: TestBroker;
  afterAll(async () => {
    await fuzz?.stop();
    if (fuzz) removeDir(fuzz.dataDir);
  });
  test("random SASL tokens for every mechanism never break the broker or another connection", async () => {
    // No failed-login delay here, so that hundreds of failures run quickly.
    fuzz = await startTestBroker({ listeners: "SASL_PLAINTEXT://127.0.0.1:0", saslEnabledMechanisms: "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER", plainSaslJaasConfig: JAAS, connectionFailedAuthenticationDelayMs: 0 });
    const saslPort = fuzz.port;
    const healthy = await RawClient.connect(saslPort);
    expect((await login(healthy, "alice", "alice-secret")).errorCode).toBe(ErrorCode.NONE);
    let id = 10;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"), fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 3 }), async (mechanism, tokens) => {
        const c = await RawClient.connect(saslPort);
        try {
          const hs = await c.call(SaslHandshake, 1, { mechanism });
          expect(hs.errorCode).toBe(ErrorCode.NONE);
          for (const t of tokens) {
            if (c.closed) break;
            const r = await c.call(SaslAuthenticate, 2, { authBytes: t }, 2).catch(() => null);
            if (r === null) break;
            // Random bytes never log in: a failure, or (SCRAM's first message, unknown user aside) a challenge.
            if (r.errorCode !== ErrorCode.NONE) {
              expect(r.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
              expect(r.errorMessage.length).toBeGreaterThan(0);
              break;
            }
            expect(mechanism.startsWith("SCRAM")).toBe(true);
          }
        } finally {
          c.close();
        }
        const md = await healthy.call(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, id++);
        expect(md.brokers.length).toBe(1);
      }),
      { numRuns: 60, seed: Number(process.env.FC_SEED ?? Date.now() % 1e9), verbose: true },
    );
    healthy.close();
  }, 60_000);
});

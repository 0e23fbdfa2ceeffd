/**
 * /v1/security/users on an in-process Takhin with a SASL_PLAINTEXT SCRAM listener, over real HTTP:
 * a user created by POST logs in with kafkajs over SCRAM (a wrong password does not) and is listed
 * by GET and by the Kafka API (DescribeUserScramCredentials through the internal client), a second
 * POST for the same mechanism is 409, DELETE removes every mechanism (the login then fails) and a
 * second DELETE is 404; bad bodies answer 400/415 with the JSON error body.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Kafka, logLevel } from "kafkajs";
import { KafkaClient } from "../../src/client/index.ts";
import { DescribeUserScramCredentials } from "../../src/protocol/messages/describe-user-scram-credentials.ts";
import { removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";

let tb: TestBroker;
let base = "";
let sasl = "";
let plaintext = "";
beforeAll(async () => {
  tb = await startTestBroker({
    listeners: "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
    saslEnabledMechanisms: "SCRAM-SHA-256,SCRAM-SHA-512",
    connectionFailedAuthenticationDelayMs: 0,
  } as any);
  base = `http://127.0.0.1:${tb.broker.services.get("admin-api")!.port}`;
  const port = (n: string) => tb.broker.context.listeners.find((x) => x.name === n)!.advertisedPort;
  sasl = `127.0.0.1:${port("SASL_PLAINTEXT")}`;
  plaintext = `127.0.0.1:${port("PLAINTEXT")}`;
}, 30_000);
afterAll(async () => {
  await tb?.stop();
  if (tb) removeDir(tb.dataDir);
});

const http = (path: string, init?: RequestInit) => fetch(base + path, init);
const post = (body: unknown, type = "application/json") => http("/v1/security/users", { method: "POST", headers: { "content-type": type }, body: typeof body === "string" ? body : JSON.stringify(body) });

async function expectError(r: Response, status: number, code: string) {
  expect(r.status).toBe(status);
  const body = (await r.json()) as { message: string; code: string };
  expect(body.code).toBe(code);
  expect(body.message.length).toBeGreaterThan(0);
}

async function login(username: string, password: string, mechanism: "scram-sha-256" | "scram-sha-512"): Promise<boolean> {
  const admin = new Kafka({ clientId: "admin-users", brokers: [sasl], sasl: { mechanism, username, password } as any, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

describe("/v1/security/users", () => {
  test("POST creates a user that logs in over SCRAM; GET and the Kafka API list it; DELETE removes it", async () => {
    expect(await (await http("/v1/security/users")).json()).toEqual([]);
    const created = await post({ username: "dave", password: "d4ve-pw", algorithm: "SCRAM-SHA-512", iterations: 8192 });
    expect(created.status).toBe(200);
    expect(await created.json()).toEqual({ username: "dave", algorithm: "SCRAM-SHA-512", iterations: 8192 });
    expect((await post({ username: "dave", password: "other" })).status).toBe(200); // SCRAM-SHA-256 by default

    expect(await (await http("/v1/security/users")).json()).toEqual([{ username: "dave", mechanisms: [{ mechanism: "SCRAM-SHA-256", iterations: 4096 }, { mechanism: "SCRAM-SHA-512", iterations: 8192 }] }]);
    const client = await KafkaClient.connect({ bootstrap: plaintext });
    try {
      const { body } = await client.send(DescribeUserScramCredentials, { users: null });
      expect(body.results.map((r) => [r.user, r.credentialInfos.map((c) => c.mechanism)])).toEqual([["dave", [1, 2]]]);
    } finally {
      client.close();
    }

    expect(await login("dave", "d4ve-pw", "scram-sha-512")).toBe(true);
    expect(await login("dave", "other", "scram-sha-256")).toBe(true);
    expect(await login("dave", "wrong", "scram-sha-512")).toBe(false);

    await expectError(await post({ username: "dave", password: "again", algorithm: "SCRAM-SHA-512" }), 409, "user_exists");
    expect(await login("dave", "d4ve-pw", "scram-sha-512")).toBe(true); // the refused POST changed nothing

    const deleted = await http("/v1/security/users/dave", { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect(((await deleted.json()) as any).mechanisms.map((m: any) => m.mechanism)).toEqual(["SCRAM-SHA-256", "SCRAM-SHA-512"]);
    expect(await login("dave", "d4ve-pw", "scram-sha-512")).toBe(false);
    expect(await (await http("/v1/security/users")).json()).toEqual([]);
    await expectError(await http("/v1/security/users/dave", { method: "DELETE" }), 404, "user_not_found");
  }, 60_000);

  test("bad input answers 4xx with a JSON error body", async () => {
    await expectError(await post("{nope"), 400, "malformed_json");
    await expectError(await post("[]"), 400, "invalid_body");
    await expectError(await post({ password: "p" }), 400, "invalid_body");
    await expectError(await post({ username: "", password: "p" }), 400, "invalid_body");
    await expectError(await post({ username: "u", password: 5 }), 400, "invalid_body");
    await expectError(await post({ username: "u", password: "p", algorithm: "MD5" }), 400, "unsupported_sasl_mechanism");
    await expectError(await post({ username: "u", password: "p", iterations: 100 }), 400, "invalid_body");
    await expectError(await post({ username: "u", password: "p", extra: true }), 400, "invalid_body");
    await expectError(await post({ username: "u".repeat(2000), password: "p" }), 400, "invalid_body");
    await expectError(await post({ username: "u", password: "p" }, "text/plain"), 415, "unsupported_media_type");
    await expectError(await http("/v1/security/users/nobody", { method: "DELETE" }), 404, "user_not_found");
    const r = await http("/v1/security/users", { method: "PUT" });
    await expectError(r, 405, "method_not_allowed");
    expect(r.headers.get("allow")).toBe("GET, POST");
    expect(await (await http("/v1/security/users")).json()).toEqual([]);
  }, 30_000);
});

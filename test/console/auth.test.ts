/**
 * Console login and roles against a real broker: passwords checked by a SASL exchange with the
 * broker's SASL_PLAINTEXT listener (SCRAM-SHA-256 from the broker's SCRAM store, and PLAIN from its
 * JAAS users), roles from console_roles enforced on every kind of route, the session cookie's
 * flags, CSRF on changes, logout.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AlterUserScramCredentials } from "../../src/protocol/messages/alter-user-scram-credentials.ts";
import { saltedPassword } from "../../src/security/sasl/scram.ts";
import { parseRoles } from "../../src/console/auth.ts";
import { ConsoleSession, createTopic, startConsoleBroker, type ConsoleBroker } from "./helpers.ts";

let cb: ConsoleBroker;
let plain: ConsoleBroker;

beforeAll(async () => {
  [cb, plain] = await Promise.all([
    startConsoleBroker({
      listeners: "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
      saslEnabledMechanisms: "SCRAM-SHA-256,PLAIN",
      consoleRoles: "ada:admin, eve:editor, *:viewer",
      connectionFailedAuthenticationDelayMs: 0,
    }),
    startConsoleBroker({
      listeners: "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
      saslEnabledMechanisms: "PLAIN",
      plainSaslJaasConfig: 'org.apache.kafka.common.security.plain.PlainLoginModule required user_pat="pat-pw";',
      consoleRoles: "pat:editor",
      consoleLoginMechanism: "PLAIN",
      connectionFailedAuthenticationDelayMs: 0,
    }),
  ]);
  for (const [name, pw] of [["ada", "ada-pw"], ["eve", "eve-pw"], ["val", "val-pw"]]) {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const { body } = await cb.client.send(AlterUserScramCredentials, { deletions: [], upsertions: [{ name: name!, mechanism: 1, iterations: 4096, salt, saltedPassword: saltedPassword(1, pw!, salt, 4096) }] });
    expect(body.results[0]!.errorCode).toBe(0);
  }
  await createTopic(cb.client, "kept", 1);
}, 30_000);
afterAll(async () => {
  await Promise.all([cb?.stop(), plain?.stop()]);
});

describe("console login", () => {
  test("no session: every API route answers 401, the session says nobody is logged in", async () => {
    const s = new ConsoleSession(cb.url);
    const info = await s.call("GET", "/api/session");
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ devMode: false, user: null, role: null, csrf: null });
    for (const [m, p] of [["GET", "/api/topics"], ["GET", "/api/overview"], ["POST", "/api/topics"], ["DELETE", "/api/topics/kept?confirm=kept"], ["GET", "/api/topics/kept/tail"]] as const) {
      const r = await s.call(m, p, m === "POST" ? {} : undefined);
      expect(r.status).toBe(401);
      expect(r.body.error.message).toBe("log in first");
    }
  });
  test("a wrong password, an unknown user and an empty body are refused", async () => {
    const s = new ConsoleSession(cb.url);
    expect((await s.login("ada", "nope")).status).toBe(401);
    expect((await s.login("nobody", "x")).status).toBe(401);
    expect((await s.call("POST", "/api/login", {})).status).toBe(400);
    expect((await s.call("POST", "/api/login", { user: "ada", password: "ada-pw" }, { origin: "http://evil.example" })).status).toBe(403);
    expect(s.cookie).toBe("");
  });
  test("SCRAM login: an HttpOnly SameSite cookie, roles enforced server-side, CSRF, logout", async () => {
    const viewer = new ConsoleSession(cb.url);
    const r = await viewer.login("val", "val-pw");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ user: "val", role: "viewer" });
    const cookie = r.headers.get("set-cookie")!;
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/");
    expect(cookie).not.toContain("Secure"); // plain http; over https it is Secure
    expect((await viewer.call("GET", "/api/topics")).status).toBe(200);
    expect((await viewer.call("POST", "/api/groups/g/reset", { topic: "kept", to: "earliest", dryRun: true })).status).toBe(200);
    for (const [m, p, b] of [
      ["DELETE", "/api/topics/kept?confirm=kept", undefined],
      ["POST", "/api/topics", { name: "viewer-made" }],
      ["POST", "/api/topics/kept/messages", { value: "x" }],
      ["PATCH", "/api/topics/kept/configs", { set: { "retention.ms": "1" } }],
      ["POST", "/api/groups/g/reset", { topic: "kept", to: "earliest" }],
      ["DELETE", "/api/groups/g", undefined],
      ["POST", "/api/schemas/s-value", { schema: "{}" }],
      ["POST", "/api/acls", { resourceType: "TOPIC", resourceName: "kept", principal: "User:x", operation: "READ" }],
      ["POST", "/api/users", { name: "x", password: "y" }],
      ["POST", "/api/connect/connectors", { name: "c" }],
    ] as const) {
      const res = await viewer.call(m, p, b);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain("role");
    }
    expect((await viewer.call("GET", "/api/topics/kept")).status).toBe(200);

    const editor = new ConsoleSession(cb.url);
    expect((await editor.login("eve", "eve-pw")).body.role).toBe("editor");
    expect((await editor.call("POST", "/api/topics", { name: "editor-made", partitions: 1 })).status).toBe(201);
    expect((await editor.call("POST", "/api/users", { name: "x", password: "y" })).status).toBe(403);
    // The CSRF token is the session's own: another session's, or none, is refused.
    expect((await editor.call("POST", "/api/topics", { name: "x1" }, { "x-csrf-token": viewer.csrf })).status).toBe(403);
    expect((await editor.call("POST", "/api/topics", { name: "x1" }, { "x-csrf-token": "" })).status).toBe(403);

    const admin = new ConsoleSession(cb.url);
    expect((await admin.login("ada", "ada-pw")).body.role).toBe("admin");
    const u = await admin.call("POST", "/api/users", { name: "newbie", password: "newbie-pw" });
    expect(u.status).toBe(201);
    expect((await admin.call("GET", "/api/users")).body.users.map((x: any) => x.user)).toContain("newbie");
    // The user just made logs in (the default role "*": viewer).
    expect((await new ConsoleSession(cb.url).login("newbie", "newbie-pw")).body.role).toBe("viewer");
    expect((await admin.call("DELETE", "/api/topics/editor-made?confirm=editor-made")).status).toBe(200);

    expect((await admin.call("POST", "/api/logout")).status).toBe(200);
    expect((await admin.call("GET", "/api/topics")).status).toBe(401);
  }, 20_000);
  test("PLAIN login against the broker's JAAS users", async () => {
    const s = new ConsoleSession(plain.url);
    expect((await s.login("pat", "wrong")).status).toBe(401);
    const r = await s.login("pat", "pat-pw");
    expect(r.status).toBe(200);
    expect(r.body.role).toBe("editor");
    expect((await s.call("GET", "/api/overview")).status).toBe(200);
  });
  test("console_roles without a SASL_PLAINTEXT listener, or a bad map, stops the start with a message", async () => {
    await expect(startConsoleBroker({ consoleRoles: "ada:admin" })).rejects.toThrow(/SASL_PLAINTEXT/);
    await expect(startConsoleBroker({ listeners: "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0", consoleRoles: "ada:boss" })).rejects.toThrow(/console_roles/);
  });
  test("console_roles is parsed strictly", () => {
    expect(parseRoles(null)).toBeNull();
    expect(parseRoles("  ")).toBeNull();
    expect([...parseRoles("a:admin,b:viewer,*:editor")!]).toEqual([["a", "admin"], ["b", "viewer"], ["*", "editor"]]);
    expect(() => parseRoles("a:root")).toThrow(/viewer, editor, admin/);
    expect(() => parseRoles("justname")).toThrow(/USER:ROLE/);
  });
});

/**
 * `takhin acl` and `takhin user` as a shell user runs them (the real CLI process over a real
 * socket) against an in-process Takhin with the authorizer on (User:ANONYMOUS, the CLI's
 * PLAINTEXT principal, is the super user; allow_everyone_if_no_acl_found off) and a SASL_PLAINTEXT
 * listener with SCRAM: a user the CLI creates logs in with kafkajs over SCRAM (a wrong password and
 * a deleted user do not); ACLs the CLI creates let that user produce, deleting them refuses it
 * again; bad input is a usage error (exit 2), a Kafka error exits 1 with its name.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Kafka, logLevel } from "kafkajs";
import { removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { ok, okJson, takhin } from "./run-cli.ts";

let tb: TestBroker;
let b: string[];
let sasl = "";
beforeAll(async () => {
  tb = await startTestBroker({
    listeners: "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
    saslEnabledMechanisms: "SCRAM-SHA-256,SCRAM-SHA-512",
    authorizerEnabled: true,
    superUsers: "User:ANONYMOUS",
    allowEveryoneIfNoAclFound: false,
    connectionFailedAuthenticationDelayMs: 0,
  } as any);
  const port = (n: string) => tb.broker.context.listeners.find((x) => x.name === n)!.advertisedPort;
  b = ["--bootstrap", `127.0.0.1:${port("PLAINTEXT")}`];
  sasl = `127.0.0.1:${port("SASL_PLAINTEXT")}`;
}, 30_000);
afterAll(async () => {
  await tb?.stop();
  if (tb) removeDir(tb.dataDir);
});

const kafkaAs = (username: string, password: string, mechanism: "scram-sha-256" | "scram-sha-512") =>
  new Kafka({ clientId: `cli-security-${username}`, brokers: [sasl], sasl: { mechanism, username, password } as any, logLevel: logLevel.NOTHING, retry: { retries: 0 } });

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e: any) {
    return String(e?.type ?? e?.originalError?.type ?? e?.cause?.type ?? e?.name ?? e?.message);
  }
}

/** Connects and sends one record to `topic` as `username`: "ok" or the error's type. */
async function produceAs(username: string, password: string, mechanism: "scram-sha-256" | "scram-sha-512", topic: string): Promise<string> {
  const producer = kafkaAs(username, password, mechanism).producer({ allowAutoTopicCreation: false });
  try {
    const connected = await outcome(producer.connect());
    if (connected !== "ok") return connected;
    return await outcome(producer.send({ topic, messages: [{ value: `from ${username}` }] }));
  } finally {
    await producer.disconnect().catch(() => {});
  }
}

describe("takhin user", () => {
  test("create (password on stdin) lists the mechanism, logs in over SCRAM, a wrong password does not, delete ends it", async () => {
    const created = await okJson(["user", "create", "carol", "--mechanism", "scram-sha-512", "--iterations", "8192", ...b], { stdin: "c4rol-secret\n" });
    expect(created).toEqual({ user: "carol", mechanism: "SCRAM-SHA-512", iterations: 8192 });
    await ok(["user", "create", "carol", "--password", "c4rol-256", ...b]);
    expect(await okJson(["user", "list", ...b])).toEqual([{ user: "carol", mechanisms: [{ mechanism: "SCRAM-SHA-256", iterations: 4096 }, { mechanism: "SCRAM-SHA-512", iterations: 8192 }] }]);
    const table = await ok(["user", "list", "carol", ...b]);
    expect(table).toContain("USER");
    expect(table).toMatch(/carol\s+SCRAM-SHA-512\s+8192/);

    const admin = kafkaAs("carol", "c4rol-secret", "scram-sha-512").admin();
    expect(await outcome(admin.connect())).toBe("ok");
    await admin.disconnect();
    const admin256 = kafkaAs("carol", "c4rol-256", "scram-sha-256").admin();
    expect(await outcome(admin256.connect())).toBe("ok");
    await admin256.disconnect();
    expect(await outcome(kafkaAs("carol", "wrong", "scram-sha-512").admin().connect())).not.toBe("ok");

    expect(await okJson(["user", "delete", "carol", "--mechanism", "SCRAM-SHA-256", ...b])).toEqual({ user: "carol", mechanisms: ["SCRAM-SHA-256"] });
    expect(await outcome(kafkaAs("carol", "c4rol-256", "scram-sha-256").admin().connect())).not.toBe("ok");
    expect(await okJson(["user", "delete", "carol", ...b])).toEqual({ user: "carol", mechanisms: ["SCRAM-SHA-512"] });
    expect(await outcome(kafkaAs("carol", "c4rol-secret", "scram-sha-512").admin().connect())).not.toBe("ok");
    expect(await okJson(["user", "list", ...b])).toEqual([]);
  }, 60_000);

  test("mistakes: usage errors exit 2, an unknown user exits 1 with RESOURCE_NOT_FOUND", async () => {
    const usage: [string[], string][] = [
      [["user", "create", "x", "--password", "p", "--mechanism", "MD5"], '--mechanism "MD5" is not SCRAM-SHA-256 or SCRAM-SHA-512'],
      [["user", "create", "x", "--password", "p", "--iterations", "10"], "--iterations must be from 4096 to 16384"],
      [["user", "create", "x"], "the password is empty"],
      [["user", "create"], "missing user"],
    ];
    for (const [args, message] of usage) {
      const r = await takhin([...args, ...b]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain(message);
    }
    for (const args of [["user", "delete", "nobody"], ["user", "list", "nobody"]]) {
      const r = await takhin([...args, ...b]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("RESOURCE_NOT_FOUND");
    }
  }, 60_000);
});

describe("takhin acl", () => {
  test("ACLs the CLI creates let a SCRAM user produce; deleting them refuses it again", async () => {
    await ok(["topic", "create", "orders", ...b]);
    await ok(["user", "create", "alice", "--password", "alice-secret", ...b]);
    expect(await produceAs("alice", "alice-secret", "scram-sha-256", "orders")).toBe("TOPIC_AUTHORIZATION_FAILED");

    const created = await okJson(["acl", "create", "--topic", "orders", "--allow-principal", "User:alice", "--operation", "write", "--operation", "Describe", ...b]);
    expect(created.map((r: any) => `${r.operation} ${r.permission} ${r.error}`).sort()).toEqual(["DESCRIBE ALLOW null", "WRITE ALLOW null"]);
    await ok(["acl", "create", "--group", "alice-", "--resource-pattern-type", "prefixed", "--deny-principal", "User:alice", "--deny-host", "10.0.0.1", "--operation", "Read", ...b]);

    const listed = await okJson(["acl", "list", ...b]);
    expect(listed).toEqual([
      { resource_type: "GROUP", resource_name: "alice-", pattern_type: "PREFIXED", principal: "User:alice", host: "10.0.0.1", operation: "READ", permission: "DENY" },
      { resource_type: "TOPIC", resource_name: "orders", pattern_type: "LITERAL", principal: "User:alice", host: "*", operation: "DESCRIBE", permission: "ALLOW" },
      { resource_type: "TOPIC", resource_name: "orders", pattern_type: "LITERAL", principal: "User:alice", host: "*", operation: "WRITE", permission: "ALLOW" },
    ]);
    expect((await okJson(["acl", "list", "--topic", "orders", "--operation", "write", ...b])).map((r: any) => r.operation)).toEqual(["WRITE"]);
    expect(await okJson(["acl", "list", "--permission", "deny", ...b])).toHaveLength(1);
    expect(await okJson(["acl", "list", "--topic", "ord", "--resource-pattern-type", "prefixed", ...b])).toEqual([]);
    const table = await ok(["acl", "list", "--topic", "orders", ...b]);
    expect(table).toMatch(/TOPIC\s+orders\s+LITERAL\s+User:alice\s+\*\s+WRITE\s+ALLOW/);

    expect(await produceAs("alice", "alice-secret", "scram-sha-256", "orders")).toBe("ok");

    const deleted = await okJson(["acl", "delete", "--topic", "orders", "--principal", "User:alice", ...b]);
    expect(deleted.map((r: any) => r.operation).sort()).toEqual(["DESCRIBE", "WRITE"]);
    expect(await produceAs("alice", "alice-secret", "scram-sha-256", "orders")).toBe("TOPIC_AUTHORIZATION_FAILED");
    expect(await okJson(["acl", "delete", "--principal", "User:alice", ...b])).toHaveLength(1);
    expect(await okJson(["acl", "list", ...b])).toEqual([]);
  }, 60_000);

  test("mistakes are usage errors: exit 2 with the message", async () => {
    const usage: [string[], string][] = [
      [["acl", "create", "--allow-principal", "User:a"], "name a resource"],
      [["acl", "create", "--topic", "t"], "give --allow-principal or --deny-principal"],
      [["acl", "create", "--topic", "t", "--allow-principal", "alice"], 'principal "alice" is not TYPE:NAME'],
      [["acl", "create", "--topic", "t", "--allow-principal", "User:a", "--operation", "Frobnicate"], '--operation "Frobnicate" is not one of'],
      [["acl", "create", "--topic", "t", "--allow-principal", "User:a", "--resource-pattern-type", "any"], '--resource-pattern-type "any" is not one of LITERAL, PREFIXED'],
      [["acl", "list", "--permission", "maybe"], '--permission "maybe" is not one of'],
      [["acl", "delete"], "name a resource or --principal"],
    ];
    for (const [args, message] of usage) {
      const r = await takhin([...args, ...b]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain(message);
    }
  }, 60_000);
});

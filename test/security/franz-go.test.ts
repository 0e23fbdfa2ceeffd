/**
 * franz-go (github.com/twmb/franz-go, pinned in test/security/franz/go.mod; built from the Go
 * module proxy into a temporary directory) over SASL_PLAINTEXT with PLAIN, SCRAM-SHA-256 and
 * SCRAM-SHA-512, over SSL, and over SASL_SSL with SCRAM: produce one record and read it back; a
 * wrong password is refused.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { saltedPassword } from "../../src/security/sasl/scram.ts";
import { alterScramUsers } from "../../src/security/scram-admin.ts";
import { makePki } from "./pki.ts";

const T = 120_000;
let tb: TestBroker;
let bin = "";
let ca = "";
const port = (name: string) => tb.broker.context.listeners.find((l) => l.name === name)!.advertisedPort;

beforeAll(async () => {
  const dir = tempDir("takhin-franz-");
  bin = join(dir, "franz");
  const build = Bun.spawn(["go", "build", "-o", bin, "."], { cwd: join(import.meta.dir, "franz"), stdout: "pipe", stderr: "pipe", env: { ...process.env, GOFLAGS: "-mod=mod" } });
  const killer = setTimeout(() => build.kill("SIGKILL"), 300_000);
  const err = await new Response(build.stderr).text();
  clearTimeout(killer);
  if ((await build.exited) !== 0) throw new Error(`go build of the franz-go client failed: ${err}`);
  const pki = makePki(dir);
  ca = pki.caPem;
  tb = await startTestBroker({
    listeners: "SASL_PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0",
    sslKeystoreLocation: pki.issue("server", "/CN=franz-broker", true).both,
    saslEnabledMechanisms: "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
    plainSaslJaasConfig: 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
    connectionFailedAuthenticationDelayMs: 0,
  });
  const m = tb.broker.context.metadata;
  const salt = new Uint8Array(16).fill(4);
  for (const mech of [1, 2]) alterScramUsers(m.image, { deletions: [], upsertions: [{ name: "bob", mechanism: mech, iterations: 4096, salt, saltedPassword: saltedPassword(mech, "bob-secret", salt, 4096) }] }, (r) => m.commit(r));
}, 320_000);
afterAll(async () => {
  await tb?.stop();
  if (tb) removeDir(tb.dataDir);
});

async function franz(listener: string, mech: string, user: string, pw: string, topic: string, tls: boolean) {
  const proc = Bun.spawn([bin, `127.0.0.1:${port(listener)}`, mech, user, pw, topic, ...(tls ? [ca] : [])], { stdout: "pipe", stderr: "pipe" });
  const killer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
  const out = await new Response(proc.stdout).text();
  clearTimeout(killer);
  await proc.exited;
  return JSON.parse(out.trim().split("\n").pop() || '{"ok":false,"error":"no output"}') as { ok: boolean; error?: string };
}

describe("franz-go v1.18.1", () => {
  for (const [mech, user, pw] of [["PLAIN", "alice", "alice-secret"], ["SCRAM-SHA-256", "bob", "bob-secret"], ["SCRAM-SHA-512", "bob", "bob-secret"]] as const) {
    test(`SASL_PLAINTEXT ${mech}: produce and consume`, async () => {
      const r = await franz("SASL_PLAINTEXT", mech, user, pw, `franz-${mech.toLowerCase()}`, false);
      expect(r.ok, r.error).toBe(true);
    }, T);
  }
  test("SSL and SASL_SSL (SCRAM-SHA-512): produce and consume", async () => {
    expect((await franz("SSL", "NONE", "-", "-", "franz-ssl", true)).ok).toBe(true);
    const r = await franz("SASL_SSL", "SCRAM-SHA-512", "bob", "bob-secret", "franz-sasl-ssl", true);
    expect(r.ok, r.error).toBe(true);
  }, T);
  test("a wrong SCRAM password is refused (franz-go retries until its deadline; the broker logged why)", async () => {
    const r = await franz("SASL_PLAINTEXT", "SCRAM-SHA-256", "bob", "nope", "franz-refused", false);
    expect(r.ok).toBe(false);
    expect(tb.logs.some((l) => l.includes("SASL authentication failed") && l.includes("invalid credentials with SASL mechanism SCRAM-SHA-256"))).toBe(true);
  }, T);
});

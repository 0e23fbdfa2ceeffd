/**
 * SASL with real clients (issue 19 items 2 and 4): kcat and confluent-kafka-python (librdkafka
 * 2.0.2), kafkajs 2.2.4 under Node and the Java client 4.4 (Kafka's own tools) log in over a
 * SASL_PLAINTEXT listener with PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER (Kafka's unsecured
 * tokens on one broker, RS256/ES256 JWTs against a JWKS file on another), produce and consume. The
 * SCRAM user is created by Kafka's kafka-configs (`--alter --add-config 'SCRAM-SHA-256=[...]'
 * --entity-type users`). Refusals — a wrong password, an unknown user, an expired token, a token
 * signed by an unknown key, a mechanism that is not enabled — each fail with the broker's error,
 * while a consumer that logged in before keeps receiving.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { KCAT, PYTHON, runClient } from "../clients/clients.ts";
import { explain, runJava } from "../java/java.ts";
import { makeKey, nowSeconds, signedJwt, unsecuredJwt, writeJwks } from "./tokens.ts";

const NODE = "/usr/bin/node";
const SCRIPTS = join(import.meta.dir, "scripts");
const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";';
const T = 120_000;

let tb: TestBroker;
let jwtBroker: TestBroker;
let sasl = "";
let plaintext = "";
let jwtBootstrap = "";
const rsa = makeKey("rsa-1", "RS256");
const ec = makeKey("ec-1", "ES256");
const stranger = makeKey("rsa-1", "RS256"); // same kid, another key: its signatures must not verify

beforeAll(async () => {
  tb = await startTestBroker({
    listeners: "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
    saslEnabledMechanisms: "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER",
    plainSaslJaasConfig: JAAS,
    connectionFailedAuthenticationDelayMs: 0,
  });
  const l = (n: string) => tb.broker.context.listeners.find((x) => x.name === n)!.advertisedPort;
  sasl = `127.0.0.1:${l("SASL_PLAINTEXT")}`;
  plaintext = `127.0.0.1:${l("PLAINTEXT")}`;
  const dir = tempDir("takhin-jwks-");
  jwtBroker = await startTestBroker({
    listeners: "SASL_PLAINTEXT://127.0.0.1:0",
    saslEnabledMechanisms: "PLAIN,OAUTHBEARER",
    plainSaslJaasConfig: JAAS,
    saslOauthbearerJwksEndpointUrl: `file://${writeJwks(dir, [rsa, ec])}`,
    saslOauthbearerExpectedAudience: "takhin",
    connectionFailedAuthenticationDelayMs: 0,
  });
  jwtBootstrap = jwtBroker.bootstrap;
}, 60_000);
afterAll(async () => {
  for (const b of [tb, jwtBroker]) {
    await b?.stop();
    if (b) removeDir(b.dataDir);
  }
});

async function kcat(bootstrap: string, conf: string[], args: string[], stdin?: string) {
  const argv = [KCAT, "-b", bootstrap, ...conf.flatMap((c) => ["-X", c]), ...args];
  const proc = Bun.spawn(argv, { stdin: stdin === undefined ? "ignore" : new Blob([stdin]), stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  clearTimeout(timer);
  return { code: proc.exitCode, out, err };
}

const saslConf = (mech: string, user: string, pw: string) => ["security.protocol=SASL_PLAINTEXT", `sasl.mechanisms=${mech}`, `sasl.username=${user}`, `sasl.password=${pw}`];
const unsecuredConf = (principal: string) => ["security.protocol=SASL_PLAINTEXT", "sasl.mechanisms=OAUTHBEARER", "enable.sasl.oauthbearer.unsecure.jwt=true", `sasl.oauthbearer.config=principal=${principal}`];

async function kcatRoundTrip(bootstrap: string, conf: string[], topic: string) {
  const value = `v-${topic}-${Date.now()}`;
  const p = await kcat(bootstrap, conf, ["-P", "-t", topic], value + "\n");
  if (p.code !== 0) return { ok: false, err: p.err };
  const c = await kcat(bootstrap, conf, ["-C", "-t", topic, "-o", "beginning", "-c", "1", "-e", "-q"]);
  return { ok: c.code === 0 && c.out.trim() === value, err: c.err + c.out };
}

async function pyRoundTrip(bootstrap: string, conf: Record<string, string>, topic: string) {
  const r = await runClient([PYTHON, join(SCRIPTS, "confluent-sasl.py"), JSON.stringify({ "bootstrap.servers": bootstrap, ...conf }), topic], 60_000);
  const out = JSON.parse(r.stdout.trim().split("\n").pop() || "null");
  if (!out) throw new Error(`confluent-kafka script failed: ${r.stdout}\n${r.stderr}`);
  return out as { ok: boolean; error: string };
}

async function kafkajs(bootstrap: string, mechanism: string, user: string, secret: string, topic: string) {
  const r = await runClient([NODE, join(SCRIPTS, "kafkajs-sasl.mjs"), bootstrap, mechanism, user, secret, topic], 60_000);
  const out = JSON.parse(r.stdout.trim().split("\n").pop() || "null");
  if (!out) throw new Error(`kafkajs script failed: ${r.stdout}\n${r.stderr}`);
  return out as { ok: boolean; error?: string; type?: string };
}

function javaProps(dir: string, lines: string[]): string {
  const path = join(dir, `client-${Math.random().toString(36).slice(2)}.properties`);
  Bun.write(path, lines.join("\n") + "\n");
  return path;
}

describe("kafka-configs creates SCRAM users that then log in", () => {
  test("kafka-configs --alter --add-config SCRAM-SHA-256/512 --entity-type users stores both credentials", async () => {
    const add = await runJava("org.apache.kafka.tools.ConfigCommand", ["--bootstrap-server", plaintext, "--alter", "--add-config", "SCRAM-SHA-256=[iterations=8192,password=bob-secret],SCRAM-SHA-512=[password=bob-secret]", "--entity-type", "users", "--entity-name", "bob"], { timeoutMs: 90_000 });
    expect(add.exitCode, explain(add)).toBe(0);
    expect(add.stdout).toContain("Completed updating config for user bob.");
    // (kafka-configs --describe --entity-type users also asks DescribeClientQuotas, which Takhin does not serve yet.)
    const creds = [...tb.broker.context.metadata.image.scramCredentials.values()].map((c) => [c.name, c.mechanism, c.iterations]);
    expect(creds.sort()).toEqual([["bob", 1, 8192], ["bob", 2, 4096]]);
  }, T);
});

describe("kcat (librdkafka 2.0.2)", () => {
  for (const [mech, user, pw] of [["PLAIN", "alice", "alice-secret"], ["SCRAM-SHA-256", "bob", "bob-secret"], ["SCRAM-SHA-512", "bob", "bob-secret"]] as const) {
    test(`${mech}: produce and consume`, async () => {
      const r = await kcatRoundTrip(sasl, saslConf(mech, user, pw), `kcat-${mech.toLowerCase()}`);
      expect(r.ok, r.err).toBe(true);
    }, T);
  }
  test("OAUTHBEARER with librdkafka's unsecured token: produce and consume", async () => {
    const r = await kcatRoundTrip(sasl, unsecuredConf("carol"), "kcat-oauthbearer");
    expect(r.ok, r.err).toBe(true);
    expect(tb.logs.some((l) => l.includes("mechanism=OAUTHBEARER principal=User:carol"))).toBe(true);
  }, T);
});

describe("confluent-kafka-python (librdkafka 2.0.2)", () => {
  for (const [mech, user, pw] of [["PLAIN", "alice", "alice-secret"], ["SCRAM-SHA-256", "bob", "bob-secret"], ["SCRAM-SHA-512", "bob", "bob-secret"]] as const) {
    test(`${mech}: produce and consume`, async () => {
      const r = await pyRoundTrip(sasl, { "security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": mech, "sasl.username": user, "sasl.password": pw }, `py-${mech.toLowerCase()}`);
      expect(r.ok, r.error).toBe(true);
    }, T);
  }
  test("OAUTHBEARER unsecured: produce and consume", async () => {
    const r = await pyRoundTrip(sasl, { "security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "OAUTHBEARER", "enable.sasl.oauthbearer.unsecure.jwt": "true", "sasl.oauthbearer.config": "principal=dan" }, "py-oauthbearer");
    expect(r.ok, r.error).toBe(true);
  }, T);
});

describe("kafkajs 2.2.4", () => {
  for (const [mech, user, pw] of [["plain", "alice", "alice-secret"], ["scram-sha-256", "bob", "bob-secret"], ["scram-sha-512", "bob", "bob-secret"]] as const) {
    test(`${mech}: produce and consume`, async () => {
      const r = await kafkajs(sasl, mech, user, pw, `kjs-${mech}`);
      expect(r.ok, r.error).toBe(true);
    }, T);
  }
  test("OAUTHBEARER: an unsecured token on the development broker; RS256 and ES256 JWTs on the JWKS broker", async () => {
    expect((await kafkajs(sasl, "oauthbearer", "-", unsecuredJwt({ sub: "erin", exp: nowSeconds() + 600, iat: nowSeconds() }), "kjs-oauth-unsecured")).ok).toBe(true);
    for (const key of [rsa, ec]) {
      const token = signedJwt(key, { sub: `svc-${key.alg}`, aud: "takhin", exp: nowSeconds() + 600, iat: nowSeconds() });
      const r = await kafkajs(jwtBootstrap, "oauthbearer", "-", token, `kjs-oauth-${key.alg}`);
      expect(r.ok, r.error).toBe(true);
    }
    expect(jwtBroker.logs.some((l) => l.includes("principal=User:svc-ES256"))).toBe(true);
  }, T);
});

describe("the Java client (Kafka 4.4 tools)", () => {
  let dir = "";
  beforeAll(() => {
    dir = tempDir("takhin-java-sasl-");
  });
  const cases: [string, string[]][] = [
    ["PLAIN", ["sasl.mechanism=PLAIN", 'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";']],
    ["SCRAM-SHA-256", ["sasl.mechanism=SCRAM-SHA-256", 'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="bob" password="bob-secret";']],
    ["SCRAM-SHA-512", ["sasl.mechanism=SCRAM-SHA-512", 'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="bob" password="bob-secret";']],
    ["OAUTHBEARER", ["sasl.mechanism=OAUTHBEARER", 'sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="frank";']],
  ];
  for (const [mech, props] of cases) {
    test(`${mech}: kafka-topics creates and lists a topic`, async () => {
      const cfg = javaProps(dir, ["security.protocol=SASL_PLAINTEXT", ...props]);
      const topic = `java-${mech.toLowerCase()}`;
      const create = await runJava("org.apache.kafka.tools.TopicCommand", ["--bootstrap-server", sasl, "--command-config", cfg, "--create", "--topic", topic, "--partitions", "1"], { timeoutMs: 90_000 });
      expect(create.exitCode, explain(create)).toBe(0);
      const list = await runJava("org.apache.kafka.tools.TopicCommand", ["--bootstrap-server", sasl, "--command-config", cfg, "--list"], { timeoutMs: 90_000 });
      expect(list.exitCode, explain(list)).toBe(0);
      expect(list.stdout.split("\n")).toContain(topic);
    }, T);
  }
  test("a wrong SCRAM password: the tool fails with the broker's message", async () => {
    const cfg = javaProps(dir, ["security.protocol=SASL_PLAINTEXT", "sasl.mechanism=SCRAM-SHA-256", 'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="bob" password="nope";']);
    const r = await runJava("org.apache.kafka.tools.TopicCommand", ["--bootstrap-server", sasl, "--command-config", cfg, "--list"], { timeoutMs: 90_000 });
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256");
  }, T);
});

describe("refusals, each with its error, and another client unaffected", () => {
  test("wrong password, unknown user, expired and foreign tokens, a disabled mechanism", async () => {
    // A consumer logged in before the refusals keeps being served through them.
    const topic = "refusals-bystander";
    const good = saslConf("PLAIN", "alice", "alice-secret");
    expect((await kcat(sasl, good, ["-P", "-t", topic], "first\n")).code).toBe(0);
    const bystander = Bun.spawn([KCAT, "-b", sasl, ...good.flatMap((c) => ["-X", c]), "-C", "-t", topic, "-o", "beginning", "-c", "2", "-q"], { stdout: "pipe", stderr: "pipe" });
    const killer = setTimeout(() => bystander.kill("SIGKILL"), 60_000);

    const wrong = await kcat(sasl, saslConf("PLAIN", "alice", "wrong"), ["-L", "-m", "5"]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.err).toContain("Authentication failed: Invalid username or password");
    const unknown = await kcat(sasl, saslConf("SCRAM-SHA-512", "nobody", "x"), ["-L", "-m", "5"]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toContain("invalid credentials with SASL mechanism SCRAM-SHA-512");
    const scramWrong = await pyRoundTrip(sasl, { "security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "SCRAM-SHA-256", "sasl.username": "bob", "sasl.password": "nope" }, "py-refused");
    expect(scramWrong.ok).toBe(false);
    expect(scramWrong.error).toContain("invalid credentials with SASL mechanism SCRAM-SHA-256");
    const disabled = await kcat(jwtBootstrap, saslConf("SCRAM-SHA-256", "bob", "bob-secret"), ["-L", "-m", "5"]);
    expect(disabled.code).not.toBe(0);
    expect(disabled.err).toContain("Unsupported SASL mechanism: broker's supported mechanisms: PLAIN,OAUTHBEARER");
    const expired = await kafkajs(jwtBootstrap, "oauthbearer", "-", signedJwt(rsa, { sub: "late", aud: "takhin", exp: nowSeconds() - 3600, iat: nowSeconds() - 7200 }), "kjs-expired");
    expect(expired.ok).toBe(false);
    expect(expired.error).toContain("the token expired at");
    const foreign = await kafkajs(jwtBootstrap, "oauthbearer", "-", signedJwt(stranger, { sub: "spy", aud: "takhin", exp: nowSeconds() + 600 }), "kjs-foreign");
    expect(foreign.ok).toBe(false);
    expect(foreign.error).toContain("the signature does not verify");
    const wrongAudience = await kafkajs(jwtBootstrap, "oauthbearer", "-", signedJwt(ec, { sub: "svc", aud: "elsewhere", exp: nowSeconds() + 600 }), "kjs-aud");
    expect(wrongAudience.error).toContain("audience");
    const unsignedOnJwks = await kafkajs(jwtBootstrap, "oauthbearer", "-", unsecuredJwt({ sub: "x", exp: nowSeconds() + 600 }), "kjs-none");
    expect(unsignedOnJwks.error).toContain('alg "none" is not accepted');

    expect((await kcat(sasl, good, ["-P", "-t", topic], "second\n")).code).toBe(0);
    const out = await new Response(bystander.stdout).text();
    await bystander.exited;
    clearTimeout(killer);
    expect(out.trim().split("\n")).toEqual(["first", "second"]);
    expect(tb.broker.context.security.failures.failedTotal).toBeGreaterThanOrEqual(3);
  }, T);
});

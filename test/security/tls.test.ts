/**
 * TLS listeners (issue 19 item 3) with a CA made by openssl: SSL with and without client
 * certificates (ssl_client_auth requested / required), the principal from the certificate subject
 * through ssl_principal_mapping_rules, TLS 1.2 and 1.3 only, SASL_SSL with SCRAM, certificates
 * reloaded without a restart (file change and SIGHUP's reloadSecurity) while an open connection
 * goes on, and random bytes thrown at the TLS port never disturbing another client. Clients: kcat and
 * confluent-kafka-python (librdkafka 2.0.2), kafkajs, the Java client (Kafka 4.4 tools), openssl s_client.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:net";
import { removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { KCAT, PYTHON, runClient } from "../clients/clients.ts";
import { explain, runJava } from "../java/java.ts";
import { saltedPassword } from "../../src/security/sasl/scram.ts";
import { alterScramUsers } from "../../src/security/scram-admin.ts";
import { applyMappingRules, parseMappingRules, rfc2253 } from "../../src/security/principal-mapping.ts";
import { makePki, type Pki } from "./pki.ts";

const NODE = "/usr/bin/node";
const T = 120_000;
let dir = "";
let pki: Pki;
let tb: TestBroker;
let strict: TestBroker;
let keystore = "";
const port = (b: TestBroker, name: string) => b.broker.context.listeners.find((l) => l.name === name)!.advertisedPort;
let client: { key: string; cert: string; both: string };
let stranger: { key: string; cert: string };

beforeAll(async () => {
  dir = tempDir("takhin-tls-");
  pki = makePki(dir);
  const server = pki.issue("server", "/CN=takhin-broker/O=Takhin", true);
  keystore = join(dir, "keystore.pem");
  copyFileSync(server.both, keystore);
  client = pki.issue("alice", "/O=Acme/OU=eng/CN=alice", false);
  // A certificate from another CA: offered on a requested listener, it closes the connection.
  const otherDir = tempDir("takhin-tls-other-");
  stranger = makePki(otherDir).issue("eve", "/CN=eve", false);
  tb = await startTestBroker({
    listeners: "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0",
    sslKeystoreLocation: keystore,
    sslTruststoreLocation: pki.caPem,
    sslClientAuth: "requested",
    sslPrincipalMappingRules: "RULE:^CN=([^,]+),OU=eng,.*$/$1/U,DEFAULT",
    saslEnabledMechanisms: "SCRAM-SHA-512,PLAIN",
    plainSaslJaasConfig: 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
    connectionFailedAuthenticationDelayMs: 0,
  });
  const m = tb.broker.context.metadata;
  const salt = new Uint8Array(16).fill(9);
  alterScramUsers(m.image, { deletions: [], upsertions: [{ name: "bob", mechanism: 2, iterations: 4096, salt, saltedPassword: saltedPassword(2, "bob-secret", salt, 4096) }] }, (r) => m.commit(r));
  strict = await startTestBroker({ listeners: "SSL://127.0.0.1:0", sslKeystoreLocation: server.both, sslTruststoreLocation: pki.caPem, sslClientAuth: "required" });
}, 60_000);
afterAll(async () => {
  for (const b of [tb, strict]) {
    await b?.stop();
    if (b) removeDir(b.dataDir);
  }
});

async function kcat(bootstrap: string, conf: string[], args: string[], stdin?: string) {
  const proc = Bun.spawn([KCAT, "-b", bootstrap, ...conf.flatMap((c) => ["-X", c]), ...args], { stdin: stdin === undefined ? "ignore" : new Blob([stdin]), stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  clearTimeout(timer);
  return { code: proc.exitCode, out, err };
}

async function sClient(p: number, extra: string[]): Promise<string> {
  const proc = Bun.spawn(["openssl", "s_client", "-connect", `127.0.0.1:${p}`, "-CAfile", pki.caPem, ...extra], { stdin: new Blob([""]), stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  clearTimeout(timer);
  return out + err;
}

const sslConf = () => ["security.protocol=SSL", `ssl.ca.location=${pki.caPem}`];

describe("principal mapping rules", () => {
  test("Kafka's RULE syntax: first matching rule, $1 groups, L/U, DEFAULT, commas inside patterns", () => {
    const rules = parseMappingRules("RULE:^CN=([^,]+),OU=ServiceUsers,.*$/svc-$1/L, RULE:^CN=(.*?),OU=(.*?),O=.*$/$1@$2/, DEFAULT");
    expect(applyMappingRules(rules, "CN=Kafka,OU=ServiceUsers,O=Acme,C=US")).toBe("svc-kafka");
    expect(applyMappingRules(rules, "CN=alice,OU=eng,O=Acme")).toBe("alice@eng");
    expect(applyMappingRules(rules, "CN=bob")).toBe("CN=bob");
    expect(rfc2253("O=Acme\nOU=eng\nCN=a\\,b")).toBe("CN=a\\\\\\,b,OU=eng,O=Acme");
    expect(() => parseMappingRules("RULE:broken")).toThrow("ssl_principal_mapping_rules");
  });
});

describe("SSL listener, ssl_client_auth requested", () => {
  test("kcat without a client certificate: produce and consume as User:ANONYMOUS", async () => {
    const b = `127.0.0.1:${port(tb, "SSL")}`;
    expect((await kcat(b, sslConf(), ["-P", "-t", "tls-anon"], "hello\n")).code).toBe(0);
    const c = await kcat(b, sslConf(), ["-C", "-t", "tls-anon", "-o", "beginning", "-c", "1", "-e", "-q"]);
    expect(c.out.trim(), c.err).toBe("hello");
    expect(tb.logs.some((l) => l.includes("TLS connection") && l.includes("principal=User:ANONYMOUS"))).toBe(true);
  }, T);

  test("kcat with a client certificate: the principal is the mapped subject (User:ALICE)", async () => {
    const r = await kcat(`127.0.0.1:${port(tb, "SSL")}`, [...sslConf(), `ssl.certificate.location=${client.cert}`, `ssl.key.location=${client.key}`], ["-L", "-m", "10"]);
    expect(r.code, r.err).toBe(0);
    expect(tb.logs.some((l) => l.includes("TLS connection") && l.includes("principal=User:ALICE"))).toBe(true);
  }, T);

  test("a certificate from an unknown CA closes the connection; another client is served meanwhile", async () => {
    const r = await kcat(`127.0.0.1:${port(tb, "SSL")}`, [...sslConf(), `ssl.certificate.location=${stranger.cert}`, `ssl.key.location=${stranger.key}`], ["-L", "-m", "3"]);
    expect(r.code).not.toBe(0);
    expect(tb.logs.some((l) => l.includes("client certificate refused"))).toBe(true);
    expect((await kcat(`127.0.0.1:${port(tb, "SSL")}`, sslConf(), ["-L", "-m", "10"])).code).toBe(0);
  }, T);

  test("metadata over SSL names the SSL listener's port", async () => {
    const r = await kcat(`127.0.0.1:${port(tb, "SSL")}`, sslConf(), ["-L", "-J", "-m", "10"]);
    expect(JSON.parse(r.out.trim().split("\n").pop()!).brokers[0].name).toBe(`127.0.0.1:${port(tb, "SSL")}`);
  }, T);

  test("TLS 1.2 and 1.3 are served, 1.1 is refused", async () => {
    const p = port(tb, "SSL");
    expect(await sClient(p, ["-tls1_3"])).toContain("New, TLSv1.3, Cipher is");
    expect(await sClient(p, ["-tls1_2"])).toContain("New, TLSv1.2, Cipher is");
    const old = await sClient(p, ["-tls1_1"]);
    expect(old).toContain("New, (NONE), Cipher is (NONE)");
    expect(old).toContain("alert protocol version");
  }, T);

  test("confluent-kafka-python over SSL with a client certificate: produce and consume", async () => {
    const conf = { "bootstrap.servers": `127.0.0.1:${port(tb, "SSL")}`, "security.protocol": "SSL", "ssl.ca.location": pki.caPem, "ssl.certificate.location": client.cert, "ssl.key.location": client.key };
    const r = await runClient([PYTHON, join(import.meta.dir, "scripts", "confluent-sasl.py"), JSON.stringify(conf), "tls-py"], 60_000);
    expect(JSON.parse(r.stdout.trim().split("\n").pop()!).ok, r.stdout + r.stderr).toBe(true);
  }, T);
});

describe("SSL listener, ssl_client_auth required", () => {
  test("no client certificate: refused; with one: served", async () => {
    const b = `127.0.0.1:${strict.port}`;
    expect((await kcat(b, sslConf(), ["-L", "-m", "3"])).code).not.toBe(0);
    const r = await kcat(b, [...sslConf(), `ssl.certificate.location=${client.cert}`, `ssl.key.location=${client.key}`], ["-L", "-m", "10"]);
    expect(r.code, r.err).toBe(0);
  }, T);
});

describe("SASL_SSL", () => {
  test("kcat and confluent-kafka-python with SCRAM-SHA-512 over TLS", async () => {
    const b = `127.0.0.1:${port(tb, "SASL_SSL")}`;
    const conf = ["security.protocol=SASL_SSL", `ssl.ca.location=${pki.caPem}`, "sasl.mechanisms=SCRAM-SHA-512", "sasl.username=bob", "sasl.password=bob-secret"];
    expect((await kcat(b, conf, ["-P", "-t", "tls-sasl"], "over-tls\n")).code).toBe(0);
    expect((await kcat(b, conf, ["-C", "-t", "tls-sasl", "-o", "beginning", "-c", "1", "-e", "-q"])).out.trim()).toBe("over-tls");
    const py = { "bootstrap.servers": b, "security.protocol": "SASL_SSL", "ssl.ca.location": pki.caPem, "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "bob", "sasl.password": "bob-secret" };
    const r = await runClient([PYTHON, join(import.meta.dir, "scripts", "confluent-sasl.py"), JSON.stringify(py), "tls-sasl-py"], 60_000);
    expect(JSON.parse(r.stdout.trim().split("\n").pop()!).ok, r.stdout + r.stderr).toBe(true);
    expect(tb.logs.some((l) => l.includes("mechanism=SCRAM-SHA-512 principal=User:bob"))).toBe(true);
  }, T);

  test("kafkajs PLAIN over TLS", async () => {
    const r = await runClient([NODE, join(import.meta.dir, "scripts", "kafkajs-sasl.mjs"), `127.0.0.1:${port(tb, "SASL_SSL")}`, "plain", "alice", "alice-secret", "tls-kjs", pki.caPem], 60_000);
    expect(JSON.parse(r.stdout.trim().split("\n").pop()!), r.stderr).toEqual({ ok: true });
  }, T);

  test("the Java client: SCRAM-SHA-512 over SASL_SSL with a PEM truststore, and SSL with a client certificate", async () => {
    const props = join(dir, "java-sasl-ssl.properties");
    await Bun.write(props, ["security.protocol=SASL_SSL", "ssl.truststore.type=PEM", `ssl.truststore.location=${pki.caPem}`, "sasl.mechanism=SCRAM-SHA-512", 'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="bob" password="bob-secret";'].join("\n") + "\n");
    const a = await runJava("org.apache.kafka.tools.TopicCommand", ["--bootstrap-server", `127.0.0.1:${port(tb, "SASL_SSL")}`, "--command-config", props, "--create", "--topic", "java-tls", "--partitions", "1"], { timeoutMs: 90_000 });
    expect(a.exitCode, explain(a)).toBe(0);
    const mtls = join(dir, "java-ssl.properties");
    await Bun.write(mtls, ["security.protocol=SSL", "ssl.truststore.type=PEM", `ssl.truststore.location=${pki.caPem}`, "ssl.keystore.type=PEM", `ssl.keystore.location=${client.both}`].join("\n") + "\n");
    const b = await runJava("org.apache.kafka.tools.TopicCommand", ["--bootstrap-server", `127.0.0.1:${strict.port}`, "--command-config", mtls, "--list"], { timeoutMs: 90_000 });
    expect(b.exitCode, explain(b)).toBe(0);
  }, T);
});

describe("certificate reload without restart", () => {
  test("a new keystore file is served to new connections; an open connection goes on", async () => {
    const p = port(tb, "SSL");
    const before = await sClient(p, []);
    expect(before).toContain("CN = takhin-broker, O = Takhin");
    // An open kcat consumer keeps its session across the reload.
    expect((await kcat(`127.0.0.1:${p}`, sslConf(), ["-P", "-t", "tls-reload"], "one\n")).code).toBe(0);
    const consumer = Bun.spawn([KCAT, "-b", `127.0.0.1:${p}`, ...sslConf().flatMap((c) => ["-X", c]), "-C", "-u", "-t", "tls-reload", "-o", "beginning", "-c", "2", "-q"], { stdout: "pipe", stderr: "pipe" });
    const killer = setTimeout(() => consumer.kill("SIGKILL"), 60_000);
    const reader = consumer.stdout.getReader();
    let seen = "";
    const readUntil = async (want: string) => {
      while (!seen.includes(want)) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += new TextDecoder().decode(value);
      }
    };
    await readUntil("one\n");
    const next = pki.issue("server2", "/CN=takhin-broker-renewed/O=Takhin", true);
    copyFileSync(next.both, keystore);
    const deadline = Date.now() + 20_000;
    while (!tb.logs.some((l) => l.includes("TLS certificates reloaded")) && Date.now() < deadline) await Bun.sleep(100);
    expect(tb.logs.some((l) => l.includes("TLS certificates reloaded") && l.includes("takhin-broker-renewed"))).toBe(true);
    expect(await sClient(p, [])).toContain("CN = takhin-broker-renewed");
    expect((await kcat(`127.0.0.1:${p}`, sslConf(), ["-P", "-t", "tls-reload"], "two\n")).code).toBe(0);
    await readUntil("two\n");
    clearTimeout(killer);
    consumer.kill();
    expect(seen.trim().split("\n"), await new Response(consumer.stderr).text()).toEqual(["one", "two"]);
    await consumer.exited;
    // SIGHUP's path (src/main.ts calls reloadSecurity): a broken file keeps the certificates in use.
    await Bun.write(keystore, "not a pem file");
    expect(tb.broker.reloadSecurity("test")).toBe(false);
    expect(await sClient(p, [])).toContain("CN = takhin-broker-renewed");
    copyFileSync(next.both, keystore);
    expect(tb.broker.reloadSecurity("test")).toBe(true);
  }, T);
});

describe("fuzz of TLS handshake bytes", () => {
  test("random bytes (and a truncated ClientHello) on the TLS ports never disturb another client", async () => {
    const hello = new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("SSL", "SASL_SSL"), fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 600 }), fc.uint8Array({ maxLength: 200 }).map((tail) => new Uint8Array([...hello, ...tail]))), async (listener, bytes) => {
        await new Promise<void>((resolve) => {
          const s = connect(port(tb, listener), "127.0.0.1", () => s.end(Buffer.from(bytes)));
          s.on("error", () => resolve());
          s.on("close", () => resolve());
          s.setTimeout(500, () => s.destroy());
        });
      }),
      { numRuns: 40, seed: Number(process.env.FC_SEED ?? Date.now() % 1e9), verbose: true },
    );
    const r = await kcat(`127.0.0.1:${port(tb, "SSL")}`, sslConf(), ["-L", "-m", "10"]);
    expect(r.code, r.err).toBe(0);
    expect(tb.broker.health().every((s) => s.health !== "failed")).toBe(true);
  }, T);
});

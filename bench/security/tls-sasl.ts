/**
 * The cost of TLS and SASL_SSL next to PLAINTEXT, on Takhin and on Apache Kafka 4.4, in one run
 * (issue 19 item 8): both brokers get three listeners (PLAINTEXT, SSL, SASL_SSL with PLAIN) and the
 * same certificate from a throwaway openssl CA; Kafka's own kafka-producer-perf-test and
 * kafka-consumer-perf-test run against each listener of each broker, interleaved
 * (Takhin, Kafka, Takhin, Kafka per protocol and round), with the page cache settled before each
 * producer run. Also prints what Kafka answers before authentication (the behaviour Takhin copies).
 *
 *   bun bench/security/tls-sasl.ts [records=300000] [recordBytes=1024] [rounds=2]
 *
 * Output: one line per run and a table of medians (MB/s produced, MB/s consumed).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kafkaClasspath } from "../../peer/kafka/classpath.ts";
import { startKafkaPeer } from "../../peer/kafka/launcher.ts";
import { freePort } from "../../peer/kafka/probe.ts";
import { settlePageCache } from "../compare/brokers.ts";
import { makePki } from "../../test/security/pki.ts";
import { RawClient } from "../../test/helpers/raw-client.ts";
import { SaslHandshake } from "../../src/protocol/messages/sasl-handshake.ts";
import { SaslAuthenticate } from "../../src/protocol/messages/sasl-authenticate.ts";

const records = Number(process.argv[2] ?? 300_000);
const recordBytes = Number(process.argv[3] ?? 1024);
const rounds = Number(process.argv[4] ?? 2);
const root = join(tmpdir(), `takhin-tls-bench-${process.pid}`);
mkdirSync(root, { recursive: true });
const pki = makePki(root);
const server = pki.issue("server", "/CN=bench-broker", true);
const JAAS_SERVER = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="bench" password="bench-secret" user_bench="bench-secret";';
const cp = kafkaClasspath();

const ports = { takhin: { PLAINTEXT: freePort(), SSL: freePort(), SASL_SSL: freePort() }, kafka: { PLAINTEXT: freePort(), SSL: freePort(), SASL_SSL: freePort() } };

const takhinDir = join(root, "takhin");
const takhin = Bun.spawn(["bun", "src/main.ts"], {
  env: {
    ...process.env,
    TAKHIN_DATA_DIR: takhinDir,
    TAKHIN_HOST: "127.0.0.1",
    TAKHIN_LISTENERS: `PLAINTEXT://127.0.0.1:${ports.takhin.PLAINTEXT},SSL://127.0.0.1:${ports.takhin.SSL},SASL_SSL://127.0.0.1:${ports.takhin.SASL_SSL}`,
    TAKHIN_SSL_KEYSTORE_LOCATION: server.both,
    TAKHIN_SASL_ENABLED_MECHANISMS: "PLAIN",
    TAKHIN_PLAIN_SASL_JAAS_CONFIG: JAAS_SERVER,
    TAKHIN_ADMIN_API_PORT: "-1",
    TAKHIN_SCHEMA_REGISTRY_PORT: "-1",
    TAKHIN_HTTP_PROXY_PORT: "-1",
    TAKHIN_CONSOLE_PORT: "-1",
    TAKHIN_LOG_LEVEL: "warn",
  },
  stdout: "ignore",
  stderr: "inherit",
});
const peer = await startKafkaPeer({
  dataDir: join(root, "kafka"),
  port: ports.kafka.PLAINTEXT,
  overrides: {
    listeners: `PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controllerPort},SSL://{host}:${ports.kafka.SSL},SASL_SSL://{host}:${ports.kafka.SASL_SSL}`,
    "advertised.listeners": `PLAINTEXT://{host}:{port},SSL://{host}:${ports.kafka.SSL},SASL_SSL://{host}:${ports.kafka.SASL_SSL}`,
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL",
    "ssl.keystore.type": "PEM",
    "ssl.keystore.location": server.both,
    "sasl.enabled.mechanisms": "PLAIN",
    "listener.name.sasl_ssl.plain.sasl.jaas.config": JAAS_SERVER,
    "group.initial.rebalance.delay.ms": 0,
  },
});
await Bun.sleep(1000);

// What Kafka answers to the SASL APIs on a listener without SASL (Takhin answers the same).
async function probeKafka() {
  const out: string[] = [];
  const c = await RawClient.connect(ports.kafka.PLAINTEXT);
  const hs = await c.call(SaslHandshake, 1, { mechanism: "PLAIN" });
  out.push(`Kafka PLAINTEXT SaslHandshake -> error ${hs.errorCode}`);
  const au = await c.call(SaslAuthenticate, 2, { authBytes: new Uint8Array(0) }, 2).catch((e) => ({ errorCode: `closed (${e.message})`, errorMessage: "" }));
  out.push(`Kafka PLAINTEXT SaslAuthenticate -> error ${au.errorCode} ${JSON.stringify(au.errorMessage)}`);
  c.close();
  return out;
}
for (const l of await probeKafka()) console.log(l);

const clientProps = (proto: string) => {
  const lines = [`security.protocol=${proto}`];
  if (proto !== "PLAINTEXT") lines.push("ssl.truststore.type=PEM", `ssl.truststore.location=${pki.caPem}`);
  if (proto === "SASL_SSL") lines.push("sasl.mechanism=PLAIN", 'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="bench" password="bench-secret";');
  const path = join(root, `client-${proto}.properties`);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
};

async function java(main: string, args: string[]): Promise<string> {
  const p = Bun.spawn(["java", "-Xmx512m", "-XX:+UseSerialGC", "-cp", cp, main, ...args], { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => p.kill("SIGKILL"), 300_000);
  const [o, e] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  await p.exited;
  clearTimeout(timer);
  if (p.exitCode !== 0) throw new Error(`${main} failed: ${e.slice(-2000)}`);
  return o;
}

const results: { broker: string; proto: string; produceMBs: number; consumeMBs: number }[] = [];
for (let round = 0; round < rounds; round++) {
  for (const proto of ["PLAINTEXT", "SSL", "SASL_SSL"] as const) {
    for (const broker of ["takhin", "kafka"] as const) {
      const bootstrap = `127.0.0.1:${ports[broker][proto]}`;
      const topic = `bench-${proto.toLowerCase()}-${round}`;
      const props = clientProps(proto);
      settlePageCache();
      const prod = await java("org.apache.kafka.tools.ProducerPerformance", ["--topic", topic, "--num-records", String(records), "--record-size", String(recordBytes), "--throughput", "-1", "--producer.config", props, "--producer-props", `bootstrap.servers=${bootstrap}`, "acks=1", "linger.ms=5", "batch.size=262144"]);
      const pm = /\(([\d.]+) MB\/sec\)/.exec(prod.trim().split("\n").pop()!);
      const cons = await java("org.apache.kafka.tools.ConsumerPerformance", ["--bootstrap-server", bootstrap, "--topic", topic, "--messages", String(records), "--command-config", props, "--timeout", "60000"]);
      const line = cons.trim().split("\n").pop()!.split(",").map((x) => x.trim());
      const r = { broker, proto, produceMBs: Number(pm?.[1] ?? NaN), consumeMBs: Number(line[3]) };
      results.push(r);
      console.log(`round ${round} ${broker.padEnd(6)} ${proto.padEnd(9)} produce ${r.produceMBs.toFixed(1)} MB/s  consume ${r.consumeMBs.toFixed(1)} MB/s`);
    }
  }
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`\nupper medians over ${rounds} rounds, ${records} records of ${recordBytes} B, acks=1 (MB/s produced / consumed):`);
console.log("protocol   takhin            kafka");
for (const proto of ["PLAINTEXT", "SSL", "SASL_SSL"]) {
  const row = (b: string) => {
    const rs = results.filter((r) => r.broker === b && r.proto === proto);
    return `${median(rs.map((r) => r.produceMBs)).toFixed(1)} / ${median(rs.map((r) => r.consumeMBs)).toFixed(1)}`;
  };
  console.log(`${proto.padEnd(10)} ${row("takhin").padEnd(17)} ${row("kafka")}`);
}
takhin.kill("SIGTERM");
await takhin.exited;
await peer.stop();
rmSync(root, { recursive: true, force: true });
process.exit(0);

/**
 * What Apache Kafka 4.4 answers on a SASL_PLAINTEXT listener before and during a login — the
 * reference for src/security/authenticator.ts. Prints one line per probe.
 *
 *   bun bench/security/kafka-sasl-probe.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startKafkaPeer } from "../../peer/kafka/launcher.ts";
import { freePort } from "../../peer/kafka/probe.ts";
import { RawClient } from "../../test/helpers/raw-client.ts";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { SaslHandshake } from "../../src/protocol/messages/sasl-handshake.ts";
import { SaslAuthenticate } from "../../src/protocol/messages/sasl-authenticate.ts";

const dir = mkdtempSync(join(tmpdir(), "kafka-sasl-probe-"));
const sasl = freePort();
const peer = await startKafkaPeer({
  dataDir: dir,
  overrides: {
    listeners: `PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controllerPort},SASL_PLAINTEXT://{host}:${sasl}`,
    "advertised.listeners": `PLAINTEXT://{host}:{port},SASL_PLAINTEXT://{host}:${sasl}`,
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
    "sasl.enabled.mechanisms": "PLAIN",
    "listener.name.sasl_plaintext.plain.sasl.jaas.config": 'org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="a" user_alice="alice-secret";',
  },
});
const plain = (u: string, p: string) => new TextEncoder().encode(`\u0000${u}\u0000${p}`);
const md = { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false };
async function probe(name: string, f: (c: RawClient) => Promise<unknown>) {
  const c = await RawClient.connect(sasl);
  try {
    console.log(`${name}: ${JSON.stringify(await f(c), (_k, v) => (typeof v === "bigint" ? Number(v) : v instanceof Uint8Array ? `<${v.length} bytes>` : v))}`);
  } catch (e) {
    console.log(`${name}: ${(e as Error).message}`);
  }
  console.log(`  closed afterwards: ${await c.waitClosed(1500)}`);
  c.close();
}
await probe("Metadata before any handshake", (c) => c.call(Metadata, 12, md));
await probe("ApiVersions then Metadata", async (c) => [(await c.call(ApiVersions, 3, { clientSoftwareName: "p", clientSoftwareVersion: "1" })).errorCode, await c.call(Metadata, 12, md, 2)]);
await probe("handshake GSSAPI (not enabled)", (c) => c.call(SaslHandshake, 1, { mechanism: "GSSAPI" }));
await probe("handshake v1 then ApiVersions", async (c) => [await c.call(SaslHandshake, 1, { mechanism: "PLAIN" }), await c.call(ApiVersions, 3, { clientSoftwareName: "p", clientSoftwareVersion: "1" }, 2)]);
await probe("wrong password", async (c) => [await c.call(SaslHandshake, 1, { mechanism: "PLAIN" }), await c.call(SaslAuthenticate, 2, { authBytes: plain("alice", "nope") }, 2)]);
await probe("unknown user", async (c) => [await c.call(SaslHandshake, 1, { mechanism: "PLAIN" }), await c.call(SaslAuthenticate, 2, { authBytes: plain("mallory", "x") }, 2)]);
await probe("login, then SaslAuthenticate again", async (c) => [await c.call(SaslHandshake, 1, { mechanism: "PLAIN" }), await c.call(SaslAuthenticate, 2, { authBytes: plain("alice", "alice-secret") }, 2), await c.call(SaslAuthenticate, 2, { authBytes: plain("alice", "alice-secret") }, 3)]);
await peer.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);

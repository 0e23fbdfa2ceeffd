/**
 * DescribeClientQuotas / AlterClientQuotas against Apache Kafka 4.4 (the local peer, peer/kafka)
 * and Takhin side by side: the served versions, every refusal (code and message), the duplicate
 * rules, and what each stores afterwards, compared as they are. Needs Java 17+ and the
 * Maven-resolved Kafka classpath (.ci/run installs both), as the differential suite.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startKafkaPeer, type KafkaPeer } from "../../peer/kafka/launcher.ts";
import { AlterClientQuotas } from "../../src/protocol/messages/alter-client-quotas.ts";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { DescribeClientQuotas } from "../../src/protocol/messages/describe-client-quotas.ts";
import { RawClient, startTestBroker, type TestBroker } from "../helpers/broker.ts";

let peer: KafkaPeer;
let peerDir = "";
let tb: TestBroker;
beforeAll(async () => {
  peerDir = mkdtempSync(join(tmpdir(), "takhin-quotas-kafka-"));
  [peer, tb] = await Promise.all([startKafkaPeer({ dataDir: peerDir }), startTestBroker({})]);
}, 180_000);
afterAll(async () => {
  for (const n of peer?.state.nodes ?? []) peer.kill(n.nodeId);
  await Promise.all([peer?.stop(), tb?.stop()]);
  if (peerDir) rmSync(peerDir, { recursive: true, force: true });
}, 60_000);

type Part = { entityType: string; entityName: string | null };
const op = (key: string, value: number, remove = false) => ({ key, value, remove });
const alice: Part = { entityType: "user", entityName: "alice" };
const ip = (name: string | null): Part => ({ entityType: "ip", entityName: name });

/** Each sent in its own request. */
const SINGLE: { entity: Part[]; ops: ReturnType<typeof op>[] }[] = [
  { entity: [alice], ops: [op("no_such_quota", 1)] },
  { entity: [alice], ops: [op("connection_creation_rate", 1)] },
  { entity: [ip("10.0.0.1")], ops: [op("producer_byte_rate", 1)] },
  { entity: [alice, ip("10.0.0.1")], ops: [op("connection_creation_rate", 1)] },
  { entity: [alice, { entityType: "user", entityName: "bob" }], ops: [op("producer_byte_rate", 1)] },
  { entity: [], ops: [op("producer_byte_rate", 1)] },
  { entity: [alice], ops: [op("producer_byte_rate", 1.5)] },
  { entity: [ip("not-an-ip")], ops: [op("connection_creation_rate", 1)] },
  { entity: [{ entityType: "group", entityName: "g" }], ops: [op("producer_byte_rate", 1)] },
  { entity: [{ entityType: "user", entityName: "carol" }], ops: [op("producer_byte_rate", 777)] },
  { entity: [{ entityType: "user", entityName: "" }], ops: [op("producer_byte_rate", 777)] },
  { entity: [{ entityType: "user", entityName: "dave" }], ops: [op("producer_byte_rate", -5)] },
  { entity: [{ entityType: "user", entityName: "erin" }], ops: [op("producer_byte_rate", 0, true)] },
  { entity: [{ entityType: "client-id", entityName: "c" }], ops: [op("request_percentage", 2.5), op("request_percentage", 3)] },
  { entity: [ip("::1")], ops: [op("connection_creation_rate", 2.5)] },
  { entity: [ip(null)], ops: [op("connection_creation_rate", 20)] },
  { entity: [{ entityType: "user", entityName: null }, { entityType: "client-id", entityName: "app" }], ops: [op("consumer_byte_rate", 4096), op("request_percentage", 12.5)] },
];
const FILTERS = [
  { components: [ip(null), alice].map((p) => ({ entityType: p.entityType, matchType: 2, match: null })), strict: false },
  { components: [{ entityType: "user", matchType: 0, match: null }], strict: false },
  { components: [{ entityType: "user", matchType: 1, match: "x" }], strict: false },
  { components: [{ entityType: "group", matchType: 2, match: null }], strict: false },
  { components: [{ entityType: "user", matchType: 2, match: null }, { entityType: "user", matchType: 2, match: null }], strict: false },
  { components: [{ entityType: "user", matchType: 7, match: null }], strict: false },
  { components: [{ entityType: "user", matchType: 1, match: null }], strict: false },
  { components: [{ entityType: "user", matchType: 2, match: null }], strict: true },
  { components: [], strict: false },
  { components: [], strict: true },
];

async function transcript(port: number): Promise<unknown> {
  const c = await RawClient.connect(port);
  try {
    const av = await c.call(ApiVersions, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    const versions = av.apiKeys.filter((k: any) => k.apiKey === 48 || k.apiKey === 49).map((k: any) => [k.apiKey, k.minVersion, k.maxVersion]);
    const single = [];
    for (const e of SINGLE) single.push((await c.call(AlterClientQuotas, 1, { entries: [e], validateOnly: false })).entries);
    const dup = (await c.call(AlterClientQuotas, 1, { entries: [{ entity: [alice], ops: [op("producer_byte_rate", 5)] }, { entity: [alice], ops: [op("consumer_byte_rate", 6)] }, { entity: [{ entityType: "user", entityName: "zed" }], ops: [op("producer_byte_rate", 7)] }], validateOnly: false })).entries;
    const validateOnly = (await c.call(AlterClientQuotas, 0, { entries: [{ entity: [{ entityType: "user", entityName: "val" }], ops: [op("producer_byte_rate", 5)] }], validateOnly: true })).entries;
    const described = [];
    for (const f of FILTERS) {
      const r = await c.call(DescribeClientQuotas, 1, f);
      const entries = r.entries === null ? null : r.entries.map((e: any) => ({ entity: [...e.entity].sort((a: Part, b: Part) => (a.entityType < b.entityType ? -1 : 1)), values: [...e.values].sort((a: any, b: any) => (a.key < b.key ? -1 : 1)) })).sort((a: any, b: any) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
      described.push({ errorCode: r.errorCode, errorMessage: r.errorMessage, entries });
    }
    return { versions, single, dup, validateOnly, described };
  } finally {
    c.close();
  }
}

test("Takhin answers the client-quota APIs as Kafka 4.4 does", async () => {
  const kafka = await transcript(peer.state.nodes[0]!.port);
  const takhin = await transcript(tb.port);
  expect(takhin).toEqual(kafka);
}, 120_000);

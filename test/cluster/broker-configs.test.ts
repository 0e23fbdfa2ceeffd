/**
 * Dynamic broker configs on a 3-node cluster (each node its own process, src/cluster-launcher.ts):
 * a change made through one node goes through the active controller into the metadata log and is
 * visible from every node (DescribeConfigs BROKER "" and "<id>", and TOPIC configs without an
 * override take it with source DYNAMIC_DEFAULT_BROKER_CONFIG); a per-broker value applies to its
 * broker only; Kafka 4.4's own kafka-configs tool alters and describes the cluster default; a full
 * cluster restart keeps everything. Bounded: every wait has a deadline; the cluster is stopped and
 * its directory removed at the end.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { dirname } from "node:path";
import type { LocalCluster } from "../../src/cluster-launcher.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { DescribeConfigs } from "../../src/protocol/messages/describe-configs.ts";
import { IncrementalAlterConfigs } from "../../src/protocol/messages/incremental-alter-configs.ts";
import { ConfigSource as S } from "../../src/cluster/topic-config.ts";
import { RawClient, removeDir } from "../helpers/broker.ts";
import { explain, requireJava, runJava } from "../java/java.ts";
import { startTestCluster, waitFor } from "./quorum-cluster.ts";

const BROKER = 4;
const TOPIC = 2;
const T = 240_000;

let cluster: LocalCluster;

beforeAll(async () => {
  cluster = await startTestCluster(3);
}, 180_000);
afterAll(async () => {
  if (!cluster) return;
  await cluster.stop();
  removeDir(dirname(cluster.nodes[0]!.dataDir));
}, 60_000);

async function withClient<R>(node: number, f: (c: RawClient) => Promise<R>): Promise<R> {
  const c = await RawClient.connect(cluster.node(node).kafkaPort);
  try {
    return await f(c);
  } finally {
    c.close();
  }
}

async function describe(node: number, resourceType: number, name: string, keys: string[] | null = null): Promise<Record<string, any>> {
  return withClient(node, async (c) => {
    const res = await c.call(DescribeConfigs, 4, { resources: [{ resourceType, resourceName: name, configurationKeys: keys }], includeSynonyms: true, includeDocumentation: false });
    if (res.results[0].errorCode !== ErrorCode.NONE) throw new Error(`DescribeConfigs ${name}: ${res.results[0].errorCode} ${res.results[0].errorMessage}`);
    return Object.fromEntries(res.results[0].configs.map((x: any) => [x.name, x]));
  });
}

/** IncrementalAlterConfigs through `node`, retried while no controller is known (a new cluster settling). */
async function alter(node: number, name: string, configs: { name: string; configOperation: number; value: string | null }[]): Promise<void> {
  await waitFor(`alter ${name} via node ${node}`, () =>
    withClient(node, async (c) => {
      const r = (await c.call(IncrementalAlterConfigs, 1, { resources: [{ resourceType: BROKER, resourceName: name, configs }], validateOnly: false })).responses[0];
      if (r.errorCode === ErrorCode.NOT_CONTROLLER) return undefined;
      expect(r).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null });
      return true;
    }),
  );
}

const ALL = [0, 1, 2];

test("a cluster default set through one node is visible from all and applies to topics without an override", async () => {
  await alter(1, "", [{ name: "log.retention.ms", configOperation: 0, value: "3600000" }]);
  for (const n of ALL) {
    const d = await waitFor(`default on node ${n}`, async () => {
      const x = (await describe(n, BROKER, ""))["log.retention.ms"];
      return x?.value === "3600000" ? x : undefined;
    });
    expect(d.configSource).toBe(S.DYNAMIC_DEFAULT_BROKER_CONFIG);
    expect((await describe(n, BROKER, String(n), ["log.retention.ms"]))["log.retention.ms"]).toMatchObject({ value: "3600000", configSource: S.DYNAMIC_DEFAULT_BROKER_CONFIG });
  }
  await waitFor("topic created", () =>
    withClient(0, async (c) => {
      const r = await c.call(CreateTopics, 5, { topics: [{ name: "dyn-cluster", numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
      const code = r.topics[0].errorCode;
      if (code === ErrorCode.NOT_CONTROLLER) return undefined;
      expect([ErrorCode.NONE, ErrorCode.TOPIC_ALREADY_EXISTS]).toContain(code);
      return true;
    }),
  );
  for (const n of ALL) {
    const r = await waitFor(`topic configs on node ${n}`, async () => (await describe(n, TOPIC, "dyn-cluster", ["retention.ms"]))["retention.ms"]);
    expect(r).toMatchObject({ value: "3600000", configSource: S.DYNAMIC_DEFAULT_BROKER_CONFIG });
  }
}, T);

test("a per-broker value applies to that broker only", async () => {
  await alter(2, "2", [{ name: "log.segment.bytes", configOperation: 0, value: "2097152" }]);
  const mine = await waitFor("per-broker value on node 2", async () => {
    const x = (await describe(2, BROKER, "2", ["log.segment.bytes"]))["log.segment.bytes"];
    return x?.value === "2097152" ? x : undefined;
  });
  expect(mine.configSource).toBe(S.DYNAMIC_BROKER_CONFIG);
  expect((await describe(2, TOPIC, "dyn-cluster", ["segment.bytes"]))["segment.bytes"]).toMatchObject({ value: "2097152", configSource: S.DYNAMIC_BROKER_CONFIG });
  // The other brokers keep Kafka's default.
  for (const n of [0, 1]) {
    expect((await describe(n, BROKER, String(n), ["log.segment.bytes"]))["log.segment.bytes"]).toMatchObject({ value: "1073741824", configSource: S.DEFAULT_CONFIG });
    expect((await describe(n, TOPIC, "dyn-cluster", ["segment.bytes"]))["segment.bytes"].configSource).toBe(S.DEFAULT_CONFIG);
  }
}, T);

test("Kafka's kafka-configs alters and describes the cluster default through the cluster", async () => {
  requireJava();
  const tool = async (bootstrap: string, args: string[]) => {
    const r = await runJava("org.apache.kafka.tools.ConfigCommand", ["--bootstrap-server", bootstrap, ...args], { timeoutMs: 60_000 });
    if (r.timedOut || r.exitCode !== 0) throw new Error(explain(r));
    return r.stdout.split("\n").filter((l) => l.trim() !== "");
  };
  expect(await tool(cluster.bootstrap, ["--entity-type", "brokers", "--entity-default", "--alter", "--add-config", "log.retention.bytes=123456789"])).toEqual([
    "Completed updating default config for brokers in the cluster.",
  ]);
  for (const n of ALL) {
    const lines = await waitFor(`kafka-configs sees the default via node ${n}`, async () => {
      const out = await tool(`127.0.0.1:${cluster.node(n).kafkaPort}`, ["--entity-type", "brokers", "--entity-default", "--describe"]);
      return out.some((l) => l.includes("log.retention.bytes=123456789")) ? out : undefined;
    }, 60_000, 500);
    expect(lines).toEqual([
      "Default configs for brokers in the cluster are:",
      "  log.retention.bytes=123456789 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.bytes=123456789}",
      "  log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000}",
    ]);
  }
  const all = await tool(`127.0.0.1:${cluster.node(1).kafkaPort}`, ["--entity-type", "brokers", "--entity-name", "1", "--describe", "--all"]);
  expect(all[0]).toBe("All configs for broker 1 are:");
  expect(all.find((l) => l.trim().startsWith("log.retention.bytes="))!.trim()).toBe(
    "log.retention.bytes=123456789 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.bytes=123456789, DEFAULT_CONFIG:log.retention.bytes=-1}",
  );
  const refused = await runJava("org.apache.kafka.tools.ConfigCommand", ["--bootstrap-server", cluster.bootstrap, "--entity-type", "brokers", "--entity-default", "--alter", "--add-config", "num.partitions=3"], { timeoutMs: 60_000 });
  expect(refused.exitCode).toBe(1);
  expect(refused.stdout + refused.stderr).toContain("InvalidRequestException: Cannot update these configs dynamically: [num.partitions]");
}, T);

test("a full cluster restart keeps the dynamic configs", async () => {
  await cluster.stop();
  await Promise.all(ALL.map((n) => cluster.start(n)));
  for (const n of ALL) {
    const d = await waitFor(`defaults on node ${n} after restart`, async () => {
      const x = await describe(n, BROKER, "");
      return x["log.retention.ms"] ? x : undefined;
    }, 60_000);
    expect(Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.value]))).toEqual({ "log.retention.bytes": "123456789", "log.retention.ms": "3600000" });
    expect((await describe(n, TOPIC, "dyn-cluster", ["retention.ms"]))["retention.ms"]).toMatchObject({ value: "3600000", configSource: S.DYNAMIC_DEFAULT_BROKER_CONFIG });
  }
  expect((await describe(2, BROKER, "2", ["log.segment.bytes"]))["log.segment.bytes"]).toMatchObject({ value: "2097152", configSource: S.DYNAMIC_BROKER_CONFIG });
}, T);

/**
 * Dynamic broker configs on one node, over a real socket (RawClient) against an in-process broker
 * on real files: DescribeConfigs BROKER "" and "<id>" (values, sources, synonyms, read-only flags,
 * types and documentation), IncrementalAlterConfigs / AlterConfigs for BROKER resources with
 * Kafka 4.4's errors and messages (probed against a Kafka 4.4 broker), validate_only, the effect
 * (a topic without an override takes the new default at once; max.connections refuses new
 * connections), and persistence across a restart (the ConfigRecords are in the metadata log).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { AlterConfigs } from "../../src/protocol/messages/alter-configs.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { DescribeConfigs } from "../../src/protocol/messages/describe-configs.ts";
import { IncrementalAlterConfigs } from "../../src/protocol/messages/incremental-alter-configs.ts";
import { ConfigSource as S, ConfigType } from "../../src/cluster/topic-config.ts";
import { dynamicBrokerKeys } from "../../src/cluster/broker-config.ts";
import { RawClient, removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";

const BROKER = 4;
const TOPIC = 2;
const SET = 0;
const DELETE = 1;
const APPEND = 2;

let tb: TestBroker;
let c: RawClient;
let nodeId = "";
const dataDir = tempDir("takhin-dynconf-");

beforeAll(async () => {
  tb = await startTestBroker({}, dataDir);
  c = await RawClient.connect(tb.port);
  nodeId = String(tb.broker.context.nodeId);
});
afterAll(async () => {
  c?.close();
  await tb?.stop();
  removeDir(dataDir);
});

type Op = { name: string; configOperation: number; value: string | null };
const set = (name: string, value: string | null): Op => ({ name, configOperation: SET, value });
const del = (name: string): Op => ({ name, configOperation: DELETE, value: null });

async function incr(name: string, configs: Op[], validateOnly = false, client = c): Promise<{ errorCode: number; errorMessage: string | null }> {
  const res = await client.call(IncrementalAlterConfigs, 1, { resources: [{ resourceType: BROKER, resourceName: name, configs }], validateOnly });
  return res.responses[0];
}

async function describeRes(resourceType: number, name: string, keys: string[] | null = null, version = 4, client = c): Promise<any> {
  const res = await client.call(DescribeConfigs, version, {
    resources: [{ resourceType, resourceName: name, configurationKeys: keys }],
    includeSynonyms: true,
    includeDocumentation: version >= 3,
  });
  expect(res.results[0].errorCode).toBe(ErrorCode.NONE);
  return Object.fromEntries(res.results[0].configs.map((x: any) => [x.name, x]));
}

async function createTopic(name: string, configs: Record<string, string> = {}): Promise<void> {
  const res = await c.call(CreateTopics, 5, {
    topics: [{ name, numPartitions: 1, replicationFactor: -1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
    timeoutMs: 10_000,
    validateOnly: false,
  });
  expect(res.topics[0].errorCode).toBe(ErrorCode.NONE);
}

const partitionConfig = (topic: string) => tb.broker.context.partitions.get(topic, 0)!.config;

describe("DescribeConfigs BROKER", () => {
  test("per broker: every key, Kafka's read-only flags, types and documentation; the default resource starts empty", async () => {
    const all = await describeRes(BROKER, nodeId);
    // Read-only in Kafka 4.4 (and in Takhin); listeners is per-broker dynamic in Kafka but fixed here.
    for (const k of ["node.id", "broker.id", "log.dirs", "num.partitions", "auto.create.topics.enable", "log.retention.hours", "log.roll.hours", "listeners"]) {
      expect(all[k].readOnly).toBe(true);
    }
    for (const k of ["log.retention.ms", "log.segment.bytes", "message.max.bytes", "log.cleanup.policy", "min.insync.replicas", "max.connections", "num.io.threads"]) {
      expect(all[k].readOnly).toBe(false);
    }
    expect(all["log.retention.ms"]).toMatchObject({ value: null, configType: ConfigType.LONG, isSensitive: false });
    expect(all["log.segment.bytes"]).toMatchObject({ value: "1073741824", configSource: S.DEFAULT_CONFIG, configType: ConfigType.INT });
    expect(all["log.cleanup.policy"].configType).toBe(ConfigType.LIST);
    expect(all["num.io.threads"].documentation).toContain("changes nothing");
    for (const x of Object.values(all) as any[]) expect(x.documentation).toBeString();
    expect(await describeRes(BROKER, "")).toEqual({});
  });
});

describe("IncrementalAlterConfigs BROKER: checks with Kafka 4.4's codes and messages", () => {
  const cases: [string, string, Op[], number, string][] = [
    ["read-only key", "", [set("num.partitions", "3"), set("auto.create.topics.enable", "false")], ErrorCode.INVALID_REQUEST, "Cannot update these configs dynamically: [num.partitions, auto.create.topics.enable]"],
    ["read-only id", "$id", [set("node.id", "7")], ErrorCode.INVALID_REQUEST, "Cannot update these configs dynamically: [node.id]"],
    ["read-only hours", "", [set("log.retention.hours", "1")], ErrorCode.INVALID_REQUEST, "Cannot update these configs dynamically: [log.retention.hours]"],
    ["not a number", "", [set("log.retention.ms", "soon")], ErrorCode.INVALID_REQUEST, "Invalid value soon for configuration log.retention.ms: Not a number of type LONG"],
    ["below the minimum", "", [set("log.segment.bytes", "10")], ErrorCode.INVALID_REQUEST, "Invalid value 10 for configuration log.segment.bytes: Value must be at least 1048576"],
    ["min.insync 0", "", [set("min.insync.replicas", "0")], ErrorCode.INVALID_REQUEST, "Invalid value 0 for configuration min.insync.replicas: Value must be at least 1"],
    ["threads 0", "", [set("num.io.threads", "0")], ErrorCode.INVALID_REQUEST, "Invalid value 0 for configuration num.io.threads: Value must be at least 1"],
    ["max.connections -1", "", [set("max.connections", "-1")], ErrorCode.INVALID_REQUEST, "Invalid value -1 for configuration max.connections: Value must be at least 0"],
    ["null SET", "", [set("log.retention.ms", null)], ErrorCode.INVALID_REQUEST, "Null value not supported for : log.retention.ms"],
    ["append to a non-list", "", [{ name: "log.retention.ms", configOperation: APPEND, value: "1" }], ErrorCode.INVALID_CONFIG, "Config value append is not allowed for config key: log.retention.ms"],
    ["duplicate keys", "", [set("log.segment.bytes", "2000000"), set("log.segment.bytes", "2000000")], ErrorCode.INVALID_REQUEST, "Error due to duplicate config keys"],
    ["another broker", "5", [set("log.retention.ms", "1")], ErrorCode.INVALID_REQUEST, "Unexpected broker id, expected $id, but received 5"],
    ["not a node id", "abc", [set("log.retention.ms", "1")], ErrorCode.INVALID_REQUEST, "Node id must be an integer, but it is: abc"],
    // Kafka stores unknown keys; Takhin refuses them (a typo would otherwise change nothing, silently).
    ["unknown key", "", [set("no.such.key", "1")], ErrorCode.INVALID_CONFIG, "Unknown broker config name(s): [no.such.key]"],
  ];
  for (const [label, resource, ops, code, message] of cases) {
    test(label, async () => {
      const name = resource.replace("$id", nodeId);
      for (const validateOnly of [true, false]) {
        const r = await incr(name, ops, validateOnly);
        expect(r).toEqual(expect.objectContaining({ errorCode: code, errorMessage: message.replace("$id", nodeId) }));
      }
      expect(await describeRes(BROKER, "")).toEqual({});
    });
  }

  test("validate_only accepts a good change and stores nothing", async () => {
    expect((await incr("", [set("log.retention.ms", "1234")], true)).errorCode).toBe(ErrorCode.NONE);
    expect((await incr(nodeId, [set("log.segment.bytes", "2097152")], true)).errorCode).toBe(ErrorCode.NONE);
    expect(await describeRes(BROKER, "")).toEqual({});
    expect((await describeRes(BROKER, nodeId, ["log.segment.bytes"]))["log.segment.bytes"].configSource).toBe(S.DEFAULT_CONFIG);
  });
});

describe("dynamic defaults take effect at once", () => {
  test("cluster default, then per broker: sources, synonyms, the topic's effective config and its partition", async () => {
    await createTopic("dyn-plain");
    await createTopic("dyn-own", { "retention.ms": "999000" });
    expect(partitionConfig("dyn-plain").retentionMs).toBe(604_800_000);

    expect(await incr("", [set("log.retention.ms", "4321000"), set("log.segment.bytes", "3145728")])).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null });
    const defaults = await describeRes(BROKER, "");
    expect(Object.keys(defaults).sort()).toEqual(["log.retention.ms", "log.segment.bytes"]);
    expect(defaults["log.retention.ms"]).toMatchObject({
      value: "4321000",
      readOnly: false,
      configSource: S.DYNAMIC_DEFAULT_BROKER_CONFIG,
      synonyms: [{ name: "log.retention.ms", value: "4321000", source: S.DYNAMIC_DEFAULT_BROKER_CONFIG }],
    });

    // A topic without an override follows the new default; one with an override keeps it.
    const plain = await describeRes(TOPIC, "dyn-plain", ["retention.ms", "segment.bytes"]);
    expect(plain["retention.ms"]).toMatchObject({
      value: "4321000",
      configSource: S.DYNAMIC_DEFAULT_BROKER_CONFIG,
      synonyms: [
        { name: "log.retention.ms", value: "4321000", source: S.DYNAMIC_DEFAULT_BROKER_CONFIG },
        { name: "log.retention.hours", value: "168", source: S.DEFAULT_CONFIG },
      ],
    });
    expect(partitionConfig("dyn-plain").retentionMs).toBe(4_321_000);
    expect(partitionConfig("dyn-plain").segmentBytes).toBe(3_145_728);
    expect(partitionConfig("dyn-own").retentionMs).toBe(999_000);
    expect((await describeRes(TOPIC, "dyn-own", ["retention.ms"]))["retention.ms"].configSource).toBe(S.DYNAMIC_TOPIC_CONFIG);

    // Per broker wins over the cluster default.
    expect((await incr(nodeId, [set("log.segment.bytes", "4194304")])).errorCode).toBe(ErrorCode.NONE);
    const mine = await describeRes(BROKER, nodeId, ["log.segment.bytes", "log.retention.ms"]);
    expect(mine["log.segment.bytes"]).toMatchObject({
      value: "4194304",
      configSource: S.DYNAMIC_BROKER_CONFIG,
      synonyms: [
        { name: "log.segment.bytes", value: "4194304", source: S.DYNAMIC_BROKER_CONFIG },
        { name: "log.segment.bytes", value: "3145728", source: S.DYNAMIC_DEFAULT_BROKER_CONFIG },
        { name: "log.segment.bytes", value: "1073741824", source: S.DEFAULT_CONFIG },
      ],
    });
    expect(mine["log.retention.ms"]).toMatchObject({ value: "4321000", configSource: S.DYNAMIC_DEFAULT_BROKER_CONFIG });
    expect((await describeRes(TOPIC, "dyn-plain", ["segment.bytes"]))["segment.bytes"]).toMatchObject({ value: "4194304", configSource: S.DYNAMIC_BROKER_CONFIG });
    expect(partitionConfig("dyn-plain").segmentBytes).toBe(4_194_304);
    // A topic created now starts from the dynamic defaults too.
    await createTopic("dyn-later");
    expect(partitionConfig("dyn-later").retentionMs).toBe(4_321_000);

    // APPEND on a list key starts from Kafka's default.
    expect((await incr("", [{ name: "log.cleanup.policy", configOperation: APPEND, value: "compact" }])).errorCode).toBe(ErrorCode.NONE);
    expect((await describeRes(BROKER, "", ["log.cleanup.policy"]))["log.cleanup.policy"].value).toBe("delete,compact");
    expect(partitionConfig("dyn-plain").cleanupPolicyCompact).toBe(true);
    expect((await incr("", [del("log.cleanup.policy")])).errorCode).toBe(ErrorCode.NONE);
    expect(partitionConfig("dyn-plain").cleanupPolicyCompact).toBe(false);
  });

  test("AlterConfigs (33) replaces the resource's whole dynamic set", async () => {
    const res = await c.call(AlterConfigs, 2, {
      resources: [{ resourceType: BROKER, resourceName: "", configs: [{ name: "log.retention.ms", value: "7200000" }, { name: "num.io.threads", value: "16" }] }],
      validateOnly: false,
    });
    expect(res.responses[0]).toMatchObject({ errorCode: ErrorCode.NONE, resourceName: "" });
    const defaults = await describeRes(BROKER, "");
    expect(Object.fromEntries(Object.entries(defaults).map(([k, v]: [string, any]) => [k, v.value]))).toEqual({ "log.retention.ms": "7200000", "num.io.threads": "16" });
    // log.segment.bytes left the default set: the per-broker value still applies, then Kafka's default.
    expect(partitionConfig("dyn-plain").retentionMs).toBe(7_200_000);
    expect(partitionConfig("dyn-plain").segmentBytes).toBe(4_194_304);
    const ro = await c.call(AlterConfigs, 2, { resources: [{ resourceType: BROKER, resourceName: nodeId, configs: [{ name: "node.id", value: "3" }] }], validateOnly: false });
    expect(ro.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "Cannot update these configs dynamically: [node.id]" });
  });

  test("max.connections applies to new connections at once", async () => {
    // This test's client holds the one connection allowed.
    expect((await incr(nodeId, [set("max.connections", "1")])).errorCode).toBe(ErrorCode.NONE);
    const refused = await RawClient.connect(tb.port);
    await refused.waitClosed(5000);
    expect(refused.closed).toBe(true);
    refused.close();
    expect((await incr(nodeId, [del("max.connections")])).errorCode).toBe(ErrorCode.NONE);
    const again = await RawClient.connect(tb.port);
    expect(Object.keys(await describeRes(BROKER, "", null, 4, again)).length).toBeGreaterThan(0);
    again.close();
  });
});

describe("persistence", () => {
  test("a restart keeps the dynamic configs and applies them before serving", async () => {
    c.close();
    await tb.stop();
    tb = await startTestBroker({}, dataDir);
    c = await RawClient.connect(tb.port);
    const defaults = await describeRes(BROKER, "");
    expect(defaults["log.retention.ms"]).toMatchObject({ value: "7200000", configSource: S.DYNAMIC_DEFAULT_BROKER_CONFIG });
    expect((await describeRes(BROKER, nodeId, ["log.segment.bytes"]))["log.segment.bytes"]).toMatchObject({ value: "4194304", configSource: S.DYNAMIC_BROKER_CONFIG });
    expect(partitionConfig("dyn-plain").retentionMs).toBe(7_200_000);
    expect(partitionConfig("dyn-plain").segmentBytes).toBe(4_194_304);
    expect(partitionConfig("dyn-own").retentionMs).toBe(999_000);
  });
});

test("the dynamic keys Takhin applies and those it only stores", () => {
  expect(dynamicBrokerKeys("no-op").sort()).toEqual(["background.threads", "follower.replication.throttled.rate", "leader.replication.throttled.rate", "log.cleaner.threads", "num.io.threads", "num.network.threads", "num.recovery.threads.per.data.dir", "num.replica.fetchers", "replica.alter.log.dirs.io.max.bytes.per.second"]);
  const applied = dynamicBrokerKeys("applied");
  for (const k of ["log.retention.ms", "log.retention.bytes", "log.segment.bytes", "log.roll.ms", "message.max.bytes", "log.cleanup.policy", "compression.type", "min.insync.replicas", "max.connections"]) {
    expect(applied).toContain(k);
  }
  for (const k of ["log.retention.hours", "log.retention.minutes", "log.roll.hours", "num.partitions", "listeners"]) expect(applied).not.toContain(k);
});

/**
 * DescribeConfigs, AlterConfigs, IncrementalAlterConfigs and CreatePartitions over the wire: sources,
 * synonyms and version shapes, replace vs incremental semantics, validate_only, BROKER resources,
 * and every error path.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ConfigResourceType as RT, ConfigSource, ConfigType } from "../../src/cluster/topic-config.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { AlterConfigs } from "../../src/protocol/messages/alter-configs.ts";
import { CreatePartitions } from "../../src/protocol/messages/create-partitions.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { DescribeConfigs } from "../../src/protocol/messages/describe-configs.ts";
import { IncrementalAlterConfigs } from "../../src/protocol/messages/incremental-alter-configs.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { ZERO_UUID } from "../../src/protocol/reader.ts";
import { RawClient, removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";

let tb: TestBroker;
let c: RawClient;
let nodeId: string;
beforeAll(async () => {
  tb = await startTestBroker({ numPartitions: 2 });
  c = await RawClient.connect(tb.port);
  nodeId = String(tb.broker.context.nodeId);
});
afterAll(async () => {
  c.close();
  await tb.stop();
  removeDir(tb.dataDir);
});

async function createTopic(name: string, partitions = 1, configs: Record<string, string> = {}) {
  const res = await c.call(CreateTopics, 4, {
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  expect(res.topics[0].errorCode).toBe(ErrorCode.NONE);
}

async function describeTopic(name: string, keys: string[] | null = null, version = 4, includeSynonyms = false) {
  const res = await c.call(DescribeConfigs, version, {
    resources: [{ resourceType: RT.TOPIC, resourceName: name, configurationKeys: keys }],
    includeSynonyms,
    includeDocumentation: false,
  });
  return res.results[0];
}

const overrides = (name: string) => tb.broker.context.topics.get(name)!.configs;
const incr = (name: string, configs: { name: string; configOperation: number; value: string | null }[], validateOnly = false, version = 1) =>
  c.call(IncrementalAlterConfigs, version, { resources: [{ resourceType: RT.TOPIC, resourceName: name, configs }], validateOnly });
const alter = (name: string, configs: { name: string; value: string | null }[], validateOnly = false, version = 2) =>
  c.call(AlterConfigs, version, { resources: [{ resourceType: RT.TOPIC, resourceName: name, configs }], validateOnly });

describe("DescribeConfigs", () => {
  test("v4: every topic config with source, type; overrides DYNAMIC_TOPIC_CONFIG, the rest DEFAULT_CONFIG", async () => {
    await createTopic("dc-a", 1, { "retention.ms": "60000" });
    const r = await describeTopic("dc-a");
    expect(r).toMatchObject({ errorCode: ErrorCode.NONE, resourceType: RT.TOPIC, resourceName: "dc-a" });
    const byName = Object.fromEntries(r.configs.map((x: any) => [x.name, x]));
    expect(byName["retention.ms"]).toMatchObject({ value: "60000", configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG, configType: ConfigType.LONG, readOnly: false });
    expect(byName["max.message.bytes"]).toMatchObject({ value: "1048588", configSource: ConfigSource.DEFAULT_CONFIG, configType: ConfigType.INT });
    expect(byName["cleanup.policy"]).toMatchObject({ value: "delete", configType: ConfigType.LIST });
    expect(byName["min.insync.replicas"].value).toBe("1");
  });

  test("configurationKeys filters; unknown keys are left out", async () => {
    const r = await describeTopic("dc-a", ["retention.ms", "no.such"]);
    expect(r.configs.map((x: any) => x.name)).toEqual(["retention.ms"]);
  });

  test("synonyms when asked (v1+): override first, then the broker default (none for the hours-based ones, as Kafka)", async () => {
    const r = await describeTopic("dc-a", ["retention.ms"], 1, true);
    expect(r.configs[0].synonyms).toEqual([{ name: "retention.ms", value: "60000", source: ConfigSource.DYNAMIC_TOPIC_CONFIG }]);
    const none = await describeTopic("dc-a", ["retention.ms"], 1, false);
    expect(none.configs[0].synonyms).toEqual([]);
  });

  test("v0 reports isDefault", async () => {
    const r = await describeTopic("dc-a", ["retention.ms", "segment.ms"], 0);
    const byName = Object.fromEntries(r.configs.map((x: any) => [x.name, x]));
    expect(byName["retention.ms"].isDefault).toBe(false);
    expect(byName["segment.ms"].isDefault).toBe(true);
  });

  test("documentation only when asked (v3+)", async () => {
    const res = await c.call(DescribeConfigs, 3, {
      resources: [{ resourceType: RT.TOPIC, resourceName: "dc-a", configurationKeys: ["segment.bytes"] }],
      includeSynonyms: false,
      includeDocumentation: true,
    });
    expect(res.results[0].configs[0].documentation).toBeString();
  });

  test("unknown topic, invalid name, foreign broker id, non-numeric broker, unsupported type", async () => {
    const res = await c.call(DescribeConfigs, 4, {
      resources: [
        { resourceType: RT.TOPIC, resourceName: "dc-missing", configurationKeys: null },
        { resourceType: RT.TOPIC, resourceName: "bad name", configurationKeys: null },
        { resourceType: RT.BROKER, resourceName: String(Number(nodeId) + 1), configurationKeys: null },
        { resourceType: RT.BROKER, resourceName: "zero", configurationKeys: null },
        { resourceType: RT.BROKER_LOGGER, resourceName: nodeId, configurationKeys: null },
      ],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    expect(res.results.map((r: any) => r.errorCode)).toEqual([
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
    ]);
    for (const r of res.results) {
      expect(r.errorMessage).toBeString();
      expect(r.configs).toEqual([]);
    }
  });

  test("BROKER resource for this node: the broker's configs from its configuration; read-only ones flagged", async () => {
    const res = await c.call(DescribeConfigs, 4, {
      resources: [{ resourceType: RT.BROKER, resourceName: nodeId, configurationKeys: null }],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    const r = res.results[0];
    expect(r.errorCode).toBe(ErrorCode.NONE);
    // Kafka answers an empty message (not null) on success.
    expect(r.errorMessage).toBe("");
    const byName = Object.fromEntries(r.configs.map((x: any) => [x.name, x]));
    expect(byName["num.partitions"]).toMatchObject({ value: "2", configSource: ConfigSource.STATIC_BROKER_CONFIG, readOnly: true, configType: ConfigType.INT });
    expect(byName["auto.create.topics.enable"]).toMatchObject({ value: "true", configSource: ConfigSource.DEFAULT_CONFIG, configType: ConfigType.BOOLEAN });
    expect(byName["log.retention.hours"]).toMatchObject({ value: "168", configSource: ConfigSource.DEFAULT_CONFIG });
    expect(byName["log.retention.ms"].value).toBeNull();
    expect(byName["message.max.bytes"].value).toBe("1048588");
    expect(byName["node.id"].value).toBe(nodeId);
    expect(byName["log.dirs"].value).toBe(tb.dataDir);
    // As Kafka 4.4 lists them: the static value, then Kafka's default.
    expect(byName["num.partitions"].synonyms).toEqual([
      { name: "num.partitions", value: "2", source: ConfigSource.STATIC_BROKER_CONFIG },
      { name: "num.partitions", value: "1", source: ConfigSource.DEFAULT_CONFIG },
    ]);
    expect(byName["log.retention.ms"].readOnly).toBe(false);
    expect(byName["log.retention.hours"].readOnly).toBe(true);
    // The group coordinator's settings, as Kafka lists them.
    expect(byName["offsets.topic.num.partitions"]).toMatchObject({ value: "50", configSource: ConfigSource.DEFAULT_CONFIG, readOnly: true, configType: ConfigType.INT });
    expect(byName["offsets.topic.replication.factor"]).toMatchObject({ value: "3", configSource: ConfigSource.DEFAULT_CONFIG, readOnly: true, configType: ConfigType.SHORT });
    expect(byName["group.min.session.timeout.ms"]).toMatchObject({ value: "6000", configSource: ConfigSource.DEFAULT_CONFIG });
    expect(byName["group.max.session.timeout.ms"].value).toBe("1800000");
    expect(byName["group.initial.rebalance.delay.ms"].value).toBe("3000");
    expect(byName["offsets.retention.minutes"].value).toBe("10080");
    const empty = await c.call(DescribeConfigs, 4, {
      resources: [{ resourceType: RT.BROKER, resourceName: "", configurationKeys: null }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    expect(empty.results[0]).toMatchObject({ errorCode: ErrorCode.NONE, configs: [] });
  });
});

describe("AlterConfigs (replaces the override set)", () => {
  test("v0-2: the new set replaces the old; removed keys fall back to defaults", async () => {
    await createTopic("ac-a", 1, { "retention.ms": "1000", "cleanup.policy": "compact" });
    for (const v of [0, 1, 2]) {
      const res = await alter("ac-a", [{ name: "segment.ms", value: String(100000 + v) }], false, v);
      expect(res.responses[0]).toMatchObject({ errorCode: ErrorCode.NONE, resourceType: RT.TOPIC, resourceName: "ac-a" });
      expect(overrides("ac-a")).toEqual({ "segment.ms": String(100000 + v) });
    }
    const r = await describeTopic("ac-a", ["retention.ms", "segment.ms"]);
    expect(r.configs.find((x: any) => x.name === "retention.ms")).toMatchObject({ value: "604800000", configSource: ConfigSource.DEFAULT_CONFIG });
    expect(r.configs.find((x: any) => x.name === "segment.ms")).toMatchObject({ value: "100002", configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG });
  });

  test("validate_only changes nothing; errors change nothing", async () => {
    await createTopic("ac-b", 1, { "retention.ms": "1000" });
    const v = await alter("ac-b", [{ name: "retention.ms", value: "2000" }], true);
    expect(v.responses[0].errorCode).toBe(ErrorCode.NONE);
    const cases: [{ name: string; value: string | null }[], number][] = [
      [[{ name: "retention.ms", value: "soon" }], ErrorCode.INVALID_CONFIG],
      [[{ name: "retention.forever", value: "1" }], ErrorCode.INVALID_CONFIG],
      [[{ name: "retention.ms", value: null }], ErrorCode.INVALID_REQUEST],
      [[{ name: "retention.ms", value: "1" }, { name: "retention.ms", value: "2" }], ErrorCode.INVALID_REQUEST],
    ];
    for (const [configs, code] of cases) {
      const res = await alter("ac-b", configs);
      expect(res.responses[0].errorCode).toBe(code);
      expect(res.responses[0].errorMessage).toBeString();
    }
    expect((await alter("ac-b", [{ name: "retention.ms", value: "soon" }])).responses[0].errorMessage).toContain("retention.ms");
    expect(overrides("ac-b")).toEqual({ "retention.ms": "1000" });
  });

  test("unknown topic and read-only BROKER configs are errors, never silent success", async () => {
    const res = await c.call(AlterConfigs, 2, {
      resources: [
        { resourceType: RT.TOPIC, resourceName: "ac-missing", configs: [] },
        { resourceType: RT.BROKER, resourceName: nodeId, configs: [{ name: "num.partitions", value: "5" }] },
        { resourceType: RT.BROKER, resourceName: "", configs: [{ name: "log.retention.ms", value: "5" }] },
      ],
      validateOnly: true,
    });
    // The dynamic key is accepted (validate_only); test/server/broker-configs.test.ts covers BROKER alters.
    expect(res.responses.map((r: any) => r.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST, ErrorCode.NONE]);
    expect(res.responses[1].errorMessage).toContain("num.partitions");
    expect(tb.broker.config.numPartitions).toBe(2);
  });
});

describe("IncrementalAlterConfigs", () => {
  test("SET and DELETE change single keys and keep the others (v0 and v1)", async () => {
    await createTopic("ia-a", 1, { "retention.ms": "1000", "segment.ms": "50000" });
    let res = await incr("ia-a", [{ name: "retention.ms", configOperation: 0, value: "2000" }], false, 0);
    expect(res.responses[0].errorCode).toBe(ErrorCode.NONE);
    expect(overrides("ia-a")).toEqual({ "retention.ms": "2000", "segment.ms": "50000" });
    res = await incr("ia-a", [{ name: "segment.ms", configOperation: 1, value: null }]);
    expect(res.responses[0].errorCode).toBe(ErrorCode.NONE);
    expect(overrides("ia-a")).toEqual({ "retention.ms": "2000" });
    const r = await describeTopic("ia-a", ["retention.ms"]);
    expect(r.configs[0]).toMatchObject({ value: "2000", configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG });
  });

  test("APPEND and SUBTRACT work on list configs, starting from the default", async () => {
    await createTopic("ia-list");
    expect((await incr("ia-list", [{ name: "cleanup.policy", configOperation: 2, value: "compact" }])).responses[0].errorCode).toBe(ErrorCode.NONE);
    expect(overrides("ia-list")["cleanup.policy"]).toBe("delete,compact");
    expect((await incr("ia-list", [{ name: "cleanup.policy", configOperation: 2, value: "delete" }])).responses[0].errorCode).toBe(ErrorCode.NONE);
    expect(overrides("ia-list")["cleanup.policy"]).toBe("delete,compact");
    expect((await incr("ia-list", [{ name: "cleanup.policy", configOperation: 3, value: "delete" }])).responses[0].errorCode).toBe(ErrorCode.NONE);
    expect(overrides("ia-list")["cleanup.policy"]).toBe("compact");
    // Subtracting the last policy leaves an empty list, which cleanup.policy does not accept.
    const empty = await incr("ia-list", [{ name: "cleanup.policy", configOperation: 3, value: "compact" }]);
    expect(empty.responses[0].errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(overrides("ia-list")["cleanup.policy"]).toBe("compact");
  });

  test("error paths: append to a non-list, unknown op, null SET, unknown name, bad value, duplicates, validate_only", async () => {
    await createTopic("ia-err", 1, { "retention.ms": "1000" });
    const cases: [{ name: string; configOperation: number; value: string | null }[], number][] = [
      [[{ name: "retention.ms", configOperation: 2, value: "5" }], ErrorCode.INVALID_CONFIG],
      [[{ name: "retention.ms", configOperation: 3, value: "5" }], ErrorCode.INVALID_CONFIG],
      [[{ name: "retention.ms", configOperation: 9, value: "5" }], ErrorCode.INVALID_REQUEST],
      [[{ name: "retention.ms", configOperation: 0, value: null }], ErrorCode.INVALID_REQUEST],
      [[{ name: "retention.minutes", configOperation: 0, value: "5" }], ErrorCode.INVALID_CONFIG],
      [[{ name: "message.timestamp.type", configOperation: 0, value: "WallClock" }], ErrorCode.INVALID_CONFIG],
      [[{ name: "retention.ms", configOperation: 0, value: "5" }, { name: "retention.ms", configOperation: 1, value: null }], ErrorCode.INVALID_REQUEST],
    ];
    for (const [configs, code] of cases) {
      const res = await incr("ia-err", configs);
      expect(res.responses[0].errorCode).toBe(code);
      expect(res.responses[0].errorMessage).toContain(configs[0].name === "retention.ms" && code === ErrorCode.INVALID_REQUEST ? "" : configs[0].name);
    }
    const v = await incr("ia-err", [{ name: "retention.ms", configOperation: 0, value: "7" }], true);
    expect(v.responses[0].errorCode).toBe(ErrorCode.NONE);
    expect(overrides("ia-err")).toEqual({ "retention.ms": "1000" });
  });

  test("unknown topic and a foreign BROKER resource are errors", async () => {
    const res = await c.call(IncrementalAlterConfigs, 1, {
      resources: [
        { resourceType: RT.TOPIC, resourceName: "ia-missing", configs: [{ name: "retention.ms", configOperation: 0, value: "1" }] },
        { resourceType: RT.BROKER, resourceName: nodeId, configs: [{ name: "log.retention.ms", configOperation: 0, value: "1" }] },
        { resourceType: RT.BROKER, resourceName: "42", configs: [{ name: "log.retention.ms", configOperation: 0, value: "1" }] },
      ],
      validateOnly: true,
    });
    expect(res.responses.map((r: any) => r.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.NONE, ErrorCode.INVALID_REQUEST]);
    expect(res.responses[2].errorMessage).toBe(`Unexpected broker id, expected ${nodeId}, but received 42`);
  });
});

describe("CreatePartitions", () => {
  const partitionsOf = async (name: string) => {
    const md = await c.call(Metadata, 12, { topics: [{ name, topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    return md.topics[0].partitions.length;
  };

  test("raises the count (v0-3); Metadata shows the new partitions", async () => {
    await createTopic("cp-a", 1);
    for (const v of [0, 1, 2, 3]) {
      const res = await c.call(CreatePartitions, v, { topics: [{ name: "cp-a", count: 2 + v, assignments: null }], timeoutMs: 5000, validateOnly: false });
      expect(res.results[0]).toMatchObject({ name: "cp-a", errorCode: ErrorCode.NONE, errorMessage: null });
      expect(await partitionsOf("cp-a")).toBe(2 + v);
    }
  });

  test("an empty assignment list means no manual assignment, like null", async () => {
    await createTopic("cp-empty", 1);
    const res = await c.call(CreatePartitions, 1, { topics: [{ name: "cp-empty", count: 3, assignments: [] }], timeoutMs: 5000, validateOnly: false });
    expect(res.results[0].errorCode).toBe(ErrorCode.NONE);
    expect(await partitionsOf("cp-empty")).toBe(3);
  });

  test("validate_only changes nothing", async () => {
    await createTopic("cp-v", 1);
    const res = await c.call(CreatePartitions, 3, { topics: [{ name: "cp-v", count: 4, assignments: null }], timeoutMs: 5000, validateOnly: true });
    expect(res.results[0].errorCode).toBe(ErrorCode.NONE);
    expect(await partitionsOf("cp-v")).toBe(1);
  });

  test("only increases; assignments must name this broker, one per new partition; unknown topics and duplicates fail", async () => {
    await createTopic("cp-e", 3);
    const me = Number(nodeId);
    const res = await c.call(CreatePartitions, 3, {
      topics: [
        { name: "cp-e", count: 2, assignments: null },
        { name: "cp-missing", count: 2, assignments: null },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(res.results.map((r: any) => r.errorCode)).toEqual([ErrorCode.INVALID_PARTITIONS, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    const same = await c.call(CreatePartitions, 3, { topics: [{ name: "cp-e", count: 3, assignments: null }], timeoutMs: 5000, validateOnly: false });
    expect(same.results[0].errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    const bad = await c.call(CreatePartitions, 3, {
      topics: [{ name: "cp-e", count: 5, assignments: [{ brokerIds: [me] }] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(bad.results[0].errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    const other = await c.call(CreatePartitions, 3, {
      topics: [{ name: "cp-e", count: 4, assignments: [{ brokerIds: [me + 1] }] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(other.results[0].errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    const dup = await c.call(CreatePartitions, 3, {
      topics: [{ name: "cp-e", count: 4, assignments: null }, { name: "cp-e", count: 5, assignments: null }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    // A duplicated name is answered once, as Kafka 4.4 does.
    expect(dup.results.map((r: any) => [r.name, r.errorCode])).toEqual([["cp-e", ErrorCode.INVALID_REQUEST]]);
    for (const r of [...res.results, same.results[0], bad.results[0], other.results[0]]) expect(r.errorMessage).toBeString();
    expect(await partitionsOf("cp-e")).toBe(3);
    const ok = await c.call(CreatePartitions, 3, {
      topics: [{ name: "cp-e", count: 4, assignments: [{ brokerIds: [me] }] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(ok.results[0].errorCode).toBe(ErrorCode.NONE);
    expect(await partitionsOf("cp-e")).toBe(4);
  });
});

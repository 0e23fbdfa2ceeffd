/**
 * Real admin clients against an in-process broker: kafkajs, @platformatic/kafka, confluent-kafka-python
 * (librdkafka) and kafka-python each create a topic with configs, read its metadata, add partitions,
 * describe and alter its configs, and delete it; each assertion checks the broker's real state.
 * The admin API versions each client used are printed (from the broker's debug log) and checked
 * against the served ranges.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ConfigSource } from "../../src/cluster/topic-config.ts";
import { removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { adminVersionsUsed, NODE, PYTHON, runScript, type ScriptResult } from "./scripts/admin-run.ts";

const CLIENT_TIMEOUT_MS = 25_000;
const SERVED: Record<string, [number, number]> = {
  CreateTopics: [0, 7],
  DeleteTopics: [0, 6],
  CreatePartitions: [0, 3],
  DescribeConfigs: [0, 4],
  AlterConfigs: [0, 2],
  IncrementalAlterConfigs: [0, 1],
};

let tb: TestBroker;
let nodeId: string;
beforeAll(async () => {
  tb = await startTestBroker();
  nodeId = String(tb.broker.context.nodeId);
});
afterAll(async () => {
  await tb.stop();
  removeDir(tb.dataDir);
});

function ok(r: ScriptResult): any {
  if (r.exitCode !== 0 || r.json === null) {
    throw new Error(`client failed (exit ${r.exitCode}, timedOut ${r.timedOut})\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-4000)}`);
  }
  return r.json;
}

function checkVersions(clientId: string, expectedApis: string[]): Record<string, number[]> {
  const used = adminVersionsUsed(tb.logs, clientId);
  console.log(`${clientId} admin API versions: ${JSON.stringify(used)}`);
  for (const api of expectedApis) expect(used[api]?.length ?? 0).toBeGreaterThan(0);
  for (const [api, versions] of Object.entries(used)) {
    const [min, max] = SERVED[api];
    for (const v of versions) expect(v >= min && v <= max).toBe(true);
  }
  return used;
}

const registry = () => tb.broker.context.topics;

describe("admin clients", () => {
  test("kafkajs 2.2.4", async () => {
    const out = ok(await runScript(NODE, "admin-kafkajs.mjs", [tb.bootstrap, "kjs", nodeId], CLIENT_TIMEOUT_MS));
    const topic = "kjs-kafkajs";
    expect(out.created).toBe(true);
    expect(out.createdAgain).toBe(false); // kafkajs swallows TOPIC_ALREADY_EXISTS and returns false
    expect(out.badConfig).toEqual(["INVALID_CONFIG"]);
    expect(out.badReplication).toEqual(["INVALID_REPLICATION_FACTOR"]);
    expect(out.metadata).toEqual([{ name: topic, partitions: 2 }]);
    // kafkajs's admin asks with allowAutoTopicCreation=false: the broker must not create the topic.
    expect(out.autoCreated).toEqual(["UNKNOWN_TOPIC_OR_PARTITION"]);
    expect(registry().get(`${topic}-auto`)).toBeUndefined();
    expect(out.metadataAfterPartitions).toEqual([{ name: topic, partitions: 5 }]);
    expect(out.shrink).toEqual(["INVALID_PARTITIONS"]);
    expect(out.described["retention.ms"]).toMatchObject({ value: "3600000", source: ConfigSource.DYNAMIC_TOPIC_CONFIG, isDefault: false });
    expect(out.described["cleanup.policy"]).toMatchObject({ value: "compact,delete", source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(out.described["segment.bytes"]).toMatchObject({ value: "1073741824", source: ConfigSource.DEFAULT_CONFIG, isDefault: true });
    // AlterConfigs replaces the override set: cleanup.policy falls back to its default.
    expect(out.describedAfterAlter["retention.ms"]).toMatchObject({ value: "7200000", source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(out.describedAfterAlter["cleanup.policy"]).toMatchObject({ value: "delete", source: ConfigSource.DEFAULT_CONFIG });
    expect(out.broker["num.partitions"]).toMatchObject({ value: "1" });
    expect(out.broker["log.retention.hours"]).toMatchObject({ value: "168" });
    expect(out.alterBroker).toEqual(["INVALID_REQUEST"]);
    expect(out.listedAfterDelete).not.toContain(topic);
    expect(registry().get(topic)).toBeUndefined();
    checkVersions("takhin-admin-kafkajs", ["CreateTopics", "CreatePartitions", "DescribeConfigs", "AlterConfigs", "DeleteTopics"]);
  });

  test("@platformatic/kafka 1.35", async () => {
    const out = ok(await runScript(NODE, "admin-platformatic.mjs", [tb.bootstrap, "plt"], CLIENT_TIMEOUT_MS));
    const topic = "plt-platformatic";
    expect(out.created).toMatchObject({ name: topic, partitions: 2, replicas: 1, maxMessageBytes: "2000000" });
    expect(out.created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.createdAgain).toContain("36");
    expect(out.partitions).toBe(2);
    expect(out.partitionsAfter).toBe(4);
    expect(out.described["max.message.bytes"]).toEqual({ value: "2000000", source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(out.described["retention.ms"]).toEqual({ value: "604800000", source: ConfigSource.DEFAULT_CONFIG });
    expect(out.afterAlter["retention.ms"]).toEqual({ value: "90000", source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(out.afterAlter["max.message.bytes"]).toEqual({ value: "1048588", source: ConfigSource.DEFAULT_CONFIG });
    expect(out.afterIncremental["segment.ms"]).toEqual({ value: "120000", source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(out.afterIncremental["retention.ms"]).toEqual({ value: "90000", source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(out.listedAfterDelete).not.toContain(topic);
    expect(registry().get(topic)).toBeUndefined();
    checkVersions("takhin-admin-platformatic", ["CreateTopics", "CreatePartitions", "DescribeConfigs", "AlterConfigs", "IncrementalAlterConfigs", "DeleteTopics"]);
  });

  test("confluent-kafka-python (librdkafka)", async () => {
    const out = ok(await runScript(PYTHON, "admin-confluent.py", [tb.bootstrap, "cfk", nodeId], CLIENT_TIMEOUT_MS));
    const topic = "cfk-confluent";
    expect(out.created).toBe("ok");
    expect(out.createdAgain).toBe("TOPIC_ALREADY_EXISTS");
    expect(out.badConfig).toBe("INVALID_CONFIG");
    expect(out.validateOnly).toBe("ok");
    expect(out.metadata).toEqual({ partitions: 2, error: null });
    // librdkafka asks for the unknown topic with auto-creation allowed: it is created with num.partitions.
    expect(out.autoCreated).toEqual({ partitions: 1, error: null });
    expect(registry().get(`${topic}-auto`)?.partitions).toBe(1);
    expect(out.createPartitions).toBe("ok");
    expect(out.metadataAfterPartitions).toEqual({ partitions: 4, error: null });
    expect(out.described["retention.ms"]).toMatchObject({ value: "3600000", source: ConfigSource.DYNAMIC_TOPIC_CONFIG, isDefault: false });
    expect(out.described["max.message.bytes"]).toMatchObject({ value: "500000", source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(out.described["segment.bytes"]).toMatchObject({ value: "1073741824", source: ConfigSource.DEFAULT_CONFIG, isDefault: true });
    expect(out.alter).toBe("ok");
    expect(out.describedAfterAlter["retention.ms"]).toMatchObject({ value: "7200000", source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(out.describedAfterAlter["max.message.bytes"]).toMatchObject({ value: "1048588", source: ConfigSource.DEFAULT_CONFIG });
    expect(out.broker["num.partitions"].value).toBe("1");
    expect(out.broker["auto.create.topics.enable"].value).toBe("true");
    expect(out.alterBroker).toBe("INVALID_REQUEST");
    expect(out.delete).toBe("ok");
    expect(out.listedAfterDelete).not.toContain(topic);
    expect(registry().get(topic)).toBeUndefined();
    expect(registry().get(`${topic}-dry`)).toBeUndefined();
    checkVersions("takhin-admin-confluent", ["CreateTopics", "CreatePartitions", "DescribeConfigs", "AlterConfigs", "DeleteTopics"]);
  });

  test("kafka-python 2.0.2", async () => {
    const out = ok(await runScript(PYTHON, "admin-kafka-python.py", [tb.bootstrap, "kpy"], CLIENT_TIMEOUT_MS));
    const topic = "kpy-kafka-python";
    expect(out.created).toEqual([[topic, 0]]);
    expect(out.createdAgain).toBe("TopicAlreadyExistsError");
    expect(out.described.error).toBe(0);
    expect(out.described.configs["segment.ms"].value).toBe("600000");
    expect(out.described.configs["retention.ms"].value).toBe("604800000");
    expect(out.alter).toEqual([[0, topic]]);
    expect(out.describedAfterAlter.configs["retention.ms"].value).toBe("5000000");
    // AlterConfigs replaced the override set; segment.ms is back to its default.
    expect(out.describedAfterAlter.configs["segment.ms"].value).toBe("604800000");
    const sourceOrDefault = out.describedAfterAlter.configs["retention.ms"].sourceOrDefault;
    expect(sourceOrDefault === ConfigSource.DYNAMIC_TOPIC_CONFIG || sourceOrDefault === false).toBe(true);
    expect(out.createPartitions).toEqual([[topic, 0]]);
    expect(out.metadataAfterPartitions).toEqual({ error: 0, partitions: 3 });
    expect(out.delete).toEqual([[topic, 0]]);
    expect(out.listedAfterDelete).not.toContain(topic);
    expect(registry().get(topic)).toBeUndefined();
    checkVersions("takhin-admin-kafka-python", ["CreateTopics", "CreatePartitions", "DescribeConfigs", "AlterConfigs", "DeleteTopics"]);
  });
});

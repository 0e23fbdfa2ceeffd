/**
 * Dynamic broker configs through real clients against an in-process Takhin on one node: kafkajs's
 * admin (describeConfigs / alterConfigs for BROKER, under Node) and Kafka 4.4's kafka-configs
 * (`--entity-type brokers --entity-default --alter --add-config`, `--describe`, `--describe --all`,
 * a topic's `--describe` showing the new default). Every assertion checks what the broker answers
 * or what its partitions now use.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { ConfigSource as S } from "../../src/cluster/topic-config.ts";
import { removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { explain, requireJava, runJava } from "../java/java.ts";
import { runClient } from "../clients/clients.ts";

const NODE = "/usr/bin/node";
const T = 180_000;
let tb: TestBroker;
let nodeId = "";

beforeAll(async () => {
  tb = await startTestBroker();
  nodeId = String(tb.broker.context.nodeId);
});
afterAll(async () => {
  await tb?.stop();
  if (tb) removeDir(tb.dataDir);
});

test("kafkajs: describeConfigs and alterConfigs for BROKER resources", async () => {
  const r = await runClient([NODE, join(import.meta.dir, "scripts", "broker-configs-kafkajs.mjs"), tb.bootstrap, nodeId], 30_000);
  const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "null");
  if (!out || out.error) throw new Error(`kafkajs failed: ${r.stdout}\n${r.stderr}`);
  expect(out.before["log.retention.ms"]).toMatchObject({ value: null, readOnly: false });
  expect(out.before["message.max.bytes"]).toMatchObject({ value: "1048588", source: S.DEFAULT_CONFIG, readOnly: false });
  expect(out.after["log.retention.ms"]).toMatchObject({ value: "5400000", source: S.DYNAMIC_BROKER_CONFIG, readOnly: false });
  expect(out.after["message.max.bytes"]).toMatchObject({ value: "2000000", source: S.DYNAMIC_BROKER_CONFIG, synonyms: [S.DYNAMIC_BROKER_CONFIG, S.DEFAULT_CONFIG] });
  expect(out.after["num.partitions"]).toMatchObject({ value: "1", readOnly: true });
  expect(out.readOnly.type).toBe("INVALID_REQUEST");
  // (kafkajs shows its own text for INVALID_REQUEST, not the broker's message.)
  // AlterConfigs with no entries replaced the broker's dynamic set with nothing.
  expect(out.cleared["log.retention.ms"].value).toBeNull();
  expect(out.cleared["message.max.bytes"]).toMatchObject({ value: "1048588", source: S.DEFAULT_CONFIG });
  expect(tb.broker.context.metadata.image.resourceConfigs(4, nodeId)).toEqual({});
  // kafkajs 2.2.4 refuses the cluster-default resource name itself (kafka-configs below uses it).
  expect(out.defaultName).toContain("Invalid resource name");
}, T);

test("kafka-configs: --entity-default alter and describe; a topic without an override takes the default at once", async () => {
  requireJava();
  const tool = async (args: string[], exit = 0) => {
    const r = await runJava("org.apache.kafka.tools.ConfigCommand", ["--bootstrap-server", tb.bootstrap, ...args], { timeoutMs: 60_000 });
    if (r.timedOut || r.exitCode !== exit) throw new Error(explain(r));
    return { out: r.stdout.split("\n").filter((l) => l.trim() !== ""), all: r.stdout + r.stderr };
  };
  const topic = "dyn-cli";
  tb.broker.context.topics.create(topic, 1);
  expect(tb.broker.context.partitions.get(topic, 0)!.config.retentionMs).toBe(604_800_000);

  expect((await tool(["--entity-type", "brokers", "--entity-default", "--alter", "--add-config", "log.retention.ms=1800000"])).out).toEqual([
    "Completed updating default config for brokers in the cluster.",
  ]);
  expect((await tool(["--entity-type", "brokers", "--entity-default", "--describe"])).out).toEqual([
    "Default configs for brokers in the cluster are:",
    "  log.retention.ms=1800000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=1800000}",
  ]);
  expect(tb.broker.context.partitions.get(topic, 0)!.config.retentionMs).toBe(1_800_000);
  expect(tb.broker.context.partitions.get(topic, 0)!.config.maxMessageBytes).toBe(1_048_588);

  const all = (await tool(["--entity-type", "brokers", "--entity-name", nodeId, "--describe", "--all"])).out;
  expect(all[0]).toBe(`All configs for broker ${nodeId} are:`);
  expect(all.find((l) => l.trim().startsWith("log.retention.ms="))!.trim()).toBe(
    "log.retention.ms=1800000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=1800000, DEFAULT_CONFIG:log.retention.hours=168}",
  );
  const topicAll = (await tool(["--entity-type", "topics", "--entity-name", topic, "--describe", "--all"])).out;
  expect(topicAll.find((l) => l.trim().startsWith("retention.ms="))!.trim()).toBe(
    "retention.ms=1800000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=1800000, DEFAULT_CONFIG:log.retention.hours=168}",
  );

  expect((await tool(["--entity-type", "brokers", "--entity-name", nodeId, "--alter", "--add-config", "log.segment.bytes=2097152"])).out).toEqual([`Completed updating config for broker ${nodeId}.`]);
  expect((await tool(["--entity-type", "brokers", "--entity-name", nodeId, "--describe"])).out).toEqual([
    `Dynamic configs for broker ${nodeId} are:`,
    "  log.segment.bytes=2097152 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.segment.bytes=2097152, DEFAULT_CONFIG:log.segment.bytes=1073741824}",
  ]);
  expect(tb.broker.context.partitions.get(topic, 0)!.config.segmentBytes).toBe(2_097_152);

  const refused = await tool(["--entity-type", "brokers", "--entity-default", "--alter", "--add-config", "log.segment.bytes=10"], 1);
  expect(refused.all).toContain("Invalid value 10 for configuration log.segment.bytes: Value must be at least 1048576");
}, T);

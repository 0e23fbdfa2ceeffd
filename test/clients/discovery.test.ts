/**
 * Real clients discover the cluster: each one (kcat, kafkajs, @platformatic/kafka, kafka-python,
 * confluent-kafka-python) runs as a subprocess against an in-process broker with two topics in its
 * catalogue, and must see exactly one broker (our node id, host and port), exactly those topics
 * with their partition counts, and — where the client reports them — our cluster id and controller.
 * Every client is killed after CLIENT_TIMEOUT_MS and always reaped before its test ends.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import {
  confluentPython,
  kafkajs,
  kafkaPython,
  kcatJson,
  kcatText,
  platformatic,
  runClient,
  type ClientSpec,
  type Discovery,
} from "./clients.ts";

const CLIENT_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = CLIENT_TIMEOUT_MS + 5_000;
/** Not 0, so a client that assumes or defaults the node id is caught. */
const NODE_ID = 7;
const TOPICS = [
  { name: "discovery-alpha", partitions: 3 },
  { name: "discovery_beta.two", partitions: 1 },
];

let tb: TestBroker;
beforeAll(async () => {
  tb = await startTestBroker({ nodeId: NODE_ID });
  for (const t of TOPICS) tb.broker.context.topics.create(t.name, t.partitions);
});
afterAll(async () => {
  await tb.stop();
  removeDir(tb.dataDir);
});

async function discover(spec: ClientSpec): Promise<Discovery> {
  const res = await runClient(spec.argv(tb.bootstrap), CLIENT_TIMEOUT_MS);
  const context = `${spec.name}: exit=${res.exitCode} timedOut=${res.timedOut} after ${Math.round(res.ms)} ms\nstdout:\n${res.stdout}\nstderr:\n${res.stderr.slice(-4000)}`;
  if (res.timedOut || res.exitCode !== 0) throw new Error(context);
  try {
    return spec.parse(res.stdout);
  } catch (e) {
    throw new Error(`${context}\nunparseable output: ${e}`);
  }
}

function expectCluster(d: Discovery, opts: { clusterId: boolean; controller: boolean }): void {
  expect(d.brokers).toEqual([{ nodeId: NODE_ID, host: "127.0.0.1", port: tb.port }]);
  const topics = [...d.topics].sort((a, b) => (a.name < b.name ? -1 : 1));
  expect(topics).toEqual(TOPICS);
  if (opts.clusterId) expect(d.clusterId).toBe(tb.broker.context.clusterId);
  if (opts.controller) expect(d.controllerId).toBe(NODE_ID);
}

describe("kcat (librdkafka 2.0.2)", () => {
  test(
    "-L lists one broker as controller and both topics",
    async () => {
      const d = await discover(kcatText);
      expect(d.raw.brokerCount).toBe(1);
      expect(d.raw.topicCount).toBe(2);
      expectCluster(d, { clusterId: false, controller: true });
      expect(d.raw.stdout).toContain(`from broker ${NODE_ID}: 127.0.0.1:${tb.port}/${NODE_ID}`);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "-L -J reports the same as JSON, with partition leaders and replicas",
    async () => {
      const d = await discover(kcatJson);
      expectCluster(d, { clusterId: false, controller: true });
      expect(d.raw.originating_broker).toEqual({ id: NODE_ID, name: `127.0.0.1:${tb.port}/${NODE_ID}` });
      for (const t of d.raw.topics) {
        expect(t.error).toBeUndefined();
        t.partitions.forEach((p: any, i: number) => {
          expect(p).toEqual({ partition: i, leader: NODE_ID, replicas: [{ id: NODE_ID }], isrs: [{ id: NODE_ID }] });
        });
      }
    },
    TEST_TIMEOUT_MS,
  );
});

test(
  "kafkajs admin: listTopics, describeCluster, fetchTopicMetadata",
  async () => {
    const d = await discover(kafkajs);
    expect(d.version).toBe("2.2.4");
    expectCluster(d, { clusterId: true, controller: true });
    expect([...d.raw.listed].sort()).toEqual(TOPICS.map((t) => t.name));
  },
  TEST_TIMEOUT_MS,
);

test(
  "@platformatic/kafka: admin listTopics and metadata, DescribeCluster v0 and v1",
  async () => {
    const d = await discover(platformatic);
    expect(d.version).toBe("1.35.0");
    expectCluster(d, { clusterId: true, controller: true });
    expect([...d.raw.listed].sort()).toEqual(TOPICS.map((t) => t.name));
    const broker = { nodeId: NODE_ID, host: "127.0.0.1", port: tb.port };
    const clusterId = tb.broker.context.clusterId;
    expect(d.raw.describeCluster).toEqual([
      { version: 0, errorCode: 0, clusterId, controllerId: NODE_ID, brokers: [broker] },
      { version: 1, errorCode: 0, clusterId, controllerId: NODE_ID, brokers: [broker] },
    ]);
  },
  TEST_TIMEOUT_MS,
);

test(
  "kafka-python admin: version detection, describe_cluster, list_topics, describe_topics",
  async () => {
    const d = await discover(kafkaPython);
    expect(d.version).toBe("2.0.2");
    // The detected broker version must be at least 0.10.0: below it the admin client refuses to
    // work and the consumer falls back to ZooKeeper-era offsets.
    const [major, minor] = d.raw.apiVersion as number[];
    expect(major * 100 + minor).toBeGreaterThanOrEqual(10);
    expectCluster(d, { clusterId: true, controller: true });
    expect([...d.raw.listed].sort()).toEqual(TOPICS.map((t) => t.name));
  },
  TEST_TIMEOUT_MS,
);

test(
  "confluent-kafka-python AdminClient.list_topics",
  async () => {
    const d = await discover(confluentPython);
    expect(d.version).toBe("1.7.0");
    expectCluster(d, { clusterId: true, controller: true });
    expect(d.raw.origBrokerId).toBe(NODE_ID);
    for (const t of d.raw.topics) expect(t.error).toBeNull();
  },
  TEST_TIMEOUT_MS,
);

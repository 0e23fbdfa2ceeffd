/**
 * The GROUP config resource (type 32): DescribeConfigs / AlterConfigs / IncrementalAlterConfigs
 * answered as Apache Kafka 4.4 answers them (the local peer, side by side, compared whole), kept in
 * the metadata log across a restart, changed by Kafka's own kafka-configs tool, and applied by the
 * KIP-848 coordinator: a group's consumer.heartbeat.interval.ms is what its members are told, its
 * consumer.session.timeout.ms is when they are fenced. Needs Java 17+ and the Maven-resolved Kafka
 * classpath (.ci/run installs both).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startKafkaPeer, type KafkaPeer } from "../../peer/kafka/launcher.ts";
import { AlterConfigs } from "../../src/protocol/messages/alter-configs.ts";
import { ConsumerGroupHeartbeat } from "../../src/protocol/messages/consumer-group-heartbeat.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { DescribeConfigs } from "../../src/protocol/messages/describe-configs.ts";
import { IncrementalAlterConfigs } from "../../src/protocol/messages/incremental-alter-configs.ts";
import { RawClient, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { explain, runJava } from "../java/java.ts";

const GROUP = 32;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

let peer: KafkaPeer;
let peerDir = "";
let tb: TestBroker;
beforeAll(async () => {
  peerDir = mkdtempSync(join(tmpdir(), "takhin-group-configs-kafka-"));
  [peer, tb] = await Promise.all([startKafkaPeer({ dataDir: peerDir }), startTestBroker({})]);
}, 180_000);
afterAll(async () => {
  await Promise.all([peer?.stop(), tb?.stop()]);
  if (peerDir) rmSync(peerDir, { recursive: true, force: true });
  if (tb) rmSync(tb.dataDir, { recursive: true, force: true });
}, 60_000);

type Op = { name: string; configOperation: number; value: string | null };
const set = (name: string, value: string | null): Op => ({ name, configOperation: SET, value });

/** Each sent alone, validate_only (the checks), in this order. */
const CHECKS: Op[][] = [
  [set("consumer.session.timeout.ms", "-1")], [set("consumer.session.timeout.ms", "44999")], [set("consumer.session.timeout.ms", "60000")],
  [set("consumer.session.timeout.ms", "60001")], [set("consumer.session.timeout.ms", "abc")], [set("consumer.session.timeout.ms", "99999999999")],
  [set("consumer.heartbeat.interval.ms", "4999")], [set("consumer.heartbeat.interval.ms", "15000")], [set("consumer.heartbeat.interval.ms", "15001")],
  [set("consumer.assignment.interval.ms", "-1")], [set("consumer.assignment.interval.ms", "15001")],
  [set("share.session.timeout.ms", "1")], [set("share.heartbeat.interval.ms", "999999")], [set("share.record.lock.duration.ms", "1")],
  [set("share.record.lock.duration.ms", "70000")], [set("share.delivery.count.limit", "1")], [set("share.delivery.count.limit", "11")],
  [set("share.partition.max.record.locks", "99")], [set("share.partition.max.record.locks", "4001")], [set("share.assignment.interval.ms", "-1")],
  [set("share.auto.offset.reset", "bogus")], [set("share.auto.offset.reset", "earliest")], [set("share.auto.offset.reset", "by_duration:PT1H")],
  [set("share.isolation.level", "bogus")], [set("share.isolation.level", "read_committed")], [set("share.renew.acknowledge.enable", "maybe")],
  [set("streams.session.timeout.ms", "1")], [set("streams.heartbeat.interval.ms", "1")], [set("streams.num.standby.replicas", "-1")],
  [set("streams.num.standby.replicas", "3")], [set("streams.initial.rebalance.delay.ms", "-1")], [set("streams.initial.rebalance.delay.ms", "999999999")],
  [set("streams.assignment.interval.ms", "15001")], [set("streams.assignor.name", "bogus")], [set("streams.assignor.name", "sticky")],
  [set("streams.rack.aware.assignment.tags", "a,b")], [set("errors.deadletterqueue.topic.name", "dlq")], [set("errors.deadletterqueue.copy.record.enable", "x")],
  [set("nope.x", "1")], [{ name: "consumer.session.timeout.ms", configOperation: APPEND, value: "1" }],
  [{ name: "consumer.session.timeout.ms", configOperation: SUBTRACT, value: "1" }], [set("consumer.session.timeout.ms", null)],
  [set("consumer.session.timeout.ms", "50000"), { name: "consumer.session.timeout.ms", configOperation: DELETE, value: null }],
];

/** The same conversation with either broker; what it answered, documentation left out (wording is each product's own). */
async function transcript(port: number): Promise<unknown> {
  const c = await RawClient.connect(port);
  try {
    const describe = async (name: string, keys: string[] | null, synonyms = true) => {
      const r = await c.call(DescribeConfigs, 4, { resources: [{ resourceType: GROUP, resourceName: name, configurationKeys: keys }], includeSynonyms: synonyms, includeDocumentation: false });
      return r.results;
    };
    const inc = async (name: string, configs: Op[], validateOnly: boolean) =>
      (await c.call(IncrementalAlterConfigs, 1, { resources: [{ resourceType: GROUP, resourceName: name, configs }], validateOnly })).responses;
    const checks = [];
    for (const ops of CHECKS) checks.push(await inc("g-check", ops, true));
    const out = {
      fresh: await describe("g1", null),
      one: await describe("g1", ["consumer.session.timeout.ms", "no.such.key"]),
      emptyName: await describe("", null),
      checks,
      emptyAlter: await inc("", [set("consumer.session.timeout.ms", "50000")], false),
      set: await inc("g1", [set("consumer.session.timeout.ms", "50000"), set("consumer.heartbeat.interval.ms", "6000")], false),
      append: await inc("g1", [{ name: "streams.rack.aware.assignment.tags", configOperation: APPEND, value: "a,b" }], false),
      subtract: await inc("g1", [{ name: "streams.rack.aware.assignment.tags", configOperation: SUBTRACT, value: "a" }], false),
      validateOnly: await inc("g1", [set("share.delivery.count.limit", "7")], true),
      afterSet: await describe("g1", null),
      noSynonyms: await describe("g1", ["consumer.heartbeat.interval.ms"], false),
      other: await describe("g2", ["consumer.session.timeout.ms"]),
      replace: (await c.call(AlterConfigs, 2, { resources: [{ resourceType: GROUP, resourceName: "g1", configs: [{ name: "share.delivery.count.limit", value: "3" }] }], validateOnly: false })).responses,
      afterReplace: await describe("g1", ["consumer.session.timeout.ms", "share.delivery.count.limit", "streams.rack.aware.assignment.tags"]),
      deleteAbsent: await inc("g3", [{ name: "consumer.session.timeout.ms", configOperation: DELETE, value: null }], false),
      delete: await inc("g1", [{ name: "share.delivery.count.limit", configOperation: DELETE, value: null }], false),
      afterDelete: await describe("g1", ["share.delivery.count.limit"]),
    };
    return out;
  } finally {
    c.close();
  }
}

test("Takhin answers the GROUP config resource as Kafka 4.4 does", async () => {
  const kafka = await transcript(peer.state.nodes[0]!.port);
  const takhin = await transcript(tb.port);
  expect(takhin).toEqual(kafka);
  // The conversation exercised what it meant to: overrides were stored and listed first.
  const after = (takhin as any).afterSet[0].configs;
  expect(after.find((x: any) => x.name === "consumer.session.timeout.ms")).toMatchObject({ value: "50000", configSource: 8 });
  expect(after.find((x: any) => x.name === "consumer.heartbeat.interval.ms")).toMatchObject({ value: "6000", configSource: 8 });
  expect((takhin as any).append[0].errorCode).toBe(40); // Kafka 4.4 refuses APPEND on every group key
}, 120_000);

test("group configs survive a restart (they are metadata records)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "takhin-group-configs-restart-"));
  try {
    let b = await startTestBroker({}, dir);
    let c = await RawClient.connect(b.port);
    const r = await c.call(IncrementalAlterConfigs, 1, { resources: [{ resourceType: GROUP, resourceName: "persist", configs: [set("consumer.heartbeat.interval.ms", "7000")] }], validateOnly: false });
    expect(r.responses[0].errorCode).toBe(0);
    c.close();
    await b.stop();
    b = await startTestBroker({}, dir);
    c = await RawClient.connect(b.port);
    const d = await c.call(DescribeConfigs, 4, { resources: [{ resourceType: GROUP, resourceName: "persist", configurationKeys: ["consumer.heartbeat.interval.ms"] }], includeSynonyms: false, includeDocumentation: false });
    expect(d.results[0].configs.map((x: any) => [x.name, x.value, x.configSource])).toEqual([["consumer.heartbeat.interval.ms", "7000", 8]]);
    c.close();
    await b.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test("kafka-configs --entity-type groups alters and describes a group's configs on Takhin", async () => {
  const cli = (args: string[]) => runJava("org.apache.kafka.tools.ConfigCommand", ["--bootstrap-server", tb.bootstrap, ...args], { timeoutMs: 90_000 });
  const alter = await cli(["--alter", "--entity-type", "groups", "--entity-name", "cli-group", "--add-config", "consumer.heartbeat.interval.ms=8000,consumer.session.timeout.ms=55000"]);
  expect(alter.exitCode, explain(alter)).toBe(0);
  expect(alter.stdout).toContain("Completed updating config for group cli-group.");
  const desc = await cli(["--describe", "--entity-type", "groups", "--entity-name", "cli-group"]);
  expect(desc.exitCode, explain(desc)).toBe(0);
  expect(desc.stdout).toContain("consumer.heartbeat.interval.ms=8000");
  expect(desc.stdout).toContain("consumer.session.timeout.ms=55000");
}, 240_000);

test("the KIP-848 coordinator applies a group's heartbeat interval and session timeout", async () => {
  // The broker's default session is 3 s, so the range a group may set starts there (widened, as documented).
  const b = await startTestBroker({ groupConsumerSessionTimeoutMs: 3000, groupConsumerHeartbeatIntervalMs: 1000 });
  const c = await RawClient.connect(b.port);
  let corr = 1;
  try {
    const topic = "gc-topic";
    await c.call(CreateTopics, 4, { topics: [{ name: topic, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
    const alter = await c.call(IncrementalAlterConfigs, 1, {
      resources: [{ resourceType: GROUP, resourceName: "slow", configs: [set("consumer.session.timeout.ms", "60000"), set("consumer.heartbeat.interval.ms", "9000")] }],
      validateOnly: false,
    });
    expect(alter.responses.map((r: any) => r.errorCode)).toEqual([0]);
    const join = (groupId: string) =>
      c.call(ConsumerGroupHeartbeat, 1, {
        groupId, memberId: `${groupId}-m`, memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000,
        subscribedTopicNames: [topic], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [],
      }, corr++);
    const slow = await join("slow");
    const fast = await join("fast");
    expect([slow.errorCode, fast.errorCode]).toEqual([0, 0]);
    expect(slow.heartbeatIntervalMs).toBe(9000);
    expect(fast.heartbeatIntervalMs).toBe(1000);
    const poll = (groupId: string, epoch: number) =>
      c.call(ConsumerGroupHeartbeat, 1, {
        groupId, memberId: `${groupId}-m`, memberEpoch: epoch, instanceId: null, rackId: null, rebalanceTimeoutMs: -1,
        subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null,
      }, corr++);
    // Neither heartbeats now: the default group's member is fenced after its 3 s session (a poll
    // that still finds it a member is a heartbeat, so each try waits a whole session again) ...
    let fastAnswer = 0;
    for (let attempt = 0; attempt < 8 && fastAnswer === 0; attempt++) {
      await Bun.sleep(4000);
      fastAnswer = (await poll("fast", fast.memberEpoch)).errorCode;
    }
    expect(fastAnswer).toBe(25); // UNKNOWN_MEMBER_ID: fenced
    // ... while the member of the group with a 60 s session is still a member.
    const slowAnswer = await poll("slow", slow.memberEpoch);
    expect(slowAnswer.errorCode).toBe(0);
    expect(slowAnswer.heartbeatIntervalMs).toBe(9000);
  } finally {
    c.close();
    await b.stop();
    rmSync(b.dataDir, { recursive: true, force: true });
  }
}, 90_000);

/**
 * Fault hooks (src/embed/faults.ts over src/server/fault-hooks.ts and ReplicaManager.produceFaults)
 * driven by kafkajs: failed produces that retries absorb, a lost acknowledgement that idempotence
 * absorbs (and a plain producer duplicates), held-back responses, dropped connections, a paused
 * group coordinator holding a rebalance back, and a partition's leadership moved in a 3-node
 * cluster while a producer goes on.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Kafka, logLevel, type Producer } from "kafkajs";
import { ErrorCode, startBroker, startCluster } from "../../src/embed/index.ts";
import type { InProcessBroker } from "../../src/embed/broker.ts";
import { describeGroup, groupCoordinator } from "../../src/cli/kafka.ts";
import { KafkaClient, KafkaError } from "../../src/client/index.ts";

let broker: InProcessBroker;
let kafka: Kafka;
const open: { disconnect(): Promise<void> }[] = [];

beforeAll(async () => {
  broker = await startBroker();
  kafka = new Kafka({ clientId: "faults-test", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50, retries: 5 } });
});
afterAll(async () => {
  for (const c of open) await c.disconnect().catch(() => {});
  await broker.stop();
});

async function producer(opts: Parameters<Kafka["producer"]>[0] = {}, client = kafka): Promise<Producer> {
  const p = client.producer(opts);
  await p.connect();
  open.push(p);
  return p;
}

const values = (rs: { value: Uint8Array | null }[]) => rs.map((r) => new TextDecoder().decode(r.value!));

describe("fault hooks", () => {
  test("the next N produces to a partition fail with the chosen code: kafkajs retries past them; without retries the error surfaces", async () => {
    await broker.admin.createTopic("fail-produce");
    await broker.faults.failProduce("fail-produce", { count: 2, errorCode: "NOT_LEADER_OR_FOLLOWER" });
    const p = await producer();
    await p.send({ topic: "fail-produce", messages: [{ value: "a" }] });
    expect(values(await broker.admin.readRecords("fail-produce"))).toEqual(["a"]);
    expect(broker.broker.context.replicas.produceFaults).toBeNull(); // used up: the hook is gone

    await broker.faults.failProduce("fail-produce", { errorCode: ErrorCode.INVALID_RECORD });
    const noRetry = await producer({ retry: { retries: 0 } });
    const err = await noRetry.send({ topic: "fail-produce", messages: [{ value: "b" }] }).catch((e) => e);
    expect(String(err?.type ?? err?.cause?.type ?? err)).toMatch(/INVALID_RECORD/);
    await noRetry.send({ topic: "fail-produce", messages: [{ value: "c" }] });
    expect(values(await broker.admin.readRecords("fail-produce"))).toEqual(["a", "c"]);
  }, 30_000);

  test("a lost acknowledgement (append, then an error): an idempotent producer writes once, a plain one twice", async () => {
    await broker.admin.createTopic("lost-ack");
    await broker.faults.failProduce("lost-ack", { errorCode: "NOT_LEADER_OR_FOLLOWER", afterAppend: true });
    const idem = await producer({ idempotent: true, maxInFlightRequests: 1 });
    await idem.send({ topic: "lost-ack", messages: [{ value: "once" }] });
    await broker.faults.failProduce("lost-ack", { errorCode: "NOT_LEADER_OR_FOLLOWER", afterAppend: true });
    const plain = await producer();
    await plain.send({ topic: "lost-ack", messages: [{ value: "twice" }] });
    expect(values(await broker.admin.readRecords("lost-ack"))).toEqual(["once", "twice", "twice"]);
  }, 30_000);

  test("held-back responses: a producer whose request timeout is shorter than the delay gives up; without the delay it succeeds", async () => {
    await broker.admin.createTopic("delayed");
    const impatient = new Kafka({ clientId: "impatient", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, requestTimeout: 300, retry: { retries: 0 } });
    const p = await producer({}, impatient);
    await p.send({ topic: "delayed", messages: [{ value: "warm" }] }); // metadata and connection in place
    const clear = await broker.faults.delayResponses(2000, { api: "Produce", clientId: "impatient", count: 1 });
    const err = await p.send({ topic: "delayed", messages: [{ value: "late" }] }).catch((e) => e);
    expect(`${err?.name} ${err?.cause?.name} ${err?.message}`).toMatch(/Timeout/i);
    await clear();
    // Responses on one connection go out in order, so the held one would hold this one too: another producer.
    const q = await producer({}, impatient);
    await q.send({ topic: "delayed", messages: [{ value: "prompt" }] });
    // The held-back request was handled all the same: the record is in the log.
    expect(values(await broker.admin.readRecords("delayed"))).toEqual(["warm", "late", "prompt"]);
  }, 30_000);

  test("a dropped connection: the Produce is not handled; kafkajs reconnects and retries, the record lands once", async () => {
    await broker.admin.createTopic("dropped");
    const p = await producer();
    await p.send({ topic: "dropped", messages: [{ value: "before" }] });
    const connectionsBefore = broker.broker.connectionCount;
    await broker.faults.dropConnection({ api: "Produce", clientId: "faults-test" });
    await p.send({ topic: "dropped", messages: [{ value: "after" }] });
    expect(values(await broker.admin.readRecords("dropped"))).toEqual(["before", "after"]);
    expect(connectionsBefore).toBeGreaterThan(0);
    expect(broker.broker.context.middleware.names()).not.toContain("test-faults");
  }, 30_000);

  test("a paused group coordinator answers COORDINATOR_LOAD_IN_PROGRESS and holds a rebalance back until resumed", async () => {
    await broker.admin.createTopic("paused", { partitions: 2 });
    const a = kafka.consumer({ groupId: "pg", sessionTimeout: 20_000, heartbeatInterval: 200, maxWaitTimeInMs: 100 });
    open.push(a);
    await a.connect();
    await a.subscribe({ topic: "paused" });
    await a.run({ eachMessage: async () => {} });
    await broker.admin.waitForGroupStable("pg", { members: 1 });

    const resume = await broker.faults.pauseGroupCoordinator({ groupId: "pg" });
    const client = await KafkaClient.connect({ bootstrap: broker.bootstrap });
    try {
      const err = await describeGroup(client, "pg", await groupCoordinator(client, "pg")).catch((e) => e);
      expect(err).toBeInstanceOf(KafkaError);
      expect((err as KafkaError).code).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      // Another group is not paused.
      expect((await describeGroup(client, "other", await groupCoordinator(client, "other"))).groupState).toBe("Dead");
    } finally {
      client.close();
    }
    let bJoined = false;
    const b = kafka.consumer({ groupId: "pg", sessionTimeout: 20_000, heartbeatInterval: 200, maxWaitTimeInMs: 100, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 300 } });
    open.push(b);
    b.on(b.events.GROUP_JOIN, () => (bJoined = true));
    await b.connect();
    await b.subscribe({ topic: "paused" });
    await b.run({ eachMessage: async () => {} });
    await Bun.sleep(1000);
    expect(bJoined).toBe(false); // no JoinGroup can succeed while paused
    await resume();
    const g = await broker.admin.waitForGroupStable("pg", { members: 2, timeoutMs: 30_000 });
    expect(g.members.flatMap((m) => m.assignment.map((x) => x.partition)).sort()).toEqual([0, 1]);
    expect(bJoined).toBe(true);
  }, 60_000);
});

describe("fault hooks on a cluster", () => {
  test("moveLeadership: a partition's leader moves to another in-sync replica; a kafkajs producer follows it", async () => {
    const cluster = await startCluster(3);
    const p3 = new Kafka({ clientId: "moving", brokers: cluster.bootstrap.split(","), logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50, retries: 8 } }).producer();
    try {
      await cluster.admin.createTopic("moving", { partitions: 1, replicationFactor: 3 });
      await p3.connect();
      await p3.send({ topic: "moving", messages: [{ value: "one" }], acks: -1 });
      const [before] = await cluster.leaders("moving");
      const to = [0, 1, 2].find((n) => n !== before)!;
      expect(await cluster.faults.moveLeadership("moving", 0, to)).toBe(to);
      expect(await cluster.leaders("moving")).toEqual([to]);
      await p3.send({ topic: "moving", messages: [{ value: "two" }], acks: -1 });
      const moved = await cluster.faults.moveLeadership("moving", 0);
      expect(moved).not.toBe(to);
      await p3.send({ topic: "moving", messages: [{ value: "three" }], acks: -1 });
      expect(values(await cluster.admin.readRecords("moving"))).toEqual(["one", "two", "three"]);
      await expect(cluster.faults.moveLeadership("moving", 5)).rejects.toThrow(/no partition/);
    } finally {
      await p3.disconnect().catch(() => {});
      await cluster.stop();
    }
  }, 90_000);
});

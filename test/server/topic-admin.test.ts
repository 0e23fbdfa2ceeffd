/**
 * CreateTopics, DeleteTopics and Metadata auto-creation over the wire: every error path, the
 * version-specific response shapes, validate_only, and the catalogue surviving a restart.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ConfigSource } from "../../src/cluster/topic-config.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { DeleteTopics } from "../../src/protocol/messages/delete-topics.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { ZERO_UUID } from "../../src/protocol/reader.ts";
import { RawClient, removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";

let tb: TestBroker;
let c: RawClient;
beforeAll(async () => {
  tb = await startTestBroker({ numPartitions: 3 });
  c = await RawClient.connect(tb.port);
});
afterAll(async () => {
  c.close();
  await tb.stop();
  removeDir(tb.dataDir);
});

type Topic = { name: string; numPartitions?: number; replicationFactor?: number; assignments?: unknown[]; configs?: { name: string; value: string | null }[] };
const topic = (t: Topic) => ({ numPartitions: 1, replicationFactor: 1, assignments: [], configs: [], ...t });

async function create(version: number, topics: Topic[], validateOnly = false) {
  const res = await c.call(CreateTopics, version, { topics: topics.map(topic), timeoutMs: 5000, validateOnly });
  return res.topics as any[];
}

async function metadata(names: string[], version = 12, allowAutoTopicCreation = false) {
  const res = await c.call(Metadata, version, {
    topics: names.map((name) => ({ name, topicId: ZERO_UUID })),
    allowAutoTopicCreation,
    includeTopicAuthorizedOperations: false,
  });
  return res.topics as any[];
}

describe("CreateTopics", () => {
  test("v7 creates a topic and returns its id, partitions, replication factor and configs", async () => {
    const [r] = await create(7, [{ name: "ct-a", numPartitions: 4, configs: [{ name: "retention.ms", value: "3600000" }] }]);
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.errorMessage).toBeNull();
    expect(r.topicId).not.toBe(ZERO_UUID);
    expect(r.numPartitions).toBe(4);
    expect(r.replicationFactor).toBe(1);
    const retention = r.configs.find((x: any) => x.name === "retention.ms");
    expect(retention).toMatchObject({ value: "3600000", configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG, readOnly: false });
    expect(r.configs.find((x: any) => x.name === "segment.bytes")).toMatchObject({ value: "1073741824", configSource: ConfigSource.DEFAULT_CONFIG });
    const [m] = await metadata(["ct-a"]);
    expect(m.errorCode).toBe(ErrorCode.NONE);
    expect(m.topicId).toBe(r.topicId);
    expect(m.partitions).toHaveLength(4);
    expect(tb.broker.context.topics.get("ct-a")!.configs).toEqual({ "retention.ms": "3600000" });
  });

  test("every version 0-7 creates; -1 partitions and replication factor take the broker defaults", async () => {
    for (let v = 0; v <= 7; v++) {
      const [r] = await create(v, [{ name: `ct-v${v}`, numPartitions: -1, replicationFactor: -1 }]);
      expect(r.errorCode).toBe(ErrorCode.NONE);
      if (v >= 5) expect(r.numPartitions).toBe(3);
      expect(tb.broker.context.topics.get(`ct-v${v}`)!.partitions).toBe(3);
    }
  });

  test("validate_only checks and reports but creates nothing", async () => {
    const [r] = await create(5, [{ name: "ct-validate", numPartitions: 2, configs: [{ name: "cleanup.policy", value: "compact" }] }], true);
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.numPartitions).toBe(2);
    expect(r.configs.find((x: any) => x.name === "cleanup.policy").value).toBe("compact");
    expect(tb.broker.context.topics.get("ct-validate")).toBeUndefined();
    const [m] = await metadata(["ct-validate"]);
    expect(m.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const [bad] = await create(5, [{ name: "ct-validate", configs: [{ name: "retention.ms", value: "x" }] }], true);
    expect(bad.errorCode).toBe(ErrorCode.INVALID_CONFIG);
  });

  test("error paths each carry their code and a message (v1+)", async () => {
    await create(4, [{ name: "ct-exists" }, { name: "ct_coll" }]);
    const rs = await create(4, [
      { name: "bad/name" },
      { name: "ct-exists" },
      { name: "ct-zero", numPartitions: 0 },
      { name: "ct-neg", numPartitions: -5 },
      { name: "ct-rf3", replicationFactor: 3 },
      { name: "ct-rf0", replicationFactor: 0 },
      { name: "ct-badcfg", configs: [{ name: "segment.bytes", value: "12" }] },
      { name: "ct-unknowncfg", configs: [{ name: "retention.hours", value: "1" }] },
      { name: "ct-nullcfg", configs: [{ name: "retention.ms", value: null }] },
      { name: "ct-dup" },
      { name: "ct-dup" },
      { name: "ct.coll" },
      { name: "a".repeat(250) },
    ]);
    const codes = Object.fromEntries(rs.map((r) => [r.name.slice(0, 20), r.errorCode]));
    expect(codes).toEqual({
      "bad/name": ErrorCode.INVALID_TOPIC_EXCEPTION,
      "ct-exists": ErrorCode.TOPIC_ALREADY_EXISTS,
      "ct-zero": ErrorCode.INVALID_PARTITIONS,
      "ct-neg": ErrorCode.INVALID_PARTITIONS,
      "ct-rf3": ErrorCode.INVALID_REPLICATION_FACTOR,
      "ct-rf0": ErrorCode.INVALID_REPLICATION_FACTOR,
      "ct-badcfg": ErrorCode.INVALID_CONFIG,
      "ct-unknowncfg": ErrorCode.INVALID_CONFIG,
      "ct-nullcfg": ErrorCode.INVALID_CONFIG, // as Kafka
      "ct-dup": ErrorCode.INVALID_REQUEST,
      "ct.coll": ErrorCode.INVALID_TOPIC_EXCEPTION,
      ["a".repeat(20)]: ErrorCode.INVALID_TOPIC_EXCEPTION,
    });
    // The duplicated name is answered once, as Kafka 4.4 does.
    expect(rs.filter((r) => r.name === "ct-dup").length).toBe(1);
    for (const r of rs) expect(r.errorMessage).toBeString();
    expect(rs.find((r) => r.name === "ct-badcfg").errorMessage).toContain("segment.bytes");
    expect(rs.find((r) => r.name === "ct-unknowncfg").errorMessage).toContain("retention.hours");
    for (const name of ["ct-zero", "ct-rf3", "ct-badcfg", "ct-dup", "ct.coll"]) expect(tb.broker.context.topics.get(name)).toBeUndefined();
  });

  test("v5+ error entries report -1 partitions and replication factor", async () => {
    const [r] = await create(6, [{ name: "ct-err5", numPartitions: 0 }]);
    expect(r).toMatchObject({ errorCode: ErrorCode.INVALID_PARTITIONS, numPartitions: -1, replicationFactor: -1, configs: [] });
  });

  test("v0 carries the error code alone", async () => {
    const [r] = await create(0, [{ name: "bad name" }]);
    expect(r.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(r.errorMessage || null).toBeNull();
  });

  test("manual assignments are accepted only for this broker, numbered from 0", async () => {
    const me = tb.broker.context.nodeId;
    const [ok] = await create(7, [{ name: "ct-assign", numPartitions: -1, replicationFactor: -1, assignments: [
      { partitionIndex: 1, brokerIds: [me] },
      { partitionIndex: 0, brokerIds: [me] },
    ] } as any]);
    expect(ok.errorCode).toBe(ErrorCode.NONE);
    expect(ok.numPartitions).toBe(2);
    const rs = await create(7, [
      { name: "ct-assign-other", numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [me + 7] }] },
      { name: "ct-assign-gap", numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 1, brokerIds: [me] }] },
      { name: "ct-assign-two", numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [me, me] }] },
      { name: "ct-assign-both", numPartitions: 1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [me] }] },
    ] as any);
    expect(rs.map((r) => r.errorCode)).toEqual([
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.INVALID_REQUEST,
    ]);
  });
});

describe("DeleteTopics", () => {
  test("by name (v0-5): deleted topics are gone; unknown names are UNKNOWN_TOPIC_OR_PARTITION", async () => {
    for (let v = 0; v <= 5; v++) {
      await create(4, [{ name: `dt-${v}` }]);
      const res = await c.call(DeleteTopics, v, { topicNames: [`dt-${v}`, `dt-missing-${v}`], timeoutMs: 5000 });
      expect(res.responses.map((r: any) => [r.name, r.errorCode])).toEqual([
        [`dt-${v}`, ErrorCode.NONE],
        [`dt-missing-${v}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ]);
      if (v >= 5) expect(res.responses[1].errorMessage).toContain(`dt-missing-${v}`);
      const [m] = await metadata([`dt-${v}`]);
      expect(m.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
  });

  test("v6 by topic id or name; unknown id is UNKNOWN_TOPIC_ID; both or neither is INVALID_REQUEST", async () => {
    const [a] = await create(7, [{ name: "dt-id" }]);
    await create(7, [{ name: "dt-name6" }]);
    const res = await c.call(DeleteTopics, 6, {
      topics: [
        { name: null, topicId: a.topicId },
        { name: "dt-name6", topicId: ZERO_UUID },
        { name: null, topicId: "AAAAAAAAAAAAAAAAAAAAAQ" },
        { name: "dt-x", topicId: a.topicId },
        { name: null, topicId: ZERO_UUID },
      ],
      timeoutMs: 5000,
    });
    expect(res.responses.map((r: any) => r.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.NONE,
      ErrorCode.UNKNOWN_TOPIC_ID,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
    ]);
    expect(res.responses[0]).toMatchObject({ name: "dt-id", topicId: a.topicId });
    expect(tb.broker.context.topics.get("dt-id")).toBeUndefined();
    expect(tb.broker.context.topics.get("dt-name6")).toBeUndefined();
  });

  test("a name given twice is INVALID_REQUEST and nothing is deleted", async () => {
    await create(4, [{ name: "dt-twice" }]);
    const res = await c.call(DeleteTopics, 5, { topicNames: ["dt-twice", "dt-twice"], timeoutMs: 5000 });
    expect(res.responses.map((r: any) => r.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
    expect(tb.broker.context.topics.get("dt-twice")).toBeDefined();
  });
});

describe("Metadata auto-creation", () => {
  test("v12 with allowAutoTopicCreation creates an unknown topic with num.partitions and reports it", async () => {
    const [m] = await metadata(["auto-12"], 12, true);
    expect(m.errorCode).toBe(ErrorCode.NONE);
    expect(m.partitions).toHaveLength(3);
    expect(tb.broker.context.topics.get("auto-12")!.partitions).toBe(3);
  });

  test("v4+ without allowAutoTopicCreation leaves it unknown; v0-3 always allow it", async () => {
    const [m] = await metadata(["auto-off"], 9, false);
    expect(m.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(tb.broker.context.topics.get("auto-off")).toBeUndefined();
    const [m1] = await metadata(["auto-v1"], 1);
    expect(m1.errorCode).toBe(ErrorCode.NONE);
    expect(m1.partitions).toHaveLength(3);
  });

  test("invalid names are INVALID_TOPIC_EXCEPTION, coordinator topics are not auto-created", async () => {
    const [bad, internal] = await metadata(["bad name!", "__consumer_offsets"], 12, true);
    expect(bad.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(internal.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(tb.broker.context.topics.get("__consumer_offsets")).toBeUndefined();
  });

  test("auto.create.topics.enable=false: unknown stays UNKNOWN_TOPIC_OR_PARTITION", async () => {
    const off = await startTestBroker({ autoCreateTopicsEnable: false });
    const oc = await RawClient.connect(off.port);
    try {
      const res = await oc.call(Metadata, 12, { topics: [{ name: "nope", topicId: ZERO_UUID }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
      expect(res.topics[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      expect(off.broker.context.topics.get("nope")).toBeUndefined();
    } finally {
      oc.close();
      await off.stop();
      removeDir(off.dataDir);
    }
  });
});

describe("restart", () => {
  test("created topics, ids, partition counts and configs survive a broker restart on the same data dir", async () => {
    const first = await startTestBroker();
    const fc = await RawClient.connect(first.port);
    const res = await fc.call(CreateTopics, 7, {
      topics: [topic({ name: "persist", numPartitions: 5, configs: [{ name: "cleanup.policy", value: "compact" }] }), topic({ name: "gone" })],
      timeoutMs: 5000,
      validateOnly: false,
    });
    await fc.call(DeleteTopics, 6, { topics: [{ name: "gone", topicId: ZERO_UUID }], timeoutMs: 5000 }, 2);
    fc.close();
    await first.stop();
    const second = await startTestBroker({}, first.dataDir);
    const sc = await RawClient.connect(second.port);
    try {
      const md = await sc.call(Metadata, 12, {
        topics: [{ name: "persist", topicId: ZERO_UUID }, { name: "gone", topicId: ZERO_UUID }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      });
      expect(md.topics[0]).toMatchObject({ errorCode: ErrorCode.NONE, topicId: res.topics[0].topicId });
      expect(md.topics[0].partitions).toHaveLength(5);
      expect(md.topics[1].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      const again = await sc.call(CreateTopics, 7, { topics: [topic({ name: "persist" })], timeoutMs: 5000, validateOnly: false }, 2);
      expect(again.topics[0].errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
      expect(second.broker.context.topics.get("persist")!.configs).toEqual({ "cleanup.policy": "compact" });
    } finally {
      sc.close();
      await second.stop();
      removeDir(first.dataDir);
    }
  });
});

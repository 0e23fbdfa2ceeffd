/**
 * Bounds on what clients can create, over a real socket: a CreateTopics or CreatePartitions
 * request adding more than MAX_PARTITIONS_PER_REQUEST partitions is refused whole with
 * POLICY_VIOLATION (Kafka's controller answers "Excessively large number of partitions per
 * request."), and the cluster-wide topic and partition caps refuse the topic that would cross
 * them, validate_only included, while smaller requests still succeed. (Before the bounds, every one
 * of these was created.)
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { MAX_PARTITIONS_PER_REQUEST } from "../../src/limits.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { CreatePartitions } from "../../src/protocol/messages/create-partitions.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { ZERO_UUID } from "../../src/protocol/reader.ts";
import { RawClient, removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";

let tb: TestBroker;
let c: RawClient;
beforeAll(async () => {
  tb = await startTestBroker({ numPartitions: 2 });
  c = await RawClient.connect(tb.port);
});
afterAll(async () => {
  c.close();
  await tb.stop();
  removeDir(tb.dataDir);
});

const topic = (name: string, numPartitions: number) => ({ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] });
async function create(topics: ReturnType<typeof topic>[], validateOnly = false) {
  return (await c.call(CreateTopics, 7, { topics, timeoutMs: 5000, validateOnly })).topics as any[];
}

test("more than MAX_PARTITIONS_PER_REQUEST partitions in one CreateTopics: POLICY_VIOLATION for every topic, nothing created", async () => {
  const half = MAX_PARTITIONS_PER_REQUEST / 2;
  for (const validateOnly of [true, false]) {
    const res = await create([topic("big-a", half), topic("big-b", half + 1), topic("small", 1)], validateOnly);
    expect(res.map((t) => [t.name, t.errorCode, t.errorMessage])).toEqual([
      ["big-a", ErrorCode.POLICY_VIOLATION, "Excessively large number of partitions per request."],
      ["big-b", ErrorCode.POLICY_VIOLATION, "Excessively large number of partitions per request."],
      ["small", ErrorCode.POLICY_VIOLATION, "Excessively large number of partitions per request."],
    ]);
  }
  // Topics defaulting to num.partitions count with the default.
  const many = Array.from({ length: MAX_PARTITIONS_PER_REQUEST / 2 + 1 }, (_, i) => topic(`dflt-${i}`, -1));
  expect((await create(many, true)).every((t) => t.errorCode === ErrorCode.POLICY_VIOLATION)).toBe(true);
  expect(tb.broker.context.topics.list().filter((t) => t.name.startsWith("big-") || t.name === "small" || t.name.startsWith("dflt-"))).toEqual([]);
  // Exactly the bound passes (validate_only, so nothing is created).
  expect((await create([topic("big-a", MAX_PARTITIONS_PER_REQUEST)], true))[0].errorCode).toBe(ErrorCode.NONE);
});

test("the cluster's topic and partition caps refuse the topic that would cross them, validate_only included", async () => {
  const controller = tb.broker.context.metadata;
  const saved = controller.limits;
  try {
    const existingTopics = controller.image.topicsById.size;
    const existingPartitions = controller.image.partitionCount;
    controller.limits = { maxTopics: existingTopics + 2, maxPartitions: existingPartitions + 5 };
    const res = await create([topic("cap-a", 2), topic("cap-b", 4), topic("cap-c", 3), topic("cap-d", 1)]);
    expect(res.map((t) => [t.name, t.errorCode])).toEqual([
      ["cap-a", ErrorCode.NONE],
      ["cap-b", ErrorCode.POLICY_VIOLATION], // 2 + 4 partitions > 5
      ["cap-c", ErrorCode.NONE],
      ["cap-d", ErrorCode.POLICY_VIOLATION], // a third topic
    ]);
    expect(res[1].errorMessage).toContain(`at most ${existingPartitions + 5} partitions`);
    expect(res[3].errorMessage).toContain(`at most ${existingTopics + 2} topics`);
    expect((await create([topic("cap-e", 1)], true))[0].errorCode).toBe(ErrorCode.POLICY_VIOLATION);
    // Auto-creation through Metadata obeys the same cap.
    const md = await c.call(Metadata, 12, { topics: [{ name: "cap-auto", topicId: ZERO_UUID }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    expect(md.topics[0].errorCode).toBe(ErrorCode.POLICY_VIOLATION);
    expect(tb.broker.context.topics.get("cap-auto")).toBeUndefined();
    // CreatePartitions past the partition cap.
    controller.limits = { maxTopics: existingTopics + 2, maxPartitions: existingPartitions + 6 };
    const cp = await c.call(CreatePartitions, 3, { topics: [{ name: "cap-a", count: 4, assignments: null }], timeoutMs: 5000, validateOnly: false });
    expect(cp.results[0].errorCode).toBe(ErrorCode.POLICY_VIOLATION);
    const ok = await c.call(CreatePartitions, 3, { topics: [{ name: "cap-a", count: 3, assignments: null }], timeoutMs: 5000, validateOnly: false });
    expect(ok.results[0].errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.context.topics.get("cap-a")!.partitions).toBe(3);
  } finally {
    controller.limits = saved;
  }
});

test("CreatePartitions adding more than MAX_PARTITIONS_PER_REQUEST in one request is POLICY_VIOLATION", async () => {
  expect((await create([topic("grow-a", 1), topic("grow-b", 1)]))[0].errorCode).toBe(ErrorCode.NONE);
  const half = MAX_PARTITIONS_PER_REQUEST / 2;
  const res = await c.call(CreatePartitions, 3, {
    topics: [{ name: "grow-a", count: half + 1, assignments: null }, { name: "grow-b", count: half + 2, assignments: null }],
    timeoutMs: 5000,
    validateOnly: true,
  });
  expect(res.results.map((r: any) => r.errorCode)).toEqual([ErrorCode.POLICY_VIOLATION, ErrorCode.POLICY_VIOLATION]);
  expect(tb.broker.context.topics.get("grow-a")!.partitions).toBe(1);
});

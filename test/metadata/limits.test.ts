/**
 * Bounds on what clients can create, over a real socket: a CreateTopics or CreatePartitions
 * request adding more than MAX_PARTITIONS_PER_REQUEST partitions is refused whole with
 * POLICY_VIOLATION (Kafka's controller answers "Excessively large number of partitions per
 * request."), a CreateTopics needing more than 10,000 metadata records likewise, and the
 * cluster-wide topic and partition caps refuse the topic that would cross
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

const topic = (name: string, numPartitions: number) => ({ name, numPartitions, replicationFactor: 1, assignments: [] as unknown[], configs: [] as { name: string; value: string | null }[] });
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
});

test("the records a CreateTopics needs are bounded too: answers as Kafka 4.4 gives them", async () => {
  // Measured against a Kafka 4.4 broker with the same requests (validate_only):
  const batch = "Unable to perform excessively large batch operation.";
  const cfg = [{ name: "retention.ms", value: "1000" }];
  const cases: [string, ReturnType<typeof topic>[], (string | null)[]][] = [
    ["9,999 partitions + a TopicRecord = 10,000 records", [topic("r1", 9999)], [null]],
    ["10,000 partitions: 10,001 records", [topic("r1", 10000)], [batch]],
    ["9,999 partitions and one config", [{ ...topic("r1", 9999), configs: cfg }], [batch]],
    ["6,000 + 3,999 partitions in two topics", [topic("r1", 6000), topic("r2", 3999)], [batch, batch]],
    ["6,000 + 3,998 partitions in two topics", [topic("r1", 6000), topic("r2", 3998)], [null, null]],
  ];
  for (const [what, topics, messages] of cases) {
    const res = await create(topics, true);
    expect({ what, answers: res.map((t) => [t.errorCode, t.errorMessage]) }).toEqual({
      what,
      answers: messages.map((m) => (m === null ? [ErrorCode.NONE, null] : [ErrorCode.POLICY_VIOLATION, m])),
    });
  }
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
  expect(res.results.map((r: any) => [r.errorCode, r.errorMessage])).toEqual([
    [ErrorCode.POLICY_VIOLATION, "Excessively large number of additional partitions per request."],
    [ErrorCode.POLICY_VIOLATION, "Excessively large number of additional partitions per request."],
  ]);
  expect(tb.broker.context.topics.get("grow-a")!.partitions).toBe(1);
  // Exactly the bound, in one topic or two, passes (as in Kafka 4.4).
  const one = await c.call(CreatePartitions, 3, { topics: [{ name: "grow-a", count: MAX_PARTITIONS_PER_REQUEST + 1, assignments: null }], timeoutMs: 5000, validateOnly: true });
  expect(one.results[0].errorCode).toBe(ErrorCode.NONE);
  const two = await c.call(CreatePartitions, 3, {
    topics: [{ name: "grow-a", count: half + 1, assignments: null }, { name: "grow-b", count: half + 1, assignments: null }],
    timeoutMs: 5000,
    validateOnly: true,
  });
  expect(two.results.map((r: any) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
});

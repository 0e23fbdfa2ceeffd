/**
 * KIP-219 muting with a raw client that ignores throttle_time_ms: after a Produce answered with a
 * throttle, the next request written on the same socket is not read (so not answered) until the
 * throttle time has passed, while another connection is answered meanwhile.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { AlterClientQuotas } from "../../src/protocol/messages/alter-client-quotas.ts";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { decodeResponse, RawClient, requestFrame, startTestBroker, type TestBroker } from "../helpers/broker.ts";

let tb: TestBroker;
const clients: RawClient[] = [];
beforeAll(async () => {
  tb = await startTestBroker({ quotaWindowNum: 3, quotaWindowSizeSeconds: 1, autoCreateTopicsEnable: false });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await tb?.stop();
});

test("a throttled connection reads nothing more until the throttle passes; another is answered meanwhile", async () => {
  const admin = await RawClient.connect(tb.port);
  clients.push(admin);
  expect((await admin.call(CreateTopics, 5, { topics: [{ name: "m", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false })).topics[0].errorCode).toBe(0);
  // 1,000 B/s for client id "muted" only: its 5 KB batch is over the 2 s window's 2,000 bytes.
  const set = await admin.call(AlterClientQuotas, 1, { entries: [{ entity: [{ entityType: "client-id", entityName: "muted" }], ops: [{ key: "producer_byte_rate", value: 1000, remove: false }] }], validateOnly: false });
  expect(set.entries[0].errorCode).toBe(0);

  const c = await RawClient.connect(tb.port);
  clients.push(c);
  const records = buildRecordBatch({ records: [{ value: new Uint8Array(5000) }] });
  const produce = { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: "m", partitionData: [{ index: 0, records }] }] };
  // Produce and, right behind it on the same socket, ApiVersions — as a client ignoring the throttle.
  c.write(requestFrame(Produce, 9, 1, produce, "muted"));
  c.write(requestFrame(ApiVersions, 3, 2, { clientSoftwareName: "t", clientSoftwareVersion: "1" }, "muted"));
  const [first] = await c.waitFrames(1);
  const answeredAt = Date.now();
  const res = decodeResponse(Produce, 9, first!).body;
  expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
  const throttleMs = res.throttleTimeMs;
  expect(throttleMs).toBeGreaterThan(0);

  // Meanwhile another connection is answered, and the muted one still has only its first answer.
  const other = await RawClient.connect(tb.port);
  clients.push(other);
  expect((await other.call(ApiVersions, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" })).errorCode).toBe(0);
  expect(c.frames.length).toBe(1);

  // The ApiVersions behind the Produce is answered once the throttle has passed.
  const frames = await c.waitFrames(2, throttleMs + 10_000);
  expect(frames.length).toBe(2);
  expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(throttleMs - 50);
}, 30_000);

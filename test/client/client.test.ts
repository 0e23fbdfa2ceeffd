/**
 * The internal client (src/client) against Takhin in-process over real sockets: ApiVersions
 * negotiation, Metadata, the typed calls, pipelining, the bounded queue, request timeouts and
 * reconnect after the broker is stopped and restarted on the same port.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  BrokerConnection,
  ConnectionError,
  EARLIEST_TIMESTAMP,
  KafkaClient,
  KafkaError,
  LATEST_TIMESTAMP,
  pickVersion,
  QueueFullError,
  RequestTimeoutError,
  UnsupportedVersionError,
} from "../../src/client/index.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { buildRecordBatch, iterateRecords, readBatchHeader } from "../../src/protocol/record-batch.ts";
import { removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const batch = (...values: string[]) => buildRecordBatch({ records: values.map((v) => ({ key: null, value: enc.encode(v) })) });

function values(records: Uint8Array): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos + 61 <= records.length) {
    const h = readBatchHeader(records, pos);
    if (pos + 12 + h.batchLength > records.length) break;
    for (const r of iterateRecords(records.subarray(pos + 61, pos + 12 + h.batchLength), h.recordCount)) out.push(dec.decode(r.value!));
    pos += 12 + h.batchLength;
  }
  return out;
}

describe("internal client against Takhin", () => {
  let tb: TestBroker;
  let client: KafkaClient;
  beforeAll(async () => {
    tb = await startTestBroker({ autoCreateTopicsEnable: false });
    client = await KafkaClient.connect({ bootstrap: tb.bootstrap, clientId: "client-test" });
  });
  afterAll(async () => {
    client?.close();
    await tb?.stop();
    removeDir(tb.dataDir);
  });

  test("negotiates the highest common version per API", async () => {
    const versions = await client.apiVersions();
    const served = versions.get(Metadata.apiKey)!;
    expect(served).toBeDefined();
    expect(pickVersion(Metadata, versions)).toBe(Math.min(served.max, Metadata.request.valid.max));
    // A cap lowers the choice; a range outside both sides is refused.
    expect(pickVersion(Metadata, versions, 4)).toBe(4);
    expect(() => pickVersion(Fetch, versions, 2)).toThrow(UnsupportedVersionError);
    expect(() => pickVersion(Fetch, new Map([[1, { min: 18, max: 20 }]]))).toThrow(UnsupportedVersionError);
    expect(() => pickVersion(Fetch, new Map())).toThrow(UnsupportedVersionError);
  });

  test("bootstrap + Metadata learn the broker", async () => {
    expect(client.brokers.map((b) => b.port)).toEqual([tb.port]);
    const md = await client.metadata(null);
    expect(md.brokers).toHaveLength(1);
    expect(md.brokers[0].host).toBe("127.0.0.1");
  });

  test("createTopics, produce, fetch, listOffsets, deleteTopics", async () => {
    const created = await client.createTopics([{ name: "client-t", numPartitions: 2, replicationFactor: 1 }]);
    expect(created.map((t) => [t.name, t.errorCode])).toEqual([["client-t", 0]]);
    const again = await client.createTopics([{ name: "client-t", numPartitions: 2, replicationFactor: 1 }]);
    expect(again[0].errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);

    const first = await client.produce("client-t", 1, batch("a", "b"));
    expect(first!.baseOffset).toBe(0n);
    const second = await client.produce("client-t", 1, batch("c"));
    expect(second!.baseOffset).toBe(2n);
    expect(await client.produce("client-t", 1, batch("d"), { acks: 0 })).toBeNull();

    // acks=0 has no response: the fetch after it still sees it (same connection, in order).
    const fetched = await client.fetch("client-t", 1, 0n, { maxWaitMs: 100 });
    expect(fetched.highWatermark).toBe(4n);
    expect(values(fetched.records!)).toEqual(["a", "b", "c", "d"]);

    expect((await client.listOffsets("client-t", 1, LATEST_TIMESTAMP)).offset).toBe(4n);
    expect((await client.listOffsets("client-t", 1, EARLIEST_TIMESTAMP)).offset).toBe(0n);
    expect((await client.listOffsets("client-t", 0, LATEST_TIMESTAMP)).offset).toBe(0n);

    const configs = await client.describeConfigs([{ type: 2, name: "client-t", keys: ["cleanup.policy"] }]);
    expect(configs[0].errorCode).toBe(0);
    expect(configs[0].configs.map((c) => [c.name, c.value])).toEqual([["cleanup.policy", "delete"]]);

    const deleted = await client.deleteTopics(["client-t"]);
    expect(deleted.map((d) => [d.name, d.errorCode])).toEqual([["client-t", 0]]);
  });

  test("a partition error is raised as KafkaError with its code", async () => {
    let caught: unknown = null;
    try {
      await client.produce("no-such-topic", 0, batch("x"));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(KafkaError);
    expect((caught as KafkaError).code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  test("pipelining: many requests in flight on one connection, answered by correlation id", async () => {
    const c = new BrokerConnection("127.0.0.1", tb.port, { maxInFlightRequests: 16 });
    try {
      await c.connect();
      const calls = Array.from({ length: 200 }, (_, i) =>
        c.send(Metadata, { topics: i % 2 === 0 ? [] : null, allowAutoTopicCreation: false }),
      );
      // Never more than the in-flight bound on the wire; the rest wait in the queue.
      expect(c.inFlightCount).toBe(16);
      expect(c.inFlightCount + c.queuedCount).toBe(200);
      const results = await Promise.all(calls);
      expect(results.every((r) => r.body.brokers.length === 1)).toBe(true);
      expect(c.stats.connects).toBe(1);
    } finally {
      c.close();
    }
  });

  test("bounded queue: requests beyond maxQueuedRequests are refused at once, the rest complete", async () => {
    const c = new BrokerConnection("127.0.0.1", tb.port, { maxInFlightRequests: 1, maxQueuedRequests: 3 });
    try {
      // Not yet connected: everything waits in the queue, so its bound applies from the first.
      const settled = await Promise.allSettled(Array.from({ length: 6 }, () => c.send(ApiVersions, {})));
      const refused = settled.filter((s) => s.status === "rejected");
      expect(settled.filter((s) => s.status === "fulfilled")).toHaveLength(3);
      expect(refused).toHaveLength(3);
      for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(QueueFullError);
      expect(c.stats.queueRejections).toBe(3);
    } finally {
      c.close();
    }
  });

  test("timeout: a fetch the broker holds longer than the request timeout fails, and the connection recovers", async () => {
    await client.createTopics([{ name: "client-wait", numPartitions: 1, replicationFactor: 1 }]);
    const md = await client.metadata(["client-wait"]);
    const topicId = md.topics[0].topicId;
    const c = new BrokerConnection("127.0.0.1", tb.port, { requestTimeoutMs: 300 });
    try {
      await c.connect();
      const hold = c.send(Fetch, {
        replicaId: -1,
        maxWaitMs: 10_000,
        minBytes: 1,
        maxBytes: 1 << 20,
        topics: [{ topic: "client-wait", topicId, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
      });
      let caught: unknown = null;
      try {
        await hold;
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(RequestTimeoutError);
      expect(c.stats.timeouts).toBe(1);
      // The timed-out connection was closed (as Kafka's client does); the next request reconnects.
      const after = await c.send(Metadata, { topics: [], allowAutoTopicCreation: false });
      expect(after.body.brokers).toHaveLength(1);
      expect(c.stats.connects).toBe(2);
    } finally {
      c.close();
    }
  });
});

describe("internal client reconnect", () => {
  test("broker stopped and restarted on the same port: a request sent meanwhile is answered after the reconnect (with backoff)", async () => {
    const dir = tempDir();
    let tb = await startTestBroker({ autoCreateTopicsEnable: false }, dir);
    const port = tb.port;
    const c = new BrokerConnection("127.0.0.1", port, { reconnectBackoffMs: 20, reconnectBackoffMaxMs: 200, maxConnectAttempts: 50, requestTimeoutMs: 20_000 });
    try {
      expect((await c.send(Metadata, { topics: [], allowAutoTopicCreation: false })).body.brokers[0].port).toBe(port);
      await tb.stop();
      // The broker is gone: with few attempts a request fails with ConnectionError.
      const quick = new BrokerConnection("127.0.0.1", port, { reconnectBackoffMs: 5, maxConnectAttempts: 2 });
      await expect(quick.send(Metadata, { topics: [] })).rejects.toBeInstanceOf(ConnectionError);
      expect(quick.stats.connectFailures).toBe(2);
      quick.close();

      // A request sent while the broker is down waits through the reconnect attempts...
      const pending = c.send(Metadata, { topics: [], allowAutoTopicCreation: false });
      await Bun.sleep(150);
      tb = await startTestBroker({ autoCreateTopicsEnable: false, kafkaPort: port }, dir);
      // ...and is answered by the restarted broker.
      const r = await pending;
      expect(r.body.brokers[0].port).toBe(port);
      expect(c.stats.connects).toBe(2);
      expect(c.stats.connectFailures).toBeGreaterThan(0);
    } finally {
      c.close();
      await tb.stop();
      removeDir(dir);
    }
  });
});

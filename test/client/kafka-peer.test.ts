/**
 * The internal client against Apache Kafka 4.4 (peer/kafka): the same typed calls as against
 * Takhin — ApiVersions negotiation, Metadata, CreateTopics, Produce, Fetch (by topic id at v13+),
 * ListOffsets, DescribeConfigs, DeleteTopics. Skipped, with the reason printed, only when Java is
 * absent.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startKafkaPeer, type KafkaPeer } from "../../peer/kafka/launcher.ts";
import { KafkaClient, KafkaError, LATEST_TIMESTAMP, pickVersion } from "../../src/client/index.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { ListOffsets } from "../../src/protocol/messages/list-offsets.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { buildRecordBatch, iterateRecords, readBatchHeader } from "../../src/protocol/record-batch.ts";

const javaHome = process.env.KAFKA_PEER_JAVA_HOME ?? process.env.JAVA_HOME;
const hasJava = javaHome ? Bun.which("java", { PATH: join(javaHome, "bin") }) !== null : Bun.which("java") !== null;
if (!hasJava) console.warn("test/client/kafka-peer.test.ts skipped: no java on PATH (nor JAVA_HOME / KAFKA_PEER_JAVA_HOME)");

const enc = new TextEncoder();
const dec = new TextDecoder();

describe.skipIf(!hasJava)("internal client against Apache Kafka 4.4", () => {
  let peer: KafkaPeer;
  let client: KafkaClient;
  const dir = mkdtempSync(join(tmpdir(), "takhin-client-kafka-"));
  beforeAll(async () => {
    peer = await startKafkaPeer({ dataDir: dir });
    client = await KafkaClient.connect({ bootstrap: peer.bootstrap, clientId: "takhin-client-test" });
  }, 180_000);
  afterAll(async () => {
    client?.close();
    await peer?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  test("negotiates versions, creates a topic, produces, fetches by topic id, lists offsets, deletes", async () => {
    const versions = await client.apiVersions();
    const fetchVersion = pickVersion(Fetch, versions);
    expect(fetchVersion).toBeGreaterThanOrEqual(13); // topics by id
    expect(client.brokers.map((b) => b.nodeId)).toEqual([1]);
    const used = [Fetch, Produce, Metadata, ListOffsets, CreateTopics].map((a) => `${a.name} v${pickVersion(a, versions)}`);
    console.log(`client <-> Apache Kafka ${peer.state.kafkaVersion}: ${used.join(", ")}`);

    const created = await client.createTopics([{ name: "client-kafka", numPartitions: 2, replicationFactor: 1 }]);
    expect(created.map((t) => [t.name, t.errorCode])).toEqual([["client-kafka", 0]]);
    // Leadership is elected shortly after creation: retry produce while it is not there yet.
    const records = buildRecordBatch({ records: ["x", "y", "z"].map((v) => ({ key: null, value: enc.encode(v) })) });
    let produced = null;
    for (let i = 0; i < 100 && produced === null; i++) {
      try {
        produced = await client.produce("client-kafka", 1, records);
      } catch (error) {
        if (!(error instanceof KafkaError)) throw error;
        await Bun.sleep(100);
        await client.metadata(["client-kafka"]);
      }
    }
    expect(produced!.baseOffset).toBe(0n);

    const fetched = await client.fetch("client-kafka", 1, 0n, { maxWaitMs: 100 });
    expect(fetched.highWatermark).toBe(3n);
    const h = readBatchHeader(fetched.records!, 0);
    expect([...iterateRecords(fetched.records!.subarray(61, 12 + h.batchLength), h.recordCount)].map((r) => dec.decode(r.value!))).toEqual(["x", "y", "z"]);

    expect((await client.listOffsets("client-kafka", 1, LATEST_TIMESTAMP)).offset).toBe(3n);
    const configs = await client.describeConfigs([{ type: 2, name: "client-kafka", keys: ["cleanup.policy"] }]);
    expect(configs[0].configs.map((c) => [c.name, c.value])).toEqual([["cleanup.policy", "delete"]]);

    const again = await client.createTopics([{ name: "client-kafka", numPartitions: 1, replicationFactor: 1 }]);
    expect(again[0].errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    const deleted = await client.deleteTopics(["client-kafka"]);
    expect(deleted.map((d) => [d.name, d.errorCode])).toEqual([["client-kafka", 0]]);
  }, 120_000);
});

/**
 * Records real clients' compressed record batches as fixtures for test/compression.
 *
 *   bun test/compression/capture-fixtures.ts
 *
 * Starts an in-process test broker and puts a recording Produce handler (and Fetch and
 * FindCoordinator stubs, so librdkafka enables zstd and lz4) into its registry, replacing any
 * handlers it has for them. Then kcat (librdkafka) produces one batch per codec and kafkajs a gzip
 * batch; every v2 batch that arrives is written, whole, to
 * test/compression/fixtures/<client>-<codec>.bin, and the records sent to fixtures/records.json. The handler answers success without storing anything.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { FindCoordinator } from "../../src/protocol/messages/find-coordinator.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { COMPRESSION_MASK, readBatchHeader } from "../../src/protocol/record-batch.ts";
import type { Handler } from "../../src/server/registry.ts";
import { codecName } from "../../src/compression/index.ts";
import { removeDir, startTestBroker } from "../helpers/broker.ts";

const FIXTURES = join(import.meta.dir, "fixtures");
const TOPIC = "compressed";
/** Similar JSON records, so that even LZ4 gains (librdkafka sends a batch uncompressed when it would not shrink). */
export const FIXTURE_RECORDS = Array.from({ length: 20 }, (_, i) => ({
  key: `user-${i % 5}`,
  value: JSON.stringify({ id: i, name: `name-${i}`, kind: "event", tags: ["alpha", "beta", "gamma"], score: i * 1.5, ok: i % 2 === 0 }),
}));

const received: Uint8Array[] = [];

const produceRecorder: Handler = {
  api: Produce,
  minVersion: 0,
  maxVersion: 9,
  handle(_ctx, req: any) {
    return {
      responses: req.topicData.map((t: any) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p: any) => {
          if (p.records) received.push(new Uint8Array(p.records));
          return { index: p.index, errorCode: 0, baseOffset: 0n, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null };
        }),
      })),
      throttleTimeMs: 0,
    };
  },
};

function stub(api: Handler["api"], minVersion: number, maxVersion: number): Handler {
  return {
    api,
    minVersion,
    maxVersion,
    handle() {
      throw new Error(`${api.name} is not served by the capture broker`);
    },
  };
}

const tb = await startTestBroker({ nodeId: 1 });
try {
  tb.broker.context.topics.create(TOPIC, 1);
  // Test-only: overwrite whatever the broker registered for these keys.
  const registry = tb.broker.context.registry;
  registry.replace(produceRecorder);
  // librdkafka enables zstd only with Fetch 10+, and lz4 only with FindCoordinator 0 advertised.
  registry.replace(stub(Fetch, 4, 12));
  registry.replace(stub(FindCoordinator, 0, 2));

  const take = (): Uint8Array => {
    if (received.length !== 1) throw new Error(`expected one batch, got ${received.length}`);
    const b = received.pop()!;
    const h = readBatchHeader(b);
    if (h.batchLength + 12 !== b.length) throw new Error(`records field holds ${b.length} bytes, batch says ${h.batchLength + 12}`);
    return b;
  };

  const input = FIXTURE_RECORDS.map((r) => `${r.key}\t${r.value}`).join("\n") + "\n";
  for (const codec of ["gzip", "snappy", "lz4", "zstd"]) {
    const proc = Bun.spawn(
      ["kcat", "-P", "-b", tb.bootstrap, "-t", TOPIC, "-p", "0", "-K", "\t", "-z", codec, "-H", "h1=v1", "-X", "linger.ms=100", "-X", "client.id=capture-kcat"],
      { stdin: new TextEncoder().encode(input), stdout: "pipe", stderr: "pipe" },
    );
    const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
    const code = await proc.exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`kcat -z ${codec} exited ${code}: ${await new Response(proc.stderr).text()}`);
    const batch = take();
    const got = codecName(readBatchHeader(batch).attributes & COMPRESSION_MASK);
    if (got !== codec) throw new Error(`kcat -z ${codec} sent a ${got} batch`);
    writeFileSync(join(FIXTURES, `kcat-${codec}.bin`), batch);
    console.log(`kcat ${codec}: ${batch.length} bytes`);
  }

  const { Kafka, CompressionTypes, logLevel } = await import("kafkajs");
  const kafka = new Kafka({ clientId: "capture-kafkajs", brokers: [tb.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  await producer.send({
    topic: TOPIC,
    compression: CompressionTypes.GZIP,
    messages: FIXTURE_RECORDS.map((r) => ({ key: r.key, value: r.value, partition: 0, headers: { h1: "v1" } })),
  });
  await producer.disconnect();
  const batch = take();
  writeFileSync(join(FIXTURES, "kafkajs-gzip.bin"), batch);
  console.log(`kafkajs gzip: ${batch.length} bytes`);
  writeFileSync(join(FIXTURES, "records.json"), JSON.stringify({ records: FIXTURE_RECORDS, headers: [{ key: "h1", value: "v1" }] }, null, 2) + "\n");
} finally {
  await tb.stop();
  removeDir(tb.dataDir);
}

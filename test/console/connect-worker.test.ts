/**
 * Kafka Connect (Apache Kafka's connect-runtime with the file connectors, distributed mode, a real
 * JVM worker: peer/connect) against a Takhin broker, driven through the console's ConnectClient
 * (src/console/connect/client.ts). It proves that Takhin serves Connect's own use of Kafka — the
 * compacted config/offset/status topics it creates and reads back, its group protocol ("connect"),
 * its producers and consumers — and that the client reads Connect's answers and errors.
 *
 * One broker and one worker for the file (the JVM start dominates); the kill test restarts it.
 * Figures (worker start, source->sink latency) are printed, not asserted.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import kafkajs from "kafkajs";
import { startConnectWorker, type ConnectWorker } from "../../peer/connect/launcher.ts";
import { ConnectClient, ConnectError, type ConnectorState } from "../../src/console/connect/client.ts";
import { atLeastOnceReplay, lines, readText, topicValues as readTopic, until, waitState as waitStateOf } from "./connect-helpers.ts";
import { startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";

const { ConfigResourceTypes, Kafka, logLevel } = kafkajs;

const FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector";
const FILE_SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector";
/** Each test waits on the JVM worker; bun's per-test default would kill it mid-test. */
const TEST_MS = 120_000;

let broker: TestBroker;
let worker: ConnectWorker;
let client: ConnectClient;
let dir: string;
let workerDir: string;

const waitState = (name: string, state: ConnectorState, tasks = 1) => waitStateOf(client, name, state, tasks);
const topicValues = (topic: string, expected: number) => readTopic(broker.bootstrap, topic, expected);

beforeAll(async () => {
  dir = tempDir("takhin-connect-");
  workerDir = join(dir, "worker");
  broker = await startTestBroker({}, join(dir, "broker"));
  worker = await startConnectWorker({ bootstrap: broker.bootstrap, dataDir: workerDir });
  console.log(`connect worker healthy ${Math.round(worker.startupMs)} ms after spawning the JVM`);
  client = new ConnectClient(worker.url, { timeoutMs: 30_000 });
}, 150_000);

afterAll(async () => {
  await worker?.stop();
  await broker?.stop();
}, 60_000);

describe("Kafka Connect (distributed) on Takhin", () => {
  const sourceFile = () => join(dir, "source.txt");
  const sinkFile = () => join(dir, "sink.txt");
  let written: string[] = [];

  test("its internal topics are compacted in Takhin (read back with DescribeConfigs)", async () => {
    const admin = new Kafka({ clientId: "connect-test-admin", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const names = ["connect-configs", "connect-offsets", "connect-status"];
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ["cleanup.policy"] })),
      });
      const policy = Object.fromEntries(described.resources.map((r) => [r.resourceName, r.configEntries.find((c) => c.configName === "cleanup.policy")?.configValue]));
      expect(policy).toEqual({ "connect-configs": "compact", "connect-offsets": "compact", "connect-status": "compact" });
      const meta = await admin.fetchTopicMetadata({ topics: names });
      expect(Object.fromEntries(meta.topics.map((t) => [t.name, t.partitions.length]))).toEqual({ "connect-configs": 1, "connect-offsets": 25, "connect-status": 5 });
    } finally {
      await admin.disconnect();
    }
  }, TEST_MS);

  test("FileStreamSource -> topic -> FileStreamSink, byte-exact", async () => {
    written = lines(0, 300);
    writeFileSync(sourceFile(), written.join("\n") + "\n");
    await client.create("file-source", { "connector.class": FILE_SOURCE, file: sourceFile(), topic: "connect-lines", "tasks.max": "1" });
    await client.create("file-sink", { "connector.class": FILE_SINK, file: sinkFile(), topics: "connect-lines", "tasks.max": "1" });
    await waitState("file-source", "RUNNING");
    await waitState("file-sink", "RUNNING");
    const expected = written.join("\n") + "\n";
    await until("the sink file to equal the source file", () => readText(sinkFile()) === expected);
    expect(readFileSync(sinkFile())).toEqual(readFileSync(sourceFile()));
    expect(await topicValues("connect-lines", written.length)).toEqual(written);

    // Latency of one appended line from the source file to the sink file.
    const t0 = performance.now();
    const one = lines(300, 301);
    appendFileSync(sourceFile(), one.join("\n") + "\n");
    written.push(...one);
    await until("the appended line in the sink", () => readText(sinkFile()) === written.join("\n") + "\n");
    console.log(`source file -> sink file latency of one line: ${Math.round(performance.now() - t0)} ms`);
  }, TEST_MS);

  test("REST: list, config, tasks and status through ConnectClient", async () => {
    expect((await client.listConnectors()).sort()).toEqual(["file-sink", "file-source"]);
    const config = await client.config("file-source");
    expect(config).toMatchObject({ "connector.class": FILE_SOURCE, file: sourceFile(), topic: "connect-lines", name: "file-source" });
    const tasks = await client.tasks("file-sink");
    expect(tasks.map((t) => t.id)).toEqual([{ connector: "file-sink", task: 0 }]);
    expect(tasks[0]!.config.topics).toBe("connect-lines");
    const status = await client.status("file-source");
    expect(status).toMatchObject({ name: "file-source", type: "source", connector: { state: "RUNNING", worker_id: `127.0.0.1:${worker.port}` } });
    expect(status.tasks.map((t) => [t.id, t.state])).toEqual([[0, "RUNNING"]]);
  }, TEST_MS);

  test("REST: pause and resume the source; restart the sink with its tasks", async () => {
    await client.pause("file-source");
    await waitState("file-source", "PAUSED");
    const more = lines(301, 340);
    appendFileSync(sourceFile(), more.join("\n") + "\n");
    written.push(...more);
    await client.resume("file-source");
    await waitState("file-source", "RUNNING");
    await until("the lines appended while paused in the sink", () => readText(sinkFile()) === written.join("\n") + "\n");

    await client.restart("file-sink", { includeTasks: true, onlyFailed: false });
    await waitState("file-sink", "RUNNING");
    await client.restart("file-source");
    await waitState("file-source", "RUNNING");
    const after = lines(340, 350);
    appendFileSync(sourceFile(), after.join("\n") + "\n");
    written.push(...after);
    // A restarted sink resumes from its committed offsets: what it writes again is a replay of a
    // suffix (at least once), never a gap — so the source's text is the sink's with the replay cut.
    await until("the lines appended after the restarts in the sink", () => readText(sinkFile()).endsWith(after.join("\n") + "\n"));
    const sinkLines = readText(sinkFile()).trimEnd().split("\n");
    expect(atLeastOnceReplay(written, sinkLines)).toBe(true);
  }, TEST_MS);

  test("REST errors: 404 unknown connector, 400 invalid config, 409 existing name", async () => {
    const err = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return e;
      }
      throw new Error("expected a ConnectError");
    };
    const notFound = await err(client.status("no-such-connector"));
    expect(notFound).toBeInstanceOf(ConnectError);
    expect(notFound).toMatchObject({ status: 404, errorCode: 404 });
    expect((notFound as Error).message).toContain("no-such-connector");
    expect(await err(client.config("no-such-connector"))).toMatchObject({ status: 404, errorCode: 404 });
    expect(await err(client.pause("no-such-connector"))).toMatchObject({ status: 404, errorCode: 404 });
    expect(await err(client.delete("no-such-connector"))).toMatchObject({ status: 404, errorCode: 404 });

    // FileStreamSource needs a topic: Connect validates the config and refuses it.
    const invalid = await err(client.create("bad-source", { "connector.class": FILE_SOURCE, file: sourceFile(), "tasks.max": "1" }));
    expect(invalid).toMatchObject({ status: 400, errorCode: 400 });
    expect((invalid as Error).message).toContain("topic");
    const noClass = await err(client.create("bad-class", { "connector.class": "com.example.NoSuchConnector" }));
    expect(noClass).toMatchObject({ status: 400, errorCode: 400 });

    const exists = await err(client.create("file-sink", { "connector.class": FILE_SINK, file: sinkFile(), topics: "connect-lines" }));
    expect(exists).toMatchObject({ status: 409, errorCode: 409 });
    expect(await client.listConnectors()).not.toContain("bad-source");

    const refused = await err(new ConnectClient("http://127.0.0.1:1", { timeoutMs: 2000 }).listConnectors());
    expect(refused).toMatchObject({ status: 0, errorCode: 0 });
  }, TEST_MS);

  test("SIGKILL the worker: a new one resumes the source from its committed offsets, no line lost", async () => {
    // Wait for the source offset covering everything written so far to be committed (flushed to
    // Takhin's compacted connect-offsets topic every second). FileStreamSource's position counts
    // chars, newlines included (bytes too, the text being ASCII).
    const size = readFileSync(sourceFile()).byteLength;
    await until("the source offset to be committed", async () => {
      const res = await fetch(`${worker.url}/connectors/file-source/offsets`);
      const body = (await res.json()) as { offsets: Array<{ offset: { position: number } }> };
      return body.offsets[0]?.offset.position === size;
    });
    await worker.kill();
    const whileDown = lines(350, 400);
    appendFileSync(sourceFile(), whileDown.join("\n") + "\n");
    written.push(...whileDown);

    const t0 = performance.now();
    worker = await startConnectWorker({ bootstrap: broker.bootstrap, dataDir: workerDir, port: worker.port });
    console.log(`connect worker restarted after SIGKILL, healthy in ${Math.round(performance.now() - t0)} ms`);
    client = new ConnectClient(worker.url);
    // The connectors come back from the config topic, the source's position from the offsets topic.
    expect((await until("the connectors to be back", async () => {
      const names = await client.listConnectors();
      return names.length === 2 ? names : undefined;
    })).sort()).toEqual(["file-sink", "file-source"]);
    await waitState("file-source", "RUNNING");
    await waitState("file-sink", "RUNNING");

    // Source: the committed position was the end of the file, so the topic holds every line exactly
    // once — nothing before the kill re-read, nothing written while it was down lost.
    expect(await topicValues("connect-lines", written.length)).toEqual(written);
    // Sink: at least once — a replay of a suffix from its last committed offset, never a gap.
    await until("the sink to catch up", () => readText(sinkFile()).endsWith(whileDown.join("\n") + "\n"));
    expect(atLeastOnceReplay(written, readText(sinkFile()).trimEnd().split("\n"))).toBe(true);
  }, 180_000);

  test("REST: delete both connectors", async () => {
    await client.delete("file-source");
    await client.delete("file-sink");
    await until("no connectors", async () => (await client.listConnectors()).length === 0);
    await expect(client.status("file-source")).rejects.toMatchObject({ status: 404 });
  }, TEST_MS);
});

/**
 * The broker as a process (`bun src/main.ts`): one readiness line naming the listening address,
 * and a graceful stop on SIGTERM that answers in-flight work, flushes, and leaves each partition
 * with a clean-shutdown marker; after kill -9 the next start recovers every acknowledged record.
 * The service lifecycle in-process (order, health, a failed start stopping the rest), the data
 * directory's lock, and the first-run errors of the command line (one line, exit code 2).
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ListOffsets } from "../../src/protocol/messages/list-offsets.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { OperatorError, ServiceStartError } from "../../src/server/lifecycle.ts";
import { RawClient, removeDir, startTestBroker, tempDir } from "../helpers/broker.ts";
import { runBrokerToExit, spawnBroker } from "../helpers/broker-process.ts";

const enc = new TextEncoder();
async function produceN(port: number, topic: string, batches: number): Promise<void> {
  const c = await RawClient.connect(port);
  for (let i = 0; i < batches; i++) {
    const records = buildRecordBatch({ records: [{ key: enc.encode(`k${i}`), value: enc.encode(`v${i}`) }] });
    const res = await c.call(Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }, i + 1);
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
  }
  c.close();
}

async function latestOffset(port: number, topic: string): Promise<bigint> {
  const c = await RawClient.connect(port);
  const res = await c.call(ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] });
  c.close();
  return res.topics[0].partitions[0].offset;
}

describe("broker process", () => {
  test("SIGTERM stops gracefully and marks partitions clean", async () => {
    const dir = tempDir();
    const b = await spawnBroker(dir);
    const meta = await RawClient.connect(b.port);
    // Metadata with auto-creation creates the topic.
    const { Metadata } = await import("../../src/protocol/messages/metadata.ts");
    await meta.call(Metadata, 12, { topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: "life" }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    meta.close();
    await produceN(b.port, "life", 10);
    expect(await b.stop()).toBe(0);
    expect(b.output()).toContain("takhin stopped");
    expect(existsSync(join(dir, "life-0", ".clean-shutdown"))).toBe(true);
    const again = await spawnBroker(dir);
    expect(await latestOffset(again.port, "life")).toBe(10n);
    await again.stop();
    removeDir(dir);
  }, 60_000);

  test("after kill -9 every acknowledged record is served again", async () => {
    const dir = tempDir();
    const b = await spawnBroker(dir);
    const meta = await RawClient.connect(b.port);
    const { Metadata } = await import("../../src/protocol/messages/metadata.ts");
    await meta.call(Metadata, 12, { topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: "crash" }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    meta.close();
    await produceN(b.port, "crash", 25);
    await b.kill();
    expect(existsSync(join(dir, "crash-0", ".clean-shutdown"))).toBe(false);
    const again = await spawnBroker(dir);
    expect(await latestOffset(again.port, "crash")).toBe(25n);
    await again.stop();
    removeDir(dir);
  }, 60_000);
});

describe("service lifecycle (in-process)", () => {
  test("services start in dependency order, report health and ports, and stop in reverse", async () => {
    const events: string[] = [];
    const tb = await startTestBroker({}, tempDir(), {
      services: (ctx) => [
        { name: "extra-b", dependsOn: ["extra-a"], start: () => void events.push("start b"), quiesce: () => void events.push("quiesce b"), stop: () => void events.push("stop b") },
        { name: "extra-a", dependsOn: ["kafka-listener"], start: () => void events.push(`start a port=${ctx.advertisedPort}`), stop: () => void events.push("stop a") },
      ],
    });
    try {
      const health = tb.broker.health();
      expect(health.map((s) => s.name)).toEqual(["storage", "metadata", "partitions", "replica-manager", "group-coordinator", "txn-coordinator", "kafka-listener", "broker-registration", "admin-api", "extra-a", "extra-b"]);
      expect(health.every((s) => s.health === "ready")).toBe(true);
      expect(health.find((s) => s.name === "kafka-listener")!.port).toBe(tb.port);
      expect(events).toEqual([`start a port=${tb.port}`, "start b"]);
    } finally {
      await tb.stop();
    }
    expect(events.slice(2)).toEqual(["quiesce b", "stop b", "stop a"]);
    expect(tb.broker.health().every((s) => s.health === "stopped")).toBe(true);
    removeDir(tb.dataDir);
  });

  test("a service that fails to start is named, and the ones started before it stop in reverse order", async () => {
    const events: string[] = [];
    const dir = tempDir();
    const err = await startTestBroker({}, dir, {
      services: () => [
        { name: "first", start: () => void events.push("start first"), stop: () => void events.push("stop first") },
        { name: "broken", dependsOn: ["first"], start: () => { throw new Error("cannot bind the admin port"); }, stop: () => void events.push("stop broken") },
      ],
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ServiceStartError);
    expect(err.service).toBe("broken");
    expect(err.message).toBe("broken: cannot bind the admin port");
    // The broken one never started, so it is not stopped; the rest stop, the last started first.
    expect(events).toEqual(["start first", "stop first"]);
    // Everything was released: the data directory's lock and the listener; a new broker starts on it.
    const again = await startTestBroker({}, dir);
    await again.stop();
    removeDir(dir);
  });

  test("a busy Kafka port fails the kafka-listener service with a one-line message", async () => {
    const busy = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const dir = tempDir();
    try {
      const err = await startTestBroker({ kafkaPort: busy.port }, dir).catch((e) => e);
      expect(err).toBeInstanceOf(ServiceStartError);
      expect(err.service).toBe("kafka-listener");
      expect(err.cause).toBeInstanceOf(OperatorError);
      expect(err.message).toBe(`kafka-listener: port ${busy.port} on 127.0.0.1 is already in use (kafka_port / TAKHIN_KAFKA_PORT)`);
      // The partitions and the lock were given back: the same directory starts elsewhere.
      const again = await startTestBroker({}, dir);
      await again.stop();
    } finally {
      busy.stop(true);
      removeDir(dir);
    }
  });

  test("a second broker on the same data directory is refused while the first runs, and starts after it stopped", async () => {
    const dir = tempDir();
    const first = await startTestBroker({}, dir);
    try {
      const err = await startTestBroker({}, dir).catch((e) => e);
      expect(err).toBeInstanceOf(ServiceStartError);
      expect(err.service).toBe("storage");
      expect(err.message).toBe(`storage: data directory ${dir} is in use by another broker (pid ${process.pid}); stop it or choose another data_dir`);
      expect(first.broker.health().every((s) => s.health === "ready")).toBe(true);
    } finally {
      await first.stop();
    }
    const second = await startTestBroker({}, dir);
    await second.stop();
    removeDir(dir);
  });
});

describe("broker process: first run", () => {
  test("--help prints usage and exits 0 without starting; an unknown flag prints usage and exits 2", async () => {
    const dir = tempDir();
    const help = await runBrokerToExit(["--help"], { TAKHIN_DATA_DIR: dir });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain("usage: bun run broker");
    expect(help.stdout).toContain("TAKHIN_KAFKA_PORT");
    expect(help.stderr).not.toContain("takhin ready");
    expect(existsSync(join(dir, "meta.properties"))).toBe(false);
    const bad = await runBrokerToExit(["--port", "9"], { TAKHIN_DATA_DIR: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("takhin: unknown option --port");
    expect(bad.stderr).toContain("usage: bun run broker");
    removeDir(dir);
  }, 60_000);

  test("--config=path is read (as --config path is)", async () => {
    const dir = tempDir();
    const file = join(dir, "takhin.yaml");
    writeFileSync(file, `advertised_host: from-the-file.invalid\n`);
    for (const args of [[`--config=${file}`], ["--config", file]]) {
      const b = await spawnBroker(dir, {}, 20_000, args);
      try {
        expect(b.output()).toContain(`advertised=from-the-file.invalid:${b.port}`);
      } finally {
        expect(await b.stop()).toBe(0);
      }
    }
    const bad = await runBrokerToExit([`--config=${join(dir, "missing.yaml")}`], { TAKHIN_DATA_DIR: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim()).toStartWith(`takhin: configuration error: config file ${join(dir, "missing.yaml")}`);
    removeDir(dir);
  }, 60_000);

  test("a busy port, a locked data directory and a node id that does not match it end in one line and exit code 2", async () => {
    const dir = tempDir();
    const first = await spawnBroker(dir);
    try {
      // The same data directory while the first broker holds it.
      const locked = await runBrokerToExit([], { TAKHIN_DATA_DIR: dir });
      expect(locked.exitCode).toBe(2);
      expect(locked.stderr.trim()).toBe(`takhin: cannot start storage: data directory ${dir} is in use by another broker (pid ${first.proc.pid}); stop it or choose another data_dir`);
      // The first broker's port, another data directory.
      const other = tempDir();
      const busy = await runBrokerToExit([], { TAKHIN_DATA_DIR: other, TAKHIN_KAFKA_PORT: String(first.port) });
      expect(busy.exitCode).toBe(2);
      // Services started before the listener may have logged; the failure is the last line, alone.
      expect(busy.stderr.trim().split("\n").at(-1)).toBe(`takhin: cannot start kafka-listener: port ${first.port} on 127.0.0.1 is already in use (kafka_port / TAKHIN_KAFKA_PORT)`);
      removeDir(other);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    // A check across keys made by startBroker itself (cluster mode is not available yet).
    const cluster = await runBrokerToExit([], { TAKHIN_DATA_DIR: dir, TAKHIN_PROCESS_ROLES: "broker,controller", TAKHIN_CONTROLLER_QUORUM_VOTERS: "1@127.0.0.1:9093" });
    expect(cluster.exitCode).toBe(2);
    expect(cluster.stderr.trim().split("\n")).toHaveLength(1);
    expect(cluster.stderr).toStartWith("takhin: configuration error: ");
    const wrongNode = await runBrokerToExit([], { TAKHIN_DATA_DIR: dir, TAKHIN_NODE_ID: "7" });
    expect(wrongNode.exitCode).toBe(2);
    expect(wrongNode.stderr.trim().split("\n")).toHaveLength(1);
    expect(wrongNode.stderr).toContain("takhin: cannot start storage: ");
    expect(wrongNode.stderr).toContain("data belongs to node.id 0 but node_id is configured as 7");
    removeDir(dir);
  }, 90_000);

  for (const mode of ["flock", "pid file"] as const) {
    test(`a broker killed with -9 leaves no lock that blocks the restart (${mode})`, async () => {
      const env: Record<string, string> = mode === "pid file" ? { TAKHIN_LOCK_FALLBACK: "1" } : {};
      const dir = tempDir();
      const b = await spawnBroker(dir, env);
      const refused = await runBrokerToExit([], { TAKHIN_DATA_DIR: dir, ...env });
      expect(refused.exitCode).toBe(2);
      expect(refused.stderr).toContain("is in use by another broker");
      await b.kill();
      expect(readFileSync(join(dir, ".lock"), "utf8").trim()).toBe(String(b.proc.pid));
      const again = await spawnBroker(dir, env);
      expect(await again.stop()).toBe(0);
      removeDir(dir);
    }, 60_000);
  }
});

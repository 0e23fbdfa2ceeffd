/**
 * Two Kafka Connect workers in one group on Takhin: Connect's incremental cooperative rebalancing
 * over Takhin's group coordinator spreads connectors and tasks over both workers; when one is
 * killed with SIGKILL, the other takes its tasks over (after the session timeout and
 * scheduled.rebalance.max.delay.ms) and the sources resume from their committed offsets with every
 * line exactly once; the sinks write at least once.
 *
 * Two more JVM starts than the CI budget allows next to connect-worker.test.ts, so it runs with
 * TAKHIN_CONSOLE_FULL=1:  TAKHIN_CONSOLE_FULL=1 bun test test/console/connect-rebalance.test.ts
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startConnectWorker, type ConnectWorker } from "../../peer/connect/launcher.ts";
import { ConnectClient } from "../../src/console/connect/client.ts";
import { startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { atLeastOnceReplay, lines, readText, topicValues, until, waitState } from "./connect-helpers.ts";

const FULL = process.env.TAKHIN_CONSOLE_FULL === "1";
const FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector";
const FILE_SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector";
/** Rebalance quickly: Takhin's group.min.session.timeout.ms is Kafka's 6 s. */
const OVERRIDES = { "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, "scheduled.rebalance.max.delay.ms": 3000 };
const PAIRS = ["a", "b"] as const;

let broker: TestBroker;
let workers: ConnectWorker[] = [];
let client: ConnectClient;
let dir: string;

beforeAll(async () => {
  if (!FULL) return;
  dir = tempDir("takhin-connect-rebalance-");
  broker = await startTestBroker({}, join(dir, "broker"));
  workers = await Promise.all(
    [1, 2].map((n) => startConnectWorker({ bootstrap: broker.bootstrap, dataDir: join(dir, `worker-${n}`), groupId: "rebalance", overrides: OVERRIDES })),
  );
  console.log(`two connect workers healthy in ${workers.map((w) => Math.round(w.startupMs)).join(" and ")} ms (started together)`);
  client = new ConnectClient(workers[0]!.url);
}, 200_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await broker?.stop();
}, 60_000);

describe.skipIf(!FULL)("two Connect workers in one group on Takhin", () => {
  const src = (p: string) => join(dir, `source-${p}.txt`);
  const sink = (p: string) => join(dir, `sink-${p}.txt`);
  const written: Record<string, string[]> = { a: [], b: [] };

  async function workerIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const p of PAIRS) {
      for (const name of [`source-${p}`, `sink-${p}`]) {
        const s = await client.status(name);
        ids.add(s.connector.worker_id);
        for (const t of s.tasks) ids.add(t.worker_id);
      }
    }
    return ids;
  }

  test("connectors and tasks spread over both workers", async () => {
    for (const p of PAIRS) {
      written[p] = lines(0, 100, p);
      writeFileSync(src(p), written[p]!.join("\n") + "\n");
      await client.create(`source-${p}`, { "connector.class": FILE_SOURCE, file: src(p), topic: `rebalance-${p}`, "tasks.max": "1" });
      await client.create(`sink-${p}`, { "connector.class": FILE_SINK, file: sink(p), topics: `rebalance-${p}`, "tasks.max": "1" });
    }
    for (const p of PAIRS) {
      await waitState(client, `source-${p}`, "RUNNING");
      await waitState(client, `sink-${p}`, "RUNNING");
      await until(`sink ${p}`, () => readText(sink(p)) === written[p]!.join("\n") + "\n");
    }
    const ids = await workerIds();
    expect([...ids].sort()).toEqual(workers.map((w) => `127.0.0.1:${w.port}`).sort());
  }, 120_000);

  test("SIGKILL one worker: the other takes every task over and the sources resume exactly", async () => {
    for (const p of PAIRS) {
      const size = readFileSync(src(p)).byteLength;
      await until(`source-${p} offset committed`, async () => {
        const res = await fetch(`${workers[1]!.url}/connectors/source-${p}/offsets`);
        const body = (await res.json()) as { offsets: Array<{ offset: { position: number } }> };
        return body.offsets[0]?.offset.position === size;
      });
    }
    const victim = workers[0]!;
    const survivor = workers[1]!;
    await victim.kill();
    client = new ConnectClient(survivor.url);
    for (const p of PAIRS) {
      const more = lines(100, 150, p);
      appendFileSync(src(p), more.join("\n") + "\n");
      written[p]!.push(...more);
    }
    const survivorId = `127.0.0.1:${survivor.port}`;
    await until("every connector and task on the surviving worker, running", async () => {
      for (const p of PAIRS) {
        for (const name of [`source-${p}`, `sink-${p}`]) {
          const s = await client.status(name);
          if (s.connector.worker_id !== survivorId || s.connector.state !== "RUNNING") return false;
          if (s.tasks.length !== 1 || s.tasks.some((t) => t.worker_id !== survivorId || t.state !== "RUNNING")) return false;
        }
      }
      return true;
    }, 90_000);
    for (const p of PAIRS) {
      expect(await topicValues(broker.bootstrap, `rebalance-${p}`, written[p]!.length)).toEqual(written[p]!);
      await until(`sink ${p} caught up`, () => readText(sink(p)).endsWith(written[p]!.slice(-1)[0]! + "\n"));
      expect(atLeastOnceReplay(written[p]!, readText(sink(p)).trimEnd().split("\n"))).toBe(true);
    }
    workers = [survivor];
  }, 180_000);
});

/**
 * The setup the newest-Go-client suites share (franz-go, sarama, kafka-go; test/clients/go-newest):
 * the program's binary from the cached build, one in-process group broker recording the API
 * versions and produce batches it sees, a temp dir for the spec files; `run(mode, spec)` writes the
 * spec and returns the program's last JSON line. The API versions used are printed at the end.
 */
import { afterAll, beforeAll, expect } from "bun:test";
import { join } from "node:path";
import { buildRecordBatch } from "../../../src/protocol/record-batch.ts";
import { removeDir, tempDir, type TestBroker } from "../../helpers/broker.ts";
import { startGroupBroker } from "./groups-harness.ts";
import { BUILD_TIMEOUT_MS, goNewestBinaries, recordProduceBatches, type SeenBatches } from "./go-newest.ts";
import { lastJson, recordApiVersions, runProc, versionsUsed } from "./pc-common.ts";

export interface GoNewestSuite {
  /** Filled by beforeAll. */
  tb: TestBroker;
  batches: Map<string, SeenBatches>;
  /** API versions the broker saw, by client id (recordApiVersions). */
  seen: ReturnType<typeof recordApiVersions>;
  /** A temp dir for files the programs read. */
  dir: string;
  /** Runs the program in one mode with its spec (clientId `go-<program>-<mode>` unless given). */
  run(mode: string, spec: Record<string, unknown>, timeoutMs?: number): Promise<any>;
  /** Appends perPartition keyed records to each partition (creating the topic if needed). */
  appendRecords(topic: string, partitions: number, perPartition: number, from?: number): void;
  /** The group's committed offset of a partition in the coordinator, if any. */
  committed(group: string, topic: string, partition: number): bigint | undefined;
}

/** `program`: the binary in go-newest ("franz", "sarama", "kafkago"); `label`: its name in errors. */
export function goNewestSuite(program: string, label: string, release: string): GoNewestSuite {
  let bin = "";
  const clientPrefix = `go-${program}`;
  const suite: GoNewestSuite = {
    tb: undefined as unknown as TestBroker,
    batches: new Map(),
    seen: undefined as unknown as ReturnType<typeof recordApiVersions>,
    dir: "",
    async run(mode, spec, timeoutMs = 60_000) {
      const path = join(suite.dir, `spec-${mode}-${Math.random().toString(36).slice(2)}.json`);
      await Bun.write(path, JSON.stringify({ clientId: `${clientPrefix}-${mode}`, ...spec }));
      return lastJson(`${label} ${mode}`, await runProc([bin, suite.tb.bootstrap, mode, path], { timeoutMs }));
    },
    appendRecords(topic, partitions, perPartition, from = 0) {
      const ctx = suite.tb.broker.context;
      if (!ctx.topics.get(topic)) ctx.topics.create(topic, partitions);
      const enc = new TextEncoder();
      for (let p = 0; p < partitions; p++) {
        const records = Array.from({ length: perPartition }, (_, i) => ({ key: enc.encode(`k${p}`), value: enc.encode(`v${p}-${from + i}`) }));
        expect(ctx.partitions.get(topic, p)!.appendProduced(buildRecordBatch({ records }), Date.now()).errorCode).toBe(0);
      }
    },
    committed: (group, topic, partition) => suite.tb.broker.context.groups.coordinator.offsets.get(group, topic, partition)?.offset,
  };
  beforeAll(async () => {
    bin = join(await goNewestBinaries(), program);
    suite.dir = tempDir(`takhin-${program}-newest-`);
    suite.tb = await startGroupBroker();
    suite.seen = recordApiVersions(suite.tb);
    suite.batches = recordProduceBatches(suite.tb);
  }, BUILD_TIMEOUT_MS + 10_000);
  afterAll(async () => {
    if (suite.seen) console.log(`${release} API versions: ${JSON.stringify(versionsUsed(suite.seen, clientPrefix))}`);
    await suite.tb?.stop();
    if (suite.tb) removeDir(suite.tb.dataDir);
    if (suite.dir) removeDir(suite.dir);
  });
  return suite;
}

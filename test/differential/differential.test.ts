/**
 * Differential tests: every scenario of the corpus (scenarios/) runs through the same raw-protocol
 * driver against Apache Kafka 4.4 (one peer for the whole file, peer/kafka) and against Takhin
 * (in-process), and the two normalised transcripts are compared field by field. The suite fails on
 * any difference that the allow-list (allow-list.ts, mirrored in docs/compatibility.md) does not
 * name with its reason; entries that match nothing any more are reported (and fail with
 * DIFFERENTIAL_STRICT=1) so the list shrinks as fixes land.
 *
 * Needs Java 17+ and the Maven-resolved Kafka classpath (.ci/run installs both).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startKafkaPeer, type KafkaPeer } from "../../peer/kafka/launcher.ts";
import { removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { ALLOWED } from "./allow-list.ts";
import { renderCompatibilityDoc } from "./compat-doc.ts";
import { show } from "./diff.ts";
import { type Target } from "./driver.ts";
import { classify, runCorpus, warmUp, type ScenarioResult } from "./run.ts";
import { CORPUS } from "./scenarios/index.ts";

const NODE_ID = 1;
let peer: KafkaPeer;
let peerDir: string;
let tb: TestBroker;
let kafka: Target;
let takhin: Target;
let results: ScenarioResult[] = [];

beforeAll(async () => {
  peerDir = mkdtempSync(join(tmpdir(), "takhin-differential-kafka-"));
  // The peer's node id is 1; Takhin takes the same id so broker ids and broker resource names compare as they are.
  const [p, t] = await Promise.all([startKafkaPeer({ dataDir: peerDir }), startTestBroker({ nodeId: NODE_ID })]);
  peer = p;
  tb = t;
  kafka = { name: "kafka", host: "127.0.0.1", port: peer.state.nodes[0]!.port, nodeId: peer.state.nodes[0]!.nodeId };
  takhin = { name: "takhin", host: "127.0.0.1", port: tb.port, nodeId: NODE_ID };
  const started = performance.now();
  await Promise.all([warmUp(kafka), warmUp(takhin)]);
  const warmed = performance.now();
  results = await runCorpus(kafka, takhin, CORPUS);
  console.log(
    `differential: Kafka started in ${Math.round(peer.startupMs)} ms, warm-up ${Math.round(warmed - started)} ms, ` +
      `${CORPUS.length} scenarios in ${Math.round(performance.now() - warmed)} ms`,
  );
}, 240_000);

// The peer's data is thrown away, so it is killed rather than shut down cleanly (which takes
// many seconds on a loaded machine); stop() then waits until the process is gone.
afterAll(async () => {
  for (const n of peer?.state.nodes ?? []) peer.kill(n.nodeId);
  await Promise.all([peer?.stop(), tb?.stop()]);
  if (peerDir) rmSync(peerDir, { recursive: true, force: true });
  if (tb) removeDir(tb.dataDir);
}, 60_000);

describe("differential: Apache Kafka 4.4 vs Takhin", () => {
  test("the corpus: 60+ scenarios, unique names", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(60);
    expect(new Set(CORPUS.map((s) => s.name)).size).toBe(CORPUS.length);
    expect(new Set(ALLOWED.map((a) => a.id)).size).toBe(ALLOWED.length);
  });

  test("docs/compatibility.md is the allow-list's rendering (bun test/differential/write-doc.ts)", () => {
    const doc = readFileSync(join(import.meta.dir, "..", "..", "docs", "compatibility.md"), "utf8");
    expect(doc).toBe(renderCompatibilityDoc());
  });

  test("every scenario ran on both brokers", () => {
    const failed = results.filter((r) => r.error).map((r) => `${r.scenario}: ${r.error}`);
    expect(failed).toEqual([]);
    expect(results.length).toBe(CORPUS.length);
  });

  test("no difference that the allow-list does not name", () => {
    const { unexpected, unused } = classify(results, ALLOWED);
    const lines = unexpected.map((u) => `${u.scenario} :: ${u.path}  kafka=${show(u.kafka)}  takhin=${show(u.takhin)}`);
    if (unused.length) console.warn(`allow-list entries that matched nothing (remove them): ${unused.map((a) => a.id).join(", ")}`);
    expect(lines).toEqual([]);
    if (process.env.DIFFERENTIAL_STRICT) expect(unused.map((a) => a.id)).toEqual([]);
  });
});

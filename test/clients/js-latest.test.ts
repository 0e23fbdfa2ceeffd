/**
 * The JavaScript clients at their newest releases against one in-process broker:
 * - @platformatic/kafka 2.12.1 (installed as "@platformatic/kafka-latest"; 1.35 keeps its own suites).
 *   It needs Node ≥ 22 (it calls Promise.withResolvers, which Node 20 lacks), so it runs under Bun,
 *   where node:zlib also gives it zstd.
 * - @confluentinc/kafka-javascript 1.10.1 (librdkafka 2.15.1), a NAN addon, under Node 20. Its
 *   prebuilt binary comes from GitHub at install time, which this machine cannot reach; the suite
 *   runs when scripts/build-confluent-kafka-javascript.sh (run by .ci/run) has built the addon from
 *   the librdkafka sources the package bundles, and says so
 *   when it has not.
 * Each script (test/clients/scripts/latest-*.mjs) runs its phases and prints one JSON object; every
 * phase's outcome is asserted here: metadata and admin calls, produce and consume under every codec
 * with keys, headers and timestamps, idempotence, a classic group with a static member and commits,
 * assignors (range, roundrobin), seeks and offset resets, ListOffsets by time, group offsets, DeleteRecords, transactions read back read_committed, and a KIP-848 (group.protocol=consumer)
 * group. The API versions each client negotiated are printed at the end.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { NODE } from "./clients.ts";
import { recordApiVersions, runProc, versionsUsed } from "./scripts/pc-common.ts";

const SCRIPTS = join(import.meta.dir, "scripts");
const ROOT = join(import.meta.dir, "..", "..");
const BUN = process.execPath;
const CLIENT_TIMEOUT_MS = 150_000;
const N = 30;
const CKJS_ADDON = join(ROOT, "node_modules/@confluentinc/kafka-javascript/build/Release/confluent-kafka-javascript.node");

let tb: TestBroker;
let seen: ReturnType<typeof recordApiVersions>;

beforeAll(async () => {
  tb = await startTestBroker();
  seen = recordApiVersions(tb);
});
afterAll(async () => {
  for (const prefix of ["jlp", "jlc"]) console.log(`${prefix} API versions: ${JSON.stringify(versionsUsed(seen, prefix))}`);
  await tb.stop();
  removeDir(tb.dataDir);
});

async function run(interpreter: string, script: string, prefix: string): Promise<any> {
  const res = await runProc([interpreter, join(SCRIPTS, script), tb.bootstrap, prefix], { timeoutMs: CLIENT_TIMEOUT_MS });
  const line = res.stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (!line) throw new Error(`${script}: exit ${res.exitCode} timedOut=${res.timedOut}\n${res.stderr.slice(-4000)}`);
  return JSON.parse(line);
}

/** What each codec topic must hold: record i in partition i % 3 at offset ⌊i/3⌋. */
function expected(prefix: string, codec: string, baseTs: number) {
  return Array.from({ length: N }, (_, i) => ({ t: `${prefix}-${codec}`, p: i % 3, o: Math.floor(i / 3), k: `k${i}`, v: `v${i}-${codec}`, h: [["h", `x${i}`]], ts: baseTs + i }));
}
const order = (a: any, b: any) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.p - b.p || a.o - b.o);

function expectAllCodecs(out: any, prefix: string, codecs: string[]): void {
  expect(out.listed).toEqual([...codecs, "txn"].map((c) => `${prefix}-${c}`).sort());
  expect(out.partitions).toBe(3);
  const want = codecs.flatMap((c) => expected(prefix, c, out.baseTs)).sort(order);
  expect([...out.consumed].sort(order)).toEqual(want);
  for (const c of codecs) expect(out.committed[`${prefix}-${c}`]).toEqual([10, 10, 10]);
  expect(out.readCommitted).toEqual(["0:committed-0", "1:committed-1", "2:committed-2"]);
  expect(out.afterDelete).toBe(false);
}

describe("@platformatic/kafka (newest) under Bun", () => {
  test(
    "admin, idempotent produce under all five codecs, a static classic member, commits, ListOffsets by time, transactions, a KIP-848 group",
    async () => {
      const out = await run(BUN, "latest-platformatic.mjs", "jlp");
      console.log(`platformatic-latest: version ${out.version} on ${out.runtime}; errors ${JSON.stringify(out.errors)}`);
      expect(out.version).toBe("2.12.1");
      expect(out.errors).toEqual({});
      expect(out.codecs).toEqual(["none", "gzip", "snappy", "lz4", "zstd"]);
      expect(out.cleanupPolicy).toBe("delete");
      for (const c of out.codecs) expect(out.produced[c]).toEqual([[0, 0], [1, 0], [2, 0]]);
      expect(out.producerId).toMatch(/^\d+$/);
      expectAllCodecs(out, "jlp", out.codecs);
      expect(out.assignments).toEqual(out.codecs.map((c: string) => [`jlp-${c}`, [0, 1, 2]]).sort());
      // Record i has timestamp base + i: the first with ts ≥ base + 15 is i = 15, 16, 17 → offset 5.
      expect(out.offsetsForTimes).toEqual([5, 5, 5]);
      expect(out.txnEnd).toBe(7); // 3 committed + marker, 2 aborted + marker
      expect(out.kip848.distinct).toBe(N);
      expect(out.kip848.assignments).toEqual([["jlp-none", [0, 1, 2]]]);
      // Manual offsets: p0 from 9, p1 from 7, p2 from its end.
      expect(out.seek).toEqual(["0:9", "1:7", "1:8", "1:9"]);
      expect(out.alteredOffset).toEqual([[0, 1]]);
      expect(out.deletedRecords).toEqual([["jlp-gzip", [[0, 3]]]]);
      expect(out.lz4Partitions).toBe(4);
      expect(out.deletedGroupListed).toBe(false);
      expect(out.groups).toEqual(expect.arrayContaining(["jlp-group", "jlp-seek"]));
      expect(out.groups).not.toContain("jlp-txn-reader");
      expect(out.describedGroup).toMatchObject({ protocolType: "consumer" });
      const v = versionsUsed(seen, "jlp");
      for (const api of ["ApiVersions", "Metadata", "Produce", "Fetch", "ListOffsets", "JoinGroup", "SyncGroup", "OffsetCommit", "OffsetFetch", "InitProducerId", "AddPartitionsToTxn", "EndTxn", "ConsumerGroupHeartbeat", "CreateTopics", "DeleteTopics", "ListGroups", "DescribeGroups", "DeleteRecords", "CreatePartitions", "DeleteGroups"]) {
        expect({ api, used: (v[api] ?? []).length > 0 }).toEqual({ api, used: true });
      }
    },
    CLIENT_TIMEOUT_MS + 10_000,
  );
});

describe("@confluentinc/kafka-javascript (newest) under Node", () => {
  const built = existsSync(CKJS_ADDON);
  if (!built) console.log(`@confluentinc/kafka-javascript: ${CKJS_ADDON} is not built (its install downloads a prebuilt binary from GitHub); skipped`);
  test.skipIf(!built)(
    "admin, idempotent produce under all five codecs, a static cooperative-sticky member, commits, group.protocol=consumer, transactions",
    async () => {
      const out = await run(NODE, "latest-confluent-js.mjs", "jlc");
      console.log(`confluent-kafka-javascript: ${out.version} librdkafka ${out.librdkafka}; errors ${JSON.stringify(out.errors)}`);
      expect(out.version).toBe("1.10.1");
      expect(out.librdkafka).toBe("2.15.1");
      expect(out.errors).toEqual({});
      const codecs = ["none", "gzip", "snappy", "lz4", "zstd"];
      for (const c of codecs) expect(out.produced[c]).toBe(3); // one result per partition
      expectAllCodecs(out, "jlc", codecs);
      expect(out.assignment).toEqual(codecs.flatMap((c) => [0, 1, 2].map((p) => `jlc-${c}/${p}`)).sort());
      expect(out.kip848).toEqual({ distinct: N, assignment: ["jlc-none/0", "jlc-none/1", "jlc-none/2"], committed: [10, 10, 10] });
      // The static member sends no LeaveGroup on close: right after, it is still the group's member.
      expect(out.describedGroup).toEqual({ state: 3, protocolType: "consumer", members: ["jlc-static-0"] });
      // auto.offset.reset=latest reads nothing; a seek to p1 offset 7 reads 7, 8, 9.
      expect(out.seekBefore).toEqual([]);
      expect(out.seek).toEqual(["1:7", "1:8", "1:9"]);
      // Two members on two 3-partition topics: range gives one p0+p1 of each, the other p2 of each.
      const range = [...out.assignors.range].sort((a: string[], b: string[]) => b.length - a.length);
      expect(range).toEqual([["gzip/0", "gzip/1", "snappy/0", "snappy/1"], ["gzip/2", "snappy/2"]]);
      expect(out.assignors.roundrobin.map((a: string[]) => a.length)).toEqual([3, 3]);
      expect(out.assignors.roundrobin.flat().sort()).toEqual(["gzip/0", "gzip/1", "gzip/2", "snappy/0", "snappy/1", "snappy/2"]);
      expect(out.topicOffsets).toEqual([[0, 0, 10], [1, 0, 10], [2, 0, 10]]);
      expect(out.offsetsForTimes).toEqual([5, 5, 5]);
      expect(out.gzipLow).toBe(3);
      expect(out.deletedGroupListed).toBe(false);
      expect(out.groups).toEqual(expect.arrayContaining(["jlc-classic", "jlc-kip848", "jlc-range", "jlc-roundrobin", "jlc-seek"]));
      expect(out.groups).not.toContain("jlc-txn-reader");
      const v = versionsUsed(seen, "jlc");
      for (const api of ["ApiVersions", "Metadata", "Produce", "Fetch", "JoinGroup", "SyncGroup", "OffsetCommit", "OffsetFetch", "InitProducerId", "AddPartitionsToTxn", "EndTxn", "ConsumerGroupHeartbeat", "ConsumerGroupDescribe", "CreateTopics", "DeleteTopics", "ListGroups", "DescribeGroups", "DeleteRecords", "DeleteGroups"]) {
        expect({ api, used: (v[api] ?? []).length > 0 }).toEqual({ api, used: true });
      }
    },
    CLIENT_TIMEOUT_MS + 10_000,
  );
});

/**
 * __consumer_offsets is compacted: one group commits COMMITS offsets (default 60,000, whose uncompacted log would pass the bound; the figure in
 * docs/compaction.md used TAKHIN_OFFSETS_COMPACTION_COMMITS=200000) to four partitions over a real
 * socket, pipelined; __consumer_offsets gets a small segment.bytes through IncrementalAlterConfigs
 * so it rolls. The cleaner (running on its own timer, as in production) brings the topic's size
 * down to a few segments whatever the number of commits, OffsetFetch still answers the last
 * commits, and after a restart the group is loaded from the compacted log with the same offsets.
 */
import { expect, test } from "bun:test";
import { OFFSETS_TOPIC } from "../../src/coordinator/group-config.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { IncrementalAlterConfigs } from "../../src/protocol/messages/incremental-alter-configs.ts";
import { OffsetCommit } from "../../src/protocol/messages/offset-commit.ts";
import { OffsetFetch } from "../../src/protocol/messages/offset-fetch.ts";
import { RawClient, decodeResponse, requestFrame, startTestBroker, tempDir } from "../helpers/broker.ts";

const COMMITS = Number(process.env.TAKHIN_OFFSETS_COMPACTION_COMMITS ?? 60_000);
const PARTITIONS = 4;
const SEGMENT_BYTES = 1024 * 1024; // the smallest segment.bytes a topic accepts
const WINDOW = 200;
const settings = { offsetsTopicNumPartitions: 1, logCleanerBackoffMs: 100 };

function offsetsTopicBytes(broker: Awaited<ReturnType<typeof startTestBroker>>): number {
  return broker.broker.context.partitions.logs.getLog(OFFSETS_TOPIC, 0)?.sizeBytes ?? 0;
}

async function fetchOffsets(c: RawClient): Promise<bigint[]> {
  const r = await c.call(OffsetFetch, 7, { groupId: "g", topics: [{ name: "orders", partitionIndexes: [0, 1, 2, 3] }], groups: [], requireStable: false });
  return r.topics[0].partitions.map((p: { committedOffset: bigint }) => p.committedOffset);
}

test(`__consumer_offsets stays bounded under ${COMMITS} commits of one group`, async () => {
  const dataDir = tempDir("takhin-offsets-compaction-");
  let broker = await startTestBroker(settings, dataDir);
  const started = performance.now();
  try {
    let c = await RawClient.connect(broker.port);
    expect((await c.call(CreateTopics, 5, { topics: [{ name: "orders", numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000 })).topics[0].errorCode).toBe(0);
    const commitBody = (n: number) => ({
      groupId: "g", generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1n,
      topics: [{ name: "orders", partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ partitionIndex: p, committedOffset: BigInt(n), committedLeaderEpoch: -1, committedMetadata: null })) }],
    });
    expect((await c.call(OffsetCommit, 7, commitBody(0))).topics[0].partitions[0].errorCode).toBe(0);
    const alter = await c.call(IncrementalAlterConfigs, 1, {
      resources: [{ resourceType: 2, resourceName: OFFSETS_TOPIC, configs: [{ name: "segment.bytes", configOperation: 0, value: String(SEGMENT_BYTES) }] }],
      validateOnly: false,
    });
    expect(alter.responses[0]).toMatchObject({ errorCode: 0 });

    let written = 0;
    let peak = 0;
    const requests = Math.ceil(COMMITS / PARTITIONS);
    for (let done = 0; done < requests; ) {
      const n = Math.min(WINDOW, requests - done);
      c.frames = [];
      for (let i = 0; i < n; i++) c.write(requestFrame(OffsetCommit, 7, 100 + i, commitBody(done + i + 1)));
      const frames = await c.waitFrames(n, 30_000);
      expect(frames.length).toBe(n);
      for (const f of frames) expect(decodeResponse(OffsetCommit, 7, f).body.topics[0].partitions[0].errorCode).toBe(0);
      done += n;
      peak = Math.max(peak, offsetsTopicBytes(broker));
    }
    written = broker.broker.context.partitions.logs.getLog(OFFSETS_TOPIC, 0)!.logEndOffset;
    const last = BigInt(requests);
    // The cleaner runs on its timer; wait (bounded) until the topic is down to a few segments.
    const deadline = Date.now() + 60_000;
    let size = offsetsTopicBytes(broker);
    while (size > 3 * SEGMENT_BYTES && Date.now() < deadline) {
      await Bun.sleep(100);
      size = offsetsTopicBytes(broker);
    }
    const log = broker.broker.context.partitions.logs.getLog(OFFSETS_TOPIC, 0)!;
    console.log(`__consumer_offsets: ${COMMITS} commits (${written} records) in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
      `peak ${peak} bytes, after compaction ${size} bytes in ${log.segmentCount} segments`);
    const totals = broker.broker.context.partitions.logs.cleaner.totals;
    console.log("cleaner totals", totals);
    expect(size).toBeLessThanOrEqual(3 * SEGMENT_BYTES);
    expect(totals.recordsRemoved).toBeGreaterThan(written / 2);
    expect(await fetchOffsets(c)).toEqual([last, last, last, last]);
    c.close?.();

    await broker.stop();
    broker = await startTestBroker(settings, dataDir);
    c = await RawClient.connect(broker.port);
    expect(await fetchOffsets(c)).toEqual([last, last, last, last]);
    c.close?.();
  } finally {
    await broker.stop();
  }
}, 300_000);

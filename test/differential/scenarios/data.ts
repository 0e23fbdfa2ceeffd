/**
 * Corpus: Produce (good and bad input), idempotent producers (InitProducerId and crafted
 * sequences and epochs), Fetch, ListOffsets, DeleteRecords, OffsetForLeaderEpoch, DescribeLogDirs.
 */
import type { Scenario, Step } from "../scenario.ts";
import { fetch, fetchBody, listOffsets, produce, produceBody, topic } from "./steps.ts";

const initPid = (version = 4, label = "init"): Step => ({
  api: "InitProducerId",
  version,
  label,
  body: { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 },
  capture: { pid: "producerId", epoch: "producerEpoch" },
});

const idem = (records: number, seq: number, extra: { epoch?: unknown; pid?: unknown } = {}) => ({
  records,
  producerId: extra.pid ?? "${pid}",
  producerEpoch: extra.epoch ?? "${epoch}",
  baseSequence: seq,
});

export const DATA: Scenario[] = [
  // ---- Produce
  ...[3, 5, 7, 8, 9, 10, 11].map((v): Scenario => ({
    name: `produce-v${v}`,
    steps: [
      ...topic(),
      produce({ records: 3 }, { version: v, label: "first" }),
      produce({ records: [{ key: null, value: "only", headers: [{ key: "h", value: "x" }, { key: "n", value: null }] }] }, { version: v, label: "second" }),
      fetch(12, 0),
    ],
  })),
  ...[0, 1].map((acks): Scenario => ({
    name: `produce-acks-${acks}`,
    steps: [
      ...topic(),
      // acks=0: no answer at all, on either broker.
      { ...produce({ records: 2 }, { acks, label: "produce" }), timeoutMs: acks === 0 ? 1500 : 10_000 },
      listOffsets(7, -1n, { label: "end" }),
    ],
  })),
  {
    name: "produce-invalid-acks",
    steps: [...topic(), produce({ records: 1 }, { acks: 2 }), listOffsets(7, -1n, { label: "end" })],
  },
  ...[3, 9].map((v): Scenario => ({
    name: `produce-unknown-topic-v${v}`,
    steps: [produce({ records: 1 }, { version: v })],
  })),
  {
    name: "produce-unknown-partition",
    steps: [...topic(), produce({ records: 1 }, { partition: 5 }), produce({ records: 1 }, { partition: -1, label: "negative" })],
  },
  {
    name: "produce-to-internal-topic",
    steps: [produce({ records: 1 }, { topic: "__consumer_offsets" }), produce({ records: 1 }, { topic: "__consumer_offsets", acks: 1, label: "acks-1" })],
  },
  {
    name: "produce-invalid-topic-name",
    steps: [produce({ records: 1 }, { topic: "bad name!" })],
  },
  ...(["crc", "magic", "length"] as const).map((corrupt): Scenario => ({
    name: `produce-corrupt-${corrupt}`,
    steps: [...topic(), produce({ records: 2, corrupt }), listOffsets(7, -1n, { label: "end" }), fetch(12, 0)],
  })),
  {
    name: "produce-garbage-records",
    steps: [...topic(), { api: "Produce", version: 9, body: produceBody("${topic}", 0, new Uint8Array([1, 2, 3, 4, 5, 6, 7])) }, listOffsets(7, -1n, { label: "end" })],
  },
  {
    name: "produce-null-and-empty-records",
    steps: [
      ...topic(),
      // Kafka 4.4 never answers these (the connection stays open, silent): short waits, each on its own connection.
      { api: "Produce", version: 9, label: "null", timeoutMs: 2000, body: produceBody("${topic}", 0, null) },
      { api: "Produce", version: 9, label: "empty", conn: 1, timeoutMs: 2000, body: produceBody("${topic}", 0, new Uint8Array(0)) },
      { ...listOffsets(7, -1n, { label: "end" }), conn: 2 },
    ],
  },
  {
    name: "produce-oversized-topic-max-message-bytes",
    steps: [...topic("${topic}", 1, { "max.message.bytes": "1000" }), produce({ records: [{ value: "x" }], valueBytes: 2000 }), produce({ records: [{ value: "x" }], valueBytes: 100 }, { label: "fits" }), listOffsets(7, -1n, { label: "end" })],
  },
  {
    name: "produce-oversized-broker-message-max-bytes",
    steps: [...topic(), produce({ records: [{ value: "x" }], valueBytes: 1_100_000 }), listOffsets(7, -1n, { label: "end" })],
  },
  {
    name: "produce-multi-batch",
    steps: [
      ...topic(),
      { api: "Produce", version: 9, body: produceBody("${topic}", 0, { $batches: [{ records: 2 }, { records: 3 }] }) },
      listOffsets(7, -1n, { label: "end" }),
      fetch(12, 0),
    ],
  },
  {
    name: "produce-multi-partition-multi-topic",
    steps: [
      ...topic("${topic}", 2),
      ...topic("${topic2}", 1),
      {
        api: "Produce",
        version: 9,
        body: {
          transactionalId: null, acks: -1, timeoutMs: 10_000,
          topicData: [
            { name: "${topic}", partitionData: [{ index: 0, records: { $batch: { records: 1 } } }, { index: 1, records: { $batch: { records: 2 } } }, { index: 7, records: { $batch: { records: 1 } } }] },
            { name: "${topic2}", partitionData: [{ index: 0, records: { $batch: { records: 4 } } }] },
            { name: "${prefix}nope", partitionData: [{ index: 0, records: { $batch: { records: 1 } } }] },
          ],
        },
      },
    ],
  },
  {
    name: "produce-log-append-time",
    steps: [...topic("${topic}", 1, { "message.timestamp.type": "LogAppendTime" }), produce({ records: 2 }), fetch(12, 0)],
  },
  {
    name: "produce-timestamp-too-old-create-time",
    steps: [...topic("${topic}", 1, { "message.timestamp.before.max.ms": "60000" }), produce({ records: 1, baseTimestampMs: 1_000_000_000_000n }), listOffsets(7, -1n, { label: "end" })],
  },
  {
    name: "produce-transactional-batch-without-transaction",
    steps: [...topic(), initPid(), produce({ ...idem(1, 0), attributes: 0x10 }), listOffsets(7, -1n, { label: "end" })],
  },
  {
    name: "produce-control-batch-from-client",
    steps: [...topic(), produce({ records: 1, attributes: 0x20 }), listOffsets(7, -1n, { label: "end" })],
  },

  ...(["gzip", "snappy", "lz4", "zstd"] as const).map((compression): Scenario => ({
    name: `produce-compressed-${compression}`,
    steps: [
      ...topic(),
      produce({ records: 5, compression }, { version: 9, label: "produce" }),
      produce({ records: 2, compression }, { version: 9, label: "again" }),
      fetch(12, 0),
      fetch(12, 3, { label: "mid-batch" }),
    ],
  })),
  {
    // zstd needs Produce v7+ (KIP-110): older versions are answered UNSUPPORTED_COMPRESSION_TYPE.
    name: "produce-zstd-below-v7",
    steps: [...topic(), produce({ records: 2, compression: "zstd" }, { version: 3, label: "v3" }), produce({ records: 2, compression: "zstd" }, { version: 7, label: "v7" }), listOffsets(7, -1n, { label: "end" })],
  },
  ...(["gzip", "lz4", "uncompressed"] as const).map((codec): Scenario => ({
    // The topic's compression.type: the broker recompresses what it stores.
    name: `produce-topic-compression-${codec}`,
    steps: [...topic("${topic}", 1, { "compression.type": codec }), produce({ records: 3, compression: codec === "gzip" ? "snappy" : codec === "lz4" ? "none" : "gzip" }), fetch(12, 0)],
  })),
  {
    name: "produce-idempotent-compressed-multi-record",
    steps: [...topic(), initPid(), produce({ ...idem(4, 0), compression: "lz4" }, { label: "seq0" }), produce({ ...idem(4, 0), compression: "lz4" }, { label: "duplicate" }), produce({ ...idem(1, 4), compression: "gzip" }, { label: "seq4" }), fetch(12, 0)],
  },

  // ---- InitProducerId and idempotent sequences
  ...[0, 1, 2, 3, 4, 5].map((v): Scenario => ({
    name: `init-producer-id-v${v}`,
    steps: [initPid(v), initPid(v, "second")],
  })),
  {
    name: "init-producer-id-transactional",
    steps: [
      { api: "FindCoordinator", version: 4, body: { keyType: 1, coordinatorKeys: ["${prefix}tx"] } },
      { api: "InitProducerId", version: 4, body: { transactionalId: "${prefix}tx", transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 } },
    ],
  },
  {
    name: "init-producer-id-bad-transaction-timeout",
    steps: [{ api: "InitProducerId", version: 4, body: { transactionalId: "${prefix}tx", transactionTimeoutMs: 0, producerId: -1n, producerEpoch: -1 } }],
  },
  ...[3, 9, 11].map((v): Scenario => ({
    name: `idempotent-in-order-v${v}`,
    steps: [...topic(), initPid(), produce(idem(3, 0), { version: v, label: "seq0" }), produce(idem(2, 3), { version: v, label: "seq3" }), fetch(12, 0)],
  })),
  {
    name: "idempotent-duplicate-batch",
    steps: [...topic(), initPid(), produce(idem(3, 0), { label: "first" }), produce(idem(3, 0), { label: "duplicate" }), produce(idem(1, 3), { label: "next" }), fetch(12, 0)],
  },
  {
    name: "idempotent-duplicate-older-batch",
    steps: [...topic(), initPid(), produce(idem(1, 0), { label: "a" }), produce(idem(1, 1), { label: "b" }), produce(idem(1, 2), { label: "c" }), produce(idem(1, 0), { label: "dup-a" }), listOffsets(7, -1n, { label: "end" })],
  },
  {
    name: "idempotent-out-of-order-sequence",
    steps: [...topic(), initPid(), produce(idem(3, 0), { label: "seq0" }), produce(idem(1, 5), { label: "gap" }), produce(idem(1, 3), { label: "resume" }), listOffsets(7, -1n, { label: "end" })],
  },
  {
    name: "idempotent-first-sequence-not-zero",
    steps: [...topic(), initPid(), produce(idem(2, 7), { label: "seq7" }), listOffsets(7, -1n, { label: "end" })],
  },
  {
    name: "idempotent-epoch-bump-then-fenced",
    steps: [
      ...topic(), initPid(),
      produce(idem(1, 0), { label: "epoch0" }),
      produce(idem(1, 0, { epoch: 1 }), { label: "bump-seq0" }),
      produce(idem(1, 1, { epoch: 0 }), { label: "old-epoch" }),
      produce(idem(1, 1, { epoch: 1 }), { label: "new-epoch-next" }),
      fetch(12, 0),
    ],
  },
  {
    name: "idempotent-epoch-bump-nonzero-sequence",
    steps: [...topic(), initPid(), produce(idem(1, 0), { label: "epoch0" }), produce(idem(1, 4, { epoch: 1 }), { label: "bump-seq4" }), listOffsets(7, -1n, { label: "end" })],
  },
  {
    name: "idempotent-unallocated-producer-id",
    steps: [...topic(), produce(idem(1, 0, { pid: 987_654_321n, epoch: 0 }), { label: "seq0" }), produce(idem(1, 3, { pid: 987_654_321n, epoch: 0 }), { label: "gap" }), listOffsets(7, -1n, { label: "end" })],
  },
  {
    name: "idempotent-sequence-wraps",
    steps: [...topic(), initPid(), produce(idem(1, 0), { label: "seq0" }), produce(idem(1, 2147483647), { label: "max" }), listOffsets(7, -1n, { label: "end" })],
  },

  // ---- Fetch
  ...[4, 7, 11, 12, 13, 15, 16, 17].map((v): Scenario => ({
    name: `fetch-v${v}`,
    steps: [...topic("${topic}", 1, {}, "topicId"), produce({ records: 3 }), produce({ records: 2 }), fetch(v, 0, { label: "from0" }), fetch(v, 3, { label: "from3" }), fetch(v, 5, { label: "at-end" })],
  })),
  ...[4, 12].map((v): Scenario => ({
    name: `fetch-out-of-range-v${v}`,
    steps: [...topic(), produce({ records: 3 }), fetch(v, 100, { label: "beyond" }), fetch(v, -5, { label: "negative" })],
  })),
  ...[4, 12].map((v): Scenario => ({
    name: `fetch-unknown-topic-and-partition-v${v}`,
    steps: [...topic(), fetch(v, 0, { topic: "${topic2}", label: "unknown-topic" }), fetch(v, 0, { partition: 3, label: "unknown-partition" })],
  })),
  {
    name: "fetch-unknown-topic-id-v13",
    steps: [fetch(13, 0, { topicIdVar: "bogusId" })],
  },
  {
    name: "fetch-wait-empty",
    steps: [...topic(), fetch(12, 0, { maxWaitMs: 200, label: "empty" })],
  },
  {
    // partitionMaxBytes smaller than the first batch: the first batch comes whole (KIP-74).
    name: "fetch-small-max-bytes",
    steps: [
      ...topic(), produce({ records: 3 }), produce({ records: 3 }),
      { api: "Fetch", version: 12, body: { ...(fetchBody(12, "${topic}", 0, 0) as Record<string, unknown>), maxBytes: 10, topics: [{ topic: "${topic}", partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 10 }] }] } },
    ],
  },
  {
    name: "fetch-read-committed",
    steps: [...topic(), produce({ records: 3 }), { ...fetch(12, 0), body: fetchBody(12, "${topic}", 0, 0, { isolationLevel: 1 }) }],
  },
  {
    name: "fetch-current-leader-epoch",
    steps: [
      ...topic(), produce({ records: 1 }),
      { api: "Fetch", version: 12, label: "future-epoch", body: { ...(fetchBody(12, "${topic}", 0, 0) as Record<string, unknown>), topics: [{ topic: "${topic}", partitions: [{ partition: 0, currentLeaderEpoch: 7, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }] } },
      { api: "Fetch", version: 12, label: "diverging", body: { ...(fetchBody(12, "${topic}", 0, 0) as Record<string, unknown>), topics: [{ topic: "${topic}", partitions: [{ partition: 0, currentLeaderEpoch: 0, fetchOffset: 1n, lastFetchedEpoch: 3, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }] } },
    ],
  },
  {
    // A fetch session (KIP-227): epoch 0 opens one, the next epoch sends only what changed.
    name: "fetch-session",
    steps: [
      ...topic("${topic}", 1, {}, "topicId"), produce({ records: 2 }),
      { api: "Fetch", version: 12, label: "open", body: { ...(fetchBody(12, "${topic}", 0, 0) as Record<string, unknown>), sessionId: 0, sessionEpoch: 0 }, capture: { session: "sessionId" } },
      produce({ records: 1 }, { label: "more" }),
      { api: "Fetch", version: 12, label: "incremental", body: { ...(fetchBody(12, "${topic}", 0, 0) as Record<string, unknown>), sessionId: "${session}", sessionEpoch: 1, topics: [{ topic: "${topic}", partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 2n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }] } },
      { api: "Fetch", version: 12, label: "wrong-epoch", body: { ...(fetchBody(12, "${topic}", 0, 0) as Record<string, unknown>), sessionId: "${session}", sessionEpoch: 7, topics: [] } },
      { api: "Fetch", version: 12, label: "unknown-session", body: { ...(fetchBody(12, "${topic}", 0, 0) as Record<string, unknown>), sessionId: 123456, sessionEpoch: 1, topics: [] } },
      { api: "Fetch", version: 12, label: "close", body: { ...(fetchBody(12, "${topic}", 0, 0) as Record<string, unknown>), sessionId: "${session}", sessionEpoch: -1, topics: [] } },
    ],
  },
  {
    name: "produce-after-delete-topic",
    steps: [
      ...topic(), produce({ records: 2 }),
      { api: "DeleteTopics", version: 6, compare: false, body: { topics: [{ name: "${topic}", topicId: "AAAAAAAAAAAAAAAAAAAAAA" }], timeoutMs: 30_000 } },
      { api: "Metadata", version: 12, compare: false, body: { topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: "${topic}" }], allowAutoTopicCreation: false }, until: { path: "topics[0].errorCode", equals: 3 } },
      { ...produce({ records: 1 }, { label: "produce" }), until: { path: "responses[0].partitionResponses[0].errorCode", equals: 3, tries: 50 } },
      ...topic(),
      produce({ records: 1 }, { label: "recreated" }),
      listOffsets(7, -2n, { label: "earliest" }),
    ],
  },
  {
    name: "fetch-mid-batch-offset",
    steps: [...topic(), produce({ records: 5 }), fetch(12, 2, { label: "inside" })],
  },

  // ---- ListOffsets
  ...[1, 2, 4, 5, 6, 7, 8, 9].map((v): Scenario => ({
    name: `list-offsets-v${v}`,
    steps: [
      ...topic(),
      listOffsets(v, -1n, { label: "empty-latest" }),
      listOffsets(v, -2n, { label: "empty-earliest" }),
      produce({ records: [{ value: "a", timestampDeltaMs: 0 }, { value: "b", timestampDeltaMs: 10 }, { value: "c", timestampDeltaMs: 5 }] }),
      produce({ records: [{ value: "d", timestampDeltaMs: 20 }] }),
      listOffsets(v, -1n, { label: "latest" }),
      listOffsets(v, -2n, { label: "earliest" }),
      listOffsets(v, "${now}", { label: "ts-first" }),
      listOffsets(v, "${ts7}", { label: "ts-between" }),
      listOffsets(v, "${tsFuture}", { label: "ts-future" }),
      ...(v >= 7 ? [listOffsets(v, -3n, { label: "max-timestamp" })] : []),
      ...(v >= 8 ? [listOffsets(v, -4n, { label: "earliest-local" })] : []),
      ...(v >= 9 ? [listOffsets(v, -5n, { label: "latest-tiered" })] : []),
      listOffsets(v, -7n, { label: "unknown-special" }),
    ],
  })),
  {
    name: "list-offsets-unknown",
    steps: [...topic(), listOffsets(7, -1n, { partition: 4, label: "unknown-partition" }), listOffsets(7, -1n, { topic: "${topic2}", label: "unknown-topic" })],
  },
  {
    name: "list-offsets-leader-epochs",
    steps: [
      ...topic(), produce({ records: 2 }),
      { ...listOffsets(7, -1n, { label: "current-epoch" }), body: { replicaId: -1, isolationLevel: 0, topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0, currentLeaderEpoch: 0, timestamp: -1n }] }] } },
      { ...listOffsets(7, -1n, { label: "future-epoch" }), body: { replicaId: -1, isolationLevel: 0, topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0, currentLeaderEpoch: 5, timestamp: -1n }] }] } },
    ],
  },
  {
    name: "list-offsets-read-committed",
    steps: [...topic(), produce({ records: 2 }), listOffsets(7, -1n, { isolationLevel: 1, label: "committed-latest" })],
  },

  // ---- DeleteRecords
  ...[0, 1, 2].map((v): Scenario => ({
    name: `delete-records-v${v}`,
    steps: [
      ...topic(), produce({ records: 5 }),
      { api: "DeleteRecords", version: v, body: { topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0, offset: 3n }] }], timeoutMs: 10_000 } },
      listOffsets(7, -2n, { label: "earliest" }),
      fetch(12, 1, { label: "below-start" }),
      fetch(12, 3, { label: "at-start" }),
      { api: "DeleteRecords", version: v, label: "backwards", body: { topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0, offset: 1n }] }], timeoutMs: 10_000 } },
    ],
  })),
  {
    name: "delete-records-bad-offsets",
    steps: [
      ...topic(), produce({ records: 3 }),
      { api: "DeleteRecords", version: 2, label: "beyond-hw", body: { topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0, offset: 10n }] }], timeoutMs: 10_000 } },
      { api: "DeleteRecords", version: 2, label: "to-hw", body: { topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0, offset: -1n }] }], timeoutMs: 10_000 } },
      { api: "DeleteRecords", version: 2, label: "negative", body: { topics: [{ name: "${topic}", partitions: [{ partitionIndex: 0, offset: -7n }] }], timeoutMs: 10_000 } },
      { api: "DeleteRecords", version: 2, label: "unknown", body: { topics: [{ name: "${topic}", partitions: [{ partitionIndex: 3, offset: 1n }] }, { name: "${topic2}", partitions: [{ partitionIndex: 0, offset: 1n }] }], timeoutMs: 10_000 } },
      listOffsets(7, -2n, { label: "earliest" }),
    ],
  },

  // ---- OffsetForLeaderEpoch, DescribeLogDirs
  ...[2, 3, 4].map((v): Scenario => ({
    name: `offset-for-leader-epoch-v${v}`,
    steps: [
      ...topic(), produce({ records: 3 }),
      { api: "OffsetForLeaderEpoch", version: v, body: { replicaId: -1, topics: [{ topic: "${topic}", partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }, { partition: 1, currentLeaderEpoch: -1, leaderEpoch: 0 }] }, { topic: "${topic2}", partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] } },
      { api: "OffsetForLeaderEpoch", version: v, label: "future-epoch", body: { replicaId: -1, topics: [{ topic: "${topic}", partitions: [{ partition: 0, currentLeaderEpoch: 5, leaderEpoch: 0 }] }] } },
    ],
  })),
  ...[1, 4].map((v): Scenario => ({
    name: `describe-log-dirs-v${v}`,
    steps: [...topic("${topic}", 2), produce({ records: 3 }), { api: "DescribeLogDirs", version: v, body: { topics: [{ topic: "${topic}", partitions: [0, 1, 9] }, { topic: "${topic2}", partitions: [0] }] } }],
  })),
];

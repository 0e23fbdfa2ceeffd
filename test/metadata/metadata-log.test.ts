/**
 * The metadata image and its log on real files: any sequence of controller operations gives the
 * same image when the persisted log is replayed after a restart (with and without snapshot
 * rewrites); a torn tail is cut at open; corruption and hand edits stop the open with a message
 * naming the file; replay refuses records that do not fit the image.
 */
import { describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { LocalController, kafkaNodeIdOf, raftIdOf } from "../../src/metadata/controller.ts";
import { applyBatch, MetadataImage, MetadataReplayError } from "../../src/metadata/image.ts";
import { encodeFrame, METADATA_LOG_FILE, MetadataLog, MetadataLogError } from "../../src/metadata/metadata-log.ts";
import { METADATA_VERSION_FEATURE, type MetadataRecord } from "../../src/metadata/records.ts";
import { makeTempDir } from "../storage/temp-dir.ts";

const NODE = 0;

function open(dir: string, rewriteAboveBytes?: number): { controller: LocalController; log: MetadataLog } {
  const { log, image } = MetadataLog.open(dir, { fsync: false, rewriteAboveBytes });
  return { controller: new LocalController(NODE, log, image), log };
}

/** The image's whole state, read from its maps (not from toRecords, which snapshots use). */
const canonical = (image: MetadataImage) => ({
  offset: image.offset,
  topics: [...image.topicsByName.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
  byId: [...image.topicsById.keys()].sort(),
  configs: [...image.configs.entries()].map(([k, m]) => [k, [...m.entries()].sort()]).sort(),
  brokers: [...image.brokers.entries()].sort(([a], [b]) => a - b),
  features: [...image.features.entries()].sort(),
  producerIds: image.producerIds,
});

type Op =
  | { op: "create"; name: string; partitions: number; configs: Record<string, string> }
  | { op: "delete"; pick: number }
  | { op: "addPartitions"; pick: number; more: number }
  | { op: "configs"; pick: number; configs: Record<string, string> }
  | { op: "producerIds" }
  | { op: "register" }
  | { op: "leader"; pick: number; partition: number; away: boolean };

const configsArb = fc.dictionary(fc.constantFrom("retention.ms", "cleanup.policy", "segment.bytes", "min.insync.replicas"), fc.constantFrom("1", "2", "compact", "1048576", "delete"), { maxKeys: 3 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("create" as const), name: fc.constantFrom("a", "b", "c.d", "e_f", "__internal", "g-h"), partitions: fc.integer({ min: 1, max: 4 }), configs: configsArb }),
  fc.record({ op: fc.constant("delete" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("addPartitions" as const), pick: fc.nat(), more: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ op: fc.constant("configs" as const), pick: fc.nat(), configs: configsArb }),
  fc.record({ op: fc.constant("producerIds" as const) }),
  fc.record({ op: fc.constant("register" as const) }),
  fc.record({ op: fc.constant("leader" as const), pick: fc.nat(), partition: fc.nat(), away: fc.boolean() }),
);

/** Runs one operation through the controller when it is valid for the current image. */
function run(c: LocalController, o: Op): void {
  const topics = [...c.image.topicsByName.values()];
  const pick = (n: number) => topics[n % topics.length];
  switch (o.op) {
    case "create":
      if (!c.image.topic(o.name)) c.createTopic({ name: o.name, partitions: o.partitions, replicationFactor: 1, configs: o.configs });
      return;
    case "delete":
      if (topics.length) c.deleteTopic(pick(o.pick).id);
      return;
    case "addPartitions":
      if (topics.length) c.createPartitions(pick(o.pick).id, pick(o.pick).partitions.length + o.more);
      return;
    case "configs":
      if (topics.length) c.setTopicConfigs(pick(o.pick).name, o.configs);
      return;
    case "producerIds":
      c.allocateProducerIds(NODE, 1000n);
      return;
    case "register":
      c.registerBroker([{ name: "PLAINTEXT", host: "127.0.0.1", port: 9092, securityProtocol: 0 }], null);
      return;
    case "leader": {
      if (!topics.length) return;
      const t = pick(o.pick);
      const p = o.partition % t.partitions.length;
      const reg = t.partitions[p];
      // The leader goes away (no leader, empty ISR) or comes back (this node leads again).
      const change: MetadataRecord = o.away
        ? { type: "PartitionChange", partitionId: p, topicId: t.id, isr: [], leader: -1, replicas: null }
        : { type: "PartitionChange", partitionId: p, topicId: t.id, isr: [NODE], leader: NODE, replicas: null };
      if ((o.away && reg.leader !== -1) || (!o.away && reg.leader === -1)) c.commit([change]);
      return;
    }
  }
}

describe("metadata log replay", () => {
  test("property: any sequence of valid records gives the same image after a restart (with snapshot rewrites)", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.constantFrom(undefined, 512, 4096), (ops, rewriteAboveBytes) => {
        const dir = makeTempDir("mdlog");
        const { controller, log } = open(dir, rewriteAboveBytes);
        controller.commit([{ type: "FeatureLevel", name: METADATA_VERSION_FEATURE, featureLevel: 1 }]);
        // The batches as committed, replayed in memory: the model the files must agree with.
        const batches: MetadataRecord[][] = [];
        const commit = controller.commit.bind(controller);
        controller.commit = (records) => {
          batches.push([...records]);
          return commit(records);
        };
        for (const o of ops) run(controller, o);
        const before = canonical(controller.image);
        log.close();
        let model = applyBatch(MetadataImage.EMPTY, 0, [{ type: "FeatureLevel", name: METADATA_VERSION_FEATURE, featureLevel: 1 }]).image;
        batches.forEach((b, i) => (model = applyBatch(model, i + 1, b).image));
        expect(canonical(model)).toEqual(before);
        const reopened = MetadataLog.open(dir, { fsync: false });
        reopened.log.close();
        expect(canonical(reopened.image)).toEqual(before);
        expect(reopened.recovery.truncatedBytes).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  test("property: a torn tail is cut at open and the image is that of the complete batches", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 15 }), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (ops, cutAt) => {
        const dir = makeTempDir("mdtorn");
        const { controller, log } = open(dir);
        controller.commit([{ type: "FeatureLevel", name: METADATA_VERSION_FEATURE, featureLevel: 1 }]);
        for (const o of ops) run(controller, o);
        const complete = canonical(controller.image);
        const sizeBefore = log.fileSizeBytes();
        // One more batch, of which only a prefix reaches the disk.
        const offset = controller.image.offset + 1;
        const frame = encodeFrame({ offset, kind: "batch", records: [{ type: "ProducerIds", brokerId: NODE, brokerEpoch: -1n, nextProducerId: controller.image.nextProducerId + 5n }] });
        log.close();
        const path = join(dir, METADATA_LOG_FILE);
        appendFileSync(path, frame.subarray(0, Math.floor(cutAt * frame.length)));
        const reopened = MetadataLog.open(dir, { fsync: false });
        expect(canonical(reopened.image)).toEqual(complete);
        expect(statSync(path).size).toBe(sizeBefore);
        expect(reopened.recovery.truncatedBytes).toBe(Math.floor(cutAt * frame.length));
        // The log goes on after the cut: the next batch gets the offset the torn one had.
        const c2 = new LocalController(NODE, reopened.log, reopened.image);
        c2.allocateProducerIds(NODE, 1000n);
        reopened.log.close();
        expect(MetadataLog.open(dir, { fsync: false }).image.offset).toBe(offset);
      }),
      { numRuns: 40 },
    );
  });
});

describe("metadata log corruption", () => {
  function logWithTopics(): { dir: string; path: string; firstFrameEnd: number } {
    const dir = makeTempDir("mdbad");
    const { controller, log } = open(dir);
    controller.commit([{ type: "FeatureLevel", name: METADATA_VERSION_FEATURE, featureLevel: 1 }]);
    const firstFrameEnd = log.fileSizeBytes();
    controller.createTopic({ name: "orders", partitions: 2, replicationFactor: 1, configs: {} });
    controller.createTopic({ name: "events", partitions: 1, replicationFactor: 1, configs: {} });
    log.close();
    return { dir, path: join(dir, METADATA_LOG_FILE), firstFrameEnd };
  }

  test("a flipped byte in a frame followed by more frames stops the open, naming the file and position", () => {
    const { dir, path, firstFrameEnd } = logWithTopics();
    const bytes = readFileSync(path);
    bytes[firstFrameEnd + 20] ^= 0xff;
    writeFileSync(path, bytes);
    expect(() => MetadataLog.open(dir)).toThrow(MetadataLogError);
    expect(() => MetadataLog.open(dir)).toThrow(`${path}: corrupt at byte ${firstFrameEnd}: checksum mismatch`);
    // Nothing was cut: the operator can still restore from the file as it was.
    expect(statSync(path).size).toBe(bytes.length);
  });

  test("a hand-edited frame with a valid checksum but a bad record is refused with the field named", () => {
    const { dir, path } = logWithTopics();
    const frame = encodeFrame({ offset: 3, kind: "batch", records: [{ type: "Topic", name: "x", topicId: "AAAAAAAAAAAAAAAAAAAAAA" }] });
    const edited = new TextDecoder().decode(frame.subarray(8)).replace('"topicId":"AAAAAAAAAAAAAAAAAAAAAA"', '"topicId":17');
    const payload = new TextEncoder().encode(edited);
    const { crc32c } = require("../../src/native/index.ts");
    const out = new Uint8Array(8 + payload.length);
    new DataView(out.buffer).setUint32(0, payload.length);
    new DataView(out.buffer).setUint32(4, crc32c(payload));
    out.set(payload, 8);
    appendFileSync(path, out);
    expect(() => MetadataLog.open(dir)).toThrow(/corrupt at byte \d+: Topic record: topicId must be a string/);
  });

  test("a record that does not fit the image (partition of an unknown topic) is refused", () => {
    const { dir, path } = logWithTopics();
    appendFileSync(path, encodeFrame({ offset: 3, kind: "batch", records: [{ type: "Partition", partitionId: 0, topicId: "BBBBBBBBBBBBBBBBBBBBBB", replicas: [0], isr: [0], leader: 0, leaderEpoch: 0, partitionEpoch: 0 }] }));
    expect(() => MetadataLog.open(dir)).toThrow(/batch at offset 3: Partition record: no topic with id BBBBBBBBBBBBBBBBBBBBBB/);
  });

  test("a batch out of sequence and a metadata.version from a newer Takhin are refused", () => {
    const a = logWithTopics();
    appendFileSync(a.path, encodeFrame({ offset: 7, kind: "batch", records: [{ type: "FeatureLevel", name: "x", featureLevel: 1 }] }));
    expect(() => MetadataLog.open(a.dir)).toThrow(/batch offset 7, expected 3/);
    const b = logWithTopics();
    appendFileSync(b.path, encodeFrame({ offset: 3, kind: "batch", records: [{ type: "FeatureLevel", name: METADATA_VERSION_FEATURE, featureLevel: 99 }] }));
    expect(() => MetadataLog.open(b.dir)).toThrow(/metadata.version 99 is newer than this Takhin understands/);
  });

  test("a length field past the frame bound is corruption, not a torn tail", () => {
    const { dir, path } = logWithTopics();
    const header = new Uint8Array(8);
    new DataView(header.buffer).setUint32(0, 0xfffffff0);
    appendFileSync(path, header);
    expect(() => MetadataLog.open(dir)).toThrow(/frame length \d+ exceeds/);
  });

  test("a torn header (fewer than 8 bytes) is cut", () => {
    const { dir, path } = logWithTopics();
    const size = statSync(path).size;
    appendFileSync(path, new Uint8Array([0, 0, 1]));
    const r = MetadataLog.open(dir);
    r.log.close();
    expect(r.recovery.truncatedBytes).toBe(3);
    expect(statSync(path).size).toBe(size);
    expect([...r.image.topicsByName.keys()].sort()).toEqual(["events", "orders"]);
  });
});

describe("metadata log rewrite failure", () => {
  test("a failed snapshot rewrite keeps the committed batch, reports it, and refuses later changes", () => {
    const dir = makeTempDir("mdrewrite");
    const { log, image } = MetadataLog.open(dir, { fsync: false, rewriteAboveBytes: 64 });
    const errors: string[] = [];
    const c = new LocalController(NODE, log, image, (m) => errors.push(m));
    c.commit([{ type: "FeatureLevel", name: METADATA_VERSION_FEATURE, featureLevel: 1 }]);
    // The rewrite's temporary file cannot be created: a directory is in its place.
    mkdirSync(join(dir, `${METADATA_LOG_FILE}.tmp`));
    const t = c.createTopic({ name: "survives", partitions: 3, replicationFactor: 1, configs: {} });
    expect(errors).toEqual(["metadata log rewrite failed; further metadata changes are refused"]);
    expect(c.image.topic("survives")!.id).toBe(t.id);
    expect(() => c.createTopic({ name: "refused", partitions: 1, replicationFactor: 1, configs: {} })).toThrow(/unusable after a failed write/);
    expect(c.image.topic("refused")).toBeUndefined();
    log.close();
    const reopened = MetadataLog.open(dir, { fsync: false });
    reopened.log.close();
    expect(reopened.image.topic("survives")!.partitions.length).toBe(3);
    expect(reopened.image.topic("refused")).toBeUndefined();
  });
});

describe("image replay rules", () => {
  const base = applyBatch(MetadataImage.EMPTY, 0, [
    { type: "Topic", name: "t", topicId: "CCCCCCCCCCCCCCCCCCCCCC" },
    { type: "Partition", partitionId: 0, topicId: "CCCCCCCCCCCCCCCCCCCCCC", replicas: [0, 1], isr: [0, 1], leader: 0, leaderEpoch: 0, partitionEpoch: 0 },
  ]).image;

  test("a leader change bumps the leader epoch and the partition epoch; an ISR change only the partition epoch", () => {
    let img = applyBatch(base, 1, [{ type: "PartitionChange", partitionId: 0, topicId: "CCCCCCCCCCCCCCCCCCCCCC", isr: [0], leader: -2, replicas: null }]).image;
    expect(img.topic("t")!.partitions[0]).toEqual({ replicas: [0, 1], isr: [0], leader: 0, leaderEpoch: 0, partitionEpoch: 1 });
    img = applyBatch(img, 2, [{ type: "PartitionChange", partitionId: 0, topicId: "CCCCCCCCCCCCCCCCCCCCCC", isr: [1], leader: 1, replicas: null }]).image;
    expect(img.topic("t")!.partitions[0]).toEqual({ replicas: [0, 1], isr: [1], leader: 1, leaderEpoch: 1, partitionEpoch: 2 });
    // The base image is untouched (immutability).
    expect(base.topic("t")!.partitions[0].partitionEpoch).toBe(0);
  });

  test("records that do not fit are refused", () => {
    const bad: MetadataRecord[] = [
      { type: "Topic", name: "t", topicId: "DDDDDDDDDDDDDDDDDDDDDD" },
      { type: "Topic", name: "bad name!", topicId: "DDDDDDDDDDDDDDDDDDDDDD" },
      { type: "Partition", partitionId: 2, topicId: "CCCCCCCCCCCCCCCCCCCCCC", replicas: [0], isr: [0], leader: 0, leaderEpoch: 0, partitionEpoch: 0 },
      { type: "PartitionChange", partitionId: 0, topicId: "CCCCCCCCCCCCCCCCCCCCCC", isr: [1], leader: 0, replicas: null },
      { type: "PartitionChange", partitionId: 0, topicId: "CCCCCCCCCCCCCCCCCCCCCC", isr: [2], leader: -2, replicas: null },
      { type: "RemoveTopic", topicId: "EEEEEEEEEEEEEEEEEEEEEE" },
      { type: "ProducerIds", brokerId: 0, brokerEpoch: -1n, nextProducerId: 0n },
    ];
    for (const r of bad) expect(() => applyBatch(base, 1, [r])).toThrow(MetadataReplayError);
  });

  test("RemoveTopic drops the topic's configs with it", () => {
    const img = applyBatch(base, 1, [{ type: "Config", resourceType: 2, resourceName: "t", name: "retention.ms", value: "5" }]).image;
    expect(img.topicConfigs("t")).toEqual({ "retention.ms": "5" });
    const gone = applyBatch(img, 2, [{ type: "RemoveTopic", topicId: "CCCCCCCCCCCCCCCCCCCCCC" }]).image;
    expect(gone.topicConfigs("t")).toEqual({});
    expect(gone.toRecords()).toEqual([]);
  });
});

describe("node ids at the Raft seam", () => {
  test("Kafka node id n is Raft id n+1 and back; Raft never sees 0", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 2 }), (n) => raftIdOf(n) > 0 && kafkaNodeIdOf(raftIdOf(n)) === n));
    expect(raftIdOf(0)).toBe(1);
    expect(() => raftIdOf(-1)).toThrow(RangeError);
    expect(() => kafkaNodeIdOf(0)).toThrow(RangeError);
  });
});

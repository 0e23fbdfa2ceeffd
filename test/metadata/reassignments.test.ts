/**
 * Reassignment decisions (src/metadata/reassignments.ts) on real images: fast-check properties over
 * random assignments, targets and catch-up orders (a failing property prints its seed), plus the
 * cases Kafka 4.4 showed (docs/cluster.md).
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { applyBatch, MetadataImage } from "../../src/metadata/image.ts";
import { LEADER_UNCHANGED, type MetadataRecord } from "../../src/metadata/records.ts";
import { isReassigning, ongoingReassignments, reassignPartition, withCompletion } from "../../src/metadata/reassignments.ts";

const TOPIC_ID = "AAAAAAAAAAAAAAAAAAAAAQ";

function imageWith(brokers: number, replicas: number[], fenced: number[] = []): MetadataImage {
  const records: MetadataRecord[] = [];
  for (let id = 0; id < brokers; id++) records.push({ type: "RegisterBroker", brokerId: id, incarnationId: `inc${String(id).padStart(19, "0")}`, brokerEpoch: BigInt(id + 1), endPoints: [], rack: null, fenced: fenced.includes(id) });
  records.push({ type: "Topic", name: "t", topicId: TOPIC_ID }, { type: "Partition", partitionId: 0, topicId: TOPIC_ID, replicas, isr: [...replicas], leader: replicas[0]!, leaderEpoch: 0, partitionEpoch: 0 });
  return applyBatch(MetadataImage.EMPTY, 0, records).image;
}

const part = (image: MetadataImage) => image.topicsById.get(TOPIC_ID)!.partitions[0]!;
const commit = (image: MetadataImage, r: MetadataRecord | null) => (r ? applyBatch(image, image.offset + 1, [r]).image : image);

/** The leader's AlterPartition adding `id` to the ISR, as alter-partition.ts commits it. */
function expand(image: MetadataImage, id: number): MetadataImage {
  const p = part(image);
  return commit(image, withCompletion(image, { type: "PartitionChange", topicId: TOPIC_ID, partitionId: 0, leader: LEADER_UNCHANGED, isr: [...p.isr, id], replicas: null }, p));
}

test("a move: union first, the added replicas join the ISR, then the target alone; the removed leader gives way with a new epoch", () => {
  let img = imageWith(4, [0, 1]);
  const d = reassignPartition(img, TOPIC_ID, 0, [2, 3]);
  if ("error" in d) throw new Error(d.message);
  img = commit(img, d.record);
  expect(part(img)).toMatchObject({ replicas: [2, 3, 0, 1], addingReplicas: [2, 3], removingReplicas: [0, 1], isr: [0, 1], leader: 0, leaderEpoch: 0 });
  expect(ongoingReassignments(img, null)).toEqual([{ topic: "t", partition: 0, replicas: [2, 3, 0, 1], addingReplicas: [2, 3], removingReplicas: [0, 1] }]);
  img = expand(img, 3);
  expect(isReassigning(part(img))).toBe(true);
  img = expand(img, 2);
  expect(part(img)).toMatchObject({ replicas: [2, 3], isr: [3, 2], leader: 2, leaderEpoch: 1 });
  expect(isReassigning(part(img))).toBe(false);
});

test("cancel: the adding replicas go, removing is cleared; nothing in progress is NO_REASSIGNMENT_IN_PROGRESS", () => {
  let img = imageWith(3, [0, 1]);
  img = commit(img, (reassignPartition(img, TOPIC_ID, 0, [0, 2]) as { record: MetadataRecord }).record);
  const c = reassignPartition(img, TOPIC_ID, 0, null);
  if ("error" in c) throw new Error(c.message);
  img = commit(img, c.record);
  expect(part(img)).toMatchObject({ replicas: [0, 1], isr: [0, 1], leader: 0 });
  expect(isReassigning(part(img))).toBe(false);
  expect(reassignPartition(img, TOPIC_ID, 0, null)).toMatchObject({ error: "NO_REASSIGNMENT_IN_PROGRESS" });
});

test("property: any target completes once its replicas are in the ISR, in any catch-up order; every record fits the image", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 7 }).chain((n) =>
        fc.tuple(
          fc.constant(n),
          fc.shuffledSubarray([...Array(n).keys()], { minLength: 1, maxLength: n }),
          fc.shuffledSubarray([...Array(n).keys()], { minLength: 1, maxLength: n }),
          fc.option(fc.shuffledSubarray([...Array(n).keys()], { minLength: 1, maxLength: n }), { nil: null }),
          fc.boolean(),
        ),
      ),
      ([n, current, target, second, cancel]) => {
        let img = imageWith(n, current);
        const d = reassignPartition(img, TOPIC_ID, 0, target);
        if ("error" in d) throw new Error(d.message);
        img = commit(img, d.record); // throws if the record does not fit
        if (second !== null) {
          // A second reassignment on top of the first, from the union list.
          const d2 = reassignPartition(img, TOPIC_ID, 0, second);
          if ("error" in d2) throw new Error(d2.message);
          img = commit(img, d2.record);
          target = second;
        }
        if (cancel && isReassigning(part(img))) {
          const before = part(img);
          const c = reassignPartition(img, TOPIC_ID, 0, null);
          if ("error" in c) throw new Error(c.message);
          img = commit(img, c.record);
          const adding = before.addingReplicas ?? [];
          expect(part(img).replicas).toEqual(before.replicas.filter((r) => !adding.includes(r)));
          expect(isReassigning(part(img))).toBe(false);
          return;
        }
        // The leader adds the missing target replicas one by one (in the shuffled order given).
        for (const id of target) if (!part(img).isr.includes(id)) img = expand(img, id);
        const p = part(img);
        expect(isReassigning(p)).toBe(false);
        expect(p.replicas).toEqual(target);
        expect([...p.isr].sort()).toEqual([...target].sort());
        expect(target).toContain(p.leader);
        if (current.some((r) => !target.includes(r))) expect(p.leaderEpoch).toBeGreaterThan(0);
      },
    ),
    { numRuns: 500 },
  );
});

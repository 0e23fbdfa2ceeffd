/**
 * Replica placement (src/metadata/placement.ts): round-robin without racks, Kafka's rack-aware
 * assignment with racks. Examples worked by hand from Kafka's algorithm, and fast-check properties
 * (a failing property prints its seed).
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { placeReplicas, PlacementError, rackAlternated, type PlacementBroker } from "../../src/metadata/placement.ts";

const b = (id: number, rack: string | null): PlacementBroker => ({ id, rack });

test("without racks: brokers by id, partition p starts at p mod n (the placement Takhin always had)", () => {
  expect(placeReplicas([b(2, null), b(0, null), b(1, null)], 0, 4, 2)).toEqual([[0, 1], [1, 2], [2, 0], [0, 1]]);
  expect(placeReplicas([b(0, null), b(1, null), b(2, null)], 2, 2, 3)).toEqual([[2, 0, 1], [0, 1, 2]]);
  expect(() => placeReplicas([b(0, null)], 0, 1, 2)).toThrow(PlacementError);
  expect(() => placeReplicas([b(0, null)], 0, 1, 2)).toThrow("Replication factor: 2 larger than available brokers: 1.");
});

test("the rack-alternated list takes one broker of each rack in turn (racks by name, brokers by id)", () => {
  expect(rackAlternated([b(0, "a"), b(1, "a"), b(2, "b"), b(3, "b")]).map((x) => x.id)).toEqual([0, 2, 1, 3]);
  expect(rackAlternated([b(5, "c"), b(0, "a"), b(1, "a"), b(2, "a"), b(3, "b")]).map((x) => x.id)).toEqual([0, 3, 5, 1, 2]);
  expect(rackAlternated([b(1, "r"), b(0, null)]).map((x) => x.id)).toEqual([0, 1]);
});

test("two racks of two brokers, RF 2: every partition spans both racks; leaders cycle over the alternated list", () => {
  const brokers = [b(0, "rack-a"), b(1, "rack-a"), b(2, "rack-b"), b(3, "rack-b")];
  // list [0,2,1,3]; p=0: 0 then list[1]=2; p=1: 2 then list[2]=1; p=2: 1 then list[3]=3; p=3: 3 then list[0]=0;
  // p=4 (shift 1): 0, then k=0 -> list[(0+1+2)%4]=3 (rack b) ...
  expect(placeReplicas(brokers, 0, 5, 2)).toEqual([[0, 2], [2, 1], [1, 3], [3, 0], [0, 3]]);
  // A new partition placed later gets what it would have got with the others at creation.
  expect(placeReplicas(brokers, 4, 1, 2)).toEqual([[0, 3]]);
});

test("three racks, RF 3: one replica in each rack", () => {
  const brokers = [b(0, "a"), b(1, "a"), b(2, "b"), b(3, "b"), b(4, "c"), b(5, "c")];
  for (const list of placeReplicas(brokers, 0, 12, 3)) {
    expect(new Set(list.map((id) => brokers[id]!.rack)).size).toBe(3);
  }
});

const brokersArb = fc
  .uniqueArray(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 12 })
  .chain((ids) => fc.tuple(fc.constant(ids), fc.array(fc.option(fc.constantFrom("r1", "r2", "r3", "r4"), { nil: null }), { minLength: ids.length, maxLength: ids.length })))
  .map(([ids, racks]) => ids.map((id, i) => b(id, racks[i]!)));

test("property: RF distinct usable brokers per partition, spanning min(RF, racks) racks; leaders even over every n partitions", () => {
  fc.assert(
    fc.property(brokersArb, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 40 }), (brokers, rfWanted, first, count) => {
      const rf = Math.min(rfWanted, brokers.length);
      const lists = placeReplicas(brokers, first, count, rf);
      const ids = new Set(brokers.map((x) => x.id));
      const rackOf = new Map(brokers.map((x) => [x.id, x.rack ?? ""]));
      const racks = new Set(brokers.map((x) => x.rack ?? "")).size;
      const anyRack = brokers.some((x) => x.rack !== null);
      expect(lists.length).toBe(count);
      for (const l of lists) {
        expect(l.length).toBe(rf);
        expect(new Set(l).size).toBe(rf);
        for (const id of l) expect(ids.has(id)).toBe(true);
        if (anyRack) expect(new Set(l.map((id) => rackOf.get(id))).size).toBe(Math.min(rf, racks));
      }
      // Over a whole number of rounds from a multiple of n, every broker leads equally often.
      const n = brokers.length;
      const rounds = placeReplicas(brokers, 0, 2 * n, rf);
      const leads = new Map<number, number>();
      for (const l of rounds) leads.set(l[0]!, (leads.get(l[0]!) ?? 0) + 1);
      expect([...leads.values()].every((c) => c === 2) && leads.size === n).toBe(true);
    }),
    { numRuns: 500 },
  );
});

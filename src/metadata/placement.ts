/**
 * Replica placement for new partitions (CreateTopics / CreatePartitions without an explicit
 * assignment), a pure function of the usable brokers and their racks (`broker_rack`).
 *
 * Without racks (no usable broker has one): the brokers sorted by id, partition p gets
 * brokers[(p + r) mod n] for r = 0..RF-1, so the preferred leaders (r = 0) cycle over every broker.
 *
 * With racks: Kafka's rack-aware assignment (AdminUtils.assignReplicasToBrokersRackAware, KIP-36),
 * with a fixed start index 0 and replica shift 0 so the result is deterministic:
 *  - the brokers are listed rack-alternated: racks sorted by name, brokers of each sorted by id, taking
 *    one broker from each rack in turn (a, b, c, a, b, c, ...);
 *  - partition p's first replica is list[p mod n] (leaders spread over racks and brokers); the shift
 *    grows by one every n partitions;
 *  - each further replica walks list[(first + 1 + (shift * racks + k) mod (n - 1)) mod n], k = 0, 1, ...
 *    skipping a broker whose rack already holds a replica while some rack holds none, and a broker
 *    that already holds one while some broker holds none.
 * So every partition spans min(RF, racks) racks and the replicas of each rack are spread evenly.
 * A broker without a rack counts as a rack of its own kind ("" sorts first), as Kafka's KRaft
 * controller treats a missing rack.
 */

export interface PlacementBroker {
  readonly id: number;
  readonly rack: string | null;
}

/** Thrown when the replication factor exceeds the usable brokers (callers map it to INVALID_REPLICATION_FACTOR). */
export class PlacementError extends Error {
  override name = "PlacementError";
}

/** Replica lists of `count` new partitions numbered from `firstIndex` (header). */
export function placeReplicas(brokers: readonly PlacementBroker[], firstIndex: number, count: number, replicationFactor: number): number[][] {
  if (replicationFactor < 1 || replicationFactor > brokers.length) {
    throw new PlacementError(`Replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}.`);
  }
  const sorted = [...brokers].sort((a, b) => a.id - b.id);
  if (sorted.every((b) => b.rack === null)) {
    const out: number[][] = [];
    for (let p = firstIndex; p < firstIndex + count; p++) {
      const list: number[] = [];
      for (let r = 0; r < replicationFactor; r++) list.push(sorted[(p + r) % sorted.length]!.id);
      out.push(list);
    }
    return out;
  }
  return rackAware(sorted, firstIndex, count, replicationFactor);
}

/** One broker of each rack in turn, racks by name, brokers by id. */
export function rackAlternated(brokers: readonly PlacementBroker[]): PlacementBroker[] {
  const byRack = new Map<string, PlacementBroker[]>();
  for (const b of [...brokers].sort((x, y) => x.id - y.id)) {
    const key = b.rack ?? "";
    let list = byRack.get(key);
    if (!list) byRack.set(key, (list = []));
    list.push(b);
  }
  const racks = [...byRack.keys()].sort();
  const out: PlacementBroker[] = [];
  for (let round = 0; out.length < brokers.length; round++) {
    for (const r of racks) {
      const b = byRack.get(r)![round];
      if (b) out.push(b);
    }
  }
  return out;
}

function rackAware(brokers: readonly PlacementBroker[], firstIndex: number, count: number, replicationFactor: number): number[][] {
  const list = rackAlternated(brokers);
  const n = list.length;
  const rackOf = (b: PlacementBroker) => b.rack ?? "";
  const numRacks = new Set(list.map(rackOf)).size;
  const out: number[][] = [];
  for (let p = firstIndex; p < firstIndex + count; p++) {
    // Kafka's shift grows by one at every multiple of n after 0 (as if all were created at once).
    const shift = Math.floor(p / n);
    const first = p % n;
    const leader = list[first]!;
    const replicas = [leader.id];
    const racks = new Set([rackOf(leader)]);
    const used = new Set([leader.id]);
    // k is bounded: within n - 1 steps every broker is visited once, and one of them qualifies.
    for (let r = 1, k = 0; r < replicationFactor; k++) {
      const b = list[(first + 1 + ((shift * numRacks + k) % (n - 1))) % n]!;
      const rackOk = !racks.has(rackOf(b)) || racks.size === numRacks;
      const brokerOk = !used.has(b.id) || used.size === n;
      if (rackOk && brokerOk) {
        replicas.push(b.id);
        racks.add(rackOf(b));
        used.add(b.id);
        r++;
      }
      if (k > 4 * n * replicationFactor) throw new Error("rack-aware placement did not converge (a bug)");
    }
    out.push(replicas);
  }
  return out;
}

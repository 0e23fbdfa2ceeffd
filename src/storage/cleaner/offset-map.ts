/**
 * The cleaner's offset map: key hash -> offset of the key's latest record in the dirty section,
 * in a fixed memory budget (log_cleaner_dedupe_buffer_size), like Kafka's SkimpyOffsetMap.
 *
 * Layout: open addressing with linear probing over typed arrays allocated once: per slot a 64-bit
 * key hash (two 32-bit halves of two independent hashes) and the offset + 1 as a float64 (exact
 * below 2^53; 0 marks an empty slot, so a new map is the kernel's zero pages, touched only as it
 * fills, and allocating 128 MiB does not stall the event loop), 16 bytes a slot. The map is "full" at 75% load (MAP_LOAD_FACTOR) and refuses new keys then;
 * the cleaner ends the pass there and the next pass goes on from that offset. Two distinct keys
 * with the same 64-bit hash would be taken for one (Kafka accepts the same risk with MD5 in 16 bytes;
 * at 10^6 keys the chance is about 3e-8).
 */
export const OFFSET_MAP_SLOT_BYTES = 16;
export const MAP_LOAD_FACTOR = 0.75;

export class OffsetMap {
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  private readonly offsets: Float64Array;
  private readonly slots: number;
  private readonly maxEntries: number;
  private entries = 0;
  private lastHi = 0;
  private lastLo = 0;

  constructor(memoryBytes: number) {
    const slots = Math.floor(memoryBytes / OFFSET_MAP_SLOT_BYTES);
    if (!(slots >= 4)) throw new RangeError(`offset map needs at least ${4 * OFFSET_MAP_SLOT_BYTES} bytes, not ${memoryBytes}`);
    this.slots = slots;
    this.maxEntries = Math.max(1, Math.floor(slots * MAP_LOAD_FACTOR));
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.offsets = new Float64Array(slots);
  }

  get size(): number {
    return this.entries;
  }

  get capacity(): number {
    return this.maxEntries;
  }

  get memoryBytes(): number {
    return this.slots * OFFSET_MAP_SLOT_BYTES;
  }

  clear(): void {
    if (this.entries > 0) this.offsets.fill(0);
    this.entries = 0;
  }

  /** clear() in steps of `stepSlots`, awaiting `pause` between them (a full 128 MiB map takes tens of ms). */
  async clearInSteps(pause: () => Promise<void>, stepSlots = 1 << 20): Promise<void> {
    if (this.entries > 0) {
      for (let from = 0; from < this.slots; from += stepSlots) {
        this.offsets.fill(0, from, Math.min(this.slots, from + stepSlots));
        await pause();
      }
    }
    this.entries = 0;
  }

  private hash(key: Uint8Array): void {
    this.lastHi = Number(Bun.hash.wyhash(key, 0x9e3779b9n) & 0xffffffffn) >>> 0;
    this.lastLo = Bun.hash.crc32(key) >>> 0;
  }

  private slotOf(): number {
    const { hi, lo, offsets } = this;
    let i = (this.lastHi ^ Math.imul(this.lastLo, 0x85ebca6b)) >>> 0;
    i %= this.slots;
    for (;;) {
      if (offsets[i] === 0 || (hi[i] === this.lastHi && lo[i] === this.lastLo)) return i;
      i = i + 1 === this.slots ? 0 : i + 1;
    }
  }

  /** Records `offset` as the key's latest. False (nothing stored) when the key is new and the map full. */
  put(key: Uint8Array, offset: number): boolean {
    this.hash(key);
    const i = this.slotOf();
    if (this.offsets[i] === 0) {
      if (this.entries >= this.maxEntries) return false;
      this.entries++;
      this.hi[i] = this.lastHi;
      this.lo[i] = this.lastLo;
    }
    if (offset + 1 > this.offsets[i]) this.offsets[i] = offset + 1;
    return true;
  }

  /** Whether a put of `key` would succeed now. */
  canPut(key: Uint8Array): boolean {
    if (this.entries < this.maxEntries) return true;
    this.hash(key);
    return this.offsets[this.slotOf()] > 0;
  }

  /** The key's latest offset, or -1. */
  get(key: Uint8Array): number {
    this.hash(key);
    return this.offsets[this.slotOf()] - 1;
  }
}

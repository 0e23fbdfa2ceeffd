/**
 * A bounded in-memory cache of remote object chunks: fixed-size ranges `[i * chunkBytes, ...)` of
 * an object, least recently used out first once the byte budget is spent. Loads of the same
 * chunk in flight at once share one request. Only verified bytes may be put here: a failed load
 * leaves nothing behind, so the next read asks the store again.
 */

export interface ChunkCacheStats {
  hits: number;
  misses: number;
  evictions: number;
  bytes: number;
  prefetches: number;
}

export class ChunkCache {
  private readonly entries = new Map<string, Uint8Array>();
  private readonly loading = new Map<string, Promise<Uint8Array>>();
  private usedBytes = 0;
  readonly stats: ChunkCacheStats = { hits: 0, misses: 0, evictions: 0, bytes: 0, prefetches: 0 };

  constructor(
    readonly maxBytes: number,
    readonly chunkBytes: number,
  ) {
    if (!(maxBytes >= chunkBytes && chunkBytes > 0)) throw new RangeError(`chunk cache of ${maxBytes} bytes cannot hold a chunk of ${chunkBytes}`);
  }

  /** The chunk, from memory or from `load` (deduplicated while in flight). */
  async get(key: string, load: () => Promise<Uint8Array>, prefetch = false): Promise<Uint8Array> {
    const hit = this.entries.get(key);
    if (hit) {
      // Map order is recency order: move to the back.
      this.entries.delete(key);
      this.entries.set(key, hit);
      if (!prefetch) this.stats.hits++;
      return hit;
    }
    const inFlight = this.loading.get(key);
    if (inFlight) {
      if (!prefetch) this.stats.hits++;
      return inFlight;
    }
    if (prefetch) this.stats.prefetches++;
    else this.stats.misses++;
    const p = load()
      .then((bytes) => {
        this.insert(key, bytes);
        return bytes;
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, p);
    return p;
  }

  has(key: string): boolean {
    return this.entries.has(key) || this.loading.has(key);
  }

  private insert(key: string, bytes: Uint8Array): void {
    if (bytes.length > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) this.usedBytes -= old.length;
    this.entries.set(key, bytes);
    this.usedBytes += bytes.length;
    for (const [k, v] of this.entries) {
      if (this.usedBytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.usedBytes -= v.length;
      this.stats.evictions++;
    }
    this.stats.bytes = this.usedBytes;
  }

  /** Drops every chunk of keys starting with `prefix` (a deleted remote segment). */
  dropPrefix(prefix: string): void {
    for (const [k, v] of this.entries) {
      if (!k.startsWith(prefix)) continue;
      this.entries.delete(k);
      this.usedBytes -= v.length;
    }
    this.stats.bytes = this.usedBytes;
  }

  /** Drops every chunk (tests, and an operator's cache reset). */
  clear(): void {
    this.entries.clear();
    this.usedBytes = 0;
    this.stats.bytes = 0;
  }

  get sizeBytes(): number {
    return this.usedBytes;
  }
}

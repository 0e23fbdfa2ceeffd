/**
 * The object store under tiered storage: put, ranged get and delete of whole objects by key, on
 * Bun's built-in S3 client (any S3-compatible server: AWS S3, MinIO, s3rver). Every call is bounded
 * in time (requestTimeoutMs; a call past it fails, the request itself may linger in Bun), and a
 * body that is not exactly as long as asked (a truncated transfer, a short object) is an error,
 * never returned. A put is verified before it counts: the stored object's size must be the body's,
 * and its ETag, when it is a single-part one (an MD5 hex digest), the body's MD5; so a body cut or
 * changed in transit is never taken for durable. Failures are RemoteStorageError: the uploader retries them, a reader turns them
 * into a retriable Kafka error for its client.
 */

/** A failed or unusable answer of the object store (unreachable, 5xx, timeout, short body, bad checksum). */
export class RemoteStorageError extends Error {
  override name = "RemoteStorageError";
}

export interface ObjectStore {
  /** Stores `body` under `key` (replacing any object there). Resolves once the store acknowledged it. */
  put(key: string, body: Uint8Array): Promise<void>;
  /** Bytes [start, endExclusive) of the object; exactly that many or a RemoteStorageError. */
  getRange(key: string, start: number, endExclusive: number): Promise<Uint8Array>;
  /** Removes the object (no error when it is already gone). */
  delete(key: string): Promise<void>;
}

export interface S3StoreOptions {
  /** URL of the S3-compatible endpoint; undefined: AWS for `region`. */
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** endpoint/bucket/key (true) or bucket.endpoint/key (false). */
  pathStyle: boolean;
  /** One request's time limit. Default 30000. */
  requestTimeoutMs?: number;
}

/** Counters of the store's traffic since start (bench and /metrics). */
export interface ObjectStoreStats {
  puts: number;
  putBytes: number;
  gets: number;
  getBytes: number;
  deletes: number;
  failures: number;
}

export class S3ObjectStore implements ObjectStore {
  private readonly client: Bun.S3Client;
  private readonly timeoutMs: number;
  readonly stats: ObjectStoreStats = { puts: 0, putBytes: 0, gets: 0, getBytes: 0, deletes: 0, failures: 0 };

  constructor(options: S3StoreOptions) {
    this.client = new Bun.S3Client({
      bucket: options.bucket,
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.accessKeyId ? { accessKeyId: options.accessKeyId } : {}),
      ...(options.secretAccessKey ? { secretAccessKey: options.secretAccessKey } : {}),
      virtualHostedStyle: !options.pathStyle,
    });
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.bounded(`put ${key}`, () => this.client.write(key, body));
    const stat = await this.bounded(`stat ${key}`, () => this.client.stat(key));
    if (stat.size !== body.length) {
      this.stats.failures++;
      throw new RemoteStorageError(`put ${key}: the store holds ${stat.size} bytes, ${body.length} were sent`);
    }
    const etag = String(stat.etag ?? "").replace(/"/g, "");
    if (/^[0-9a-f]{32}$/i.test(etag)) {
      const md5 = new Bun.CryptoHasher("md5").update(body).digest("hex");
      if (md5 !== etag.toLowerCase()) {
        this.stats.failures++;
        throw new RemoteStorageError(`put ${key}: stored ETag ${etag} is not the body's MD5 ${md5}`);
      }
    }
    this.stats.puts++;
    this.stats.putBytes += body.length;
  }

  async getRange(key: string, start: number, endExclusive: number): Promise<Uint8Array> {
    const want = endExclusive - start;
    if (want <= 0) return new Uint8Array(0);
    const bytes = await this.bounded(`get ${key} [${start}, ${endExclusive})`, () => this.client.file(key).slice(start, endExclusive).bytes());
    if (bytes.length !== want) {
      this.stats.failures++;
      throw new RemoteStorageError(`get ${key} [${start}, ${endExclusive}): ${bytes.length} bytes instead of ${want} (truncated body)`);
    }
    this.stats.gets++;
    this.stats.getBytes += bytes.length;
    return bytes;
  }

  async delete(key: string): Promise<void> {
    await this.bounded(`delete ${key}`, () => this.client.delete(key));
    this.stats.deletes++;
  }

  private async bounded<T>(what: string, op: () => Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RemoteStorageError(`${what}: no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      return await Promise.race([op(), timeout]);
    } catch (error) {
      this.stats.failures++;
      if (error instanceof RemoteStorageError) throw error;
      const e = error as { code?: string; message?: string };
      throw new RemoteStorageError(`${what}: ${e?.code ? `${e.code}: ` : ""}${e?.message ?? String(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Reading and writing messages for the viewer, bounded at every step:
 *
 *   positions()  where each chosen partition starts: earliest, latest (the newest `limit`
 *                messages), an offset, or the first offset at/after a timestamp (ListOffsets)
 *   scan()       an async generator over records from those positions up to the log ends as they
 *                were when it started (or on and on for the live tail), one Fetch of at most
 *                CONSOLE_FETCH_MAX_BYTES at a time, partitions in turn — it holds one Fetch answer
 *                at most, so a stream over a topic of any size stays within that buffer
 *   produce()    one record (key, value, headers) to a chosen partition or by key (murmur2, as the
 *                Java client's default partitioner)
 *
 * The records of a fetch are decoded by src/cli/consume.ts's decodeFetched (control batches
 * skipped, compressed batches decompressed under MAX_DECOMPRESSED_BATCH_BYTES).
 */
import { EARLIEST_TIMESTAMP, KafkaError, LATEST_TIMESTAMP, type KafkaClient } from "../../client/index.ts";
import { decodeFetched } from "../../cli/consume.ts";
import { topicMetadata } from "../../cli/kafka.ts";
import { partitionForKey } from "../../cli/records.ts";
import type { ConsumedRecord } from "../../cli/records.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { buildRecordBatch } from "../../protocol/record-batch.ts";
import { CONSOLE_FETCH_MAX_BYTES } from "../../limits.ts";
import { badRequest } from "./errors.ts";
import { offsetsFor } from "./kafka-ops.ts";

export type Start = { kind: "earliest" } | { kind: "latest" } | { kind: "offset"; offset: bigint } | { kind: "timestamp"; timestampMs: bigint };

export interface Position {
  partition: number;
  leader: number;
  offset: bigint;
  earliest: bigint;
  /** The log end when the read started. */
  end: bigint;
}

/** Byte accounting of the reads in flight (what a stream holds at most is one Fetch answer). */
export class ReadStats {
  heldBytes = 0;
  peakHeldBytes = 0;
  fetches = 0;
  hold(n: number): void {
    this.heldBytes += n;
    if (this.heldBytes > this.peakHeldBytes) this.peakHeldBytes = this.heldBytes;
  }
  release(n: number): void {
    this.heldBytes -= n;
  }
}

export async function positions(client: KafkaClient, topic: string, partitions: number[] | null, start: Start, perPartitionNewest: number): Promise<Position[]> {
  const t = await topicMetadata(client, topic);
  const chosen = t.partitions.filter((p) => partitions === null || partitions.includes(p.partitionIndex)).sort((a, b) => a.partitionIndex - b.partitionIndex);
  if (partitions !== null) for (const p of partitions) if (!t.partitions.some((x) => x.partitionIndex === p)) throw badRequest(`topic ${topic} has no partition ${p}`);
  const parts = chosen.map((p) => ({ topic, partition: p.partitionIndex, leader: p.leaderId }));
  const [lo, hi, at] = await Promise.all([
    offsetsFor(client, parts, EARLIEST_TIMESTAMP),
    offsetsFor(client, parts, LATEST_TIMESTAMP),
    start.kind === "timestamp" ? offsetsFor(client, parts, start.timestampMs) : Promise.resolve(null),
  ]);
  return parts.map((p) => {
    const k = `${topic}:${p.partition}`;
    const earliest = lo.get(k)?.offset ?? 0n;
    const end = hi.get(k)?.offset ?? earliest;
    let offset: bigint;
    if (start.kind === "earliest") offset = earliest;
    else if (start.kind === "latest") offset = end - BigInt(perPartitionNewest) > earliest ? end - BigInt(perPartitionNewest) : earliest;
    else if (start.kind === "offset") offset = start.offset < earliest ? earliest : start.offset > end ? end : start.offset;
    else offset = at!.get(k)?.offset ?? end;
    return { partition: p.partition, leader: p.leader, offset, earliest, end };
  });
}

/**
 * Records from `pos` (advanced in place) up to each partition's `end`, or past it when `follow`
 * (then each round waits up to followWaitMs for new records). Stops when aborted.
 */
export async function* scan(
  client: KafkaClient,
  topic: string,
  pos: Position[],
  opts: { follow?: boolean; followWaitMs?: number; signal?: AbortSignal; stats?: ReadStats; maxBytes?: number },
): AsyncGenerator<ConsumedRecord[]> {
  const maxBytes = opts.maxBytes ?? CONSOLE_FETCH_MAX_BYTES;
  for (;;) {
    let progressed = false;
    const open = pos.filter((p) => opts.follow || p.offset < p.end);
    if (open.length === 0) return;
    for (const p of open) {
      if (opts.signal?.aborted) return;
      let fetched;
      try {
        fetched = await client.fetch(topic, p.partition, p.offset, { maxBytes, partitionMaxBytes: maxBytes, maxWaitMs: opts.follow ? Math.max(10, Math.floor((opts.followWaitMs ?? 500) / open.length)) : 0 });
      } catch (e) {
        if (e instanceof KafkaError && e.code === ErrorCode.OFFSET_OUT_OF_RANGE) {
          const [lo] = [(await offsetsFor(client, [{ topic, partition: p.partition, leader: await client.leaderOf(topic, p.partition) }], EARLIEST_TIMESTAMP)).get(`${topic}:${p.partition}`)?.offset ?? p.end];
          if (lo <= p.offset) throw e;
          p.offset = lo;
          progressed = true;
          continue;
        }
        if (e instanceof KafkaError && e.retriable) {
          await client.leaderOf(topic, p.partition, true).catch(() => {});
          continue;
        }
        throw e;
      }
      opts.stats && (opts.stats.fetches++, opts.stats.hold(fetched.records?.length ?? 0));
      try {
        const { records, next } = decodeFetched(topic, p.partition, fetched.records, p.offset);
        if (next > p.offset) progressed = true;
        p.offset = next;
        if (fetched.highWatermark > p.end && opts.follow) p.end = fetched.highWatermark;
        const kept = opts.follow ? records : records.filter((r) => r.offset < p.end);
        if (!opts.follow && p.offset >= p.end) p.offset = p.end > p.offset ? p.offset : p.offset;
        if (kept.length) yield kept;
      } finally {
        opts.stats?.release(fetched.records?.length ?? 0);
      }
    }
    // A partition whose fetch gave nothing new (e.g. only aborted data up to a stable offset) ends a bounded read.
    if (!progressed && !opts.follow) return;
  }
}

export type BytesFormat = "text" | "json" | "base64" | "hex";
export const BYTES_FORMATS: BytesFormat[] = ["text", "json", "base64", "hex"];

export function encodeBytes(v: string | null, format: BytesFormat, what: string): Uint8Array | null {
  if (v === null) return null;
  switch (format) {
    case "text":
      return new TextEncoder().encode(v);
    case "json":
      try {
        return new TextEncoder().encode(JSON.stringify(JSON.parse(v)));
      } catch (e) {
        throw badRequest(`${what} is not JSON: ${(e as Error).message}`);
      }
    case "base64":
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw badRequest(`${what} is not base64`);
      return new Uint8Array(Buffer.from(v, "base64"));
    case "hex":
      if (!/^([0-9a-fA-F]{2})*$/.test(v)) throw badRequest(`${what} is not hex (pairs of 0-9a-f)`);
      return new Uint8Array(Buffer.from(v, "hex"));
  }
}

export async function produce(
  client: KafkaClient,
  topic: string,
  rec: { partition: number | null; key: Uint8Array | null; value: Uint8Array | null; headers: { key: string; value: Uint8Array | null }[] },
): Promise<{ partition: number; offset: string }> {
  const t = await topicMetadata(client, topic);
  const n = t.partitions.length;
  let partition = rec.partition;
  if (partition === null) partition = rec.key ? partitionForKey(rec.key, n) : Math.floor(Math.random() * n);
  if (partition < 0 || partition >= n) throw badRequest(`topic ${topic} has ${n} partitions (0 to ${n - 1}), not ${partition}`);
  const batch = buildRecordBatch({ records: [{ key: rec.key, value: rec.value, headers: rec.headers, timestampMs: BigInt(Date.now()) }] });
  const r = await client.produce(topic, partition, batch, { acks: -1 });
  return { partition, offset: r!.baseOffset.toString() };
}

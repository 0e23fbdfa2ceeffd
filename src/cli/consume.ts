/**
 * `takhin consume <topic>`: reads partitions from a start position to the log end as it was when
 * the command started (or on and on with --follow), printing one record per line in --format.
 *
 * Start: --offset earliest|latest|N (N < 0: |N| records before the end), --timestamp MS (the first
 * offset at or after it, ListOffsets), --from-end (same as latest); default earliest. With --group,
 * partitions start at the group's committed offsets where it has some, and the next offsets are
 * committed at the end (and every poll round with --follow) as a standalone consumer (generation
 * -1, as Java's consumer does with assign() and a group id) — the group must have no active
 * members, as Kafka requires. Control batches (transaction markers) are skipped; compressed
 * batches are decompressed (bounded by MAX_DECOMPRESSED_BATCH_BYTES).
 */
import { EARLIEST_TIMESTAMP, KafkaError, LATEST_TIMESTAMP, type KafkaClient } from "../client/index.ts";
import { batchRecords } from "../compression/index.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { CONTROL_BIT, iterateRecords, readBatchHeader, BATCH_HEADER_BYTES } from "../protocol/record-batch.ts";
import { UsageError } from "./args.ts";
import { bool, int, int64, str, type Context, type Leaf } from "./command.ts";
import { commitOffsets, fetchOffsets, groupCoordinator, topicMetadata, withLeaderRetry } from "./kafka.ts";
import { CLI_FETCH_MAX_BYTES, CLI_FOLLOW_MAX_WAIT_MS } from "./limits.ts";
import { formatFlag } from "./produce.ts";
import { type ConsumedRecord, formatRecord } from "./records.ts";

const LOG_APPEND_TIME_BIT = 0x08;

interface Position {
  partition: number;
  offset: bigint;
  /** Where reading stops without --follow (the log end when the command started). */
  end: bigint;
  consumed: boolean;
}

/** The records of a Fetch response's records bytes at or after `from`; `next` is where to go on. */
export function decodeFetched(topic: string, partition: number, bytes: Uint8Array | null, from: bigint): { records: ConsumedRecord[]; next: bigint } {
  const out: ConsumedRecord[] = [];
  let next = from;
  if (!bytes) return { records: out, next };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  while (pos + 12 <= bytes.length) {
    const total = 12 + view.getInt32(pos + 8);
    if (total < BATCH_HEADER_BYTES || pos + total > bytes.length) break; // a partial batch at the end
    const batch = bytes.subarray(pos, pos + total);
    pos += total;
    const h = readBatchHeader(batch, 0);
    const last = h.baseOffset + BigInt(h.lastOffsetDelta);
    if (last + 1n > next) next = last + 1n;
    if (h.magic !== 2 || (h.attributes & CONTROL_BIT) !== 0) continue;
    for (const r of iterateRecords(batchRecords(batch), h.recordCount)) {
      const offset = h.baseOffset + BigInt(r.offsetDelta);
      if (offset < from) continue;
      const timestamp = (h.attributes & LOG_APPEND_TIME_BIT) !== 0 ? h.maxTimestamp : h.baseTimestamp + r.timestampDelta;
      out.push({ topic, partition, offset, timestamp, key: r.key, value: r.value, headers: r.headers });
    }
  }
  return { records: out, next };
}

async function startOffset(ctx: Context, client: KafkaClient, topic: string, partition: number, earliest: bigint, latest: bigint): Promise<bigint> {
  const ts = int64(ctx, "timestamp");
  if (ts !== undefined) {
    const r = await withLeaderRetry(client, topic, () => client.listOffsets(topic, partition, ts));
    return r.offset < 0n ? latest : r.offset;
  }
  if (bool(ctx, "from-end")) return latest;
  const o = str(ctx, "offset") ?? "earliest";
  if (o === "earliest" || o === "beginning") return earliest;
  if (o === "latest" || o === "end") return latest;
  const n = BigInt(o);
  if (n < 0n) return latest + n < earliest ? earliest : latest + n;
  return n < earliest ? earliest : n > latest ? latest : n;
}

async function consume(ctx: Context): Promise<void> {
  const topic = ctx.positionals[0]!;
  const format = formatFlag(ctx, ctx.json ? "json" : "text");
  const offsetFlag = str(ctx, "offset");
  if (offsetFlag !== undefined && !/^(earliest|beginning|latest|end|-?\d+)$/.test(offsetFlag)) throw new UsageError("--offset must be earliest, latest or a number");
  const starts = [offsetFlag !== undefined, int64(ctx, "timestamp") !== undefined, bool(ctx, "from-end")].filter(Boolean).length;
  if (starts > 1) throw new UsageError("give only one of --offset, --timestamp, --from-end");
  const count = int(ctx, "count");
  if (count !== undefined && count < 1) throw new UsageError("--count must be at least 1");
  const only = int(ctx, "partition");
  const follow = bool(ctx, "follow");
  const group = str(ctx, "group");

  const client = await ctx.client();
  const md = await withLeaderRetry(client, topic, () => topicMetadata(client, topic));
  const ids = md.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b);
  if (only !== undefined && !ids.includes(only)) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${only} (the topic has ${ids.length} partitions)`);
  const chosen = only === undefined ? ids : [only];

  const coordinator = group === undefined ? -1 : await groupCoordinator(client, group);
  const committed = new Map<number, bigint>();
  if (group !== undefined) for (const c of await fetchOffsets(client, group, coordinator, [{ name: topic, partitions: chosen }])) committed.set(c.partition, c.offset);

  const positions: Position[] = [];
  for (const p of chosen) {
    const earliest = (await withLeaderRetry(client, topic, () => client.listOffsets(topic, p, EARLIEST_TIMESTAMP))).offset;
    const latest = (await withLeaderRetry(client, topic, () => client.listOffsets(topic, p, LATEST_TIMESTAMP))).offset;
    const c = committed.get(p);
    const offset = c !== undefined && starts === 0 ? c : await startOffset(ctx, client, topic, p, earliest, latest);
    positions.push({ partition: p, offset, end: latest, consumed: false });
  }

  let stop = false;
  void ctx.interrupted.then(() => {
    stop = true;
  });
  let printed = 0;
  const commit = async () => {
    if (group === undefined) return;
    const moved = positions.filter((p) => p.consumed);
    if (moved.length > 0) await commitOffsets(client, group, coordinator, moved.map((p) => ({ topic, partition: p.partition, offset: p.offset })));
  };
  const waitMs = Math.max(10, Math.floor(CLI_FOLLOW_MAX_WAIT_MS / positions.length));
  while (!stop) {
    const active = follow ? positions : positions.filter((p) => p.offset < p.end);
    if (active.length === 0) break;
    for (const pos of active) {
      if (stop) break;
      let fetched;
      try {
        fetched = await withLeaderRetry(client, topic, () => client.fetch(topic, pos.partition, pos.offset, { maxWaitMs: follow ? waitMs : 0, maxBytes: CLI_FETCH_MAX_BYTES }));
      } catch (error) {
        // Records removed by retention under our feet: go on from the log start.
        if (error instanceof KafkaError && error.code === ErrorCode.OFFSET_OUT_OF_RANGE) {
          pos.offset = (await client.listOffsets(topic, pos.partition, EARLIEST_TIMESTAMP)).offset;
          continue;
        }
        throw error;
      }
      const before = pos.offset;
      const { records, next } = decodeFetched(topic, pos.partition, fetched.records, pos.offset);
      for (const r of records) {
        if (!follow && r.offset >= pos.end) break;
        ctx.out.write(formatRecord(r, format) + "\n");
        pos.offset = r.offset + 1n;
        pos.consumed = true;
        if (count !== undefined && ++printed >= count) {
          stop = true;
          break;
        }
      }
      if (stop) break;
      // Past control batches and records before the start offset (within a batch).
      if (next > pos.offset) {
        pos.offset = follow || next < pos.end ? next : pos.end > pos.offset ? pos.end : pos.offset;
        pos.consumed = true;
      }
      // No progress without --follow (nothing readable below the end): done with the partition.
      if (!follow && pos.offset === before) pos.end = pos.offset;
    }
    if (follow) await commit();
  }
  await commit();
}

export const consumeCommand: Leaf = {
  name: "consume",
  summary: "print records of a topic, one per line",
  flags: [
    { name: "offset", kind: "string", value: "earliest|latest|N", help: "where to start (default earliest; N < 0: |N| before the end)" },
    { name: "timestamp", kind: "int64", value: "MS", help: "start at the first record at or after this time (ms since the epoch)" },
    { name: "from-end", kind: "bool", help: "start at the end (only new records; with --follow)" },
    { name: "partition", kind: "int", value: "N", help: "only this partition (default all)" },
    { name: "follow", kind: "bool", help: "keep waiting for new records until interrupted" },
    { name: "count", kind: "int", value: "N", help: "stop after N records" },
    { name: "format", kind: "string", value: "text|json|base64", help: "output format (default text; json with --json)" },
    { name: "group", kind: "string", value: "GROUP", help: "start at the group's committed offsets and commit the next ones" },
  ],
  positionals: [{ name: "topic", required: true }],
  details: "Without --follow it stops at the log end as it was at the start. --json prints JSON lines.",
  run: consume,
};

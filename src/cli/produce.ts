/**
 * `takhin produce <topic>`: one record per input line (stdin, or --file), in the line format of
 * --format (records.ts). Records are grouped per partition into v2 batches of at most
 * CLI_MAX_BATCH_RECORDS records / CLI_MAX_BATCH_BYTES bytes and sent in input order per partition.
 * The partition is --partition, else the line's "partition" (json), else the key's murmur2
 * partition (Kafka's default partitioner), else round-robin over the partitions by batch.
 */
import { KafkaError } from "../client/index.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { buildRecordBatch, type NewRecord } from "../protocol/record-batch.ts";
import { UsageError } from "./args.ts";
import { int, keyValues, str, strs, type Context, type Leaf } from "./command.ts";
import { topicMetadata, withLeaderRetry } from "./kafka.ts";
import { CLI_MAX_BATCH_BYTES, CLI_MAX_BATCH_RECORDS, CLI_MAX_HEADERS } from "./limits.ts";
import { FORMATS, type Format, lines, parseLine, partitionForKey } from "./records.ts";

const enc = new TextEncoder();
const ACKS: Record<string, -1 | 0 | 1> = { all: -1, "-1": -1, "1": 1, "0": 0 };

export function formatFlag(ctx: Context, fallback: Format): Format {
  const f = str(ctx, "format");
  if (f === undefined) return fallback;
  if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}`);
  return f as Format;
}

interface PartitionResult {
  partition: number;
  records: number;
  first_offset: bigint | null;
  last_offset: bigint | null;
}

async function produce(ctx: Context): Promise<void> {
  const topic = ctx.positionals[0]!;
  const format = formatFlag(ctx, "text");
  const acksName = str(ctx, "acks") ?? "all";
  const acks = ACKS[acksName];
  if (acks === undefined) throw new UsageError("--acks must be all, 1 or 0");
  const headerList = keyValues(strs(ctx, "header"), "--header");
  if (headerList.length > CLI_MAX_HEADERS) throw new UsageError(`more than ${CLI_MAX_HEADERS} headers`);
  const defaults = { key: str(ctx, "key") === undefined ? null : enc.encode(str(ctx, "key")!), headers: headerList.map(([key, v]) => ({ key, value: enc.encode(v) })) };
  const fixed = int(ctx, "partition");
  if (fixed !== undefined && fixed < 0) throw new UsageError("--partition must be >= 0");
  const file = str(ctx, "file");
  let input = ctx.stdin;
  if (file !== undefined) {
    const f = Bun.file(file);
    if (!(await f.exists())) throw new UsageError(`--file ${file}: no such file`);
    input = f.stream();
  }

  const client = await ctx.client();
  const partitionCount = (await withLeaderRetry(client, topic, () => topicMetadata(client, topic))).partitions.length;
  if (fixed !== undefined && fixed >= partitionCount) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${fixed} (the topic has ${partitionCount} partitions)`);

  const results = new Map<number, PartitionResult>();
  const pending = new Map<number, { records: NewRecord[]; bytes: number }>();
  let roundRobin = 0;
  const send = async (partition: number) => {
    const batch = pending.get(partition);
    if (!batch || batch.records.length === 0) return;
    pending.delete(partition);
    const bytes = buildRecordBatch({ records: batch.records });
    const r = await withLeaderRetry(client, topic, () => client.produce(topic, partition, bytes, { acks }));
    const res = results.get(partition) ?? { partition, records: 0, first_offset: null, last_offset: null };
    res.records += batch.records.length;
    if (r !== null && r.baseOffset >= 0n) {
      if (res.first_offset === null) res.first_offset = r.baseOffset;
      res.last_offset = r.baseOffset + BigInt(batch.records.length - 1);
    }
    results.set(partition, res);
  };

  let lineNo = 0;
  for await (const line of lines(input)) {
    lineNo++;
    if (line.length === 0 && format !== "text") continue;
    const rec = parseLine(line, format, lineNo, defaults);
    let partition = fixed ?? rec.partition;
    if (partition !== undefined && partition >= partitionCount) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `line ${lineNo}: ${topic}-${partition} (the topic has ${partitionCount} partitions)`);
    if (partition === undefined) partition = rec.key !== null ? partitionForKey(rec.key, partitionCount) : roundRobin % partitionCount;
    const batch = pending.get(partition) ?? { records: [], bytes: 0 };
    batch.records.push({ key: rec.key, value: rec.value, headers: rec.headers, timestampMs: BigInt(Date.now()) });
    batch.bytes += (rec.key?.length ?? 0) + (rec.value?.length ?? 0);
    pending.set(partition, batch);
    if (batch.records.length >= CLI_MAX_BATCH_RECORDS || batch.bytes >= CLI_MAX_BATCH_BYTES) {
      await send(partition);
      if (rec.key === null && fixed === undefined && rec.partition === undefined) roundRobin++;
    }
  }
  for (const p of [...pending.keys()]) await send(p);

  const rows = [...results.values()].sort((a, b) => a.partition - b.partition);
  const total = rows.reduce((n, r) => n + r.records, 0);
  if (ctx.json) ctx.out.json({ topic, records: total, partitions: rows });
  else {
    ctx.out.table(["PARTITION", "RECORDS", "FIRST-OFFSET", "LAST-OFFSET"], rows.map((r) => [r.partition, r.records, r.first_offset, r.last_offset]));
    ctx.out.err(`produced ${total} record${total === 1 ? "" : "s"} to ${topic}`);
  }
}

export const produceCommand: Leaf = {
  name: "produce",
  summary: "produce records, one per input line",
  flags: [
    { name: "file", kind: "string", value: "PATH", help: "read lines from a file instead of stdin" },
    { name: "format", kind: "string", value: "text|json|base64", help: "the line format (default text)" },
    { name: "key", kind: "string", value: "KEY", help: "the key of every record (json lines may carry their own)" },
    { name: "header", kind: "strings", value: "key=value", help: "a header on every record" },
    { name: "partition", kind: "int", value: "N", help: "the partition (default: by key, else round-robin)" },
    { name: "acks", kind: "string", value: "all|1|0", help: "acknowledgements to wait for (default all)" },
  ],
  positionals: [{ name: "topic", required: true }],
  details: [
    "Line formats:",
    "  text    the line is the value (UTF-8)",
    '  json    {"key": "k", "value": "v", "headers": {"h": "x"}, "partition": 0} (all optional)',
    "  base64  the line is the value in base64",
  ].join("\n"),
  run: produce,
};

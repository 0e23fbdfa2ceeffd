/**
 * A Jepsen-style checker over the history of a replication fault test (issue 15 item 9).
 *
 * ## The history
 * Producers write known records: producer `producer` sends its records to one partition in
 * sequence order (seq 0, 1, 2, ...), each record's value naming (producer, seq) — see `valueOf`
 * and `parseValue`. The test records, per partition:
 *   send  {producer, seq}                 the client was asked to send it
 *   ack   {producer, seq, offset}         the broker acknowledged it (acks=all) at that offset
 *   fail  {producer, seq}                 the client gave up on it (error or unknown outcome)
 *   read  {offset, value}                 reading the partition back found `value` at `offset`
 * Reads are expected to be one complete pass over the partition from `fromOffset` (default 0) to
 * its end (high watermark) after the faults.
 *
 * ## What is reported (per partition and in total, each with a count and a few examples)
 *   lost        an acknowledged record that no read found
 *   moved       an acknowledged record read at another offset than the one acknowledged
 *   duplicated  a record (producer, seq) read at more than one offset
 *   reordered   a producer's record read at a lower offset than one of its earlier-sequence records
 *   gaps        offsets from `fromOffset` to the last read offset that no read covered
 *   unknown     a read value that was never sent (or does not parse)
 * Records that were sent but neither acknowledged nor failed, or failed, may appear once (an
 * unacknowledged write can still have been written): counted as `indeterminateFound`, not an error.
 * `ok` is true when every error count is zero.
 */

export interface SendEvent {
  readonly kind: "send";
  readonly partition: number;
  readonly producer: string;
  readonly seq: number;
}
export interface AckEvent {
  readonly kind: "ack";
  readonly partition: number;
  readonly producer: string;
  readonly seq: number;
  readonly offset: bigint;
}
export interface FailEvent {
  readonly kind: "fail";
  readonly partition: number;
  readonly producer: string;
  readonly seq: number;
}
export interface ReadEvent {
  readonly kind: "read";
  readonly partition: number;
  readonly offset: bigint;
  readonly value: string;
}
export type HistoryEvent = SendEvent | AckEvent | FailEvent | ReadEvent;

/** How many examples each finding keeps (the count is exact). */
export const MAX_EXAMPLES = 10;

export interface Finding {
  count: number;
  examples: string[];
}

export interface PartitionReport {
  partition: number;
  sent: number;
  acked: number;
  read: number;
  indeterminateFound: number;
  lost: Finding;
  moved: Finding;
  duplicated: Finding;
  reordered: Finding;
  gaps: Finding;
  unknown: Finding;
}

export interface HistoryReport {
  ok: boolean;
  partitions: PartitionReport[];
  total: { sent: number; acked: number; read: number; lost: number; moved: number; duplicated: number; reordered: number; gaps: number; unknown: number };
}

const SEP = "#";

/** The value a producer writes for its record `seq` (producer names must not contain '#'). */
export function valueOf(producer: string, seq: number): string {
  if (producer.includes(SEP)) throw new Error(`producer name ${JSON.stringify(producer)} contains ${SEP}`);
  return `${producer}${SEP}${seq}`;
}

export function parseValue(value: string): { producer: string; seq: number } | null {
  const i = value.lastIndexOf(SEP);
  if (i <= 0) return null;
  const seqText = value.slice(i + 1);
  if (!/^\d{1,15}$/.test(seqText)) return null;
  return { producer: value.slice(0, i), seq: Number(seqText) };
}

function finding(): Finding {
  return { count: 0, examples: [] };
}

function note(f: Finding, example: string): void {
  f.count++;
  if (f.examples.length < MAX_EXAMPLES) f.examples.push(example);
}

/** Offsets never covered, as ranges "a..b" (each missing offset counts one). */
function noteGaps(f: Finding, offsets: bigint[], from: bigint): void {
  let expect = from;
  for (const o of offsets) {
    if (o > expect) {
      f.count += Number(o - expect);
      if (f.examples.length < MAX_EXAMPLES) f.examples.push(o - expect === 1n ? `offset ${expect}` : `offsets ${expect}..${o - 1n}`);
    }
    if (o >= expect) expect = o + 1n;
  }
}

function checkPartition(partition: number, events: HistoryEvent[], fromOffset: bigint): PartitionReport {
  const r: PartitionReport = {
    partition,
    sent: 0,
    acked: 0,
    read: 0,
    indeterminateFound: 0,
    lost: finding(),
    moved: finding(),
    duplicated: finding(),
    reordered: finding(),
    gaps: finding(),
    unknown: finding(),
  };
  const sent = new Set<string>();
  const acked = new Map<string, bigint>();
  const reads: ReadEvent[] = [];
  for (const e of events) {
    if (e.kind === "send") {
      r.sent++;
      sent.add(valueOf(e.producer, e.seq));
    } else if (e.kind === "ack") {
      r.acked++;
      acked.set(valueOf(e.producer, e.seq), e.offset);
    } else if (e.kind === "read") reads.push(e);
  }
  r.read = reads.length;
  reads.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));

  // Where each value was read; offsets read twice count as reads of both values.
  const readAt = new Map<string, bigint[]>();
  for (const e of reads) {
    const list = readAt.get(e.value);
    if (list) list.push(e.offset);
    else readAt.set(e.value, [e.offset]);
  }
  for (const [value, offsets] of readAt) {
    const id = parseValue(value);
    if (!id || !sent.has(value)) {
      note(r.unknown, `${JSON.stringify(value)} at ${offsets.join(",")}`);
      continue;
    }
    if (offsets.length > 1) note(r.duplicated, `${value} at offsets ${offsets.join(",")}`);
    if (!acked.has(value)) r.indeterminateFound++;
  }
  for (const [value, offset] of acked) {
    const found = readAt.get(value);
    if (!found) note(r.lost, `${value} (acknowledged at ${offset})`);
    else if (!found.includes(offset)) note(r.moved, `${value} acknowledged at ${offset}, read at ${found.join(",")}`);
  }
  // Per producer, the sequence must rise with the offset (its first occurrence of each record).
  const lastSeq = new Map<string, { seq: number; offset: bigint }>();
  const seen = new Set<string>();
  for (const e of reads) {
    if (seen.has(e.value)) continue;
    seen.add(e.value);
    const id = parseValue(e.value);
    if (!id || !sent.has(e.value)) continue;
    const last = lastSeq.get(id.producer);
    if (last && id.seq < last.seq) note(r.reordered, `${id.producer}: seq ${id.seq} at offset ${e.offset} after seq ${last.seq} at offset ${last.offset}`);
    else lastSeq.set(id.producer, { seq: id.seq, offset: e.offset });
  }
  noteGaps(r.gaps, reads.map((e) => e.offset), fromOffset);
  return r;
}

/** Checks a history; `fromOffset` is where the read-back pass started (per partition, default 0). */
export function checkHistory(events: Iterable<HistoryEvent>, o: { fromOffset?: (partition: number) => bigint } = {}): HistoryReport {
  const byPartition = new Map<number, HistoryEvent[]>();
  for (const e of events) {
    const list = byPartition.get(e.partition);
    if (list) list.push(e);
    else byPartition.set(e.partition, [e]);
  }
  const partitions = [...byPartition.keys()].sort((a, b) => a - b).map((p) => checkPartition(p, byPartition.get(p)!, o.fromOffset?.(p) ?? 0n));
  const sum = (f: (r: PartitionReport) => number) => partitions.reduce((n, r) => n + f(r), 0);
  const total = {
    sent: sum((r) => r.sent),
    acked: sum((r) => r.acked),
    read: sum((r) => r.read),
    lost: sum((r) => r.lost.count),
    moved: sum((r) => r.moved.count),
    duplicated: sum((r) => r.duplicated.count),
    reordered: sum((r) => r.reordered.count),
    gaps: sum((r) => r.gaps.count),
    unknown: sum((r) => r.unknown.count),
  };
  const ok = total.lost + total.moved + total.duplicated + total.reordered + total.gaps + total.unknown === 0;
  return { ok, partitions, total };
}

/** A short text of the report's errors (for a failing test's message). */
export function describeReport(r: HistoryReport): string {
  const lines = [`history: ${JSON.stringify(r.total)}`];
  for (const p of r.partitions) {
    for (const k of ["lost", "moved", "duplicated", "reordered", "gaps", "unknown"] as const) {
      if (p[k].count > 0) lines.push(`  partition ${p.partition} ${k} ${p[k].count}: ${p[k].examples.join("; ")}`);
    }
  }
  return lines.join("\n");
}

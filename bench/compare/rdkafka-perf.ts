/**
 * librdkafka's own benchmark, rdkafka_performance (examples/rdkafka_performance.c), as a client family
 * beside Kafka's perf tools (perf-tools.ts runs both): the producer flat out (`-P`), then the
 * consumer reading the same records once from the beginning of the one partition (`-C -p 0`).
 *
 * The binary is not on Debian; bench/compare/build-rdkafka-performance.ts builds it from Debian's
 * librdkafka source package into RDKAFKA_PERFORMANCE_DEFAULT (outside the repository), or
 * TAKHIN_RDKAFKA_PERFORMANCE names one.
 *
 * Output grammar parsed (`-u`, table output; librdkafka 2.0–2.14): a header line of `|`-separated
 * column names starting with "elapsed", then one line per display interval and, last, the totals.
 *   producer columns: elapsed | msgs | bytes | rtt | dr | dr_m/s | dr_MB/s | dr_err | tx_err | outq | offset
 *   consumer columns: elapsed | msgs | bytes | rtt | m/s | MB/s | rx_err | offset
 * elapsed is in ms; dr counts delivery reports (acknowledged records), dr_err failed ones.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The librdkafka version build-rdkafka-performance.ts builds (Debian sid's source package). */
export const RDKAFKA_PERFORMANCE_VERSION = "2.14.2";
export const RDKAFKA_PERFORMANCE_DEFAULT = join(homedir(), ".cache", "takhin", `rdkafka_performance-${RDKAFKA_PERFORMANCE_VERSION}`, "rdkafka_performance");

/** The binary to run, or null when none is built. */
export function rdkafkaPerformancePath(): string | null {
  const p = process.env.TAKHIN_RDKAFKA_PERFORMANCE || RDKAFKA_PERFORMANCE_DEFAULT;
  return existsSync(p) ? p : null;
}

export interface RdkafkaTotals {
  elapsedMs: number;
  records: number;
  bytes: number;
  recordsPerSec: number;
  MBps: number;
  /** dr_err (producer) or rx_err (consumer). */
  errors: number;
}

/**
 * The totals line of a `-u` run: the last data line after the last header, by column name; null
 * when the output has none (the tool failed before printing a table).
 */
export function parseRdkafkaPerformance(out: string, mode: "producer" | "consumer"): RdkafkaTotals | null {
  const lines = out.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("|"));
  const cells = (l: string) => l.split("|").slice(1).map((s) => s.trim());
  const h = lines.findLastIndex((l) => cells(l)[0] === "elapsed");
  if (h < 0 || h === lines.length - 1) return null;
  const names = cells(lines[h]!);
  const vals = cells(lines[lines.length - 1]!).map(Number);
  const get = (k: string) => {
    const i = names.indexOf(k);
    return i < 0 ? NaN : vals[i]!;
  };
  const r =
    mode === "producer"
      ? { elapsedMs: get("elapsed"), records: get("dr"), bytes: get("bytes"), recordsPerSec: get("dr_m/s"), MBps: get("dr_MB/s"), errors: get("dr_err") }
      : { elapsedMs: get("elapsed"), records: get("msgs"), bytes: get("bytes"), recordsPerSec: get("m/s"), MBps: get("MB/s"), errors: get("rx_err") };
  return Object.values(r).every(Number.isFinite) ? r : null;
}

/** Producer arguments: flat out, `records` of `recordSize` bytes to partition 0, props as -X. */
export function rdkafkaProducerArgs(o: { bootstrap: string; topic: string; records: number; recordSize: number; props: Record<string, string> }): string[] {
  const { acks = "-1", ...rest } = o.props;
  return ["-P", "-t", o.topic, "-p", "0", "-b", o.bootstrap, "-s", String(o.recordSize), "-c", String(o.records), "-a", acks === "all" ? "-1" : acks, "-u", ...Object.entries(rest).flatMap(([k, v]) => ["-X", `${k}=${v}`])];
}

/** Consumer arguments: partition 0 from the beginning until `records` were read. */
export function rdkafkaConsumerArgs(o: { bootstrap: string; topic: string; records: number }): string[] {
  return ["-C", "-t", o.topic, "-p", "0", "-b", o.bootstrap, "-o", "beginning", "-c", String(o.records), "-u"];
}

/**
 * The per-partition checkpoint file `partition.checkpoint`: offsets the log must remember across
 * restarts. Text, one `key value` per line, replaced atomically (temp file, fsync, rename):
 *
 *   takhin-partition-checkpoint 1
 *   recovery-point <offset>      everything below is flushed: recovery scans only from here
 *   log-start-offset <offset>    moved by DeleteRecords and retention
 *   high-watermark <offset>
 *   crc32c <8 hex digits>        CRC-32C of the lines above (with their newlines)
 *
 * A missing or corrupt file yields null: the log then recovers every segment and starts its
 * log start offset at the first segment's base.
 */
import path from "node:path";
import { crc32c } from "../native/index.ts";
import { readTextIfExists, writeFileDurably } from "./file-io.ts";

export const PARTITION_CHECKPOINT_FILE = "partition.checkpoint";
const HEADER = "takhin-partition-checkpoint 1";

export interface PartitionCheckpoint {
  recoveryPoint: number;
  logStartOffset: number;
  highWatermark: number;
}

function body(checkpoint: PartitionCheckpoint): string {
  return (
    `${HEADER}\n` +
    `recovery-point ${checkpoint.recoveryPoint}\n` +
    `log-start-offset ${checkpoint.logStartOffset}\n` +
    `high-watermark ${checkpoint.highWatermark}\n`
  );
}

function crcHex(text: string): string {
  return crc32c(new TextEncoder().encode(text)).toString(16).padStart(8, "0");
}

export function writePartitionCheckpoint(dir: string, checkpoint: PartitionCheckpoint): void {
  const text = body(checkpoint);
  writeFileDurably(path.join(dir, PARTITION_CHECKPOINT_FILE), `${text}crc32c ${crcHex(text)}\n`);
}

export function readPartitionCheckpoint(dir: string): PartitionCheckpoint | null {
  const text = readTextIfExists(path.join(dir, PARTITION_CHECKPOINT_FILE));
  if (text === null) return null;
  const crcLine = text.lastIndexOf("crc32c ");
  if (crcLine < 0) return null;
  const content = text.slice(0, crcLine);
  if (text.slice(crcLine).trim() !== `crc32c ${crcHex(content)}`) return null;
  const lines = content.trim().split("\n");
  if (lines[0] !== HEADER) return null;
  const values = new Map<string, number>();
  for (const line of lines.slice(1)) {
    const [key, value] = line.split(" ");
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0) return null;
    values.set(key, n);
  }
  const recoveryPoint = values.get("recovery-point");
  const logStartOffset = values.get("log-start-offset");
  const highWatermark = values.get("high-watermark");
  if (recoveryPoint === undefined || logStartOffset === undefined || highWatermark === undefined) return null;
  return { recoveryPoint, logStartOffset, highWatermark };
}

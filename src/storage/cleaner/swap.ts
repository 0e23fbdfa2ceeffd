/**
 * Kafka's swap protocol for replacing segments by their cleaned copy, crash-safe at every step.
 *
 * Files (in the partition folder), for a cleaned group of source segments whose offsets lie in
 * [base, end) (`end` = next offset after the last source segment):
 *   `<base20>.<end20>.log.cleaned`  the cleaned copy being written (not yet valid)
 *   `<base20>.<end20>.log.swap`     the complete, fsynced copy, committed to replace the sources
 * Kafka names them `<base>.log.cleaned` / `<base>.log.swap` and recovers the range from the
 * file's last offset; the end is in our name because a cleaned group may end with dropped records,
 * and recovery must know every source segment to delete.
 *
 * Steps: write `.cleaned`, fsync it; rename to `.swap`, fsync the folder (the commit point); delete
 * the source segments (their files are unlinked: mappings held by readers stay valid, as the inode
 * lives on and no mapped file is ever cut); rename `.swap` to `<base20>.log`, fsync the folder; the
 * segment's indexes are rebuilt by a scan when it is loaded.
 *
 * Recovery at open (completeSwaps, before the segments are listed): a `.cleaned` file is deleted
 * (roll back: the sources are intact); a `.swap` file completes its swap: every `.log` segment with
 * base in [base, end) is deleted with its index files, then the swap is renamed.
 */
import fs from "node:fs";
import path from "node:path";
import { fsyncDir } from "../file-io.ts";
import { COMPANION_SUFFIXES, LOG_SUFFIX, parseSegmentFileName, segmentFileName } from "../segment.ts";

export const CLEANED_SUFFIX = ".log.cleaned";
export const SWAP_SUFFIX = ".log.swap";
const RANGE_NAME = /^(\d{20})\.(\d{20})\.log\.(cleaned|swap)$/;

export function cleanedFileName(base: number, end: number): string {
  return `${String(base).padStart(20, "0")}.${String(end).padStart(20, "0")}${CLEANED_SUFFIX}`;
}

export function swapFileName(base: number, end: number): string {
  return `${String(base).padStart(20, "0")}.${String(end).padStart(20, "0")}${SWAP_SUFFIX}`;
}

export function parseRangeFileName(name: string): { base: number; end: number; kind: "cleaned" | "swap" } | null {
  const m = RANGE_NAME.exec(name);
  if (m === null) return null;
  return { base: Number(m[1]), end: Number(m[2]), kind: m[3] as "cleaned" | "swap" };
}

function unlinkSegmentFiles(dir: string, base: number): void {
  for (const suffix of [LOG_SUFFIX, ...COMPANION_SUFFIXES]) fs.rmSync(path.join(dir, segmentFileName(base, suffix)), { force: true });
}

/** Rolls back `.cleaned` files and completes `.swap` files in `dir`. Returns what it did, for logs. */
export function completeSwaps(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const done: string[] = [];
  const swaps: { base: number; end: number; name: string }[] = [];
  for (const name of names) {
    const r = parseRangeFileName(name);
    if (r === null) continue;
    if (r.kind === "cleaned") {
      fs.rmSync(path.join(dir, name), { force: true });
      done.push(`rolled back ${name}`);
    } else {
      swaps.push({ base: r.base, end: r.end, name });
    }
  }
  if (swaps.length === 0) {
    if (done.length > 0) fsyncDir(dir);
    return done;
  }
  const logBases = names.map(parseSegmentFileName).filter((b): b is number => b !== null);
  for (const s of swaps.sort((a, b) => a.base - b.base)) {
    for (const b of logBases) if (b >= s.base && b < s.end) unlinkSegmentFiles(dir, b);
    fs.renameSync(path.join(dir, s.name), path.join(dir, segmentFileName(s.base, LOG_SUFFIX)));
    done.push(`completed swap ${s.name}`);
  }
  fsyncDir(dir);
  return done;
}

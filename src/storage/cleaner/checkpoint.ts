/**
 * `cleaner-offset-checkpoint` in a log directory (Kafka's file of that name and format): the
 * first dirty offset of each compacted partition, i.e. how far the cleaner has cleaned.
 *
 *   line 1: version, 0
 *   line 2: entry count N
 *   N lines: `<topic> <partition> <offset>`
 *
 * Written whole to `cleaner-offset-checkpoint.tmp`, fsynced, renamed over the file, folder fsynced.
 * A missing or unreadable file reads as empty (every log is then dirty from its start: cleaning
 * again is safe, only wasted work).
 */
import fs from "node:fs";
import path from "node:path";
import { fsyncDir } from "../file-io.ts";

export const CLEANER_CHECKPOINT_FILE = "cleaner-offset-checkpoint";
/** Most entries read from the file (one per partition of the directory). */
export const MAX_CLEANER_CHECKPOINT_ENTRIES = 1_000_000;

export function readCleanerCheckpoint(dataDir: string): Map<string, number> {
  const out = new Map<string, number>();
  let text: string;
  try {
    text = fs.readFileSync(path.join(dataDir, CLEANER_CHECKPOINT_FILE), "utf8");
  } catch {
    return out;
  }
  const lines = text.split("\n");
  if (lines[0]?.trim() !== "0") return out;
  const count = Number(lines[1]);
  if (!(Number.isInteger(count) && count >= 0 && count <= MAX_CLEANER_CHECKPOINT_ENTRIES)) return out;
  for (let i = 0; i < count; i++) {
    const m = /^(\S+) (\d+) (\d+)$/.exec(lines[2 + i] ?? "");
    if (m === null) return new Map();
    out.set(`${m[1]}-${m[2]}`, Number(m[3]));
  }
  return out;
}

/** `entries`: "<topic>-<partition>" -> offset (the topic is the part before the last '-'). */
export function writeCleanerCheckpoint(dataDir: string, entries: Map<string, number>): void {
  const lines = ["0", String(entries.size)];
  for (const [key, offset] of entries) {
    const cut = key.lastIndexOf("-");
    lines.push(`${key.slice(0, cut)} ${key.slice(cut + 1)} ${offset}`);
  }
  const file = path.join(dataDir, CLEANER_CHECKPOINT_FILE);
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, lines.join("\n") + "\n");
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(dataDir);
}

/**
 * The clean-shutdown marker `.clean-shutdown` in a partition folder. Written (durably) by close()
 * after every segment was flushed and the checkpoint recorded recovery-point = log end offset;
 * deleted (durably) when the log opens, before anything can be appended. Present at open means the
 * previous process closed the log cleanly, so no segment needs a recovery scan.
 * Content: `log-end-offset <offset>\n` (informational; the checkpoint is what recovery trusts).
 */
import fs from "node:fs";
import path from "node:path";
import { fsyncDir, writeFileDurably } from "./file-io.ts";

export const CLEAN_SHUTDOWN_FILE = ".clean-shutdown";

export function writeCleanShutdownMarker(dir: string, logEndOffset: number): void {
  writeFileDurably(path.join(dir, CLEAN_SHUTDOWN_FILE), `log-end-offset ${logEndOffset}\n`);
}

/** Removes the marker; returns whether it was there. */
export function consumeCleanShutdownMarker(dir: string): boolean {
  // One unlink, no stat first: this runs for every partition at start.
  try {
    fs.unlinkSync(path.join(dir, CLEAN_SHUTDOWN_FILE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
  fsyncDir(dir);
  return true;
}

/**
 * Producer id allocation for idempotent producers. Ids are handed out from blocks; the end of the
 * current block is persisted before any id of it is used, so a crash can skip ids but never hand
 * one out twice.
 *
 * File `<data_dir>/__takhin/producer-ids.json`: { "version": 1, "nextBlockStart": "<int64>" }
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileDurably } from "../storage/index.ts";

export const PRODUCER_ID_BLOCK_SIZE = 1000n;

export class ProducerIdAllocator {
  private readonly path: string;
  private next: bigint;
  private blockEnd: bigint;

  constructor(dataDir: string) {
    const dir = join(dataDir, "__takhin");
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, "producer-ids.json");
    let start = 0n;
    if (existsSync(this.path)) {
      const doc = JSON.parse(readFileSync(this.path, "utf8")) as { nextBlockStart: string };
      start = BigInt(doc.nextBlockStart);
    }
    this.next = start;
    this.blockEnd = start;
  }

  allocate(): bigint {
    if (this.next >= this.blockEnd) {
      this.blockEnd = this.next + PRODUCER_ID_BLOCK_SIZE;
      writeFileDurably(this.path, JSON.stringify({ version: 1, nextBlockStart: this.blockEnd.toString() }));
    }
    return this.next++;
  }
}

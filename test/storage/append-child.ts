/**
 * Child process for the kill -9 test: appends batches to a real log as fast as it can and reports
 * each append on stdout as `appended <baseOffset> <lastOffset> <crc>` after append() returned.
 * Usage: bun test/storage/append-child.ts <dir> <seed>
 */
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { buildBatch, makeRandom } from "./batch-builder.ts";

const [dir, seedText] = process.argv.slice(2);
const random = makeRandom(Number(seedText));
const log = PartitionLog.open(dir, "crash", 0, { segmentBytes: 1024 * 1024, indexIntervalBytes: 4096 });
const encoder = new TextEncoder();
process.stdout.write(`ready ${log.logEndOffset}\n`);
for (;;) {
  const recordCount = 1 + Math.floor(random() * 20);
  const valueBytes = Math.floor(random() * 8000);
  const batch = buildBatch({ recordCount, valueBytes, fill: Math.floor(random() * 200) });
  const crc = new DataView(batch.buffer).getUint32(17);
  const result = log.append(batch);
  Bun.write(Bun.stdout, encoder.encode(`appended ${result.baseOffset} ${result.lastOffset} ${crc}\n`));
  if (result.baseOffset % 64 === 0) await Bun.sleep(0); // let stdout drain
}

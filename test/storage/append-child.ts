/**
 * Child process for the kill -9 test: appends batches to a real log as fast as it can and reports
 * each append on stdout as `appended <baseOffset> <lastOffset> <crc>` once it counts as
 * acknowledged: after append() returned, or, in the "write-behind" mode (AppendOptions.writeBehind,
 * as the Produce path appends), once the log's writtenEndOffset passed it — when a broker answers.
 * Usage: bun test/storage/append-child.ts <dir> <seed> [sync|write-behind]
 */
import { PartitionLog, setWriteBehindPolicy } from "../../src/storage/partition-log.ts";
import { buildBatch, makeRandom } from "./batch-builder.ts";

const [dir, seedText, mode = "sync"] = process.argv.slice(2);
const writeBehind = mode === "write-behind";
// Every append written behind, as the broker with log_write_behind=always.
if (writeBehind) setWriteBehindPolicy("always");
const random = makeRandom(Number(seedText));
const log = PartitionLog.open(dir, "crash", 0, { segmentBytes: 1024 * 1024, indexIntervalBytes: 4096 });
const encoder = new TextEncoder();
process.stdout.write(`ready ${log.logEndOffset}\n`);
/** Appends not reported yet (write-behind): reported in order once written. */
const unreported: { base: number; last: number; crc: number }[] = [];
const report = (base: number, last: number, crc: number) => Bun.write(Bun.stdout, encoder.encode(`appended ${base} ${last} ${crc}\n`));
const reportWritten = () => {
  while (unreported.length > 0 && unreported[0]!.last < log.writtenEndOffset) {
    const r = unreported.shift()!;
    report(r.base, r.last, r.crc);
  }
};
if (writeBehind) log.subscribe(reportWritten);
for (let i = 1; ; i++) {
  const recordCount = 1 + Math.floor(random() * 20);
  const valueBytes = Math.floor(random() * 8000);
  const batch = buildBatch({ recordCount, valueBytes, fill: Math.floor(random() * 200) });
  const crc = new DataView(batch.buffer).getUint32(17);
  const result = log.append(batch, { writeBehind });
  if (writeBehind) {
    unreported.push({ base: result.baseOffset, last: result.lastOffset, crc });
    reportWritten();
    if (i % 16 === 0) await Bun.sleep(0); // let the pool's completions and stdout run
  } else {
    report(result.baseOffset, result.lastOffset, crc);
    if (result.baseOffset % 64 === 0) await Bun.sleep(0); // let stdout drain
  }
}

/**
 * The CI-sized run of scripts/roundtrip-million.ts: 20,000 keyed records per codec produced with
 * `kcat -P -z <codec>` and read back with `kcat -C -e -o beginning`, compared by SHA-256, size and
 * line count. The million-record run is `bun scripts/roundtrip-million.ts`.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { roundTrip, writeInput, type Codec } from "../../scripts/roundtrip-million.ts";
import { removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";

const RECORDS = 20_000;
const KCAT_TIMEOUT_MS = 30_000;

let tb: TestBroker;
let dir: string;
let input: string;

beforeAll(async () => {
  tb = await startTestBroker();
  dir = tempDir("takhin-million-ci-");
  input = join(dir, "input.txt");
  await writeInput(input, RECORDS, 7);
});
afterAll(async () => {
  await tb.stop();
  removeDir(tb.dataDir);
  removeDir(dir);
});

for (const codec of ["none", "gzip", "snappy", "lz4", "zstd"] as Codec[]) {
  test(
    `${RECORDS} records round trip through kcat under ${codec}, byte-exact`,
    async () => {
      const topic = `million-ci-${codec}`;
      tb.broker.context.topics.create(topic, 1);
      const r = await roundTrip({ bootstrap: tb.bootstrap, topic, codec, input, records: RECORDS, dir, timeoutMs: KCAT_TIMEOUT_MS });
      expect({ lines: r.outputLines, bytes: r.outputBytes, sha256: r.outputSha256 }).toEqual({ lines: RECORDS, bytes: r.bytes, sha256: r.inputSha256 });
      // The log holds exactly the records, at offsets 0..N-1.
      const partition = tb.broker.context.partitions.get(topic, 0)!;
      expect({ start: partition.logStartOffset, end: partition.logEndOffset, hwm: partition.highWatermark }).toEqual({ start: 0, end: RECORDS, hwm: RECORDS });
    },
    KCAT_TIMEOUT_MS * 2 + 5_000,
  );
}

/**
 * librdkafka (kcat) reads what we write: the captured kcat batch is recompressed to every codec,
 * the batches are stamped with consecutive base offsets and served by a Fetch stub put into a test
 * broker's registry, and `kcat -C` (with check.crcs) must print every record of every batch.
 * Skipped without kcat.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { recompressBatch } from "../../src/compression/index.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { FindCoordinator } from "../../src/protocol/messages/find-coordinator.ts";
import { readBatchHeader, stampBaseOffset } from "../../src/protocol/record-batch.ts";
import type { Handler } from "../../src/server/registry.ts";
import { removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const KCAT = Bun.which("kcat");
const TOPIC = "compressed-read";
const CODECS = [0, 1, 2, 3, 4];
const fixtures = join(import.meta.dir, "fixtures");
const meta = JSON.parse(readFileSync(join(fixtures, "records.json"), "utf8")) as { records: { key: string; value: string }[] };

let tb: TestBroker | null = null;
let log = new Uint8Array(0);
let endOffset = 0n;

function fetchStub(): Handler {
  return {
    api: Fetch,
    minVersion: 4,
    maxVersion: 12,
    handle(_ctx, req: any) {
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        sessionId: 0,
        responses: req.topics.map((t: any) => ({
          topic: t.topic,
          partitions: t.partitions.map((p: any) => ({
            partitionIndex: p.partition,
            errorCode: 0,
            highWatermark: endOffset,
            lastStableOffset: endOffset,
            logStartOffset: 0n,
            abortedTransactions: [],
            preferredReadReplica: -1,
            // The whole log when asked from the start; nothing once the consumer is at the end.
            records: p.fetchOffset === 0n ? log : new Uint8Array(0),
          })),
        })),
      };
    },
  };
}

beforeAll(async () => {
  if (!KCAT) return;
  const source = new Uint8Array(readFileSync(join(fixtures, "kcat-gzip.bin")));
  const parts: Uint8Array[] = [];
  for (const codec of CODECS) {
    const b = recompressBatch(source, codec);
    stampBaseOffset(b, 0, endOffset); // baseOffset is outside the CRC
    endOffset += BigInt(readBatchHeader(b).lastOffsetDelta + 1);
    parts.push(b);
  }
  log = new Uint8Array(Buffer.concat(parts));
  tb = await startTestBroker({ nodeId: 1 });
  tb.broker.context.topics.create(TOPIC, 1);
  const registry = tb.broker.context.registry;
  registry.replace(fetchStub());
  registry.replace({ api: FindCoordinator, minVersion: 0, maxVersion: 2, handle: () => { throw new Error("not served"); } });
});

afterAll(async () => {
  if (!tb) return;
  await tb.stop();
  removeDir(tb.dataDir);
});

test.skipIf(!KCAT)("kcat consumes batches we compressed with every codec", async () => {
  const proc = Bun.spawn([KCAT!, "-C", "-b", tb!.bootstrap, "-t", TOPIC, "-p", "0", "-o", "0", "-e", "-q", "-X", "check.crcs=true", "-f", "%o %k %s\\n"], { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  expect({ code, err }).toEqual({ code: 0, err: "" });
  const expected = CODECS.flatMap((_, i) => meta.records.map((r, j) => `${i * meta.records.length + j} ${r.key} ${r.value}`));
  expect(out.trimEnd().split("\n")).toEqual(expected);
}, 20_000);

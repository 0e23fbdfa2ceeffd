/** The start-time check of the relationships between limits names each broken one. */
import { describe, expect, test } from "bun:test";
import { MAX_DECOMPRESSED_BATCH_BYTES } from "../../src/compression/index.ts";
import { DEFAULT_FETCH_MAX_BYTES, DEFAULT_MAX_OPEN_SEGMENT_FILES, MAX_REQUEST_FRAME_BYTES, assertLimitRelations } from "../../src/limits.ts";
import { MAX_APPEND_BYTES } from "../../src/storage/index.ts";
import { removeDir, startTestBroker, tempDir } from "../helpers/broker.ts";

const defaults = {
  socketRequestMaxBytes: MAX_REQUEST_FRAME_BYTES,
  maxAppendBytes: MAX_APPEND_BYTES,
  maxDecompressedBatchBytes: MAX_DECOMPRESSED_BATCH_BYTES,
  fetchMaxBytes: DEFAULT_FETCH_MAX_BYTES,
  maxOpenSegmentFiles: DEFAULT_MAX_OPEN_SEGMENT_FILES,
};

describe("assertLimitRelations", () => {
  test("the shipped limits are consistent", () => {
    expect(() => assertLimitRelations(defaults)).not.toThrow();
  });

  test("each broken relationship is named with its values", () => {
    expect(() => assertLimitRelations({ ...defaults, socketRequestMaxBytes: 4096 })).toThrow(/socket\.request\.max\.bytes 4096 is below message\.max\.bytes 1048588/);
    expect(() => assertLimitRelations({ ...defaults, maxAppendBytes: 1 << 20 })).toThrow(/append size 1048576 is below socket\.request\.max\.bytes/);
    expect(() => assertLimitRelations({ ...defaults, maxDecompressedBatchBytes: 1000 })).toThrow(/decompression bound 1000 is below message\.max\.bytes/);
    expect(() => assertLimitRelations({ ...defaults, fetchMaxBytes: 10 })).toThrow(/fetch\.max\.bytes 10 is below 1024/);
  });

  test("a broker whose frame limit cannot carry a default-sized batch does not start, with the reason", async () => {
    let error: unknown = null;
    const dir = tempDir();
    try {
      const tb = await startTestBroker({ socketRequestMaxBytes: 65_536 }, dir);
      await tb.stop();
    } catch (e) {
      error = e;
    }
    removeDir(dir);
    expect(String(error)).toContain("inconsistent limits: socket.request.max.bytes 65536 is below message.max.bytes");
  });
});

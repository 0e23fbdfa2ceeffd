import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import * as lz4 from "lz4-napi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as snappy from "snappy";
import {
  CompressionCodec,
  CompressionError,
  DecompressedSizeError,
  MAX_DECOMPRESSED_BATCH_BYTES,
  batchRecords,
  compress,
  compressSnappyRaw,
  decompress,
  recompressBatch,
} from "../../src/compression/index.ts";
import { XERIAL_MAGIC, zstdFrameScan } from "../../src/compression/frames.ts";
import {
  BATCH_HEADER_BYTES,
  COMPRESSION_MASK,
  buildRecordBatch,
  computeBatchCrc,
  iterateRecords,
  readBatchHeader,
  type BatchHeader,
} from "../../src/protocol/record-batch.ts";

const CODECS = [0, 1, 2, 3, 4] as const;
const NAMES = ["none", "gzip", "snappy", "lz4", "zstd"];
const enc = new TextEncoder();

function jsonish(bytes: number, seed = 1): Uint8Array {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const s = JSON.stringify({ id: i * seed, user: `user-${(i * 7919) % 1000}`, action: ["view", "click", "buy"][i % 3], ts: 1_700_000_000_000 + i * 13, amount: ((i * 31) % 10_000) / 100 });
    parts.push(s);
    size += s.length + 1;
  }
  return enc.encode(parts.join("\n")).subarray(0, bytes);
}

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p += 65536) crypto.getRandomValues(out.subarray(p, Math.min(n, p + 65536)));
  return out;
}

function expectError(fn: () => unknown, cls: abstract new (...args: never[]) => Error = CompressionError): void {
  let caught: unknown = null;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(cls);
}

describe("compress/decompress round trip", () => {
  for (const codec of CODECS) {
    const name = NAMES[codec];
    test(`${name}: random payloads (property)`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 70_000 }), (data) => {
          expect(decompress(codec, compress(codec, data))).toEqual(data);
        }),
        { numRuns: 40 },
      );
    });
    test(`${name}: empty, 1 byte, 1 MiB JSON and 1 MiB random`, () => {
      for (const data of [new Uint8Array(0), Uint8Array.of(0x5a), jsonish(1 << 20), randomBytes(1 << 20)]) {
        const out = decompress(codec, compress(codec, data));
        expect(out.length).toBe(data.length);
        expect(Buffer.compare(out, data)).toBe(0);
      }
    });
  }

  test("unknown codecs are refused", () => {
    for (const codec of [5, 6, 7, -1]) {
      expectError(() => compress(codec, Uint8Array.of(1)));
      expectError(() => decompress(codec, Uint8Array.of(1)));
    }
  });
});

describe("snappy framings", () => {
  const data = jsonish(100_000);

  test("raw snappy (librdkafka style) decodes", () => {
    const raw = compressSnappyRaw(data);
    expect(raw.subarray(0, 8)).not.toEqual(XERIAL_MAGIC);
    expect(decompress(CompressionCodec.snappy, raw)).toEqual(data);
    expect(decompress(CompressionCodec.snappy, snappy.compressSync(Uint8Array.of()))).toEqual(new Uint8Array(0));
  });

  test("xerial stream (snappy-java style) is what we write, with 32 KiB blocks, and decodes", () => {
    const framed = compress(CompressionCodec.snappy, data);
    expect(framed.subarray(0, 16)).toEqual(Uint8Array.of(0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1));
    const view = new DataView(framed.buffer, framed.byteOffset);
    let p = 16;
    let blocks = 0;
    while (p < framed.length) {
      p += 4 + view.getInt32(p);
      blocks++;
    }
    expect(p).toBe(framed.length);
    expect(blocks).toBe(Math.ceil(data.length / 32768));
    expect(decompress(CompressionCodec.snappy, framed)).toEqual(data);
  });

  test("a hand-built xerial stream with blocks from the snappy library decodes", () => {
    const a = enc.encode("hello, ");
    const b = enc.encode("xerial world");
    const ba = snappy.compressSync(a);
    const bb = snappy.compressSync(b);
    const stream = new Uint8Array(16 + 4 + ba.length + 4 + bb.length);
    const v = new DataView(stream.buffer);
    stream.set(XERIAL_MAGIC);
    v.setInt32(8, 1);
    v.setInt32(12, 1);
    v.setInt32(16, ba.length);
    stream.set(ba, 20);
    v.setInt32(20 + ba.length, bb.length);
    stream.set(bb, 24 + ba.length);
    expect(new TextDecoder().decode(decompress(CompressionCodec.snappy, stream))).toBe("hello, xerial world");
    // Header only: an empty stream.
    expect(decompress(CompressionCodec.snappy, stream.subarray(0, 16)).length).toBe(0);
  });
});

describe("lz4 frames", () => {
  const data = jsonish(300_000);

  test("frames from lz4-napi decode, with and without checksums", () => {
    for (const options of [undefined, { contentChecksum: true }, { blockChecksums: true }, { contentChecksum: true, blockChecksums: true }]) {
      const frame = lz4.compressFrameSync(Buffer.from(data), options);
      expect(decompress(CompressionCodec.lz4, frame)).toEqual(data);
    }
  });

  test("we write independent blocks without checksums (what Kafka's Java reader expects)", () => {
    const frame = compress(CompressionCodec.lz4, data);
    expect(new DataView(frame.buffer, frame.byteOffset).getUint32(0, true)).toBe(0x184d2204);
    const flg = frame[4]!;
    expect(flg >> 6).toBe(1);
    expect(flg & 0x20).toBe(0x20); // block independence
    expect(flg & 0x15).toBe(0); // no block checksum, no content checksum, no dictionary
  });

  test("a frame without its EndMark, or with a broken header checksum, is corrupt", () => {
    const frame = compress(CompressionCodec.lz4, data);
    expectError(() => decompress(CompressionCodec.lz4, frame.subarray(0, frame.length - 4)));
    const bad = new Uint8Array(frame);
    bad[6] ^= 0xff; // HC
    expectError(() => decompress(CompressionCodec.lz4, bad));
  });
});

describe("corrupt input", () => {
  test("garbage and truncation give CompressionError for every codec", () => {
    const data = jsonish(50_000);
    for (const codec of [1, 2, 3, 4]) {
      const good = compress(codec, data);
      expectError(() => decompress(codec, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9)));
      expectError(() => decompress(codec, good.subarray(0, good.length >> 1)));
      if (codec !== CompressionCodec.snappy) expectError(() => decompress(codec, new Uint8Array(0)));
    }
    expectError(() => decompress(CompressionCodec.snappy, compressSnappyRaw(data).subarray(0, 1000)));
  });

  test("random mutations never throw anything but CompressionError (property)", () => {
    const data = jsonish(20_000);
    const sources: [number, Uint8Array][] = [1, 2, 3, 4].map((codec) => [codec, compress(codec, data)]);
    // librdkafka's streams too: raw snappy, and zstd without a content size.
    for (const [file, codec] of [["kcat-snappy.bin", 2], ["kcat-zstd.bin", 4], ["kcat-lz4.bin", 3]] as const) {
      sources.push([codec, new Uint8Array(readFileSync(join(import.meta.dir, "fixtures", file))).subarray(BATCH_HEADER_BYTES)]);
    }
    for (const [codec, good] of sources) {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(good.length), (flips, cut) => {
          const bad = new Uint8Array(good.subarray(0, Math.max(1, cut)));
          for (const [pos, x] of flips) if (pos < bad.length) bad[pos]! ^= x;
          try {
            const out = decompress(codec, bad);
            expect(out.length).toBeLessThanOrEqual(MAX_DECOMPRESSED_BATCH_BYTES);
          } catch (error) {
            if (!(error instanceof CompressionError)) throw error;
          }
        }),
        { numRuns: 150 },
      );
    }
  });
});

describe("decompression bounds", () => {
  const zeros = new Uint8Array(1 << 20);

  test("every codec refuses output over a caller-given limit", () => {
    for (const codec of CODECS) {
      const packed = compress(codec, zeros);
      expectError(() => decompress(codec, packed, 64 * 1024), DecompressedSizeError);
      expect(decompress(codec, packed, 1 << 20).length).toBe(1 << 20);
    }
    expectError(() => decompress(CompressionCodec.snappy, compressSnappyRaw(zeros), 1000), DecompressedSizeError);
  });

  test("a raw snappy preamble claiming 4 GiB is refused before decoding", () => {
    expectError(() => decompress(CompressionCodec.snappy, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f, 0)), DecompressedSizeError);
  });

  /** A zstd frame of `blocks` RLE blocks of 128 KiB of 'A', without a content size. */
  function rleFrame(blocks: number): Uint8Array {
    const frame = new Uint8Array(4 + 2 + blocks * 4);
    new DataView(frame.buffer).setUint32(0, 0xfd2fb528, true);
    frame[4] = 0x00; // FHD: no content size, not single segment, no checksum
    frame[5] = (17 - 10) << 3; // window 128 KiB
    for (let i = 0; i < blocks; i++) {
      const last = i === blocks - 1 ? 1 : 0;
      const header = ((128 << 10) << 3) | (1 << 1) | last; // RLE block of 128 KiB
      const p = 6 + i * 4;
      frame[p] = header & 0xff;
      frame[p + 1] = (header >> 8) & 0xff;
      frame[p + 2] = (header >> 16) & 0xff;
      frame[p + 3] = 0x41;
    }
    return frame;
  }

  test("a zstd frame of RLE blocks (256 MiB from 8 KiB, no content size) is refused at the default limit", () => {
    // The frame declares no content size, so its header bound is 256 MiB and inexact: the decoder
    // must take the bounded streaming path and stop at the limit (claimedBytes null) instead of
    // inflating all 256 MiB and then comparing.
    const big = rleFrame(2048);
    const scan = zstdFrameScan(big);
    expect(scan.exact).toBe(false);
    expect(scan.bound).toBe(2048 * (128 << 10));
    expect(scan.bound).toBeGreaterThan(MAX_DECOMPRESSED_BATCH_BYTES);
    let refused: unknown = null;
    try {
      decompress(CompressionCodec.zstd, big);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(DecompressedSizeError);
    expect((refused as DecompressedSizeError).limitBytes).toBe(MAX_DECOMPRESSED_BATCH_BYTES);
    expect((refused as DecompressedSizeError).claimedBytes).toBeNull();
    // A smaller one under the limit decodes to 'A's, by the block-bound path.
    const out = decompress(CompressionCodec.zstd, rleFrame(16));
    expect(out.length).toBe(16 * (128 << 10));
    expect(out[12345]).toBe(0x41);
    // And one whose block bound exceeds a caller limit goes through the streaming-bounded decoder.
    expectError(() => decompress(CompressionCodec.zstd, rleFrame(16), 1 << 20), DecompressedSizeError);
  });

  test("a zstd frame whose declared content size is over the limit is refused from its header", () => {
    const frame = Bun.zstdCompressSync(zeros);
    expect(frame[4]! >> 6).not.toBe(0); // Bun writes the content size
    expectError(() => decompress(CompressionCodec.zstd, frame, 1000), DecompressedSizeError);
    // A forged 8-byte content size of 2^40 on an otherwise empty frame.
    const forged = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 0x01, 0, 0);
    expectError(() => decompress(CompressionCodec.zstd, forged), CompressionError);
  });

  test("gzip and lz4 bombs (256 MiB of zeros) are refused at the default limit", () => {
    const big = new Uint8Array(256 << 20);
    for (const codec of [CompressionCodec.gzip, CompressionCodec.lz4]) {
      const packed = codec === CompressionCodec.gzip ? Bun.gzipSync(big, { level: 1 }) : lz4.compressFrameSync(Buffer.from(big.buffer));
      expectError(() => decompress(codec, packed), DecompressedSizeError);
    }
  });
});

// ---------------------------------------------------------------------------------------------

function sampleBatch(): Uint8Array {
  return buildRecordBatch({
    baseOffset: 1234n,
    partitionLeaderEpoch: 7,
    attributes: 0x10, // transactional, uncompressed
    baseTimestampMs: 1_700_000_000_000n,
    producerId: 99n,
    producerEpoch: 3,
    baseSequence: 42,
    records: [
      { key: enc.encode("k1"), value: jsonish(3000, 1), headers: [{ key: "h", value: enc.encode("v") }], timestampMs: 1_700_000_000_000n },
      { key: null, value: null, timestampMs: 1_700_000_000_005n },
      { key: enc.encode(""), value: jsonish(70_000, 3), headers: [{ key: "n", value: null }], timestampMs: 1_700_000_000_009n },
      { key: enc.encode("k4"), value: Uint8Array.of(), timestampMs: 1_699_999_999_000n },
    ],
  });
}

function recordsOf(batch: Uint8Array) {
  return [...iterateRecords(batchRecords(batch), readBatchHeader(batch).recordCount)];
}

function headerWithout(h: BatchHeader) {
  const { batchLength: _l, crc: _c, attributes, ...rest } = h;
  return { ...rest, attributesWithoutCodec: attributes & ~COMPRESSION_MASK };
}

function expectValid(batch: Uint8Array, codec: number): void {
  const h = readBatchHeader(batch);
  expect(h.batchLength + 12).toBe(batch.length);
  expect(h.attributes & COMPRESSION_MASK).toBe(codec);
  expect(computeBatchCrc(batch, 0, batch.length)).toBe(h.crc);
}

describe("recompressBatch", () => {
  test("every pair of codecs keeps the header and the records, with a valid CRC", () => {
    const plain = sampleBatch();
    const expected = recordsOf(plain);
    const header = headerWithout(readBatchHeader(plain));
    for (const from of CODECS) {
      const source = recompressBatch(plain, from);
      expectValid(source, from);
      for (const to of CODECS) {
        const out = recompressBatch(source, to);
        expectValid(out, to);
        expect(headerWithout(readBatchHeader(out))).toEqual(header);
        expect(recordsOf(out)).toEqual(expected);
      }
    }
  });

  test("the input is not modified and trailing bytes after the batch are ignored", () => {
    const plain = sampleBatch();
    const withTail = new Uint8Array(plain.length + 10);
    withTail.set(plain);
    const copy = new Uint8Array(withTail);
    const out = recompressBatch(withTail, CompressionCodec.zstd);
    expect(withTail).toEqual(copy);
    expectValid(out, CompressionCodec.zstd);
    expect(recordsOf(out)).toEqual(recordsOf(plain));
  });

  test("batchRecords of an uncompressed batch is its records section", () => {
    const plain = sampleBatch();
    expect(batchRecords(plain)).toEqual(plain.subarray(BATCH_HEADER_BYTES));
    expectError(() => batchRecords(plain, 100), DecompressedSizeError);
  });

  test("malformed batches and bad target codecs give CompressionError", () => {
    const plain = sampleBatch();
    expectError(() => batchRecords(plain.subarray(0, 40)));
    const magic1 = new Uint8Array(plain);
    magic1[16] = 1;
    expectError(() => batchRecords(magic1));
    expectError(() => batchRecords(plain.subarray(0, plain.length - 1)));
    expectError(() => recompressBatch(plain, 5));
    const corrupt = recompressBatch(plain, CompressionCodec.gzip);
    corrupt[BATCH_HEADER_BYTES + 20]! ^= 0xff;
    expectError(() => recompressBatch(corrupt, CompressionCodec.none));
  });
});

describe("batches from real clients (captured by capture-fixtures.ts)", () => {
  const dir = join(import.meta.dir, "fixtures");
  const meta = JSON.parse(readFileSync(join(dir, "records.json"), "utf8")) as { records: { key: string; value: string }[]; headers: { key: string; value: string }[] };
  const dec = new TextDecoder();
  const fixtures: [string, number][] = [
    ["kcat-gzip.bin", 1],
    ["kcat-snappy.bin", 2],
    ["kcat-lz4.bin", 3],
    ["kcat-zstd.bin", 4],
    ["kafkajs-gzip.bin", 1],
  ];
  for (const [file, codec] of fixtures) {
    test(`${file}: decodes to the records sent, and recompresses to every codec`, () => {
      const batch = new Uint8Array(readFileSync(join(dir, file)));
      expectValid(batch, codec);
      const records = recordsOf(batch);
      expect(records.map((r) => ({ key: dec.decode(r.key!), value: dec.decode(r.value!) }))).toEqual(meta.records);
      for (const r of records) expect(r.headers.map((h) => ({ key: h.key, value: dec.decode(h.value!) }))).toEqual(meta.headers);
      for (const to of CODECS) {
        const out = recompressBatch(batch, to);
        expectValid(out, to);
        expect(recordsOf(out)).toEqual(records);
      }
    });
  }

  test("librdkafka's snappy is raw; its zstd frame has no content size (the block-bound path)", () => {
    const snappyBatch = new Uint8Array(readFileSync(join(dir, "kcat-snappy.bin")));
    expect(snappyBatch.subarray(BATCH_HEADER_BYTES, BATCH_HEADER_BYTES + 8)).not.toEqual(XERIAL_MAGIC);
    const zstdBatch = new Uint8Array(readFileSync(join(dir, "kcat-zstd.bin")));
    expect(zstdBatch[BATCH_HEADER_BYTES + 4]! >> 6).toBe(0);
  });
});

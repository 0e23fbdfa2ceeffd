/**
 * Compression of v2 record batches. A batch compresses its records section (everything after the
 * 61-byte header) as one stream; attributes bits 0-2 name the codec. The formats on the wire:
 *
 *   1 gzip    one gzip stream (RFC 1952); read with node:zlib, bounded by maxOutputLength while it
 *             inflates; written with Bun.gzipSync at level 6 (java.util.zip's default, as Kafka uses).
 *   2 snappy  read: either the xerial snappy-java stream (Java clients) or one raw snappy block
 *             (librdkafka, franz-go, sarama, kafkajs codecs) — told apart by the xerial magic.
 *             written: the xerial stream with 32 KiB blocks, which every client reads (Java only
 *             reads xerial). Blocks go through the `snappy` package (napi-rs, sync).
 *   3 lz4     the LZ4 frame format with a correct header checksum (KIP-57). Written by `lz4-napi`
 *             (lz4_flex): independent blocks, no block or content checksum — what Kafka's own
 *             Lz4BlockOutputStream writes and what every reader accepts.
 *   4 zstd    one or more zstd frames (RFC 8878); Bun's built-in zstd (sync) compresses at level 3
 *             (zstd's default, Kafka's default) and decompresses.
 *
 * See frames.ts for the byte layouts. Every decompression is bounded: the frame structure is
 * walked first (snappy's length preamble, LZ4 block sizes, zstd content size and block sizes) and
 * the stream is refused before any allocation when it could exceed the limit; gzip (and zstd frames
 * without a content size whose bound is too large) stop inflating at the limit. Malformed input
 * throws CompressionError, an over-limit stream throws DecompressedSizeError (a CompressionError).
 * All functions are synchronous.
 */
import * as lz4 from "lz4-napi";
import zlib from "node:zlib";
import * as snappy from "snappy";
import { crc32c } from "../native/index.ts";
import {
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  BATCH_OFFSET_ATTRIBUTES,
  BATCH_OFFSET_CRC,
  BATCH_OFFSET_LENGTH,
  BATCH_OFFSET_MAGIC,
  COMPRESSION_MASK,
  Compression,
} from "../protocol/record-batch.ts";
import {
  CompressionError,
  DecompressedSizeError,
  XERIAL_HEADER_BYTES,
  XERIAL_MAGIC,
  isXerialSnappy,
  lz4FrameBound,
  snappyDeclaredLength,
  xerialBlocks,
  zstdFrameScan,
} from "./frames.ts";

export { CompressionError, DecompressedSizeError } from "./frames.ts";

/** Codec ids as in attributes bits 0-2. */
export const CompressionCodec = Compression;
export type CompressionCodecId = (typeof Compression)[keyof typeof Compression];

/**
 * Default cap on the decompressed size of one batch's records section. Kafka's own cap is the
 * message.max.bytes of the decompressed batch only indirectly; 64 MiB is well above any batch a
 * client sends (max.message.bytes defaults to 1 MiB) and small enough that a bomb cannot hurt.
 */
export const MAX_DECOMPRESSED_BATCH_BYTES = 64 * 1024 * 1024;

/** Gzip level Kafka uses by default (java.util.zip.Deflater's default). */
export const GZIP_LEVEL = 6;
/** Zstd level Kafka uses by default (zstd's own default). */
export const ZSTD_LEVEL = 3;
/** Uncompressed bytes per xerial block (snappy-java's default block size). */
export const XERIAL_BLOCK_BYTES = 32 * 1024;

export function codecName(codec: number): string {
  for (const [name, id] of Object.entries(Compression)) if (id === codec) return name;
  return `unknown(${codec})`;
}

function unknownCodec(codec: number): never {
  throw new CompressionError(`unknown compression codec ${codec}`);
}

function checkLimit(claimed: number, maxBytes: number): void {
  if (claimed > maxBytes) throw new DecompressedSizeError(maxBytes, claimed);
}

/** Runs a library call, turning whatever it throws into a CompressionError. */
function guarded<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof CompressionError) throw error;
    throw new CompressionError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Bounded zlib-family call: an over-limit output becomes DecompressedSizeError. */
function zlibBounded(what: string, maxBytes: number, fn: (opts: { maxOutputLength: number }) => Uint8Array): Uint8Array {
  try {
    return fn({ maxOutputLength: Math.max(1, maxBytes) });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw new DecompressedSizeError(maxBytes, null);
    throw new CompressionError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

// ---------------------------------------------------------------------------------------------

function gunzip(data: Uint8Array, maxBytes: number): Uint8Array {
  const out = zlibBounded("gzip", maxBytes, (opts) => zlib.gunzipSync(data, opts));
  // maxOutputLength is only an allocation guard; a limit of 0 must still refuse one byte.
  checkLimit(out.length, maxBytes);
  return out;
}

function snappyRaw(block: Uint8Array, maxBytes: number): Uint8Array {
  checkLimit(snappyDeclaredLength(block), maxBytes);
  const out = guarded("snappy", () => snappy.uncompressSync(block, { asBuffer: true }) as Uint8Array);
  return out;
}

function unsnappy(data: Uint8Array, maxBytes: number): Uint8Array {
  if (!isXerialSnappy(data)) return snappyRaw(data, maxBytes);
  const blocks = xerialBlocks(data);
  let total = 0;
  for (const b of blocks) {
    total += snappyDeclaredLength(b);
    checkLimit(total, maxBytes);
  }
  if (blocks.length === 1) return snappyRaw(blocks[0]!, maxBytes);
  const out = new Uint8Array(total);
  let p = 0;
  for (const b of blocks) {
    const part = snappyRaw(b, maxBytes);
    out.set(part, p);
    p += part.length;
  }
  return out;
}

const LZ4_LARGEST_BLOCK_BYTES = 4 << 20;

function unlz4(data: Uint8Array, maxBytes: number): Uint8Array {
  // The bound counts every compressed block as full. Real encoders fill all blocks but the last,
  // so a stream over the limit by less than one (largest) block is decoded and measured exactly;
  // either way no more than maxBytes + 4 MiB is ever allocated.
  const bound = lz4FrameBound(data);
  if (bound > maxBytes + LZ4_LARGEST_BLOCK_BYTES) checkLimit(bound, maxBytes);
  const out = guarded("lz4", () => lz4.decompressFrameSync(data as Buffer));
  checkLimit(out.length, maxBytes);
  return out;
}

function unzstd(data: Uint8Array, maxBytes: number): Uint8Array {
  const scan = zstdFrameScan(data);
  if (scan.exact) checkLimit(scan.bound, maxBytes);
  const out =
    scan.bound <= maxBytes
      ? guarded("zstd", () => Bun.zstdDecompressSync(data))
      : zlibBounded("zstd", maxBytes, (opts) => zlib.zstdDecompressSync(data, opts));
  checkLimit(out.length, maxBytes);
  return out;
}

/**
 * Decompresses `data` written with `codec` (0 returns `data` itself). Refuses, with
 * DecompressedSizeError, output over `maxBytes`; malformed input throws CompressionError.
 */
export function decompress(codec: number, data: Uint8Array, maxBytes: number = MAX_DECOMPRESSED_BATCH_BYTES): Uint8Array {
  switch (codec) {
    case Compression.none:
      checkLimit(data.length, maxBytes);
      return data;
    case Compression.gzip:
      return gunzip(data, maxBytes);
    case Compression.snappy:
      return unsnappy(data, maxBytes);
    case Compression.lz4:
      return unlz4(data, maxBytes);
    case Compression.zstd:
      return unzstd(data, maxBytes);
    default:
      return unknownCodec(codec);
  }
}

// ---------------------------------------------------------------------------------------------

function xerialCompress(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = XERIAL_HEADER_BYTES;
  for (let p = 0; p < data.length; p += XERIAL_BLOCK_BYTES) {
    const block = snappy.compressSync(data.subarray(p, Math.min(data.length, p + XERIAL_BLOCK_BYTES)));
    parts.push(block);
    total += 4 + block.length;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out.set(XERIAL_MAGIC, 0);
  view.setInt32(8, 1); // version
  view.setInt32(12, 1); // minimum compatible version
  let p = XERIAL_HEADER_BYTES;
  for (const block of parts) {
    view.setInt32(p, block.length);
    out.set(block, p + 4);
    p += 4 + block.length;
  }
  return out;
}

/** Compresses `data` with `codec` in the format Kafka expects (0 returns `data` itself). */
export function compress(codec: number, data: Uint8Array): Uint8Array {
  switch (codec) {
    case Compression.none:
      return data;
    case Compression.gzip:
      return Bun.gzipSync(data as Uint8Array<ArrayBuffer>, { level: GZIP_LEVEL });
    case Compression.snappy:
      return xerialCompress(data);
    case Compression.lz4:
      return lz4.compressFrameSync(data as Buffer);
    case Compression.zstd:
      return Bun.zstdCompressSync(data, { level: ZSTD_LEVEL });
    default:
      return unknownCodec(codec);
  }
}

/** Raw snappy (no xerial framing), as librdkafka writes it; for tests and tools. */
export function compressSnappyRaw(data: Uint8Array): Uint8Array {
  return snappy.compressSync(data);
}

// ---------------------------------------------------------------------------------------------

interface BatchView {
  totalBytes: number;
  attributes: number;
  records: Uint8Array;
}

function viewBatch(batch: Uint8Array): BatchView {
  if (batch.length < BATCH_HEADER_BYTES) throw new CompressionError(`batch of ${batch.length} bytes is shorter than its ${BATCH_HEADER_BYTES}-byte header`);
  const v = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const magic = v.getInt8(BATCH_OFFSET_MAGIC);
  if (magic !== 2) throw new CompressionError(`batch magic ${magic}, only v2 batches are handled`);
  const batchLength = v.getInt32(BATCH_OFFSET_LENGTH);
  const totalBytes = BATCH_LOG_OVERHEAD_BYTES + batchLength;
  if (batchLength < BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD_BYTES || totalBytes > batch.length) {
    throw new CompressionError(`batchLength ${batchLength} does not fit the ${batch.length} bytes given`);
  }
  return { totalBytes, attributes: v.getInt16(BATCH_OFFSET_ATTRIBUTES), records: batch.subarray(BATCH_HEADER_BYTES, totalBytes) };
}

/**
 * The uncompressed records section of a v2 batch (a view into `batch` when it is uncompressed).
 * Throws DecompressedSizeError past `maxBytes`, CompressionError on a malformed batch or stream.
 */
export function batchRecords(batch: Uint8Array, maxBytes: number = MAX_DECOMPRESSED_BATCH_BYTES): Uint8Array {
  const b = viewBatch(batch);
  return decompress(b.attributes & COMPRESSION_MASK, b.records, maxBytes);
}

/**
 * A new batch whose records section is recompressed with `targetCodec` (0 = uncompressed). Every
 * header field is kept except the codec bits of attributes, batchLength and the CRC, which are
 * recomputed. Accepts any v2 batch, whatever its codec; the input is not modified.
 */
/**
 * `plainRecords`, when the caller already holds the batch's uncompressed records section (the
 * produce validator does), spares a second decompression.
 */
export function recompressBatch(
  batch: Uint8Array,
  targetCodec: number,
  maxBytes: number = MAX_DECOMPRESSED_BATCH_BYTES,
  plainRecords?: Uint8Array,
): Uint8Array {
  if (codecName(targetCodec).startsWith("unknown")) unknownCodec(targetCodec);
  const b = viewBatch(batch);
  const plain = plainRecords ?? decompress(b.attributes & COMPRESSION_MASK, b.records, maxBytes);
  const records = compress(targetCodec, plain);
  const total = BATCH_HEADER_BYTES + records.length;
  const out = new Uint8Array(total);
  out.set(batch.subarray(0, BATCH_HEADER_BYTES), 0);
  out.set(records, BATCH_HEADER_BYTES);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setInt32(BATCH_OFFSET_LENGTH, total - BATCH_LOG_OVERHEAD_BYTES);
  v.setInt16(BATCH_OFFSET_ATTRIBUTES, (b.attributes & ~COMPRESSION_MASK) | targetCodec);
  v.setUint32(BATCH_OFFSET_CRC, crc32c(out.subarray(BATCH_OFFSET_ATTRIBUTES)));
  return out;
}

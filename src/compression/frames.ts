/**
 * Structural scanners for the compressed formats Kafka batches carry. They walk the framing (never
 * the compressed payload itself), reject truncated or malformed streams, and return an upper bound
 * on the decompressed size, so a caller can refuse a zip bomb before any decompressor allocates.
 *
 * Raw snappy (what librdkafka, franz-go and sarama write for Kafka):
 *   preamble  uncompressed length as an unsigned LEB128 varint (at most 5 bytes, < 2^32)
 *   then      the snappy elements (literals and copies) — decoded by the native library
 *
 * Xerial snappy-java stream (what the Java client's SnappyOutputStream writes):
 *   header    8 bytes: 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
 *             INT32 BE version (1), INT32 BE minimum compatible version (1)
 *   blocks    repeated { INT32 BE compressed length, that many bytes of raw snappy (with preamble) }
 *
 * LZ4 frame (lz4_Frame_format.md v1.6; Kafka uses it for magic >= 1, with the header checksum
 * computed correctly since KIP-57). All integers little-endian.
 *   magic     0x184D2204
 *   FLG       bits 7-6 version (01), bit 5 block independence, bit 4 block checksum,
 *             bit 3 content size, bit 2 content checksum, bit 1 reserved (0), bit 0 dictionary id
 *   BD        bits 6-4 block maximum size (4 = 64 KiB, 5 = 256 KiB, 6 = 1 MiB, 7 = 4 MiB), others 0
 *   [content size UINT64] [dictionary id UINT32]
 *   HC        (xxh32(FLG .. last descriptor byte, seed 0) >> 8) & 0xFF — checked by the decoder
 *   blocks    UINT32 size (high bit set = stored uncompressed; 0 = EndMark), data,
 *             [UINT32 xxh32 block checksum]
 *   after EndMark: [UINT32 content checksum]
 *   Skippable frames: magic 0x184D2A50..0x184D2A5F, UINT32 size, size bytes.
 *
 * Zstandard frame (RFC 8878). All integers little-endian.
 *   magic     0xFD2FB528
 *   FHD       bits 7-6 frame-content-size flag, bit 5 single segment, bit 4 unused, bit 3 reserved (0),
 *             bit 2 content checksum, bits 1-0 dictionary id flag
 *   [window descriptor: 1 byte unless single segment] [dictionary id: 0/1/2/4 bytes]
 *   [frame content size: 0/1/2/4/8 bytes; 1 byte only when single segment; the 2-byte form adds 256]
 *   blocks    3-byte header: bit 0 last block, bits 1-2 type (0 raw, 1 RLE, 2 compressed, 3 reserved),
 *             bits 3-23 block size. Raw: size bytes follow. RLE: 1 byte follows, repeated size times.
 *             Compressed: size bytes follow, regenerating at most min(window size, 128 KiB).
 *   [UINT32 content checksum (low 32 bits of xxh64)]
 *   Skippable frames: magic 0x184D2A50..0x184D2A5F, UINT32 size, size bytes.
 *
 * Gzip (RFC 1952) needs no scanner: node:zlib's maxOutputLength bounds it while it inflates.
 */

/** Thrown for any malformed, truncated or corrupt compressed input (the broker maps it to CORRUPT_MESSAGE). */
export class CompressionError extends Error {
  override name = "CompressionError";
}

/** Thrown when a stream would decompress to more than the allowed number of bytes. */
export class DecompressedSizeError extends CompressionError {
  override name = "DecompressedSizeError";
  constructor(
    readonly limitBytes: number,
    readonly claimedBytes: number | null,
  ) {
    super(
      claimedBytes === null
        ? `decompressed data exceeds the limit of ${limitBytes} bytes`
        : `decompressed data would be ${claimedBytes} bytes, over the limit of ${limitBytes} bytes`,
    );
  }
}

function u32le(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

function u32be(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC_BASE = 0x184d2a50;

// ---------------------------------------------------------------------------------------------
// Snappy

/** The uncompressed length a raw snappy block declares in its preamble; throws if it is malformed. */
export function snappyDeclaredLength(block: Uint8Array): number {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= block.length) throw new CompressionError("snappy: truncated length preamble");
    const byte = block[i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) {
      if (value > 0xffffffff) throw new CompressionError("snappy: length preamble over 2^32");
      return value;
    }
  }
  throw new CompressionError("snappy: length preamble longer than 5 bytes");
}

export const XERIAL_MAGIC = Uint8Array.of(0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00);
export const XERIAL_HEADER_BYTES = 16;

export function isXerialSnappy(data: Uint8Array): boolean {
  if (data.length < XERIAL_MAGIC.length) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** The raw snappy blocks of a xerial stream, in order. Checks every length against the bytes left. */
export function xerialBlocks(data: Uint8Array): Uint8Array[] {
  if (data.length < XERIAL_HEADER_BYTES) throw new CompressionError("snappy-java: truncated stream header");
  const blocks: Uint8Array[] = [];
  let p = XERIAL_HEADER_BYTES;
  while (p < data.length) {
    if (data.length - p < 4) throw new CompressionError("snappy-java: truncated block length");
    const n = u32be(data, p);
    p += 4;
    if (n > data.length - p) throw new CompressionError(`snappy-java: block of ${n} bytes but ${data.length - p} remain`);
    blocks.push(data.subarray(p, p + n));
    p += n;
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// LZ4 frame

export const LZ4_FRAME_MAGIC = 0x184d2204;
const LZ4_BLOCK_MAX_BYTES = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20];
const LZ4_UNCOMPRESSED_BIT = 0x80000000;

/**
 * Walks one or more LZ4 frames (and skippable frames) covering all of `data` and returns an upper
 * bound on the decompressed size. The header checksum and block contents are left to the decoder.
 */
export function lz4FrameBound(data: Uint8Array): number {
  if (data.length === 0) throw new CompressionError("lz4: empty input");
  let p = 0;
  let bound = 0;
  while (p < data.length) {
    if (data.length - p < 4) throw new CompressionError("lz4: truncated magic");
    const magic = u32le(data, p);
    p += 4;
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC_BASE) {
      if (data.length - p < 4) throw new CompressionError("lz4: truncated skippable frame");
      const n = u32le(data, p);
      p += 4;
      if (n > data.length - p) throw new CompressionError("lz4: truncated skippable frame");
      p += n;
      continue;
    }
    if (magic !== LZ4_FRAME_MAGIC) throw new CompressionError(`lz4: bad frame magic 0x${magic.toString(16)}`);
    if (data.length - p < 3) throw new CompressionError("lz4: truncated frame descriptor");
    const flg = data[p]!;
    const bd = data[p + 1]!;
    p += 2;
    if (flg >> 6 !== 1) throw new CompressionError(`lz4: unsupported frame version ${flg >> 6}`);
    if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw new CompressionError("lz4: reserved descriptor bits set");
    const blockMax = LZ4_BLOCK_MAX_BYTES[(bd >> 4) & 7]!;
    if (blockMax === 0) throw new CompressionError(`lz4: bad block maximum size code ${(bd >> 4) & 7}`);
    const blockChecksum = (flg & 0x10) !== 0;
    const contentSizeFlag = (flg & 0x08) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    const dictId = (flg & 0x01) !== 0;
    let contentSize: number | null = null;
    const extra = (contentSizeFlag ? 8 : 0) + (dictId ? 4 : 0) + 1;
    if (data.length - p < extra) throw new CompressionError("lz4: truncated frame descriptor");
    if (contentSizeFlag) {
      contentSize = u32le(data, p) + u32le(data, p + 4) * 2 ** 32;
      p += 8;
    }
    if (dictId) p += 4;
    p += 1; // HC
    let frameBound = 0;
    for (;;) {
      if (data.length - p < 4) throw new CompressionError("lz4: truncated block header (no EndMark)");
      const word = u32le(data, p);
      p += 4;
      if (word === 0) break;
      const size = (word & ~LZ4_UNCOMPRESSED_BIT) >>> 0;
      if (size > blockMax) throw new CompressionError(`lz4: block of ${size} bytes over the frame's maximum ${blockMax}`);
      const need = size + (blockChecksum ? 4 : 0);
      if (need > data.length - p) throw new CompressionError("lz4: truncated block");
      p += need;
      frameBound += (word & LZ4_UNCOMPRESSED_BIT) !== 0 ? size : blockMax;
    }
    if (contentChecksum) {
      if (data.length - p < 4) throw new CompressionError("lz4: truncated content checksum");
      p += 4;
    }
    bound += contentSize !== null ? Math.min(contentSize, frameBound) : frameBound;
  }
  return bound;
}

// ---------------------------------------------------------------------------------------------
// Zstandard frame

export const ZSTD_FRAME_MAGIC = 0xfd2fb528;
const ZSTD_BLOCK_MAX_BYTES = 128 << 10;

export interface ZstdScan {
  /** Upper bound on the decompressed size of all frames. */
  bound: number;
  /** True when every frame declares its content size (then `bound` is exact). */
  exact: boolean;
}

/** Walks one or more zstd frames (and skippable frames) covering all of `data`. */
export function zstdFrameScan(data: Uint8Array): ZstdScan {
  if (data.length === 0) throw new CompressionError("zstd: empty input");
  let p = 0;
  let bound = 0;
  let exact = true;
  while (p < data.length) {
    if (data.length - p < 4) throw new CompressionError("zstd: truncated magic");
    const magic = u32le(data, p);
    p += 4;
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC_BASE) {
      if (data.length - p < 4) throw new CompressionError("zstd: truncated skippable frame");
      const n = u32le(data, p);
      p += 4;
      if (n > data.length - p) throw new CompressionError("zstd: truncated skippable frame");
      p += n;
      continue;
    }
    if (magic !== ZSTD_FRAME_MAGIC) throw new CompressionError(`zstd: bad frame magic 0x${magic.toString(16)}`);
    if (data.length - p < 1) throw new CompressionError("zstd: truncated frame header");
    const fhd = data[p++]!;
    if ((fhd & 0x08) !== 0) throw new CompressionError("zstd: reserved frame header bit set");
    const singleSegment = (fhd & 0x20) !== 0;
    const checksum = (fhd & 0x04) !== 0;
    const dictBytes = [0, 1, 2, 4][fhd & 0x03]!;
    const fcsFlag = fhd >> 6;
    const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!;
    const headerRest = (singleSegment ? 0 : 1) + dictBytes + fcsBytes;
    if (data.length - p < headerRest) throw new CompressionError("zstd: truncated frame header");
    let windowBytes = Infinity;
    if (!singleSegment) {
      const wd = data[p++]!;
      const exponent = wd >> 3;
      const windowBase = 2 ** (10 + exponent);
      windowBytes = windowBase + (windowBase / 8) * (wd & 7);
    }
    p += dictBytes;
    let contentSize: number | null = null;
    if (fcsBytes === 1) contentSize = data[p]!;
    else if (fcsBytes === 2) contentSize = (data[p]! | (data[p + 1]! << 8)) + 256;
    else if (fcsBytes === 4) contentSize = u32le(data, p);
    else if (fcsBytes === 8) contentSize = u32le(data, p) + u32le(data, p + 4) * 2 ** 32;
    p += fcsBytes;
    if (singleSegment && contentSize !== null) windowBytes = contentSize;
    const blockMax = Math.min(windowBytes, ZSTD_BLOCK_MAX_BYTES);
    let frameBound = 0;
    for (;;) {
      if (data.length - p < 3) throw new CompressionError("zstd: truncated block header (no last block)");
      const header = data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16);
      p += 3;
      const last = (header & 1) !== 0;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw new CompressionError("zstd: reserved block type");
      if (type === 1) {
        if (data.length - p < 1) throw new CompressionError("zstd: truncated RLE block");
        p += 1;
        frameBound += size;
      } else {
        if (size > data.length - p) throw new CompressionError("zstd: truncated block");
        if (type === 2 && size > blockMax) throw new CompressionError(`zstd: compressed block of ${size} bytes over the maximum ${blockMax}`);
        p += size;
        frameBound += type === 0 ? size : blockMax;
      }
      if (last) break;
    }
    if (checksum) {
      if (data.length - p < 4) throw new CompressionError("zstd: truncated content checksum");
      p += 4;
    }
    if (contentSize !== null) {
      if (contentSize > frameBound) throw new CompressionError(`zstd: frame declares ${contentSize} bytes but its blocks hold at most ${frameBound}`);
      bound += contentSize;
    } else {
      exact = false;
      bound += frameBound;
    }
  }
  return { bound, exact };
}

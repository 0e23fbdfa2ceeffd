/*
 * CRC-32C (reflected polynomial 0x82F63B78).
 *
 * Everything below works on the raw CRC register (no pre/post inversion); the public function applies
 * the inversions once. On the raw register, a CRC is linear: crc(r, A ++ B) = shift(crc(r, A), |B|)
 * xor crc(0, B), where shift(r, n) is the register after feeding n zero bytes. The hardware path uses
 * this to run three independent streams over three adjacent blocks (the crc32 instruction has a
 * latency of 3 cycles but a throughput of 1 per cycle) and to join them with two shifts. A shift by a
 * fixed block length is linear in the 32 register bits, so it is four table look-ups: the tables hold
 * the images of every byte value in each of the four byte lanes, built at start-up.
 */
#include "crc32c.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define TAKHIN_X86 1
#endif

#define CRC32C_POLY 0x82F63B78u
/* Block lengths of the three-stream loops: long for bulk data, short for the remainder. */
#define LONG_BLOCK_BYTES 8192
#define SHORT_BLOCK_BYTES 256

static uint32_t slice_table[8][256];
static uint32_t shift_long_table[4][256];
static uint32_t shift_short_table[4][256];
static int use_hardware;
static int initialised;

/* Software: slicing-by-8 on the raw register. */
static uint32_t crc_software(uint32_t crc, const uint8_t *p, size_t n) {
  while (n && ((uintptr_t)p & 7)) {
    crc = slice_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    n--;
  }
  while (n >= 8) {
    uint32_t lo;
    uint32_t hi;
    memcpy(&lo, p, 4);
    memcpy(&hi, p + 4, 4);
    lo ^= crc;
    crc = slice_table[7][lo & 0xff] ^ slice_table[6][(lo >> 8) & 0xff] ^
          slice_table[5][(lo >> 16) & 0xff] ^ slice_table[4][lo >> 24] ^
          slice_table[3][hi & 0xff] ^ slice_table[2][(hi >> 8) & 0xff] ^
          slice_table[1][(hi >> 16) & 0xff] ^ slice_table[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) crc = slice_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

/* Register after feeding `zero_bytes` zeros, one byte at a time (used only to build tables). */
static uint32_t feed_zeros(uint32_t crc, size_t zero_bytes) {
  while (zero_bytes--) crc = slice_table[0][crc & 0xff] ^ (crc >> 8);
  return crc;
}

static void build_shift_table(uint32_t table[4][256], size_t zero_bytes) {
  uint32_t bit_image[32];
  for (int bit = 0; bit < 32; bit++) bit_image[bit] = feed_zeros((uint32_t)1 << bit, zero_bytes);
  for (int lane = 0; lane < 4; lane++) {
    for (int value = 0; value < 256; value++) {
      uint32_t image = 0;
      for (int b = 0; b < 8; b++)
        if (value & (1 << b)) image ^= bit_image[lane * 8 + b];
      table[lane][value] = image;
    }
  }
}

static inline uint32_t shift_by_table(uint32_t table[4][256], uint32_t crc) {
  return table[0][crc & 0xff] ^ table[1][(crc >> 8) & 0xff] ^ table[2][(crc >> 16) & 0xff] ^
         table[3][crc >> 24];
}

#ifdef TAKHIN_X86
static inline uint64_t load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

/* Three streams over blocks of block_bytes each, joined by the matching shift table. */
#define THREE_STREAMS(block_bytes, table)                                  \
  while (n >= 3 * (size_t)(block_bytes)) {                                 \
    uint64_t c1 = 0;                                                       \
    uint64_t c2 = 0;                                                       \
    const uint8_t *block_end = p + (block_bytes);                          \
    do {                                                                   \
      c0 = _mm_crc32_u64(c0, load64(p));                                   \
      c1 = _mm_crc32_u64(c1, load64(p + (block_bytes)));                   \
      c2 = _mm_crc32_u64(c2, load64(p + 2 * (block_bytes)));               \
      p += 8;                                                              \
    } while (p < block_end);                                               \
    c0 = shift_by_table(table, (uint32_t)c0) ^ (uint32_t)c1;               \
    c0 = shift_by_table(table, (uint32_t)c0) ^ (uint32_t)c2;               \
    p += 2 * (size_t)(block_bytes);                                        \
    n -= 3 * (size_t)(block_bytes);                                        \
  }

__attribute__((target("sse4.2"))) static uint32_t crc_hardware(uint32_t crc, const uint8_t *p,
                                                                size_t n) {
  uint64_t c0 = crc;
  while (n && ((uintptr_t)p & 7)) {
    c0 = _mm_crc32_u8((uint32_t)c0, *p++);
    n--;
  }
  THREE_STREAMS(LONG_BLOCK_BYTES, shift_long_table)
  THREE_STREAMS(SHORT_BLOCK_BYTES, shift_short_table)
  while (n >= 8) {
    c0 = _mm_crc32_u64(c0, load64(p));
    p += 8;
    n -= 8;
  }
  while (n--) c0 = _mm_crc32_u8((uint32_t)c0, *p++);
  return (uint32_t)c0;
}
#endif

void takhin_crc32c_init(void) {
  if (initialised) return;
  for (uint32_t b = 0; b < 256; b++) {
    uint32_t crc = b;
    for (int bit = 0; bit < 8; bit++) crc = (crc & 1) ? (crc >> 1) ^ CRC32C_POLY : crc >> 1;
    slice_table[0][b] = crc;
  }
  for (int k = 1; k < 8; k++)
    for (int b = 0; b < 256; b++)
      slice_table[k][b] = (slice_table[k - 1][b] >> 8) ^ slice_table[0][slice_table[k - 1][b] & 0xff];
  build_shift_table(shift_long_table, LONG_BLOCK_BYTES);
  build_shift_table(shift_short_table, SHORT_BLOCK_BYTES);
#ifdef TAKHIN_X86
  __builtin_cpu_init();
  use_hardware = __builtin_cpu_supports("sse4.2");
#endif
  initialised = 1;
}

uint32_t takhin_crc32c(uint32_t initial, const uint8_t *data, size_t length) {
  uint32_t crc = ~initial;
#ifdef TAKHIN_X86
  if (use_hardware) return ~crc_hardware(crc, data, length);
#endif
  return ~crc_software(crc, data, length);
}

int takhin_crc32c_hardware(void) { return use_hardware; }

/* Walks Kafka v2 record batches (big-endian header; see src/storage/batch-header.ts). */
#include "scan.h"

#include "crc32c.h"

/* A batch with no records is 61 bytes: batchLength 49. */
#define MIN_BATCH_LENGTH 49
#define HEADER_BYTES 61

static inline int32_t be32(const uint8_t *p) {
  return (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
                   (uint32_t)p[3]);
}

static inline int64_t be64(const uint8_t *p) {
  return (int64_t)(((uint64_t)(uint32_t)be32(p) << 32) | (uint64_t)(uint32_t)be32(p + 4));
}

size_t takhin_scan_batches(const uint8_t *buf, size_t length, size_t from_position,
                           double expected_base_offset, double offset_limit, int verify_crc,
                           double *out, size_t capacity_batches) {
  size_t pos = from_position;
  size_t count = 0;
  int check_expected = expected_base_offset >= 0;
  int64_t expected = check_expected ? (int64_t)expected_base_offset : 0;
  int check_limit = offset_limit >= 0;
  while (count < capacity_batches && pos <= length && length - pos >= HEADER_BYTES) {
    const uint8_t *batch = buf + pos;
    int32_t batch_length = be32(batch + 8);
    if (batch_length < MIN_BATCH_LENGTH || (size_t)batch_length > length - pos - 12) break;
    if (batch[16] != 2) break;
    int64_t base_offset = be64(batch);
    int32_t last_offset_delta = be32(batch + 23);
    if (base_offset < 0 || last_offset_delta < 0) break;
    if (check_expected && base_offset != expected) break;
    int64_t last_offset = base_offset + last_offset_delta;
    if (check_limit && (double)last_offset >= offset_limit) break;
    size_t size_bytes = 12 + (size_t)batch_length;
    if (verify_crc) {
      uint32_t stored = (uint32_t)be32(batch + 17);
      if (takhin_crc32c(0, batch + 21, size_bytes - 21) != stored) break;
    }
    double *slot = out + count * TAKHIN_SCAN_FIELDS;
    slot[0] = (double)pos;
    slot[1] = (double)size_bytes;
    slot[2] = (double)base_offset;
    slot[3] = (double)last_offset;
    slot[4] = (double)be64(batch + 35);
    count++;
    pos += size_bytes;
    expected = last_offset + 1;
  }
  return count;
}

int64_t takhin_floor_u32(const uint32_t *keys, size_t count, double target) {
  int64_t lo = 0;
  int64_t hi = (int64_t)count - 1;
  int64_t found = -1;
  while (lo <= hi) {
    int64_t mid = lo + ((hi - lo) >> 1);
    if ((double)keys[mid] <= target) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

int64_t takhin_floor_f64(const double *keys, size_t count, double target) {
  int64_t lo = 0;
  int64_t hi = (int64_t)count - 1;
  int64_t found = -1;
  while (lo <= hi) {
    int64_t mid = lo + ((hi - lo) >> 1);
    if (keys[mid] <= target) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/* Walks Kafka v2 record batches (big-endian header; layout in src/protocol/batch-layout.ts,
 * as C macros in the generated batch_layout.h). */
#include "scan.h"

#include "batch_layout.h"
#include "crc32c.h"

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
  while (count < capacity_batches && pos <= length && length - pos >= TAKHIN_BATCH_HEADER_BYTES) {
    const uint8_t *batch = buf + pos;
    int32_t batch_length = be32(batch + TAKHIN_BATCH_BATCH_LENGTH);
    if (batch_length < TAKHIN_BATCH_MIN_LENGTH || (size_t)batch_length > length - pos - TAKHIN_BATCH_LOG_OVERHEAD_BYTES) break;
    if (batch[TAKHIN_BATCH_MAGIC] != TAKHIN_BATCH_CURRENT_MAGIC) break;
    int64_t base_offset = be64(batch + TAKHIN_BATCH_BASE_OFFSET);
    int32_t last_offset_delta = be32(batch + TAKHIN_BATCH_LAST_OFFSET_DELTA);
    if (base_offset < 0 || last_offset_delta < 0) break;
    if (check_expected && base_offset != expected) break;
    int64_t last_offset = base_offset + last_offset_delta;
    if (check_limit && (double)last_offset >= offset_limit) break;
    size_t size_bytes = TAKHIN_BATCH_LOG_OVERHEAD_BYTES + (size_t)batch_length;
    if (verify_crc) {
      uint32_t stored = (uint32_t)be32(batch + TAKHIN_BATCH_CRC);
      if (takhin_crc32c(0, batch + TAKHIN_BATCH_CRC_START, size_bytes - TAKHIN_BATCH_CRC_START) != stored) break;
    }
    double *slot = out + count * TAKHIN_SCAN_FIELDS;
    slot[TAKHIN_SCAN_POSITION] = (double)pos;
    slot[TAKHIN_SCAN_SIZE_BYTES] = (double)size_bytes;
    slot[TAKHIN_SCAN_BASE_OFFSET] = (double)base_offset;
    slot[TAKHIN_SCAN_LAST_OFFSET] = (double)last_offset;
    slot[TAKHIN_SCAN_MAX_TIMESTAMP] = (double)be64(batch + TAKHIN_BATCH_MAX_TIMESTAMP);
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

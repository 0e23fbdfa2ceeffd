/* Batch scan and index search over plain memory; see src/native/types.ts for the contract. */
#ifndef TAKHIN_SCAN_H
#define TAKHIN_SCAN_H
#include <stddef.h>
#include <stdint.h>

#include "batch_layout.h" /* TAKHIN_SCAN_FIELDS and the slot order */

/* Returns the number of batches described in `out` (capacity_batches at most). */
size_t takhin_scan_batches(const uint8_t *buf, size_t length, size_t from_position,
                           double expected_base_offset, double offset_limit, int verify_crc,
                           double *out, size_t capacity_batches);

/* Largest i < count with keys[i] <= target, or -1. */
int64_t takhin_floor_u32(const uint32_t *keys, size_t count, double target);
int64_t takhin_floor_f64(const double *keys, size_t count, double target);

#endif

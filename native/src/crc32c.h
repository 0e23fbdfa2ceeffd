/* CRC-32C (Castagnoli): hardware (SSE4.2, three interleaved streams) with a portable fallback. */
#ifndef TAKHIN_CRC32C_H
#define TAKHIN_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/* Builds the tables and picks the implementation; call once before anything else. */
void takhin_crc32c_init(void);
/* CRC-32C of data, continuing from `initial` (the CRC of the bytes before, 0 for none). */
uint32_t takhin_crc32c(uint32_t initial, const uint8_t *data, size_t length);
/* 1 when the SSE4.2 instruction is used. */
int takhin_crc32c_hardware(void);

#endif

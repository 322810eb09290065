/* base/text.h — UTF-8 validation, SHA-256 and small string helpers shared by the
 * readers, the rule host and the store. Pure functions, thread-safe. */
#ifndef TS_BASE_TEXT_H
#define TS_BASE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
 * When false and bad_off is non-NULL, *bad_off is the offset of the first bad byte. */
bool ts_utf8_valid(const char *s, size_t len, size_t *bad_off);

/* Incremental SHA-256 (nettle underneath; the type stays opaque-sized here). */
typedef struct ts_sha256 {
    _Alignas(16) unsigned char state[128];
} ts_sha256;
void ts_sha256_init(ts_sha256 *h);
void ts_sha256_update(ts_sha256 *h, const void *data, size_t len);
/* Writes the UTF-8 of code point u (1 to 4 bytes; bits above the 21st are dropped) and
 * returns the length. */
int ts_utf8_encode(unsigned long u, char out[4]);

/* The value of a hex digit (0-9, a-f, A-F), or -1. */
int ts_hex_digit(char c);

/* Writes 64 lowercase hex digits and a NUL. */
void ts_sha256_hex(ts_sha256 *h, char out[65]);
/* One-shot convenience. */
void ts_sha256_hex_of(const void *data, size_t len, char out[65]);

/* Constant-time comparison of two equal-length byte strings. */
bool ts_ct_equal(const void *a, const void *b, size_t len);

#endif

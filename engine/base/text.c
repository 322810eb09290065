/* base/text.c — UTF-8 validation and SHA-256 (nettle). */
#include <string.h>

#include <nettle/sha2.h>

#include "base/text.h"

_Static_assert(sizeof(struct sha256_ctx) <= sizeof(((ts_sha256 *)0)->state),
               "ts_sha256 too small for nettle's sha256_ctx");

bool ts_utf8_valid(const char *str, size_t len, size_t *bad_off)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned min;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            min = 0x80;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            min = 0x800;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            min = 0x10000;
            cp = c & 0x07;
        } else {
            goto bad;
        }
        if (len - i <= n)
            goto bad;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                goto bad;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto bad;
        i += n + 1;
    }
    return true;
bad:
    if (bad_off)
        *bad_off = i;
    return false;
}

void ts_sha256_init(ts_sha256 *h)
{
    sha256_init((struct sha256_ctx *)h->state);
}

void ts_sha256_update(ts_sha256 *h, const void *data, size_t len)
{
    sha256_update((struct sha256_ctx *)h->state, len, data);
}

void ts_sha256_hex(ts_sha256 *h, char out[65])
{
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest((struct sha256_ctx *)h->state, sizeof d, d);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof d; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}

void ts_sha256_hex_of(const void *data, size_t len, char out[65])
{
    ts_sha256 h;
    ts_sha256_init(&h);
    ts_sha256_update(&h, data, len);
    ts_sha256_hex(&h, out);
}

bool ts_ct_equal(const void *a, const void *b, size_t len)
{
    const unsigned char *x = a, *y = b;
    unsigned char acc = 0;
    for (size_t i = 0; i < len; i++)
        acc |= x[i] ^ y[i];
    return acc == 0;
}

/* base/text.c — UTF-8 validation and repair (triscreen/text.h), SHA-256 (nettle). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include "triscreen/text.h"
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

bool ts_text_valid_utf8(const char *s, size_t len)
{
    return ts_utf8_valid(s ? s : "", s ? len : 0, NULL);
}

/* Length of the well-formed, NUL-free UTF-8 sequence at s[i] (0 when the byte there
 * does not start one). */
static size_t seq_len(const unsigned char *s, size_t len, size_t i)
{
    unsigned c = s[i];
    if (c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || n > len - i || !ts_utf8_valid((const char *)s + i, n, NULL))
        return 0;
    return n;
}

/* Writes the repaired form of s[0..len) to out (when non-NULL); returns its length. */
static size_t repair(const unsigned char *s, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = seq_len(s, len, i);
        if (n) {
            if (out)
                memcpy(out + o, s + i, n);
            o += n;
            i += n;
        } else {
            if (out)
                memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    return o;
}

static bool clean(const char *s, size_t len)
{
    return !memchr(s, '\0', len) && ts_utf8_valid(s, len, NULL);
}

char *ts_text_utf8_sanitize(const char *s, size_t len, size_t *out_len)
{
    if (!s)
        len = 0;
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    size_t n = repair(u, len, NULL);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    repair(u, len, out);
    out[n] = '\0';
    if (out_len)
        *out_len = n;
    return out;
}

const char *ts_text_utf8_sanitize_arena(ts_arena *arena, const char *s, size_t len)
{
    if (!s)
        return "";
    if (clean(s, len))
        return s;
    const unsigned char *u = (const unsigned char *)s;
    size_t n = repair(u, len, NULL);
    char *out = ts_arena_alloc(arena, n + 1);
    if (!out)
        return NULL;
    repair(u, len, out);
    out[n] = '\0';
    return out;
}

/* The per-thread ring of repaired copies behind ts_text_utf8_view. */
#define VIEW_RING 64
typedef struct view_ring {
    char *slot[VIEW_RING];
    size_t next;
} view_ring;

static pthread_key_t view_key;
static pthread_once_t view_once = PTHREAD_ONCE_INIT;
static bool view_key_ok;

static void view_ring_free(void *p)
{
    view_ring *r = p;
    for (size_t i = 0; i < VIEW_RING; i++)
        free(r->slot[i]);
    free(r);
}

static void view_setup(void)
{
    view_key_ok = pthread_key_create(&view_key, view_ring_free) == 0;
}

const char *ts_text_utf8_view(const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    if (ts_utf8_valid(s, len, NULL))
        return s;
    pthread_once(&view_once, view_setup);
    view_ring *r = view_key_ok ? pthread_getspecific(view_key) : NULL;
    if (!r && view_key_ok && (r = calloc(1, sizeof *r)) != NULL &&
        pthread_setspecific(view_key, r) != 0) {
        free(r);
        r = NULL;
    }
    char *copy = r ? ts_text_utf8_sanitize(s, len, NULL) : NULL;
    if (!copy)
        return "\xEF\xBF\xBD";
    free(r->slot[r->next]);
    r->slot[r->next] = copy;
    r->next = (r->next + 1) % VIEW_RING;
    return copy;
}

ts_status ts_text_check(const char *what, const char *s, size_t max, bool single_line, ts_err *err)
{
    if (!s)
        return TS_OK;
    size_t len = strlen(s);
    if (len > max)
        return ts_err_set(err, TS_USAGE, what, "longer than %zu bytes (%zu given)", max, len);
    size_t bad = 0;
    if (!ts_utf8_valid(s, len, &bad))
        return ts_err_set(err, TS_USAGE, what,
                          "not valid UTF-8 (bad byte 0x%02x at offset %zu); check the "
                          "terminal's or the file's encoding",
                          (unsigned)(unsigned char)s[bad], bad);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool line_break = c == '\n' || c == '\r' || c == '\t';
        if ((c < 0x20 && (single_line || !line_break)) || c == 0x7f)
            return ts_err_set(err, TS_USAGE, what,
                              "contains a control character (0x%02x at offset %zu)", (unsigned)c,
                              i);
    }
    return TS_OK;
}

void ts_sha256_init(ts_sha256 *h)
{
    sha256_init((struct sha256_ctx *)h->state);
}

void ts_sha256_update(ts_sha256 *h, const void *data, size_t len)
{
    sha256_update((struct sha256_ctx *)h->state, len, data);
}

int ts_utf8_encode(unsigned long u, char out[4])
{
    if (u < 0x80) {
        out[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        out[0] = (char)(0xC0 | (u >> 6));
        out[1] = (char)(0x80 | (u & 0x3F));
        return 2;
    }
    if (u < 0x10000) {
        out[0] = (char)(0xE0 | (u >> 12));
        out[1] = (char)(0x80 | ((u >> 6) & 0x3F));
        out[2] = (char)(0x80 | (u & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | ((u >> 18) & 0x07));
    out[1] = (char)(0x80 | ((u >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((u >> 6) & 0x3F));
    out[3] = (char)(0x80 | (u & 0x3F));
    return 4;
}

int ts_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
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

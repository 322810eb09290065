/* base/attrname.c — normal form and protected matching of attribute names
 * (base/attrname.h). Uses libunistring (u8_casefold with NFKC, character properties). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "base/attrname.h"
#include "base/text.h"

/* Removed from names: spacing and invisible characters. */
static bool dropped(ucs4_t uc)
{
    return uc_is_property_white_space(uc) || uc_is_property_default_ignorable_code_point(uc);
}

/* Copies s[0..n) without dropped characters into out (room for n bytes). */
static size_t filter(const uint8_t *s, size_t n, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        ucs4_t uc;
        int k = u8_mbtouc(&uc, s + i, n - i);
        if (k <= 0)
            k = 1;
        if (!dropped(uc)) {
            memmove(out + o, s + i, (size_t)k); /* out may be s (in place) */
            o += (size_t)k;
        }
        i += (size_t)k;
    }
    return o;
}

ts_attrname_rc ts__attrname_normalize(const char *s, size_t len, char out[TS_ATTRNAME_BUF],
                                      size_t *out_len)
{
    if (!s)
        return TS_ATTRNAME_INVALID;
    bool ascii = true;
    for (size_t i = 0; i < len && ascii; i++)
        ascii = (unsigned char)s[i] < 0x80;
    if (!ascii && !ts_utf8_valid(s, len, NULL))
        return TS_ATTRNAME_INVALID;
    size_t n = 0;
    if (ascii) {
        /* NFKC and case folding of ASCII are lower-casing; its White_Space characters are
         * \t \n \v \f \r and space, and it has no default-ignorable ones */
        for (size_t i = 0; i < len; i++) {
            char c = s[i];
            if (c == ' ' || (c >= '\t' && c <= '\r'))
                continue;
            if (n == TS_LIMIT_ATTR_NAME)
                return TS_ATTRNAME_LONG;
            out[n++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        }
    } else {
        /* drop invisibles first (a zero-width space must not block a composition), then
         * fold and normalise, then drop what NFKC turned into spaces (U+3000 → U+0020) */
        uint8_t *pre = malloc(len ? len : 1);
        if (!pre)
            return TS_ATTRNAME_INVALID;
        size_t pn = filter((const uint8_t *)s, len, pre);
        uint8_t buf[4 * TS_ATTRNAME_BUF];
        size_t fl = sizeof buf;
        uint8_t *f = u8_casefold(pre, pn, NULL, UNINORM_NFKC, buf, &fl);
        free(pre);
        if (!f)
            return TS_ATTRNAME_INVALID;
        uint8_t *post = f == buf ? buf : malloc(fl ? fl : 1);
        if (!post) {
            free(f);
            return TS_ATTRNAME_INVALID;
        }
        n = filter(f, fl, post);
        ts_attrname_rc rc = n > TS_LIMIT_ATTR_NAME ? TS_ATTRNAME_LONG : TS_ATTRNAME_OK;
        if (rc == TS_ATTRNAME_OK)
            memcpy(out, post, n);
        if (f != buf) {
            free(f);
            free(post);
        }
        if (rc != TS_ATTRNAME_OK)
            return rc;
    }
    if (n == 0)
        return TS_ATTRNAME_EMPTY;
    out[n] = '\0';
    if (out_len)
        *out_len = n;
    return TS_ATTRNAME_OK;
}

/* Cyrillic and Greek letters (after case folding) that are drawn like Latin ones. */
static ucs4_t skeleton(ucs4_t uc)
{
    static const struct {
        uint16_t from;
        char to;
    } map[] = {
        {0x0251, 'a'}, {0x0261, 'g'}, {0x0131, 'i'}, {0x03B1, 'a'}, {0x03B5, 'e'}, {0x03B9, 'i'},
        {0x03BA, 'k'}, {0x03BD, 'v'}, {0x03BF, 'o'}, {0x03C1, 'p'}, {0x03C5, 'u'}, {0x03C7, 'x'},
        {0x0430, 'a'}, {0x0435, 'e'}, {0x043A, 'k'}, {0x043E, 'o'}, {0x0440, 'p'}, {0x0441, 'c'},
        {0x0443, 'y'}, {0x0445, 'x'}, {0x0455, 's'}, {0x0456, 'i'}, {0x0458, 'j'}, {0x04BB, 'h'},
        {0x04CF, 'l'}, {0x0501, 'd'}, {0x051B, 'q'}, {0x051D, 'w'},
    };
    if (uc < 0x0131 || uc > 0x051D)
        return uc;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].from == uc)
            return (ucs4_t)map[i].to;
    return uc;
}

/* ASCII punctuation (general category P): dropped from keys. */
static bool ascii_punct(unsigned char c)
{
    switch (c) {
    case '!':
    case '"':
    case '#':
    case '%':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case ',':
    case '-':
    case '.':
    case '/':
    case ':':
    case ';':
    case '?':
    case '@':
    case '[':
    case '\\':
    case ']':
    case '_':
    case '{':
    case '}':
        return true;
    default:
        return false;
    }
}

void ts__attrname_key(const char *norm, char out[TS_ATTRNAME_BUF])
{
    const uint8_t *s = (const uint8_t *)norm;
    size_t n = 0, o = 0;
    bool ascii = true;
    for (; s[n]; n++)
        ascii = ascii && s[n] < 0x80;
    if (ascii) {
        for (size_t i = 0; i < n && o < TS_LIMIT_ATTR_NAME; i++)
            if (!ascii_punct(s[i]))
                out[o++] = (char)s[i];
        out[o] = '\0';
        return;
    }
    for (size_t i = 0; i < n;) {
        ucs4_t uc;
        int k = u8_mbtouc(&uc, s + i, n - i);
        if (k <= 0)
            k = 1;
        i += (size_t)k;
        if (uc_is_general_category(uc, UC_CATEGORY_P))
            continue;
        uc = skeleton(uc);
        uint8_t enc[6];
        int e = u8_uctomb(enc, uc, (ptrdiff_t)sizeof enc);
        if (e <= 0 || o + (size_t)e > TS_LIMIT_ATTR_NAME)
            break; /* a skeleton is never longer than its normal form */
        memcpy(out + o, enc, (size_t)e);
        o += (size_t)e;
    }
    out[o] = '\0';
}

/* key is term with an English plural ending: +s, +es, y → ies. */
static bool plural_of(const char *key, size_t kl, const char *term, size_t tl)
{
    if (kl == tl + 1 && key[tl] == 's' && memcmp(key, term, tl) == 0)
        return true;
    if (kl == tl + 2 && memcmp(key + tl, "es", 2) == 0 && memcmp(key, term, tl) == 0)
        return true;
    return term[tl - 1] == 'y' && kl == tl + 2 && memcmp(key, term, tl - 1) == 0 &&
           memcmp(key + tl - 1, "ies", 3) == 0;
}

static bool contains(const char *s, size_t n, const char *sub, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(s + i, sub, m) == 0)
            return true;
    return false;
}

static bool term_matches(const char *key, size_t kl, bool key_ascii, const char *term, size_t tl)
{
    if (tl == 0)
        return false;
    if ((unsigned char)term[0] >= 0x80) /* a script without plurals: wherever it appears */
        return !key_ascii && contains(key, kl, term, tl);
    if (term[0] != key[0] || kl < tl || kl > tl + 2)
        return false;
    return (kl == tl && memcmp(key, term, tl) == 0) || plural_of(key, kl, term, tl);
}

static bool key_is_ascii(const char *key, size_t *kl)
{
    bool ascii = true;
    size_t n = 0;
    for (; key[n]; n++)
        ascii = ascii && (unsigned char)key[n] < 0x80;
    *kl = n;
    return ascii;
}

bool ts__attrname_key_matches(const char *key, const char *const *terms, size_t n)
{
    size_t kl;
    bool key_ascii = key_is_ascii(key, &kl);
    if (kl == 0)
        return false;
    for (size_t t = 0; t < n; t++)
        if (term_matches(key, kl, key_ascii, terms[t], strlen(terms[t])))
            return true;
    return false;
}

/* Keys (normal form, skeleton, no punctuation) of the special categories of personal
 * data that rules must never key on. Health is covered only by care categories
 * (VOCABULARY.md: care_level), so free health fields are here. */
const char *const ts__attrname_defaults[] = {
    "ethnicity", "ethnic", "ethnicgroup", "ethnicorigin", "ethnicbackground", "race",
    "racialorigin", "racialgroup", "religion", "religious", "religiousbelief", "religiousgroup",
    "faith", "philosophicalbelief", "politics", "political", "politicalparty", "politicalopinion",
    "politicalview", "politicalaffiliation", "partymembership", "partymember", "partyaffiliation",
    "sexualorientation", "sexuality", "sexlife", "unionmembership", "unionmember", "tradeunion",
    "tradeunionmember", "tradeunionmembership", "geneticdata", "genetic", "biometric",
    "biometricdata", "healthcondition", "medicalcondition", "diagnosis",
    /* Chinese: ethnicity, race, religion, belief, political status, party member,
     * party affiliation, political party, sexual orientation, genes, biometrics, health
     * condition, medical history, trade union */
    "民族", "种族", "宗教", "信仰", "政治面貌", "党员", "党派", "政党", "性取向", "性倾向", "基因",
    "生物识别", "健康状况", "病史", "工会"};
const size_t ts__attrname_n_defaults =
    sizeof ts__attrname_defaults / sizeof ts__attrname_defaults[0];

/* The defaults with their lengths, and the first bytes they start with (most names
 * are ruled out by that one lookup). */
typedef struct term {
    const char *s;
    size_t len;
} term;
static term default_terms[sizeof ts__attrname_defaults / sizeof ts__attrname_defaults[0]];
static size_t by_first[257]; /* default_terms[by_first[b] .. by_first[b + 1]) start with b */
static pthread_once_t terms_once = PTHREAD_ONCE_INIT;

static void terms_setup(void)
{
    size_t k = 0;
    for (unsigned b = 0; b < 256; b++) {
        by_first[b] = k;
        for (size_t i = 0; i < ts__attrname_n_defaults; i++) {
            if ((unsigned char)ts__attrname_defaults[i][0] != b)
                continue;
            default_terms[k].s = ts__attrname_defaults[i];
            default_terms[k].len = strlen(ts__attrname_defaults[i]);
            k++;
        }
    }
    by_first[256] = k;
}

bool ts__attrname_default_match(const char *key)
{
    pthread_once(&terms_once, terms_setup);
    size_t kl;
    bool key_ascii = key_is_ascii(key, &kl);
    if (kl == 0)
        return false;
    /* Latin names: only the terms with the same first letter; other scripts: the
     * non-ASCII terms too (they match anywhere in the key) */
    size_t lo = by_first[(unsigned char)key[0]], hi = by_first[(unsigned char)key[0] + 1];
    for (size_t t = lo; t < hi; t++)
        if (term_matches(key, kl, key_ascii, default_terms[t].s, default_terms[t].len))
            return true;
    if (key_ascii)
        return false;
    for (size_t t = by_first[0x80]; t < by_first[256]; t++)
        if (term_matches(key, kl, key_ascii, default_terms[t].s, default_terms[t].len))
            return true;
    return false;
}

bool ts__attrname_protected(const char *name, size_t len, const char *const *extra, size_t n_extra)
{
    char norm[TS_ATTRNAME_BUF], key[TS_ATTRNAME_BUF];
    if (ts__attrname_normalize(name, len, norm, NULL) != TS_ATTRNAME_OK)
        return false;
    ts__attrname_key(norm, key);
    return ts__attrname_default_match(key) ||
           (n_extra && ts__attrname_key_matches(key, extra, n_extra));
}

/* base/attrname.h — attribute names: the normal form they are stored under and the
 * matching of protected names. Used by record (readers), config (protected_attributes)
 * and, through those, by the rule host. Pure functions, thread-safe.
 *
 * Normal form (what the store and the rules see): Unicode NFKC of the case-folded name
 * (libunistring u8_casefold with UNINORM_NFKC), with every White_Space and
 * Default_Ignorable_Code_Point character (spaces, zero-width space/joiners, soft hyphen,
 * BOM, ...) removed: "Re li gion", "RELIGION", "religion\u200b" and full-width
 * "ｒｅｌｉｇｉｏｎ" are all "religion". ASCII names take a fast path with the same
 * result (lower-casing, whitespace removed).
 *
 * Protected key (only for the protected check): the normal form, with Cyrillic and Greek
 * letters that look like Latin ones mapped to them (a small confusables skeleton: "е"
 * U+0435 → "e", ...), and punctuation removed ('_', '-', '.', '·', ...), so
 * "political_affiliation" and "Political-Affiliation" share the key
 * "politicalaffiliation". A name is protected when its key equals a protected key,
 * or equals one with an English plural ending ("s", "es", "ies" for "y"), or, for a
 * protected name written in non-Latin script (民族, 宗教, ...), contains it. */
#ifndef TS_BASE_ATTRNAME_H
#define TS_BASE_ATTRNAME_H

#include <stdbool.h>
#include <stddef.h>

#include "base/limits.h"

/* Bytes of buffer every function here needs for one name (normal form or key). */
#define TS_ATTRNAME_BUF (TS_LIMIT_ATTR_NAME + 1)

typedef enum {
    TS_ATTRNAME_OK = 0,
    TS_ATTRNAME_EMPTY,   /* nothing left after normalisation */
    TS_ATTRNAME_LONG,    /* the normal form is longer than TS_LIMIT_ATTR_NAME bytes */
    TS_ATTRNAME_INVALID, /* not valid UTF-8 (or the normaliser failed) */
} ts_attrname_rc;

/* Writes the normal form of s[0..len) (NUL-terminated) into out[TS_ATTRNAME_BUF]. */
ts_attrname_rc ts__attrname_normalize(const char *s, size_t len, char out[TS_ATTRNAME_BUF],
                                      size_t *out_len);

/* Writes the protected key of a name already in normal form into out[TS_ATTRNAME_BUF]. */
void ts__attrname_key(const char *norm, char out[TS_ATTRNAME_BUF]);

/* True when key (a protected key) matches one of terms[0..n) (protected keys). */
bool ts__attrname_key_matches(const char *key, const char *const *terms, size_t n);

/* True when key matches one of the default protected names (faster than
 * ts__attrname_key_matches over ts__attrname_defaults, same answer). */
bool ts__attrname_default_match(const char *key);

/* The default protected names (English and Chinese), as protected keys. */
extern const char *const ts__attrname_defaults[];
extern const size_t ts__attrname_n_defaults;

/* Normalises name and checks it against the defaults and extra[0..n_extra) (keys). A
 * name that does not normalise is not protected (the readers reject it anyway). */
bool ts__attrname_protected(const char *name, size_t len, const char *const *extra, size_t n_extra);

#endif

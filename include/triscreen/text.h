/* triscreen/text.h — checks for text that people type (notes, officer ids, reasons) and
 * repair of stored text for output: UTF-8 validation, U+FFFD replacement, length caps.
 *
 * Every function is pure or uses only the calling thread's own state: thread-safe. */
#ifndef TRISCREEN_TEXT_H
#define TRISCREEN_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "triscreen/arena.h"
#include "triscreen/status.h"

/* Caps on text a person types (CLI flags, HTTP bodies of ack/close/review). */
#define TS_TEXT_NOTE_MAX 4096u /* bytes in a review, acknowledgement or closing note */
#define TS_TEXT_ACTOR_MAX 64u  /* bytes in an officer / actor id (--by) */

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
 * A NUL byte is valid UTF-8 here; callers that want C strings check for it. */
bool ts_text_valid_utf8(const char *s, size_t len);

/* A malloc'd, NUL-terminated copy of s[0..len) in which every byte that is not part of
 * a well-formed UTF-8 sequence (and every NUL) is replaced by U+FFFD (EF BF BD). The
 * copy's length goes to *out_len when non-NULL. NULL only when malloc fails. The
 * caller frees. */
char *ts_text_utf8_sanitize(const char *s, size_t len, size_t *out_len);

/* Like ts_text_utf8_sanitize, allocating from arena; returns s itself (no copy) when it
 * is already valid and NUL-free up to len. NULL when the arena refuses. */
const char *ts_text_utf8_sanitize_arena(ts_arena *arena, const char *s, size_t len);

/* For borrowed strings that must be valid only briefly (a database row being read):
 * returns s when it is valid UTF-8, NULL when s is NULL, else a repaired copy owned by
 * the calling thread. A copy stays valid until the thread has made 64 more copies (more
 * than any row has columns) or exits. Returns "\uFFFD" if memory runs out. */
const char *ts_text_utf8_view(const char *s);

/* Checks one text a person typed: valid UTF-8, no NUL, at most max bytes, and no
 * control characters other than tab and line breaks (none at all when single_line).
 * On failure returns TS_USAGE with err->where = what (e.g. "--note") and a reason that
 * names the problem and, for bad bytes, their offset. */
ts_status ts_text_check(const char *what, const char *s, size_t max, bool single_line,
                        ts_err *err) TS_MUST_CHECK;

#endif

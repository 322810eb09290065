/* feedback/officer.c — the actor checks: only officers of the grid act (ts_officer_check),
 * and an officer reviews only persons of their cells (ts_officer_review_check)
 * (triscreen/officer.h). Uses triscreen/grid.h, triscreen/store.h, triscreen/text.h. */
#include <stdio.h>
#include <string.h>

#include "triscreen/grid.h"
#include "triscreen/officer.h"
#include "triscreen/text.h"

/* The length of the UTF-8 sequence starting with byte b (1 for a byte that starts none;
 * ts_text_valid_utf8 decides whether the sequence is well formed). */
static size_t seq_len(unsigned char b)
{
    return b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
}

/* True for the well-formed sequence u[0..k) when it is a character that a terminal would
 * act on or hide rather than show: a C1 control (U+0080..U+009F), a zero-width or
 * direction mark (U+200B..U+200F), a bidirectional embedding/override/isolate (U+202A..
 * U+202E, U+2066..U+2069) or the byte-order mark U+FEFF. */
static bool hidden(const unsigned char *u, size_t k)
{
    if (k == 2)
        return u[0] == 0xC2 && u[1] < 0xA0;
    if (k != 3)
        return false;
    if (u[0] == 0xE2 && u[1] == 0x80)
        return (u[2] >= 0x8B && u[2] <= 0x8F) || (u[2] >= 0xAA && u[2] <= 0xAE);
    if (u[0] == 0xE2 && u[1] == 0x81)
        return u[2] >= 0xA6 && u[2] <= 0xA9;
    return u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF;
}

/* Writes s (possibly hostile) into out[0..cap) in a form safe for a terminal or a log:
 * printable ASCII and well-formed UTF-8 as they are, every other byte (and each byte of
 * a hidden() character) as \xNN; at most `max` bytes of s, then "...". */
static void printable(const char *s, size_t max, char *out, size_t cap)
{
    size_t o = 0, n = strlen(s);
    size_t end = n < max ? n : max;
    for (size_t i = 0; i < end && o + 8 < cap;) {
        unsigned char b = (unsigned char)s[i];
        size_t k = seq_len(b);
        if (b >= 0x20 && b < 0x7F) {
            out[o++] = (char)b;
            i++;
        } else if (b >= 0x80 && k > 1 && i + k <= end && ts_text_valid_utf8(s + i, k) &&
                   !hidden((const unsigned char *)s + i, k)) {
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
        } else {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02X", b);
            i++;
        }
    }
    if (end < n && o + 4 <= cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

ts_status ts_officer_check(const ts_grid *g, const char *officer, const char *what,
                           const ts_cell **cell, ts_err *err)
{
    const ts_cell *c = NULL;
    if (officer && officer[0] && ts_grid_officer(g, officer, &c)) {
        if (cell)
            *cell = c;
        return TS_OK;
    }
    /* 4 bytes per escaped byte at worst, plus "..." */
    char shown[TS_TEXT_ACTOR_MAX * 4 + 8];
    printable(officer ? officer : "", TS_TEXT_ACTOR_MAX, shown, sizeof shown);
    return ts_err_set(err, TS_USAGE, what ? what : "officer", "'%s' is not an officer of the grid",
                      shown);
}

ts_status ts_officer_review_check(ts_store *s, const ts_grid *g, const char *officer,
                                  const char *token, const ts_cell *officer_cell,
                                  const char *person, ts_err *err)
{
    char grid[64];
    bool found = false;
    ts_status rc = ts_store_person_grid(s, person, grid, sizeof grid, &found, err);
    if (rc != TS_OK)
        return rc;
    const ts_cell *cell = found ? ts_grid_find(g, grid) : NULL;
    if (!found || !officer_cell || (cell && ts_grid_officer_covers(officer_cell, cell)))
        return TS_OK;
    if ((rc = ts_store_begin(s, err)) == TS_OK &&
        (rc = ts_store_audit_tok(s, officer, token, "review.refused", person,
                                 "outside the officer's cells", err)) == TS_OK &&
        (rc = ts_store_commit(s, err)) == TS_OK)
        return ts_err_set(err, TS_DENIED, "review", "%s may review only persons in %s", officer,
                          officer_cell->code);
    ts_store_rollback(s);
    return rc;
}

/* store/snoozes.c — snoozes (schema 6 table `snoozes`, triscreen/snooze.h): adding,
 * listing and ending them, each audited, and the active (person, rule) pairs a pass
 * looks up. Uses base (date). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/date.h"
#include "triscreen/snooze.h"
#include "triscreen/text.h"
#include "store/store_int.h"

ts_status ts_snooze_check_until(int32_t now, const char *until, ts_err *err)
{
    int32_t u;
    if (!until || !ts_date_parse(until, strlen(until), &u))
        return ts_err_set(err, TS_USAGE, "--until", "'%s' is not a date (YYYY-MM-DD)",
                          until ? until : "");
    char nb[11];
    ts_date_format(now, nb);
    if (u < now)
        return ts_err_set(err, TS_USAGE, "--until", "%s is in the past (now is %s)", until, nb);
    if (u > now + TS_SNOOZE_MAX_DAYS)
        return ts_err_set(err, TS_USAGE, "--until",
                          "%s is more than %d days after now (%s): a snooze lasts at most %d days",
                          until, TS_SNOOZE_MAX_DAYS, nb, TS_SNOOZE_MAX_DAYS);
    return TS_OK;
}

static ts_status snooze_insert(ts_store *s, const ts_snooze_row *in, int64_t *id, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc =
        ts__store_query_stmt(s,
                             "INSERT INTO snoozes(person, rule, until, by, note, created, now)"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                             &st, err, "snooze add");
    if (rc != TS_OK)
        return rc;
    char created[21];
    ts__store_timestamp(created);
    sqlite3_bind_text(st, 1, in->person, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, in->rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, in->until, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, in->by, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, in->note ? in->note : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, created, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, in->now, -1, SQLITE_STATIC);
    rc = ts__store_step_done(s, st, err, "snooze add");
    ts__store_query_done(s, st);
    if (rc == TS_OK)
        *id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

ts_status ts_store_snooze_add(ts_store *s, const ts_snooze_row *in, int64_t *id, ts_err *err)
{
    int32_t now;
    if (!in->person || !in->rule || !in->rule[0] || !in->by || !in->by[0] || !in->now ||
        !ts_date_parse(in->now, strlen(in->now), &now))
        return ts_err_set(err, TS_INVALID, NULL, "a snooze needs a person, rule, officer, now");
    ts_status rc = ts_snooze_check_until(now, in->until, err);
    if (rc != TS_OK)
        return rc;
    char grid[64];
    bool found = false;
    if ((rc = ts_store_person_grid(s, in->person, grid, sizeof grid, &found, err)) != TS_OK)
        return rc;
    if (!found)
        return ts_err_set(err, TS_NOTFOUND, "PERSON", "no person '%s' is stored", in->person);
    int64_t new_id = 0;
    char detail[256];
    if ((rc = ts_store_begin(s, err)) != TS_OK)
        return rc;
    if ((rc = snooze_insert(s, in, &new_id, err)) == TS_OK) {
        snprintf(detail, sizeof detail, "S-%lld rule=%.100s until=%s", (long long)new_id, in->rule,
                 in->until);
        rc = ts_store_audit(s, in->by, "snooze.add", in->person, detail, err);
    }
    if (rc == TS_OK)
        rc = ts_store_commit(s, err);
    if (rc != TS_OK) {
        ts_store_rollback(s);
        return rc;
    }
    *id = new_id;
    return TS_OK;
}

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static ts_status walk(ts_store *s, const char *sql, const char *a1, const char *a2, ts_snooze_fn fn,
                      void *ud, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, sql, &st, err, "snooze list");
    if (rc != TS_OK)
        return rc;
    sqlite3_bind_text(st, 1, a1, -1, SQLITE_STATIC);
    if (a2)
        sqlite3_bind_text(st, 2, a2, -1, SQLITE_STATIC);
    int r;
    while (rc == TS_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        ts_snooze_row row = {.id = sqlite3_column_int64(st, 0),
                             .person = col(st, 1),
                             .grid = col(st, 2),
                             .rule = col(st, 3),
                             .until = col(st, 4),
                             .by = col(st, 5),
                             .note = col(st, 6),
                             .created = col(st, 7),
                             .now = col(st, 8),
                             .ended = col(st, 9),
                             .ended_by = col(st, 10)};
        rc = fn(ud, &row);
    }
    if (rc == TS_OK && r != SQLITE_DONE)
        rc = ts__store_fail(s, err, "snooze list");
    ts__store_query_done(s, st);
    return rc;
}

#define SNOOZE_COLS                                                                                \
    "SELECT z.id, z.person, coalesce(p.grid, ''), z.rule, z.until, z.by, z.note, z.created,"       \
    " z.now, z.ended, z.ended_by FROM snoozes z LEFT JOIN persons p ON p.id = z.person"

ts_status ts_store_snooze_list(ts_store *s, const char *now, ts_snooze_fn fn, void *ud, ts_err *err)
{
    return walk(s, SNOOZE_COLS " WHERE z.ended IS NULL AND z.until >= ?1 ORDER BY z.id", now, NULL,
                fn, ud, err);
}

ts_status ts_store_snooze_list_person(ts_store *s, const char *person, const char *now,
                                      ts_snooze_fn fn, void *ud, ts_err *err)
{
    return walk(s,
                SNOOZE_COLS " WHERE z.ended IS NULL AND z.until >= ?1 AND z.person = ?2"
                            " ORDER BY z.id",
                now, person, fn, ud, err);
}

typedef struct get_ctx {
    ts_snooze_fn fn;
    void *ud;
    bool found;
} get_ctx;

static ts_status get_row(void *ud, const ts_snooze_row *r)
{
    get_ctx *g = ud;
    g->found = true;
    return g->fn(g->ud, r);
}

ts_status ts_store_snooze_get(ts_store *s, int64_t id, ts_snooze_fn fn, void *ud, ts_err *err)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    get_ctx g = {fn, ud, false};
    ts_status rc =
        walk(s, SNOOZE_COLS " WHERE z.id = CAST(?1 AS INTEGER)", key, NULL, get_row, &g, err);
    if (rc == TS_OK && !g.found)
        return ts_err_set(err, TS_NOTFOUND, "ID", "no snooze S-%lld", (long long)id);
    return rc;
}

/* TS_OK with *state: 0 unknown, 1 active (or expired, not ended), 2 ended. */
static ts_status snooze_state(ts_store *s, int64_t id, int *state, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, "SELECT ended IS NOT NULL FROM snoozes WHERE id = ?1",
                                        &st, err, "snooze lookup");
    if (rc != TS_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *state = sqlite3_column_int(st, 0) ? 2 : 1;
    else if (r == SQLITE_DONE)
        *state = 0;
    else
        rc = ts__store_fail(s, err, "snooze lookup");
    ts__store_query_done(s, st);
    return rc;
}

static ts_status snooze_close(ts_store *s, int64_t id, const char *by, const char *note,
                              const char *now, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(
        s,
        "UPDATE snoozes SET ended = ?2, ended_by = ?3, end_note = ?4, ended_now = ?5"
        " WHERE id = ?1 AND ended IS NULL",
        &st, err, "snooze end");
    if (rc != TS_OK)
        return rc;
    char at[21];
    ts__store_timestamp(at);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, by, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, note ? note : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
    rc = ts__store_step_done(s, st, err, "snooze end");
    ts__store_query_done(s, st);
    return rc;
}

ts_status ts_store_snooze_end(ts_store *s, int64_t id, const char *by, const char *note,
                              const char *now, ts_err *err)
{
    if (!by || !by[0] || !now)
        return ts_err_set(err, TS_INVALID, NULL, "ending a snooze needs an officer and now");
    ts_status rc = ts_store_begin(s, err);
    if (rc != TS_OK)
        return rc;
    int state = 0;
    char target[32], detail[TS_TEXT_NOTE_MAX + 40];
    if ((rc = snooze_state(s, id, &state, err)) != TS_OK)
        goto done;
    snprintf(target, sizeof target, "S-%lld", (long long)id);
    if (state == 0) {
        rc = ts_err_set(err, TS_NOTFOUND, "ID", "no snooze %s", target);
        goto done;
    }
    if (state == 2) {
        rc = ts_err_set(err, TS_STATE, "ID", "snooze %s has already ended", target);
        goto done;
    }
    snprintf(detail, sizeof detail, "%s%s%s", target, note && note[0] ? " " : "", note ? note : "");
    if ((rc = snooze_close(s, id, by, note, now, err)) == TS_OK &&
        (rc = ts_store_audit(s, by, "snooze.end", target, detail, err)) == TS_OK)
        rc = ts_store_commit(s, err);
done:
    if (rc != TS_OK)
        ts_store_rollback(s);
    return rc;
}

typedef struct keys_acc {
    ts_arena *arena;
    ts_snooze_key *v;
    size_t n, cap;
    bool oom;
} keys_acc;

static ts_status add_key(void *ud, const ts_snooze_row *r)
{
    keys_acc *k = ud;
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 16;
        ts_snooze_key *v = ts_arena_alloc(k->arena, cap * sizeof *v);
        if (!v)
            return TS_NOMEM;
        if (k->n)
            memcpy(v, k->v, k->n * sizeof *v);
        k->v = v;
        k->cap = cap;
    }
    ts_snooze_key *e = &k->v[k->n];
    e->person = ts_arena_strdup(k->arena, r->person);
    e->rule = ts_arena_strdup(k->arena, r->rule);
    e->id = r->id;
    if (!e->person || !e->rule)
        return TS_NOMEM;
    k->n++;
    return TS_OK;
}

static int key_cmp(const void *a, const void *b)
{
    const ts_snooze_key *x = a, *y = b;
    int c = strcmp(x->person, y->person);
    if (c)
        return c;
    c = strcmp(x->rule, y->rule);
    /* two snoozes of one pair: the lower id first (the one found) */
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

ts_status ts_store_snoozes_active(ts_store *s, const char *now, ts_arena *arena,
                                  ts_snooze_key **out, size_t *n, ts_err *err)
{
    keys_acc k = {.arena = arena};
    ts_status rc = walk(s,
                        "SELECT id, person, '', rule, until, by, '', '', '', NULL, NULL"
                        " FROM snoozes WHERE ended IS NULL AND until >= ?1",
                        now, NULL, add_key, &k, err);
    if (rc == TS_NOMEM)
        return ts_err_set(err, TS_NOMEM, NULL, "snoozes");
    if (rc != TS_OK)
        return rc;
    if (k.n)
        qsort(k.v, k.n, sizeof *k.v, key_cmp);
    *out = k.v;
    *n = k.n;
    return TS_OK;
}

int64_t ts_snooze_find(const ts_snooze_key *keys, size_t n, const char *person, const char *rule)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(keys[mid].person, person);
        if (!c)
            c = strcmp(keys[mid].rule, rule);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && !strcmp(keys[lo].person, person) && !strcmp(keys[lo].rule, rule))
        return keys[lo].id;
    return 0;
}

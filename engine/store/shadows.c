/* store/shadows.c — the shadows, their files and their judgements (triscreen/shadow.h). */
#include <stdio.h>
#include <string.h>

#include "triscreen/arena.h"
#include "triscreen/shadow.h"
#include "store/store_int.h"

static const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

static bool good_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    return n >= 1 && n <= 40 &&
           strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static ts_status one_int(ts_store *s, const char *sql, const char *arg, int64_t *out, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, sql, &st, err, "shadows");
    if (rc != TS_OK)
        return rc;
    if (arg)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    int sr = sqlite3_step(st);
    if (sr == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        rc = ts__store_fail(s, err, "shadows");
    ts__store_query_done(s, st);
    return rc;
}

int64_t ts_store_shadow_count(ts_store *s)
{
    int64_t n = 0;
    ts_err e;
    if (one_int(s, "SELECT count(*) FROM shadows", NULL, &n, &e) != TS_OK)
        return 0;
    return n;
}

ts_status ts_store_shadow_add(ts_store *s, const char *name, const char *hash,
                              const ts_rule_file *files, size_t n, const char *by, const char *note,
                              ts_err *err)
{
    if (!good_name(name))
        return ts_err_set(err, TS_INVALID, "--name",
                          "a shadow's name is 1 to 40 of A-Z a-z 0-9 _ . - (got '%.60s')",
                          name ? name : "");
    if (!by || !by[0])
        return ts_err_set(err, TS_INVALID, "--by", "a shadow needs --by (who adds it)");
    int64_t have = 0, total = 0;
    ts_status rc = one_int(s, "SELECT count(*) FROM shadows WHERE name = ?1", name, &have, err);
    if (rc == TS_OK)
        rc = one_int(s, "SELECT count(*) FROM shadows", NULL, &total, err);
    if (rc != TS_OK)
        return rc;
    if (have)
        return ts_err_set(err, TS_STATE, name,
                          "a shadow of that name exists (`triscreen shadow "
                          "remove %s` first)",
                          name);
    if (total >= TS_SHADOWS_MAX)
        return ts_err_set(err, TS_STATE, name,
                          "%d shadows are running, the most at once; remove one first",
                          TS_SHADOWS_MAX);
    char ts[21];
    ts__store_timestamp(ts);
    if ((rc = ts_store_begin(s, err)) != TS_OK)
        return rc;
    sqlite3_stmt *st = NULL;
    rc = ts__store_query_stmt(s,
                              "INSERT INTO shadows(name, hash, by, note, added, added_run) VALUES"
                              " (?1, ?2, ?3, ?4, ?5, (SELECT coalesce(max(id), 0) FROM runs))",
                              &st, err, "shadow add");
    if (rc == TS_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, by, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, note ? note : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, ts, -1, SQLITE_STATIC);
        rc = ts__store_step_done(s, st, err, "shadow add");
        ts__store_query_done(s, st);
    }
    for (size_t i = 0; rc == TS_OK && i < n; i++) {
        rc = ts__store_query_stmt(
            s, "INSERT INTO shadow_files(name, file, content) VALUES (?1, ?2, ?3)", &st, err,
            "shadow add");
        if (rc != TS_OK)
            break;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, files[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, files[i].text, (int)files[i].len, SQLITE_STATIC);
        rc = ts__store_step_done(s, st, err, "shadow add");
        ts__store_query_done(s, st);
    }
    if (rc == TS_OK)
        rc = ts_store_audit(s, by, "shadow.add", name, hash, err);
    if (rc == TS_OK)
        return ts_store_commit(s, err);
    ts_store_rollback(s);
    return rc;
}

ts_status ts_store_shadow_remove(ts_store *s, const char *name, const char *by, ts_err *err)
{
    int64_t have = 0;
    ts_status rc = one_int(s, "SELECT count(*) FROM shadows WHERE name = ?1", name, &have, err);
    if (rc != TS_OK)
        return rc;
    if (!have)
        return ts_err_set(err, TS_NOTFOUND, name,
                          "no shadow of that name (`triscreen shadow "
                          "list` shows them)");
    static const char *const sql[] = {"DELETE FROM shadow_judged WHERE name = ?1",
                                      "DELETE FROM shadow_files WHERE name = ?1",
                                      "DELETE FROM shadows WHERE name = ?1"};
    if ((rc = ts_store_begin(s, err)) != TS_OK)
        return rc;
    for (size_t i = 0; rc == TS_OK && i < sizeof sql / sizeof sql[0]; i++) {
        sqlite3_stmt *st = NULL;
        if ((rc = ts__store_query_stmt(s, sql[i], &st, err, "shadow remove")) != TS_OK)
            break;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        rc = ts__store_step_done(s, st, err, "shadow remove");
        ts__store_query_done(s, st);
    }
    if (rc == TS_OK)
        rc = ts_store_audit(s, by && by[0] ? by : "cli", "shadow.remove", name, "", err);
    if (rc == TS_OK)
        return ts_store_commit(s, err);
    ts_store_rollback(s);
    return rc;
}

#define SHADOW_COLS                                                                                \
    "SELECT h.name, h.hash, h.by, h.note, h.added, h.added_run,"                                   \
    " (SELECT count(*) FROM shadow_judged j WHERE j.name = h.name),"                               \
    " (SELECT coalesce(max(run), 0) FROM shadow_judged j WHERE j.name = h.name) FROM shadows h"

static ts_shadow_row read_row(sqlite3_stmt *st)
{
    return (ts_shadow_row){.name = col(st, 0),
                           .hash = col(st, 1),
                           .by = col(st, 2),
                           .note = col(st, 3),
                           .added = col(st, 4),
                           .added_run = sqlite3_column_int64(st, 5),
                           .judged = sqlite3_column_int64(st, 6),
                           .last_run = sqlite3_column_int64(st, 7)};
}

ts_status ts_store_shadows(ts_store *s, ts_status (*fn)(void *ud, const ts_shadow_row *r), void *ud,
                           ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, SHADOW_COLS " ORDER BY h.name", &st, err, "shadows");
    if (rc != TS_OK)
        return rc;
    int sr;
    while (rc == TS_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        ts_shadow_row r = read_row(st);
        rc = fn(ud, &r);
    }
    if (rc == TS_OK && sr != SQLITE_DONE)
        rc = ts__store_fail(s, err, "shadows");
    ts__store_query_done(s, st);
    return rc;
}

ts_status ts_store_shadow_names(ts_store *s, ts_status (*fn)(void *ud, const ts_shadow_row *r),
                                void *ud, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, "SELECT name, hash FROM shadows ORDER BY name", &st, err,
                                        "shadows");
    if (rc != TS_OK)
        return rc;
    int sr;
    while (rc == TS_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        ts_shadow_row r = {
            .name = col(st, 0), .hash = col(st, 1), .by = "", .note = "", .added = ""};
        rc = fn(ud, &r);
    }
    if (rc == TS_OK && sr != SQLITE_DONE)
        rc = ts__store_fail(s, err, "shadows");
    ts__store_query_done(s, st);
    return rc;
}

ts_status ts_store_shadow_get(ts_store *s, const char *name, ts_arena *arena, ts_shadow_row *out,
                              ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, SHADOW_COLS " WHERE h.name = ?1", &st, err, "shadow");
    if (rc != TS_OK)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int sr = sqlite3_step(st);
    if (sr == SQLITE_ROW) {
        ts_shadow_row r = read_row(st);
        *out = r;
        out->name = ts_arena_strdup(arena, r.name);
        out->hash = ts_arena_strdup(arena, r.hash);
        out->by = ts_arena_strdup(arena, r.by);
        out->note = ts_arena_strdup(arena, r.note);
        out->added = ts_arena_strdup(arena, r.added);
        if (!out->name || !out->hash || !out->by || !out->note || !out->added)
            rc = ts_err_set(err, TS_NOMEM, NULL, NULL);
    } else if (sr == SQLITE_DONE) {
        rc = ts_err_set(err, TS_NOTFOUND, name,
                        "no shadow of that name (`triscreen shadow list` shows them)");
    } else {
        rc = ts__store_fail(s, err, "shadow");
    }
    ts__store_query_done(s, st);
    return rc;
}

ts_status ts_store_shadow_files(ts_store *s, const char *name, ts_arena *arena,
                                ts_rule_file **files, size_t *n, ts_err *err)
{
    *files = NULL;
    *n = 0;
    int64_t count = 0;
    ts_status rc =
        one_int(s, "SELECT count(*) FROM shadow_files WHERE name = ?1", name, &count, err);
    if (rc != TS_OK)
        return rc;
    *files = ts_arena_calloc(arena, count ? (size_t)count : 1, sizeof **files);
    if (!*files)
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    sqlite3_stmt *st = NULL;
    rc = ts__store_query_stmt(
        s, "SELECT file, content FROM shadow_files WHERE name = ?1 ORDER BY file", &st, err,
        "shadow files");
    if (rc != TS_OK)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int sr;
    while ((sr = sqlite3_step(st)) == SQLITE_ROW && *n < (size_t)count) {
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        char *text = ts_arena_alloc(arena, len + 1);
        const char *fname = ts_arena_strdup(arena, col(st, 0));
        if (!text || !fname) {
            rc = ts_err_set(err, TS_NOMEM, NULL, NULL);
            break;
        }
        if (len)
            memcpy(text, sqlite3_column_blob(st, 1), len);
        text[len] = '\0';
        (*files)[(*n)++] = (ts_rule_file){.name = fname, .text = text, .len = len};
    }
    if (rc == TS_OK && sr != SQLITE_DONE && sr != SQLITE_ROW)
        rc = ts__store_fail(s, err, "shadow files");
    ts__store_query_done(s, st);
    return rc;
}

ts_status ts_store_shadow_put(ts_store *s, const char *name, int64_t run,
                              const ts_shadow_judgement *j, size_t n, ts_err *err)
{
    bool own = !s->in_tx; /* inside the service writer's transaction: part of it */
    ts_status rc = own ? ts_store_begin(s, err) : TS_OK;
    if (rc != TS_OK)
        return rc;
    sqlite3_stmt *st = NULL;
    rc = ts__store_query_stmt(
        s,
        "INSERT OR REPLACE INTO shadow_judged(name, run, person, grid, live_colour, live_score,"
        " live_rules, live_alerts, colour, score, rules, alerts)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        &st, err, "shadow judgements");
    for (size_t i = 0; rc == TS_OK && i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, run);
        sqlite3_bind_text(st, 3, j[i].person, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, j[i].grid, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, (int)j[i].live_colour);
        sqlite3_bind_int(st, 6, j[i].live_score);
        sqlite3_bind_text(st, 7, j[i].live_rules, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 8, (int)j[i].live_alerts);
        sqlite3_bind_int(st, 9, (int)j[i].colour);
        sqlite3_bind_int(st, 10, j[i].score);
        sqlite3_bind_text(st, 11, j[i].rules, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 12, (int)j[i].alerts);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = ts__store_fail(s, err, "shadow judgements");
    }
    if (st)
        ts__store_query_done(s, st);
    if (!own)
        return rc;
    if (rc == TS_OK)
        return ts_store_commit(s, err);
    ts_store_rollback(s);
    return rc;
}

static ts_colour colour_of(int c)
{
    return c > 0 && c < TS_COLOUR_N ? (ts_colour)c : TS_COLOUR_NONE;
}

ts_status ts_store_shadow_judged(ts_store *s, const char *name,
                                 ts_status (*fn)(void *ud, const ts_shadow_judgement *j), void *ud,
                                 ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(
        s,
        "SELECT person, grid, live_colour, live_score, live_rules, live_alerts, colour, score,"
        " rules, alerts, run FROM shadow_judged WHERE name = ?1 ORDER BY person",
        &st, err, "shadow judgements");
    if (rc != TS_OK)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int sr;
    while (rc == TS_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        ts_shadow_judgement j = {.person = col(st, 0),
                                 .grid = col(st, 1),
                                 .live_colour = colour_of(sqlite3_column_int(st, 2)),
                                 .live_score = sqlite3_column_int(st, 3),
                                 .live_rules = col(st, 4),
                                 .live_alerts = (unsigned)sqlite3_column_int(st, 5),
                                 .colour = colour_of(sqlite3_column_int(st, 6)),
                                 .score = sqlite3_column_int(st, 7),
                                 .rules = col(st, 8),
                                 .alerts = (unsigned)sqlite3_column_int(st, 9),
                                 .run = sqlite3_column_int64(st, 10)};
        rc = fn(ud, &j);
    }
    if (rc == TS_OK && sr != SQLITE_DONE)
        rc = ts__store_fail(s, err, "shadow judgements");
    ts__store_query_done(s, st);
    return rc;
}

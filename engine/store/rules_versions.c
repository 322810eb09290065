/* store/rules_versions.c — stored rule pack versions (schema 7, triscreen/rules_version.h):
 * deploy (a new active version with its files), rollback (another stored one made
 * active), the list, one version's row, the active hash serve polls, and the active
 * version's files read straight from the database file before any store is opened. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "triscreen/rules_version.h"
#include "store/store_int.h"

static ts_status run1(ts_store *s, const char *sql, const char *a, const char *b, ts_err *err,
                      const char *what)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, sql, &st, err, what);
    if (rc != TS_OK)
        return rc;
    if (a)
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    rc = ts__store_step_done(s, st, err, what);
    ts__store_query_done(s, st);
    return rc;
}

/* Counts the versions whose hash is h (exact) → *n. */
static ts_status count_hash(ts_store *s, const char *h, int *n, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, "SELECT count(*) FROM rules_versions WHERE hash = ?1",
                                        &st, err, "rules versions");
    if (rc != TS_OK)
        return rc;
    sqlite3_bind_text(st, 1, h, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        *n = sqlite3_column_int(st, 0);
    else
        rc = ts__store_fail(s, err, "rules versions");
    ts__store_query_done(s, st);
    return rc;
}

static ts_status insert_version(ts_store *s, const char *hash, const char *by, const char *note,
                                ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(
        s,
        "INSERT INTO rules_versions(hash, seq, by, note, deployed_at, active)"
        " VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM rules_versions), ?2, ?3, ?4, 1)",
        &st, err, "rules deploy");
    if (rc != TS_OK)
        return rc;
    char at[21];
    ts__store_timestamp(at);
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, by, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, note, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, at, -1, SQLITE_TRANSIENT);
    rc = ts__store_step_done(s, st, err, "rules deploy");
    ts__store_query_done(s, st);
    return rc;
}

static ts_status insert_files(ts_store *s, const char *hash, const ts_rule_file *files, size_t n,
                              ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(
        s, "INSERT INTO rules_version_files(hash, name, content) VALUES (?1, ?2, ?3)", &st, err,
        "rules deploy");
    for (size_t i = 0; rc == TS_OK && i < n; i++) {
        sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, files[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_blob64(st, 3, files[i].len ? files[i].text : "", files[i].len, SQLITE_STATIC);
        rc = ts__store_step_done(s, st, err, "rules deploy");
    }
    if (st)
        ts__store_query_done(s, st);
    return rc;
}

ts_status ts_store_rules_deploy(ts_store *s, const char *hash, const ts_rule_file *files, size_t n,
                                const char *by, const char *note, ts_err *err)
{
    if (!hash || !hash[0] || !by || !by[0])
        return ts_err_set(err, TS_INVALID, NULL, "a rules version needs a hash and --by");
    note = note ? note : "";
    int have = 0;
    ts_status rc = count_hash(s, hash, &have, err);
    if (rc != TS_OK)
        return rc;
    if (have)
        return ts_err_set(err, TS_STATE, hash,
                          "this pack is already stored as a version (`triscreen rules rollback "
                          "%.20s` makes it the active one)",
                          hash);
    if ((rc = ts_store_begin(s, err)) != TS_OK)
        return rc;
    rc = run1(s, "UPDATE rules_versions SET active = 0 WHERE active = 1", NULL, NULL, err,
              "rules deploy");
    if (rc == TS_OK)
        rc = insert_version(s, hash, by, note, err);
    if (rc == TS_OK)
        rc = insert_files(s, hash, files, n, err);
    if (rc == TS_OK)
        rc = ts_store_audit(s, by, "rules.deploy", hash, note, err);
    if (rc == TS_OK)
        return ts_store_commit(s, err);
    ts_store_rollback(s);
    return rc;
}

/* The one hash starting with prefix → out; see ts_store_rules_rollback for the codes. */
static ts_status resolve(ts_store *s, const char *prefix, char out[TS_RULES_HASH_MAX], ts_err *err)
{
    const char *hex = strncmp(prefix, "sha256:", 7) == 0 ? prefix + 7 : prefix;
    size_t l = strlen(hex);
    if (l < 6 || l > 64 || strspn(hex, "0123456789abcdef") != l)
        return ts_err_set(err, TS_USAGE, "HASH",
                          "'%.80s' is not a version hash (sha256:HEX or at least 6 of its "
                          "lowercase hex digits)",
                          prefix);
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(
        s, "SELECT hash FROM rules_versions WHERE substr(hash, 8, ?2) = ?1 ORDER BY seq", &st, err,
        "rules rollback");
    if (rc != TS_OK)
        return rc;
    sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)l);
    int n = 0, sr;
    while ((sr = sqlite3_step(st)) == SQLITE_ROW)
        if (n++ == 0)
            snprintf(out, TS_RULES_HASH_MAX, "%s", (const char *)sqlite3_column_text(st, 0));
    if (sr != SQLITE_DONE)
        rc = ts__store_fail(s, err, "rules rollback");
    ts__store_query_done(s, st);
    if (rc == TS_OK && n == 0)
        rc = ts_err_set(err, TS_NOTFOUND, "HASH",
                        "no stored rules version has the hash %.80s "
                        "(see `triscreen rules versions`)",
                        prefix);
    else if (rc == TS_OK && n > 1)
        rc = ts_err_set(err, TS_STATE, "HASH",
                        "%.80s is the start of %d stored versions: give more of the hash", prefix,
                        n);
    return rc;
}

ts_status ts_store_rules_rollback(ts_store *s, const char *prefix, const char *by, const char *note,
                                  char out[TS_RULES_HASH_MAX], ts_err *err)
{
    if (!prefix || !by || !by[0])
        return ts_err_set(err, TS_INVALID, NULL, "a rollback needs a hash and --by");
    char hash[TS_RULES_HASH_MAX], cur[TS_RULES_HASH_MAX];
    ts_status rc = resolve(s, prefix, hash, err);
    if (rc == TS_OK)
        rc = ts_store_rules_active(s, cur, err);
    if (rc != TS_OK)
        return rc;
    if (strcmp(cur, hash) == 0)
        return ts_err_set(err, TS_STATE, hash, "this version is already the active one");
    char detail[400];
    snprintf(detail, sizeof detail, "from=%s %.300s", cur[0] ? cur : "-", note ? note : "");
    if ((rc = ts_store_begin(s, err)) != TS_OK)
        return rc;
    rc = run1(s, "UPDATE rules_versions SET active = 0 WHERE active = 1", NULL, NULL, err,
              "rules rollback");
    if (rc == TS_OK)
        rc = run1(s, "UPDATE rules_versions SET active = 1 WHERE hash = ?1", hash, NULL, err,
                  "rules rollback");
    if (rc == TS_OK)
        rc = ts_store_audit(s, by, "rules.rollback", hash, detail, err);
    if (rc == TS_OK && (rc = ts_store_commit(s, err)) == TS_OK) {
        snprintf(out, TS_RULES_HASH_MAX, "%s", hash);
        return TS_OK;
    }
    ts_store_rollback(s);
    return rc;
}

#define VERSION_COLS                                                                               \
    "SELECT v.hash, v.seq, v.by, v.note, v.deployed_at, v.active,"                                 \
    " (SELECT count(*) FROM rules_version_files f WHERE f.hash = v.hash),"                         \
    " (SELECT coalesce(sum(length(f.content)), 0) FROM rules_version_files f"                      \
    "  WHERE f.hash = v.hash) FROM rules_versions v"

static const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

static void read_row(sqlite3_stmt *st, ts_rules_version_row *r)
{
    r->hash = col(st, 0);
    r->seq = sqlite3_column_int64(st, 1);
    r->by = col(st, 2);
    r->note = col(st, 3);
    r->deployed_at = col(st, 4);
    r->active = sqlite3_column_int(st, 5) != 0;
    r->n_files = (size_t)sqlite3_column_int64(st, 6);
    r->bytes = sqlite3_column_int64(st, 7);
}

ts_status ts_store_rules_versions(ts_store *s,
                                  ts_status (*fn)(void *ud, const ts_rules_version_row *r),
                                  void *ud, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc =
        ts__store_query_stmt(s, VERSION_COLS " ORDER BY v.seq", &st, err, "rules versions");
    if (rc != TS_OK)
        return rc;
    int sr;
    while (rc == TS_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        ts_rules_version_row r;
        read_row(st, &r);
        rc = fn(ud, &r);
    }
    if (rc == TS_OK && sr != SQLITE_DONE)
        rc = ts__store_fail(s, err, "rules versions");
    ts__store_query_done(s, st);
    return rc;
}

ts_status ts_store_rules_version_get(ts_store *s, const char *hash, ts_arena *arena,
                                     ts_rules_version_row *out, bool *found, ts_err *err)
{
    *found = false;
    sqlite3_stmt *st = NULL;
    ts_status rc =
        ts__store_query_stmt(s, VERSION_COLS " WHERE v.hash = ?1", &st, err, "rules version");
    if (rc != TS_OK)
        return rc;
    sqlite3_bind_text(st, 1, hash ? hash : "", -1, SQLITE_STATIC);
    int sr = sqlite3_step(st);
    if (sr == SQLITE_ROW) {
        ts_rules_version_row r;
        read_row(st, &r);
        *out = r;
        out->hash = ts_arena_strdup(arena, r.hash);
        out->by = ts_arena_strdup(arena, r.by);
        out->note = ts_arena_strdup(arena, r.note);
        out->deployed_at = ts_arena_strdup(arena, r.deployed_at);
        if (!out->hash || !out->by || !out->note || !out->deployed_at)
            rc = ts_err_set(err, TS_NOMEM, NULL, "out of memory (rules version)");
        *found = rc == TS_OK;
    } else if (sr != SQLITE_DONE) {
        rc = ts__store_fail(s, err, "rules version");
    }
    ts__store_query_done(s, st);
    return rc;
}

ts_status ts_store_rules_active(ts_store *s, char out[TS_RULES_HASH_MAX], ts_err *err)
{
    out[0] = '\0';
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, "SELECT hash FROM rules_versions WHERE active = 1", &st,
                                        err, "rules active");
    if (rc != TS_OK)
        return rc;
    int sr = sqlite3_step(st);
    if (sr == SQLITE_ROW)
        snprintf(out, TS_RULES_HASH_MAX, "%s", col(st, 0));
    else if (sr != SQLITE_DONE)
        rc = ts__store_fail(s, err, "rules active");
    ts__store_query_done(s, st);
    return rc;
}

ts_status ts_store_run_rules_hash(ts_store *s, int64_t run, char out[TS_RULES_HASH_MAX],
                                  ts_err *err)
{
    out[0] = '\0';
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, "SELECT rules_hash FROM runs WHERE id = ?1", &st, err,
                                        "run rules hash");
    if (rc != TS_OK)
        return rc;
    sqlite3_bind_int64(st, 1, run);
    int sr = sqlite3_step(st);
    if (sr == SQLITE_ROW)
        snprintf(out, TS_RULES_HASH_MAX, "%s", col(st, 0));
    else if (sr != SQLITE_DONE)
        rc = ts__store_fail(s, err, "run rules hash");
    ts__store_query_done(s, st);
    return rc;
}

/* Reads the files of the version named want (NULL: the active one) on db into arena;
 * TS_NOTFOUND when there is no such version. */
static ts_status read_files(sqlite3 *db, const char *path, const char *want, ts_arena *arena,
                            char hash[TS_RULES_HASH_MAX], ts_rule_file **files, size_t *n,
                            ts_err *err)
{
    sqlite3_stmt *st = NULL;
    const char *sql = want ? "SELECT f.hash, f.name, f.content, (SELECT count(*) FROM"
                             " rules_version_files g WHERE g.hash = f.hash) FROM rules_versions v"
                             " JOIN rules_version_files f ON f.hash = v.hash WHERE v.hash = ?1"
                             " ORDER BY f.name"
                           : "SELECT f.hash, f.name, f.content, (SELECT count(*) FROM"
                             " rules_version_files g WHERE g.hash = f.hash) FROM rules_versions v"
                             " JOIN rules_version_files f ON f.hash = v.hash WHERE v.active = 1"
                             " ORDER BY f.name";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return TS_NOTFOUND; /* no versions table: a database before schema 7 */
    if (want)
        sqlite3_bind_text(st, 1, want, -1, SQLITE_STATIC);
    ts_status rc = TS_NOTFOUND;
    size_t k = 0, cap = 0;
    int sr;
    while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
        if (!*files) {
            cap = (size_t)sqlite3_column_int64(st, 3);
            snprintf(hash, TS_RULES_HASH_MAX, "%s", (const char *)sqlite3_column_text(st, 0));
            *files = ts_arena_calloc(arena, cap ? cap : 1, sizeof **files);
            if (!*files)
                break;
        }
        size_t len = (size_t)sqlite3_column_bytes(st, 2);
        const void *blob = sqlite3_column_blob(st, 2);
        char *text = k < cap ? ts_arena_alloc(arena, len + 1) : NULL;
        const char *name =
            text ? ts_arena_strdup(arena, (const char *)sqlite3_column_text(st, 1)) : NULL;
        if (!name)
            break;
        if (len)
            memcpy(text, blob, len);
        text[len] = '\0';
        (*files)[k++] = (ts_rule_file){.name = name, .text = text, .len = len};
    }
    if (sr == SQLITE_DONE)
        rc = *files ? TS_OK : TS_NOTFOUND;
    else if (sr == SQLITE_ROW)
        rc = ts_err_set(err, TS_NOMEM, path, "out of memory (stored rules version)");
    else
        rc = ts_err_set(err, TS_STORE, path, "cannot read the rules version: %s",
                        sqlite3_errmsg(db));
    sqlite3_finalize(st);
    *n = k;
    return rc;
}

ts_status ts_store_rules_active_files(const char *db_path, ts_arena *arena,
                                      char hash[TS_RULES_HASH_MAX], ts_rule_file **files, size_t *n,
                                      ts_err *err)
{
    *files = NULL;
    *n = 0;
    hash[0] = '\0';
    if (!db_path || access(db_path, F_OK) != 0)
        return TS_NOTFOUND;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sqlite3_close(db);
        return TS_NOTFOUND; /* ts_store_open reports an unreadable database */
    }
    sqlite3_busy_timeout(db, 10000);
    ts_status rc = read_files(db, db_path, NULL, arena, hash, files, n, err);
    sqlite3_close(db);
    return rc;
}

ts_status ts_store_rules_version_files(ts_store *s, const char *hash, ts_arena *arena,
                                       ts_rule_file **files, size_t *n, ts_err *err)
{
    *files = NULL;
    *n = 0;
    char got[TS_RULES_HASH_MAX];
    return read_files(s->db, s->path, hash, arena, got, files, n, err);
}

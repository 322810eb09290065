/* store/tokens.c — officer tokens (schema 4 table `tokens`): drawing a secret, keeping only
 * its SHA-256, listing and revoking, each audited with the token's id. Uses base (sha256). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "base/text.h"
#include "store/store_int.h"

#define SECRET_BYTES 32
#define SECRET_PREFIX "tso_"
#define SECRET_LEN (sizeof SECRET_PREFIX - 1 + 43) /* 32 bytes in base64url, unpadded */
#define ID_LEN 11                                  /* "tk-" + 8 hex digits */
#define ID_TRIES 16

/* Fills buf with len bytes from the kernel's random source (blocks until it is seeded). */
static ts_status random_bytes(unsigned char *buf, size_t len, ts_err *err)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return ts_err_set(err, TS_IO, NULL, "getrandom: %s", strerror(errno));
        got += (size_t)n;
    }
    return TS_OK;
}

/* base64url without padding; out has room for 4 * ceil(len / 3) + 1 bytes. */
static void base64url(const unsigned char *in, size_t len, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        size_t n = len - i < 3 ? len - i : 3;
        if (n > 1)
            v |= (uint32_t)in[i + 1] << 8;
        if (n > 2)
            v |= in[i + 2];
        out[o++] = abc[(v >> 18) & 63];
        out[o++] = abc[(v >> 12) & 63];
        if (n > 1)
            out[o++] = abc[(v >> 6) & 63];
        if (n > 2)
            out[o++] = abc[v & 63];
    }
    out[o] = '\0';
}

/* TS_OK with *exists set: whether a token with this id is stored. */
static ts_status id_exists(ts_store *s, const char *id, bool *exists, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc =
        ts__store_query_stmt(s, "SELECT 1 FROM tokens WHERE id = ?1", &st, err, "token lookup");
    if (rc != TS_OK)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW || r == SQLITE_DONE)
        *exists = r == SQLITE_ROW;
    else
        rc = ts__store_fail(s, err, "token lookup");
    ts__store_query_done(s, st);
    return rc;
}

/* A fresh id "tk-" + 8 random hex digits that no stored token has (inside the caller's
 * transaction, so nobody takes it meanwhile). */
static ts_status fresh_id(ts_store *s, char id[ID_LEN + 1], ts_err *err)
{
    for (int t = 0; t < ID_TRIES; t++) {
        unsigned char r[4];
        ts_status rc = random_bytes(r, sizeof r, err);
        if (rc != TS_OK)
            return rc;
        snprintf(id, ID_LEN + 1, "tk-%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
        bool taken = false;
        rc = id_exists(s, id, &taken, err);
        if (rc != TS_OK || !taken)
            return rc;
    }
    return ts_err_set(err, TS_STATE, NULL, "no free token id after %d draws", ID_TRIES);
}

static ts_status token_insert(ts_store *s, const char *id, const char *officer, const char *hex,
                              const char *note, const char *by, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc =
        ts__store_query_stmt(s,
                             "INSERT INTO tokens(id, officer, sha256, note, created, created_by)"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                             &st, err, "token add");
    if (rc != TS_OK)
        return rc;
    char now[21];
    ts__store_timestamp(now);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, officer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, hex, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, note ? note : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, by, -1, SQLITE_STATIC);
    rc = ts__store_step_done(s, st, err, "token add");
    ts__store_query_done(s, st);
    return rc;
}

ts_status ts_store_token_add(ts_store *s, const char *officer, const char *by, const char *note,
                             char *secret, size_t secret_cap, char *id, size_t id_cap, ts_err *err)
{
    if (!officer || !*officer || !by || !*by)
        return ts_err_set(err, TS_INVALID, NULL, "a token needs an officer and a creator");
    if (secret_cap < SECRET_LEN + 1 || id_cap < ID_LEN + 1)
        return ts_err_set(err, TS_INVALID, NULL, "token buffers too small");
    unsigned char raw[SECRET_BYTES];
    char sec[SECRET_LEN + 1], hex[65], tid[ID_LEN + 1], detail[160];
    ts_status rc = random_bytes(raw, sizeof raw, err);
    if (rc != TS_OK)
        return rc;
    memcpy(sec, SECRET_PREFIX, sizeof SECRET_PREFIX - 1);
    base64url(raw, sizeof raw, sec + sizeof SECRET_PREFIX - 1);
    ts_sha256_hex_of(sec, SECRET_LEN, hex);
    rc = ts_store_begin(s, err);
    if (rc != TS_OK)
        goto done;
    rc = fresh_id(s, tid, err);
    if (rc == TS_OK)
        rc = token_insert(s, tid, officer, hex, note, by, err);
    snprintf(detail, sizeof detail, "officer %.120s", officer);
    if (rc == TS_OK)
        rc = ts_store_audit_tok(s, by, tid, "token.add", tid, detail, err);
    if (rc == TS_OK)
        rc = ts_store_commit(s, err);
    if (rc != TS_OK) {
        ts_store_rollback(s);
        goto done;
    }
    memcpy(secret, sec, SECRET_LEN + 1);
    memcpy(id, tid, ID_LEN + 1);
done:
    /* the secret exists only in the caller's buffer from here on */
    explicit_bzero(raw, sizeof raw);
    explicit_bzero(sec, sizeof sec);
    return rc;
}

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

ts_status ts_store_token_list(ts_store *s, bool active_only, ts_token_fn fn, void *ud, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(
        s,
        "SELECT id, officer, sha256, note, created, created_by, revoked, revoked_by"
        " FROM tokens WHERE ?1 = 0 OR revoked IS NULL ORDER BY created, id",
        &st, err, "token list");
    if (rc != TS_OK)
        return rc;
    sqlite3_bind_int(st, 1, active_only ? 1 : 0);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        ts_token_row t = {.id = col(st, 0),
                          .officer = col(st, 1),
                          .sha256 = col(st, 2),
                          .note = col(st, 3),
                          .created = col(st, 4),
                          .created_by = col(st, 5),
                          .revoked = col(st, 6),
                          .revoked_by = col(st, 7)};
        rc = fn(ud, &t);
        if (rc != TS_OK)
            goto done;
    }
    if (r != SQLITE_DONE)
        rc = ts__store_fail(s, err, "token list");
done:
    ts__store_query_done(s, st);
    return rc;
}

/* In the caller's transaction: TS_NOTFOUND / TS_STATE / marks id revoked. */
static ts_status revoke_row(ts_store *s, const char *id, const char *by, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, "SELECT revoked IS NOT NULL FROM tokens WHERE id = ?1",
                                        &st, err, "token revoke");
    if (rc != TS_OK)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_DONE)
        rc = ts_err_set(err, TS_NOTFOUND, NULL, "token: no token '%s'", id);
    else if (r != SQLITE_ROW)
        rc = ts__store_fail(s, err, "token revoke");
    else if (sqlite3_column_int(st, 0))
        rc = ts_err_set(err, TS_STATE, NULL, "token: '%s' is already revoked", id);
    ts__store_query_done(s, st);
    if (rc != TS_OK)
        return rc;
    rc = ts__store_query_stmt(s, "UPDATE tokens SET revoked = ?2, revoked_by = ?3 WHERE id = ?1",
                              &st, err, "token revoke");
    if (rc != TS_OK)
        return rc;
    char now[21];
    ts__store_timestamp(now);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, by, -1, SQLITE_STATIC);
    rc = ts__store_step_done(s, st, err, "token revoke");
    ts__store_query_done(s, st);
    return rc;
}

ts_status ts_store_token_revoke(ts_store *s, const char *id, const char *by, ts_err *err)
{
    if (!id || !by || !*by)
        return ts_err_set(err, TS_INVALID, NULL, "token revoke needs an id and who revokes it");
    ts_status rc = ts_store_begin(s, err);
    if (rc != TS_OK)
        return rc;
    rc = revoke_row(s, id, by, err);
    if (rc == TS_OK)
        rc = ts_store_audit_tok(s, by, id, "token.revoke", id, "", err);
    if (rc == TS_OK)
        rc = ts_store_commit(s, err);
    if (rc != TS_OK)
        ts_store_rollback(s);
    return rc;
}

ts_status ts_store_tokens_mark(ts_store *s, int64_t *out, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    /* tokens are never deleted: each add grows count(*), each revoke count(revoked) */
    ts_status rc = ts__store_query_stmt(s, "SELECT count(*) + count(revoked) FROM tokens", &st, err,
                                        "token mark");
    if (rc != TS_OK)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        rc = ts__store_fail(s, err, "token mark");
    ts__store_query_done(s, st);
    return rc;
}

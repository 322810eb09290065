/* service/sessions.c — the officers' console sessions of `serve` (triscreen/service.h):
 * a bounded in-memory table keyed by the SHA-256 of each session id, holding the hash of
 * the token it signed in with (never a secret), its CSRF token and its clocks; and the
 * per-address throttle of failed sign-ins. Uses base (ts_sha256, ts_ct_equal) and
 * getrandom(2). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "triscreen/service.h"
#include "base/limits.h"
#include "base/text.h"

#define SIGNIN_ADDRS 1024u /* client addresses whose failed sign-ins are counted */
#define SIGNIN_WINDOW_S 60

typedef struct sess_slot {
    bool used;
    char id_sha256[65];
    ts_session s;
} sess_slot;

typedef struct fail_slot {
    unsigned char key[16];
    size_t len;
    int64_t start;
    unsigned n;
} fail_slot;

struct ts_sessions {
    pthread_mutex_t mu; /* everything below but the counters */
    size_t cap;
    int64_t idle_s, max_s;
    sess_slot *slots;
    fail_slot fails[SIGNIN_ADDRS];
    size_t n_fails;
    atomic_ullong ok, failed;
};

ts_status ts_sessions_new(size_t cap, int64_t idle_s, int64_t max_s, ts_sessions **out, ts_err *err)
{
    if (cap == 0)
        return ts_err_set(err, TS_USAGE, "sessions", "a session table needs room for one");
    ts_sessions *t = calloc(1, sizeof *t);
    if (!t || !(t->slots = calloc(cap, sizeof *t->slots))) {
        free(t);
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    }
    pthread_mutex_init(&t->mu, NULL);
    t->cap = cap;
    t->idle_s = idle_s;
    t->max_s = max_s;
    atomic_init(&t->ok, 0);
    atomic_init(&t->failed, 0);
    *out = t;
    return TS_OK;
}

void ts_sessions_free(ts_sessions *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->mu);
    /* the hashes are not secrets, but nothing of a session outlives the table */
    memset(t->slots, 0, t->cap * sizeof *t->slots);
    free(t->slots);
    free(t);
}

/* 32 random bytes as 43 characters of unpadded base64url. */
static ts_status random_id(char out[TS_SESSION_ID_LEN + 1], ts_err *err)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char b[33] = {0};
    size_t got = 0;
    while (got < 32) {
        ssize_t n = getrandom(b + got, 32 - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return ts_err_set(err, TS_IO, "getrandom", "no randomness for a session id");
        got += (size_t)n;
    }
    size_t o = 0;
    for (size_t i = 0; i < 33; i += 3) { /* b[32] is a zero pad: 11 groups, 44 chars */
        uint32_t v = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8 | b[i + 2];
        for (int k = 3; k >= 0 && o < TS_SESSION_ID_LEN; k--)
            out[o++] = abc[(v >> (6 * k)) & 63];
    }
    out[TS_SESSION_ID_LEN] = '\0';
    memset(b, 0, sizeof b);
    return TS_OK;
}

static bool well_formed_id(const char *id)
{
    if (!id || strlen(id) != TS_SESSION_ID_LEN)
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    return true;
}

static int64_t ends_at(const ts_sessions *t, const ts_session *s)
{
    int64_t idle = s->last_used + t->idle_s, hard = s->created + t->max_s;
    return idle < hard ? idle : hard;
}

/* Frees the slots of sessions ended at now (mu held). */
static void sweep(ts_sessions *t, int64_t now)
{
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].used && now >= ends_at(t, &t->slots[i].s))
            memset(&t->slots[i], 0, sizeof t->slots[i]);
}

/* The slot of the session whose id hashes to hex, or NULL; every used slot is compared
 * (mu held). */
static sess_slot *find(ts_sessions *t, const char *hex)
{
    sess_slot *found = NULL;
    for (size_t i = 0; i < t->cap; i++) {
        bool eq = t->slots[i].used && ts_ct_equal(t->slots[i].id_sha256, hex, 64);
        if (eq && !found)
            found = &t->slots[i];
    }
    return found;
}

/* A free slot, or the least recently used one emptied (mu held). */
static sess_slot *free_slot(ts_sessions *t, int64_t now)
{
    sweep(t, now);
    sess_slot *lru = &t->slots[0];
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].used)
            return &t->slots[i];
        if (t->slots[i].s.last_used < lru->s.last_used)
            lru = &t->slots[i];
    }
    memset(lru, 0, sizeof *lru);
    return lru;
}

ts_status ts_sessions_create(ts_sessions *t, const char *token_sha256, int64_t now,
                             char id[TS_SESSION_ID_LEN + 1], ts_session *out, ts_err *err)
{
    char sid[TS_SESSION_ID_LEN + 1];
    ts_session s = {.created = now, .last_used = now};
    ts_status rc = random_id(sid, err);
    if (rc == TS_OK)
        rc = random_id(s.csrf, err);
    if (rc != TS_OK)
        return rc;
    snprintf(s.token_sha256, sizeof s.token_sha256, "%s", token_sha256);
    s.expires = ends_at(t, &s);
    pthread_mutex_lock(&t->mu);
    sess_slot *slot = free_slot(t, now);
    slot->used = true;
    ts_sha256_hex_of(sid, TS_SESSION_ID_LEN, slot->id_sha256);
    slot->s = s;
    pthread_mutex_unlock(&t->mu);
    atomic_fetch_add(&t->ok, 1);
    memcpy(id, sid, sizeof sid);
    *out = s;
    return TS_OK;
}

/* The key of a session id (the SHA-256 of it) into hex; false for a malformed id. */
static bool id_key(const char *id, char hex[65])
{
    if (!well_formed_id(id))
        return false;
    ts_sha256_hex_of(id, TS_SESSION_ID_LEN, hex);
    return true;
}

bool ts_sessions_lookup(ts_sessions *t, const char *id, int64_t now, ts_session *out)
{
    char hex[65];
    if (!id_key(id, hex))
        return false;
    pthread_mutex_lock(&t->mu);
    sess_slot *slot = find(t, hex);
    bool live = slot && now < ends_at(t, &slot->s);
    if (slot && !live)
        memset(slot, 0, sizeof *slot);
    if (live) {
        if (now > slot->s.last_used)
            slot->s.last_used = now;
        slot->s.expires = ends_at(t, &slot->s);
        *out = slot->s;
    }
    pthread_mutex_unlock(&t->mu);
    return live;
}

bool ts_sessions_delete(ts_sessions *t, const char *id)
{
    char hex[65];
    if (!id_key(id, hex))
        return false;
    pthread_mutex_lock(&t->mu);
    sess_slot *slot = find(t, hex);
    if (slot)
        memset(slot, 0, sizeof *slot);
    pthread_mutex_unlock(&t->mu);
    return slot != NULL;
}

size_t ts_sessions_drop_token(ts_sessions *t, const char *token_sha256)
{
    size_t n = 0;
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].used && !strcmp(t->slots[i].s.token_sha256, token_sha256)) {
            memset(&t->slots[i], 0, sizeof t->slots[i]);
            n++;
        }
    pthread_mutex_unlock(&t->mu);
    return n;
}

size_t ts_sessions_active(ts_sessions *t, int64_t now)
{
    size_t n = 0;
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < t->cap; i++)
        n += t->slots[i].used && now < ends_at(t, &t->slots[i].s);
    pthread_mutex_unlock(&t->mu);
    return n;
}

bool ts_session_csrf_ok(const ts_session *s, const char *got)
{
    if (!got || strlen(got) != TS_SESSION_ID_LEN || strlen(s->csrf) != TS_SESSION_ID_LEN)
        return false;
    return ts_ct_equal(s->csrf, got, TS_SESSION_ID_LEN);
}

/* ---- sign-in throttle ------------------------------------------------------------------ */

/* The address's slot, made (over the oldest window when full) when `make` (mu held). */
static fail_slot *fail_find(ts_sessions *t, const void *key, size_t len, bool make)
{
    if (len > sizeof t->fails[0].key)
        len = sizeof t->fails[0].key;
    for (size_t i = 0; i < t->n_fails; i++)
        if (t->fails[i].len == len && !memcmp(t->fails[i].key, key, len))
            return &t->fails[i];
    if (!make)
        return NULL;
    fail_slot *f = NULL;
    if (t->n_fails < SIGNIN_ADDRS) {
        f = &t->fails[t->n_fails++];
    } else {
        f = &t->fails[0];
        for (size_t i = 1; i < t->n_fails; i++)
            if (t->fails[i].start < f->start)
                f = &t->fails[i];
    }
    memset(f, 0, sizeof *f);
    memcpy(f->key, key, len);
    f->len = len;
    return f;
}

bool ts_sessions_signin_blocked(ts_sessions *t, const void *key, size_t len, int64_t now)
{
    pthread_mutex_lock(&t->mu);
    fail_slot *f = fail_find(t, key, len, false);
    bool blocked = f && now < f->start + SIGNIN_WINDOW_S && f->n >= TS_LIMIT_HTTP_SIGNIN_FAILS;
    pthread_mutex_unlock(&t->mu);
    return blocked;
}

void ts_sessions_signin_failed(ts_sessions *t, const void *key, size_t len, int64_t now)
{
    atomic_fetch_add(&t->failed, 1);
    pthread_mutex_lock(&t->mu);
    fail_slot *f = fail_find(t, key, len, true);
    if (now >= f->start + SIGNIN_WINDOW_S) {
        f->start = now;
        f->n = 0;
    }
    if (f->n < UINT32_MAX)
        f->n++;
    pthread_mutex_unlock(&t->mu);
}

void ts_sessions_counts(ts_sessions *t, uint64_t *signins_ok, uint64_t *signins_failed)
{
    *signins_ok = atomic_load(&t->ok);
    *signins_failed = atomic_load(&t->failed);
}

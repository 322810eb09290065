/* service/tokens.c — the service's cache of the database's officer tokens (hashes only,
 * immutable snapshots swapped in by the ticker when the tokens table changed) and the
 * principals a generation makes for them. Uses store (tokens), grid (officers). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/svc_int.h"

static void set_unref(tok_set *t)
{
    if (t && atomic_fetch_sub(&t->refs, 1) == 1)
        free(t);
}

void ts__svc_tokens_unref(tok_cache *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    set_unref(c->cur);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

typedef struct load_ctx {
    tok_set *set;
    size_t cap;
    ts_err *err;
} load_ctx;

static ts_status load_one(void *ud, const ts_token_row *t)
{
    load_ctx *l = ud;
    tok_entry *e;
    /* a row that cannot be a token of ours (hand-edited) matches no secret: skipped */
    if (strlen(t->id) >= sizeof e->id || strlen(t->officer) >= sizeof e->officer ||
        strlen(t->sha256) != 64)
        return TS_OK;
    if (l->set->n == l->cap) {
        if (l->cap >= TS_LIMIT_HTTP_OFFICER_TOKENS)
            return ts_err_set(l->err, TS_LIMIT, "tokens", "more than %u active officer tokens",
                              TS_LIMIT_HTTP_OFFICER_TOKENS);
        size_t cap = l->cap ? l->cap * 2 : 16;
        if (cap > TS_LIMIT_HTTP_OFFICER_TOKENS)
            cap = TS_LIMIT_HTTP_OFFICER_TOKENS;
        tok_set *n = realloc(l->set, sizeof *n + cap * sizeof n->e[0]);
        if (!n)
            return ts_err_set(l->err, TS_NOMEM, NULL, NULL);
        l->set = n;
        l->cap = cap;
    }
    e = &l->set->e[l->set->n++];
    snprintf(e->id, sizeof e->id, "%s", t->id);
    snprintf(e->officer, sizeof e->officer, "%s", t->officer);
    memcpy(e->sha256, t->sha256, 65);
    return TS_OK;
}

/* A new snapshot of the active tokens of s (one reference). */
static ts_status load_set(ts_store *s, tok_set **out, ts_err *err)
{
    load_ctx l = {.set = calloc(1, sizeof(tok_set)), .cap = 0, .err = err};
    if (!l.set)
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    ts_status rc = ts_store_token_list(s, true, load_one, &l, err);
    if (rc != TS_OK) {
        free(l.set);
        return rc;
    }
    atomic_init(&l.set->refs, 1);
    *out = l.set;
    return TS_OK;
}

ts_status ts__svc_tokens_open(ts_service *svc, ts_store *s, ts_err *err)
{
    tok_cache *c = calloc(1, sizeof *c);
    if (!c)
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    atomic_init(&c->refs, 1);
    pthread_mutex_init(&c->mu, NULL);
    ts_status rc = ts_store_tokens_mark(s, &c->mark, err);
    if (rc == TS_OK)
        rc = load_set(s, &c->cur, err);
    if (rc != TS_OK) {
        ts__svc_tokens_unref(c);
        return rc;
    }
    svc->tokens = c;
    ts__svc_gen_attach(svc, svc->live);
    return TS_OK;
}

ts_status ts__svc_tokens_refresh(ts_service *svc, ts_store *s, ts_err *err)
{
    tok_cache *c = svc->tokens;
    int64_t mark = 0;
    /* the mark is read before the list: a change between the two is read next time */
    ts_status rc = ts_store_tokens_mark(s, &mark, err);
    if (rc != TS_OK || mark == c->mark)
        return rc;
    tok_set *set = NULL;
    if ((rc = load_set(s, &set, err)) != TS_OK)
        return rc;
    pthread_mutex_lock(&c->mu);
    tok_set *old = c->cur;
    c->cur = set;
    pthread_mutex_unlock(&c->mu);
    set_unref(old);
    c->mark = mark;
    atomic_fetch_add(&c->epoch, 1);
    return TS_OK;
}

void ts__svc_gen_attach(ts_service *svc, ts_service_gen *g)
{
    if (!svc->tokens || g->tokens)
        return;
    atomic_fetch_add(&svc->tokens->refs, 1);
    g->tokens = svc->tokens;
}

/* The active stored token whose hash is hex, copied into *out. Every entry is compared. */
bool ts__svc_tokens_match(tok_cache *c, const char *hex, tok_entry *out)
{
    if (!c)
        return false;
    pthread_mutex_lock(&c->mu);
    tok_set *set = c->cur;
    if (set)
        atomic_fetch_add(&set->refs, 1);
    pthread_mutex_unlock(&c->mu);
    if (!set)
        return false;
    bool found = false;
    for (size_t i = 0; i < set->n; i++) {
        bool eq = ts_ct_equal(hex, set->e[i].sha256, 64);
        if (eq && !found) {
            *out = set->e[i];
            found = true;
        }
    }
    set_unref(set);
    return found;
}

/* The generation's principal for stored token e, made on first use; NULL when the grid
 * names no such officer (or the generation holds TS_LIMIT_HTTP_OFFICER_TOKENS already). */
const ts_principal *ts__svc_stored_principal(ts_service_gen *g, const tok_entry *e)
{
    const ts_principal *p = NULL;
    pthread_mutex_lock(&g->sp_mu);
    for (size_t i = 0; i < g->n_sp; i++) {
        if (!strcmp(g->sp[i]->id, e->id)) {
            p = &g->sp[i]->p;
            goto done;
        }
    }
    const ts_cell *cell = NULL;
    if (!ts_grid_officer(g->grid, e->officer, &cell) || g->n_sp >= TS_LIMIT_HTTP_OFFICER_TOKENS)
        goto done;
    if (g->n_sp == g->cap_sp) {
        size_t cap = g->cap_sp ? g->cap_sp * 2 : 8;
        stored_princ **n = realloc(g->sp, cap * sizeof *n);
        if (!n)
            goto done;
        g->sp = n;
        g->cap_sp = cap;
    }
    stored_princ *s = calloc(1, sizeof *s);
    if (!s)
        goto done;
    memcpy(s->id, e->id, sizeof s->id);
    memcpy(s->officer, e->officer, sizeof s->officer);
    s->cell = cell;
    s->p = (ts_principal){.name = s->id,
                          .write = false, /* officers act on alerts; ingest needs a config token */
                          .all = cell == NULL,
                          .cells = cell ? &s->cell : NULL,
                          .n_cells = cell ? 1 : 0,
                          .officer = s->officer,
                          .officer_cell = cell,
                          .county_desk = cell == NULL,
                          .token_id = s->id};
    g->sp[g->n_sp++] = s;
    p = &s->p;
done:
    pthread_mutex_unlock(&g->sp_mu);
    return p;
}

void ts__svc_gen_free_stored(ts_service_gen *g)
{
    for (size_t i = 0; i < g->n_sp; i++)
        free(g->sp[i]);
    free(g->sp);
    pthread_mutex_destroy(&g->sp_mu);
    ts__svc_tokens_unref(g->tokens);
}

uint64_t ts_service_tokens_epoch(ts_service *svc)
{
    return svc->tokens ? (uint64_t)atomic_load(&svc->tokens->epoch) : 0;
}

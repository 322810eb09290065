/* service/auth.c — bearer tokens → principals (configured tokens, and the database's
 * officer tokens through tokens.c's cache), grid scopes, and the per-token rate limit of
 * refused writes. Uses grid and nettle (through ts_sha256_hex_of). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/svc_int.h"

/* ---- refused writes --------------------------------------------------------------- */

static refusal_window *refusal_find(ts_service *svc, const char *name)
{
    for (size_t i = 0; i < svc->n_refusals; i++)
        if (!strcmp(svc->refusals[i].name, name))
            return &svc->refusals[i];
    if (svc->n_refusals == REFUSAL_TOKENS)
        return NULL;
    refusal_window *w = &svc->refusals[svc->n_refusals++];
    snprintf(w->name, sizeof w->name, "%s", name);
    return w;
}

bool ts_service_throttled(ts_service *svc, const ts_principal *p)
{
    uint64_t now = ts__svc_mono_ms();
    pthread_mutex_lock(&svc->refuse_mu);
    refusal_window *w = refusal_find(svc, p->name);
    bool over = w && now < w->start_ms + 60000u && w->n >= TS_LIMIT_HTTP_REFUSALS;
    pthread_mutex_unlock(&svc->refuse_mu);
    return over;
}

void ts_service_note_refusals(ts_service *svc, const ts_principal *p, size_t n)
{
    if (n == 0)
        return;
    uint64_t now = ts__svc_mono_ms();
    pthread_mutex_lock(&svc->refuse_mu);
    refusal_window *w = refusal_find(svc, p->name);
    if (w) {
        if (now >= w->start_ms + 60000u) {
            w->start_ms = now;
            w->n = 0;
        }
        w->n = w->n + n > UINT32_MAX ? UINT32_MAX : w->n + (unsigned)n;
    }
    pthread_mutex_unlock(&svc->refuse_mu);
}

/* ---- auth ------------------------------------------------------------------------- */

const ts_principal *ts_service_gen_auth(const ts_service_gen *g, const char *secret, size_t len)
{
    if (!secret || len == 0)
        return NULL;
    char hex[65];
    ts_sha256_hex_of(secret, len, hex);
    return ts_service_gen_auth_sha256(g, hex);
}

const ts_principal *ts_service_gen_auth_sha256(const ts_service_gen *g, const char *hex)
{
    if (!hex || strlen(hex) != 64)
        return NULL;
    const ts_principal *found = NULL;
    /* every token is compared, whatever matched, so timing says nothing about which */
    for (size_t i = 0; i < g->n_princ; i++)
        if (ts_ct_equal(hex, g->cfg->tokens[i].sha256, 64) && !found)
            found = &g->princ[i];
    tok_entry e;
    bool stored = ts__svc_tokens_match(g->tokens, hex, &e);
    if (!found && stored)
        /* the generation is immutable but for its stored principals, kept under sp_mu */
        found = ts__svc_stored_principal((ts_service_gen *)g, &e);
    return found;
}

bool ts_principal_sees(const ts_principal *p, const ts_cell *cell)
{
    if (p->all)
        return true;
    if (!cell)
        return false;
    for (size_t i = 0; i < p->n_cells; i++)
        if (ts_grid_in_scope(cell, p->cells[i]))
            return true;
    return false;
}

bool ts_principal_sees_code(const ts_principal *p, const ts_grid *g, const char *code)
{
    if (p->all)
        return true;
    return code && ts_principal_sees(p, ts_grid_find(g, code));
}

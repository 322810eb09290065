/* app/shadow.c — judging the shadows beside a screening, and a shadow's report set
 * (triscreen/shadow.h). Each shadow judges a private copy of the database rewound to the
 * screening's start (triscreen/rewind.h): the live tables are only read, and the copy's
 * alerts and lists are thrown away with it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "triscreen/date.h"
#include "triscreen/rewind.h"
#include "triscreen/rulehost.h"
#include "base/limits.h"
#include "triscreen/buf.h"
#include "triscreen/jsonw.h"
#include "triscreen/shadow_judge.h"

typedef struct names {
    char (*v)[48];
    size_t n;
} names;

static ts_status add_name(void *ud, const ts_shadow_row *r)
{
    names *nm = ud;
    if (nm->n < TS_SHADOWS_MAX)
        snprintf(nm->v[nm->n++], sizeof nm->v[0], "%s", r->name);
    return TS_OK;
}

/* A side's rules as the stored JSON array of {"id"} objects (what ts_judged_put reads
 * back), into arena; NULL out of memory. */
static const char *rules_json(const ts_impact_side *side, ts_arena *arena)
{
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_RULES_JSON);
    ts_jsonw w;
    ts_jsonw_init(&w, &b);
    ts_jsonw_arr(&w);
    for (size_t i = 0; i < side->n_rules; i++) {
        ts_jsonw_obj(&w);
        ts_jsonw_kstr(&w, "id", side->rules[i]);
        ts_jsonw_obj_end(&w);
    }
    ts_jsonw_arr_end(&w);
    const char *out = ts_jsonw_finish(&w) == TS_OK ? ts_arena_strdup(arena, ts_buf_str(&b)) : NULL;
    ts_buf_release(&b);
    return out;
}

static unsigned alert_bits(const ts_impact_side *side)
{
    unsigned bits = 0;
    for (int k = 0; k < TS_FEEDBACK_N; k++)
        bits |= side->alerts[k] ? 1u << k : 0;
    return bits;
}

/* The shadow's rows merged with the live side (every person either side judged), stored. */
static ts_status merge_put(ts_store *s, const char *name, int64_t run, ts_judged_set *live,
                           ts_judged_set *shadow, ts_err *err)
{
    ts_impact_row *rows = NULL;
    size_t n = 0;
    ts_status rc = ts_judged_merge(live, shadow, &rows, &n, err);
    ts_shadow_judgement *out = rc == TS_OK ? malloc((n ? n : 1) * sizeof *out) : NULL;
    if (rc == TS_OK && !out)
        rc = ts_err_set(err, TS_NOMEM, NULL, NULL);
    ts_arena a;
    ts_arena_init(&a, TS_LIMIT_ARENA_JUDGED);
    size_t k = 0;
    for (; rc == TS_OK && k < n; k++) {
        const ts_impact_row *r = &rows[k];
        out[k] = (ts_shadow_judgement){.person = r->person,
                                       .grid = r->grid,
                                       .live_colour = r->before.colour,
                                       .live_score = r->before.score,
                                       .live_rules = rules_json(&r->before, &a),
                                       .live_alerts = alert_bits(&r->before),
                                       .colour = r->after.colour,
                                       .score = r->after.score,
                                       .rules = rules_json(&r->after, &a),
                                       .alerts = alert_bits(&r->after),
                                       .run = run};
        if (!out[k].live_rules || !out[k].rules)
            rc = ts_err_set(err, TS_NOMEM, NULL, "out of memory (shadow judgements)");
    }
    if (rc == TS_OK)
        rc = ts_store_shadow_put(s, name, run, out, k, err);
    ts_arena_release(&a);
    free(out);
    free(rows);
    return rc;
}

static ts_status judge_one(ts_store *s, const ts_config *cfg, const ts_grid *grid,
                           const ts_screening *at, const char *name, ts_judged_set *live,
                           ts_err *err)
{
    ts_arena a;
    ts_arena_init(&a, TS_LIMIT_ARENA_PACK);
    ts_rule_file *files = NULL;
    size_t n = 0;
    ts_rulepack *pack = NULL;
    ts_judged_set *set = NULL;
    ts_store *copy = NULL;
    char dir[4096], db[4200];
    dir[0] = '\0';
    ts_rulehost_opts ro = ts_rulehost_opts_for(cfg);
    ts_status rc = ts_store_shadow_files(s, name, &a, &files, &n, err);
    if (rc == TS_OK)
        rc = ts_rulepack_load_files(name, files, n, &ro, NULL, NULL, &pack, err);
    if (rc == TS_OK)
        rc = ts_judged_set_new(grid, &set, err);
    if (rc == TS_OK) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/triscreen-shadow.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) {
            dir[0] = '\0';
            rc = ts_err_set(err, TS_IO, tmp ? tmp : "/tmp", "cannot create a temporary directory");
        }
    }
    snprintf(db, sizeof db, "%s/shadow.db", dir);
    if (rc == TS_OK)
        rc = ts_store_copy_to(s, db, err);
    if (rc == TS_OK)
        rc = ts_store_open(db, TS_STORE_READWRITE, &copy, err);
    if (rc == TS_OK)
        rc = ts_store_rewind(copy, at, err);
    int32_t now = 0;
    if (rc == TS_OK && !ts_date_parse(at->now, strlen(at->now), &now))
        rc = ts_err_set(err, TS_STORE, "runs", "screening %lld has no date", (long long)at->first);
    ts_judged_sink sink = {.set = set, .side = 1};
    ts_screen_opts o = {.cfg = cfg,
                        .grid = grid,
                        .pack = pack,
                        .passes = at->passes,
                        .scope = strcmp(at->scope, "all") ? at->scope : NULL,
                        .now = now,
                        .on_judged = ts_judged_collect,
                        .judged_ud = &sink};
    ts_screen_result res = {0};
    if (rc == TS_OK)
        rc = ts_screen_run(copy, db, &o, &res, err);
    ts_screen_result_release(&res);
    ts_store_close(copy);
    if (dir[0]) {
        ts_store_remove_files(db);
        rmdir(dir);
    }
    if (rc == TS_OK)
        rc = ts_judged_set_status(set, err);
    if (rc == TS_OK)
        rc = merge_put(s, name, at->first, live, set, err);
    ts_judged_set_free(set);
    ts_rulepack_free(pack);
    ts_arena_release(&a);
    return rc;
}

ts_status ts_shadows_judge(ts_store *s, const ts_config *cfg, const ts_grid *grid,
                           ts_judged_set *live, unsigned *judged, ts_err *err)
{
    *judged = 0;
    char v[TS_SHADOWS_MAX][48];
    names nm = {.v = v};
    ts_status rc = ts_store_shadow_names(s, add_name, &nm, err);
    if (rc != TS_OK || !nm.n)
        return rc;
    ts_screening at;
    bool found = false;
    if ((rc = ts_store_last_screening(s, &at, &found, err)) != TS_OK || !found)
        return rc;
    if ((rc = ts_judged_set_status(live, err)) != TS_OK)
        return rc;
    for (size_t i = 0; rc == TS_OK && i < nm.n; i++) {
        rc = judge_one(s, cfg, grid, &at, v[i], live, err);
        *judged += rc == TS_OK;
    }
    return rc;
}

typedef struct put_ctx {
    ts_judged_set *set;
    ts_err *err;
} put_ctx;

static ts_status put_both(void *ud, const ts_shadow_judgement *j)
{
    put_ctx *c = ud;
    ts_status rc = ts_judged_put(c->set, 0, j->person, j->grid, j->live_colour, j->live_score,
                                 j->live_rules, j->live_alerts, c->err);
    if (rc == TS_OK)
        rc = ts_judged_put(c->set, 1, j->person, j->grid, j->colour, j->score, j->rules, j->alerts,
                           c->err);
    return rc;
}

ts_status ts_shadow_report_set(ts_store *s, const char *name, ts_judged_set *set, ts_err *err)
{
    put_ctx c = {.set = set, .err = err};
    return ts_store_shadow_judged(s, name, put_both, &c, err);
}

/* ---- judging at ingest -------------------------------------------------------------- */

typedef struct shadow_host {
    char name[48];
    ts_rulepack *pack;
    ts_rulehost *host;
    ts_judged_set *set; /* the current job's judgements */
} shadow_host;

struct ts_shadow_hosts {
    shadow_host v[TS_SHADOWS_MAX];
    size_t n;
    char sig[TS_SHADOWS_MAX * 128]; /* "name=hash;" of what is loaded */
    const ts_grid *grid;
};

typedef struct sig_ctx {
    char *sig;
    size_t cap, len;
} sig_ctx;

static ts_status add_sig(void *ud, const ts_shadow_row *r)
{
    sig_ctx *c = ud;
    int k = snprintf(c->sig + c->len, c->cap - c->len, "%s=%s;", r->name, r->hash);
    if (k > 0 && (size_t)k < c->cap - c->len)
        c->len += (size_t)k;
    return TS_OK;
}

static void hosts_clear(ts_shadow_hosts *hs)
{
    for (size_t i = 0; i < hs->n; i++) {
        ts_rulehost_free(hs->v[i].host);
        ts_rulepack_free(hs->v[i].pack);
        ts_judged_set_free(hs->v[i].set);
    }
    hs->n = 0;
    hs->sig[0] = '\0';
}

void ts_shadow_hosts_free(ts_shadow_hosts *hs)
{
    if (!hs)
        return;
    hosts_clear(hs);
    free(hs);
}

size_t ts_shadow_hosts_count(const ts_shadow_hosts *hs)
{
    return hs ? hs->n : 0;
}

ts_status ts_shadow_hosts_sync(ts_shadow_hosts **hsp, ts_store *s, const ts_config *cfg,
                               const ts_grid *grid, unsigned *skipped, ts_err *err)
{
    *skipped = 0;
    char sig[TS_SHADOWS_MAX * 128];
    sig_ctx c = {.sig = sig, .cap = sizeof sig};
    sig[0] = '\0';
    ts_status rc = ts_store_shadow_names(s, add_sig, &c, err);
    if (rc != TS_OK)
        return rc;
    ts_shadow_hosts *hs = *hsp;
    if (hs && !strcmp(hs->sig, sig) && hs->grid == grid)
        return TS_OK;
    if (!hs && !sig[0])
        return TS_OK;
    if (!hs && !(hs = *hsp = calloc(1, sizeof *hs)))
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    hosts_clear(hs);
    hs->grid = grid;
    snprintf(hs->sig, sizeof hs->sig, "%s", sig);
    char v[TS_SHADOWS_MAX][48];
    names nm = {.v = v};
    if ((rc = ts_store_shadow_names(s, add_name, &nm, err)) != TS_OK)
        return rc;
    ts_rulehost_opts ro = ts_rulehost_opts_for(cfg);
    for (size_t i = 0; i < nm.n; i++) {
        ts_arena a;
        ts_arena_init(&a, TS_LIMIT_ARENA_PACK);
        ts_rule_file *files = NULL;
        size_t n = 0;
        shadow_host *h = &hs->v[hs->n];
        memset(h, 0, sizeof *h);
        memcpy(h->name, v[i], sizeof h->name);
        h->name[sizeof h->name - 1] = '\0';
        ts_err e;
        ts_err_clear(&e);
        ts_status r = ts_store_shadow_files(s, v[i], &a, &files, &n, &e);
        if (r == TS_OK)
            r = ts_rulepack_load_files(v[i], files, n, &ro, NULL, NULL, &h->pack, &e);
        if (r == TS_OK)
            r = ts_rulehost_new(h->pack, &h->host, &e);
        ts_arena_release(&a);
        if (r == TS_OK) {
            hs->n++;
        } else {
            ts_rulehost_free(h->host);
            ts_rulepack_free(h->pack);
            (*skipped)++;
        }
    }
    return TS_OK;
}

ts_status ts_shadow_hosts_judge(ts_shadow_hosts *hs, ts_store *s, const ts_screen_opts *base,
                                const char *const *ids, size_t n, ts_err *err)
{
    ts_status rc = TS_OK;
    for (size_t i = 0; rc == TS_OK && hs && i < hs->n; i++) {
        shadow_host *h = &hs->v[i];
        ts_judged_set_free(h->set);
        h->set = NULL;
        if ((rc = ts_judged_set_new(hs->grid, &h->set, err)) != TS_OK)
            break;
        ts_judged_sink sink = {.set = h->set, .side = 1};
        ts_screen_opts o = {.cfg = base->cfg,
                            .grid = base->grid,
                            .pack = h->pack,
                            .now = base->now,
                            .on_judged = ts_judged_collect,
                            .judged_ud = &sink};
        ts_screen_result res = {0};
        if ((rc = ts_store_savepoint(s, err)) != TS_OK)
            break;
        rc = ts_screen_inline(s, h->host, &o, ids, n, &res, err);
        ts_screen_result_release(&res);
        ts_err e2;
        ts_status undo = ts_store_savepoint_undo(s, rc == TS_OK ? err : &e2);
        if (rc == TS_OK)
            rc = undo;
        if (rc == TS_OK)
            rc = ts_judged_set_status(h->set, err);
    }
    return rc;
}

ts_status ts_shadow_hosts_store(ts_shadow_hosts *hs, ts_store *s, int64_t run, ts_judged_set *live,
                                ts_err *err)
{
    ts_status rc = ts_judged_set_status(live, err);
    for (size_t i = 0; rc == TS_OK && hs && i < hs->n; i++)
        if (hs->v[i].set)
            rc = merge_put(s, hs->v[i].name, run, live, hs->v[i].set, err);
    return rc;
}

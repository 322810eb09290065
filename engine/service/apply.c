/* service/apply.c — an ingest job on the writer thread: upserts, quick alerts for new
 * problem events, inline re-evaluation (ts_screen_inline), and the per-record result
 * JSON. Uses store, screen, feedback; base/jsonw.h for the result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/jsonw.h"
#include "triscreen/judged.h"
#include "triscreen/shadow_judge.h"
#include "service/svc_int.h"

/* ---- the writer ------------------------------------------------------------------- */

/* The alerts an ingest job raised, attached to their records once the job has applied
 * (so each is shown as it stands after the inline passes: evidence a later pass added
 * to an alert the same request raised is in it). */
typedef struct collect {
    ts_svc_job *job;
    ts_buf text;
} collect;

static rec *rec_for(ts_svc_job *j, const char *person)
{
    for (size_t i = j->n_recs; i-- > 0;)
        if (j->recs[i].state == REC_ACCEPTED && !strcmp(j->recs[i].p.id, person))
            return &j->recs[i];
    return NULL;
}

static ts_status collect_alert(void *ud, const ts_alert *al)
{
    collect *c = ud;
    rec *r = rec_for(c->job, al->person);
    if (!r)
        return TS_OK; /* not one of this request's records */
    ts_buf_reset(&c->text);
    ts_jsonw w;
    ts_jsonw_init(&w, &c->text);
    ts_alert_write_json(&w, al);
    ts_status rc = ts_jsonw_finish(&w);
    if (rc != TS_OK)
        return rc;
    alert_ref *a = ts_arena_alloc(&c->job->arena, sizeof *a);
    if (!a || !(a->json = ts_arena_strdup(&c->job->arena, ts_buf_str(&c->text))))
        return TS_NOMEM;
    a->next = NULL;
    if (r->alerts_tail)
        r->alerts_tail->next = a;
    else
        r->alerts = a;
    r->alerts_tail = a;
    return TS_OK;
}

/* The alerts raised since cursor `before`, rendered for the writer's token (issue 12 A1)
 * and attached to the records they are about. */
static ts_status capture(ts_service *svc, ts_svc_job *j, int64_t before, ts_err *err)
{
    const ts_principal *who = j->who;
    ts_reader rd = {.grid = j->gen->grid,
                    .cells = who->cells,
                    .n_cells = who->n_cells,
                    .reveal =
                        j->gen->cfg->reveal_outside_circle ? TS_REVEAL_NONE : TS_REVEAL_COUNT};
    size_t cap = j->n_recs * ALERTS_PER_HOOK;
    ts_alert_filter f = {.since = before,
                         .limit = cap < TS_LIMIT_HTTP_FEED ? cap : TS_LIMIT_HTTP_FEED,
                         .reader = who->all ? NULL : &rd,
                         .pack = j->gen->pack};
    collect c = {.job = j};
    ts_buf_init(&c.text, TS_LIMIT_RULES_JSON);
    int64_t last = 0;
    ts_status rc = ts_alerts_read(svc->w, j->gen->grid, &f, collect_alert, &c, &last, err);
    ts_buf_release(&c.text);
    if (rc != TS_OK && err && !err->msg[0]) /* the callback's failure carries no message */
        rc = ts_err_set(err, rc, "ingest", "cannot render the alerts of the request");
    return rc;
}

/* The ingest runs for the current transaction (see ts_screen_opts.inline_runs). */
int64_t *ts__svc_stage_runs(ts_service *svc, const ts_service_gen *g)
{
    if (svc->stage_gen != g) {
        svc->stage_gen = g;
        memcpy(svc->stage_runs, g->runs, sizeof svc->stage_runs);
    }
    return svc->stage_runs;
}

static ts_status ensure_host(ts_service *svc, ts_service_gen *g, ts_err *err)
{
    if (svc->host_gen == g && svc->host)
        return TS_OK;
    ts_rulehost_free(svc->host);
    svc->host = NULL;
    ts_service_gen_release(svc->host_gen);
    svc->host_gen = NULL;
    ts_status rc = ts_rulehost_new(g->pack, &svc->host, err);
    if (rc == TS_OK)
        svc->host_gen = ts__svc_gen_ref(g);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct writer_scope {
    const ts_principal *who;
    const ts_grid *grid;
} writer_scope;

static bool writer_covers(void *ud, const char *grid)
{
    const writer_scope *ws = ud;
    return ts_principal_sees_code(ws->who, ws->grid, grid);
}

/* An update must not move or overwrite a person this token cannot see: true when r was
 * refused for that (or *rc says why the check failed). */
static bool held_elsewhere(ts_service *svc, ts_svc_job *j, rec *r, ts_status *rc, ts_err *err)
{
    ts_person old;
    ts_err e2;
    ts_status g_rc = ts_store_get_person(svc->w, r->p.id, &svc->scratch, &old, &e2);
    if (g_rc == TS_OK && !ts_principal_sees_code(j->who, j->gen->grid, old.grid)) {
        ts__svc_rec_reject(r, REC_FORBIDDEN, REFUSED_FIELD, REFUSED_REASON, &j->arena);
        r->refused_why = "id held in a cell outside the token's scopes";
        return true;
    }
    if (g_rc != TS_OK && g_rc != TS_NOTFOUND) {
        *err = e2;
        *rc = g_rc;
    }
    return false;
}

/* The quick alerts of an HTTP ingest carry its inline run: the full pass's run of this
 * transaction, made now when the request's problem events come before the pass (the
 * inline pass then reuses it, ts_screen_opts.inline_runs). */
static ts_status problem_source(ts_service *svc, ts_svc_job *j, ts_err *err)
{
    ts_service_gen *g = j->gen;
    int64_t *runs = ts__svc_stage_runs(svc, g);
    if (runs[TS_PASS_FULL] == 0) {
        char now_s[11];
        ts_date_format(j->now, now_s);
        ts_run_info info = {.pass = ts_pass_name(TS_PASS_FULL),
                            .scope = "ingest",
                            .now = now_s,
                            .rules_hash = ts_rulepack_hash(g->pack),
                            .config_hash = g->cfg->sha256};
        ts_status rc = ts_store_run_begin(svc->w, &info, &runs[TS_PASS_FULL], err);
        if (rc != TS_OK)
            return rc;
    }
    ts_feedback_set_source(g->fb, runs[TS_PASS_FULL], 0);
    return TS_OK;
}

/* Upserts one checked record and raises the quick alerts of its new problem events. */
static ts_status upsert_record(ts_service *svc, ts_svc_job *j, rec *r, ts_err *err)
{
    ts_service_gen *g = j->gen;
    ts_store *s = svc->w;
    ts_list_row row;
    bool found = false;
    ts_status rc = ts_store_list_get(s, r->p.id, &svc->scratch, &row, &found, err);
    if (rc != TS_OK)
        return rc;
    r->from = found ? row.colour : 0;
    uint32_t *fresh = NULL;
    size_t n_fresh = 0;
    /* a scoped writer's relation to a person outside its scopes stays pending */
    writer_scope wsc = {j->who, g->grid};
    ts_store_writer w = {writer_covers, &wsc};
    if (r->p.n_relations && !r->pending &&
        !(r->pending = ts_arena_calloc(&j->arena, r->p.n_relations, sizeof *r->pending)))
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    rc = ts_store_put_person_as(s, &r->p, j->who->all ? NULL : &w, r->pending, &svc->scratch,
                                &r->res, &fresh, &n_fresh, err);
    if (rc != TS_OK)
        return rc;
    r->state = REC_ACCEPTED;
    for (size_t k = 0; k < n_fresh; k++) {
        const ts_event *ev = &r->p.events[fresh[k]];
        if (!ts_config_is_problem_event(g->cfg, ev->type))
            continue;
        if ((rc = problem_source(svc, j, err)) != TS_OK ||
            (rc = ts_feedback_on_problem_event(g->fb, s, &r->p, ev, err)) != TS_OK)
            return rc;
    }
    return TS_OK;
}

/* Refused writes are audited with the token's name, in the same transaction. */
static ts_status audit_refused(ts_service *svc, ts_svc_job *j, ts_err *err)
{
    for (size_t i = 0; i < j->n_recs; i++) {
        const rec *r = &j->recs[i];
        if (r->state != REC_FORBIDDEN)
            continue;
        char detail[160];
        snprintf(detail, sizeof detail, "line=%llu reason=%s", (unsigned long long)r->line,
                 r->refused_why ? r->refused_why : "outside the token's scopes");
        ts_status rc = ts_store_audit(svc->w, j->who->name, "http.write-refused",
                                      r->p.id ? r->p.id : "", detail, err);
        if (rc != TS_OK)
            return rc;
    }
    return TS_OK;
}

/* The distinct ids of the accepted records, sorted (malloc'd; NULL with *n = 0 when
 * there are none). */
static ts_status accepted_ids(const ts_svc_job *j, const char ***out, size_t *n, ts_err *err)
{
    size_t n_ids = 0;
    for (size_t i = 0; i < j->n_recs; i++)
        n_ids += j->recs[i].state == REC_ACCEPTED;
    *out = NULL;
    *n = 0;
    if (n_ids == 0)
        return TS_OK;
    const char **ids = malloc(n_ids * sizeof *ids);
    if (!ids)
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    n_ids = 0;
    for (size_t i = 0; i < j->n_recs; i++)
        if (j->recs[i].state == REC_ACCEPTED)
            ids[n_ids++] = j->recs[i].p.id;
    if (n_ids > 1) {
        qsort(ids, n_ids, sizeof *ids, cmp_str);
        size_t u = 1;
        for (size_t i = 1; i < n_ids; i++)
            if (strcmp(ids[i], ids[u - 1]))
                ids[u++] = ids[i];
        n_ids = u;
    }
    *out = ids;
    *n = n_ids;
    return TS_OK;
}

/* Re-evaluates the accepted persons inline and reads their new colours. */
static ts_status reevaluate(ts_service *svc, ts_svc_job *j, const char **ids, size_t n_ids,
                            ts_err *err)
{
    ts_service_gen *g = j->gen;
    ts_store *s = svc->w;
    ts_status rc = ensure_host(svc, g, err);
    if (rc != TS_OK)
        return rc;
    ts_screen_opts so = {.cfg = g->cfg,
                         .grid = g->grid,
                         .pack = g->pack,
                         .now = j->now,
                         .on_alert = ts_feedback_on_screen_alert,
                         .alert_ud = g->fb,
                         .inline_runs = ts__svc_stage_runs(svc, g),
                         .inline_tally = svc->stage_tally};
    /* the shadows judge the same records first, their writes undone (shadow_judge.h); a
     * shadow's failure never fails the ingest: it is counted in /metrics */
    ts_judged_set *live = NULL;
    ts_judged_sink sink = {0};
    ts_err serr;
    ts_err_clear(&serr);
    unsigned skipped = 0;
    bool shadows =
        ts_shadow_hosts_sync(&svc->shadows, s, g->cfg, g->grid, &skipped, &serr) == TS_OK &&
        ts_shadow_hosts_count(svc->shadows) > 0;
    if (shadows && (ts_shadow_hosts_judge(svc->shadows, s, &so, ids, n_ids, &serr) != TS_OK ||
                    ts_judged_set_new(g->grid, &live, &serr) != TS_OK))
        shadows = false;
    if (shadows) {
        sink.set = live;
        so.on_judged = ts_judged_collect;
        so.judged_ud = &sink;
    }
    ts_screen_result res;
    rc = ts_screen_inline(s, svc->host, &so, ids, n_ids, &res, err);
    if (rc == TS_OK && shadows)
        shadows = ts_shadow_hosts_store(svc->shadows, s, so.inline_runs[TS_PASS_FULL], live,
                                        &serr) == TS_OK;
    if (ts_shadow_hosts_count(svc->shadows) || skipped)
        atomic_fetch_add(shadows && !skipped ? &svc->st.shadows_ok : &svc->st.shadows_failed, 1);
    ts_judged_set_free(live);
    for (unsigned p = 0; p < res.n; p++)
        atomic_fetch_add(&svc->st.rule_errors, res.pass[p].rule_errors);
    ts_screen_result_release(&res);
    for (size_t i = 0; rc == TS_OK && i < j->n_recs; i++) {
        rec *r = &j->recs[i];
        if (r->state != REC_ACCEPTED)
            continue;
        ts_arena_reset(&svc->scratch);
        ts_list_row row;
        bool found = false;
        rc = ts_store_list_get(s, r->p.id, &svc->scratch, &row, &found, err);
        if (rc == TS_OK)
            r->to = found ? row.colour : 0;
    }
    return rc;
}

ts_status ts__svc_apply_ingest(ts_service *svc, ts_svc_job *j, ts_err *err)
{
    int64_t before = 0;
    ts_status rc = ts_alerts_max_cursor(svc->w, &before, err);
    for (size_t i = 0; rc == TS_OK && i < j->n_recs; i++) {
        rec *r = &j->recs[i];
        if (r->state != REC_PENDING)
            continue;
        ts_arena_reset(&svc->scratch);
        if (!j->who->all && held_elsewhere(svc, j, r, &rc, err))
            continue;
        if (rc == TS_OK)
            rc = upsert_record(svc, j, r, err);
    }
    if (rc == TS_OK)
        rc = audit_refused(svc, j, err);
    const char **ids = NULL;
    size_t n_ids = 0;
    if (rc == TS_OK)
        rc = accepted_ids(j, &ids, &n_ids, err);
    if (rc == TS_OK && n_ids > 0)
        rc = reevaluate(svc, j, ids, n_ids, err);
    free(ids);
    if (rc == TS_OK)
        rc = capture(svc, j, before, err);
    ts_feedback_set_source(j->gen->fb, 0, 0); /* a screening job sets its own */
    return rc;
}

static const char *colour_name(int c)
{
    return ts_colour_text((ts_colour)c);
}

static const char *upsert_name(ts_upsert u)
{
    return u == TS_UPSERT_NEW ? "new" : u == TS_UPSERT_UPDATED ? "updated" : "unchanged";
}

/* The relations of an accepted record a scoped writer left pending, if any. */
static void pending_json(ts_jsonw *w, const rec *r)
{
    bool open = false;
    for (size_t k = 0; r->pending && k < r->p.n_relations; k++) {
        if (!r->pending[k])
            continue;
        if (!open) {
            ts_jsonw_key(w, "relations_pending");
            ts_jsonw_arr(w);
            open = true;
        }
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "id", r->p.relations[k].other);
        ts_jsonw_kstr(w, "kind", r->p.relations[k].kind);
        ts_jsonw_kstr(w, "status", "pending");
        ts_jsonw_obj_end(w);
    }
    if (open)
        ts_jsonw_arr_end(w);
}

/* One accepted record's fields. The alerts are the feed's own JSON (render/alerts.c
 * through capture), written in as they are. */
static void accepted_json(ts_jsonw *w, const rec *r)
{
    ts_jsonw_kstr(w, "status", "accepted");
    ts_jsonw_kstr(w, "result", upsert_name(r->res));
    ts_jsonw_kstr(w, "colour", r->to ? colour_name(r->to) : NULL);
    if (r->from != r->to) {
        ts_jsonw_key(w, "colour_change");
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "from", colour_name(r->from));
        ts_jsonw_kstr(w, "to", colour_name(r->to));
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_key(w, "alerts");
    ts_jsonw_arr(w);
    for (const alert_ref *a = r->alerts; a; a = a->next)
        ts_jsonw_raw(w, a->json, strlen(a->json));
    ts_jsonw_arr_end(w);
    pending_json(w, r);
}

/* The per-record response of an ingest job; NULL when out of memory. Written by the
 * one JSON encoder (ts_jsonw); it parsed every alert's JSON back into json-c and
 * printed it again, which was 7% of the service's samples under single-record POSTs. */
char *ts__svc_ingest_json(const ts_svc_job *j)
{
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_ARENA_JOB);
    ts_jsonw w;
    ts_jsonw_init(&w, &b);
    size_t acc = 0, inv = 0, forb = 0, alerts = 0;
    for (size_t i = 0; i < j->n_recs; i++) {
        const rec *r = &j->recs[i];
        /* the totals come first in the answer */
        acc += r->state == REC_ACCEPTED;
        forb += r->state == REC_FORBIDDEN;
        inv += r->state != REC_ACCEPTED && r->state != REC_FORBIDDEN;
        if (r->state == REC_ACCEPTED)
            for (const alert_ref *a = r->alerts; a; a = a->next)
                alerts++;
    }
    ts_jsonw_obj(&w);
    ts_jsonw_kint(&w, "accepted", (int64_t)acc);
    ts_jsonw_kint(&w, "rejected", (int64_t)(inv + forb));
    ts_jsonw_kint(&w, "alerts", (int64_t)alerts);
    ts_jsonw_key(&w, "records");
    ts_jsonw_arr(&w);
    for (size_t i = 0; i < j->n_recs; i++) {
        const rec *r = &j->recs[i];
        ts_jsonw_obj(&w);
        ts_jsonw_kint(&w, "line", (int64_t)r->line);
        if (r->state == REC_ACCEPTED || r->p.id)
            ts_jsonw_kstr(&w, "id", r->p.id ? r->p.id : "");
        if (r->state == REC_ACCEPTED) {
            accepted_json(&w, r);
        } else {
            bool forbidden = r->state == REC_FORBIDDEN;
            ts_jsonw_kstr(&w, "status", "rejected");
            ts_jsonw_kint(&w, "code", forbidden ? 403 : 400);
            ts_jsonw_kstr(&w, "field", r->field ? r->field : "");
            ts_jsonw_kstr(&w, "reason", r->reason ? r->reason : "");
        }
        ts_jsonw_obj_end(&w);
    }
    ts_jsonw_arr_end(&w);
    ts_jsonw_obj_end(&w);
    char *out = ts_jsonw_finish(&w) == TS_OK ? ts_buf_take(&b) : NULL;
    ts_buf_release(&b);
    return out;
}

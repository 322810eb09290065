/* passes/screen.c — the screening passes (screen.h) on the ordered pipeline
 * (triscreen/pipeline.h): reader thread → worker threads (one rule host each) → in-order
 * writer on the calling thread. Uses base, store, rulehost, decide (lists), grid, config.
 *
 * Ordering: batches carry a sequence number; the writer takes them strictly in that
 * order, so every id the database hands out (transitions, alerts) is the same for any
 * thread count. Workers only read shared immutable data (pack, grid, the list
 * snapshot) and write into their own batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "triscreen/date.h"
#include "triscreen/decide.h"
#include "triscreen/pipeline.h"
#include "triscreen/screen.h"
#include "passes/jsonbuf.h"

#define BATCH_PERSONS 256
#define BATCH_ARENA_CAP ((size_t)512 << 20)

typedef struct item {
    ts_subject subj;
    ts_person person;
    const ts_list_row *prior; /* NULL when not listed before this pass */
    int was_suspect;          /* 1, 0, -1 */
    bool load;                /* targeted: the worker loads person, mark and circle */
    bool skip;                /* nothing to evaluate (the person vanished) */
    ts_circle_member *circle;
    size_t n_circle;
    /* worker output */
    ts_eval_result res;
    bool suspect;
    unsigned n_gaps;
    const char *rules_json; /* fired rules of this pass with evidence */
    const char *gaps_json;
    ts_list_row row; /* new list state (regional/targeted) */
    bool row_changed;
    int from, to;           /* effective colour before/after */
    const char *fb_json[4]; /* per feedback kind: the rules behind it, or NULL */
    bool early_engine;
    bool detailed_engine;
} item;

/* One pipeline item (triscreen/pipeline.h): up to BATCH_PERSONS persons. */
typedef struct batch {
    ts_arena arena;
    item items[BATCH_PERSONS];
    size_t n;
    ts_err err;
} batch;

typedef struct pass_ctx {
    const ts_screen_opts *o;
    ts_pass pass;
    const ts_cell *scope;
    const char *scope_name;
    char now_s[11];
    int64_t run;
    /* list snapshot at the start of the pass, sorted by person id */
    ts_list_row *snap;
    size_t n_snap;
    ts_arena snap_arena;
    /* pipeline (ts_pipeline_run): the reader thread's scan or position in snap, the
     * workers' rule hosts, the writer's connection and summary */
    ts_store *reader;
    ts_scan *scan;
    bool scan_end;
    size_t next_snap;
    ts_rulehost **hosts;
    unsigned n_workers;
    ts_store *w;
    ts_pass_summary *sum;
    uint64_t done_persons;
    uint64_t total_hint;
    bool inline_mode; /* ts_screen_inline: no snapshot, point lookups on the writer */
    const char *db_path;
    int64_t seq_base; /* first ledger sequence number of this pass's rows in its run */
    double eval_cpu;  /* CPU seconds the workers spent evaluating (summed at worker_fini) */
} pass_ctx;

/* ---- helpers --------------------------------------------------------------------------- */

static const ts_list_row *snap_find(const pass_ctx *pc, const char *id)
{
    size_t lo = 0, hi = pc->n_snap;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(pc->snap[mid].person, id);
        if (c == 0)
            return &pc->snap[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool in_scope(const pass_ctx *pc, const char *grid)
{
    if (!pc->scope)
        return true;
    const ts_cell *c = ts_grid_find(pc->o->grid, grid);
    return c && ts_grid_in_scope(c, pc->scope);
}

static void ancestors(const ts_grid *g, const char *grid, const char **village, const char **town)
{
    const ts_cell *c = ts_grid_find(g, grid);
    const ts_cell *v = c ? ts_grid_ancestor(c, TS_CELL_VILLAGE) : NULL;
    const ts_cell *t = c ? ts_grid_ancestor(c, TS_CELL_TOWN) : NULL;
    *village = v ? v->code : "";
    *town = t ? t->code : "";
}

static bool override_active(const ts_list_row *r, int32_t now)
{
    return r && r->override_colour >= 0 &&
           (r->override_until == TS_DATE_NONE || now < r->override_until);
}

/* The colour a circle rule sees for a relative (issue 12 G1): the one a person's review
 * set (an override in the row), else the one the regional pass set — never a colour a
 * targeted rule raised, so red by association stops at the first degree and a re-run
 * over unchanged data sees what the last run saw. A row without a regional colour (from
 * before the column existed) falls back to the engine's colour, like the targeted base.
 * The detailed headline reads the same view (ts__alert_db_circle). */
static ts_colour circle_colour(const ts_list_row *r)
{
    if (!r)
        return TS_COLOUR_NONE;
    if (r->override_colour >= 0)
        return (ts_colour)r->override_colour;
    return (ts_colour)(r->regional_colour ? r->regional_colour : r->engine_colour);
}

static int32_t review_date(const pass_ctx *pc, int colour)
{
    int slot = ts_colour_slot((ts_colour)colour);
    if (slot < 0)
        return TS_DATE_NONE;
    return pc->o->now + pc->o->cfg->review_days[slot];
}

/* ---- reader ---------------------------------------------------------------------------- */

static bool want_row(void *ud, const char *id, const char *grid, int suspect)
{
    pass_ctx *pc = ud;
    if (pc->o->person && strcmp(pc->o->person, id) != 0)
        return false;
    if (!in_scope(pc, grid))
        return false;
    if (pc->pass == TS_PASS_REGIONAL)
        return suspect == 1 || snap_find(pc, id) != NULL;
    return true;
}

typedef struct circle_acc {
    ts_circle_member *m;
    size_t n, cap;
} circle_acc;

static ts_status circle_add(pass_ctx *pc, ts_store *db, ts_arena *a, circle_acc *acc,
                            const char *self, const ts_relation *rels, size_t n_rels, int depth,
                            ts_err *err)
{
    for (size_t r = 0; r < n_rels; r++) {
        const char *other = rels[r].other;
        if (!strcmp(other, self))
            continue;
        bool seen = false;
        for (size_t k = 0; k < acc->n && !seen; k++)
            seen = !strcmp(acc->m[k].person->id, other);
        if (seen)
            continue;
        ts_person *op = ts_arena_alloc(a, sizeof *op);
        if (!op)
            return ts_err_set(err, TS_NOMEM, NULL, "circle");
        ts_status rc = ts_store_get_person(db, other, a, op, err);
        if (rc == TS_NOTFOUND)
            continue; /* a relation to someone not imported yet */
        if (rc != TS_OK)
            return rc;
        if (acc->n == acc->cap) {
            size_t cap = acc->cap ? acc->cap * 2 : 8;
            ts_circle_member *nm = ts_arena_alloc(a, cap * sizeof *nm);
            if (!nm)
                return ts_err_set(err, TS_NOMEM, NULL, "circle");
            if (acc->n)
                memcpy(nm, acc->m, acc->n * sizeof *nm);
            acc->m = nm;
            acc->cap = cap;
        }
        ts_circle_member *cm = &acc->m[acc->n++];
        cm->person = op;
        ancestors(pc->o->grid, op->grid, &cm->village, &cm->town);
        cm->relation = rels[r].kind;
        cm->distance = depth;
        /* colours as they stood when the pass began: the snapshot, not this run's writes
         * (inline mode has no snapshot and reads the current row), seen through
         * circle_colour */
        if (pc->inline_mode) {
            ts_list_row lr;
            bool found = false;
            if ((rc = ts_store_list_get(db, other, a, &lr, &found, err)) != TS_OK)
                return rc;
            cm->colour = circle_colour(found ? &lr : NULL);
        } else {
            cm->colour = circle_colour(snap_find(pc, other));
        }
        int sus = -1;
        if ((rc = ts_store_get_mark(db, other, &sus, err)) != TS_OK)
            return rc;
        cm->suspect = sus == 1;
    }
    return TS_OK;
}

/* Depth 1: the person's relations; depth 2: theirs, minus the person and depth 1. */
static ts_status load_circle(pass_ctx *pc, ts_store *db, ts_arena *a, item *it, ts_err *err)
{
    circle_acc acc = {0};
    const ts_person *p = &it->person;
    ts_status rc = circle_add(pc, db, a, &acc, p->id, p->relations, p->n_relations, 1, err);
    size_t d1 = acc.n;
    for (size_t k = 0; rc == TS_OK && k < d1; k++)
        rc = circle_add(pc, db, a, &acc, p->id, acc.m[k].person->relations,
                        acc.m[k].person->n_relations, 2, err);
    if (rc != TS_OK)
        return rc;
    it->circle = acc.m;
    it->n_circle = acc.n;
    return TS_OK;
}

static void fill_subject(pass_ctx *pc, item *it)
{
    it->subj.person = &it->person;
    ancestors(pc->o->grid, it->person.grid, &it->subj.village, &it->subj.town);
    it->subj.colour = it->prior ? (ts_colour)it->prior->colour : TS_COLOUR_NONE;
    it->subj.suspect = it->was_suspect == 1;
    it->subj.circle = it->circle;
    it->subj.n_circle = it->n_circle;
}

/* Reader side of a full or regional pass: the next persons of the store's scan. */
static ts_status read_scan(pass_ctx *pc, batch *b, ts_err *err)
{
    while (!pc->scan_end && b->n < BATCH_PERSONS) {
        ts_scan_row row;
        ts_status rc =
            ts_store_scan_next(pc->scan, &b->arena, want_row, pc, &row, &pc->scan_end, err);
        if (rc != TS_OK)
            return rc;
        if (pc->scan_end)
            break;
        item *it = &b->items[b->n++];
        memset(it, 0, sizeof *it);
        it->person = row.person;
        it->was_suspect = row.suspect;
        it->prior = snap_find(pc, row.person.id);
        fill_subject(pc, it);
    }
    return TS_OK;
}

/* Targeted: the reader only hands out the list rows; each worker loads the person, the
 * mark and the circle on its own connection, so those point reads run in parallel. */
static void read_targeted(pass_ctx *pc, batch *b)
{
    for (; pc->next_snap < pc->n_snap && b->n < BATCH_PERSONS; pc->next_snap++) {
        const ts_list_row *lr = &pc->snap[pc->next_snap];
        if (lr->colour <= 0)
            continue; /* held off the lists by an override */
        if (pc->o->person && strcmp(pc->o->person, lr->person) != 0)
            continue;
        if (pc->o->due && (lr->next_review == TS_DATE_NONE || lr->next_review > pc->o->now))
            continue;
        if (!in_scope(pc, lr->grid))
            continue;
        item *it = &b->items[b->n++];
        memset(it, 0, sizeof *it);
        it->prior = lr;
        it->load = true;
    }
}

/* Pipeline reader: the next batch; the end when no person is left. */
static ts_status read_batch(void *ud, void *slot, bool *end, ts_err *err)
{
    pass_ctx *pc = ud;
    batch *b = slot;
    ts_arena_reset(&b->arena);
    b->n = 0;
    ts_status rc = TS_OK;
    if (pc->pass == TS_PASS_TARGETED)
        read_targeted(pc, b);
    else
        rc = read_scan(pc, b, err);
    *end = rc == TS_OK && b->n == 0;
    return rc;
}

/* Worker side of read_targeted. */
static ts_status load_item(pass_ctx *pc, ts_store *db, batch *b, item *it)
{
    const ts_list_row *lr = it->prior;
    ts_status rc = ts_store_get_person(db, lr->person, &b->arena, &it->person, &b->err);
    if (rc == TS_NOTFOUND) {
        it->skip = true;
        return TS_OK;
    }
    if (rc == TS_OK)
        rc = ts_store_get_mark(db, lr->person, &it->was_suspect, &b->err);
    if (rc == TS_OK)
        rc = load_circle(pc, db, &b->arena, it, &b->err);
    if (rc == TS_OK)
        fill_subject(pc, it);
    return rc;
}

/* ---- workers --------------------------------------------------------------------------- */

/* Evidence that names a circle member carries the member as data (issue 12 A1): when ev
 * mentions a member's id, name (3 bytes or more) or group cell — the longest match at
 * each place — appends ,"parts":[TEXT | {"member","relation","grid","text"}, …] whose
 * texts join to ev again. Readers render a member outside their scopes from the part,
 * never by editing text (lists/redact.c). Members are the subject's whole circle, a
 * superset of what any one rule was shown, so a hostile rule's text is covered too. */
static void evidence_parts(ts_jbuf *jb, const char *ev, const ts_circle_member *c, size_t n_c)
{
    size_t len = ev ? strlen(ev) : 0, start = 0;
    bool any = false;
    for (size_t i = 0; n_c && i < len;) {
        size_t best = 0;
        const ts_circle_member *bm = NULL;
        for (size_t k = 0; k < n_c; k++) {
            const char *keys[3] = {c[k].person->id, c[k].person->name, c[k].person->grid};
            for (int q = 0; q < 3; q++) {
                size_t l = keys[q] ? strlen(keys[q]) : 0;
                if (l > best && l <= len - i && (q == 0 || l >= 3) && !memcmp(ev + i, keys[q], l)) {
                    best = l;
                    bm = &c[k];
                }
            }
        }
        if (!bm) {
            i++;
            continue;
        }
        ts__jbuf_lit(jb, any ? "," : ",\"parts\":[");
        any = true;
        if (i > start) {
            ts__jbuf_strn(jb, ev + start, i - start);
            ts__jbuf_lit(jb, ",");
        }
        ts__jbuf_lit(jb, "{\"member\":");
        ts__jbuf_str(jb, bm->person->id);
        ts__jbuf_lit(jb, ",\"relation\":");
        ts__jbuf_str(jb, bm->relation ? bm->relation : "");
        ts__jbuf_lit(jb, ",\"grid\":");
        ts__jbuf_str(jb, bm->person->grid ? bm->person->grid : "");
        ts__jbuf_lit(jb, ",\"text\":");
        ts__jbuf_strn(jb, ev + i, best);
        ts__jbuf_lit(jb, "}");
        i += best;
        start = i;
    }
    if (!any)
        return;
    if (start < len) {
        ts__jbuf_lit(jb, ",");
        ts__jbuf_strn(jb, ev + start, len - start);
    }
    ts__jbuf_lit(jb, "]");
}

static const char *rules_json(const ts_rulepack *pack, const ts_eval_result *r, int only_kind,
                              int only_feedback, const item *it, ts_jbuf *jb, ts_arena *a,
                              size_t *count)
{
    ts__jbuf_reset(jb);
    ts__jbuf_lit(jb, "[");
    size_t n = 0;
    for (size_t i = 0; i < r->n_fired; i++) {
        const ts_rule_info *ri = ts_rulepack_rule(pack, r->fired[i].rule);
        if (only_kind >= 0 && (int)ri->kind != only_kind)
            continue;
        if (only_feedback >= 0 && (int)ri->feedback != only_feedback)
            continue;
        ts__jbuf_lit(jb, n++ ? ",{\"id\":" : "{\"id\":");
        ts__jbuf_str(jb, ri->id);
        ts__jbuf_lit(jb, ",\"evidence\":");
        ts__jbuf_str(jb, r->fired[i].evidence ? r->fired[i].evidence : "");
        evidence_parts(jb, r->fired[i].evidence, it->circle, it->n_circle);
        ts__jbuf_lit(jb, "}");
    }
    ts__jbuf_lit(jb, "]");
    if (count)
        *count = n;
    return ts__jbuf_dup(jb, a);
}

/* "[a]" + "[b]" → "[a,b]" */
static const char *json_concat(const char *a, const char *b, ts_arena *ar)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la <= 2)
        return ts_arena_strdup(ar, b);
    if (lb <= 2)
        return ts_arena_strdup(ar, a);
    char *out = ts_arena_alloc(ar, la + lb);
    if (!out)
        return NULL;
    memcpy(out, a, la - 1);
    out[la - 1] = ',';
    memcpy(out + la, b + 1, lb - 1);
    out[la + lb - 1] = '\0';
    return out;
}

static bool row_equal(const ts_list_row *a, const ts_list_row *b)
{
    return a->colour == b->colour && a->engine_colour == b->engine_colour &&
           a->regional_colour == b->regional_colour && a->override_colour == b->override_colour &&
           a->override_until == b->override_until && a->score == b->score &&
           a->regional_score == b->regional_score && a->since == b->since &&
           a->next_review == b->next_review && !strcmp(a->reasons, b->reasons) &&
           !strcmp(a->regional_reasons, b->regional_reasons);
}

/* Regional/targeted: the new list row from the engine's decision and any override. */
static void decide_row(pass_ctx *pc, item *it, int engine, int score, const char *reasons,
                       int regional_colour, int regional_score, const char *regional_reasons)
{
    const ts_list_row *pr = it->prior;
    ts_list_row *r = &it->row;
    memset(r, 0, sizeof *r);
    r->person = it->person.id;
    r->grid = it->person.grid;
    r->engine_colour = engine;
    r->score = score;
    r->reasons = reasons;
    r->regional_colour = regional_colour;
    r->regional_score = regional_score;
    r->regional_reasons = regional_reasons;
    r->override_colour = -1;
    r->override_until = TS_DATE_NONE;
    if (override_active(pr, pc->o->now)) {
        r->override_colour = pr->override_colour;
        r->override_until = pr->override_until;
        r->override_by = pr->override_by;
    }
    r->colour = r->override_colour >= 0 ? r->override_colour : engine;
    it->from = pr ? pr->colour : 0;
    it->to = r->colour;
    r->since = (pr && it->from == it->to) ? pr->since : pc->o->now;
    if (pc->pass == TS_PASS_TARGETED)
        r->next_review = review_date(pc, r->colour);
    else if (pr && it->from == it->to)
        r->next_review = pr->next_review;
    else
        r->next_review = review_date(pc, r->colour);
    if (r->colour == 0 && r->override_colour < 0)
        it->row_changed = pr != NULL;
    else
        it->row_changed = !pr || !row_equal(pr, r);
}

static ts_status eval_item(pass_ctx *pc, ts_rulehost *h, batch *b, item *it, ts_jbuf *jb)
{
    const ts_rulepack *pack = pc->o->pack;
    ts_eval_ctx ctx = {.now = pc->o->now, .pass = pc->pass, .scope = pc->scope_name};
    ts_status rc = ts_rulehost_eval(h, &ctx, &it->subj, &b->arena, &it->res, &b->err);
    if (rc != TS_OK)
        return rc;
    ts_arena *a = &b->arena;
    const int *th = pc->o->cfg->thresholds;
    it->rules_json = rules_json(pack, &it->res, -1, -1, it, jb, a, NULL);
    for (int fb = TS_FEEDBACK_EARLY; fb <= TS_FEEDBACK_QUICK && it->res.n_fired; fb++) {
        size_t n = 0;
        const char *j = rules_json(pack, &it->res, -1, fb, it, jb, a, &n);
        it->fb_json[fb] = n ? j : NULL;
    }
    switch (pc->pass) {
    case TS_PASS_FULL: {
        ts_full_outcome fo;
        ts_decide_full(pack, &it->res, it->was_suspect == 1, &fo);
        it->suspect = fo.suspect;
        it->n_gaps = fo.n_gaps;
        it->early_engine = fo.early;
        ts__jbuf_reset(jb);
        ts__jbuf_lit(jb, "[");
        size_t n = 0;
        for (size_t i = 0; i < it->res.n_fired; i++) {
            const ts_rule_info *ri = ts_rulepack_rule(pack, it->res.fired[i].rule);
            if (ri->kind != TS_RULE_GAP)
                continue;
            if (n++)
                ts__jbuf_lit(jb, ",");
            ts__jbuf_str(jb, ri->id);
        }
        ts__jbuf_lit(jb, "]");
        it->gaps_json = ts__jbuf_dup(jb, a);
        if (it->early_engine && !it->fb_json[TS_FEEDBACK_EARLY])
            it->fb_json[TS_FEEDBACK_EARLY] =
                rules_json(pack, &it->res, TS_RULE_SUSPECT, -1, it, jb, a, NULL);
        break;
    }
    case TS_PASS_REGIONAL: {
        ts_list_outcome lo;
        int prior_engine = it->prior ? it->prior->engine_colour : 0;
        ts_decide_regional(pack, &it->res, (ts_colour)prior_engine, th, &lo);
        const ts_list_row *pr = it->prior;
        if (pr && pr->regional_colour == (int)lo.colour && pr->regional_score == lo.score &&
            !strcmp(pr->regional_reasons, it->rules_json) && lo.colour != TS_COLOUR_NONE) {
            /* the regional basis is unchanged: keep what the last targeted pass built on
             * it, so re-running unchanged data makes no fall-and-rise transitions */
            decide_row(pc, it, pr->engine_colour, pr->score, pr->reasons, lo.colour, lo.score,
                       it->rules_json);
        } else {
            decide_row(pc, it, lo.colour, lo.score, it->rules_json, lo.colour, lo.score,
                       it->rules_json);
        }
        break;
    }
    case TS_PASS_TARGETED: {
        ts_list_outcome lo;
        const ts_list_row *pr = it->prior;
        int base_colour = pr->regional_colour ? pr->regional_colour : pr->engine_colour;
        int base_score = pr->regional_colour ? pr->regional_score : pr->score;
        const char *base_reasons = pr->regional_colour ? pr->regional_reasons : pr->reasons;
        ts_decide_targeted(pack, &it->res, (ts_colour)base_colour, base_score, th, &lo);
        const char *reasons = json_concat(base_reasons, it->rules_json, a);
        if (!reasons)
            return ts_err_set(&b->err, TS_NOMEM, NULL, "reasons");
        decide_row(pc, it, lo.colour, lo.score, reasons, base_colour, base_score, base_reasons);
        break;
    }
    }
    if (pc->pass != TS_PASS_FULL) {
        it->detailed_engine = ts_decide_is_rise((ts_colour)it->from, (ts_colour)it->to);
        if (it->detailed_engine && !it->fb_json[TS_FEEDBACK_DETAILED])
            it->fb_json[TS_FEEDBACK_DETAILED] = it->row.reasons;
    }
    if (!it->rules_json || (pc->pass == TS_PASS_FULL && !it->gaps_json))
        return ts_err_set(&b->err, TS_NOMEM, NULL, "results");
    return TS_OK;
}

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct worker {
    ts_rulehost *host;
    ts_store *db; /* targeted: this worker's read connection */
    ts_jbuf jb;
    double cpu; /* seconds spent evaluating */
} worker;

static ts_status worker_init(void *ud, size_t index, void **state, ts_err *err)
{
    pass_ctx *pc = ud;
    worker *w = calloc(1, sizeof *w);
    if (!w)
        return ts_err_set(err, TS_NOMEM, NULL, "threads");
    w->host = pc->hosts[index];
    ts__jbuf_init(&w->jb);
    ts_status rc = TS_OK;
    if (pc->pass == TS_PASS_TARGETED)
        rc = ts_store_open(pc->db_path, TS_STORE_READWRITE, &w->db, err);
    if (rc != TS_OK) {
        ts__jbuf_release(&w->jb);
        free(w);
        return rc;
    }
    *state = w;
    return TS_OK;
}

static void worker_fini(void *ud, void *state)
{
    pass_ctx *pc = ud;
    worker *w = state;
    pc->eval_cpu += w->cpu; /* on the calling thread, after every worker left */
    ts_store_close(w->db);
    ts__jbuf_release(&w->jb);
    free(w);
}

/* Pipeline worker: loads (targeted) and evaluates every person of a batch. */
static ts_status work_batch(void *ud, void *state, void *slot, ts_err *err)
{
    pass_ctx *pc = ud;
    worker *w = state;
    batch *b = slot;
    ts_err_clear(&b->err);
    ts_status rc = TS_OK;
    for (size_t i = 0; i < b->n && rc == TS_OK; i++) {
        item *it = &b->items[i];
        if (it->load)
            rc = load_item(pc, w->db, b, it);
        double t0 = thread_cpu();
        if (rc == TS_OK && !it->skip)
            rc = eval_item(pc, w->host, b, it, &w->jb);
        w->cpu += thread_cpu() - t0;
    }
    if (rc != TS_OK && err)
        *err = b->err;
    return rc;
}

/* ---- writer ---------------------------------------------------------------------------- */

static ts_status alert(pass_ctx *pc, ts_store *s, const item *it, ts_feedback kind, const char *why,
                       ts_pass_summary *sum, ts_err *err)
{
    if (!it->fb_json[kind])
        return TS_OK;
    sum->alerts[kind]++;
    if (!pc->o->on_alert)
        return TS_OK;
    ts_screen_alert a = {.kind = kind,
                         .person = it->person.id,
                         .grid = it->person.grid,
                         .colour = pc->pass == TS_PASS_FULL ? it->subj.colour : (ts_colour)it->to,
                         .prior_colour = (ts_colour)it->from,
                         .rules_json = it->fb_json[kind],
                         .why = why,
                         .run = pc->run};
    return pc->o->on_alert(pc->o->alert_ud, s, &a, err);
}

static ts_status write_item(pass_ctx *pc, ts_store *s, const item *it, ts_pass_summary *sum,
                            ts_err *err)
{
    const ts_rulepack *pack = pc->o->pack;
    ts_status rc = TS_OK;
    sum->persons++;
    sum->fired_total += it->res.n_fired;
    for (size_t i = 0; i < it->res.n_fired; i++)
        sum->fired[it->res.fired[i].rule]++;
    for (size_t i = 0; i < it->res.n_errors; i++) {
        const ts_rule_error *e = &it->res.errors[i];
        const ts_rule_info *ri = ts_rulepack_rule(pack, e->rule);
        /* the summary and --strict name ids and the rule only: a rule's message may embed
         * record values (error("bad " .. p.name)); its full text stays in rule_errors */
        if (sum->rule_errors++ == 0)
            snprintf(sum->first_error, sizeof sum->first_error,
                     "person %s rule %s %s: %s (message in rule_errors of run %lld)", it->person.id,
                     ri->id, e->where, ts_status_text(e->code), (long long)pc->run);
        rc = ts_store_put_rule_error(s, pc->run, it->person.id, ri->id, ts_status_name(e->code),
                                     e->where, e->msg, err);
        if (rc != TS_OK)
            return rc;
        if (pc->o->strict)
            return ts_err_set(err, TS_RULE, e->where,
                              "person %s, rule %s: %s (--strict: the run is rolled back; "
                              "screen without --strict to keep the message in rule_errors)",
                              it->person.id, ri->id, ts_status_text(e->code));
    }
    if (pc->pass == TS_PASS_FULL) {
        sum->suspects += it->suspect;
        sum->newly_suspect += it->early_engine;
        sum->with_gaps += it->n_gaps > 0;
        rc = ts_store_put_ledger(s, pc->run, pc->seq_base + (int64_t)sum->persons, it->person.id,
                                 it->person.grid, it->suspect, it->gaps_json, it->rules_json, err);
        /* marks only change on a change: "never screened" reads as not suspect, so a
         * first run writes marks for the suspects only */
        bool was = it->was_suspect == 1;
        if (rc == TS_OK && (was != it->suspect || (it->was_suspect == -1 && it->suspect)))
            rc = ts_store_put_mark(s, it->person.id, it->suspect, pc->run, err);
        if (rc == TS_OK)
            rc = alert(pc, s, it, TS_FEEDBACK_EARLY,
                       it->early_engine ? "newly suspect" : "rule feedback", sum, err);
    } else {
        if (it->row_changed)
            rc = ts_store_put_list(s, &it->row, pc->run, err);
        if (rc == TS_OK && it->from != it->to) {
            sum->transitions++;
            sum->entered += it->from == 0;
            sum->left += it->to == 0;
            sum->rose += it->from != 0 && it->to > it->from;
            sum->fell += it->to != 0 && it->to < it->from;
            rc = ts_store_put_transition(s, it->person.id, pc->run, it->from, it->to, it->row.score,
                                         it->row.reasons, pc->now_s, "engine", err);
        }
        if (rc == TS_OK) {
            char why[64];
            snprintf(why, sizeof why, "%s %s→%s", it->from ? "rose" : "entered",
                     ts_colour_text((ts_colour)it->from), ts_colour_name((ts_colour)it->to));
            rc = alert(pc, s, it, TS_FEEDBACK_DETAILED, it->detailed_engine ? why : "rule feedback",
                       sum, err);
        }
    }
    if (rc == TS_OK)
        rc = alert(pc, s, it, TS_FEEDBACK_QUICK, "rule feedback", sum, err);
    if (rc == TS_OK && pc->pass != TS_PASS_FULL)
        rc = alert(pc, s, it, TS_FEEDBACK_EARLY, "rule feedback", sum, err);
    return rc;
}

/* Pipeline writer: the batch's persons in input order, then progress. */
static ts_status write_batch(void *ud, void *slot, ts_err *err)
{
    pass_ctx *pc = ud;
    batch *b = slot;
    ts_status rc = TS_OK;
    for (size_t i = 0; i < b->n && rc == TS_OK; i++)
        if (!b->items[i].skip)
            rc = write_item(pc, pc->w, &b->items[i], pc->sum, err);
    if (rc != TS_OK)
        return rc;
    pc->done_persons += b->n;
    if (pc->o->progress)
        pc->o->progress(pc->o->ud, pc->pass, pc->done_persons, pc->total_hint);
    return TS_OK;
}

/* Runs the pass's persons through the ordered pipeline: reader thread → n_workers
 * workers (one rule host each) → write_batch on this thread, in input order. */
static ts_status drive(pass_ctx *pc, ts_store *s, ts_pass_summary *sum, ts_err *err)
{
    size_t cap = 2 * (size_t)pc->n_workers + 2;
    batch *ring = calloc(cap, sizeof *ring);
    void **slots = calloc(cap, sizeof *slots);
    ts_status rc = TS_OK;
    if (!ring || !slots) {
        rc = ts_err_set(err, TS_NOMEM, NULL, NULL);
        goto done;
    }
    for (size_t i = 0; i < cap; i++) {
        ts_arena_init(&ring[i].arena, BATCH_ARENA_CAP);
        slots[i] = &ring[i];
    }
    if (pc->pass != TS_PASS_TARGETED &&
        (rc = ts_store_scan_open(pc->reader, &pc->scan, err)) != TS_OK)
        goto done;
    pc->w = s;
    pc->sum = sum;
    ts_pipeline_ops ops = {.ud = pc,
                           .n_workers = pc->n_workers,
                           .slots = slots,
                           .capacity = cap,
                           .read = read_batch,
                           .work = work_batch,
                           .write = write_batch,
                           .worker_init = worker_init,
                           .worker_fini = worker_fini};
    rc = ts_pipeline_run(&ops, err);
done:
    ts_store_scan_close(pc->scan);
    pc->scan = NULL;
    if (ring)
        for (size_t i = 0; i < cap; i++)
            ts_arena_release(&ring[i].arena);
    free(ring);
    free(slots);
    return rc;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static ts_status count_lists(pass_ctx *pc, ts_store *s, ts_pass_summary *sum, ts_err *err)
{
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_list_row *rows = NULL;
    size_t n = 0;
    ts_status rc = ts_store_lists_load(s, &a, &rows, &n, err);
    for (size_t i = 0; rc == TS_OK && i < n; i++)
        if (rows[i].colour > 0 && rows[i].colour <= 3 && in_scope(pc, rows[i].grid))
            sum->lists[rows[i].colour]++;
    ts_arena_release(&a);
    return rc;
}

static ts_status run_pass(ts_store *s, const char *db_path, const ts_screen_opts *o, ts_pass pass,
                          const ts_cell *scope, ts_rulehost **hosts, unsigned n_workers,
                          ts_pass_summary *sum, ts_err *err)
{
    double t0 = now_seconds();
    pass_ctx pc = {0};
    pc.o = o;
    pc.pass = pass;
    pc.scope = scope;
    pc.scope_name = o->scope ? o->scope : "all";
    ts_date_format(o->now, pc.now_s);
    pc.hosts = hosts;
    pc.n_workers = n_workers;
    pc.db_path = db_path;
    sum->pass = pass;
    sum->fired = calloc(ts_rulepack_count(o->pack) + 1, sizeof *sum->fired);
    if (!sum->fired)
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    ts_arena_init(&pc.snap_arena, 0);
    ts_status rc = TS_OK;
    bool in_tx = false;

    ts_run_info info = {.pass = ts_pass_name(pass),
                        .scope = pc.scope_name,
                        .now = pc.now_s,
                        .rules_hash = ts_rulepack_hash(o->pack),
                        .config_hash = o->cfg->sha256};
    if ((rc = ts_store_run_begin(s, &info, &pc.run, err)) != TS_OK)
        goto done;
    sum->run = pc.run;
    if ((rc = ts_store_begin(s, err)) != TS_OK)
        goto done;
    in_tx = true;
    if ((rc = ts_store_runs_interrupt_stale(s, pc.run, err)) != TS_OK)
        goto done;
    if ((rc = ts_store_lists_load(s, &pc.snap_arena, &pc.snap, &pc.n_snap, err)) != TS_OK)
        goto done;
    int64_t persons_hint = 0;
    if ((rc = ts_store_person_count_hint(s, &persons_hint, err)) != TS_OK)
        goto done;
    pc.total_hint = pass == TS_PASS_TARGETED ? pc.n_snap : (uint64_t)persons_hint;
    if ((rc = ts_store_open(db_path, TS_STORE_READWRITE, &pc.reader, err)) != TS_OK)
        goto done;
    rc = drive(&pc, s, sum, err);
    sum->eval_cpu_seconds = pc.eval_cpu;
    if (rc == TS_OK)
        rc = count_lists(&pc, s, sum, err);
    sum->seconds = now_seconds() - t0;
    if (rc == TS_OK) {
        char *json = ts_screen_summary_json(&(ts_screen_result){.pass = {*sum}, .n = 1}, 0, o->pack,
                                            pc.scope_name);
        rc = ts_store_run_finish(s, pc.run, "done", (int64_t)sum->persons,
                                 (int64_t)sum->fired_total, (int64_t)sum->rule_errors, json, err);
        free(json);
    }
    if (rc == TS_OK) {
        rc = ts_store_commit(s, err);
        in_tx = rc != TS_OK;
    }
done:
    if (in_tx) {
        ts_store_rollback(s);
        if (pc.run) {
            ts_err e2;
            if (ts_store_run_finish(s, pc.run, "failed", 0, 0, (int64_t)sum->rule_errors, NULL,
                                    &e2) != TS_OK) {
                /* the run stays "running" and is marked interrupted by the next pass */
            }
        }
    }
    ts_store_close(pc.reader);
    ts_arena_release(&pc.snap_arena);
    return rc;
}

ts_status ts_screen_run(ts_store *s, const char *db_path, const ts_screen_opts *o,
                        ts_screen_result *out, ts_err *err)
{
    memset(out, 0, sizeof *out);
    const ts_cell *scope = NULL;
    ts_status rc = TS_OK;
    if (o->scope && (rc = ts_grid_scope(o->grid, o->scope, &scope, err)) != TS_OK)
        return rc;
    unsigned n = o->threads ? o->threads : o->cfg->workers;
    if (!n) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (unsigned)c : 1;
    }
    if (n > 64)
        n = 64;
    out->threads = n;
    ts_rulehost **hosts = calloc(n, sizeof *hosts);
    if (!hosts)
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    for (unsigned i = 0; i < n && rc == TS_OK; i++)
        rc = ts_rulehost_new(o->pack, &hosts[i], err);
    unsigned mask = o->passes ? o->passes : 7u;
    for (int p = TS_PASS_FULL; rc == TS_OK && p <= TS_PASS_TARGETED; p++) {
        if (!(mask & (1u << p)))
            continue;
        rc = run_pass(s, db_path, o, (ts_pass)p, scope, hosts, n, &out->pass[out->n], err);
        out->n++;
    }
    for (unsigned i = 0; i < n; i++)
        ts_rulehost_free(hosts[i]);
    free(hosts);
    return rc;
}

/* ---- inline (service ingest) ---------------------------------------------------------- */

static ts_status inline_pass(ts_store *s, ts_rulehost *host, const ts_screen_opts *o, ts_pass pass,
                             const char *const *ids, size_t n_ids, ts_pass_summary *sum,
                             ts_err *err)
{
    pass_ctx pc = {0};
    pc.o = o;
    pc.pass = pass;
    pc.scope_name = "ingest";
    pc.inline_mode = true;
    pc.reader = s;
    ts_date_format(o->now, pc.now_s);
    sum->pass = pass;
    sum->fired = calloc(ts_rulepack_count(o->pack) + 1, sizeof *sum->fired);
    batch *b = calloc(1, sizeof *b);
    if (!sum->fired || !b) {
        free(b);
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    }
    ts_arena_init(&b->arena, BATCH_ARENA_CAP);
    ts_jbuf jb;
    ts__jbuf_init(&jb);
    ts_run_info info = {.pass = ts_pass_name(pass),
                        .scope = "ingest",
                        .now = pc.now_s,
                        .rules_hash = ts_rulepack_hash(o->pack),
                        .config_hash = o->cfg->sha256};
    ts_status rc = TS_OK;
    bool reuse = o->inline_runs && o->inline_runs[pass] > 0;
    if (reuse)
        pc.run = o->inline_runs[pass];
    else
        rc = ts_store_run_begin(s, &info, &pc.run, err);
    if (rc == TS_OK && o->inline_runs && !reuse)
        o->inline_runs[pass] = pc.run;
    if (rc == TS_OK && reuse && pass == TS_PASS_FULL)
        rc = ts_store_ledger_next_seq(s, pc.run, &pc.seq_base, err);
    sum->run = pc.run;
    for (size_t i = 0; rc == TS_OK && i < n_ids; i++) {
        ts_arena_reset(&b->arena);
        b->n = 0;
        item *it = &b->items[0];
        memset(it, 0, sizeof *it);
        rc = ts_store_get_person(s, ids[i], &b->arena, &it->person, err);
        if (rc == TS_NOTFOUND) {
            rc = TS_OK;
            continue;
        }
        if (rc == TS_OK)
            rc = ts_store_get_mark(s, ids[i], &it->was_suspect, err);
        ts_list_row *prior = ts_arena_alloc(&b->arena, sizeof *prior);
        bool listed = false;
        if (rc == TS_OK && !prior)
            rc = ts_err_set(err, TS_NOMEM, NULL, NULL);
        if (rc == TS_OK)
            rc = ts_store_list_get(s, ids[i], &b->arena, prior, &listed, err);
        if (rc != TS_OK)
            break;
        it->prior = listed ? prior : NULL;
        if (pass == TS_PASS_REGIONAL && it->was_suspect != 1 && !listed)
            continue;
        if (pass == TS_PASS_TARGETED && (!listed || prior->colour <= 0))
            continue;
        if (pass == TS_PASS_TARGETED && (rc = load_circle(&pc, s, &b->arena, it, err)) != TS_OK)
            break;
        fill_subject(&pc, it);
        if ((rc = eval_item(&pc, host, b, it, &jb)) != TS_OK) {
            if (err)
                *err = b->err;
            break;
        }
        rc = write_item(&pc, s, it, sum, err);
    }
    if (rc == TS_OK && reuse) {
        rc = ts_store_run_add(s, pc.run, (int64_t)sum->persons, (int64_t)sum->fired_total,
                              (int64_t)sum->rule_errors, err);
    } else if (rc == TS_OK) {
        char *json = ts_screen_summary_json(&(ts_screen_result){.pass = {*sum}, .n = 1}, 0, o->pack,
                                            "ingest");
        rc = ts_store_run_finish(s, pc.run, "done", (int64_t)sum->persons,
                                 (int64_t)sum->fired_total, (int64_t)sum->rule_errors, json, err);
        free(json);
    }
    ts__jbuf_release(&jb);
    ts_arena_release(&b->arena);
    free(b);
    return rc;
}

ts_status ts_screen_inline(ts_store *s, ts_rulehost *host, const ts_screen_opts *o,
                           const char *const *ids, size_t n_ids, ts_screen_result *out, ts_err *err)
{
    memset(out, 0, sizeof *out);
    out->threads = 1;
    unsigned mask = o->passes ? o->passes : 7u;
    ts_status rc = TS_OK;
    for (int p = TS_PASS_FULL; rc == TS_OK && p <= TS_PASS_TARGETED; p++) {
        if (!(mask & (1u << p)))
            continue;
        rc = inline_pass(s, host, o, (ts_pass)p, ids, n_ids, &out->pass[out->n], err);
        out->n++;
    }
    return rc;
}

void ts_screen_result_release(ts_screen_result *r)
{
    if (!r)
        return;
    for (unsigned i = 0; i < 3; i++) {
        free(r->pass[i].fired);
        r->pass[i].fired = NULL;
    }
}

char *ts_screen_summary_json(const ts_screen_result *r, unsigned i, const ts_rulepack *pack,
                             const char *scope)
{
    const ts_pass_summary *p = &r->pass[i];
    ts_jbuf jb;
    ts__jbuf_init(&jb);
    ts__jbuf_lit(&jb, "{\"run\":");
    ts__jbuf_int(&jb, p->run);
    ts__jbuf_lit(&jb, ",\"pass\":");
    ts__jbuf_str(&jb, ts_pass_name(p->pass));
    ts__jbuf_lit(&jb, ",\"scope\":");
    ts__jbuf_str(&jb, scope ? scope : "all");
    ts__jbuf_lit(&jb, ",\"rules_version\":");
    ts__jbuf_str(&jb, ts_rulepack_hash(pack));
    ts__jbuf_lit(&jb, ",\"persons\":");
    ts__jbuf_int(&jb, (long long)p->persons);
    ts__jbuf_lit(&jb, ",\"fired\":{");
    size_t k = 0;
    for (size_t j = 0; p->fired && j < ts_rulepack_count(pack); j++) {
        const ts_rule_info *ri = ts_rulepack_rule(pack, j);
        if (ri->pass != p->pass)
            continue;
        if (k++)
            ts__jbuf_lit(&jb, ",");
        ts__jbuf_str(&jb, ri->id);
        ts__jbuf_lit(&jb, ":");
        ts__jbuf_int(&jb, (long long)p->fired[j]);
    }
    ts__jbuf_lit(&jb, "}");
    if (p->pass == TS_PASS_FULL) {
        ts__jbuf_lit(&jb, ",\"suspects\":");
        ts__jbuf_int(&jb, (long long)p->suspects);
        ts__jbuf_lit(&jb, ",\"newly_suspect\":");
        ts__jbuf_int(&jb, (long long)p->newly_suspect);
        ts__jbuf_lit(&jb, ",\"with_gaps\":");
        ts__jbuf_int(&jb, (long long)p->with_gaps);
    }
    ts__jbuf_lit(&jb, ",\"lists\":{\"red\":");
    ts__jbuf_int(&jb, (long long)p->lists[TS_COLOUR_RED]);
    ts__jbuf_lit(&jb, ",\"yellow\":");
    ts__jbuf_int(&jb, (long long)p->lists[TS_COLOUR_YELLOW]);
    ts__jbuf_lit(&jb, ",\"blue\":");
    ts__jbuf_int(&jb, (long long)p->lists[TS_COLOUR_BLUE]);
    ts__jbuf_lit(&jb, "},\"transitions\":{\"total\":");
    ts__jbuf_int(&jb, (long long)p->transitions);
    ts__jbuf_lit(&jb, ",\"entered\":");
    ts__jbuf_int(&jb, (long long)p->entered);
    ts__jbuf_lit(&jb, ",\"left\":");
    ts__jbuf_int(&jb, (long long)p->left);
    ts__jbuf_lit(&jb, ",\"rose\":");
    ts__jbuf_int(&jb, (long long)p->rose);
    ts__jbuf_lit(&jb, ",\"fell\":");
    ts__jbuf_int(&jb, (long long)p->fell);
    ts__jbuf_lit(&jb, "},\"alerts\":{\"early\":");
    ts__jbuf_int(&jb, (long long)p->alerts[TS_FEEDBACK_EARLY]);
    ts__jbuf_lit(&jb, ",\"detailed\":");
    ts__jbuf_int(&jb, (long long)p->alerts[TS_FEEDBACK_DETAILED]);
    ts__jbuf_lit(&jb, ",\"quick\":");
    ts__jbuf_int(&jb, (long long)p->alerts[TS_FEEDBACK_QUICK]);
    ts__jbuf_lit(&jb, "},\"rule_errors\":");
    ts__jbuf_int(&jb, (long long)p->rule_errors);
    char secs[32];
    snprintf(secs, sizeof secs, "%.3f", p->seconds);
    ts__jbuf_lit(&jb, ",\"seconds\":");
    ts__jbuf_lit(&jb, secs);
    snprintf(secs, sizeof secs, "%.3f", p->eval_cpu_seconds);
    ts__jbuf_lit(&jb, ",\"eval_cpu_seconds\":");
    ts__jbuf_lit(&jb, secs);
    ts__jbuf_lit(&jb, "}");
    if (jb.oom) {
        ts__jbuf_release(&jb);
        return NULL;
    }
    return jb.p; /* ownership passes to the caller */
}

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
#include "triscreen/rewind.h"
#include "triscreen/screen.h"
#include "triscreen/snooze.h"
#include "triscreen/jsonw.h"
#include "base/limits.h"

#define BATCH_PERSONS 256

typedef struct item {
    ts_subject subj;
    ts_person person;
    const ts_list_row *prior; /* NULL when not listed before this pass */
    int was_suspect;          /* 1, 0, -1 */
    bool load;                /* targeted: the worker loads person, mark and circle */
    bool no_relations;        /* known to have no relation (the headline needs no read) */
    bool skip;                /* nothing to evaluate (the person vanished) */
    ts_circle_member *circle;
    size_t n_circle;
    /* worker output. res holds the fired rules that count (vote, score, alert);
     * all/n_all every rule that fired, snoozed[i] the snooze that silenced all[i] (0 =
     * none), n_snoozed how many were silenced */
    ts_eval_result res;
    const ts_fired *all;
    size_t n_all, n_snoozed;
    const int64_t *snoozed;
    const char *ledger_json; /* every fired rule, the snoozed ones marked */
    bool suspect;
    unsigned n_gaps;
    const char *rules_json;       /* fired rules of this pass with evidence */
    const ts_fired_rule *rules_v; /* the same as typed rules */
    size_t n_rules_v;
    /* regional/targeted, when a detailed alert is due: row.reasons as typed rules (the
     * alert's headline reads the row from here, not back from the database) */
    const ts_fired_rule *row_rules;
    size_t n_row_rules;
    const char *gaps_json;
    ts_list_row row; /* new list state (regional/targeted) */
    bool row_changed;
    int from, to; /* effective colour before/after */
    /* per feedback kind: due, and the rules behind it */
    bool fb_due[TS_FEEDBACK_N];
    const ts_fired_rule *fb_rules[TS_FEEDBACK_N];
    size_t n_fb[TS_FEEDBACK_N];
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
    int64_t seq_next; /* inline: one past the last sequence number written (or seq_base) */
    double eval_cpu;  /* CPU seconds the workers spent evaluating (summed at worker_fini) */
    /* write_batch: the batch's ledger rows and transitions in hand, written after its
     * items in a few statements (nothing in a pass reads them back); else at once */
    bool queue;
    size_t n_ledger_q, n_trans_q;
    ts_ledger_put *ledger_q; /* BATCH_PERSONS each (run_pass) */
    ts_transition_put *trans_q;
    /* the pack has no rule for this pass (targeted only, ts_rulepack_check_passes): each
     * person is decided from the list row alone, with no load and no evaluation */
    bool no_rules;
    /* the snoozes active at now (triscreen/snooze.h), sorted for ts_snooze_find */
    ts_snooze_key *snoozes;
    size_t n_snoozes;
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

/* A list row (NULL = not listed) and the suspect mark as the decision's state. */
static void row_state(const ts_list_row *r, bool suspect, ts_decide_state *st)
{
    memset(st, 0, sizeof *st);
    st->suspect = suspect;
    st->since = st->next_review = st->override_until = TS_DATE_NONE;
    if (!r)
        return;
    st->listed = true;
    st->engine = (ts_colour)r->engine_colour;
    st->score = r->score;
    st->regional = (ts_colour)r->regional_colour;
    st->regional_score = r->regional_score;
    st->colour = (ts_colour)r->colour;
    st->since = r->since;
    st->has_override = r->override_colour >= 0;
    st->override_colour = st->has_override ? (ts_colour)r->override_colour : TS_COLOUR_NONE;
    st->override_until = r->override_until;
    st->next_review = r->next_review;
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
        it->no_relations = !row.has_relations;
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
    if (pc->no_rules) { /* nothing reads the person: the row names it */
        it->person.id = lr->person;
        it->person.grid = lr->grid;
        return ts_store_get_mark(db, lr->person, &it->was_suspect, &b->err);
    }
    ts_status rc = ts_store_get_person(db, lr->person, &b->arena, &it->person, &b->err);
    if (rc == TS_NOTFOUND) {
        it->skip = true;
        return TS_OK;
    }
    if (rc == TS_OK)
        rc = ts_store_get_mark(db, lr->person, &it->was_suspect, &b->err);
    if (rc == TS_OK)
        rc = load_circle(pc, db, &b->arena, it, &b->err);
    it->no_relations = rc == TS_OK && it->person.n_relations == 0;
    if (rc == TS_OK)
        fill_subject(pc, it);
    return rc;
}

/* ---- workers --------------------------------------------------------------------------- */

/* Evidence that names a circle member carries the member as data (issue 12 A1): when ev
 * mentions a member's id, name (3 bytes or more) or group cell — the longest match at
 * each place — fr gets parts [TEXT | {member, relation, grid, text}, …] whose texts
 * join to ev again. Readers render a member outside their scopes from the part, never
 * by editing text (lists/redact.c). Members are the subject's whole circle, a superset
 * of what any one rule was shown, so a hostile rule's text is covered too. False when
 * out of memory. */
static bool evidence_parts(ts_fired_rule *fr, const ts_circle_member *c, size_t n_c, ts_arena *a)
{
    const char *ev = fr->evidence;
    size_t len = strlen(ev), start = 0, n = 0;
    ts_evidence_part *parts = NULL;
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
        /* at most 2 parts per match and one tail: 2 * len + 1 bounds them all */
        if (!parts && !(parts = ts_arena_alloc(a, (2 * len + 1) * sizeof *parts)))
            return false;
        if (i > start)
            parts[n++] = (ts_evidence_part){.text = ev + start, .len = i - start};
        parts[n++] = (ts_evidence_part){.text = ev + i,
                                        .len = best,
                                        .member = bm->person->id,
                                        .relation = bm->relation ? bm->relation : "",
                                        .grid = bm->person->grid ? bm->person->grid : ""};
        i += best;
        start = i;
    }
    if (n && start < len)
        parts[n++] = (ts_evidence_part){.text = ev + start, .len = len - start};
    fr->parts = parts;
    fr->n_parts = n;
    return true;
}

/* The fired rules of r, filtered by rule kind and feedback kind (-1 = any), as typed
 * rules with their evidence parts, allocated from a; snoozed (NULL = none) marks each
 * r->fired[i] with the snooze that silenced it. NULL when out of memory. */
static const ts_fired_rule *fired_rules_marked(const ts_rulepack *pack, const ts_eval_result *r,
                                               const int64_t *snoozed, int only_kind,
                                               int only_feedback, const item *it, ts_arena *a,
                                               size_t *count)
{
    ts_fired_rule *v = ts_arena_alloc(a, (r->n_fired ? r->n_fired : 1) * sizeof *v);
    size_t n = 0;
    if (!v)
        return NULL;
    for (size_t i = 0; i < r->n_fired; i++) {
        const ts_rule_info *ri = ts_rulepack_rule(pack, r->fired[i].rule);
        if (only_kind >= 0 && (int)ri->kind != only_kind)
            continue;
        if (only_feedback >= 0 && (int)ri->feedback != only_feedback)
            continue;
        ts_fired_rule *fr = &v[n++];
        *fr = (ts_fired_rule){.id = ri->id,
                              .title = ri->title,
                              .score = ri->score,
                              .evidence = r->fired[i].evidence ? r->fired[i].evidence : "",
                              .snoozed = snoozed ? snoozed[i] : 0};
        if (!evidence_parts(fr, it->circle, it->n_circle, a))
            return NULL;
    }
    *count = n;
    return v;
}

/* The fired rules of r as fired_rules_marked, none marked. */
static const ts_fired_rule *fired_rules(const ts_rulepack *pack, const ts_eval_result *r,
                                        int only_kind, int only_feedback, const item *it,
                                        ts_arena *a, size_t *count)
{
    return fired_rules_marked(pack, r, NULL, only_kind, only_feedback, it, a, count);
}

/* Copies the finished JSON text of jb into the arena (NULL on any failure). */
static const char *json_dup(const ts_jsonw *w, const ts_buf *jb, ts_arena *a)
{
    if (ts_jsonw_finish(w) != TS_OK)
        return NULL;
    return ts_arena_strndup(a, ts_buf_str(jb), jb->len);
}

/* All fired rules as their stored JSON text (ledger rules, list reasons), in a; jb is
 * the worker's scratch buffer. The typed rules go to *typed / *n_typed when not NULL. */
static const char *rules_json(const ts_rulepack *pack, const ts_eval_result *r,
                              const int64_t *snoozed, const item *it, ts_buf *jb, ts_arena *a,
                              const ts_fired_rule **typed, size_t *n_typed)
{
    size_t n = 0;
    const ts_fired_rule *v = fired_rules_marked(pack, r, snoozed, -1, -1, it, a, &n);
    if (!v)
        return NULL;
    if (typed) {
        *typed = v;
        *n_typed = n;
    }
    ts_jsonw w;
    ts_buf_reset(jb);
    ts_jsonw_init(&w, jb);
    ts_fired_rules_write(&w, v, n);
    return json_dup(&w, jb, a);
}

/* Sets the rules behind feedback `kind` (a feedback is due when it has them). */
static bool set_feedback(item *it, ts_feedback kind, const ts_fired_rule *rules, size_t n)
{
    it->fb_rules[kind] = rules;
    it->n_fb[kind] = n;
    it->fb_due[kind] = rules != NULL;
    return rules != NULL;
}

/* The ids of the gap rules that fired, as a JSON array of strings. */
static const char *gaps_json(const ts_rulepack *pack, const ts_eval_result *r, ts_buf *jb,
                             ts_arena *a)
{
    ts_jsonw w;
    ts_buf_reset(jb);
    ts_jsonw_init(&w, jb);
    ts_jsonw_arr(&w);
    for (size_t i = 0; i < r->n_fired; i++) {
        const ts_rule_info *ri = ts_rulepack_rule(pack, r->fired[i].rule);
        if (ri->kind == TS_RULE_GAP)
            ts_jsonw_str(&w, ri->id);
    }
    ts_jsonw_arr_end(&w);
    return json_dup(&w, jb, a);
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

/* Regional/targeted: the new list row from the decision (d->next). */
static void decide_row(item *it, const ts_decide_out *d, const char *reasons,
                       const char *regional_reasons)
{
    const ts_list_row *pr = it->prior;
    const ts_decide_state *n = &d->next;
    ts_list_row *r = &it->row;
    memset(r, 0, sizeof *r);
    r->person = it->person.id;
    r->grid = it->person.grid;
    r->engine_colour = (int)n->engine;
    r->score = n->score;
    r->reasons = reasons;
    r->regional_colour = (int)n->regional;
    r->regional_score = n->regional_score;
    r->regional_reasons = regional_reasons;
    r->override_colour = n->has_override ? (int)n->override_colour : -1;
    r->override_until = n->has_override ? n->override_until : TS_DATE_NONE;
    r->override_by = n->has_override && pr ? pr->override_by : NULL;
    r->colour = (int)n->colour;
    r->since = n->since;
    r->next_review = n->next_review;
    it->from = pr ? pr->colour : 0;
    it->to = r->colour;
    if (!n->listed)
        it->row_changed = pr != NULL;
    else
        it->row_changed = !pr || !row_equal(pr, r);
}

/* The decision for this pass (decide.h) from the fired rules and the prior row. */
static ts_status decide_item(pass_ctx *pc, item *it, ts_arena *a, ts_decide_out *d)
{
    const ts_config *cfg = pc->o->cfg;
    size_t nf = it->res.n_fired;
    ts_decide_fired *fired = ts_arena_calloc(a, nf ? nf : 1, sizeof *fired);
    if (!fired)
        return TS_NOMEM;
    ts_decide_policy pol;
    ts_decide_policy_from(cfg->thresholds, cfg->review_days, &pol);
    ts_decide_in in = {.source = TS_DECIDE_PASS,
                       .pass = pc->pass,
                       .fired = fired,
                       .n_fired = ts_decide_fired_of(pc->o->pack, &it->res, fired),
                       .policy = &pol,
                       .now = pc->o->now};
    row_state(it->prior, it->was_suspect == 1, &in.prev);
    in.regional_unchanged = pc->pass == TS_PASS_REGIONAL && it->prior && it->rules_json &&
                            !strcmp(it->prior->regional_reasons, it->rules_json);
    ts_decide(&in, d);
    return TS_OK;
}

/* THE place snoozes apply (triscreen/snooze.h): the rules a snooze active at now
 * silences for this person leave it->res, so nothing downstream (the decision, the
 * list reasons, the feedback) sees them; it->all keeps every firing for the ledger. */
static bool split_snoozed(const pass_ctx *pc, item *it, ts_arena *a)
{
    it->all = it->res.fired;
    it->n_all = it->res.n_fired;
    if (!pc->n_snoozes || !it->n_all)
        return true;
    int64_t *snz = ts_arena_calloc(a, it->n_all, sizeof *snz);
    ts_fired *kept = ts_arena_alloc(a, it->n_all * sizeof *kept);
    if (!snz || !kept)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < it->n_all; i++) {
        const ts_rule_info *ri = ts_rulepack_rule(pc->o->pack, it->all[i].rule);
        snz[i] = ts_snooze_find(pc->snoozes, pc->n_snoozes, it->person.id, ri->id);
        if (snz[i])
            it->n_snoozed++;
        else
            kept[k++] = it->all[i];
    }
    it->snoozed = snz;
    it->res.fired = kept;
    it->res.n_fired = k;
    return true;
}

static ts_status eval_item(pass_ctx *pc, ts_rulehost *h, ts_arena *a, ts_err *berr, item *it,
                           ts_buf *jb)
{
    const ts_rulepack *pack = pc->o->pack;
    ts_eval_ctx ctx = {.now = pc->o->now, .pass = pc->pass, .scope = pc->scope_name};
    ts_status rc = TS_OK;
    if (pc->no_rules)
        memset(&it->res, 0, sizeof it->res);
    else if ((rc = ts_rulehost_eval(h, &ctx, &it->subj, a, &it->res, berr)) != TS_OK)
        return rc;
    if (!split_snoozed(pc, it, a))
        return ts_err_set(berr, TS_NOMEM, NULL, "snoozes");
    it->rules_json = rules_json(pack, &it->res, NULL, it, jb, a, &it->rules_v, &it->n_rules_v);
    if (!it->rules_json)
        return ts_err_set(berr, TS_NOMEM, NULL, "rules json");
    if (it->n_snoozed) {
        ts_eval_result all = {.fired = (ts_fired *)it->all, .n_fired = it->n_all};
        it->ledger_json = rules_json(pack, &all, it->snoozed, it, jb, a, NULL, NULL);
        if (!it->ledger_json)
            return ts_err_set(berr, TS_NOMEM, NULL, "rules json");
    } else {
        it->ledger_json = it->rules_json;
    }
    for (int fb = TS_FEEDBACK_EARLY; fb <= TS_FEEDBACK_QUICK && it->res.n_fired; fb++) {
        size_t n = 0;
        const ts_fired_rule *v = fired_rules(pack, &it->res, -1, fb, it, a, &n);
        if (!v)
            return ts_err_set(berr, TS_NOMEM, NULL, "results");
        if (n)
            set_feedback(it, (ts_feedback)fb, v, n);
    }
    ts_decide_out d;
    if (decide_item(pc, it, a, &d) != TS_OK)
        return ts_err_set(berr, TS_NOMEM, NULL, "results");
    const ts_list_row *pr = it->prior;
    switch (pc->pass) {
    case TS_PASS_FULL:
        it->suspect = d.next.suspect;
        it->n_gaps = d.n_gaps;
        it->early_engine = d.feedback == TS_FEEDBACK_EARLY;
        it->gaps_json = gaps_json(pack, &it->res, jb, a);
        if (it->early_engine && !it->fb_due[TS_FEEDBACK_EARLY]) {
            size_t n = 0;
            const ts_fired_rule *v = fired_rules(pack, &it->res, TS_RULE_SUSPECT, -1, it, a, &n);
            if (!set_feedback(it, TS_FEEDBACK_EARLY, v, n))
                return ts_err_set(berr, TS_NOMEM, NULL, "results");
        }
        break;
    case TS_PASS_REGIONAL:
        /* the regional basis unchanged: the last targeted pass's reasons stay */
        decide_row(it, &d, (d.why & TS_WHY_KEPT) ? pr->reasons : it->rules_json, it->rules_json);
        break;
    case TS_PASS_TARGETED: {
        const char *base_reasons = pr->regional_colour ? pr->regional_reasons : pr->reasons;
        const char *reasons = json_concat(base_reasons, it->rules_json, a);
        if (!reasons)
            return ts_err_set(berr, TS_NOMEM, NULL, "reasons");
        decide_row(it, &d, reasons, base_reasons);
        break;
    }
    }
    if (pc->pass != TS_PASS_FULL) {
        it->detailed_engine = d.feedback == TS_FEEDBACK_DETAILED;
        if (it->detailed_engine || it->fb_due[TS_FEEDBACK_DETAILED]) {
            /* the list row's reasons: this pass's rules (typed already) or what it built on */
            if (it->row.reasons == it->rules_json) {
                it->row_rules = it->rules_v;
                it->n_row_rules = it->n_rules_v;
            } else {
                ts_fired_rule *v = NULL;
                if ((rc = ts_fired_rules_read(it->row.reasons, a, &v, &it->n_row_rules, berr)) !=
                    TS_OK)
                    return rc;
                it->row_rules = v;
            }
        }
        if (it->detailed_engine && !it->fb_due[TS_FEEDBACK_DETAILED])
            set_feedback(it, TS_FEEDBACK_DETAILED, it->row_rules, it->n_row_rules);
    }
    if (!it->rules_json || (pc->pass == TS_PASS_FULL && !it->gaps_json))
        return ts_err_set(berr, TS_NOMEM, NULL, "results");
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
    ts_buf jb;
    double cpu; /* seconds spent evaluating */
} worker;

static ts_status worker_init(void *ud, size_t index, void **state, ts_err *err)
{
    pass_ctx *pc = ud;
    worker *w = calloc(1, sizeof *w);
    if (!w)
        return ts_err_set(err, TS_NOMEM, NULL, "threads");
    w->host = pc->hosts[index];
    ts_buf_init(&w->jb, TS_LIMIT_RULES_JSON);
    ts_status rc = TS_OK;
    if (pc->pass == TS_PASS_TARGETED)
        rc = ts_store_open(pc->db_path, TS_STORE_READWRITE, &w->db, err);
    if (rc != TS_OK) {
        ts_buf_release(&w->jb);
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
    ts_buf_release(&w->jb);
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
    /* the thread's CPU clock is a system call: read once a batch, not once a person (the
     * targeted loads, point reads on this worker's connection, are counted in too) */
    double t0 = thread_cpu();
    for (size_t i = 0; i < b->n && rc == TS_OK; i++) {
        item *it = &b->items[i];
        if (it->load)
            rc = load_item(pc, w->db, b, it);
        if (rc == TS_OK && !it->skip)
            rc = eval_item(pc, w->host, &b->arena, &b->err, it, &w->jb);
    }
    w->cpu += thread_cpu() - t0;
    if (rc != TS_OK && err)
        *err = b->err;
    return rc;
}

/* ---- writer ---------------------------------------------------------------------------- */

static ts_status alert(pass_ctx *pc, ts_store *s, const item *it, ts_feedback kind, const char *why,
                       ts_pass_summary *sum, ts_err *err)
{
    if (!it->fb_due[kind])
        return TS_OK;
    if (!pc->o->on_alert) { /* nothing is written: the summary says what would be raised */
        sum->alerts[kind]++;
        return TS_OK;
    }
    bool written = false;
    /* the row as this pass left it in the store (deleted when off the lists) */
    ts_screen_member m = {.listed = it->row.colour != 0 || it->row.override_colour >= 0,
                          .colour = (ts_colour)it->row.colour,
                          .score = it->row.score,
                          .next_review = it->row.next_review,
                          .reasons = it->row_rules,
                          .n_reasons = it->n_row_rules,
                          /* read by the reader or a worker while this pass holds the
                           * write lock, and no pass writes relations */
                          .no_relations = it->no_relations && !pc->inline_mode};
    ts_screen_alert a = {.kind = kind,
                         .member =
                             kind == TS_FEEDBACK_DETAILED && pc->pass != TS_PASS_FULL ? &m : NULL,
                         .person = it->person.id,
                         .grid = it->person.grid,
                         .colour = pc->pass == TS_PASS_FULL ? it->subj.colour : (ts_colour)it->to,
                         .prior_colour = (ts_colour)it->from,
                         .rules = it->fb_rules[kind],
                         .n_rules = it->n_fb[kind],
                         .why = why,
                         .run = pc->run,
                         .now = pc->o->now,
                         .written = &written};
    ts_status rc = pc->o->on_alert(pc->o->alert_ud, s, &a, err);
    /* the summary counts alerts written, not triggers that met an alert already raised */
    sum->alerts[kind] += rc == TS_OK && written;
    return rc;
}

/* Tells opts->on_judged what this pass decided for it (the live pack). */
static void judged(const pass_ctx *pc, const item *it)
{
    if (!pc->o->on_judged)
        return;
    ts_screen_judged j = {.side = -1,
                          .pass = pc->pass,
                          .person = it->person.id,
                          .grid = it->person.grid,
                          .rules = it->rules_json ? it->rules_json : "[]",
                          .fired = it->res.fired,
                          .n_fired = it->res.n_fired,
                          .pack = pc->o->pack};
    if (pc->pass == TS_PASS_FULL) {
        j.from = j.to = it->prior ? (ts_colour)it->prior->colour : TS_COLOUR_NONE;
        j.suspect = it->suspect;
    } else {
        j.from = (ts_colour)it->from;
        j.to = (ts_colour)it->to;
        j.score = it->row.score;
        j.suspect = it->was_suspect == 1;
    }
    for (int k = 0; k < TS_FEEDBACK_N; k++)
        j.alerts[k] = it->fb_due[k];
    pc->o->on_judged(pc->o->judged_ud, &j);
}

/* Whether write_item writes the person's suspect mark. Marks only change on a change:
 * "never screened" reads as not suspect, so a first run writes marks for the suspects
 * only. */
static bool mark_due(const item *it)
{
    bool was = it->was_suspect == 1;
    return was != it->suspect || (it->was_suspect == -1 && it->suspect);
}

static ts_status put_ledger(pass_ctx *pc, ts_store *s, const ts_ledger_put *r, ts_err *err)
{
    if (!pc->queue)
        return ts_store_put_ledger(s, r, err);
    pc->ledger_q[pc->n_ledger_q++] = *r; /* at most one a person */
    return TS_OK;
}

static ts_status put_transition(pass_ctx *pc, ts_store *s, const ts_transition_put *r, ts_err *err)
{
    if (!pc->queue)
        return ts_store_put_transition(s, r, err);
    pc->trans_q[pc->n_trans_q++] = *r;
    return TS_OK;
}

static ts_status write_item(pass_ctx *pc, ts_store *s, const item *it, ts_pass_summary *sum,
                            ts_err *err)
{
    judged(pc, it);
    const ts_rulepack *pack = pc->o->pack;
    ts_status rc = TS_OK;
    sum->persons++;
    /* a snoozed rule still ran and fired: it counts */
    sum->fired_total += it->n_all;
    for (size_t i = 0; i < it->n_all; i++)
        sum->fired[it->all[i].rule]++;
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
        ts_ledger_put lr = {.run = pc->run,
                            .seq = pc->seq_base + (int64_t)sum->persons,
                            .person = it->person.id,
                            .grid = it->person.grid,
                            .suspect = it->suspect,
                            .gaps_json = it->gaps_json,
                            .rules_json = it->ledger_json};
        rc = put_ledger(pc, s, &lr, err);
        pc->seq_next = pc->seq_base + (int64_t)sum->persons + 1;
        if (rc == TS_OK && mark_due(it))
            rc = ts_store_put_mark(s, it->person.id, it->suspect, pc->run, err);
        if (rc == TS_OK)
            rc = alert(pc, s, it, TS_FEEDBACK_EARLY,
                       it->early_engine ? "newly suspect" : "rule feedback", sum, err);
    } else {
        /* the ledger is the full pass's; a regional or targeted pass records a person's
         * row there only when a snooze silenced a rule, so the firing is kept */
        if (it->n_snoozed) {
            ts_ledger_put lr = {.run = pc->run,
                                .seq = pc->seq_base + (int64_t)sum->persons,
                                .person = it->person.id,
                                .grid = it->person.grid,
                                .suspect = it->was_suspect == 1,
                                .gaps_json = "[]",
                                .rules_json = it->ledger_json};
            rc = put_ledger(pc, s, &lr, err);
            pc->seq_next = pc->seq_base + (int64_t)sum->persons + 1;
        }
        if (rc == TS_OK && it->row_changed)
            rc = ts_store_put_list(s, &it->row, pc->run, err);
        if (rc == TS_OK && it->from != it->to) {
            sum->transitions++;
            sum->entered += it->from == 0;
            sum->left += it->to == 0;
            sum->rose += it->from != 0 && it->to > it->from;
            sum->fell += it->to != 0 && it->to < it->from;
            ts_transition_put tr = {.person = it->person.id,
                                    .run = pc->run,
                                    .from = it->from,
                                    .to = it->to,
                                    .score = it->row.score,
                                    .reasons_json = it->row.reasons,
                                    .at = pc->now_s,
                                    .actor = "engine"};
            rc = put_transition(pc, s, &tr, err);
        }
        if (rc == TS_OK) {
            char why[64] = "";
            if (it->fb_due[TS_FEEDBACK_DETAILED] && it->detailed_engine)
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

/* The history of the marks (full pass) or list rows the batch's writes replace, kept
 * ahead of them in a few statements (ts_store_keep_marks / _lists) instead of one a
 * write: the writer's own reads are what a per-write keep would read, since nothing else
 * writes these persons' rows before their own write_item. */
static ts_status keep_batch(pass_ctx *pc, const batch *b, ts_err *err)
{
    const char *ids[BATCH_PERSONS];
    const ts_list_row *rows[BATCH_PERSONS];
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++) {
        const item *it = &b->items[i];
        if (it->skip)
            continue;
        if (pc->pass == TS_PASS_FULL && mark_due(it))
            ids[n++] = it->person.id;
        else if (pc->pass != TS_PASS_FULL && it->row_changed)
            rows[n++] = &it->row;
    }
    return pc->pass == TS_PASS_FULL ? ts_store_keep_marks(pc->w, ids, n, err)
                                    : ts_store_keep_lists(pc->w, rows, n, err);
}

/* Pipeline writer: the batch's persons in input order, then progress. */
static ts_status write_batch(void *ud, void *slot, ts_err *err)
{
    pass_ctx *pc = ud;
    batch *b = slot;
    ts_status rc = keep_batch(pc, b, err);
    bool held = rc == TS_OK && pc->o->on_alert && pc->o->on_alert_batch;
    if (held)
        rc = pc->o->on_alert_batch(pc->o->alert_ud, pc->w, TS_ALERT_BATCH_BEGIN, err);
    pc->queue = pc->ledger_q && pc->trans_q;
    pc->n_ledger_q = pc->n_trans_q = 0;
    for (size_t i = 0; i < b->n && rc == TS_OK; i++)
        if (!b->items[i].skip)
            rc = write_item(pc, pc->w, &b->items[i], pc->sum, err);
    pc->queue = false;
    if (rc == TS_OK)
        rc = ts_store_put_ledgers(pc->w, pc->ledger_q, pc->n_ledger_q, err);
    if (rc == TS_OK)
        rc = ts_store_put_transitions(pc->w, pc->trans_q, pc->n_trans_q, err);
    if (held) {
        ts_err e2;
        ts_status r2 = pc->o->on_alert_batch(
            pc->o->alert_ud, pc->w, rc == TS_OK ? TS_ALERT_BATCH_END : TS_ALERT_BATCH_ABORT,
            rc == TS_OK ? err : &e2);
        if (rc == TS_OK)
            rc = r2;
    }
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
        ts_arena_init(&ring[i].arena, TS_LIMIT_ARENA_BATCH);
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

typedef struct count_ctx {
    const pass_ctx *pc;
    ts_pass_summary *sum;
} count_ctx;

static void count_one(void *ud, int colour, const char *grid)
{
    count_ctx *c = ud;
    if (colour > 0 && colour <= 3 && in_scope(c->pc, grid))
        c->sum->lists[colour]++;
}

/* The summary's list sizes in the pass's scope, after the pass. */
static ts_status count_lists(pass_ctx *pc, ts_store *s, ts_pass_summary *sum, ts_err *err)
{
    count_ctx c = {.pc = pc, .sum = sum};
    return ts_store_lists_colours(s, count_one, &c, err);
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
    pc.no_rules = ts_rulepack_count_pass(o->pack, pass) == 0;
    sum->pass = pass;
    sum->fired = calloc(ts_rulepack_count(o->pack) + 1, sizeof *sum->fired);
    if (!sum->fired)
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    /* without them (out of memory) the writer writes each row at once */
    pc.ledger_q = malloc(BATCH_PERSONS * sizeof *pc.ledger_q);
    pc.trans_q = malloc(BATCH_PERSONS * sizeof *pc.trans_q);
    ts_arena_init(&pc.snap_arena, TS_LIMIT_ARENA_LISTS);
    ts_status rc = TS_OK;
    bool in_tx = false;

    ts_run_info info = {.pass = ts_pass_name(pass),
                        .scope = pc.scope_name,
                        .now = pc.now_s,
                        .rules_hash = ts_rulepack_hash(o->pack),
                        .config_hash = o->cfg->sha256,
                        /* one person checked on demand is a what-if, whatever its date */
                        .kind = o->person ? "whatif" : NULL};
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
    if ((rc = ts_store_snoozes_active(s, pc.now_s, &pc.snap_arena, &pc.snoozes, &pc.n_snoozes,
                                      err)) != TS_OK)
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
    free(pc.ledger_q);
    free(pc.trans_q);
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
    /* a new screening: the history kept to rewind to the one before it can go */
    if (rc == TS_OK && (mask & (1u << TS_PASS_FULL)) && !o->person)
        rc = ts_store_history_prune(s, err);
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

/* What the inline passes of one call share: each person read once (NULL: not stored),
 * and the active snoozes. The passes write list rows, marks, the ledger and alerts,
 * never a person or a snooze, so the three passes see what one read gives. */
typedef struct inline_shared {
    const ts_person *const *persons;
    ts_snooze_key *snoozes;
    size_t n_snoozes;
} inline_shared;

static ts_status inline_pass(ts_store *s, ts_rulehost *host, const ts_screen_opts *o, ts_pass pass,
                             const char *const *ids, size_t n_ids, const inline_shared *sh,
                             ts_pass_summary *sum, ts_err *err)
{
    pass_ctx pc = {0};
    pc.o = o;
    pc.pass = pass;
    pc.scope_name = "ingest";
    pc.inline_mode = true;
    pc.no_rules = ts_rulepack_count_pass(o->pack, pass) == 0;
    pc.reader = s;
    ts_date_format(o->now, pc.now_s);
    sum->pass = pass;
    sum->fired = calloc(ts_rulepack_count(o->pack) + 1, sizeof *sum->fired);
    /* one person at a time: one item, not a pipeline batch of BATCH_PERSONS (zeroing
     * that per call was 3% of the service's samples under single-record POSTs) */
    item *it = malloc(sizeof *it);
    if (!sum->fired || !it) {
        free(it);
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    }
    ts_arena ar;
    ts_arena_init(&ar, TS_LIMIT_ARENA_BATCH);
    ts_err berr;
    ts_err_clear(&berr);
    ts_buf jb;
    ts_buf_init(&jb, TS_LIMIT_RULES_JSON);
    ts_run_info info = {.pass = ts_pass_name(pass),
                        .scope = "ingest",
                        .now = pc.now_s,
                        .rules_hash = ts_rulepack_hash(o->pack),
                        .config_hash = o->cfg->sha256};
    ts_status rc = TS_OK;
    bool reuse = o->inline_runs && o->inline_runs[pass] > 0;
    ts_run_tally *tally = o->inline_runs && o->inline_tally ? &o->inline_tally[pass] : NULL;
    if (reuse)
        pc.run = o->inline_runs[pass];
    else
        rc = ts_store_run_begin(s, &info, &pc.run, err);
    if (rc == TS_OK && o->inline_runs && !reuse)
        o->inline_runs[pass] = pc.run;
    /* the tally follows one run: another's counts are written first */
    if (rc == TS_OK && tally && tally->run != pc.run) {
        rc = ts_screen_tally_flush(s, tally, err);
        *tally = (ts_run_tally){.run = pc.run, .seq_known = !reuse};
    }
    /* every pass may write ledger rows (the full pass always, the others for snoozed
     * rules): a reused run continues its sequence */
    if (rc == TS_OK && reuse && tally && tally->seq_known)
        pc.seq_base = tally->next_seq;
    else if (rc == TS_OK && reuse)
        rc = ts_store_ledger_next_seq(s, pc.run, &pc.seq_base, err);
    pc.seq_next = pc.seq_base;
    pc.snoozes = sh->snoozes;
    pc.n_snoozes = sh->n_snoozes;
    sum->run = pc.run;
    for (size_t i = 0; rc == TS_OK && i < n_ids; i++) {
        ts_arena_reset(&ar);
        memset(it, 0, sizeof *it);
        if (!sh->persons[i])
            continue;
        it->person = *sh->persons[i];
        rc = ts_store_get_mark(s, ids[i], &it->was_suspect, err);
        ts_list_row *prior = ts_arena_alloc(&ar, sizeof *prior);
        bool listed = false;
        if (rc == TS_OK && !prior)
            rc = ts_err_set(err, TS_NOMEM, NULL, NULL);
        if (rc == TS_OK)
            rc = ts_store_list_get(s, ids[i], &ar, prior, &listed, err);
        if (rc != TS_OK)
            break;
        it->prior = listed ? prior : NULL;
        if (pass == TS_PASS_REGIONAL && it->was_suspect != 1 && !listed)
            continue;
        if (pass == TS_PASS_TARGETED && (!listed || prior->colour <= 0))
            continue;
        if (pass == TS_PASS_TARGETED && (rc = load_circle(&pc, s, &ar, it, err)) != TS_OK)
            break;
        fill_subject(&pc, it);
        if ((rc = eval_item(&pc, host, &ar, &berr, it, &jb)) != TS_OK) {
            if (err)
                *err = berr;
            break;
        }
        rc = write_item(&pc, s, it, sum, err);
    }
    if (rc == TS_OK && tally) {
        tally->next_seq = pc.seq_next;
        tally->seq_known = true;
    }
    if (rc == TS_OK && reuse && tally) {
        tally->persons += (int64_t)sum->persons;
        tally->fired += (int64_t)sum->fired_total;
        tally->errors += (int64_t)sum->rule_errors;
    } else if (rc == TS_OK && reuse) {
        rc = ts_store_run_add(s, pc.run, (int64_t)sum->persons, (int64_t)sum->fired_total,
                              (int64_t)sum->rule_errors, err);
    } else if (rc == TS_OK) {
        char *json = ts_screen_summary_json(&(ts_screen_result){.pass = {*sum}, .n = 1}, 0, o->pack,
                                            "ingest");
        rc = ts_store_run_finish(s, pc.run, "done", (int64_t)sum->persons,
                                 (int64_t)sum->fired_total, (int64_t)sum->rule_errors, json, err);
        free(json);
    }
    ts_buf_release(&jb);
    ts_arena_release(&ar);
    free(it);
    return rc;
}

ts_status ts_screen_tally_flush(ts_store *s, ts_run_tally *t, ts_err *err)
{
    if (!t->run || (!t->persons && !t->fired && !t->errors))
        return TS_OK;
    ts_status rc = ts_store_run_add(s, t->run, t->persons, t->fired, t->errors, err);
    if (rc == TS_OK)
        t->persons = t->fired = t->errors = 0;
    return rc;
}

ts_status ts_screen_inline(ts_store *s, ts_rulehost *host, const ts_screen_opts *o,
                           const char *const *ids, size_t n_ids, ts_screen_result *out, ts_err *err)
{
    memset(out, 0, sizeof *out);
    out->threads = 1;
    unsigned mask = o->passes ? o->passes : 7u;
    /* the persons and snoozes once for all passes (measured under single-record POSTs:
     * reading each person again per pass was 4.5% of the service's samples) */
    ts_arena pa;
    ts_arena_init(&pa, TS_LIMIT_ARENA_JOB); /* the stored copies of one job's records */
    inline_shared sh = {0};
    const ts_person **persons = ts_arena_calloc(&pa, n_ids ? n_ids : 1, sizeof *persons);
    ts_status rc = persons ? TS_OK : ts_err_set(err, TS_NOMEM, NULL, NULL);
    for (size_t i = 0; rc == TS_OK && i < n_ids; i++) {
        ts_person *p = ts_arena_alloc(&pa, sizeof *p);
        if (!p) {
            rc = ts_err_set(err, TS_NOMEM, NULL, NULL);
            break;
        }
        rc = ts_store_get_person(s, ids[i], &pa, p, err);
        if (rc == TS_NOTFOUND)
            rc = TS_OK;
        else if (rc == TS_OK)
            persons[i] = p;
    }
    sh.persons = persons;
    if (rc == TS_OK) {
        char now_s[11];
        ts_date_format(o->now, now_s);
        rc = ts_store_snoozes_active(s, now_s, &pa, &sh.snoozes, &sh.n_snoozes, err);
    }
    for (int p = TS_PASS_FULL; rc == TS_OK && p <= TS_PASS_TARGETED; p++) {
        if (!(mask & (1u << p)))
            continue;
        rc = inline_pass(s, host, o, (ts_pass)p, ids, n_ids, &sh, &out->pass[out->n], err);
        out->n++;
    }
    ts_arena_release(&pa);
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

/* A number with three decimals, as the summary has always shown seconds. */
static void json_secs(ts_jsonw *w, const char *key, double v)
{
    char secs[32];
    int n = snprintf(secs, sizeof secs, "%.3f", v);
    ts_jsonw_key(w, key);
    ts_jsonw_raw(w, secs, n > 0 ? (size_t)n : 0);
}

static void json_counts(ts_jsonw *w, const char *key, const char *const *names, const uint64_t *v,
                        size_t n)
{
    ts_jsonw_key(w, key);
    ts_jsonw_obj(w);
    for (size_t i = 0; i < n; i++)
        ts_jsonw_kint(w, names[i], (int64_t)v[i]);
    ts_jsonw_obj_end(w);
}

char *ts_screen_summary_json(const ts_screen_result *r, unsigned i, const ts_rulepack *pack,
                             const char *scope)
{
    const ts_pass_summary *p = &r->pass[i];
    ts_buf jb;
    ts_jsonw w;
    ts_buf_init(&jb, TS_LIMIT_LINE);
    ts_jsonw_init(&w, &jb);
    ts_jsonw_obj(&w);
    ts_jsonw_kint(&w, "run", p->run);
    ts_jsonw_kstr(&w, "pass", ts_pass_name(p->pass));
    ts_jsonw_kstr(&w, "scope", scope ? scope : "all");
    ts_jsonw_kstr(&w, "rules_version", ts_rulepack_hash(pack));
    ts_jsonw_kint(&w, "persons", (int64_t)p->persons);
    ts_jsonw_key(&w, "fired");
    ts_jsonw_obj(&w);
    for (size_t j = 0; p->fired && j < ts_rulepack_count(pack); j++) {
        const ts_rule_info *ri = ts_rulepack_rule(pack, j);
        if (ri->pass == p->pass)
            ts_jsonw_kint(&w, ri->id, (int64_t)p->fired[j]);
    }
    ts_jsonw_obj_end(&w);
    if (p->pass == TS_PASS_FULL) {
        ts_jsonw_kint(&w, "suspects", (int64_t)p->suspects);
        ts_jsonw_kint(&w, "newly_suspect", (int64_t)p->newly_suspect);
        ts_jsonw_kint(&w, "with_gaps", (int64_t)p->with_gaps);
    }
    static const char *const lists[] = {"red", "yellow", "blue"};
    const uint64_t lv[] = {p->lists[TS_COLOUR_RED], p->lists[TS_COLOUR_YELLOW],
                           p->lists[TS_COLOUR_BLUE]};
    json_counts(&w, "lists", lists, lv, 3);
    static const char *const trans[] = {"total", "entered", "left", "rose", "fell"};
    const uint64_t tv[] = {p->transitions, p->entered, p->left, p->rose, p->fell};
    json_counts(&w, "transitions", trans, tv, 5);
    static const char *const alerts[] = {"early", "detailed", "quick"};
    const uint64_t av[] = {p->alerts[TS_FEEDBACK_EARLY], p->alerts[TS_FEEDBACK_DETAILED],
                           p->alerts[TS_FEEDBACK_QUICK]};
    json_counts(&w, "alerts", alerts, av, 3);
    ts_jsonw_kint(&w, "rule_errors", (int64_t)p->rule_errors);
    json_secs(&w, "seconds", p->seconds);
    json_secs(&w, "eval_cpu_seconds", p->eval_cpu_seconds);
    ts_jsonw_obj_end(&w);
    if (ts_jsonw_finish(&w) != TS_OK) {
        ts_buf_release(&jb);
        return NULL;
    }
    return ts_buf_take(&jb); /* ownership passes to the caller */
}

/* feedback/raise.c — the feedback context: raising alerts from the pass and ingest hooks
 * (de-duplication, routing, the detailed headline), the escalation of unacknowledged
 * quick alerts, and the JSON Lines sink. Uses store/alerts_store.h and json-c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "triscreen/buf.h"
#include "triscreen/date.h"
#include "triscreen/fired.h"
#include "base/limits.h"
#include "feedback/fb_int.h"
#include "lists/redact.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
/* headline: reasons and listed circle members shown at most */
#define HEADLINE_REASONS 3
#define HEADLINE_CIRCLE TS_HEADLINE_CIRCLE
/* the sink is written in chunks of about this many bytes */
#define SINK_CHUNK (1u << 20)

ts_status ts_feedback_open(const ts_config *cfg, const ts_grid *grid, const char *rules_version,
                           ts_feedback_ctx **out, ts_err *err)
{
    ts_feedback_ctx *fb = calloc(1, sizeof *fb);
    if (!fb)
        return ts_err_set(err, TS_NOMEM, "feedback", NULL);
    fb->cfg = cfg;
    fb->grid = grid;
    fb->sink_fd = -1;
    if (rules_version && !(fb->rules_version = strdup(rules_version))) {
        free(fb);
        return ts_err_set(err, TS_NOMEM, "feedback", NULL);
    }
    *out = fb;
    return TS_OK;
}

void ts_feedback_close(ts_feedback_ctx *fb)
{
    if (!fb)
        return;
    ts__alert_db_close(fb->db);
    if (fb->sink_fd >= 0)
        close(fb->sink_fd);
    free(fb->pending);
    free(fb->rules_version);
    free(fb);
}

uint64_t ts_feedback_raised(const ts_feedback_ctx *fb, ts_feedback kind)
{
    return fb && (unsigned)kind < 4 ? fb->raised[kind] : 0;
}

uint64_t ts_feedback_quick_too_old(const ts_feedback_ctx *fb)
{
    return fb ? fb->quick_old : 0;
}

void ts_feedback_discard(ts_feedback_ctx *fb)
{
    if (fb)
        fb->n_pending = 0;
}

ts_status ts__fb_db(ts_feedback_ctx *fb, ts_store *s, ts_err *err)
{
    if (ts__alert_db_is_for(fb->db, s))
        return TS_OK;
    ts__alert_db_close(fb->db);
    fb->db = NULL;
    return ts__alert_db_open(s, &fb->db, err);
}

static ts_status pending_push(ts_feedback_ctx *fb, int64_t cursor, const char *dedup, ts_err *err)
{
    if (!fb->cfg || !fb->cfg->alerts_jsonl)
        return TS_OK;
    if (fb->n_pending == fb->cap_pending) {
        size_t cap = fb->cap_pending ? fb->cap_pending * 2 : 64;
        struct ts__fb_pending *p = realloc(fb->pending, cap * sizeof *p);
        if (!p)
            return ts_err_set(err, TS_NOMEM, "feedback", "alert sink queue");
        fb->pending = p;
        fb->cap_pending = cap;
    }
    fb->pending[fb->n_pending].cursor = cursor;
    fb->pending[fb->n_pending].key = ts__fb_hash(dedup);
    fb->n_pending++;
    return TS_OK;
}

static void now_timestamp(char buf[21])
{
    ts__fb_timestamp((int64_t)time(NULL), buf);
}

uint64_t ts__fb_hash(const char *s)
{
    uint64_t h = 14695981039346656037ull;
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Normalises the rules behind an alert: drops entries without an id and repeats of an
 * id (the first evidence wins). *rules receives their stored JSON (triscreen/fired.h),
 * *ids the sorted rule ids joined by ','. Both malloc'd. */
static ts_status normalise_rules(const ts_fired_rule *in, size_t n, char **rules, char **ids,
                                 ts_err *err)
{
    ts_fired_rule *keep = calloc(n ? n : 1, sizeof *keep);
    const char **idv = calloc(n ? n : 1, sizeof *idv);
    size_t n_ids = 0, len = 1;
    ts_status rc = TS_OK;
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_RULES_JSON);
    if (!keep || !idv) {
        rc = ts_err_set(err, TS_NOMEM, "feedback", NULL);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        bool seen = !in[i].id;
        for (size_t k = 0; k < n_ids && !seen; k++)
            seen = !strcmp(idv[k], in[i].id);
        if (seen)
            continue;
        keep[n_ids] = in[i];
        idv[n_ids++] = in[i].id;
        len += strlen(in[i].id) + 1;
    }
    ts_jsonw w;
    ts_jsonw_init(&w, &b);
    ts_fired_rules_write(&w, keep, n_ids);
    if ((rc = ts_jsonw_finish(&w)) != TS_OK) {
        rc = ts_err_set(err, rc, "feedback", "the rules of an alert");
        goto done;
    }
    qsort(idv, n_ids, sizeof *idv, cmp_str);
    char *joined = malloc(len);
    if (!joined) {
        rc = ts_err_set(err, TS_NOMEM, "feedback", NULL);
        goto done;
    }
    size_t at = 0;
    joined[0] = '\0';
    for (size_t i = 0; i < n_ids; i++)
        at += (size_t)sprintf(joined + at, "%s%s", i ? "," : "", idv[i]);
    *rules = ts_buf_take(&b);
    if (!*rules && !(*rules = strdup("[]"))) {
        free(joined);
        rc = ts_err_set(err, TS_NOMEM, "feedback", NULL);
        goto done;
    }
    *ids = joined;
done:
    ts_buf_release(&b);
    free(keep);
    free(idv);
    return rc;
}

/* ---- the detailed headline ------------------------------------------------------------- */

/* One direct relation of the person, as the headline stores it (lists/redact.c renders
 * the circle each reader may see from these). */
typedef struct circle_member {
    char *person, *relation, *grid; /* grid NULL when not stored */
    ts_colour colour;               /* NONE off the lists */
} circle_member;

typedef struct headline_ctx {
    ts_arena arena;                      /* the parsed reasons */
    ts_fired_rule top[HEADLINE_REASONS]; /* strings in arena */
    size_t n_top;
    circle_member *members;
    size_t n_members, cap_members;
    int64_t score;
    char next_review[16];
    char colour[16];
    bool member;
    size_t by_colour[TS_COLOUR_N];
    bool oom;
} headline_ctx;

/* Adds up to HEADLINE_REASONS distinct rules of stored reasons to hc->top. */
static ts_status add_top(headline_ctx *hc, const char *reasons, ts_err *err)
{
    ts_fired_rule *v = NULL;
    size_t n = 0;
    ts_status rc = ts_fired_rules_read(reasons, &hc->arena, &v, &n, err);
    if (rc == TS_PARSE)
        return TS_OK; /* unreadable reasons add nothing, as they always have */
    for (size_t i = 0; rc == TS_OK && i < n && hc->n_top < HEADLINE_REASONS; i++) {
        bool seen = false;
        for (size_t k = 0; k < hc->n_top && !seen; k++)
            seen = !strcmp(hc->top[k].id, v[i].id);
        if (!seen)
            hc->top[hc->n_top++] = v[i];
    }
    return rc;
}

static ts_status on_member(void *ud, const char *colour, int64_t score, const char *next_review,
                           const char *reasons, ts_err *err)
{
    headline_ctx *hc = ud;
    hc->member = true;
    hc->score = score;
    snprintf(hc->colour, sizeof hc->colour, "%s", colour ? colour : "");
    snprintf(hc->next_review, sizeof hc->next_review, "%s", next_review ? next_review : "");
    return add_top(hc, reasons, err);
}

static ts_status on_circle(void *ud, const char *other, const char *kind, const char *colour,
                           const char *grid, ts_err *err)
{
    headline_ctx *hc = ud;
    if (hc->n_members && !strcmp(other, hc->members[hc->n_members - 1].person))
        return TS_OK; /* two relations with the same person: count the person once */
    if (hc->n_members == hc->cap_members) {
        size_t cap = hc->cap_members ? hc->cap_members * 2 : 16;
        circle_member *m = realloc(hc->members, cap * sizeof *m);
        if (!m)
            return ts_err_set(err, TS_NOMEM, "feedback", "headline");
        hc->members = m;
        hc->cap_members = cap;
    }
    ts_colour c = TS_COLOUR_NONE;
    if (!colour || !ts_colour_parse(colour, &c))
        c = TS_COLOUR_NONE;
    circle_member *m = &hc->members[hc->n_members];
    *m = (circle_member){.person = strdup(other),
                         .relation = strdup(kind ? kind : ""),
                         .grid = grid ? strdup(grid) : NULL,
                         .colour = c};
    hc->n_members++;
    if (!m->person || !m->relation || (grid && !m->grid))
        return ts_err_set(err, TS_NOMEM, "feedback", "headline");
    hc->by_colour[c]++;
    return TS_OK;
}

static void headline_release(headline_ctx *hc)
{
    for (size_t i = 0; i < hc->n_members; i++) {
        free(hc->members[i].person);
        free(hc->members[i].relation);
        free(hc->members[i].grid);
    }
    free(hc->members);
    ts_arena_release(&hc->arena);
}

/* "circle":{"size","red","yellow","blue","listed":[…],"members":[…]} */
static void write_circle(ts_jsonw *w, const headline_ctx *hc)
{
    ts_jsonw_key(w, "circle");
    ts_jsonw_obj(w);
    ts_jsonw_kint(w, "size", (int64_t)hc->n_members);
    ts_jsonw_kint(w, "red", (int64_t)hc->by_colour[TS_COLOUR_RED]);
    ts_jsonw_kint(w, "yellow", (int64_t)hc->by_colour[TS_COLOUR_YELLOW]);
    ts_jsonw_kint(w, "blue", (int64_t)hc->by_colour[TS_COLOUR_BLUE]);
    ts_jsonw_key(w, "listed");
    ts_jsonw_arr(w);
    for (size_t i = 0, n = 0; i < hc->n_members && n < HEADLINE_CIRCLE; i++) {
        const circle_member *m = &hc->members[i];
        if (m->colour == TS_COLOUR_NONE)
            continue;
        n++;
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "person", m->person);
        ts_jsonw_kstr(w, "relation", m->relation);
        ts_jsonw_kstr(w, "colour", ts_colour_name(m->colour));
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_arr_end(w);
    /* stored, never shown as is: lists/redact.c builds the circle each reader may see */
    ts_jsonw_key(w, "members");
    ts_jsonw_arr(w);
    for (size_t i = 0; i < hc->n_members; i++) {
        const circle_member *m = &hc->members[i];
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "person", m->person);
        ts_jsonw_kstr(w, "relation", m->relation);
        ts_jsonw_kstr(w, "colour", m->colour ? ts_colour_name(m->colour) : NULL);
        ts_jsonw_kstr(w, "grid", m->grid);
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_arr_end(w);
    ts_jsonw_obj_end(w);
}

/* {"colour","score","top_reasons":[…],"circle":{"size","red","yellow","blue","listed":[…],
 *  "members":[…]},"next_review"} from list_members and relations as they stand in the
 * pass's transaction. */
static ts_status build_headline(ts_feedback_ctx *fb, const char *person, const char *colour,
                                const char *rules, char **out, ts_err *err)
{
    headline_ctx hc = {.n_top = 0};
    ts_arena_init(&hc.arena, TS_LIMIT_RULES_JSON);
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_RULES_JSON);
    ts_status rc = ts__alert_db_member(fb->db, person, on_member, &hc, err);
    if (rc == TS_OK)
        rc = ts__alert_db_circle(fb->db, person, on_circle, &hc, err);
    if (rc == TS_OK) /* the alert's own rules fill up what the list row left */
        rc = add_top(&hc, rules, err);
    if (rc != TS_OK)
        goto done;
    const char *col = colour ? colour : hc.colour[0] ? hc.colour : NULL;
    ts_jsonw w;
    ts_jsonw_init(&w, &b);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "colour", col);
    if (hc.member)
        ts_jsonw_kint(&w, "score", hc.score);
    else
        ts_jsonw_knull(&w, "score");
    ts_jsonw_key(&w, "top_reasons");
    ts_fired_rules_write(&w, hc.top, hc.n_top);
    write_circle(&w, &hc);
    ts_jsonw_kstr(&w, "next_review", hc.next_review[0] ? hc.next_review : NULL);
    ts_jsonw_obj_end(&w);
    if ((rc = ts_jsonw_finish(&w)) != TS_OK || !(*out = ts_buf_take(&b)))
        rc = ts_err_set(err, rc != TS_OK ? rc : TS_NOMEM, "feedback", "headline");
done:
    ts_buf_release(&b);
    headline_release(&hc);
    return rc;
}

/* ---- raising --------------------------------------------------------------------------- */

typedef struct raise_req {
    ts_feedback kind;
    const char *person, *grid;
    const char *colour; /* NULL = none */
    const char *rules;  /* normalised JSON array */
    const char *key;    /* the reasons part of the dedup key */
    int64_t run;
} raise_req;

static ts_status raise_alert(ts_feedback_ctx *fb, ts_store *s, const raise_req *q, ts_err *err)
{
    ts_status rc = ts__fb_db(fb, s, err);
    if (rc != TS_OK)
        return rc;
    char *dedup = NULL, *route = NULL, *note = NULL, *headline = NULL;
    const char *kind = ts_feedback_name(q->kind);
    /* kind + person + sorted rule ids (+ colour for detailed: a rise is a new alert) */
    size_t dlen = strlen(kind) + strlen(q->person) + strlen(q->key) + 32;
    dedup = malloc(dlen);
    if (!dedup) {
        rc = ts_err_set(err, TS_NOMEM, "feedback", NULL);
        goto done;
    }
    snprintf(dedup, dlen, "%s|%s|%s|%s", kind, q->person,
             q->kind == TS_FEEDBACK_DETAILED && q->colour ? q->colour : "", q->key);
    bool open = false;
    if ((rc = ts__alert_db_dup_open(fb->db, dedup, &open, err)) != TS_OK || open)
        goto done;
    if ((rc = ts__fb_route(fb->grid, q->grid, q->kind, 0, &route, &note)) != TS_OK) {
        rc = ts_err_set(err, rc, "feedback", "routing an alert for %s", q->person);
        goto done;
    }
    if (q->kind == TS_FEEDBACK_DETAILED &&
        (rc = build_headline(fb, q->person, q->colour, q->rules, &headline, err)) != TS_OK)
        goto done;
    char created[21];
    now_timestamp(created);
    ts__alert_row row = {.kind = kind,
                         .person = q->person,
                         .grid = q->grid,
                         .colour = q->colour,
                         .rules = q->rules,
                         .route = route,
                         .route_note = note,
                         .headline = headline,
                         .created = created,
                         .run = q->run,
                         .rules_version = fb->rules_version,
                         .status = "new",
                         .dedup = dedup};
    int64_t cursor;
    if ((rc = ts__alert_db_insert(fb->db, &row, &cursor, err)) != TS_OK)
        goto done;
    fb->raised[q->kind]++;
    rc = pending_push(fb, cursor, dedup, err);
done:
    free(dedup);
    free(route);
    free(note);
    free(headline);
    return rc;
}

ts_status ts_feedback_on_screen_alert(void *ud, ts_store *s, const ts_screen_alert *a, ts_err *err)
{
    ts_feedback_ctx *fb = ud;
    if (!fb || !a || !a->person || !a->grid || a->kind < TS_FEEDBACK_EARLY ||
        a->kind > TS_FEEDBACK_QUICK)
        return ts_err_set(err, TS_INVALID, "feedback", "screen alert without kind, person or grid");
    char *rules = NULL, *ids = NULL;
    ts_status rc = normalise_rules(a->rules, a->rules ? a->n_rules : 0, &rules, &ids, err);
    if (rc != TS_OK)
        return rc;
    raise_req q = {.kind = a->kind,
                   .person = a->person,
                   .grid = a->grid,
                   .colour = a->colour ? ts_colour_name(a->colour) : NULL,
                   .rules = rules,
                   .key = ids,
                   .run = a->run};
    rc = raise_alert(fb, s, &q, err);
    free(rules);
    free(ids);
    return rc;
}

ts_status ts_feedback_on_problem_event(void *ud, ts_store *s, const ts_person *p,
                                       const ts_event *ev, ts_err *err)
{
    ts_feedback_ctx *fb = ud;
    if (!fb || !p || !p->id || !p->grid || !ev || !ev->type)
        return ts_err_set(err, TS_INVALID, "feedback", "problem event without person or type");
    /* An event dated long before today (a history load) is stored and screened like any
     * other, but it is not news a case officer must act on within the hour: no quick
     * alert. "Today" is the config's now when set, as for the passes. */
    if (fb->cfg->quick_max_age_days) {
        int32_t today = ts_date_today();
        if (fb->cfg->now[0])
            (void)ts_date_parse(fb->cfg->now, strlen(fb->cfg->now), &today);
        if ((int64_t)ev->date < (int64_t)today - fb->cfg->quick_max_age_days) {
            fb->quick_old++;
            return TS_OK;
        }
    }
    ts_status rc = ts__fb_db(fb, s, err);
    if (rc != TS_OK)
        return rc;
    char colour[16];
    bool listed = false;
    if ((rc = ts__alert_db_colour(fb->db, p->id, colour, sizeof colour, &listed, err)) != TS_OK)
        return rc;
    char date[11];
    ts_date_format(ev->date, date);
    const char *note = ev->note ? ev->note : "";
    /* rules: [{"id":"problem_event","evidence":"<type> <date>[ <note>]"}]; the dedup key
     * names the event itself (type, date, a hash of the note), so each new problem event
     * is its own alert and the same event never alerts twice while open */
    size_t elen = strlen(ev->type) + strlen(note) + 16;
    char *evidence = malloc(elen);
    char *key = malloc(strlen(ev->type) + 64);
    ts_buf rules;
    ts_buf_init(&rules, TS_LIMIT_RULES_JSON);
    if (!evidence || !key) {
        rc = ts_err_set(err, TS_NOMEM, "feedback", NULL);
        goto done;
    }
    snprintf(evidence, elen, "%s %s%s%s", ev->type, date, note[0] ? " " : "", note);
    sprintf(key, "problem_event:%s|%s|%016llx", ev->type, date,
            (unsigned long long)ts__fb_hash(note));
    const ts_fired_rule fr = {.id = "problem_event", .evidence = evidence};
    ts_jsonw w;
    ts_jsonw_init(&w, &rules);
    ts_fired_rules_write(&w, &fr, 1);
    if ((rc = ts_jsonw_finish(&w)) != TS_OK) {
        rc = ts_err_set(err, rc, "feedback", "the rules of a quick alert");
        goto done;
    }
    raise_req q = {.kind = TS_FEEDBACK_QUICK,
                   .person = p->id,
                   .grid = p->grid,
                   .colour = listed ? colour : NULL,
                   .rules = ts_buf_str(&rules),
                   .key = key,
                   .run = 0};
    rc = raise_alert(fb, s, &q, err);
done:
    free(evidence);
    free(key);
    ts_buf_release(&rules);
    return rc;
}

/* ---- the sink -------------------------------------------------------------------------- */

typedef struct sink_buf {
    char *p;
    size_t len, cap;
    uint64_t key; /* the dedup hash the row must have */
} sink_buf;

static ts_status sink_write(ts_feedback_ctx *fb, sink_buf *b, ts_err *err)
{
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(fb->sink_fd, b->p + off, b->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return ts_err_set(err, TS_IO, fb->cfg->alerts_jsonl, "cannot write alerts: %s",
                              strerror(errno));
        off += (size_t)w;
    }
    b->len = 0;
    return TS_OK;
}

static ts_status sink_row(void *ud, const ts__alert_row *r, bool *stop, ts_err *err)
{
    sink_buf *b = ud;
    if (ts__fb_hash(r->dedup) != b->key)
        return TS_OK; /* rolled back, and the cursor reused by another writer */
    char *j = ts__fb_alert_json(r, NULL);
    if (!j)
        return ts_err_set(err, TS_NOMEM, "feedback", NULL);
    size_t n = strlen(j);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : SINK_CHUNK;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            free(j);
            return ts_err_set(err, TS_NOMEM, "feedback", NULL);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, j, n);
    b->p[b->len + n] = '\n';
    b->len += n + 1;
    free(j);
    return TS_OK;
}

static int cmp_pending(const void *a, const void *b)
{
    int64_t x = ((const struct ts__fb_pending *)a)->cursor;
    int64_t y = ((const struct ts__fb_pending *)b)->cursor;
    return x < y ? -1 : x > y;
}

ts_status ts_feedback_flush(ts_feedback_ctx *fb, ts_store *s, ts_err *err)
{
    if (!fb || !fb->cfg || !fb->cfg->alerts_jsonl || fb->n_pending == 0)
        return TS_OK;
    ts_status rc = ts__fb_db(fb, s, err);
    if (rc != TS_OK)
        return rc;
    if (fb->sink_fd < 0) {
        fb->sink_fd = open(fb->cfg->alerts_jsonl, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fb->sink_fd < 0)
            return ts_err_set(err, TS_IO, fb->cfg->alerts_jsonl, "cannot open alert sink: %s",
                              strerror(errno));
    }
    qsort(fb->pending, fb->n_pending, sizeof *fb->pending, cmp_pending);
    sink_buf b = {0};
    for (size_t i = 0; i < fb->n_pending && rc == TS_OK; i++) {
        b.key = fb->pending[i].key;
        rc = ts__alert_db_get(fb->db, fb->pending[i].cursor, sink_row, &b, err);
        if (rc == TS_OK && b.len >= SINK_CHUNK)
            rc = sink_write(fb, &b, err);
    }
    if (rc == TS_OK)
        rc = sink_write(fb, &b, err);
    free(b.p);
    if (rc == TS_OK)
        fb->n_pending = 0;
    return rc;
}

/* ---- escalation ------------------------------------------------------------------------ */

typedef struct due_list {
    ts_arena arena;
    ts__alert_row *rows;
    size_t n, cap;
    bool oom;
} due_list;

static const char *dup_opt(ts_arena *a, const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *d = ts_arena_strdup(a, s);
    if (!d)
        *oom = true;
    return d;
}

/* Copies each due row (rows are written after the read finishes: the new rows must not be
 * seen by the same scan). */
static ts_status on_due(void *ud, const ts__alert_row *r, bool *stop, ts_err *err)
{
    due_list *dl = ud;
    if (dl->n == dl->cap) {
        size_t cap = dl->cap ? dl->cap * 2 : 16;
        ts__alert_row *p = realloc(dl->rows, cap * sizeof *p);
        if (!p)
            return ts_err_set(err, TS_NOMEM, "feedback", NULL);
        dl->rows = p;
        dl->cap = cap;
    }
    ts__alert_row *c = &dl->rows[dl->n++];
    *c = *r;
    ts_arena *a = &dl->arena;
    c->kind = dup_opt(a, r->kind, &dl->oom);
    c->person = dup_opt(a, r->person, &dl->oom);
    c->grid = dup_opt(a, r->grid, &dl->oom);
    c->colour = dup_opt(a, r->colour, &dl->oom);
    c->rules = dup_opt(a, r->rules, &dl->oom);
    c->route = dup_opt(a, r->route, &dl->oom);
    c->route_note = dup_opt(a, r->route_note, &dl->oom);
    c->headline = dup_opt(a, r->headline, &dl->oom);
    c->created = dup_opt(a, r->created, &dl->oom);
    c->rules_version = dup_opt(a, r->rules_version, &dl->oom);
    c->status = dup_opt(a, r->status, &dl->oom);
    c->dedup = dup_opt(a, r->dedup, &dl->oom);
    c->escalated = dup_opt(a, r->escalated, &dl->oom);
    return dl->oom ? ts_err_set(err, TS_NOMEM, "feedback", NULL) : TS_OK;
}

static int cmp_row_cursor(const void *a, const void *b)
{
    int64_t x = ((const ts__alert_row *)a)->cursor, y = ((const ts__alert_row *)b)->cursor;
    return x < y ? -1 : x > y;
}

static ts_status escalate_one(ts_feedback_ctx *fb, ts_store *s, const ts__alert_row *old,
                              const char *at_ts, ts_err *err)
{
    char *route = NULL, *note = NULL;
    ts_feedback kind;
    if (!ts_feedback_parse(old->kind, &kind))
        kind = TS_FEEDBACK_QUICK;
    int level = old->level + 1;
    ts_status rc = ts__fb_route(fb->grid, old->grid, kind, level, &route, &note);
    if (rc != TS_OK)
        return ts_err_set(err, rc, "feedback", "routing an escalation");
    ts__alert_row row = *old;
    row.route = route;
    row.route_note = note;
    row.status = "new";
    row.level = level;
    row.escalated = at_ts;
    int64_t cursor;
    char name[24];
    ts__fb_alert_name(old->id, name);
    ts_buf detail;
    ts_buf_init(&detail, TS_LIMIT_ALERT_DETAIL);
    if ((rc = ts__alert_db_insert(fb->db, &row, &cursor, err)) != TS_OK ||
        (rc = ts__alert_db_set_status(fb->db, old->cursor, "superseded", err)) != TS_OK)
        goto done;
    if ((rc = ts_buf_printf(&detail, "level %d, cursor %lld, route %s%s%s", level,
                            (long long)cursor, route, note ? ": " : "", note ? note : "")) !=
        TS_OK) {
        if (rc == TS_LIMIT)
            rc = ts_err_set(err, rc, "feedback",
                            "escalating %s: the history detail is longer than %u bytes", name,
                            TS_LIMIT_ALERT_DETAIL);
        else
            rc = ts_err_set(err, rc, "feedback", NULL);
        goto done;
    }
    const char *d = ts_buf_str(&detail);
    if ((rc = ts__alert_db_history(fb->db, old->id, "escalated", "engine", at_ts, d, err)) !=
            TS_OK ||
        (rc = ts_store_audit(s, "engine", "alert.escalate", name, d, err)) != TS_OK)
        goto done;
    rc = pending_push(fb, cursor, old->dedup, err);
done:
    ts_buf_release(&detail);
    free(route);
    free(note);
    return rc;
}

ts_status ts_feedback_escalate(ts_feedback_ctx *fb, ts_store *s, int64_t at, unsigned *escalated,
                               ts_err *err)
{
    if (!fb || !s)
        return ts_err_set(err, TS_INVALID, "feedback", "escalate: no context or store");
    bool own = !ts__alerts_in_tx(s);
    ts_status rc = TS_OK;
    due_list dl = {.n = 0};
    size_t mark = fb->n_pending;
    ts_arena_init(&dl.arena, TS_LIMIT_ARENA_DUE);
    if (own && (rc = ts_store_begin(s, err)) != TS_OK)
        goto done;
    if ((rc = ts__fb_db(fb, s, err)) != TS_OK)
        goto done;
    uint32_t minutes = fb->cfg ? fb->cfg->quick_ack_minutes : 30;
    char cutoff[21], at_ts[21];
    ts__fb_timestamp(at - (int64_t)minutes * 60, cutoff);
    ts__fb_timestamp(at, at_ts);
    if ((rc = ts__alert_db_due(fb->db, cutoff, on_due, &dl, err)) != TS_OK)
        goto done;
    /* escalate in cursor order, so the feed shows escalations in the order raised */
    if (dl.n > 1)
        qsort(dl.rows, dl.n, sizeof *dl.rows, cmp_row_cursor);
    for (size_t i = 0; i < dl.n && rc == TS_OK; i++)
        rc = escalate_one(fb, s, &dl.rows[i], at_ts, err);
    if (rc == TS_OK && own)
        rc = ts_store_commit(s, err);
    if (rc == TS_OK && own)
        rc = ts_feedback_flush(fb, s, err);
    if (rc == TS_OK)
        *escalated = (unsigned)dl.n;
done:
    if (rc != TS_OK && own) {
        ts_store_rollback(s);
        /* the rows pushed for the sink were rolled back with the transaction */
        if (fb->n_pending > mark)
            fb->n_pending = mark;
    }
    free(dl.rows);
    ts_arena_release(&dl.arena);
    return rc;
}

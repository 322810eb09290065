/* feedback/raise.c — the feedback context: raising alerts from the pass and ingest hooks
 * (one open alert per person and kind; new causes become evidence on it, known causes
 * raise nothing, new causes after a close raise a reopening), routing, the detailed
 * headline, and the JSON Lines sink. Uses store/alerts_store.h. */
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
    ts_arena_init(&fb->held_arena, TS_LIMIT_ARENA_HELD);
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
    ts_arena_release(&fb->held_arena);
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

ts_status ts__fb_pending_push(ts_feedback_ctx *fb, int64_t cursor, const char *dedup, ts_err *err)
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

/* Adds up to HEADLINE_REASONS distinct rules of v to hc->top (borrowed: v outlives hc). */
static void add_top_rules(headline_ctx *hc, const ts_fired_rule *v, size_t n)
{
    for (size_t i = 0; i < n && hc->n_top < HEADLINE_REASONS; i++) {
        bool seen = false;
        for (size_t k = 0; k < hc->n_top && !seen; k++)
            seen = !strcmp(hc->top[k].id, v[i].id);
        if (!seen)
            hc->top[hc->n_top++] = v[i];
    }
}

/* add_top_rules of stored reasons. */
static ts_status add_top(headline_ctx *hc, const char *reasons, ts_err *err)
{
    ts_fired_rule *v = NULL;
    size_t n = 0;
    ts_status rc = ts_fired_rules_read(reasons, &hc->arena, &v, &n, err);
    if (rc == TS_PARSE)
        return TS_OK; /* unreadable reasons add nothing, as they always have */
    if (rc == TS_OK)
        add_top_rules(hc, v, n);
    return rc;
}

/* Joins the NUL-terminated parts into buf (cap bytes, always terminated, cut at cap):
 * what snprintf("%s%s...") gives, without the format machinery (a few calls an alert). */
static void join(char *buf, size_t cap, const char *const *parts, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n && len + 1 < cap; i++) {
        size_t k = strlen(parts[i]);
        if (k > cap - 1 - len)
            k = cap - 1 - len;
        memcpy(buf + len, parts[i], k);
        len += k;
    }
    buf[len] = '\0';
}

/* on_member from the row a pass just wrote (ts_screen_member) */
static void from_member(headline_ctx *hc, const ts_screen_member *m)
{
    if (!m->listed)
        return;
    hc->member = true;
    hc->score = m->score;
    join(hc->colour, sizeof hc->colour,
         (const char *[]){m->colour != TS_COLOUR_NONE ? ts_colour_name(m->colour) : "none"}, 1);
    if (m->next_review != TS_DATE_NONE)
        ts_date_format(m->next_review, hc->next_review);
    add_top_rules(hc, m->reasons, m->n_reasons);
}

static ts_status on_member(void *ud, const char *colour, int64_t score, const char *next_review,
                           const char *reasons, ts_err *err)
{
    headline_ctx *hc = ud;
    hc->member = true;
    hc->score = score;
    join(hc->colour, sizeof hc->colour, (const char *[]){colour ? colour : ""}, 1);
    join(hc->next_review, sizeof hc->next_review, (const char *[]){next_review ? next_review : ""},
         1);
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
 *  "members":[…]},"next_review"} from list_members (or member, the row the pass just
 * wrote there) and relations as they stand in the pass's transaction. */
static ts_status build_headline(ts_feedback_ctx *fb, const char *person, const char *colour,
                                const ts_fired_rule *rules, size_t n_rules,
                                const ts_screen_member *member, char **out, ts_err *err)
{
    headline_ctx hc = {.n_top = 0};
    ts_arena_init(&hc.arena, TS_LIMIT_RULES_JSON);
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_RULES_JSON);
    ts_status rc = TS_OK;
    if (member)
        from_member(&hc, member);
    else
        rc = ts__alert_db_member(fb->db, person, on_member, &hc, err);
    if (rc == TS_OK && !(member && member->no_relations))
        rc = ts__alert_db_circle(fb->db, person, on_circle, &hc, err);
    if (rc == TS_OK) /* the alert's own rules fill up what the list row left */
        add_top_rules(&hc, rules, n_rules);
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

/* What one trigger brings: the entries shown in the alert's rules (each with its cause:
 * "rule:ID", or "event:EVIDENCE" for a problem event) and causes without an entry
 * ("colour:red@DATE", "suspect@DATE"). */
typedef struct raise_req {
    ts_feedback kind;
    const char *person, *grid;
    const char *colour; /* NULL = none */
    const ts_fired_rule *entries;
    size_t n_entries;
    const char *const *extra; /* causes without an entry */
    size_t n_extra;
    const ts_event *event;          /* the triggering problem event, or NULL */
    const ts_screen_member *member; /* the person's row as a pass just wrote it, or NULL */
} raise_req;

/* The i-th cause of the trigger into b: an entry's ("rule:ID", "event:EVIDENCE") or
 * one of the extra causes. */
static ts_status cause_of(const raise_req *q, size_t i, ts_buf *b, ts_err *err)
{
    ts_buf_reset(b);
    const ts_fired_rule *e = i < q->n_entries ? &q->entries[i] : NULL;
    bool ev = e && !strcmp(e->id, "problem_event");
    ts_status rc =
        !e ? ts_buf_puts(b, q->extra[i - q->n_entries]) : ts_buf_puts(b, ev ? "event:" : "rule:");
    if (rc == TS_OK && e)
        rc = ts_buf_puts(b, ev ? e->evidence : e->id);
    return rc == TS_OK ? TS_OK : ts_err_set(err, rc, "feedback", "the cause of an alert");
}

/* The open or closed alert a trigger meets, copied (strings in arena). */
typedef struct met_alert {
    bool found;
    int64_t id;
    const char *rules, *colour;
} met_alert;

static ts_status on_met(void *ud, const ts__alert_row *r, bool *stop, ts_err *err)
{
    ts_arena *a = ((void **)ud)[0];
    met_alert *m = ((void **)ud)[1];
    m->found = true;
    m->id = r->id;
    m->rules = r->rules ? ts_arena_strdup(a, r->rules) : "[]";
    m->colour = r->colour ? ts_arena_strdup(a, r->colour) : NULL;
    *stop = true;
    return m->rules && (m->colour || !r->colour) ? TS_OK
                                                 : ts_err_set(err, TS_NOMEM, "feedback", NULL);
}

static int colour_rank(const char *c)
{
    ts_colour v = TS_COLOUR_NONE;
    return c && ts_colour_parse(c, &v) ? (int)v : 0;
}

/* New evidence on the open alert m: adds the trigger's new causes; when there is any, the
 * new entries join its rules (a detailed alert also takes a higher colour and a fresh
 * headline) and its history records "evidence". */
static ts_status add_evidence(ts_feedback_ctx *fb, ts_store *s, const raise_req *q,
                              const met_alert *m, ts_arena *arena, ts_err *err)
{
    ts_buf cause, note;
    ts_buf_init(&cause, TS_LIMIT_ROUTE_NOTE);
    ts_buf_init(&note, TS_LIMIT_ALERT_DETAIL);
    ts_fired_rule *old = NULL, *all = NULL;
    size_t n_old = 0, n_all = 0, n_new = 0;
    char *headline = NULL;
    ts_status rc = ts_fired_rules_read(m->rules, arena, &old, &n_old, err);
    if (rc == TS_PARSE)
        rc = TS_OK, n_old = 0;
    if (rc == TS_OK && !(all = calloc(n_old + q->n_entries + 1, sizeof *all)))
        rc = ts_err_set(err, TS_NOMEM, "feedback", NULL);
    for (size_t i = 0; rc == TS_OK && i < n_old; i++)
        all[n_all++] = old[i];
    for (size_t i = 0; rc == TS_OK && i < q->n_entries + q->n_extra; i++) {
        bool entry = i < q->n_entries, added = false;
        if ((rc = cause_of(q, i, &cause, err)) == TS_OK)
            rc = ts__alert_db_cause_add(fb->db, m->id, ts_buf_str(&cause), &added, err);
        if (rc != TS_OK || !added)
            continue;
        n_new++;
        if (entry)
            all[n_all++] = q->entries[i];
        if (note.len < 512 && (rc = ts_buf_printf(&note, "%s%s", note.len ? ", " : "new evidence: ",
                                                  ts_buf_str(&cause))) != TS_OK)
            rc = ts_err_set(err, rc, "feedback", "the evidence of an alert");
    }
    if (rc == TS_OK && n_new == 0)
        fb->known[q->kind]++; /* every cause already on the open alert */
    if (rc != TS_OK || n_new == 0)
        goto done;
    const char *colour =
        q->colour && colour_rank(q->colour) > colour_rank(m->colour) ? q->colour : NULL;
    ts_buf rules;
    ts_buf_init(&rules, TS_LIMIT_RULES_JSON);
    ts_jsonw w;
    ts_jsonw_init(&w, &rules);
    ts_fired_rules_write(&w, all, n_all);
    if ((rc = ts_jsonw_finish(&w)) != TS_OK)
        rc = ts_err_set(err, rc, "feedback", "the rules of an alert");
    if (rc == TS_OK && q->kind == TS_FEEDBACK_DETAILED)
        rc = build_headline(fb, q->person, colour ? colour : m->colour, all, n_all, q->member,
                            &headline, err);
    char at[21];
    now_timestamp(at);
    if (rc == TS_OK && (rc = ts__alert_db_set_evidence(fb->db, m->id, ts_buf_str(&rules), colour,
                                                       headline, err)) == TS_OK)
        rc = ts__alert_db_history(fb->db, m->id, "evidence", "engine", NULL, at, ts_buf_str(&note),
                                  err);
    ts_buf_release(&rules);
    if (rc == TS_OK)
        fb->updated[q->kind]++;
done:
    free(all);
    free(headline);
    ts_buf_release(&cause);
    ts_buf_release(&note);
    return rc;
}

/* True in *fresh when the trigger has a cause the closed alert m does not have. */
static ts_status has_new_cause(ts_feedback_ctx *fb, const raise_req *q, const met_alert *m,
                               bool *fresh, ts_err *err)
{
    ts_buf cause;
    ts_buf_init(&cause, TS_LIMIT_ROUTE_NOTE);
    ts_status rc = TS_OK;
    *fresh = false;
    for (size_t i = 0; rc == TS_OK && !*fresh && i < q->n_entries + q->n_extra; i++) {
        bool has = false;
        if ((rc = cause_of(q, i, &cause, err)) == TS_OK &&
            (rc = ts__alert_db_cause_has(fb->db, m->id, ts_buf_str(&cause), &has, err)) == TS_OK)
            *fresh = !has;
    }
    ts_buf_release(&cause);
    return rc;
}

/* Writes the held pairs (fb->db serves the pass's store) and holds none. */
static ts_status write_held(ts_feedback_ctx *fb, ts_err *err)
{
    ts_status rc = fb->n_held && fb->db ? ts__alert_db_cause_pairs(fb->db, fb->held_ids,
                                                                   fb->held_causes, fb->n_held, err)
                                        : TS_OK;
    fb->n_held = 0;
    ts_arena_reset(&fb->held_arena);
    return rc;
}

/* Holds cause (copied) of alert id until the batch ends; what is held is written first
 * when the pairs or their arena are full. */
static ts_status hold_cause(ts_feedback_ctx *fb, int64_t id, const char *cause, ts_err *err)
{
    ts_status rc = fb->n_held == TS__FB_HELD ? write_held(fb, err) : TS_OK;
    const char *c = rc == TS_OK ? ts_arena_strdup(&fb->held_arena, cause) : NULL;
    if (rc == TS_OK && !c && (rc = write_held(fb, err)) == TS_OK &&
        !(c = ts_arena_strdup(&fb->held_arena, cause)))
        rc = ts_err_set(err, TS_NOMEM, "feedback", "the held causes of a batch");
    if (rc != TS_OK)
        return rc;
    fb->held_ids[fb->n_held] = id;
    fb->held_causes[fb->n_held++] = c;
    return TS_OK;
}

ts_status ts_feedback_on_alert_batch(void *ud, ts_store *s, int phase, ts_err *err)
{
    ts_feedback_ctx *fb = ud;
    ts_status rc = TS_OK;
    if (phase == TS_ALERT_BATCH_END && fb->n_held && (rc = ts__fb_db(fb, s, err)) == TS_OK)
        rc = write_held(fb, err);
    fb->hold = phase == TS_ALERT_BATCH_BEGIN;
    fb->n_held = 0;
    ts_arena_reset(&fb->held_arena);
    return rc;
}

/* The causes of a new alert, written in one statement a few at a time (one statement a
 * cause measured ~1.5 us an alert of 2-3 causes, 6.6% of a full pass), or held for the
 * end of a pass's batch. */
static ts_status add_causes(ts_feedback_ctx *fb, const raise_req *q, int64_t id, ts_arena *a,
                            ts_err *err)
{
    size_t n = q->n_entries + q->n_extra;
    ts_buf cause;
    ts_buf_init(&cause, TS_LIMIT_ROUTE_NOTE);
    const char **v = ts_arena_alloc(a, (n ? n : 1) * sizeof *v);
    ts_status rc = v ? TS_OK : ts_err_set(err, TS_NOMEM, "feedback", NULL);
    for (size_t i = 0; rc == TS_OK && i < n; i++) {
        if ((rc = cause_of(q, i, &cause, err)) != TS_OK)
            break;
        if (fb->hold)
            rc = hold_cause(fb, id, ts_buf_str(&cause), err);
        else if (!(v[i] = ts_arena_strdup(a, ts_buf_str(&cause))))
            rc = ts_err_set(err, TS_NOMEM, "feedback", NULL);
    }
    if (rc == TS_OK && !fb->hold)
        rc = ts__alert_db_causes_add(fb->db, id, v, n, err);
    ts_buf_release(&cause);
    return rc;
}

/* A new alert (reopening the closed alert `reopens` when not 0). */
static ts_status insert_alert(ts_feedback_ctx *fb, ts_store *s, const raise_req *q,
                              const char *dedup, int64_t reopens, ts_arena *a, ts_err *err)
{
    (void)s;
    char *route = NULL, *note = NULL, *headline = NULL;
    ts_buf rules;
    ts_buf_init(&rules, TS_LIMIT_RULES_JSON);
    ts_jsonw w;
    ts_jsonw_init(&w, &rules);
    ts_fired_rules_write(&w, q->entries, q->n_entries);
    ts_status rc = ts_jsonw_finish(&w);
    if (rc != TS_OK) {
        rc = ts_err_set(err, rc, "feedback", "the rules of an alert");
        goto done;
    }
    if ((rc = ts__fb_route(fb->grid, q->grid, q->kind, TS_CELL_GROUP, &route, &note)) != TS_OK) {
        rc = ts_err_set(err, rc, "feedback", "routing an alert for %s", q->person);
        goto done;
    }
    if (q->kind == TS_FEEDBACK_DETAILED &&
        (rc = build_headline(fb, q->person, q->colour, q->entries, q->n_entries, q->member,
                             &headline, err)) != TS_OK)
        goto done;
    int64_t now = (int64_t)time(NULL);
    char created[21], due[21], date[11] = "";
    ts__fb_timestamp(now, created);
    ts__fb_timestamp(now + (int64_t)ts__fb_sla(fb->cfg, q->kind).ack_minutes * 60, due);
    if (q->event)
        ts_date_format(q->event->date, date);
    ts__alert_row row = {.kind = ts_feedback_name(q->kind),
                         .person = q->person,
                         .grid = q->grid,
                         .colour = q->colour,
                         .rules = ts_buf_str(&rules),
                         .route = route,
                         .route_note = note,
                         .headline = headline,
                         .created = created,
                         .run = fb->run,
                         .ingest = fb->ingest,
                         .rules_version = fb->rules_version,
                         .status = "new",
                         .dedup = dedup,
                         .target_level = TS_CELL_GROUP,
                         .due = due,
                         .reopens = reopens,
                         .event_type = q->event ? q->event->type : NULL,
                         .event_date = q->event ? date : NULL,
                         .event_text = q->event ? (q->event->note ? q->event->note : "") : NULL};
    int64_t id;
    if ((rc = ts__alert_db_insert(fb->db, &row, &id, err)) != TS_OK ||
        (rc = add_causes(fb, q, id, a, err)) != TS_OK)
        goto done;
    if (reopens) { /* what the closed alert knew is no new evidence for this one */
        char name[24];
        ts__fb_alert_name(id, name);
        if ((rc = ts__alert_db_causes_copy(fb->db, reopens, id, err)) != TS_OK)
            goto done;
        if ((rc = ts__alert_db_history(fb->db, reopens, "reopened-as", "engine", NULL, created,
                                       name, err)) != TS_OK)
            goto done;
    }
    fb->raised[q->kind]++;
    rc = ts__fb_pending_push(fb, id, dedup, err);
done:
    ts_buf_release(&rules);
    free(route);
    free(note);
    free(headline);
    return rc;
}

static ts_status raise_alert(ts_feedback_ctx *fb, ts_store *s, const raise_req *q, ts_err *err)
{
    ts_status rc = ts__fb_db(fb, s, err);
    if (rc != TS_OK)
        return rc;
    const char *kind = ts_feedback_name(q->kind);
    ts_arena arena;
    ts_arena_init(&arena, TS_LIMIT_RULES_JSON * 2u);
    size_t dlen = strlen(kind) + strlen(q->person) + 2;
    char *dedup = malloc(dlen);
    met_alert m = {.found = false};
    void *ud[2] = {&arena, &m};
    if (!dedup) {
        rc = ts_err_set(err, TS_NOMEM, "feedback", NULL);
        goto done;
    }
    join(dedup, dlen, (const char *[]){kind, "|", q->person}, 3);
    bool open = false;
    if ((rc = ts__alert_db_prior(fb->db, q->person, kind, &open, on_met, ud, err)) != TS_OK)
        goto done;
    if (m.found && open) {
        rc = add_evidence(fb, s, q, &m, &arena, err);
        goto done;
    }
    bool fresh = true;
    if (m.found && (rc = has_new_cause(fb, q, &m, &fresh, err)) != TS_OK)
        goto done;
    if (!fresh) {
        fb->known[q->kind]++;
        goto done;
    }
    rc = insert_alert(fb, s, q, dedup, m.found ? m.id : 0, &arena, err);
done:
    free(dedup);
    ts_arena_release(&arena);
    return rc;
}

/* Drops entries without an id and repeats of an id (the first evidence wins). */
static size_t unique_rules(const ts_fired_rule *in, size_t n, ts_fired_rule *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool seen = !in[i].id;
        for (size_t j = 0; j < k && !seen; j++)
            seen = !strcmp(out[j].id, in[i].id);
        if (!seen)
            out[k++] = in[i];
    }
    return k;
}

ts_status ts_feedback_on_screen_alert(void *ud, ts_store *s, const ts_screen_alert *a, ts_err *err)
{
    ts_feedback_ctx *fb = ud;
    if (!fb || !a || !a->person || !a->grid || a->kind < TS_FEEDBACK_EARLY ||
        a->kind > TS_FEEDBACK_QUICK)
        return ts_err_set(err, TS_INVALID, "feedback", "screen alert without kind, person or grid");
    size_t n = a->rules ? a->n_rules : 0;
    ts_fired_rule *keep = calloc(n ? n : 1, sizeof *keep);
    if (!keep)
        return ts_err_set(err, TS_NOMEM, "feedback", NULL);
    size_t k = unique_rules(a->rules, n, keep);
    /* a colour rise (detailed) or a person newly suspect (early) is evidence of its own,
     * dated by the pass: re-running the passes the same day brings nothing new */
    char extra[64], date[11];
    ts_date_format(a->now, date);
    const char *ev[1] = {extra};
    size_t n_extra = 0;
    if (a->kind == TS_FEEDBACK_DETAILED && a->colour > a->prior_colour)
        join(extra, sizeof extra, (const char *[]){"colour:", ts_colour_name(a->colour), "@", date},
             4),
            n_extra = 1;
    else if (a->kind == TS_FEEDBACK_EARLY && a->why && !strcmp(a->why, "newly suspect"))
        join(extra, sizeof extra, (const char *[]){"suspect@", date}, 2), n_extra = 1;
    fb->run = a->run;
    raise_req q = {.kind = a->kind,
                   .person = a->person,
                   .grid = a->grid,
                   .colour = a->colour ? ts_colour_name(a->colour) : NULL,
                   .entries = keep,
                   .n_entries = k,
                   .extra = ev,
                   .n_extra = n_extra,
                   .member = a->member};
    uint64_t before = fb->raised[a->kind];
    ts_status rc = raise_alert(fb, s, &q, err);
    if (a->written)
        *a->written = rc == TS_OK && fb->raised[a->kind] > before;
    free(keep);
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
    /* rules: [{"id":"problem_event","evidence":"<type> <date>[ <note>]"}]; the evidence is
     * the event's cause, so each new problem event is new evidence and the same event
     * never alerts twice */
    size_t elen = strlen(ev->type) + strlen(note) + 16;
    char *evidence = malloc(elen);
    if (!evidence)
        return ts_err_set(err, TS_NOMEM, "feedback", NULL);
    snprintf(evidence, elen, "%s %s%s%s", ev->type, date, note[0] ? " " : "", note);
    const ts_fired_rule fr = {.id = "problem_event", .evidence = evidence};
    raise_req q = {.kind = TS_FEEDBACK_QUICK,
                   .person = p->id,
                   .grid = p->grid,
                   .colour = listed ? colour : NULL,
                   .entries = &fr,
                   .n_entries = 1,
                   .event = ev};
    rc = raise_alert(fb, s, &q, err);
    free(evidence);
    return rc;
}

void ts_feedback_set_source(ts_feedback_ctx *fb, int64_t run, int64_t ingest)
{
    if (fb) {
        fb->run = run;
        fb->ingest = ingest;
    }
}

uint64_t ts_feedback_updated(const ts_feedback_ctx *fb, ts_feedback kind)
{
    return fb && (unsigned)kind < 4 ? fb->updated[kind] : 0;
}

uint64_t ts_feedback_known(const ts_feedback_ctx *fb, ts_feedback kind)
{
    return fb && (unsigned)kind < 4 ? fb->known[kind] : 0;
}

/* ---- the sink -------------------------------------------------------------------------- */

typedef struct sink_buf {
    char *p;
    size_t len, cap;
    uint64_t key; /* the dedup hash the row must have */
    const ts_grid *grid;
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
    char *j = ts__fb_alert_json(r, b->grid, NULL);
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
    sink_buf b = {.grid = fb->grid};
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

/* feedback/escalate.c — the clock sweep: each open alert past its deadline climbs one
 * level of the grid (group → village → town → county desk) on the same id, in batches
 * so that no writer waits long. Uses store/alerts_store.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "triscreen/buf.h"
#include "base/limits.h"
#include "feedback/fb_int.h"

/* The overdue alerts of one batch, copied (rows are written after the read ends). */
typedef struct due_list {
    ts_arena arena;
    ts__alert_row *rows;
    size_t n, cap;
    bool oom;
} due_list;

static const char *dup_opt(due_list *dl, const char *s)
{
    if (!s)
        return NULL;
    char *d = ts_arena_strdup(&dl->arena, s);
    if (!d)
        dl->oom = true;
    return d;
}

static ts_status on_due(void *ud, const ts__alert_row *r, bool *stop, ts_err *err)
{
    (void)stop;
    due_list *dl = ud;
    if (dl->n == dl->cap) {
        size_t cap = dl->cap ? dl->cap * 2 : 64;
        ts__alert_row *p = realloc(dl->rows, cap * sizeof *p);
        if (!p)
            return ts_err_set(err, TS_NOMEM, "feedback", NULL);
        dl->rows = p;
        dl->cap = cap;
    }
    ts__alert_row *c = &dl->rows[dl->n++];
    memset(c, 0, sizeof *c);
    c->id = r->id;
    c->level = r->level;
    c->target_level = r->target_level;
    c->kind = dup_opt(dl, r->kind);
    c->grid = dup_opt(dl, r->grid);
    c->status = dup_opt(dl, r->status);
    c->dedup = dup_opt(dl, r->dedup);
    return dl->oom ? ts_err_set(err, TS_NOMEM, "feedback", NULL) : TS_OK;
}

/* One alert one level up: route, clock, feed position, history, audit. */
static ts_status climb(ts_feedback_ctx *fb, ts_store *s, const ts__alert_row *old, int64_t at,
                       ts_err *err)
{
    ts_feedback kind = TS_FEEDBACK_QUICK;
    (void)ts_feedback_parse(old->kind, &kind);
    int target = old->target_level - 1;
    char *route = NULL, *note = NULL;
    ts_status rc = ts__fb_route(fb->grid, old->grid, kind, target, &route, &note);
    if (rc != TS_OK)
        return ts_err_set(err, rc, "feedback", "routing an escalation");
    ts_alert_state st = TS_ALERT_NEW;
    (void)ts_alert_state_parse(old->status, &st);
    ts_sla sla = ts__fb_sla(fb->cfg, kind);
    uint32_t minutes = st == TS_ALERT_ACKED ? sla.close_minutes : sla.ack_minutes;
    char at_ts[21], due[21], name[24];
    ts__fb_timestamp(at, at_ts);
    ts__fb_timestamp(at + (int64_t)minutes * 60, due);
    ts__fb_alert_name(old->id, name);
    ts__alert_row row = {.id = old->id,
                         .level = old->level + 1,
                         .target_level = target,
                         .route = route,
                         .route_note = note,
                         .escalated = at_ts,
                         .due = due};
    ts_buf detail;
    ts_buf_init(&detail, TS_LIMIT_ALERT_DETAIL);
    if ((rc = ts__alert_db_set_level(fb->db, &row, err)) != TS_OK)
        goto done;
    fb->to_desk += target == 0;
    if ((rc =
             ts_buf_printf(&detail, "%s to the %s: level %d, route %s%s%s",
                           st == TS_ALERT_ACKED ? "not closed in time" : "not acknowledged in time",
                           target ? ts_grid_level_name(target) : "county desk", row.level, route,
                           note ? "; " : "", note ? note : "")) != TS_OK) {
        rc = ts_err_set(err, rc, "feedback", "escalating %s: the history detail", name);
        goto done;
    }
    const char *d = ts_buf_str(&detail);
    if ((rc = ts__alert_db_history(fb->db, old->id, "escalated", "engine", NULL, at_ts, d, err)) !=
            TS_OK ||
        (rc = ts_store_audit(s, "engine", "alert.escalate", name, d, err)) != TS_OK)
        goto done;
    rc = ts__fb_pending_push(fb, old->id, old->dedup, err);
done:
    ts_buf_release(&detail);
    free(route);
    free(note);
    return rc;
}

/* One batch: at most `batch` overdue alerts climb. *n receives how many did. */
static ts_status sweep_batch(ts_feedback_ctx *fb, ts_store *s, int64_t at, size_t batch, size_t *n,
                             ts_err *err)
{
    due_list dl = {.n = 0};
    ts_arena_init(&dl.arena, TS_LIMIT_ARENA_DUE);
    char at_ts[21];
    ts__fb_timestamp(at, at_ts);
    ts_status rc = ts__fb_db(fb, s, err);
    if (rc == TS_OK)
        rc = ts__alert_db_overdue(fb->db, at_ts, batch, on_due, &dl, err);
    for (size_t i = 0; rc == TS_OK && i < dl.n; i++)
        rc = climb(fb, s, &dl.rows[i], at, err);
    if (rc == TS_OK)
        *n = dl.n;
    free(dl.rows);
    ts_arena_release(&dl.arena);
    return rc;
}

ts_status ts_feedback_escalate(ts_feedback_ctx *fb, ts_store *s, int64_t at, size_t batch,
                               uint64_t *escalated, ts_err *err)
{
    if (!fb || !s)
        return ts_err_set(err, TS_INVALID, "feedback", "escalate: no context or store");
    if (batch == 0)
        batch = TS_ESCALATE_BATCH_DEFAULT;
    if (batch > TS_LIMIT_ESCALATE_BATCH)
        batch = TS_LIMIT_ESCALATE_BATCH;
    uint64_t total = 0;
    ts_status rc = TS_OK;
    if (ts__alerts_in_tx(s)) { /* the caller's transaction: one batch */
        size_t n = 0;
        rc = sweep_batch(fb, s, at, batch, &n, err);
        if (rc == TS_OK)
            *escalated = n;
        return rc;
    }
    for (bool first = true;; first = false) {
        size_t mark = fb->n_pending, n = 0;
        struct timespec t0, t1;
        if (!first) /* the last batch's time again: another process's write gets its turn */
            nanosleep(&fb->pause, NULL);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if ((rc = ts_store_begin(s, err)) != TS_OK)
            break;
        rc = sweep_batch(fb, s, at, batch, &n, err);
        if (rc == TS_OK)
            rc = ts_store_commit(s, err);
        if (rc != TS_OK) {
            ts_store_rollback(s);
            fb->n_pending = mark; /* those rows were rolled back */
            break;
        }
        total += n;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        int64_t ns = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
        if (ns > 50000000)
            ns = 50000000;
        fb->pause.tv_sec = 0;
        fb->pause.tv_nsec = ns > 0 ? (long)ns : 0;
        if ((rc = ts_feedback_flush(fb, s, err)) != TS_OK || n < batch)
            break;
    }
    if (rc == TS_OK)
        *escalated = total;
    return rc;
}

uint64_t ts_feedback_escalated_to_desk(const ts_feedback_ctx *fb)
{
    return fb ? fb->to_desk : 0;
}

/* feedback/act.c — the officers' actions on an alert: claim, acknowledge, close with an
 * outcome, reopen, and claim-next. Who may act (an officer of the grid whose cells cover
 * the alert's person, respecting another officer's claim), what each verb needs, the
 * history event and the audit row with officer and token; every refusal audited. Uses
 * store/alerts_store.h and triscreen/grid.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "triscreen/buf.h"
#include "triscreen/text.h"
#include "base/limits.h"
#include "feedback/fb_int.h"

/* The alert acted on, copied out of the row callback. */
typedef struct act_row {
    bool found;
    int64_t id;
    ts_feedback kind;
    ts_alert_state state;
    char grid[64], claimed_by[TS_TEXT_ACTOR_MAX + 1], created[21], acked_at[21], due[21];
    char claimed_at[21], person[TS_LIMIT_ID + 1];
    bool grid_long, person_long;
    int acked_in_time; /* as stored: -1 not acknowledged, 0 late, 1 in time */
} act_row;

static ts_status on_act_row(void *ud, const ts__alert_row *r, bool *stop, ts_err *err)
{
    act_row *a = ud;
    *stop = true;
    a->found = true;
    a->id = r->id;
    if (!ts_feedback_parse(r->kind, &a->kind) || !ts_alert_state_parse(r->status, &a->state)) {
        char name[24];
        ts__fb_alert_name(r->id, name);
        return ts_err_set(err, TS_INVALID, name, "stored alert has an unknown kind or state");
    }
    a->grid_long = strlen(r->grid) >= sizeof a->grid;
    snprintf(a->grid, sizeof a->grid, "%s", r->grid);
    snprintf(a->claimed_by, sizeof a->claimed_by, "%s", r->claimed_by ? r->claimed_by : "");
    snprintf(a->created, sizeof a->created, "%s", r->created ? r->created : "");
    snprintf(a->acked_at, sizeof a->acked_at, "%s", r->acked_at ? r->acked_at : "");
    snprintf(a->claimed_at, sizeof a->claimed_at, "%s", r->claimed_at ? r->claimed_at : "");
    snprintf(a->due, sizeof a->due, "%s", r->due ? r->due : "");
    a->acked_in_time = r->acked_in_time;
    a->person_long = !r->person || strlen(r->person) >= sizeof a->person;
    snprintf(a->person, sizeof a->person, "%s", r->person && !a->person_long ? r->person : "");
    return TS_OK;
}

/* True when the officer in actor_cell may act on an alert claimed by `claimer`: it is
 * the claimer, or serves the claimer's cell or above (the county desk: always). */
static bool may_override(const ts_grid *g, const char *officer, const ts_cell *actor_cell,
                         bool desk, const char *claimer)
{
    if (!claimer[0] || !strcmp(claimer, officer) || desk)
        return true;
    const ts_cell *cc = NULL;
    if (!ts_grid_officer(g, claimer, &cc))
        return true; /* the claimer is no longer in the grid */
    return cc && ts_grid_officer_covers(actor_cell, cc);
}

/* The verb's own checks before anything is read: TS_INVALID naming the field. */
static ts_status check_args(const ts_alert_action *act, ts_err *err)
{
    if ((unsigned)act->verb >= TS_ALERT_VERB_N)
        return ts_err_set(err, TS_INVALID, "verb", "unknown alert action %d", (int)act->verb);
    bool note = act->note && act->note[0];
    if (act->verb == TS_VERB_CLOSE && act->outcome == TS_CLOSE_NONE)
        return ts_err_set(err, TS_INVALID, "outcome",
                          "closing an alert needs an outcome: confirmed, false_positive, "
                          "valuable or duplicate");
    if ((unsigned)act->outcome >= TS_CLOSE_OUTCOME_N)
        return ts_err_set(err, TS_INVALID, "outcome", "unknown close outcome %d",
                          (int)act->outcome);
    if (act->verb == TS_VERB_CLOSE && !note)
        return ts_err_set(err, TS_INVALID, "note", "closing an alert needs a note");
    if (act->verb == TS_VERB_REOPEN && !note)
        return ts_err_set(err, TS_INVALID, "note", "reopening an alert needs a note");
    return TS_OK;
}

/* The verb against the alert's state and claim: TS_STATE with the reason. */
static ts_status check_state(const ts_grid *g, const ts_actor *actor, const ts_cell *actor_cell,
                             bool desk, ts_alert_verb verb, const act_row *r, const char *name,
                             ts_err *err)
{
    if (verb == TS_VERB_REOPEN)
        return r->state == TS_ALERT_CLOSED
                   ? TS_OK
                   : ts_err_set(err, TS_STATE, name, "only a closed alert can be reopened");
    if (r->state == TS_ALERT_CLOSED)
        return ts_err_set(err, TS_STATE, name, "the alert is closed (reopen it first)");
    if (verb == TS_VERB_CLAIM && r->state != TS_ALERT_NEW)
        return ts_err_set(err, TS_STATE, name, "the alert is already %s by %s",
                          r->state == TS_ALERT_CLAIMED ? "claimed" : "acknowledged",
                          r->claimed_by[0] ? r->claimed_by : "someone");
    if (verb == TS_VERB_ACK && r->state == TS_ALERT_ACKED)
        return ts_err_set(err, TS_STATE, name, "the alert is already acknowledged");
    if (!may_override(g, actor->officer, actor_cell, desk, r->claimed_by))
        return ts_err_set(err, TS_STATE, name,
                          "the alert is claimed by %s: only they, an officer above them or the "
                          "county desk may act on it",
                          r->claimed_by);
    return TS_OK;
}

/* The row after the verb (r->id and the strings of `at` must stay alive). */
static void next_row(const ts_config *cfg, const ts_actor *actor, const ts_alert_action *act,
                     const act_row *cur, ts__alert_row *row, char at[21], char due[21])
{
    ts_sla sla = ts__fb_sla(cfg, cur->kind);
    int64_t created = 0;
    (void)ts_alert_parse_time(cur->created, &created);
    memset(row, 0, sizeof *row);
    row->id = cur->id;
    row->status = ts_alert_state_name(ts_alert_verb_state(act->verb));
    row->claimed_by = cur->claimed_by[0] ? cur->claimed_by : NULL;
    row->claimed_at = cur->claimed_at[0] ? cur->claimed_at : NULL;
    row->acked_at = cur->acked_at[0] ? cur->acked_at : NULL;
    row->acked_in_time = cur->acked_in_time; /* claim and close keep it */
    ts__fb_timestamp(act->at, at);
    switch (act->verb) {
    case TS_VERB_CLAIM:
        row->claimed_by = actor->officer;
        row->claimed_at = at;
        break;
    case TS_VERB_ACK:
        if (!row->claimed_by)
            row->claimed_by = actor->officer, row->claimed_at = at;
        row->acked_at = at;
        row->acked_in_time = act->at <= created + (int64_t)sla.ack_minutes * 60;
        ts__fb_timestamp(act->at + (int64_t)sla.close_minutes * 60, due);
        break;
    case TS_VERB_CLOSE:
        row->closed_at = at;
        row->outcome = ts_close_outcome_name(act->outcome);
        break;
    case TS_VERB_REOPEN: /* back to new: clocks restart, unclaimed, at the head of the feed */
        row->claimed_by = NULL;
        row->claimed_at = NULL;
        row->acked_at = NULL;
        row->acked_in_time = -1;
        ts__fb_timestamp(act->at + (int64_t)sla.ack_minutes * 60, due);
        break;
    }
    /* claim keeps the deadline, close has none */
    row->due = act->verb == TS_VERB_CLAIM   ? (cur->due[0] ? cur->due : NULL)
               : act->verb == TS_VERB_CLOSE ? NULL
                                            : due;
}

/* Writes the verb to the alert (the caller holds the transaction). */
static ts_status apply(ts_store *s, ts__alert_db *d, const ts_config *cfg, const ts_actor *actor,
                       const ts_alert_action *act, const act_row *cur, const char *name,
                       ts_err *err)
{
    ts__alert_row row;
    char at[21], due[21] = "";
    next_row(cfg, actor, act, cur, &row, at, due);
    ts_status rc = ts__alert_db_set_state(d, &row, act->verb == TS_VERB_REOPEN, err);
    const char *what = act->verb == TS_VERB_REOPEN ? "reopened" : row.status;
    ts_buf detail;
    ts_buf_init(&detail, TS_LIMIT_ALERT_DETAIL);
    if (rc == TS_OK && act->verb == TS_VERB_CLOSE)
        rc = ts_buf_printf(&detail, "%s: %s", row.outcome, act->note);
    else if (rc == TS_OK)
        rc = ts_buf_puts(&detail, act->note ? act->note : "");
    if (rc == TS_LIMIT)
        rc = ts_err_set(err, rc, "note", "the note is longer than %u bytes", TS_LIMIT_ALERT_DETAIL);
    else if (rc == TS_NOMEM)
        rc = ts_err_set(err, rc, "alerts", "the history note");
    char action[32];
    snprintf(action, sizeof action, "alert.%s", ts_alert_verb_name(act->verb));
    if (rc == TS_OK)
        rc = ts__alert_db_history(d, cur->id, what, actor->officer, actor->token, at,
                                  ts_buf_str(&detail), err);
    if (rc == TS_OK)
        rc = ts_store_audit_tok(s, actor->officer, actor->token, action, name, ts_buf_str(&detail),
                                err);
    ts_buf_release(&detail);
    return rc;
}

/* The refused attempt, in a transaction of its own (the action's was rolled back). */
static void audit_refusal(ts_store *s, const ts_actor *actor, ts_alert_verb verb,
                          const char *target, const ts_err *why)
{
    char action[40];
    snprintf(action, sizeof action, "alert.%s.refused", ts_alert_verb_name(verb));
    ts_err e2;
    ts_err_clear(&e2);
    if (ts_store_begin(s, &e2) != TS_OK)
        return;
    if (ts_store_audit_tok(s, actor && actor->officer ? actor->officer : "",
                           actor ? actor->token : NULL, action, target ? target : "", why->msg,
                           &e2) != TS_OK ||
        ts_store_commit(s, &e2) != TS_OK)
        ts_store_rollback(s);
}

static ts_status on_open_alert(void *ud, const ts__alert_row *r, bool *stop, ts_err *err)
{
    (void)err;
    *(int64_t *)ud = r->id;
    *stop = true;
    return TS_OK;
}

/* A reopen must not make a second open alert for the person and kind (a new cause may
 * have raised one since the close): TS_STATE naming it. */
static ts_status check_reopen(ts__alert_db *d, const act_row *r, const char *name, ts_err *err)
{
    int64_t open = 0;
    ts_status rc = r->person_long ? TS_OK
                                  : ts__alert_db_open_of(d, r->person, ts_feedback_name(r->kind),
                                                         on_open_alert, &open, err);
    if (rc != TS_OK || !open)
        return rc;
    char other[24];
    ts__fb_alert_name(open, other);
    return ts_err_set(err, TS_STATE, name,
                      "%s is open for the same person and kind: act on it instead", other);
}

static ts_status act_in_tx(ts_store *s, ts__alert_db *d, const ts_grid *g, const ts_config *cfg,
                           const ts_actor *actor, const ts_alert_action *act, int64_t id,
                           const ts_cell *actor_cell, bool desk, ts_err *err)
{
    char name[24];
    ts__fb_alert_name(id, name);
    act_row cur = {.found = false};
    ts_status rc = ts__alert_db_get(d, id, on_act_row, &cur, err);
    if (rc != TS_OK)
        return rc;
    if (!cur.found)
        return ts_err_set(err, TS_NOTFOUND, name, "no such alert");
    const ts_cell *cell = cur.grid_long ? NULL : ts_grid_find(g, cur.grid);
    if (!desk && !(cell && ts_grid_officer_covers(actor_cell, cell)))
        return ts_err_set(err, TS_DENIED, name, "%s may act only on alerts of persons in %s",
                          actor->officer, actor_cell ? actor_cell->code : "their cells");
    if ((rc = check_state(g, actor, actor_cell, desk, act->verb, &cur, name, err)) != TS_OK)
        return rc;
    if (act->verb == TS_VERB_REOPEN && (rc = check_reopen(d, &cur, name, err)) != TS_OK)
        return rc;
    return apply(s, d, cfg, actor, act, &cur, name, err);
}

ts_status ts_alert_act(ts_store *s, const ts_grid *g, const ts_config *cfg, const ts_actor *actor,
                       const ts_alert_action *act, ts_alert_state *state, ts_err *err)
{
    bool own = !ts__alerts_in_tx(s);
    const ts_cell *actor_cell = NULL;
    int64_t id = 0;
    ts__alert_db *d = NULL;
    ts_status rc = ts_officer_check(g, actor ? actor->officer : NULL, "officer", &actor_cell, err);
    bool desk = rc == TS_OK && !actor_cell;
    if (rc == TS_OK && !ts__fb_parse_id(act->alert_id, &id))
        rc = ts_err_set(err, TS_NOTFOUND, "alert",
                        "no such alert: expected an id like A-000042 or its number");
    if (rc == TS_OK)
        rc = check_args(act, err);
    if (rc == TS_OK && own)
        rc = ts_store_begin(s, err);
    bool began = rc == TS_OK && own;
    if (rc == TS_OK)
        rc = ts__alert_db_open(s, &d, err);
    if (rc == TS_OK)
        rc = act_in_tx(s, d, g, cfg, actor, act, id, actor_cell, desk, err);
    ts__alert_db_close(d);
    if (rc == TS_OK && began)
        rc = ts_store_commit(s, err);
    if (rc != TS_OK && began)
        ts_store_rollback(s);
    if (rc != TS_OK && own && rc != TS_NOMEM && rc != TS_STORE && rc != TS_BUSY)
        audit_refusal(s, actor, act->verb, act->alert_id, err);
    if (rc == TS_OK && state)
        *state = ts_alert_verb_state(act->verb);
    return rc;
}

/* ---- claim-next ---------------------------------------------------------------------------- */

typedef struct next_ctx {
    bool found;
    int64_t id;
} next_ctx;

static ts_status on_next(void *ud, const ts__alert_row *r, bool *stop, ts_err *err)
{
    (void)err;
    next_ctx *n = ud;
    *stop = true;
    n->found = true;
    n->id = r->id;
    return TS_OK;
}

static ts_status claim_next_tx(ts_store *s, ts__alert_db *d, const ts_grid *g,
                               const ts_actor *actor, const ts_cell *actor_cell, ts_feedback kind,
                               int64_t at, char id[24], ts_err *err)
{
    ts_buf cells;
    ts_buf_init(&cells, TS_LIMIT_RULES_JSON);
    ts_status rc = TS_OK;
    if (actor_cell)
        rc = ts_grid_cells_json(g, &actor_cell, 1, &cells);
    if (rc != TS_OK) {
        ts_buf_release(&cells);
        return ts_err_set(err, rc, "claim-next", "the officer's cells");
    }
    next_ctx n = {.found = false};
    rc = ts__alert_db_next_new(d, actor_cell ? ts_buf_str(&cells) : NULL,
                               kind ? ts_feedback_name(kind) : NULL, on_next, &n, err);
    ts_buf_release(&cells);
    if (rc != TS_OK)
        return rc;
    if (!n.found)
        return ts_err_set(err, TS_NOTFOUND, "claim-next", "no unclaimed alert in the cells of %s",
                          actor->officer);
    ts__fb_alert_name(n.id, id);
    ts_alert_action act = {.verb = TS_VERB_CLAIM, .alert_id = id, .at = at};
    return act_in_tx(s, d, g, NULL, actor, &act, n.id, actor_cell, !actor_cell, err);
}

ts_status ts_alert_claim_next(ts_store *s, const ts_grid *g, const ts_actor *actor,
                              ts_feedback kind, int64_t at, char id[24], ts_err *err)
{
    bool own = !ts__alerts_in_tx(s);
    const ts_cell *actor_cell = NULL;
    ts__alert_db *d = NULL;
    ts_status rc = ts_officer_check(g, actor ? actor->officer : NULL, "officer", &actor_cell, err);
    if (rc == TS_OK && (unsigned)kind > TS_FEEDBACK_QUICK)
        rc = ts_err_set(err, TS_INVALID, "kind", "unknown alert kind %d", (int)kind);
    if (rc == TS_OK && own)
        rc = ts_store_begin(s, err);
    bool began = rc == TS_OK && own;
    if (rc == TS_OK)
        rc = ts__alert_db_open(s, &d, err);
    if (rc == TS_OK)
        rc = claim_next_tx(s, d, g, actor, actor_cell, kind, at, id, err);
    ts__alert_db_close(d);
    if (rc == TS_OK && began)
        rc = ts_store_commit(s, err);
    if (rc != TS_OK && began)
        ts_store_rollback(s);
    if (rc != TS_OK && own && rc != TS_NOTFOUND && rc != TS_NOMEM && rc != TS_STORE &&
        rc != TS_BUSY)
        audit_refusal(s, actor, TS_VERB_CLAIM, "claim-next", err);
    return rc;
}

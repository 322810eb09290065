/* service/review.c — the console's review job on the writer (ts_service_review): the
 * token's scope, the officer's cells (ts_officer_review_check, shared with `triscreen
 * review`), ts_lists_review, and the review's JSON as the lists hold it afterwards. Uses
 * store, grid, lists, feedback/officer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/jsonw.h"
#include "triscreen/lists.h"
#include "triscreen/officer.h"
#include "service/svc_int.h"

/* The person's list row after the review (colour, next review), copied. */
typedef struct after_review {
    const char *person;
    bool found;
    ts_colour colour;
    char next_review[11];
} after_review;

static ts_status pick(void *ud, const ts_list_entry *e, ts_err *err)
{
    (void)err;
    after_review *a = ud;
    if (!a->found && !strcmp(e->person, a->person)) {
        a->found = true;
        a->colour = e->colour;
        snprintf(a->next_review, sizeof a->next_review, "%s", e->next_review ? e->next_review : "");
    }
    return TS_OK;
}

static ts_status review_json(ts_svc_job *j, const after_review *a, ts_err *err)
{
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_LINE);
    ts_jsonw w;
    ts_jsonw_init(&w, &b);
    ts_jsonw_obj(&w);
    ts_jsonw_key(&w, "review");
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "person", j->a1);
    ts_jsonw_kstr(&w, "outcome", ts_review_outcome_name(j->review));
    ts_jsonw_kstr(&w, "colour", a->found ? ts_colour_name(a->colour) : NULL);
    ts_jsonw_kstr(&w, "until", j->a2);
    ts_jsonw_kstr(&w, "next_review", a->found && a->next_review[0] ? a->next_review : NULL);
    ts_jsonw_kstr(&w, "by", j->actor);
    ts_jsonw_obj_end(&w);
    ts_jsonw_obj_end(&w);
    ts_status rc = ts_jsonw_finish(&w);
    if (rc == TS_OK && !(j->json = ts_buf_take(&b)))
        rc = TS_NOMEM;
    ts_buf_release(&b);
    return rc == TS_OK ? TS_OK : ts_err_set(err, rc, "review", "the answer");
}

void ts__svc_run_review(ts_service *svc, ts_svc_job *j)
{
    const ts_service_gen *g = j->gen;
    char grid[64];
    bool found = false;
    j->rc = ts_store_person_grid(svc->w, j->a1, grid, sizeof grid, &found, &j->err);
    if (j->rc != TS_OK)
        return;
    /* unknown and outside the token's scopes answer alike: nothing is revealed */
    if (!found || !ts_principal_sees_code(j->who, g->grid, grid)) {
        j->rc = ts_err_set(&j->err, TS_NOTFOUND, "person", "no such person");
        return;
    }
    const ts_cell *officer_cell = NULL;
    if (!ts_grid_officer(g->grid, j->actor, &officer_cell)) {
        j->rc = ts_err_set(&j->err, TS_USAGE, "token", "'%s' is no longer an officer of the grid",
                           j->actor);
        return;
    }
    j->rc =
        ts_officer_review_check(svc->w, g->grid, j->actor, j->token, officer_cell, j->a1, &j->err);
    if (j->rc != TS_OK)
        return;
    ts_review rv = {.person = j->a1,
                    .by = j->actor,
                    .token = j->token,
                    .outcome = j->review,
                    .colour = j->colour,
                    .until = j->a2,
                    .note = j->a3,
                    .now = j->day,
                    .review_days = g->cfg->review_days};
    j->rc = ts_lists_review(svc->w, &rv, &j->err);
    if (j->rc != TS_OK)
        return;
    after_review a = {.person = j->a1};
    ts_err e2;
    const ts_cell *cell = ts_grid_find(g->grid, grid);
    if (cell && ts_lists_query(svc->w, g->grid, TS_COLOUR_NONE, cell, pick, &a, &e2) != TS_OK)
        a.found = false; /* the review is committed; the answer then says null */
    j->rc = review_json(j, &a, &j->err);
}

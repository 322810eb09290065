/* lists/review.c — ts_lists_review: a human review of a listed person, with the
 * override it may set, the transition, the next review date and the audit entry, all in
 * one transaction. The decision is ts_decide (decide.h); SQL through store/lists_query;
 * JSON through the encoder (ts_jsonw). */
#include <ctype.h>
#include <string.h>

#include "triscreen/date.h"
#include "triscreen/buf.h"
#include "triscreen/decide.h"
#include "triscreen/jsonw.h"
#include "base/limits.h"
#include "triscreen/lists.h"
#include "lists/lists_int.h"
#include "store/lists_query.h"

static bool blank(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

/* Arguments that do not need the database. */
static ts_status validate(const ts_review *r, int32_t *now_days, ts_err *err)
{
    const char *name = ts_review_outcome_name(r->outcome);
    if (!name[0])
        return ts_err_set(err, TS_INVALID, "outcome", "unknown review outcome %d", (int)r->outcome);
    if (blank(r->person))
        return ts_err_set(err, TS_INVALID, "person", "a person id is required");
    if (blank(r->by))
        return ts_err_set(err, TS_INVALID, "by", "the reviewing officer (--by) is required");
    if (blank(r->note))
        return ts_err_set(err, TS_INVALID, "note", "a review needs a note (--note)");
    if (!r->now || !ts_date_parse(r->now, strlen(r->now), now_days))
        return ts_err_set(err, TS_INVALID, "now", "'%s' is not a date (YYYY-MM-DD)",
                          r->now ? r->now : "");
    if (!r->review_days)
        return ts_err_set(err, TS_INVALID, "review_days", "review days are required");
    bool moves = r->outcome == TS_REVIEW_LOWER || r->outcome == TS_REVIEW_RAISE;
    if (moves && (r->colour < TS_COLOUR_BLUE || r->colour > TS_COLOUR_RED))
        return ts_err_set(err, TS_INVALID, "colour", "%s needs a colour (red, yellow or blue)",
                          name);
    if (!moves && r->colour != TS_COLOUR_NONE)
        return ts_err_set(err, TS_INVALID, "colour", "%s takes no colour", name);
    if (r->until) {
        int32_t until;
        if (r->outcome == TS_REVIEW_CONFIRM)
            return ts_err_set(err, TS_INVALID, "until",
                              "confirm sets no override, so it takes no --until");
        if (!ts_date_parse(r->until, strlen(r->until), &until))
            return ts_err_set(err, TS_INVALID, "until", "'%s' is not a date (YYYY-MM-DD)",
                              r->until);
        /* exclusive: an override with until <= now would already have expired */
        if (until <= *now_days)
            return ts_err_set(err, TS_INVALID, "until", "--until %s is not after %s", r->until,
                              r->now);
    }
    return TS_OK;
}

static int32_t date_or_none(const char *s)
{
    int32_t d;
    return s && ts_date_parse(s, strlen(s), &d) ? d : TS_DATE_NONE;
}

/* The stored row as the decision's state (found false: no row). */
static void member_state(const ts__lq_member *m, bool found, ts_decide_state *st)
{
    memset(st, 0, sizeof *st);
    st->since = st->next_review = st->override_until = TS_DATE_NONE;
    if (!found)
        return;
    st->listed = true;
    st->engine = ts__lists_colour_of(m->engine_colour);
    st->score = (int)m->score;
    st->colour = ts__lists_colour_of(m->colour);
    st->since = date_or_none(m->since);
    st->has_override = m->override_colour != NULL;
    st->override_colour = ts__lists_colour_of(m->override_colour);
    st->override_until = date_or_none(m->override_until);
    st->next_review = date_or_none(m->next_review);
}

/* The finished value of w (over b) copied into arena; NULL on any encoder error. */
static char *finish(ts_arena *a, ts_jsonw *w, ts_buf *b)
{
    char *out = ts_jsonw_finish(w) == TS_OK && b->data ? ts_arena_strdup(a, b->data) : NULL;
    ts_buf_release(b);
    return out;
}

/* The transition's reasons: [{"id":"review.OUTCOME","evidence":NOTE}]. */
static char *reasons_json(ts_arena *a, const char *outcome, const char *note)
{
    char id[32];
    snprintf(id, sizeof id, "review.%s", outcome);
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_LINE);
    ts_jsonw w;
    ts_jsonw_init(&w, &b);
    ts_jsonw_arr(&w);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "id", id);
    ts_jsonw_kstr(&w, "evidence", note);
    ts_jsonw_obj_end(&w);
    ts_jsonw_arr_end(&w);
    return finish(a, &w, &b);
}

static char *audit_json(ts_arena *a, const ts_review *r, const char *from, const char *to)
{
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_LINE);
    ts_jsonw w;
    ts_jsonw_init(&w, &b);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "outcome", ts_review_outcome_name(r->outcome));
    ts_jsonw_kstr(&w, "from", from);
    ts_jsonw_kstr(&w, "to", to);
    ts_jsonw_kstr(&w, "until", r->until); /* NULL: null */
    ts_jsonw_kstr(&w, "now", r->now);
    ts_jsonw_kstr(&w, "note", r->note);
    ts_jsonw_obj_end(&w);
    return finish(a, &w, &b);
}

/* The person's list row (*found false: none); TS_NOTFOUND unless the person is listed
 * or the outcome is raise for a stored person. */
static ts_status load_member(ts_store *s, const ts_review *r, ts_arena *a, ts__lq_member *m,
                             bool *found, ts_err *err)
{
    memset(m, 0, sizeof *m);
    ts_status rc = ts__lq_member_get(s, r->person, a, m, found, err);
    if (rc != TS_OK)
        return rc;
    bool listed =
        *found && (ts__lists_colour_of(m->colour) != TS_COLOUR_NONE || m->override_colour);
    if (!listed && r->outcome != TS_REVIEW_RAISE)
        return ts_err_set(err, TS_NOTFOUND, r->person, "person '%s' is not on the lists",
                          r->person);
    if (*found)
        return TS_OK;
    bool exists = false;
    rc = ts__lq_person_exists(s, r->person, &exists, err);
    if (rc == TS_OK && !exists)
        rc = ts_err_set(err, TS_NOTFOUND, r->person, "no person with id '%s'", r->person);
    return rc;
}

/* The review's decision (ts_decide); TS_INVALID when it refuses the move. */
static ts_status decide(const ts_review *r, const ts_decide_state *prev, int32_t now_days,
                        ts_decide_out *d, ts_err *err)
{
    ts_decide_policy pol;
    ts_decide_policy_from(NULL, r->review_days, &pol);
    ts_decide_in in = {.source = TS_DECIDE_REVIEW,
                       .prev = *prev,
                       .outcome = r->outcome,
                       .review_colour = r->colour,
                       .review_until = date_or_none(r->until),
                       .policy = &pol,
                       .now = now_days};
    if (ts_decide(&in, d))
        return TS_OK;
    ts_colour current = prev->listed ? ts_decide_effective(prev, now_days) : TS_COLOUR_NONE;
    return ts_err_set(err, TS_INVALID, "colour", "cannot %s %s from %s to %s",
                      ts_review_outcome_name(r->outcome), r->person, ts__lists_colour_text(current),
                      ts__lists_colour_text(r->colour));
}

ts_status ts_lists_review(ts_store *s, const ts_review *r, ts_err *err)
{
    int32_t now_days;
    ts_status rc = validate(r, &now_days, err);
    if (rc != TS_OK)
        return rc;
    const char *outcome = ts_review_outcome_name(r->outcome);
    ts_arena a;
    ts_arena_init(&a, TS_LIMIT_ARENA_RECORD);
    rc = ts_store_begin(s, err);
    if (rc != TS_OK)
        goto done;

    ts__lq_member m;
    bool found = false;
    rc = load_member(s, r, &a, &m, &found, err);
    ts_decide_state prev;
    member_state(&m, found, &prev);
    ts_decide_out d;
    if (rc == TS_OK)
        rc = decide(r, &prev, now_days, &d, err);
    if (rc != TS_OK)
        goto done;
    ts_colour stored = prev.colour, next = d.next.colour;
    ts__lq_member_set set = {.person = r->person};
    if (d.override == TS_OVERRIDE_SET) {
        set.override_colour = ts__lists_colour_text(next); /* "none": held off the lists */
        set.override_until = r->until;
        set.override_by = r->by;
    }
    set.colour = ts__lists_colour_text(next);
    set.since = found && d.change == TS_CHANGE_NONE ? m.since : r->now;
    char next_review[11];
    if (d.next.next_review != TS_DATE_NONE) {
        ts_date_format(d.next.next_review, next_review);
        set.next_review = next_review;
    }

    if (!found)
        rc = ts__lq_member_insert(s, &set, err);
    else if (!d.next.listed)
        rc = ts__lq_member_delete(s, r->person, err); /* off the lists, nothing to hold */
    else
        rc = ts__lq_member_update(s, &set, err);
    if (rc != TS_OK)
        goto done;

    const char *from = stored == TS_COLOUR_NONE ? NULL : ts__lists_colour_text(stored);
    const char *to = next == TS_COLOUR_NONE ? NULL : ts__lists_colour_text(next);
    if (d.change != TS_CHANGE_NONE) {
        const char *reasons = reasons_json(&a, outcome, r->note);
        if (!reasons) {
            rc = ts_err_set(err, TS_NOMEM, r->person, NULL);
            goto done;
        }
        rc = ts__lq_transition_add(s, r->person, from, to, found ? m.score : 0, reasons, r->now,
                                   r->by, err);
        if (rc != TS_OK)
            goto done;
    }
    rc = ts__lq_review_add(s, r->person, r->by, outcome, ts__lists_colour_text(next), r->until,
                           r->note, r->now, err);
    if (rc != TS_OK)
        goto done;
    const char *detail =
        audit_json(&a, r, ts__lists_colour_text(stored), ts__lists_colour_text(next));
    if (!detail) {
        rc = ts_err_set(err, TS_NOMEM, r->person, NULL);
        goto done;
    }
    rc = ts_store_audit_tok(s, r->by, r->token, "review", r->person, detail, err);
    if (rc == TS_OK)
        rc = ts_store_commit(s, err);
done:
    if (rc != TS_OK)
        ts_store_rollback(s);
    ts_arena_release(&a);
    return rc;
}

/* lists/review.c — ts_lists_review: a human review of a listed person, with the
 * override it may set, the transition, the next review date and the audit entry, all in
 * one transaction. SQL through store/lists_query; JSON through json-c. */
#include <ctype.h>
#include <string.h>

#include "triscreen/date.h"
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

/* The effective colour at now: an override that has reached its until date has expired,
 * and the engine's colour applies again even if no pass has run since. */
static ts_colour effective_at(const ts__lq_member *m, const char *now)
{
    if (m->override_colour && m->override_until && strcmp(now, m->override_until) >= 0)
        return ts__lists_colour_of(m->engine_colour);
    return ts__lists_colour_of(m->colour);
}

static char *reasons_json(ts_arena *a, const char *outcome, const char *note)
{
    json_object *arr = json_object_new_array(), *o = json_object_new_object();
    char *out = NULL;
    if (arr && o) {
        char id[32];
        snprintf(id, sizeof id, "review.%s", outcome);
        json_object_object_add(o, "id", json_object_new_string(id));
        json_object_object_add(o, "evidence", json_object_new_string(note));
        if (json_object_array_add(arr, o) == 0) {
            o = NULL;
            out = ts_arena_strdup(
                a, json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
        }
    }
    json_object_put(o);
    json_object_put(arr);
    return out;
}

static char *audit_json(ts_arena *a, const ts_review *r, const char *from, const char *to)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "outcome",
                           json_object_new_string(ts_review_outcome_name(r->outcome)));
    json_object_object_add(o, "from", json_object_new_string(from));
    json_object_object_add(o, "to", json_object_new_string(to));
    json_object_object_add(o, "until", ts__json_str(r->until));
    json_object_object_add(o, "now", json_object_new_string(r->now));
    json_object_object_add(o, "note", json_object_new_string(r->note));
    char *out = ts_arena_strdup(a, json_object_to_json_string_ext(
                                       o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return out;
}

ts_status ts_lists_review(ts_store *s, const ts_review *r, ts_err *err)
{
    int32_t now_days;
    ts_status rc = validate(r, &now_days, err);
    if (rc != TS_OK)
        return rc;
    const char *outcome = ts_review_outcome_name(r->outcome);
    ts_arena a;
    ts_arena_init(&a, 0);
    rc = ts_store_begin(s, err);
    if (rc != TS_OK)
        goto done;

    ts__lq_member m;
    bool found = false;
    rc = ts__lq_member_get(s, r->person, &a, &m, &found, err);
    if (rc != TS_OK)
        goto done;
    bool listed = found && (ts__lists_colour_of(m.colour) != TS_COLOUR_NONE || m.override_colour);
    if (!listed && r->outcome != TS_REVIEW_RAISE) {
        rc = ts_err_set(err, TS_NOTFOUND, r->person, "person '%s' is not on the lists", r->person);
        goto done;
    }
    if (!found) {
        bool exists = false;
        rc = ts__lq_person_exists(s, r->person, &exists, err);
        if (rc != TS_OK)
            goto done;
        if (!exists) {
            rc = ts_err_set(err, TS_NOTFOUND, r->person, "no person with id '%s'", r->person);
            goto done;
        }
    }
    ts_colour stored = found ? ts__lists_colour_of(m.colour) : TS_COLOUR_NONE;
    ts_colour current = found ? effective_at(&m, r->now) : TS_COLOUR_NONE;

    ts__lq_member_set set = {.person = r->person};
    ts_colour next = TS_COLOUR_NONE;
    switch (r->outcome) {
    case TS_REVIEW_CONFIRM:
        /* confirming puts the engine's decision back in charge */
        next = found ? ts__lists_colour_of(m.engine_colour) : TS_COLOUR_NONE;
        break;
    case TS_REVIEW_LOWER:
    case TS_REVIEW_RAISE:
        if (r->outcome == TS_REVIEW_LOWER ? r->colour >= current : r->colour <= current) {
            rc = ts_err_set(err, TS_INVALID, "colour", "cannot %s %s from %s to %s", outcome,
                            r->person, ts__lists_colour_text(current),
                            ts__lists_colour_text(r->colour));
            goto done;
        }
        next = r->colour;
        set.override_colour = ts__lists_colour_text(next);
        break;
    case TS_REVIEW_CLEAR:
        next = TS_COLOUR_NONE;
        set.override_colour = "none";
        break;
    }
    if (set.override_colour) {
        set.override_until = r->until;
        set.override_by = r->by;
    }
    set.colour = ts__lists_colour_text(next);
    set.since = next != stored || !found ? r->now : m.since;
    char next_review[11];
    if (next != TS_COLOUR_NONE) {
        int days = r->review_days[ts_colour_slot(next)]; /* [red, yellow, blue] */
        if (days > 0) {
            ts_date_format(now_days + days, next_review);
            set.next_review = next_review;
        }
    }

    if (!found)
        rc = ts__lq_member_insert(s, &set, err);
    else if (next == TS_COLOUR_NONE && !set.override_colour)
        rc = ts__lq_member_delete(s, r->person, err); /* off the lists, nothing to hold */
    else
        rc = ts__lq_member_update(s, &set, err);
    if (rc != TS_OK)
        goto done;

    const char *from = stored == TS_COLOUR_NONE ? NULL : ts__lists_colour_text(stored);
    const char *to = next == TS_COLOUR_NONE ? NULL : ts__lists_colour_text(next);
    if (next != stored) {
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
    rc = ts_store_audit(s, r->by, "review", r->person, detail, err);
    if (rc == TS_OK)
        rc = ts_store_commit(s, err);
done:
    if (rc != TS_OK)
        ts_store_rollback(s);
    ts_arena_release(&a);
    return rc;
}

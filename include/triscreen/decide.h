/* triscreen/decide.h — THE colour decision: how a pass's fired rules, the previous list
 * state, an override and a review outcome turn into the next list state, its reasons,
 * the next review date and the engine feedback due. One pure function (ts_decide): no
 * I/O, no store, no clock, no allocation. Callers: passes/screen.c (full, regional,
 * targeted; HTTP ingest goes through ts_screen_inline), lists/review.c (`triscreen
 * review`), rulecases/rulecases.c (`rules test`) and cli/cmd_diff.c (ts_decide_change).
 * The score → colour threshold arithmetic exists only in lists/decide.c.
 *
 * Every per-colour array is indexed by the TS_COLOUR_* enum; [TS_COLOUR_NONE] is unused.
 * Dates are days since the epoch (triscreen/date.h), TS_DATE_NONE = no date.
 * Thread-safe. */
#ifndef TRISCREEN_DECIDE_H
#define TRISCREEN_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triscreen/rulehost.h"
#include "triscreen/vocab.h"

/* Thresholds and review schedule, indexed by colour. */
typedef struct ts_decide_policy {
    int threshold[TS_COLOUR_N];   /* score at or above which a colour applies; -1 = disabled */
    int review_days[TS_COLOUR_N]; /* days from a decision to the next review; <= 0 = none */
} ts_decide_policy;

/* The policy from the config's arrays, which are ordered {red, yellow, blue}
 * (ts_colour_slot). Either pointer may be NULL: thresholds disabled / no reviews. */
void ts_decide_policy_from(const int thresholds[3], const int review_days[3],
                           ts_decide_policy *out);

/* One fired rule as the decision sees it (from the rule pack). */
typedef struct ts_decide_fired {
    ts_rule_kind kind; /* full pass: suspect or gap */
    ts_colour vote;    /* regional/targeted: the colour the rule votes for, or NONE */
    int score;         /* regional/targeted: the rule's score */
} ts_decide_fired;

/* Fills out[0 .. r->n_fired) from the pack's rule table (fired rules the pack does not
 * know are skipped); returns the number filled. out holds at least r->n_fired entries. */
size_t ts_decide_fired_of(const ts_rulepack *pack, const ts_eval_result *r, ts_decide_fired *out);

/* A person's list state (a list_members row and the suspect mark). */
typedef struct ts_decide_state {
    bool listed;        /* a list row exists (on a list, or holding an override) */
    bool suspect;       /* the full pass's mark */
    ts_colour engine;   /* the engine's colour (after the targeted pass) */
    int score;          /* the score behind engine */
    ts_colour regional; /* the colour the regional pass set; NONE = unknown (old rows) */
    int regional_score;
    ts_colour colour; /* effective: the override's when one is active, else engine */
    int32_t since;    /* date colour was entered */
    bool has_override;
    ts_colour override_colour; /* NONE = held off the lists */
    int32_t override_until;    /* exclusive; TS_DATE_NONE = until a review */
    int32_t next_review;       /* TS_DATE_NONE = no review scheduled */
} ts_decide_state;

typedef enum ts_decide_source { TS_DECIDE_PASS = 0, TS_DECIDE_REVIEW } ts_decide_source;

typedef struct ts_decide_in {
    ts_decide_source source;
    ts_decide_state prev;
    /* source PASS */
    ts_pass pass;
    const ts_decide_fired *fired;
    size_t n_fired;
    /* regional: the fired rules (with their evidence) are exactly those behind
     * prev.regional, so what the last targeted pass built on them is kept */
    bool regional_unchanged;
    /* source REVIEW */
    ts_review_outcome outcome;
    ts_colour review_colour; /* lower/raise: the new colour */
    int32_t review_until;    /* lower/raise/clear: override held until (exclusive) */
    const ts_decide_policy *policy;
    int32_t now;
} ts_decide_in;

/* What happened to the override. */
typedef enum ts_override_action {
    TS_OVERRIDE_ABSENT = 0, /* none before, none after */
    TS_OVERRIDE_KEPT,       /* still active: it holds the colour */
    TS_OVERRIDE_EXPIRED,    /* reached its until date: the engine's colour applies again */
    TS_OVERRIDE_SET,        /* a review set it (lower, raise, clear) */
    TS_OVERRIDE_CLEARED     /* a review (confirm) removed it */
} ts_override_action;

/* Why the next state is what it is (bits). */
enum {
    TS_WHY_VOTE = 1u << 0,     /* a fired rule voted for the engine colour */
    TS_WHY_SCORE = 1u << 1,    /* the score reached the engine colour's threshold */
    TS_WHY_BASE = 1u << 2,     /* targeted: the regional colour held (no fall) */
    TS_WHY_KEPT = 1u << 3,     /* regional unchanged: the last targeted result kept */
    TS_WHY_OVERRIDE = 1u << 4, /* an override holds the effective colour */
    TS_WHY_EXPIRED = 1u << 5,  /* an override expired */
    TS_WHY_REVIEW = 1u << 6,   /* an officer's review decided */
    TS_WHY_SUSPECT = 1u << 7,  /* full: a suspect rule fired */
    TS_WHY_NEW_DATE = 1u << 8  /* next_review was (re)scheduled */
};

/* A move between two effective colours. */
typedef enum ts_change {
    TS_CHANGE_NONE = 0,
    TS_CHANGE_ENTER, /* none → a colour */
    TS_CHANGE_LEAVE, /* a colour → none */
    TS_CHANGE_RISE,  /* a colour → a higher one */
    TS_CHANGE_FALL   /* a colour → a lower one */
} ts_change;

typedef struct ts_decide_out {
    bool ok;              /* false: a review refused (refusal says why); next = prev */
    const char *refusal;  /* static text, or NULL */
    ts_decide_state next; /* next.listed false: the row goes (or never exists) */
    ts_override_action override;
    unsigned why;         /* TS_WHY_* bits */
    ts_change change;     /* prev.colour → next.colour */
    bool rise;            /* change is ENTER or RISE */
    ts_feedback feedback; /* engine feedback due: EARLY (full, newly suspect), DETAILED
                           * (regional/targeted, a rise), else NONE; reviews: NONE */
    unsigned n_gaps;      /* full: fired rules of kind gap */
} ts_decide_out;

/* The decision. in->policy must be set. Pass:
 *   full      suspect = any fired rule not a gap; feedback EARLY when newly suspect;
 *             the list state is untouched.
 *   regional  engine = max(highest vote, colour of the score against the thresholds);
 *             with regional_unchanged (the same colour and score as prev.regional) the
 *             previous engine colour and score are kept.
 *   targeted  may only raise: base = prev.regional (or prev.engine for old rows), score
 *             = base score + fired scores, engine = max(base, vote, colour of score).
 *   then      an override is kept while now < until, else it expires; colour = the
 *             override's or engine; since stays while colour stays; next_review = now +
 *             review_days[colour] when colour changes, on every targeted pass, and
 *             stays on an unchanged regional pass; none off the lists.
 * Review (prev.colour is the stored colour; lower/raise compare with the effective
 * colour at now, ts_decide_effective, so an expired override no longer counts):
 *   confirm   the override goes, colour = engine;  lower/raise  override to a colour
 *             strictly lower/higher; clear  override "none" (held off the lists); an
 *             until date must be after now and confirm takes none. since = now when
 *             the colour changes, next_review = now + review_days[colour] (none off the
 *             lists). A refused review sets ok false and refusal.
 * Returns out->ok. */
bool ts_decide(const ts_decide_in *in, ts_decide_out *out);

/* The effective colour of s at now, applying override expiry (until exclusive). */
ts_colour ts_decide_effective(const ts_decide_state *s, int32_t now);

/* Near-miss (`lists --near-miss`): the lowest colour above `colour` whose threshold is
 * enabled and above score, i.e. the threshold the score sits under that would raise the
 * colour (the gap is p->threshold[result] - score); TS_COLOUR_NONE when there is none. */
ts_colour ts_decide_threshold_above(const ts_decide_policy *p, ts_colour colour, int score);

/* Classifies from → to. */
ts_change ts_decide_change(ts_colour from, ts_colour to);

#endif

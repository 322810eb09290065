/* triscreen/impact.h — what a rule change does, person by person: the type both `diff
 * --rules DIR` (a draft over what the live pack last judged) and `shadow report` (a
 * shadow pack over its period) fill, and that render/impact.c prints as text, JSONL or
 * one self-contained HTML page. "before" is the live pack, "after" the draft or shadow.
 * A row says nothing about record contents: ids, cells, colours, scores, rule ids. */
#ifndef TRISCREEN_IMPACT_H
#define TRISCREEN_IMPACT_H

#include <stdbool.h>
#include <stddef.h>

#include "triscreen/vocab.h"

/* One side's judgement of a person. */
typedef struct ts_impact_side {
    ts_colour colour;         /* effective colour; TS_COLOUR_NONE = off the lists */
    int score;                /* the score behind the colour (0 when not scored) */
    const char *const *rules; /* ids of the rules that fired and count, sorted, unique */
    size_t n_rules;
    bool alerts[TS_FEEDBACK_N]; /* the feedback that would be (was) raised, by kind */
} ts_impact_side;

typedef struct ts_impact_row {
    const char *person;
    const char *grid; /* the person's group cell */
    const char *town; /* code of the town cell above grid ("" when the grid has none) */
    ts_impact_side before, after;
} ts_impact_row;

/* A whole comparison; every pointer is borrowed from the caller. */
typedef struct ts_impact {
    const ts_impact_row *rows; /* sorted by person id */
    size_t n;
    const char *before_label; /* "live 3f2a…" */
    const char *after_label;  /* "draft 9c1b…" / "shadow strict (9c1b…)" */
    const char *basis;        /* one line: what was compared ("run 12 of 2026-11-30 …") */
    /* rule titles: either may be NULL; a rule id missing from both shows alone */
    const struct ts_rulepack *before_pack, *after_pack;
} ts_impact;

/* Whether the two sides count the same rules. */
bool ts_impact_same_rules(const ts_impact_side *a, const ts_impact_side *b);
/* Whether anything of r differs between before and after (colour, score, rules, alerts). */
bool ts_impact_row_differs(const ts_impact_row *r);
/* Persons whose effective colour differs (what --fail-on-move counts). */
size_t ts_impact_moves(const ts_impact *im);

#endif

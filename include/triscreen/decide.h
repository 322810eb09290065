/* triscreen/decide.h — how fired rules become a suspect mark, a list colour and engine
 * feedback. Pure functions shared by the passes (engine/passes) and by `rules test`
 * (engine/rulecases), so a rule case predicts exactly what a screening run does.
 * Thread-safe. */
#ifndef TRISCREEN_DECIDE_H
#define TRISCREEN_DECIDE_H

#include <stdbool.h>

#include "triscreen/rulehost.h"

/* Outcome of the full pass for one person. */
typedef struct ts_full_outcome {
    bool suspect;    /* any fired rule of kind suspect */
    unsigned n_gaps; /* fired rules of kind gap */
    bool early;      /* engine feedback: newly suspect (was_suspect false) */
} ts_full_outcome;

void ts_decide_full(const ts_rulepack *pack, const ts_eval_result *fired, bool was_suspect,
                    ts_full_outcome *out);

/* Outcome of the regional or targeted pass for one person. */
typedef struct ts_list_outcome {
    ts_colour colour; /* the decided colour; TS_COLOUR_NONE = off the lists */
    int score;        /* total score behind the colour */
    bool detailed;    /* engine feedback: entered red, or rose in colour */
} ts_list_outcome;

/* Regional: colour = max(vote of fired rules, colour of score against thresholds);
 * no vote and below every threshold = off the lists. `prior` is the colour before. */
void ts_decide_regional(const ts_rulepack *pack, const ts_eval_result *fired, ts_colour prior,
                        const int thresholds[3], ts_list_outcome *out);

/* Targeted: may only raise. colour = max(prior, vote, colour of (base_score + fired
 * score)); score = base_score + fired score. `prior` is the colour after regional,
 * base_score the regional score. */
void ts_decide_targeted(const ts_rulepack *pack, const ts_eval_result *fired, ts_colour prior,
                        int base_score, const int thresholds[3], ts_list_outcome *out);

/* True when moving from `from` to `to` calls for a detailed alert. */
bool ts_decide_is_rise(ts_colour from, ts_colour to);

#endif

/* lists/decide.c — fired rules → suspect mark, colour and engine feedback (decide.h).
 * Uses the rule pack's metadata only. */
#include "triscreen/decide.h"

void ts_decide_full(const ts_rulepack *pack, const ts_eval_result *fired, bool was_suspect,
                    ts_full_outcome *out)
{
    out->suspect = false;
    out->n_gaps = 0;
    for (size_t i = 0; i < fired->n_fired; i++) {
        const ts_rule_info *r = ts_rulepack_rule(pack, fired->fired[i].rule);
        if (r->kind == TS_RULE_GAP)
            out->n_gaps++;
        else
            out->suspect = true;
    }
    out->early = out->suspect && !was_suspect;
}

bool ts_decide_is_rise(ts_colour from, ts_colour to)
{
    return to > from;
}

void ts_decide_regional(const ts_rulepack *pack, const ts_eval_result *fired, ts_colour prior,
                        const int thresholds[3], ts_list_outcome *out)
{
    ts_colour vote;
    int score;
    ts_rulepack_tally(pack, fired, &vote, &score);
    ts_colour by_score = ts_colour_for_score(score, thresholds);
    out->colour = vote > by_score ? vote : by_score;
    out->score = score;
    out->detailed = ts_decide_is_rise(prior, out->colour);
}

void ts_decide_targeted(const ts_rulepack *pack, const ts_eval_result *fired, ts_colour prior,
                        int base_score, const int thresholds[3], ts_list_outcome *out)
{
    ts_colour vote;
    int score;
    ts_rulepack_tally(pack, fired, &vote, &score);
    int total = base_score + score;
    ts_colour c = prior;
    if (vote > c)
        c = vote;
    ts_colour by_score = ts_colour_for_score(total, thresholds);
    if (by_score > c)
        c = by_score;
    out->colour = c;
    out->score = total;
    out->detailed = ts_decide_is_rise(prior, c);
}

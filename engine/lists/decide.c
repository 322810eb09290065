/* lists/decide.c — THE colour decision (decide.h): pure, no I/O, no allocation. The only
 * place where a score is compared with the thresholds and where votes, scores, overrides
 * and review outcomes are combined into a colour. */
#include <string.h>

#include "triscreen/date.h"
#include "triscreen/decide.h"

static const ts_colour colours_high_first[] = {TS_COLOUR_RED, TS_COLOUR_YELLOW, TS_COLOUR_BLUE};

void ts_decide_policy_from(const int thresholds[3], const int review_days[3], ts_decide_policy *out)
{
    memset(out, 0, sizeof *out);
    out->threshold[TS_COLOUR_NONE] = -1;
    for (size_t i = 0; i < sizeof colours_high_first / sizeof *colours_high_first; i++) {
        ts_colour c = colours_high_first[i];
        int slot = ts_colour_slot(c);
        out->threshold[c] = thresholds ? thresholds[slot] : -1;
        out->review_days[c] = review_days ? review_days[slot] : 0;
    }
}

size_t ts_decide_fired_of(const ts_rulepack *pack, const ts_eval_result *r, ts_decide_fired *out)
{
    size_t n = 0, nrules = ts_rulepack_count(pack);
    for (size_t i = 0; r && i < r->n_fired; i++) {
        if (r->fired[i].rule >= nrules)
            continue;
        const ts_rule_info *ri = ts_rulepack_rule(pack, r->fired[i].rule);
        out[n++] = (ts_decide_fired){.kind = ri->kind, .vote = ri->list, .score = ri->score};
    }
    return n;
}

ts_change ts_decide_change(ts_colour from, ts_colour to)
{
    if (from == to)
        return TS_CHANGE_NONE;
    if (from == TS_COLOUR_NONE)
        return TS_CHANGE_ENTER;
    if (to == TS_COLOUR_NONE)
        return TS_CHANGE_LEAVE;
    return to > from ? TS_CHANGE_RISE : TS_CHANGE_FALL;
}

ts_colour ts_decide_effective(const ts_decide_state *s, int32_t now)
{
    if (s->has_override && s->override_until != TS_DATE_NONE && now >= s->override_until)
        return s->engine;
    return s->colour;
}

/* The highest colour whose threshold the score reaches; NONE below every threshold. */
static ts_colour colour_for_score(const ts_decide_policy *p, int score)
{
    for (size_t i = 0; i < sizeof colours_high_first / sizeof *colours_high_first; i++) {
        ts_colour c = colours_high_first[i];
        if (p->threshold[c] >= 0 && score >= p->threshold[c])
            return c;
    }
    return TS_COLOUR_NONE;
}

static int32_t review_date(const ts_decide_policy *p, ts_colour c, int32_t now)
{
    if (c == TS_COLOUR_NONE || (unsigned)c >= TS_COLOUR_N || p->review_days[c] <= 0)
        return TS_DATE_NONE;
    return now + p->review_days[c];
}

/* Highest vote and clamped total score of the fired rules. */
static void tally(const ts_decide_in *in, ts_colour *vote, int *score)
{
    ts_colour v = TS_COLOUR_NONE;
    long long sc = 0;
    for (size_t i = 0; i < in->n_fired; i++) {
        if (in->fired[i].vote > v)
            v = in->fired[i].vote;
        sc += in->fired[i].score;
    }
    if (sc > INT32_MAX)
        sc = INT32_MAX;
    if (sc < INT32_MIN)
        sc = INT32_MIN;
    *vote = v;
    *score = (int)sc;
}

/* engine = max(vote, colour of score); records which of the two decided. */
static ts_colour vote_or_score(const ts_decide_in *in, ts_colour vote, int score, ts_colour floor,
                               ts_decide_out *out)
{
    ts_colour by_score = colour_for_score(in->policy, score);
    ts_colour c = floor;
    if (vote > c)
        c = vote;
    if (by_score > c)
        c = by_score;
    if (c != TS_COLOUR_NONE && c == vote)
        out->why |= TS_WHY_VOTE;
    if (c != TS_COLOUR_NONE && c == by_score)
        out->why |= TS_WHY_SCORE;
    if (c != TS_COLOUR_NONE && c == floor && c != vote && c != by_score)
        out->why |= TS_WHY_BASE;
    return c;
}

static void decide_full(const ts_decide_in *in, ts_decide_out *out)
{
    bool suspect = false;
    for (size_t i = 0; i < in->n_fired; i++) {
        if (in->fired[i].kind == TS_RULE_GAP)
            out->n_gaps++;
        else
            suspect = true;
    }
    out->next.suspect = suspect;
    if (suspect)
        out->why |= TS_WHY_SUSPECT;
    if (suspect && !in->prev.suspect)
        out->feedback = TS_FEEDBACK_EARLY;
}

/* The engine part of a regional or targeted pass: next.engine/score/regional*. */
static void decide_engine(const ts_decide_in *in, ts_decide_out *out)
{
    const ts_decide_state *p = &in->prev;
    ts_decide_state *n = &out->next;
    ts_colour vote;
    int fired_score;
    tally(in, &vote, &fired_score);
    if (in->pass == TS_PASS_REGIONAL) {
        ts_colour c = vote_or_score(in, vote, fired_score, TS_COLOUR_NONE, out);
        n->regional = c;
        n->regional_score = fired_score;
        if (p->listed && in->regional_unchanged && p->regional == c && c != TS_COLOUR_NONE &&
            p->regional_score == fired_score) {
            out->why |= TS_WHY_KEPT; /* keep what the last targeted pass built on it */
            n->engine = p->engine;
            n->score = p->score;
        } else {
            n->engine = c;
            n->score = fired_score;
        }
        return;
    }
    /* targeted: never below the regional colour (old rows: the engine's) */
    ts_colour base = p->regional != TS_COLOUR_NONE ? p->regional : p->engine;
    int base_score = p->regional != TS_COLOUR_NONE ? p->regional_score : p->score;
    long long total = (long long)base_score + fired_score;
    if (total > INT32_MAX)
        total = INT32_MAX;
    if (total < INT32_MIN)
        total = INT32_MIN;
    n->regional = base;
    n->regional_score = base_score;
    n->score = (int)total;
    n->engine = vote_or_score(in, vote, (int)total, base, out);
}

/* Override, effective colour, since and review date after a pass. */
static void decide_pass_list(const ts_decide_in *in, ts_decide_out *out)
{
    const ts_decide_state *p = &in->prev;
    ts_decide_state *n = &out->next;
    decide_engine(in, out);
    bool active =
        p->has_override && (p->override_until == TS_DATE_NONE || in->now < p->override_until);
    n->has_override = active;
    n->override_colour = active ? p->override_colour : TS_COLOUR_NONE;
    n->override_until = active ? p->override_until : TS_DATE_NONE;
    if (active) {
        out->override = TS_OVERRIDE_KEPT;
        out->why |= TS_WHY_OVERRIDE;
    } else if (p->has_override) {
        out->override = TS_OVERRIDE_EXPIRED;
        out->why |= TS_WHY_EXPIRED;
    }
    n->colour = active ? p->override_colour : n->engine;
    ts_colour from = p->listed ? p->colour : TS_COLOUR_NONE;
    bool same = p->listed && from == n->colour;
    n->since = same ? p->since : in->now;
    if (in->pass == TS_PASS_REGIONAL && same) {
        n->next_review = p->next_review;
    } else {
        n->next_review = review_date(in->policy, n->colour, in->now);
        out->why |= TS_WHY_NEW_DATE;
    }
    n->listed = n->colour != TS_COLOUR_NONE || n->has_override;
    out->change = ts_decide_change(from, n->colour);
    out->rise = out->change == TS_CHANGE_ENTER || out->change == TS_CHANGE_RISE;
    if (out->rise)
        out->feedback = TS_FEEDBACK_DETAILED;
}

static bool refuse(ts_decide_out *out, const char *why)
{
    out->ok = false;
    out->refusal = why;
    return false;
}

static bool decide_review(const ts_decide_in *in, ts_decide_out *out)
{
    const ts_decide_state *p = &in->prev;
    ts_decide_state *n = &out->next;
    ts_colour current = p->listed ? ts_decide_effective(p, in->now) : TS_COLOUR_NONE;
    ts_colour want = in->review_colour;
    bool moves = in->outcome == TS_REVIEW_LOWER || in->outcome == TS_REVIEW_RAISE;
    if (moves && (want < TS_COLOUR_BLUE || want > TS_COLOUR_RED))
        return refuse(out, "needs a colour (red, yellow or blue)");
    if (in->outcome == TS_REVIEW_LOWER && want >= current)
        return refuse(out, "the colour is not lower");
    if (in->outcome == TS_REVIEW_RAISE && want <= current)
        return refuse(out, "the colour is not higher");
    if (in->outcome == TS_REVIEW_CONFIRM && in->review_until != TS_DATE_NONE)
        return refuse(out, "confirm sets no override");
    if (in->review_until != TS_DATE_NONE && in->review_until <= in->now)
        return refuse(out, "the override's until date is not after now");
    out->why |= TS_WHY_REVIEW;
    switch (in->outcome) {
    case TS_REVIEW_CONFIRM: /* the engine's decision back in charge */
        n->has_override = false;
        n->colour = p->listed ? p->engine : TS_COLOUR_NONE;
        out->override = p->has_override ? TS_OVERRIDE_CLEARED : TS_OVERRIDE_ABSENT;
        break;
    case TS_REVIEW_LOWER:
    case TS_REVIEW_RAISE:
    case TS_REVIEW_CLEAR:
        n->has_override = true;
        n->colour = in->outcome == TS_REVIEW_CLEAR ? TS_COLOUR_NONE : want;
        out->override = TS_OVERRIDE_SET;
        out->why |= TS_WHY_OVERRIDE;
        break;
    default:
        return refuse(out, "unknown review outcome");
    }
    n->override_colour = n->has_override ? n->colour : TS_COLOUR_NONE;
    n->override_until = n->has_override ? in->review_until : TS_DATE_NONE;
    ts_colour stored = p->listed ? p->colour : TS_COLOUR_NONE;
    n->since = n->colour != stored || !p->listed ? in->now : p->since;
    n->next_review = review_date(in->policy, n->colour, in->now);
    out->why |= TS_WHY_NEW_DATE;
    n->listed = n->colour != TS_COLOUR_NONE || n->has_override;
    out->change = ts_decide_change(stored, n->colour);
    out->rise = out->change == TS_CHANGE_ENTER || out->change == TS_CHANGE_RISE;
    return true;
}

bool ts_decide(const ts_decide_in *in, ts_decide_out *out)
{
    memset(out, 0, sizeof *out);
    out->ok = true;
    out->next = in->prev;
    out->feedback = TS_FEEDBACK_NONE;
    if (in->source == TS_DECIDE_REVIEW) {
        if (!decide_review(in, out))
            out->next = in->prev;
        return out->ok;
    }
    if (in->pass == TS_PASS_FULL)
        decide_full(in, out);
    else
        decide_pass_list(in, out);
    return true;
}

ts_colour ts_decide_threshold_above(const ts_decide_policy *p, ts_colour colour, int score)
{
    /* low first: the nearest threshold the score sits under, of a colour above `colour` */
    for (size_t i = sizeof colours_high_first / sizeof *colours_high_first; i-- > 0;) {
        ts_colour c = colours_high_first[i];
        if (c > colour && p->threshold[c] >= 0 && score < p->threshold[c])
            return c;
    }
    return TS_COLOUR_NONE;
}

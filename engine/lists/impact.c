/* lists/impact.c — what differs in one row of a comparison (triscreen/impact.h). */
#include <string.h>

#include "triscreen/impact.h"

bool ts_impact_same_rules(const ts_impact_side *a, const ts_impact_side *b)
{
    if (a->n_rules != b->n_rules)
        return false;
    for (size_t i = 0; i < a->n_rules; i++)
        if (strcmp(a->rules[i], b->rules[i]))
            return false;
    return true;
}

bool ts_impact_row_differs(const ts_impact_row *r)
{
    if (r->before.colour != r->after.colour || r->before.score != r->after.score ||
        !ts_impact_same_rules(&r->before, &r->after))
        return true;
    for (int k = 0; k < TS_FEEDBACK_N; k++)
        if (r->before.alerts[k] != r->after.alerts[k])
            return true;
    return false;
}

size_t ts_impact_moves(const ts_impact *im)
{
    size_t n = 0;
    for (size_t i = 0; i < im->n; i++)
        n += im->rows[i].before.colour != im->rows[i].after.colour;
    return n;
}

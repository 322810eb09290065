/* triscreen/shadow_judge.h — judging the shadow packs (triscreen/shadow.h) beside a
 * screening, and reading a shadow back as per-person judgements (engine/app/shadow.c). */
#ifndef TRISCREEN_SHADOW_JUDGE_H
#define TRISCREEN_SHADOW_JUDGE_H

#include "triscreen/config.h"
#include "triscreen/grid.h"
#include "triscreen/judged.h"
#include "triscreen/shadow.h"
#include "triscreen/status.h"
#include "triscreen/store.h"

/* Judges every shadow over the screening that just ended
 * (the newest one, ts_store_last_screening) in s, live = what the live pack judged in it,
 * collected into side 0 of a ts_judged_set (ts_judged_collect). For each shadow: a
 * private copy rewound to that screening's start, the same passes, scope and now, then
 * ts_store_shadow_put. *judged = the number of shadows judged. */
ts_status ts_shadows_judge(ts_store *s, const ts_config *cfg, const ts_grid *grid,
                           ts_judged_set *live, unsigned *judged, ts_err *err) TS_MUST_CHECK;
/* Every person's latest judgement of shadow name → set (before = live, after = shadow). */
ts_status ts_shadow_report_set(ts_store *s, const char *name, ts_judged_set *set,
                               ts_err *err) TS_MUST_CHECK;

#endif

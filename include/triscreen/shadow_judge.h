/* triscreen/shadow_judge.h — judging the shadow packs (triscreen/shadow.h) beside a
 * screening and beside the service's ingest, and reading a shadow back as per-person
 * judgements (engine/app/shadow.c). */
#ifndef TRISCREEN_SHADOW_JUDGE_H
#define TRISCREEN_SHADOW_JUDGE_H

#include "triscreen/config.h"
#include "triscreen/grid.h"
#include "triscreen/judged.h"
#include "triscreen/screen.h"
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

/* ---- judging at ingest (the service) ------------------------------------------------ */

/* The shadows loaded for judging records as the service ingests them: each one's pack and
 * rule host, kept while the stored set (names and hashes) stays the same. */
typedef struct ts_shadow_hosts ts_shadow_hosts;

/* Loads or reloads *hs (NULL: made) when the stored shadows differ from those it holds. A
 * shadow whose pack no longer loads under cfg is left out (counted in *skipped). */
ts_status ts_shadow_hosts_sync(ts_shadow_hosts **hs, ts_store *s, const ts_config *cfg,
                               const ts_grid *grid, unsigned *skipped, ts_err *err) TS_MUST_CHECK;
size_t ts_shadow_hosts_count(const ts_shadow_hosts *hs);
void ts_shadow_hosts_free(ts_shadow_hosts *hs);

/* Inside the caller's open transaction, after the records are stored and before the
 * live pack re-evaluates them: each shadow judges ids inline (ts_screen_inline, base's
 * config, grid and now; no alerts) in a savepoint that is then undone, so nothing of it
 * stays in the live tables and the live pack sees the same inputs. */
ts_status ts_shadow_hosts_judge(ts_shadow_hosts *hs, ts_store *s, const ts_screen_opts *base,
                                const char *const *ids, size_t n, ts_err *err) TS_MUST_CHECK;
/* Then, with live = the live pack's judgements of the same ids (side 0), stores each
 * shadow's judgements under run (the ingest's full-pass run), in the same transaction. */
ts_status ts_shadow_hosts_store(ts_shadow_hosts *hs, ts_store *s, int64_t run, ts_judged_set *live,
                                ts_err *err) TS_MUST_CHECK;

#endif

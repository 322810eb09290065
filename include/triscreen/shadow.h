/* triscreen/shadow.h — shadow packs (issue 16 item 5, schema 8 tables shadows,
 * shadow_files, shadow_judged). A shadow is a draft pack judged beside the live one on
 * every screening (`triscreen screen` and the service's screen jobs), over a private copy
 * of the database turned back to the moment the screening began (triscreen/rewind.h),
 * and on every record the service ingests, so it sees exactly the live pack's inputs.
 * Per person, the latest live and shadow judgement are kept apart from the live tables;
 * a shadow never raises an alert and never touches a live list. This is the store side
 * (engine/store/shadows.c); judging is triscreen/shadow_judge.h (engine/app/shadow.c). */
#ifndef TRISCREEN_SHADOW_H
#define TRISCREEN_SHADOW_H

#include <stdbool.h>
#include <stdint.h>

#include "triscreen/arena.h"
#include "triscreen/rulefile.h"
#include "triscreen/status.h"
#include "triscreen/store.h"
#include "triscreen/vocab.h"

#define TS_SHADOWS_MAX 8 /* at once: each costs one more judging of every screening */

typedef struct ts_shadow_row {
    const char *name, *hash, *by, *note, *added; /* added: UTC timestamp */
    int64_t added_run; /* the newest run when it was added: it judges the screenings after */
    int64_t judged;    /* persons with a judgement */
    int64_t last_run;  /* the full pass of the newest screening it judged, 0 none */
} ts_shadow_row;

/* The number of shadows stored (0 on a database before schema 8). */
int64_t ts_store_shadow_count(ts_store *s);
/* Stores a shadow (its files, audited "shadow.add" by `by`). TS_STATE when name is taken
 * or TS_SHADOWS_MAX are stored, TS_INVALID for a bad name (1-40 of [A-Za-z0-9_.-]). */
ts_status ts_store_shadow_add(ts_store *s, const char *name, const char *hash,
                              const ts_rule_file *files, size_t n, const char *by, const char *note,
                              ts_err *err) TS_MUST_CHECK;
/* Removes it with its judgements (audited "shadow.remove"); TS_NOTFOUND when none. */
ts_status ts_store_shadow_remove(ts_store *s, const char *name, const char *by,
                                 ts_err *err) TS_MUST_CHECK;
/* Each shadow, by name (strings valid during the call). */
ts_status ts_store_shadows(ts_store *s, ts_status (*fn)(void *ud, const ts_shadow_row *r), void *ud,
                           ts_err *err) TS_MUST_CHECK;
/* Like ts_store_shadows with only name and hash filled (no counting): what the service
 * checks on every ingest. */
ts_status ts_store_shadow_names(ts_store *s, ts_status (*fn)(void *ud, const ts_shadow_row *r),
                                void *ud, ts_err *err) TS_MUST_CHECK;
/* One shadow → *out (strings from arena); TS_NOTFOUND when none. */
ts_status ts_store_shadow_get(ts_store *s, const char *name, ts_arena *arena, ts_shadow_row *out,
                              ts_err *err) TS_MUST_CHECK;
/* Its files in name order (from arena). */
ts_status ts_store_shadow_files(ts_store *s, const char *name, ts_arena *arena,
                                ts_rule_file **files, size_t *n, ts_err *err) TS_MUST_CHECK;
/* A person's latest judgement by a shadow, and the live pack's in the same screening. */
typedef struct ts_shadow_judgement {
    const char *person, *grid;
    ts_colour live_colour, colour;
    int live_score, score;
    const char *live_rules, *rules; /* JSON arrays of {"id"} objects */
    unsigned live_alerts, alerts;   /* bit (1 << ts_feedback) per kind raised */
    int64_t run;                    /* the screening's full pass */
} ts_shadow_judgement;
/* Stores the judgements of screening `run` (its full pass) for shadow name, replacing each
 * person's earlier one, in its own transaction or, when one is open, in that one
 * (j[i].run is ignored). */
ts_status ts_store_shadow_put(ts_store *s, const char *name, int64_t run,
                              const ts_shadow_judgement *j, size_t n, ts_err *err) TS_MUST_CHECK;
/* Calls fn for every person's latest judgement of shadow name, by person id. */
ts_status ts_store_shadow_judged(ts_store *s, const char *name,
                                 ts_status (*fn)(void *ud, const ts_shadow_judgement *j), void *ud,
                                 ts_err *err) TS_MUST_CHECK;

#endif

/* feedback/fb_int.h — internals shared by the feedback files (not API): the context,
 * routing through the grid, timestamps and the alert JSON. Uses store/alerts_store.h
 * for every read and write. */
#ifndef TS_FEEDBACK_FB_INT_H
#define TS_FEEDBACK_FB_INT_H

#include <stdint.h>
#include <time.h>

#include "triscreen/feedback.h"
#include "store/alerts_store.h"

/* (alert, cause) pairs a batch holds at most before writing them: 1,024 causes of
 * TS_LIMIT_ROUTE_NOTE bytes fill TS_LIMIT_ARENA_HELD */
enum { TS__FB_HELD = 1024 };

struct ts_feedback {
    const ts_config *cfg;
    const ts_grid *grid;
    char *rules_version;   /* NULL when none */
    uint64_t raised[4];    /* new alerts written, by ts_feedback kind */
    uint64_t updated[4];   /* triggers that added evidence to an open alert */
    uint64_t known[4];     /* triggers that brought nothing new (all causes known) */
    int64_t run, ingest;   /* the source stored on alerts raised next (0 = none) */
    uint64_t to_desk;      /* escalations that reached the county desk */
    struct timespec pause; /* between two sweep batches: the last batch's time, ≤ 50 ms */
    uint64_t quick_old;    /* problem events too old for a quick alert (quick_max_age_days) */
    ts__alert_db *db;      /* statements of the last store a hook saw */
    /* rows raised since the last flush, kept only when a sink is configured: the cursor
     * and a hash of the dedup key, so a flush after a rollback never appends another
     * writer's row that reused the cursor */
    struct ts__fb_pending {
        int64_t cursor;
        uint64_t key;
    } * pending;
    size_t n_pending, cap_pending;
    int sink_fd; /* -1 until the first flush opens it */
    /* between a pass's TS_ALERT_BATCH_BEGIN and its END: the causes of the batch's new
     * alerts, (alert, cause) pairs written together at the end, or when TS__FB_HELD
     * pairs or held_arena are full (strings in held_arena) */
    bool hold;
    int64_t held_ids[TS__FB_HELD];
    const char *held_causes[TS__FB_HELD];
    size_t n_held;
    ts_arena held_arena;
};

/* Remembers alert id (dedup key dedup) for the sink's next flush (no-op without a sink). */
ts_status ts__fb_pending_push(ts_feedback_ctx *fb, int64_t id, const char *dedup,
                              ts_err *err) TS_MUST_CHECK;

/* Makes fb->db serve s (re-preparing when s is another connection). */
ts_status ts__fb_db(ts_feedback_ctx *fb, ts_store *s, ts_err *err) TS_MUST_CHECK;

/* Routes an alert of `kind` raised in cell `code` whose officer on the hook is at
 * target_level (TS_CELL_GROUP when raised; 0 = the county desk): the officers of every
 * level from the group up to the kind's reach or the target, whichever is higher, and
 * the county desk at 0 — a malloc'd JSON array of officer ids (*route) and a malloc'd
 * note or NULL (*note). */
ts_status ts__fb_route(const ts_grid *g, const char *code, ts_feedback kind, int target_level,
                       char **route, char **note) TS_MUST_CHECK;

/* The clocks of kind (config sla, the method's defaults when the config has none). */
ts_sla ts__fb_sla(const ts_config *cfg, ts_feedback kind);

/* "A-000042", "a-42" or "42" → 42; false for anything else. */
bool ts__fb_parse_id(const char *s, int64_t *out);

/* Unix seconds → "YYYY-MM-DDTHH:MM:SSZ". */
void ts__fb_timestamp(int64_t at, char buf[21]);

/* The alert JSON (DESIGN.md §Alerts) of a row as `reader` may see it (NULL = unscoped;
 * lists/redact.h); malloc'd, NULL when out of memory. */
char *ts__fb_alert_json(const ts__alert_row *r, const ts_grid *g, const ts_reader *reader);

/* 64-bit FNV-1a of a string. */
uint64_t ts__fb_hash(const char *s);

/* "A-000042" for id number 42 (buf of at least 24 bytes). */
void ts__fb_alert_name(int64_t id, char buf[24]);

#endif

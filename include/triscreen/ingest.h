/* triscreen/ingest.h — import of record files into the store: read, validate against
 * the grid, write in batched transactions, report every bad row.
 *
 * Pipeline (triscreen/pipeline.h): a reader thread splits the file into batches, parser
 * threads parse and validate them, and the calling thread writes each batch, in file
 * order, in one transaction (BEGIN IMMEDIATE … COMMIT). A killed import
 * loses at most the batch in flight; re-running converges to the same state because
 * every write is an idempotent upsert. */
#ifndef TRISCREEN_INGEST_H
#define TRISCREEN_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "triscreen/config.h"
#include "triscreen/grid.h"
#include "triscreen/record.h"
#include "triscreen/store.h"

typedef struct ts_import_stats {
    uint64_t rows; /* items read (persons, event rows, relation rows, rejects) */
    uint64_t persons_new, persons_updated, persons_unchanged;
    uint64_t events_new;    /* events stored that were not there before */
    uint64_t relations_new; /* relations stored that were not there before */
    uint64_t rejected;
    uint64_t problem_events; /* new events whose type is a configured problem */
} ts_import_stats;

/* Called on the importing thread after each batch (done/total in bytes). */
typedef void (*ts_import_progress_fn)(void *ud, const char *path, uint64_t done, uint64_t total);
/* Called for each new event whose type is in problem_events, inside the batch's
 * transaction (the feedback layer raises quick alerts from it). */
typedef ts_status (*ts_import_event_fn)(void *ud, ts_store *s, const ts_person *p,
                                        const ts_event *ev, ts_err *err);

/* One rejected row: where it is, the field and reason, and the raw input (raw_len bytes,
 * possibly invalid UTF-8). Borrowed for the call. */
typedef struct ts_import_reject {
    const char *file;
    uint64_t line;
    const char *field; /* "" when the row as a whole is refused */
    const char *reason;
    const char *raw;
    size_t raw_len;
} ts_import_reject;
/* Called on the importing thread for each rejected row, in file order. */
typedef void (*ts_import_reject_fn)(void *ud, const ts_import_reject *r);

typedef struct ts_import_opts {
    ts_import_reject_fn on_reject; /* NULL = count only */
    bool dry_run;                  /* validate and count, then roll everything back */
    ts_import_progress_fn progress;
    ts_import_event_fn on_problem_event;
    void *ud;
} ts_import_opts;

/* Imports one file. Rejected rows go to opts->on_reject (the CLI writes them as
 * {"file","line","field","reason","raw"} lines) and are counted; they never stop the good
 * rows. Returns TS_OK when the file was processed (even with rejects), else the error
 * that stopped it (TS_IO, TS_PARSE for an unusable file, TS_STORE...). stats
 * accumulate across calls. */
ts_status ts_import_file(ts_store *s, const ts_grid *grid, const ts_config *cfg, const char *path,
                         const ts_import_opts *opts, ts_import_stats *stats,
                         ts_err *err) TS_MUST_CHECK;

/* The first attribute of p protected by the config's protected_attributes (the readers
 * already refuse the built-in names), or NULL. */
const char *ts_ingest_protected_attr(const ts_config *cfg, const ts_person *p);
#define TS_INGEST_PROTECTED_REASON                                                                 \
    "protected attribute is not accepted (protected_attributes in the config)"

/* The one validation of a parsed person that import and the service's HTTP ingest share,
 * so that every path refuses the same records with the same field and text. In order:
 * its grid is a known cell ("grid", "unknown grid cell"), a group cell ("grid", "grid
 * cell is not a group ..."), and no attribute is protected ("attrs.<name>" from arena a,
 * TS_INGEST_PROTECTED_REASON). Returns NULL when p passes (then *cell, if cell is not
 * NULL, is its group cell, owned by grid), else the reason (static text) with *field
 * set. Thread-safe for distinct arenas. */
const char *ts_ingest_check_person(const ts_config *cfg, const ts_grid *grid, const ts_person *p,
                                   ts_arena *a, const char **field, const ts_cell **cell);

#endif

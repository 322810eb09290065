/* triscreen/store.h — the one SQLite database: grid, persons (with their events),
 * relations, runs, ledger, lists and their history, reviews, alerts, and the
 * append-only audit log.
 *
 * Invariants: the schema is versioned with PRAGMA user_version and migrated forward on
 * open; WAL, foreign keys on, defensive mode, trusted_schema off, busy_timeout set;
 * writers use BEGIN IMMEDIATE; only prepared statements; a new database file is
 * created with mode 0600. A ts_store is one connection: use it from one thread at a
 * time (open one per thread). */
#ifndef TRISCREEN_STORE_H
#define TRISCREEN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triscreen/arena.h"
#include "triscreen/grid.h"
#include "triscreen/record.h"
#include "triscreen/status.h"

typedef struct ts_store ts_store;

#define TS_STORE_SCHEMA_VERSION 9

typedef enum {
    TS_STORE_READWRITE = 0, /* open or create, migrate */
    TS_STORE_READONLY = 1,  /* must exist and be at the current version */
} ts_store_mode;

/* Opens (creating with mode 0600 when absent and mode is READWRITE) and migrates.
 * TS_STORE on SQLite failure, TS_STATE when the file's schema is newer than this build. */
ts_status ts_store_open(const char *path, ts_store_mode mode, ts_store **out,
                        ts_err *err) TS_MUST_CHECK;
void ts_store_close(ts_store *s);
/* PRAGMA user_version of the open database. */
int ts_store_schema_version(ts_store *s);

/* Transactions: begin is BEGIN IMMEDIATE (waits busy_timeout for other writers). */
ts_status ts_store_begin(ts_store *s, ts_err *err) TS_MUST_CHECK;
ts_status ts_store_commit(ts_store *s, ts_err *err) TS_MUST_CHECK;
void ts_store_rollback(ts_store *s);
/* A savepoint inside the open transaction, and going back to it (what was written since
 * is undone; the transaction stays open). For judging a shadow pack inline: its writes
 * are thrown away. */
ts_status ts_store_savepoint(ts_store *s, ts_err *err) TS_MUST_CHECK;
ts_status ts_store_savepoint_undo(ts_store *s, ts_err *err) TS_MUST_CHECK;
/* Whether a transaction is open on s. */
bool ts_store_in_tx(const ts_store *s);

/* Writes a consistent copy of the whole database to path (created 0600; must not
 * exist). Used by `triscreen diff` to try a rule pack without touching the real lists. */
ts_status ts_store_copy_to(ts_store *s, const char *path, ts_err *err) TS_MUST_CHECK;
/* Removes a database file and its -wal and -shm files (a copy no longer needed). */
void ts_store_remove_files(const char *path);
/* The database path this connection was opened with. */
const char *ts_store_path(const ts_store *s);
/* WAL auto-checkpoint threshold in pages for this connection (0 = off; SQLite's
 * default is 1000). A bulk writer turns it off and lets another connection checkpoint
 * (ts_store_checkpoint) so the copying runs beside the writes, not inside its commits. */
ts_status ts_store_set_autocheckpoint(ts_store *s, int pages, ts_err *err) TS_MUST_CHECK;
/* A passive checkpoint (never waits for readers or writers); when the WAL has grown past
 * 32 MiB, also a restart checkpoint that waits up to 100 ms for the writer, so a log
 * written without pause starts over instead of growing without bound. */
ts_status ts_store_checkpoint(ts_store *s, ts_err *err) TS_MUST_CHECK;
/* The two steps of ts_store_checkpoint for a writer that hands its checkpoints to
 * another connection and can hold itself back: a passive checkpoint, and the restart
 * checkpoint to run while the writer has no transaction open (*done false when it
 * could not finish within 100 ms: a reader on another connection still used the log).
 * The writer (with its auto-checkpoints off) asks for a restart when ts_store_wal_large:
 * its last commit left the WAL past 32 MiB. */
ts_status ts_store_checkpoint_passive(ts_store *s, ts_err *err) TS_MUST_CHECK;
ts_status ts_store_checkpoint_restart(ts_store *s, bool *done, ts_err *err) TS_MUST_CHECK;
bool ts_store_wal_large(const ts_store *s);

/* Replaces the stored grid (cells and officers) with g, in one transaction. */
ts_status ts_store_put_grid(ts_store *s, const ts_grid *g, ts_err *err) TS_MUST_CHECK;

/* ---- persons ------------------------------------------------------------------------ */

typedef enum { TS_UPSERT_NEW = 0, TS_UPSERT_UPDATED, TS_UPSERT_UNCHANGED } ts_upsert;

/* Inserts or updates p (by id); fields are replaced, events merged without duplicates
 * (an event is identified by type, date and note), relations added without duplicates.
 * *new_events (may be NULL) receives the indexes into p->events of the events that were
 * not stored before, allocated from scratch (count in *n_new). Call inside a
 * transaction. */
ts_status ts_store_put_person(ts_store *s, const ts_person *p, ts_arena *scratch, ts_upsert *result,
                              uint32_t **new_events, size_t *n_new, ts_err *err) TS_MUST_CHECK;
/* The part of an upsert that needs no database: the encoded attrs/categories, the
 * canonical event blob of the incoming record and its content digest. Importers make it
 * on their parser threads so the single writer only writes. Lives in `arena`. */
typedef struct ts_person_prep {
    char born[11];
    unsigned char *extra, *events;
    size_t extra_len, events_len, n_events;
    int64_t digest;
    uint32_t *first; /* indexes into p->events of the distinct events, in p's order */
    size_t n_first;
} ts_person_prep;
ts_status ts_store_person_prepare(const ts_person *p, ts_arena *arena,
                                  ts_person_prep *out) TS_MUST_CHECK;
/* ts_store_put_person with a prepared record (NULL = prepare here). A person not stored
 * yet is inserted in one statement with no read. */
ts_status ts_store_put_person_prep(ts_store *s, const ts_person *p, const ts_person_prep *prep,
                                   ts_arena *scratch, ts_upsert *result, uint32_t **new_events,
                                   size_t *n_new, ts_err *err) TS_MUST_CHECK;

/* Who writes, for relations (issue 12 A2): covers(ud, grid) tells whether the writer's
 * scopes include a group cell. NULL writer = unscoped (an import, an all-scopes token). */
typedef struct ts_store_writer {
    bool (*covers)(void *ud, const char *grid);
    void *ud;
} ts_store_writer;
/* ts_store_put_person as writer w: a relation to a person w does not cover (outside its
 * scopes, or not stored yet) is stored pending for that person — it is part of p's
 * record and circle, but not of the other person's (ts_store_get_person leaves it out)
 * until a writer covering that person, or an unscoped one, declares it too. Declaring a
 * relation that is pending for p (w covers p, since it writes p) confirms it.
 * pending (may be NULL) has p->n_relations entries: true for each relation left pending.
 * Call inside a transaction. */
ts_status ts_store_put_person_as(ts_store *s, const ts_person *p, const ts_store_writer *w,
                                 bool *pending, ts_arena *scratch, ts_upsert *result,
                                 uint32_t **new_events, size_t *n_new, ts_err *err) TS_MUST_CHECK;
/* Only the relations of p, as writer w (see ts_store_put_person_as); *changed (may be
 * NULL) = relations inserted or confirmed. */
ts_status ts_store_put_relations_as(ts_store *s, const ts_person *p, const ts_store_writer *w,
                                    bool *pending, size_t *changed, ts_err *err) TS_MUST_CHECK;

/* Who reads (issue 12 A1): the reader's scopes. Readers (dossier, alerts) take a
 * `const ts_reader *`; NULL = unscoped (the county desk: the CLI, an all-scopes token),
 * which sees everything. A scoped reader learns nothing about a person outside its
 * scopes — no id, name, colour, score or cell: such a relative shows as "a relative
 * outside your scope" in evidence and only as a count with the highest colour
 * (TS_REVEAL_COUNT, config service.reveal_outside_circle: count) or not at all
 * (TS_REVEAL_NONE: evidence naming one is withheld). */
typedef enum { TS_REVEAL_COUNT = 0, TS_REVEAL_NONE = 1 } ts_reveal;
typedef struct ts_reader {
    const ts_grid *grid;
    const ts_cell *const *cells; /* the reader's scope cells; a NULL entry = all */
    size_t n_cells;
    ts_reveal reveal;
} ts_reader;
/* True when r may see a person of group cell `grid` (NULL r: always; NULL or unknown
 * grid: only for a reader with an all entry). Thread-safe. */
bool ts_reader_sees(const ts_reader *r, const char *grid);
/* The group cell of a stored person into buf (cap bytes); *found false when absent;
 * TS_LIMIT when the stored code does not fit (never truncated). */
ts_status ts_store_person_grid(ts_store *s, const char *id, char *buf, size_t cap, bool *found,
                               ts_err *err) TS_MUST_CHECK;

/* Relations newly stored (or confirmed) by the last ts_store_put_person on this
 * connection. */
size_t ts_store_last_relations_added(const ts_store *s);
/* Adds one event to an existing person. *inserted false when it was already stored.
 * TS_NOTFOUND when the person is unknown. Call inside a transaction. */
ts_status ts_store_put_event(ts_store *s, const char *person_id, const ts_event *ev,
                             ts_arena *scratch, bool *inserted, ts_err *err) TS_MUST_CHECK;
/* Adds a relation (symmetric; stored once per unordered pair and kind), confirmed: a
 * pending one becomes confirmed. The other person need not exist yet. *inserted false
 * when already stored and confirmed. */
ts_status ts_store_put_relation(ts_store *s, const char *a, const char *b, const char *kind,
                                bool *inserted, ts_err *err) TS_MUST_CHECK;

/* Reads one person (with events and relations) into arena. TS_NOTFOUND when absent. */
ts_status ts_store_get_person(ts_store *s, const char *id, ts_arena *arena, ts_person *out,
                              ts_err *err) TS_MUST_CHECK;

/* Totals for summaries. */
typedef struct ts_store_counts {
    int64_t persons, events, relations, relations_pending, cells;
} ts_store_counts;
ts_status ts_store_counts_get(ts_store *s, ts_store_counts *out, ts_err *err) TS_MUST_CHECK;

/* Persons per town (code order): calls fn for each town with its count. */
ts_status ts_store_persons_by_town(ts_store *s,
                                   void (*fn)(void *ud, const char *town, const char *name,
                                              int64_t n),
                                   void *ud, ts_err *err) TS_MUST_CHECK;

/* ---- audit -------------------------------------------------------------------------- */

/* Appends to the audit log (append-only: the schema refuses updates and deletes). */
ts_status ts_store_audit(ts_store *s, const char *actor, const char *action, const char *target,
                         const char *detail, ts_err *err) TS_MUST_CHECK;
/* Like ts_store_audit, naming the token the action came through (NULL: none, e.g. the CLI). */
ts_status ts_store_audit_tok(ts_store *s, const char *actor, const char *token, const char *action,
                             const char *target, const char *detail, ts_err *err) TS_MUST_CHECK;

/* ---- officer tokens (schema 4) ------------------------------------------------------- */

/* A token bound to an officer. Only the SHA-256 of its secret is stored. */
typedef struct ts_token_row {
    const char *id;      /* "tk-" + 8 hex digits, public (logs and audit name it) */
    const char *officer; /* officer id of the grid */
    const char *sha256;  /* lowercase hex of the secret */
    const char *note, *created, *created_by;
    const char *revoked, *revoked_by; /* NULL while active */
} ts_token_row;

/* Stores a new token for officer (the caller checked that the grid names it): draws a
 * 32-byte secret from the system's random source, returns it as "tso_" + 43 base64url
 * characters in secret (at least 48 bytes) and the token's id in id (at least 16 bytes);
 * only the hash is kept. Audited ("token.add", by). In its own transaction. */
ts_status ts_store_token_add(ts_store *s, const char *officer, const char *by, const char *note,
                             char *secret, size_t secret_cap, char *id, size_t id_cap,
                             ts_err *err) TS_MUST_CHECK;
/* Calls fn for each token in creation order (revoked ones too, unless active_only). */
typedef ts_status (*ts_token_fn)(void *ud, const ts_token_row *t);
ts_status ts_store_token_list(ts_store *s, bool active_only, ts_token_fn fn, void *ud,
                              ts_err *err) TS_MUST_CHECK;
/* A number that grows with every token added or revoked (cheap: tells a cache to
 * re-read the list). */
ts_status ts_store_tokens_mark(ts_store *s, int64_t *out, ts_err *err) TS_MUST_CHECK;
/* Revokes token id: TS_NOTFOUND when unknown, TS_STATE when already revoked. Audited
 * ("token.revoke", by). In its own transaction. */
ts_status ts_store_token_revoke(ts_store *s, const char *id, const char *by,
                                ts_err *err) TS_MUST_CHECK;

/* ---- imports (schema 4) --------------------------------------------------------------- */

/* Records an import of `source` (a file name, "http") with status "running", outside any
 * transaction the caller holds; *id is the ingest id stored on the alerts it raises. */
ts_status ts_store_ingest_begin(ts_store *s, const char *source, int64_t *id,
                                ts_err *err) TS_MUST_CHECK;
/* Sets its status ("done", "failed") and the records accepted. */
ts_status ts_store_ingest_end(ts_store *s, int64_t id, const char *status, int64_t records,
                              ts_err *err) TS_MUST_CHECK;

/* ---- screening runs (engine/passes) ------------------------------------------------- */

typedef struct ts_run_info {
    const char *pass, *scope, *now, *rules_hash, *config_hash;
    /* "live" or "whatif"; NULL: "whatif" when now is after the UTC day the run starts
     * (a run into the future), else "live". The report's trend counts live runs only. */
    const char *kind;
} ts_run_info;

/* Records a new run with status "running" (and its kind, see ts_run_info) in its own
 * transaction. */
ts_status ts_store_run_begin(ts_store *s, const ts_run_info *info, int64_t *run_id,
                             ts_err *err) TS_MUST_CHECK;
/* Sets status ("done", "failed"), counts and the JSON summary of a run. */
ts_status ts_store_run_finish(ts_store *s, int64_t run, const char *status, int64_t persons,
                              int64_t fired, int64_t errors, const char *summary_json,
                              ts_err *err) TS_MUST_CHECK;
/* The next free ledger sequence number of a run (0 for a run without rows). */
ts_status ts_store_ledger_next_seq(ts_store *s, int64_t run, int64_t *out,
                                   ts_err *err) TS_MUST_CHECK;
/* Adds counts to a run that collects many small evaluations (the service's ingest). */
ts_status ts_store_run_add(ts_store *s, int64_t run, int64_t persons, int64_t fired, int64_t errors,
                           ts_err *err) TS_MUST_CHECK;
/* Marks runs still "running" (other than keep) as "interrupted": call while holding the
 * write lock, when no other pass can be running. */
ts_status ts_store_runs_interrupt_stale(ts_store *s, int64_t keep, ts_err *err) TS_MUST_CHECK;

/* An upper bound of the number of persons, in O(log n) (for progress bars). */
ts_status ts_store_person_count_hint(ts_store *s, int64_t *out, ts_err *err) TS_MUST_CHECK;

/* Streams every person in insertion order with the latest suspect mark. */
typedef struct ts_scan ts_scan;
typedef struct ts_scan_row {
    int64_t pk;
    ts_person person;
    int suspect; /* 1, 0, or -1 when never screened */
    /* false: no relation of the person is part of its record (ts_store_get_person would
     * read none), so nothing built from its circle needs a read */
    bool has_relations;
} ts_scan_row;
/* Decides from the cheap columns whether a row is wanted (so others are not decoded). */
typedef bool (*ts_scan_want_fn)(void *ud, const char *id, const char *grid, int suspect);
ts_status ts_store_scan_open(ts_store *s, ts_scan **out, ts_err *err) TS_MUST_CHECK;
/* Next wanted row, decoded into arena; *end true when done. */
ts_status ts_store_scan_next(ts_scan *sc, ts_arena *arena, ts_scan_want_fn want, void *ud,
                             ts_scan_row *row, bool *end, ts_err *err) TS_MUST_CHECK;
void ts_store_scan_close(ts_scan *sc);

/* One list_members row (see triscreen/lists.h for the semantics). Colours are
 * 0 none, 1 blue, 2 yellow, 3 red (ts_colour); dates are days (TS_DATE_NONE = NULL). */
typedef struct ts_list_row {
    const char *person;
    const char *grid; /* the person's group cell (read-only: from persons) */
    int colour, engine_colour, regional_colour;
    int override_colour; /* -1 = no override; 0 = override to "off the lists" */
    int32_t override_until;
    const char *override_by;
    int score, regional_score;
    int32_t since, next_review;
    const char *reasons, *regional_reasons; /* JSON arrays */
} ts_list_row;
/* Loads every list member, ordered by person id, into arena. */
ts_status ts_store_lists_load(ts_store *s, ts_arena *arena, ts_list_row **rows, size_t *n,
                              ts_err *err) TS_MUST_CHECK;
/* Calls fn with every list member's colour (ts_colour, 0 = held off by an override) and
 * group cell ("" when the person is gone), in no order, holding nothing. */
typedef void (*ts_list_colour_fn)(void *ud, int colour, const char *grid);
ts_status ts_store_lists_colours(ts_store *s, ts_list_colour_fn fn, void *ud,
                                 ts_err *err) TS_MUST_CHECK;

/* One list member by person id; *found false when not listed. */
ts_status ts_store_list_get(ts_store *s, const char *person, ts_arena *arena, ts_list_row *row,
                            bool *found, ts_err *err) TS_MUST_CHECK;
/* Latest suspect mark of a person: 1, 0, or -1 when never screened. */
ts_status ts_store_get_mark(ts_store *s, const char *person, int *suspect,
                            ts_err *err) TS_MUST_CHECK;

/* Pass writes (call inside the pass's transaction). */
/* seq orders the run's rows (the writer's sequence); (run, seq) is unique. */
typedef struct ts_ledger_put {
    int64_t run, seq;
    const char *person, *grid, *gaps_json, *rules_json;
    bool suspect;
} ts_ledger_put;
ts_status ts_store_put_ledger(ts_store *s, const ts_ledger_put *row, ts_err *err) TS_MUST_CHECK;
/* rows[0..n) as n ts_store_put_ledger, in order, in a few statements. */
ts_status ts_store_put_ledgers(ts_store *s, const ts_ledger_put *rows, size_t n,
                               ts_err *err) TS_MUST_CHECK;
ts_status ts_store_put_mark(ts_store *s, const char *person, bool suspect, int64_t run,
                            ts_err *err) TS_MUST_CHECK;
ts_status ts_store_put_rule_error(ts_store *s, int64_t run, const char *person, const char *rule,
                                  const char *code, const char *where, const char *msg,
                                  ts_err *err) TS_MUST_CHECK;
/* Upserts row (run = the run touching it); a row with colour 0 and no override is
 * deleted instead. */
ts_status ts_store_put_list(ts_store *s, const ts_list_row *row, int64_t run,
                            ts_err *err) TS_MUST_CHECK;
/* The history a rewind reads for a batch of writes, ahead of them: what ts_store_put_list
 * (ts_store_put_mark) would keep first for each of the rows (persons) [0..n) about to be
 * written — the row it is about to replace — in one statement per 16 persons instead of
 * one each. The next put of each of these persons, in this order, keeps nothing more;
 * any other write keeps its own. Persons distinct, at most 256 rows a call; call right
 * before the writes, in their transaction. */
ts_status ts_store_keep_lists(ts_store *s, const ts_list_row *const *rows, size_t n,
                              ts_err *err) TS_MUST_CHECK;
ts_status ts_store_keep_marks(ts_store *s, const char *const *persons, size_t n,
                              ts_err *err) TS_MUST_CHECK;
/* Appends a transition; run 0 = a human action; colours ts_colour, 0 = off the lists. */
typedef struct ts_transition_put {
    const char *person;
    int64_t run;
    int from, to, score;
    const char *reasons_json, *at, *actor;
} ts_transition_put;
ts_status ts_store_put_transition(ts_store *s, const ts_transition_put *row,
                                  ts_err *err) TS_MUST_CHECK;
/* rows[0..n) as n ts_store_put_transition, in order (so with the same ids), in a few
 * statements. */
ts_status ts_store_put_transitions(ts_store *s, const ts_transition_put *rows, size_t n,
                                   ts_err *err) TS_MUST_CHECK;

#endif

/* ingest/import.c — import of a record file: batches on the ordered pipeline (reader
 * thread → parser threads → in-order writer) and the checkpointer beside the writer.
 * Uses base (pipeline), record (readers), grid and config (validation), store. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/ingest.h"
#include "triscreen/pipeline.h"
#include "base/limits.h"
#include "base/text.h"

/* Three stages on the ordered pipeline (base/pipeline.c): its reader thread splits the
 * file into batches of raw rows (JSONL lines are only split, not parsed), PARSERS worker
 * threads parse and validate whole batches in parallel, and the calling thread writes
 * the batches strictly in file order, one transaction each. */
#define PARSERS 2
#define RING (2 * PARSERS + 2)
/* A batch stops taking rows once its raw rows use BATCH_SOFT_BYTES of the arena. The
 * parsed form of a row (strings copied, event and relation arrays, the store's encoded
 * blobs) takes at most PARSED_FACTOR times the row's raw bytes plus PER_ROW_BYTES, so the
 * arena's cap covers a full batch of rows of any size up to TS_LIMIT_LINE. The arena
 * reserves chunks only as they are used: the cap is a bound, not an allocation. */
#define BATCH_SOFT_BYTES ((size_t)8 << 20)
#define PARSED_FACTOR 12u
#define PER_ROW_BYTES ((size_t)4096)
#define BATCH_ARENA_CAP                                                                            \
    ((1 + PARSED_FACTOR) * (BATCH_SOFT_BYTES + (size_t)TS_LIMIT_LINE) +                            \
     (size_t)TS_LIMIT_IMPORT_BATCH * PER_ROW_BYTES)

typedef struct batch {
    ts_arena arena;
    ts_item *items;
    ts_person_prep *preps; /* per item: the upsert work done by the parser thread */
    size_t n, cap;
    uint64_t done, total; /* reader progress in bytes after this batch */
} batch;

typedef struct import_run {
    const char *path;
    const ts_grid *grid;
    const ts_config *cfg;
    const ts_import_opts *o;
    ts_store *s;
    ts_import_stats *stats;
    ts_reader *reader;
    /* reader thread only: the input is over; a reader error held back until the rows
     * read before it are delivered */
    bool read_end;
    ts_status read_rc;
    ts_err read_err;
    /* the checkpointer */
    ts_store *ckpt; /* its connection (NULL: the writer checkpoints) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t commits; /* batches committed (under mu) */
    bool stop;        /* under mu */
    /* the WAL restart (under mu): asked by the writer, which waits between two
     * transactions until the checkpointer has done it (or is gone) */
    bool want_restart, ckpt_gone;
    uint64_t restart_skip, restart_wait; /* after a restart that could not finish */
    batch ring[RING];
} import_run;

static ts_status batch_init(batch *b)
{
    memset(b, 0, sizeof *b);
    b->cap = TS_LIMIT_IMPORT_BATCH;
    b->items = calloc(b->cap, sizeof *b->items);
    b->preps = calloc(b->cap, sizeof *b->preps);
    if (!b->items || !b->preps) {
        free(b->items);
        free(b->preps);
        b->items = NULL;
        b->preps = NULL;
        return TS_NOMEM;
    }
    /* a batch closes early once its raw rows use BATCH_SOFT_BYTES; the cap leaves room
     * for one more maximal row and for the parsed form of every row (see the top) */
    ts_arena_init(&b->arena, BATCH_ARENA_CAP);
    return TS_OK;
}

static void batch_release(batch *b)
{
    ts_arena_release(&b->arena);
    free(b->items);
    free(b->preps);
}

/* Turns a person that fails the shared validation (ts_ingest_check_person) into a
 * reject. */
static void check_person(const import_run *ir, ts_arena *a, ts_item *it)
{
    if (it->kind != TS_ITEM_PERSON)
        return;
    const char *field = NULL;
    const char *reason = ts_ingest_check_person(ir->cfg, ir->grid, &it->person, a, &field, NULL);
    if (!reason)
        return;
    it->kind = TS_ITEM_REJECT;
    it->field = field;
    it->reason = reason;
}

/* Pipeline reader: the next batch of raw rows. */
static ts_status import_read(void *ud, void *item, bool *end, ts_err *err)
{
    import_run *ir = ud;
    batch *b = item;
    if (ir->read_end) {
        *end = true;
        if (ir->read_rc != TS_OK && err)
            *err = ir->read_err;
        return ir->read_rc;
    }
    ts_arena_reset(&b->arena);
    b->n = 0;
    ts_status rc = TS_OK;
    while (b->n < b->cap && b->arena.used < BATCH_SOFT_BYTES) {
        ts_item *it = &b->items[b->n];
        rc = ts_reader_next(ir->reader, &b->arena, it, &ir->read_err);
        if (rc != TS_OK || it->kind == TS_ITEM_END) {
            ir->read_end = true;
            ir->read_rc = rc;
            break;
        }
        b->n++;
    }
    ts_reader_progress(ir->reader, &b->done, &b->total);
    if (b->n == 0)
        return import_read(ud, item, end, err); /* nothing before the end or the error */
    return TS_OK;
}

static ts_status parser_init(void *ud, size_t index, void **state, ts_err *err)
{
    import_run *ir = ud;
    (void)index;
    ts_record_parser *parser = NULL;
    if (ts_record_parser_new(&parser) != TS_OK)
        return ts_err_set(err, TS_NOMEM, ir->path, "cannot create a JSON parser");
    *state = parser;
    return TS_OK;
}

static void parser_fini(void *ud, void *state)
{
    (void)ud;
    ts_record_parser_free(state);
}

/* Pipeline worker: parses and validates a batch and prepares its upserts. */
static ts_status import_parse(void *ud, void *state, void *item, ts_err *err)
{
    import_run *ir = ud;
    batch *b = item;
    ts_status rc = TS_OK;
    for (size_t i = 0; rc == TS_OK && i < b->n; i++) {
        ts_item *it = &b->items[i];
        rc = ts_record_parse_item(state, &b->arena, it, err);
        if (rc != TS_OK)
            break;
        check_person(ir, &b->arena, it);
        if (it->kind != TS_ITEM_PERSON)
            continue;
        ts_status prc = ts_store_person_prepare(&it->person, &b->arena, &b->preps[i]);
        if (prc == TS_NOMEM) {
            rc = ts_err_set(err, TS_NOMEM, ir->path, "batch arena exhausted");
        } else if (prc != TS_OK) {
            /* the readers enforce every cap the store's encoding has; should a record
             * still not encode, it is that record's reject, not the file's failure */
            it->kind = TS_ITEM_REJECT;
            it->field = "attrs";
            it->reason = "the record's categories and attributes are too large to store";
        }
    }
    return rc;
}

/* Copies the WAL back into the database beside the writer: woken after each commit,
 * it runs a passive checkpoint on its own connection. A passive checkpoint never
 * catches up with a writer that commits without pause, and SQLite starts the log over
 * only once all of it is copied, so once a commit leaves the WAL past 32 MiB the writer
 * waits, between two transactions, for the checkpointer to restart the log (copying
 * what is left, a fraction of what the passive steps copied). Measured on the
 * developers' 1M file (ts-gen, 531k relations): without it the WAL grew to 825 MB and
 * every page look-up searched a wal-index of 100k frames (181-196k records/s); with it
 * the WAL stays within 32 MiB and a batch (231-236k records/s). */
static void *checkpointer_main(void *arg)
{
    import_run *ir = arg;
    uint64_t seen = 0;
    ts_status rc = TS_OK;
    for (;;) {
        pthread_mutex_lock(&ir->mu);
        while (ir->commits == seen && !ir->want_restart && !ir->stop)
            pthread_cond_wait(&ir->cv, &ir->mu);
        bool stop = ir->stop, restart = ir->want_restart;
        seen = ir->commits;
        pthread_mutex_unlock(&ir->mu);
        if (stop)
            break;
        ts_err err;
        bool done = false;
        rc = restart ? ts_store_checkpoint_restart(ir->ckpt, &done, &err)
                     : ts_store_checkpoint_passive(ir->ckpt, &err);
        if (restart) {
            pthread_mutex_lock(&ir->mu);
            ir->want_restart = false;
            /* a reader elsewhere holds the log: ask again only after twice as many commits
             * as last time, so a long read costs the import a wait now and then, not one a
             * batch */
            ir->restart_skip = done ? 0 : ir->restart_skip ? 2 * ir->restart_skip : 8;
            ir->restart_wait = ir->restart_skip;
            pthread_cond_broadcast(&ir->cv);
            pthread_mutex_unlock(&ir->mu);
        }
        if (rc != TS_OK)
            break; /* the writer's final checkpoint still runs */
    }
    pthread_mutex_lock(&ir->mu);
    ir->ckpt_gone = true; /* a writer never waits for it again */
    ir->want_restart = false;
    pthread_cond_broadcast(&ir->cv);
    pthread_mutex_unlock(&ir->mu);
    return NULL;
}

static void reject(const ts_import_opts *o, const char *path, const ts_item *it, const char *field,
                   const char *reason, ts_import_stats *st)
{
    if (o->on_reject) {
        ts_import_reject r = {.file = path,
                              .line = it->line,
                              .field = field ? field : "",
                              .reason = reason ? reason : "",
                              .raw = it->raw ? it->raw : "",
                              .raw_len = it->raw ? it->raw_len : 0};
        o->on_reject(o->ud, &r);
    }
    st->rejected++;
}

static ts_status write_batch(ts_store *s, const ts_config *cfg, const char *path, batch *b,
                             const ts_import_opts *o, ts_import_stats *st, ts_err *err)
{
    ts_status rc = TS_OK;
    ts_arena scratch;
    ts_arena_init(&scratch, TS_LIMIT_ARENA_SCRATCH);
    for (size_t i = 0; i < b->n; i++) {
        ts_item *it = &b->items[i];
        st->rows++;
        ts_arena_reset(&scratch);
        switch (it->kind) {
        case TS_ITEM_REJECT:
            reject(o, path, it, it->field, it->reason, st);
            break;
        case TS_ITEM_PERSON: {
            ts_upsert res;
            uint32_t *fresh = NULL;
            size_t n_fresh = 0;
            rc = ts_store_put_person_prep(s, &it->person, &b->preps[i], &scratch, &res, &fresh,
                                          &n_fresh, err);
            if (rc != TS_OK)
                goto done;
            st->persons_new += res == TS_UPSERT_NEW;
            st->persons_updated += res == TS_UPSERT_UPDATED;
            st->persons_unchanged += res == TS_UPSERT_UNCHANGED;
            st->events_new += n_fresh;
            st->relations_new += ts_store_last_relations_added(s);
            for (size_t k = 0; k < n_fresh; k++) {
                const ts_event *ev = &it->person.events[fresh[k]];
                if (!ts_config_is_problem_event(cfg, ev->type))
                    continue;
                st->problem_events++;
                if (o->on_problem_event &&
                    (rc = o->on_problem_event(o->ud, s, &it->person, ev, err)) != TS_OK)
                    goto done;
            }
            break;
        }
        case TS_ITEM_EVENT: {
            bool inserted = false;
            ts_err e2;
            ts_err_clear(&e2);
            rc = ts_store_put_event(s, it->person_id, &it->event, &scratch, &inserted, &e2);
            if (rc == TS_NOTFOUND) {
                reject(o, path, it, "person_id", e2.msg, st);
                rc = TS_OK;
                break;
            }
            if (rc != TS_OK) {
                *err = e2;
                goto done;
            }
            st->events_new += inserted;
            if (inserted && ts_config_is_problem_event(cfg, it->event.type)) {
                st->problem_events++;
                if (o->on_problem_event) {
                    ts_person p;
                    rc = ts_store_get_person(s, it->person_id, &scratch, &p, err);
                    if (rc == TS_OK)
                        rc = o->on_problem_event(o->ud, s, &p, &it->event, err);
                    if (rc != TS_OK)
                        goto done;
                }
            }
            break;
        }
        case TS_ITEM_RELATION: {
            bool inserted = false;
            if (strcmp(it->person_id, it->relation.other) == 0) {
                reject(o, path, it, "other_id", "a person cannot be related to themself", st);
                break;
            }
            rc = ts_store_put_relation(s, it->person_id, it->relation.other, it->relation.kind,
                                       &inserted, err);
            if (rc != TS_OK)
                goto done;
            st->relations_new += inserted;
            break;
        }
        case TS_ITEM_RAW: /* parsed by the parser stage; never reaches the writer */
        case TS_ITEM_END:
            break;
        }
    }
done:
    ts_arena_release(&scratch);
    return rc;
}

static ts_status write_batch(ts_store *s, const ts_config *cfg, const char *path, batch *b,
                             const ts_import_opts *o, ts_import_stats *st, ts_err *err);

/* Pipeline writer: one batch in one transaction (dry run: inside the run's one). */
static ts_status import_write(void *ud, void *item, ts_err *err)
{
    import_run *ir = ud;
    batch *b = item;
    const ts_import_opts *o = ir->o;
    ts_status rc = TS_OK;
    if (!o->dry_run)
        rc = ts_store_begin(ir->s, err);
    if (rc == TS_OK)
        rc = write_batch(ir->s, ir->cfg, ir->path, b, o, ir->stats, err);
    if (!o->dry_run) {
        if (rc == TS_OK)
            rc = ts_store_commit(ir->s, err);
        else
            ts_store_rollback(ir->s);
    }
    if (o->progress)
        o->progress(o->ud, ir->path, b->done, b->total);
    pthread_mutex_lock(&ir->mu);
    ir->commits++;
    if (ir->restart_wait)
        ir->restart_wait--;
    else if (ir->ckpt && !ir->ckpt_gone && ts_store_wal_large(ir->s)) {
        /* no transaction open: the checkpointer restarts the log meanwhile */
        ir->want_restart = true;
        pthread_cond_broadcast(&ir->cv);
        while (ir->want_restart && !ir->ckpt_gone)
            pthread_cond_wait(&ir->cv, &ir->mu);
    }
    pthread_cond_broadcast(&ir->cv);
    pthread_mutex_unlock(&ir->mu);
    return rc;
}

/* Starts the checkpointer unless this is a dry run (best effort: without it the writer's
 * connection checkpoints on its own). */
static bool checkpointer_start(import_run *ir, pthread_t *t)
{
    ts_store *s = ir->s;
    if (ir->o->dry_run ||
        ts_store_open(ts_store_path(s), TS_STORE_READWRITE, &ir->ckpt, NULL) != TS_OK ||
        ts_store_set_autocheckpoint(s, 0, NULL) != TS_OK)
        return false;
    if (pthread_create(t, NULL, checkpointer_main, ir) == 0)
        return true;
    ir->ckpt_gone = true;
    ts_err e2;
    if (ts_store_set_autocheckpoint(s, 1000, &e2) != TS_OK) {
        /* unreachable: setting the threshold cannot fail */
    }
    return false;
}

static void checkpointer_stop(import_run *ir, pthread_t t)
{
    pthread_mutex_lock(&ir->mu);
    ir->stop = true;
    pthread_cond_broadcast(&ir->cv);
    pthread_mutex_unlock(&ir->mu);
    pthread_join(t, NULL);
    ts_err e2;
    if (ts_store_set_autocheckpoint(ir->s, 1000, &e2) != TS_OK ||
        ts_store_checkpoint(ir->s, &e2) != TS_OK) {
        /* the WAL is checkpointed by the next writer at the latest */
    }
}

ts_status ts_import_file(ts_store *s, const ts_grid *grid, const ts_config *cfg, const char *path,
                         const ts_import_opts *opts, ts_import_stats *stats, ts_err *err)
{
    ts_import_opts none = {0};
    import_run ir = {.path = path, .grid = grid, .cfg = cfg, .s = s, .stats = stats};
    ir.o = opts ? opts : &none;
    ts_status rc = ts_reader_open(path, TS_FORMAT_AUTO, &ir.reader, err);
    if (rc != TS_OK)
        return rc;
    ts_reader_defer(ir.reader, true);
    pthread_mutex_init(&ir.mu, NULL);
    pthread_cond_init(&ir.cv, NULL);
    void *slots[RING];
    size_t n_init = 0;
    for (; n_init < RING; n_init++) {
        slots[n_init] = &ir.ring[n_init];
        if (batch_init(&ir.ring[n_init]) != TS_OK) {
            batch_release(&ir.ring[n_init]);
            rc = ts_err_set(err, TS_NOMEM, path, NULL);
            goto done;
        }
    }
    pthread_t ckpt_thread;
    bool ckpt_started = checkpointer_start(&ir, &ckpt_thread);
    bool in_tx = false;
    if (ir.o->dry_run) {
        rc = ts_store_begin(s, err);
        in_tx = rc == TS_OK;
    }
    ts_pipeline_ops ops = {.ud = &ir,
                           .n_workers = PARSERS,
                           .slots = slots,
                           .capacity = RING,
                           .read = import_read,
                           .work = import_parse,
                           .write = import_write,
                           .worker_init = parser_init,
                           .worker_fini = parser_fini};
    if (rc == TS_OK)
        rc = ts_pipeline_run(&ops, err);
    if (in_tx)
        ts_store_rollback(s);
    if (ckpt_started)
        checkpointer_stop(&ir, ckpt_thread);
    ts_store_close(ir.ckpt);
done:
    for (size_t i = 0; i < n_init; i++)
        batch_release(&ir.ring[i]);
    pthread_cond_destroy(&ir.cv);
    pthread_mutex_destroy(&ir.mu);
    ts_reader_close(ir.reader);
    return rc;
}

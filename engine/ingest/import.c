/* ingest/import.c — the two-thread import pipeline (reader thread → batches → writer).
 * Uses record (readers), grid (cell validation), store (upserts) and config. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/ingest.h"
#include "base/limits.h"
#include "base/text.h"

/* Three stages: one reader thread splits the file into batches of raw rows (JSONL
 * lines are only split, not parsed), PARSERS threads parse and validate whole batches
 * in parallel, and the calling thread writes the batches strictly in file order. */
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

typedef enum { SLOT_FREE = 0, SLOT_READ, SLOT_PARSING, SLOT_PARSED } slot_state;

typedef struct batch {
    ts_arena arena;
    ts_item *items;
    ts_person_prep *preps; /* per item: the upsert work done by the parser thread */
    size_t n, cap;
    uint64_t seq;
    slot_state state;
    uint64_t done, total; /* reader progress in bytes after this batch */
    ts_status rc;
    ts_err err;
} batch;

typedef struct pipeline {
    const char *path;
    ts_store *ckpt;   /* the checkpointing connection (NULL: the writer checkpoints) */
    uint64_t commits; /* batches committed, for the checkpointer */
    const ts_grid *grid;
    const ts_config *cfg;
    ts_reader *reader;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch ring[RING];
    uint64_t produced;
    bool eof, stop;
    ts_status read_rc;
    ts_err read_err;
} pipeline;

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

/* Turns a person whose grid is not a group cell into a reject. */
static void check_grid(const ts_grid *grid, ts_item *it)
{
    if (it->kind != TS_ITEM_PERSON)
        return;
    const ts_cell *c = ts_grid_find(grid, it->person.grid);
    const char *reason = NULL;
    if (!c)
        reason = "unknown grid cell";
    else if (c->level != TS_CELL_GROUP)
        reason = "grid cell is not a group (a person belongs to a group cell)";
    if (!reason)
        return;
    it->kind = TS_ITEM_REJECT;
    it->field = "grid";
    it->reason = reason;
}

const char *ts_ingest_protected_attr(const ts_config *cfg, const ts_person *p)
{
    if (!cfg || cfg->n_protected_attributes == 0)
        return NULL;
    for (size_t i = 0; i < p->n_attrs; i++) {
        const char *name = p->attrs[i].name;
        if (ts_attr_name_protected(cfg, name, strlen(name)))
            return name;
    }
    return NULL;
}

/* Turns a person with an attribute protected by the config's protected_attributes
 * into a reject. */
static void check_protected(const ts_config *cfg, ts_arena *a, ts_item *it)
{
    if (it->kind != TS_ITEM_PERSON)
        return;
    const char *name = ts_ingest_protected_attr(cfg, &it->person);
    if (!name)
        return;
    const char *field = ts_arena_printf(a, "attrs.%s", name);
    it->kind = TS_ITEM_REJECT;
    it->field = field ? field : "attrs";
    it->reason = TS_INGEST_PROTECTED_REASON;
}

static void *reader_main(void *arg)
{
    pipeline *pl = arg;
    ts_status rc = TS_OK;
    for (bool eof = false; !eof;) {
        pthread_mutex_lock(&pl->mu);
        batch *b = &pl->ring[pl->produced % RING];
        while (b->state != SLOT_FREE && !pl->stop)
            pthread_cond_wait(&pl->cv, &pl->mu);
        bool stop = pl->stop;
        pthread_mutex_unlock(&pl->mu);
        if (stop)
            break;

        ts_arena_reset(&b->arena);
        b->n = 0;
        b->rc = TS_OK;
        while (b->n < b->cap && b->arena.used < BATCH_SOFT_BYTES) {
            ts_item *it = &b->items[b->n];
            rc = ts_reader_next(pl->reader, &b->arena, it, &pl->read_err);
            if (rc != TS_OK)
                break;
            if (it->kind == TS_ITEM_END) {
                eof = true;
                break;
            }
            b->n++;
        }
        ts_reader_progress(pl->reader, &b->done, &b->total);
        if (rc != TS_OK)
            eof = true;

        pthread_mutex_lock(&pl->mu);
        b->seq = pl->produced++;
        b->state = SLOT_READ;
        pthread_cond_broadcast(&pl->cv);
        pthread_mutex_unlock(&pl->mu);
    }
    pthread_mutex_lock(&pl->mu);
    pl->read_rc = rc;
    pl->eof = true;
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

/* Copies the WAL back into the database beside the writer: woken after each commit,
 * it runs a passive checkpoint on its own connection. */
static void *checkpointer_main(void *arg)
{
    pipeline *pl = arg;
    uint64_t seen = 0;
    for (;;) {
        pthread_mutex_lock(&pl->mu);
        while (pl->commits == seen && !pl->stop)
            pthread_cond_wait(&pl->cv, &pl->mu);
        bool stop = pl->stop;
        seen = pl->commits;
        pthread_mutex_unlock(&pl->mu);
        if (stop)
            return NULL;
        ts_err err;
        if (ts_store_checkpoint(pl->ckpt, &err) != TS_OK)
            return NULL; /* the writer's final checkpoint still runs */
    }
}

static void *parser_main(void *arg)
{
    pipeline *pl = arg;
    ts_record_parser *parser = NULL;
    ts_status init_rc = ts_record_parser_new(&parser);
    for (;;) {
        pthread_mutex_lock(&pl->mu);
        batch *b = NULL;
        for (;;) {
            for (size_t i = 0; i < RING && !b; i++)
                if (pl->ring[i].state == SLOT_READ)
                    b = &pl->ring[i];
            if (b || pl->stop || pl->eof)
                break;
            pthread_cond_wait(&pl->cv, &pl->mu);
        }
        if (!b) {
            pthread_mutex_unlock(&pl->mu);
            break;
        }
        b->state = SLOT_PARSING;
        pthread_mutex_unlock(&pl->mu);

        ts_status rc = init_rc;
        for (size_t i = 0; rc == TS_OK && i < b->n; i++) {
            rc = ts_record_parse_item(parser, &b->arena, &b->items[i], &b->err);
            if (rc == TS_OK) {
                check_grid(pl->grid, &b->items[i]);
                check_protected(pl->cfg, &b->arena, &b->items[i]);
            }
            if (rc != TS_OK || b->items[i].kind != TS_ITEM_PERSON)
                continue;
            ts_status prc = ts_store_person_prepare(&b->items[i].person, &b->arena, &b->preps[i]);
            if (prc == TS_NOMEM) {
                rc = ts_err_set(&b->err, TS_NOMEM, pl->path, "batch arena exhausted");
            } else if (prc != TS_OK) {
                /* the readers enforce every cap the store's encoding has; should a record
                 * still not encode, it is that record's reject, not the file's failure */
                ts_item *it = &b->items[i];
                it->kind = TS_ITEM_REJECT;
                it->field = "attrs";
                it->reason = "the record's categories and attributes are too large to store";
            }
        }
        if (init_rc != TS_OK)
            ts_err_set(&b->err, TS_NOMEM, pl->path, "cannot create a JSON parser");

        pthread_mutex_lock(&pl->mu);
        b->rc = rc;
        b->state = SLOT_PARSED;
        pthread_cond_broadcast(&pl->cv);
        pthread_mutex_unlock(&pl->mu);
    }
    ts_record_parser_free(parser);
    return NULL;
}

void ts_import_write_reject(FILE *f, const char *file, uint64_t line, const char *field,
                            const char *reason, const char *raw, size_t raw_len)
{
    if (!f)
        return;
    /* hand-rolled on purpose: the raw row may be invalid UTF-8, which must be kept
     * visible (as U+FFFD) rather than make the whole line unwritable */
    static const char hex[] = "0123456789abcdef";
    const char *parts[3] = {file, field ? field : "", reason ? reason : ""};
    const char *keys[3] = {"file", "field", "reason"};
    fputc('{', f);
    for (int k = 0; k < 3; k++) {
        fprintf(f, "\"%s\":\"", keys[k]);
        for (const unsigned char *p = (const unsigned char *)parts[k]; *p; p++) {
            if (*p == '"' || *p == '\\')
                fprintf(f, "\\%c", *p);
            else if (*p < 0x20)
                fprintf(f, "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
            else
                fputc(*p, f);
        }
        fputs("\",", f);
        if (k == 0)
            fprintf(f, "\"line\":%llu,", (unsigned long long)line);
    }
    fputs("\"raw\":\"", f);
    size_t i = 0;
    while (i < raw_len) {
        unsigned char c = (unsigned char)raw[i];
        if (c < 0x80) {
            if (c == '"' || c == '\\')
                fprintf(f, "\\%c", c);
            else if (c == '\n')
                fputs("\\n", f);
            else if (c == '\r')
                fputs("\\r", f);
            else if (c == '\t')
                fputs("\\t", f);
            else if (c < 0x20 || c == 0x7f)
                fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
            else
                fputc(c, f);
            i++;
            continue;
        }
        size_t n = (c >= 0xF0) ? 4 : (c >= 0xE0) ? 3 : (c >= 0xC0) ? 2 : 1;
        if (n > 1 && i + n <= raw_len && ts_utf8_valid(raw + i, n, NULL)) {
            fwrite(raw + i, 1, n, f);
            i += n;
        } else {
            fputs("\\ufffd", f);
            i++;
        }
    }
    fputs("\"}\n", f);
}

static void reject(const ts_import_opts *o, const char *path, const ts_item *it, const char *field,
                   const char *reason, ts_import_stats *st)
{
    ts_import_write_reject(o->rejects, path, it->line, field, reason, it->raw ? it->raw : "",
                           it->raw ? it->raw_len : 0);
    st->rejected++;
}

static ts_status write_batch(ts_store *s, const ts_config *cfg, const char *path, batch *b,
                             const ts_import_opts *o, ts_import_stats *st, ts_err *err)
{
    ts_status rc = TS_OK;
    ts_arena scratch;
    ts_arena_init(&scratch, (size_t)256 << 20);
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

ts_status ts_import_file(ts_store *s, const ts_grid *grid, const ts_config *cfg, const char *path,
                         const ts_import_opts *opts, ts_import_stats *stats, ts_err *err)
{
    ts_import_opts none = {0};
    const ts_import_opts *o = opts ? opts : &none;
    pipeline pl = {.path = path, .grid = grid, .cfg = cfg};
    ts_status rc = ts_reader_open(path, TS_FORMAT_AUTO, &pl.reader, err);
    if (rc != TS_OK)
        return rc;
    ts_reader_defer(pl.reader, true);
    pthread_mutex_init(&pl.mu, NULL);
    pthread_cond_init(&pl.cv, NULL);
    size_t n_init = 0;
    for (; n_init < RING; n_init++) {
        if (batch_init(&pl.ring[n_init]) != TS_OK) {
            rc = ts_err_set(err, TS_NOMEM, path, NULL);
            goto free_batches;
        }
    }
    pthread_t reader, parsers[PARSERS];
    size_t n_parsers = 0;
    bool reader_started = pthread_create(&reader, NULL, reader_main, &pl) == 0;
    if (!reader_started)
        rc = ts_err_set(err, TS_NOMEM, path, "cannot start the reader thread");
    for (; rc == TS_OK && n_parsers < PARSERS; n_parsers++)
        if (pthread_create(&parsers[n_parsers], NULL, parser_main, &pl) != 0)
            break;
    if (rc == TS_OK && n_parsers == 0)
        rc = ts_err_set(err, TS_NOMEM, path, "cannot start a parser thread");

    pthread_t ckpt_thread;
    bool ckpt_started = false;
    if (rc == TS_OK && !o->dry_run &&
        ts_store_open(ts_store_path(s), TS_STORE_READWRITE, &pl.ckpt, NULL) == TS_OK &&
        ts_store_set_autocheckpoint(s, 0, NULL) == TS_OK) {
        ckpt_started = pthread_create(&ckpt_thread, NULL, checkpointer_main, &pl) == 0;
        if (!ckpt_started) {
            ts_err e2;
            if (ts_store_set_autocheckpoint(s, 1000, &e2) != TS_OK) {
                /* unreachable: setting the threshold cannot fail */
            }
        }
    }
    bool in_tx = false;
    if (rc == TS_OK && o->dry_run) {
        rc = ts_store_begin(s, err);
        in_tx = rc == TS_OK;
    }
    for (uint64_t next = 0; rc == TS_OK; next++) {
        pthread_mutex_lock(&pl.mu);
        batch *b = &pl.ring[next % RING];
        while (!(b->state == SLOT_PARSED && b->seq == next) && !(pl.eof && next == pl.produced))
            pthread_cond_wait(&pl.cv, &pl.mu);
        bool finished = !(b->state == SLOT_PARSED && b->seq == next);
        pthread_mutex_unlock(&pl.mu);
        if (finished)
            break;
        if (b->rc != TS_OK) {
            rc = b->rc;
            if (err)
                *err = b->err;
            break;
        }
        if (!o->dry_run)
            rc = ts_store_begin(s, err);
        if (rc == TS_OK)
            rc = write_batch(s, cfg, path, b, o, stats, err);
        if (!o->dry_run) {
            if (rc == TS_OK)
                rc = ts_store_commit(s, err);
            else
                ts_store_rollback(s);
        }
        if (o->rejects)
            fflush(o->rejects);
        if (o->progress)
            o->progress(o->ud, path, b->done, b->total);

        pthread_mutex_lock(&pl.mu);
        b->state = SLOT_FREE;
        pl.commits++;
        pthread_cond_broadcast(&pl.cv);
        pthread_mutex_unlock(&pl.mu);
    }
    if (in_tx)
        ts_store_rollback(s);

    pthread_mutex_lock(&pl.mu);
    pl.stop = true;
    pthread_cond_broadcast(&pl.cv);
    pthread_mutex_unlock(&pl.mu);
    if (reader_started)
        pthread_join(reader, NULL);
    pthread_mutex_lock(&pl.mu);
    pl.eof = true; /* parsers waiting for work may leave now */
    pthread_cond_broadcast(&pl.cv);
    pthread_mutex_unlock(&pl.mu);
    for (size_t i = 0; i < n_parsers; i++)
        pthread_join(parsers[i], NULL);
    if (ckpt_started) {
        pthread_join(ckpt_thread, NULL);
        ts_err e2;
        if (ts_store_set_autocheckpoint(s, 1000, &e2) != TS_OK ||
            ts_store_checkpoint(s, &e2) != TS_OK) {
            /* the WAL is checkpointed by the next writer at the latest */
        }
    }
    ts_store_close(pl.ckpt);
    if (rc == TS_OK && pl.read_rc != TS_OK) {
        rc = pl.read_rc;
        if (err)
            *err = pl.read_err;
    }
free_batches:
    for (size_t i = 0; i < n_init; i++)
        batch_release(&pl.ring[i]);
    pthread_cond_destroy(&pl.cv);
    pthread_mutex_destroy(&pl.mu);
    ts_reader_close(pl.reader);
    return rc;
}

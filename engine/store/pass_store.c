/* store/pass_store.c — what the screening passes read and write: runs, the person scan,
 * the list snapshot, ledger rows, suspect marks, rule errors, list rows, transitions;
 * and the stored form of fired rules (triscreen/fired.h: written through ts_jsonw, read
 * with json-c). */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "triscreen/date.h"
#include "triscreen/fired.h"
#include "triscreen/vocab.h"
#include "base/limits.h"
#include "store/store_int.h"

static int colour_from_text(const char *t)
{
    ts_colour c = TS_COLOUR_NONE;
    return ts_colour_parse(t, &c) ? (int)c : 0; /* NULL, "none" */
}

static void bind_colour(sqlite3_stmt *st, int i, int colour)
{
    if (colour >= TS_COLOUR_BLUE && colour <= TS_COLOUR_RED)
        sqlite3_bind_text(st, i, ts_colour_name((ts_colour)colour), -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_date(sqlite3_stmt *st, int i, int32_t d)
{
    if (d == TS_DATE_NONE) {
        sqlite3_bind_null(st, i);
        return;
    }
    char buf[11];
    ts_date_format(d, buf);
    sqlite3_bind_text(st, i, buf, 10, SQLITE_TRANSIENT);
}

static int32_t col_date(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    int32_t d;
    if (t && ts_date_parse(t, strlen(t), &d))
        return d;
    return TS_DATE_NONE;
}

ts_status ts_store_run_begin(ts_store *s, const ts_run_info *info, int64_t *run_id, ts_err *err)
{
    ts__store_runs_changed(s);
    sqlite3_stmt *st = ts__store_stmt(s, ST_RUN_BEGIN, err);
    if (!st)
        return TS_STORE;
    char ts[21];
    ts__store_timestamp(ts);
    sqlite3_bind_text(st, 1, info->pass, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, info->scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, info->now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, info->rules_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, info->config_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, ts, -1, SQLITE_STATIC);
    /* ts is "YYYY-MM-DDTHH:MM:SSZ" (UTC): a now after its first ten characters is a run
     * into the future (both are ISO dates, so they compare as strings) */
    const char *kind = info->kind;
    if (!kind)
        kind = info->now && strncmp(info->now, ts, 10) > 0 ? "whatif" : "live";
    sqlite3_bind_text(st, 7, kind, -1, SQLITE_STATIC);
    ts_status rc = ts__store_step_done(s, st, err, "record run");
    if (rc == TS_OK)
        *run_id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

ts_status ts_store_run_finish(ts_store *s, int64_t run, const char *status, int64_t persons,
                              int64_t fired, int64_t errors, const char *summary_json, ts_err *err)
{
    sqlite3_stmt *st = ts__store_stmt(s, ST_RUN_FINISH, err);
    if (!st)
        return TS_STORE;
    char ts[21];
    ts__store_timestamp(ts);
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, persons);
    sqlite3_bind_int64(st, 4, fired);
    sqlite3_bind_int64(st, 5, errors);
    if (summary_json)
        sqlite3_bind_text(st, 6, summary_json, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 6);
    sqlite3_bind_text(st, 7, ts, -1, SQLITE_STATIC);
    return ts__store_step_done(s, st, err, "finish run");
}

ts_status ts_store_ledger_next_seq(ts_store *s, int64_t run, int64_t *out, ts_err *err)
{
    /* prepared once per connection: ingest asks for every record it re-screens (preparing
     * it each time was 15% of the service's samples under single-record POSTs) */
    sqlite3_stmt *st = ts__store_stmt(s, ST_LEDGER_NEXT_SEQ, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_int64(st, 1, run);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (r != SQLITE_ROW)
        return ts__store_fail(s, err, "ledger sequence");
    return TS_OK;
}

ts_status ts_store_run_add(ts_store *s, int64_t run, int64_t persons, int64_t fired, int64_t errors,
                           ts_err *err)
{
    sqlite3_stmt *st = ts__store_stmt(s, ST_RUN_ADD, err);
    if (!st)
        return TS_STORE;
    char ts[21];
    ts__store_timestamp(ts);
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, persons);
    sqlite3_bind_int64(st, 3, fired);
    sqlite3_bind_int64(st, 4, errors);
    sqlite3_bind_text(st, 5, ts, -1, SQLITE_STATIC);
    return ts__store_step_done(s, st, err, "add to run");
}

ts_status ts_store_runs_interrupt_stale(ts_store *s, int64_t keep, ts_err *err)
{
    sqlite3_stmt *st = ts__store_stmt(s, ST_RUN_INTERRUPT, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_int64(st, 1, keep);
    return ts__store_step_done(s, st, err, "mark interrupted runs");
}

/* ---- scan ------------------------------------------------------------------------------ */

struct ts_scan {
    ts_store *s;
    sqlite3_stmt *st;
};

ts_status ts_store_scan_open(ts_store *s, ts_scan **out, ts_err *err)
{
    ts_scan *sc = calloc(1, sizeof *sc);
    if (!sc)
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    sc->s = s;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT p.pk, p.id, p.grid, coalesce(m.suspect, -1), p.name, p.born,"
                           " p.notes, p.extra, p.events,"
                           /* the filter of ST_RELATIONS_OF: a pending relation is not
                            * (yet) part of the person's record */
                           " EXISTS (SELECT 1 FROM relations WHERE a = p.id"
                           " AND (pending_for IS NULL OR pending_for <> p.id))"
                           " OR EXISTS (SELECT 1 FROM relations WHERE b = p.id"
                           " AND (pending_for IS NULL OR pending_for <> p.id))"
                           " FROM persons p"
                           " LEFT JOIN marks m ON m.person = p.id ORDER BY p.pk",
                           -1, &sc->st, NULL) != SQLITE_OK) {
        ts_status rc = ts__store_fail(s, err, "scan persons");
        free(sc);
        return rc;
    }
    *out = sc;
    return TS_OK;
}

static const char *dup_col(sqlite3_stmt *st, int i, ts_arena *a)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return ts_arena_strndup(a, t ? t : "", t ? (size_t)sqlite3_column_bytes(st, i) : 0);
}

ts_status ts_store_scan_next(ts_scan *sc, ts_arena *arena, ts_scan_want_fn want, void *ud,
                             ts_scan_row *row, bool *end, ts_err *err)
{
    int r;
    while ((r = sqlite3_step(sc->st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(sc->st, 1);
        const char *grid = (const char *)sqlite3_column_text(sc->st, 2);
        int suspect = sqlite3_column_int(sc->st, 3);
        if (want && !want(ud, id, grid, suspect))
            continue;
        ts_person p = {0};
        p.id = ts_arena_strdup(arena, id);
        p.grid = ts_arena_strdup(arena, grid);
        p.name = dup_col(sc->st, 4, arena);
        p.born = col_date(sc->st, 5);
        p.notes = dup_col(sc->st, 6, arena);
        if (!p.id || !p.grid || !p.name || !p.notes)
            return ts_err_set(err, TS_NOMEM, NULL, NULL);
        ts_status rc = ts_record_decode_extra(sqlite3_column_blob(sc->st, 7),
                                              (size_t)sqlite3_column_bytes(sc->st, 7), arena, &p);
        ts_evlist list = {0};
        if (rc == TS_OK)
            rc = ts__events_decode(sqlite3_column_blob(sc->st, 8),
                                   (size_t)sqlite3_column_bytes(sc->st, 8), arena, &list);
        if (rc != TS_OK)
            return ts_err_set(err, rc == TS_NOMEM ? TS_NOMEM : TS_STORE, sc->s->path,
                              "stored record of person %s is corrupt", id);
        p.events = list.ev;
        p.n_events = list.n;
        row->pk = sqlite3_column_int64(sc->st, 0);
        row->person = p;
        row->suspect = suspect;
        row->has_relations = sqlite3_column_int(sc->st, 9) != 0;
        *end = false;
        return TS_OK;
    }
    if (r != SQLITE_DONE)
        return ts__store_fail(sc->s, err, "scan persons");
    *end = true;
    return TS_OK;
}

void ts_store_scan_close(ts_scan *sc)
{
    if (!sc)
        return;
    sqlite3_finalize(sc->st);
    free(sc);
}

/* ---- lists ----------------------------------------------------------------------------- */

static void read_list_row(sqlite3_stmt *st, ts_arena *arena, ts_list_row *l)
{
    l->person = dup_col(st, 0, arena);
    l->colour = colour_from_text((const char *)sqlite3_column_text(st, 1));
    l->engine_colour = colour_from_text((const char *)sqlite3_column_text(st, 2));
    l->regional_colour = colour_from_text((const char *)sqlite3_column_text(st, 3));
    const char *ov = (const char *)sqlite3_column_text(st, 4);
    l->override_colour = ov ? colour_from_text(ov) : -1;
    l->override_until = col_date(st, 5);
    l->override_by = sqlite3_column_type(st, 6) == SQLITE_NULL ? NULL : dup_col(st, 6, arena);
    l->score = sqlite3_column_int(st, 7);
    l->regional_score = sqlite3_column_int(st, 8);
    l->since = col_date(st, 9);
    l->next_review = col_date(st, 10);
    l->reasons = dup_col(st, 11, arena);
    /* after a regional pass both are the same text: one copy (a snapshot holds every
     * listed person's) */
    const char *rr = (const char *)sqlite3_column_text(st, 12);
    size_t rn = rr ? (size_t)sqlite3_column_bytes(st, 12) : 0;
    if (l->reasons && rr && strlen(l->reasons) == rn && !memcmp(l->reasons, rr, rn))
        l->regional_reasons = l->reasons;
    else
        l->regional_reasons = dup_col(st, 12, arena);
    l->grid = dup_col(st, 13, arena);
}

ts_status ts_store_lists_load(ts_store *s, ts_arena *arena, ts_list_row **rows, size_t *n,
                              ts_err *err)
{
    /* sized once: growing by doubling in an arena would keep every smaller array */
    sqlite3_stmt *cs = ts__store_stmt(s, ST_LISTS_COUNT, err);
    if (!cs)
        return TS_STORE;
    int64_t want = sqlite3_step(cs) == SQLITE_ROW ? sqlite3_column_int64(cs, 0) : 0;
    sqlite3_reset(cs);
    sqlite3_stmt *st = ts__store_stmt(s, ST_LISTS_LOAD, err);
    if (!st)
        return TS_STORE;
    ts_list_row *v = NULL;
    size_t cnt = 0, cap = 0;
    if (want > 0) {
        cap = (size_t)want;
        if (!(v = ts_arena_alloc(arena, cap * sizeof *v)))
            return ts_err_set(err, TS_NOMEM, NULL, "list snapshot");
    }
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (cnt == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            ts_list_row *nv = ts_arena_alloc(arena, ncap * sizeof *nv);
            if (!nv) {
                sqlite3_reset(st);
                return ts_err_set(err, TS_NOMEM, NULL, "list snapshot");
            }
            if (cnt)
                memcpy(nv, v, cnt * sizeof *v);
            v = nv;
            cap = ncap;
        }
        ts_list_row *l = &v[cnt++];
        read_list_row(st, arena, l);
        if (!l->person || !l->reasons || !l->regional_reasons || !l->grid) {
            sqlite3_reset(st);
            return ts_err_set(err, TS_NOMEM, NULL, "list snapshot");
        }
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE)
        return ts__store_fail(s, err, "load lists");
    *rows = v;
    *n = cnt;
    return TS_OK;
}

ts_status ts_store_lists_colours(ts_store *s, ts_list_colour_fn fn, void *ud, ts_err *err)
{
    sqlite3_stmt *st = ts__store_stmt(s, ST_LISTS_COLOURS, err);
    if (!st)
        return TS_STORE;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *g = (const char *)sqlite3_column_text(st, 1);
        fn(ud, colour_from_text((const char *)sqlite3_column_text(st, 0)), g ? g : "");
    }
    sqlite3_reset(st);
    return r == SQLITE_DONE ? TS_OK : ts__store_fail(s, err, "count lists");
}

/* Binds ledger row rv's columns from parameter at on (the order of ST_LEDGER_PUT). */
static int bind_ledger(sqlite3_stmt *st, int at, const void *rv)
{
    const ts_ledger_put *r = rv;
    sqlite3_bind_text(st, at, r->person, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, at + 1, r->run);
    sqlite3_bind_text(st, at + 2, r->grid, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, at + 3, r->suspect);
    sqlite3_bind_text(st, at + 4, r->gaps_json, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, at + 5, r->rules_json, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, at + 6, r->seq);
    return at + 7;
}

/* Binds transition rv's columns from parameter at on (the order of ST_TRANSITION_PUT). */
static int bind_transition(sqlite3_stmt *st, int at, const void *rv)
{
    const ts_transition_put *r = rv;
    sqlite3_bind_text(st, at, r->person, -1, SQLITE_STATIC);
    if (r->run)
        sqlite3_bind_int64(st, at + 1, r->run);
    else
        sqlite3_bind_null(st, at + 1);
    bind_colour(st, at + 2, r->from);
    bind_colour(st, at + 3, r->to);
    sqlite3_bind_int(st, at + 4, r->score);
    sqlite3_bind_text(st, at + 5, r->reasons_json ? r->reasons_json : "[]", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, at + 6, r->at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, at + 7, r->actor, -1, SQLITE_STATIC);
    return at + 8;
}

/* n rows of size `size` at rows, TS__STORE_PUT_N to a statement `many`, the rest one at a
 * time with `one`, each bound by `bind`. */
static ts_status put_rows(ts_store *s, int one, int many, const void *rows, size_t size, size_t n,
                          int (*bind)(sqlite3_stmt *, int, const void *), const char *what,
                          ts_err *err)
{
    const char *r = rows;
    ts_status rc = TS_OK;
    while (rc == TS_OK && n > 0) {
        size_t k = n >= TS__STORE_PUT_N ? TS__STORE_PUT_N : 1;
        sqlite3_stmt *st = ts__store_stmt(s, k > 1 ? many : one, err);
        if (!st)
            return TS_STORE;
        for (size_t i = 0, at = 1; i < k; i++)
            at = (size_t)bind(st, (int)at, r + i * size);
        rc = ts__store_step_done(s, st, err, what);
        r += k * size;
        n -= k;
    }
    return rc;
}

ts_status ts_store_put_ledgers(ts_store *s, const ts_ledger_put *rows, size_t n, ts_err *err)
{
    return put_rows(s, ST_LEDGER_PUT, ST_LEDGER_PUT_N, rows, sizeof *rows, n, bind_ledger,
                    "write ledger", err);
}

ts_status ts_store_put_ledger(ts_store *s, const ts_ledger_put *row, ts_err *err)
{
    return ts_store_put_ledgers(s, row, 1, err);
}

ts_status ts_store_put_mark(ts_store *s, const char *person, bool suspect, int64_t run, ts_err *err)
{
    ts_status rc = ts__store_keep_mark(s, person, true, err);
    if (rc != TS_OK)
        return rc;
    sqlite3_stmt *st = ts__store_stmt(s, ST_MARK_PUT, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_text(st, 1, person, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, suspect);
    sqlite3_bind_int64(st, 3, run);
    return ts__store_step_done(s, st, err, "write mark");
}

ts_status ts_store_put_rule_error(ts_store *s, int64_t run, const char *person, const char *rule,
                                  const char *code, const char *where, const char *msg, ts_err *err)
{
    sqlite3_stmt *st = ts__store_stmt(s, ST_RULE_ERROR_PUT, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, person, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, where, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, msg, -1, SQLITE_STATIC);
    return ts__store_step_done(s, st, err, "write rule error");
}

ts_status ts_store_put_list(ts_store *s, const ts_list_row *row, int64_t run, ts_err *err)
{
    bool remove = ts__store_list_row_removes(row);
    ts_status rc = ts__store_keep_list(s, row->person, !remove, err);
    if (rc != TS_OK)
        return rc;
    if (remove) {
        sqlite3_stmt *del = ts__store_stmt(s, ST_LIST_DELETE, err);
        if (!del)
            return TS_STORE;
        sqlite3_bind_text(del, 1, row->person, -1, SQLITE_STATIC);
        return ts__store_step_done(s, del, err, "remove list member");
    }
    sqlite3_stmt *st = ts__store_stmt(s, ST_LIST_UPSERT, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_text(st, 1, row->person, -1, SQLITE_STATIC);
    if (row->colour)
        bind_colour(st, 2, row->colour);
    else
        sqlite3_bind_text(st, 2, "none", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, row->score);
    bind_date(st, 4, row->since);
    sqlite3_bind_int64(st, 5, run);
    sqlite3_bind_text(st, 6, row->reasons ? row->reasons : "[]", -1, SQLITE_STATIC);
    bind_colour(st, 7, row->engine_colour);
    if (row->override_colour < 0)
        sqlite3_bind_null(st, 8);
    else if (row->override_colour == 0)
        sqlite3_bind_text(st, 8, "none", -1, SQLITE_STATIC);
    else
        bind_colour(st, 8, row->override_colour);
    bind_date(st, 9, row->override_until);
    if (row->override_by)
        sqlite3_bind_text(st, 10, row->override_by, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 10);
    bind_date(st, 11, row->next_review);
    bind_colour(st, 12, row->regional_colour);
    sqlite3_bind_int(st, 13, row->regional_score);
    sqlite3_bind_text(st, 14, row->regional_reasons ? row->regional_reasons : "[]", -1,
                      SQLITE_STATIC);
    return ts__store_step_done(s, st, err, "write list member");
}

ts_status ts_store_put_transitions(ts_store *s, const ts_transition_put *rows, size_t n,
                                   ts_err *err)
{
    return put_rows(s, ST_TRANSITION_PUT, ST_TRANSITION_PUT_N, rows, sizeof *rows, n,
                    bind_transition, "write transition", err);
}

ts_status ts_store_put_transition(ts_store *s, const ts_transition_put *row, ts_err *err)
{
    return ts_store_put_transitions(s, row, 1, err);
}

ts_status ts_store_get_mark(ts_store *s, const char *person, int *suspect, ts_err *err)
{
    sqlite3_stmt *st = ts__store_stmt(s, ST_MARK_GET, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_text(st, 1, person, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *suspect = sqlite3_column_int(st, 0);
    else if (r == SQLITE_DONE)
        *suspect = -1;
    sqlite3_reset(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return ts__store_fail(s, err, "read mark");
    return TS_OK;
}

ts_status ts_store_list_get(ts_store *s, const char *person, ts_arena *arena, ts_list_row *row,
                            bool *found, ts_err *err)
{
    sqlite3_stmt *st = ts__store_stmt(s, ST_LIST_GET, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_text(st, 1, person, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    *found = r == SQLITE_ROW;
    if (r == SQLITE_ROW)
        read_list_row(st, arena, row);
    sqlite3_reset(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return ts__store_fail(s, err, "read list member");
    if (*found && (!row->person || !row->reasons || !row->regional_reasons || !row->grid))
        return ts_err_set(err, TS_NOMEM, NULL, "list member");
    return TS_OK;
}

ts_status ts_store_person_count_hint(ts_store *s, int64_t *out, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(pk), 0) FROM persons", -1, &st, NULL) !=
        SQLITE_OK)
        return ts__store_fail(s, err, "count persons");
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (r != SQLITE_ROW)
        return ts__store_fail(s, err, "count persons");
    return TS_OK;
}

/* ---- fired rules (triscreen/fired.h) ------------------------------------------------------ */

void ts_fired_rules_write(ts_jsonw *w, const ts_fired_rule *rules, size_t n)
{
    ts_jsonw_arr(w);
    for (size_t i = 0; i < n; i++) {
        const ts_fired_rule *r = &rules[i];
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "id", r->id);
        ts_jsonw_kstr(w, "evidence", r->evidence ? r->evidence : "");
        if (r->n_parts) {
            ts_jsonw_key(w, "parts");
            ts_jsonw_arr(w);
            for (size_t k = 0; k < r->n_parts; k++) {
                const ts_evidence_part *p = &r->parts[k];
                if (!p->member) {
                    ts_jsonw_strn(w, p->text, p->len);
                    continue;
                }
                ts_jsonw_obj(w);
                ts_jsonw_kstr(w, "member", p->member);
                ts_jsonw_kstr(w, "relation", p->relation ? p->relation : "");
                ts_jsonw_kstr(w, "grid", p->grid ? p->grid : "");
                ts_jsonw_key(w, "text");
                ts_jsonw_strn(w, p->text, p->len);
                ts_jsonw_obj_end(w);
            }
            ts_jsonw_arr_end(w);
        }
        if (r->snoozed)
            ts_jsonw_kint(w, "snoozed", r->snoozed);
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_arr_end(w);
}

const char *ts_fired_rules_text(const ts_fired_rule *rules, size_t n, ts_arena *arena)
{
    ts_buf b;
    ts_jsonw w;
    ts_buf_init(&b, TS_LIMIT_RULES_JSON);
    ts_jsonw_init(&w, &b);
    ts_fired_rules_write(&w, rules, n);
    const char *out =
        ts_jsonw_finish(&w) == TS_OK ? ts_arena_strndup(arena, ts_buf_str(&b), b.len) : NULL;
    ts_buf_release(&b);
    return out;
}

/* A string member of o copied into arena; *s = NULL when absent or not a string. */
static bool fired_str(json_object *o, const char *key, ts_arena *a, const char **s)
{
    json_object *v;
    *s = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return true;
    *s = ts_arena_strndup(a, json_object_get_string(v), (size_t)json_object_get_string_len(v));
    return *s != NULL;
}

static bool fired_parts(json_object *arr, ts_arena *a, ts_fired_rule *r)
{
    size_t n = json_object_array_length(arr);
    ts_evidence_part *p = ts_arena_alloc(a, (n ? n : 1) * sizeof *p);
    if (!p)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        ts_evidence_part *q = &p[k];
        memset(q, 0, sizeof *q);
        if (json_object_is_type(e, json_type_string)) {
            q->text = ts_arena_strndup(a, json_object_get_string(e),
                                       (size_t)json_object_get_string_len(e));
        } else if (json_object_is_type(e, json_type_object)) {
            if (!fired_str(e, "member", a, &q->member) ||
                !fired_str(e, "relation", a, &q->relation) || !fired_str(e, "grid", a, &q->grid) ||
                !fired_str(e, "text", a, &q->text))
                return false;
            if (!q->member || !q->text)
                continue;
        } else {
            continue;
        }
        if (!q->text)
            return false;
        q->len = strlen(q->text);
        k++;
    }
    r->parts = p;
    r->n_parts = k;
    return true;
}

ts_status ts_fired_rules_read(const char *json, ts_arena *arena, ts_fired_rule **rules, size_t *n,
                              ts_err *err)
{
    *rules = NULL;
    *n = 0;
    json_object *in = json_tokener_parse(json ? json : "[]");
    if (!in || !json_object_is_type(in, json_type_array)) {
        json_object_put(in);
        return ts_err_set(err, TS_PARSE, "rules", "fired rules are not a JSON array: %.80s",
                          json ? json : "");
    }
    size_t len = json_object_array_length(in), k = 0;
    ts_fired_rule *v = ts_arena_alloc(arena, (len ? len : 1) * sizeof *v);
    bool ok = v != NULL;
    for (size_t i = 0; ok && i < len; i++) {
        json_object *e = json_object_array_get_idx(in, i), *parts;
        ts_fired_rule *r = &v[k];
        memset(r, 0, sizeof *r);
        if (!json_object_is_type(e, json_type_object))
            continue;
        ok = fired_str(e, "id", arena, &r->id) && fired_str(e, "evidence", arena, &r->evidence);
        if (ok && !r->evidence)
            ok = (r->evidence = ts_arena_strdup(arena, "")) != NULL;
        if (ok && json_object_object_get_ex(e, "parts", &parts) &&
            json_object_is_type(parts, json_type_array))
            ok = fired_parts(parts, arena, r);
        json_object *snz;
        if (ok && json_object_object_get_ex(e, "snoozed", &snz) &&
            json_object_is_type(snz, json_type_int))
            r->snoozed = json_object_get_int64(snz);
        if (ok && r->id)
            k++;
    }
    json_object_put(in);
    if (!ok)
        return ts_err_set(err, TS_NOMEM, "rules", "fired rules");
    *rules = v;
    *n = k;
    return TS_OK;
}

/* ---- imports (schema 4: alerts raised by an import name it) ---------------------------- */

ts_status ts_store_ingest_begin(ts_store *s, const char *source, int64_t *id, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, "INSERT INTO ingests(source, started) VALUES (?1, ?2)",
                                        &st, err, "prepare ingest record");
    if (rc != TS_OK)
        return rc;
    char ts[21];
    ts__store_timestamp(ts);
    sqlite3_bind_text(st, 1, source ? source : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ts, -1, SQLITE_STATIC);
    rc = ts__store_step_done(s, st, err, "record ingest");
    if (rc == TS_OK)
        *id = sqlite3_last_insert_rowid(s->db);
    ts__store_query_done(s, st);
    return rc;
}

ts_status ts_store_ingest_end(ts_store *s, int64_t id, const char *status, int64_t records,
                              ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(
        s, "UPDATE ingests SET ended = ?2, status = ?3, records = ?4 WHERE id = ?1", &st, err,
        "prepare ingest record");
    if (rc != TS_OK)
        return rc;
    char ts[21];
    ts__store_timestamp(ts);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, ts, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, records);
    rc = ts__store_step_done(s, st, err, "record ingest");
    ts__store_query_done(s, st);
    return rc;
}

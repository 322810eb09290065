/* lists/print.c — `triscreen lists`, `ledger` and `due` (triscreen/lists.h): the rows
 * come from store/lists_query, this file only filters by scope and formats them as an
 * aligned table, JSON Lines or RFC 4180 CSV. */
#include <stdio.h>
#include <string.h>

#include "triscreen/date.h"
#include "triscreen/lists.h"
#include "lists/lists_int.h"
#include "store/lists_query.h"

/* What every printer carries through its row callback. */
typedef struct printer {
    const ts_grid *g;
    const ts_cell *scope;
    ts_out_format fmt;
    FILE *out;
    ts__table table;
    ts_arena scratch; /* per row, reset after each */
    const char *now;  /* due only */
    int32_t now_days;
} printer;

static ts_status printer_start(printer *p, const ts_grid *g, const ts_cell *scope,
                               ts_out_format fmt, FILE *out, const char *const *headers,
                               size_t ncols, ts_err *err)
{
    memset(p, 0, sizeof *p);
    p->g = g;
    p->scope = scope;
    p->fmt = fmt;
    p->out = out;
    ts_arena_init(&p->scratch, 0);
    if (fmt != TS_OUT_TABLE && fmt != TS_OUT_JSONL && fmt != TS_OUT_CSV)
        return ts_err_set(err, TS_USAGE, NULL, "format must be table, jsonl or csv");
    if (fmt == TS_OUT_TABLE)
        return ts__table_init(&p->table, out, headers, ncols, err);
    if (fmt == TS_OUT_CSV)
        ts__csv_row(out, headers, ncols);
    return TS_OK;
}

static ts_status printer_finish(printer *p, ts_status rc, ts_err *err)
{
    if (rc == TS_OK && p->fmt == TS_OUT_TABLE)
        ts__table_flush(&p->table);
    ts__table_release(&p->table);
    ts_arena_release(&p->scratch);
    if (rc == TS_OK)
        rc = ts__out_check(p->out, err);
    return rc;
}

/* Emits one row: cells for table/CSV, or the JSON object (taken). */
static ts_status printer_row(printer *p, const char *const *cells, size_t ncols, json_object *o,
                             ts_err *err)
{
    ts_status rc = TS_OK;
    if (p->fmt == TS_OUT_JSONL) {
        rc = ts__json_line(p->out, o, err);
        o = NULL;
    } else if (p->fmt == TS_OUT_CSV) {
        ts__csv_row(p->out, cells, ncols);
    } else {
        rc = ts__table_row(&p->table, cells, err);
    }
    json_object_put(o);
    ts_arena_reset(&p->scratch);
    return rc;
}

/* ---- lists --------------------------------------------------------------------------------- */

static ts_status list_row(void *ud, const ts__lq_member *m, ts_err *err)
{
    printer *p = ud;
    if (!ts__lists_in_scope(p->g, p->scope, m->grid))
        return TS_OK;
    json_object *o = NULL;
    const char *cells[7] = {0};
    char score[24];
    snprintf(score, sizeof score, "%lld", (long long)m->score);
    if (p->fmt == TS_OUT_JSONL) {
        o = json_object_new_object();
        if (!o)
            return ts_err_set(err, TS_NOMEM, m->person, NULL);
        json_object_object_add(o, "person", json_object_new_string(m->person));
        json_object_object_add(o, "colour", json_object_new_string(m->colour));
        json_object_object_add(o, "grid", ts__json_str(m->grid));
        json_object_object_add(o, "score", json_object_new_int64(m->score));
        json_object_object_add(o, "since", ts__json_str(m->since));
        json_object_object_add(o, "rules", ts__json_ids(m->reasons));
    } else {
        const char *rules =
            ts__ids_join(&p->scratch, m->reasons, p->fmt == TS_OUT_CSV ? ";" : ", ");
        if (!rules)
            return ts_err_set(err, TS_NOMEM, m->person, NULL);
        const char *review = m->next_review ? m->next_review : "";
        if (p->fmt == TS_OUT_TABLE && m->override_colour)
            review = ts_arena_printf(&p->scratch, "%s%soverride by %s", review,
                                     review[0] ? ", " : "", m->override_by ? m->override_by : "?");
        cells[0] = m->colour;
        cells[1] = m->person;
        cells[2] = m->grid;
        cells[3] = score;
        cells[4] = m->since;
        cells[5] = review;
        cells[6] = rules;
    }
    return printer_row(p, cells, 7, o, err);
}

ts_status ts_lists_print(ts_store *s, const ts_grid *g, ts_colour colour, const ts_cell *scope,
                         ts_out_format fmt, FILE *out, ts_err *err)
{
    static const char *const table_head[] = {"COLOUR", "PERSON", "GRID", "SCORE",
                                             "SINCE",  "REVIEW", "RULES"};
    static const char *const csv_head[] = {"colour", "person",      "grid", "score",
                                           "since",  "next_review", "rules"};
    printer p;
    ts_status rc =
        printer_start(&p, g, scope, fmt, out, fmt == TS_OUT_TABLE ? table_head : csv_head, 7, err);
    if (rc == TS_OK)
        rc = ts__lq_members(s, colour == TS_COLOUR_NONE ? NULL : ts__lists_colour_text(colour),
                            ts__lists_scope_prefix(scope), list_row, &p, err);
    return printer_finish(&p, rc, err);
}

/* ---- ledger -------------------------------------------------------------------------------- */

static ts_status ledger_row(void *ud, const ts__lq_ledger *l, ts_err *err)
{
    printer *p = ud;
    if (!ts__lists_in_scope(p->g, p->scope, l->grid))
        return TS_OK;
    json_object *o = NULL;
    const char *cells[6] = {0};
    char run[24];
    snprintf(run, sizeof run, "%lld", (long long)l->run);
    if (p->fmt == TS_OUT_JSONL) {
        o = json_object_new_object();
        if (!o)
            return ts_err_set(err, TS_NOMEM, l->person, NULL);
        json_object_object_add(o, "person", json_object_new_string(l->person));
        json_object_object_add(o, "grid", json_object_new_string(l->grid));
        json_object_object_add(o, "suspect", json_object_new_boolean(l->suspect));
        json_object_object_add(o, "gaps", ts__json_ids(l->gaps));
        json_object_object_add(o, "rules", ts__json_ids(l->rules));
        json_object_object_add(o, "run", json_object_new_int64(l->run));
    } else {
        const char *sep = p->fmt == TS_OUT_CSV ? ";" : ", ";
        const char *gaps = ts__ids_join(&p->scratch, l->gaps, sep);
        const char *rules = ts__ids_join(&p->scratch, l->rules, sep);
        if (!gaps || !rules)
            return ts_err_set(err, TS_NOMEM, l->person, NULL);
        cells[0] = l->person;
        cells[1] = l->grid;
        cells[2] =
            p->fmt == TS_OUT_CSV ? (l->suspect ? "true" : "false") : (l->suspect ? "yes" : "no");
        cells[3] = run;
        cells[4] = gaps;
        cells[5] = rules;
    }
    return printer_row(p, cells, 6, o, err);
}

ts_status ts_ledger_print(ts_store *s, const ts_grid *g, const ts_cell *scope, bool suspects,
                          ts_out_format fmt, FILE *out, ts_err *err)
{
    static const char *const table_head[] = {"PERSON", "GRID", "SUSPECT", "RUN", "GAPS", "RULES"};
    static const char *const csv_head[] = {"person", "grid", "suspect", "run", "gaps", "rules"};
    printer p;
    ts_status rc =
        printer_start(&p, g, scope, fmt, out, fmt == TS_OUT_TABLE ? table_head : csv_head, 6, err);
    if (rc == TS_OK)
        rc = ts__lq_ledger_latest(s, ts__lists_scope_prefix(scope), suspects, ledger_row, &p, err);
    return printer_finish(&p, rc, err);
}

/* ---- due ----------------------------------------------------------------------------------- */

static ts_status due_row(void *ud, const ts__lq_member *m, ts_err *err)
{
    printer *p = ud;
    if (!ts__lists_in_scope(p->g, p->scope, m->grid))
        return TS_OK;
    int32_t due;
    int64_t overdue = 0;
    if (m->next_review && ts_date_parse(m->next_review, strlen(m->next_review), &due))
        overdue = (int64_t)p->now_days - due;
    json_object *o = NULL;
    const char *cells[5] = {0};
    char days[24];
    snprintf(days, sizeof days, "%lld", (long long)overdue);
    if (p->fmt == TS_OUT_JSONL) {
        o = json_object_new_object();
        if (!o)
            return ts_err_set(err, TS_NOMEM, m->person, NULL);
        json_object_object_add(o, "person", json_object_new_string(m->person));
        json_object_object_add(o, "colour", json_object_new_string(m->colour));
        json_object_object_add(o, "grid", ts__json_str(m->grid));
        json_object_object_add(o, "next_review", ts__json_str(m->next_review));
        json_object_object_add(o, "overdue_days", json_object_new_int64(overdue));
    } else {
        cells[0] = m->person;
        cells[1] = m->colour;
        cells[2] = m->grid;
        cells[3] = m->next_review;
        cells[4] = days;
    }
    return printer_row(p, cells, 5, o, err);
}

ts_status ts_lists_print_due(ts_store *s, const ts_grid *g, const ts_cell *scope, const char *now,
                             ts_out_format fmt, FILE *out, ts_err *err)
{
    static const char *const table_head[] = {"PERSON", "COLOUR", "GRID", "NEXT REVIEW",
                                             "OVERDUE DAYS"};
    static const char *const csv_head[] = {"person", "colour", "grid", "next_review",
                                           "overdue_days"};
    int32_t now_days;
    if (!now || !ts_date_parse(now, strlen(now), &now_days))
        return ts_err_set(err, TS_USAGE, "now", "'%s' is not a date (YYYY-MM-DD)", now ? now : "");
    printer p;
    ts_status rc =
        printer_start(&p, g, scope, fmt, out, fmt == TS_OUT_TABLE ? table_head : csv_head, 5, err);
    p.now = now;
    p.now_days = now_days;
    if (rc == TS_OK)
        rc = ts__lq_due(s, now, ts__lists_scope_prefix(scope), due_row, &p, err);
    return printer_finish(&p, rc, err);
}

/* render/lists.c — table, JSON Lines and CSV renderers of the lists, ledger and due rows
 * (render/render_lists.h) into a ts_buf. Uses ts_jsonw for JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/arena.h"
#include "triscreen/vocab.h"
#include "base/limits.h"
#include "render/render_alerts.h"
#include "render/render_lists.h"

typedef struct table {
    size_t ncols;
    size_t *width; /* display width per column */
    char **rows;   /* buffered rows: ncols NUL-terminated cells back to back */
    size_t nrows, cap;
    bool streaming; /* widths frozen, rows written as they come */
} table;

struct ts__rows_render {
    ts__rows_kind kind;
    ts_out_format fmt;
    ts_buf *out;
    const ts_rulepack *pack; /* titles beside rule ids; NULL: ids alone */
    table t;
    ts_arena scratch; /* per row */
};

/* Display width on a terminal (a CJK character takes two columns). */
static size_t text_width(const char *s)
{
    return ts_render_text_width(s);
}

static ts_status put_row(ts_buf *out, const table *t, const char *cells)
{
    const char *c = cells;
    ts_status rc = TS_OK;
    for (size_t i = 0; rc == TS_OK && i < t->ncols; i++) {
        size_t len = strlen(c);
        rc = ts_buf_append(out, c, len);
        /* a cell wider than its column (after the sample) still gets two spaces */
        size_t w = text_width(c), end = (w > t->width[i] ? w : t->width[i]) + 2;
        if (i + 1 < t->ncols)
            for (size_t k = w; rc == TS_OK && k < end; k++)
                rc = ts_buf_putc(out, ' ');
        c += len + 1;
    }
    return rc == TS_OK ? ts_buf_putc(out, '\n') : rc;
}

static ts_status flush_rows(ts__rows_render *r)
{
    ts_status rc = TS_OK;
    for (size_t i = 0; i < r->t.nrows; i++) {
        if (rc == TS_OK)
            rc = put_row(r->out, &r->t, r->t.rows[i]);
        free(r->t.rows[i]);
    }
    r->t.nrows = 0;
    return rc;
}

static ts_status table_add(ts__rows_render *r, const char *const *cells)
{
    table *t = &r->t;
    size_t total = 0;
    for (size_t i = 0; i < t->ncols; i++)
        total += strlen(cells[i] ? cells[i] : "") + 1;
    char *row = malloc(total), *w = row;
    if (!row)
        return TS_NOMEM;
    for (size_t i = 0; i < t->ncols; i++) {
        const char *c = cells[i] ? cells[i] : "";
        size_t len = strlen(c);
        memcpy(w, c, len + 1);
        w += len + 1;
        if (!t->streaming && text_width(c) > t->width[i])
            t->width[i] = text_width(c);
    }
    if (t->streaming) {
        ts_status rc = put_row(r->out, t, row);
        free(row);
        return rc;
    }
    if (t->nrows == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 64;
        char **nr = realloc(t->rows, ncap * sizeof *nr);
        if (!nr) {
            free(row);
            return TS_NOMEM;
        }
        t->rows = nr;
        t->cap = ncap;
    }
    t->rows[t->nrows++] = row;
    /* the header is row 0, so TS_LIMIT_TABLE_ROWS data rows fix the widths */
    if (t->nrows > TS_LIMIT_TABLE_ROWS) {
        t->streaming = true;
        return flush_rows(r);
    }
    return TS_OK;
}

static ts_status csv_row(ts_buf *out, const char *const *cells, size_t n)
{
    ts_status rc = TS_OK;
    for (size_t i = 0; rc == TS_OK && i < n; i++) {
        const char *c = cells[i] ? cells[i] : "";
        if (i)
            rc = ts_buf_putc(out, ',');
        if (rc != TS_OK)
            break;
        if (!strpbrk(c, ",\"\r\n")) {
            rc = ts_buf_puts(out, c);
            continue;
        }
        rc = ts_buf_putc(out, '"');
        for (const char *p = c; rc == TS_OK && *p; p++)
            rc = *p == '"' ? ts_buf_append(out, "\"\"", 2) : ts_buf_putc(out, *p);
        if (rc == TS_OK)
            rc = ts_buf_putc(out, '"');
    }
    return rc == TS_OK ? ts_buf_append(out, "\r\n", 2) : rc;
}

static const char *const *heads(ts__rows_kind kind, bool csv, size_t *n)
{
    static const char *const lists_t[] = {"COLOUR", "PERSON", "GRID", "SCORE",
                                          "SINCE",  "REVIEW", "RULES"};
    static const char *const lists_c[] = {"colour", "person",      "grid",  "score",
                                          "since",  "next_review", "rules", "rule_titles"};
    static const char *const ledger_t[] = {"PERSON", "GRID", "SUSPECT", "RUN", "GAPS", "RULES"};
    static const char *const ledger_c[] = {"person", "grid",  "suspect",    "run",
                                           "gaps",   "rules", "rule_titles"};
    static const char *const due_t[] = {"PERSON", "COLOUR", "GRID", "NEXT REVIEW", "OVERDUE DAYS"};
    static const char *const due_c[] = {"person", "colour", "grid", "next_review", "overdue_days"};
    /* CSV: a rule_titles column after rules (same order, "" for an id the pack lacks) */
    *n = kind == TS__ROWS_LISTS ? 7 : kind == TS__ROWS_LEDGER ? 6 : 5;
    *n += csv && kind != TS__ROWS_DUE;
    if (kind == TS__ROWS_LISTS)
        return csv ? lists_c : lists_t;
    if (kind == TS__ROWS_LEDGER)
        return csv ? ledger_c : ledger_t;
    return csv ? due_c : due_t;
}

static ts_status fail(ts_err *err, ts_status rc)
{
    return ts_err_set(err, rc, NULL, "%s",
                      rc == TS_LIMIT ? "output larger than its cap" : "cannot render rows");
}

ts_status ts__render_rows_new(ts__rows_kind kind, ts_out_format fmt, const ts_rulepack *pack,
                              ts_buf *out, ts__rows_render **rp, ts_err *err)
{
    if (fmt != TS_OUT_TABLE && fmt != TS_OUT_JSONL && fmt != TS_OUT_CSV)
        return ts_err_set(err, TS_USAGE, NULL, "format must be table, jsonl or csv");
    ts__rows_render *r = calloc(1, sizeof *r);
    if (!r)
        return fail(err, TS_NOMEM);
    r->kind = kind;
    r->fmt = fmt;
    r->out = out;
    r->pack = pack;
    /* one row's joined ids and cells: bounded by the row's stored text */
    ts_arena_init(&r->scratch, TS_LIMIT_LINE * 4);
    size_t n;
    const char *const *h = heads(kind, fmt == TS_OUT_CSV, &n);
    r->t.ncols = n;
    ts_status rc = TS_OK;
    if (fmt == TS_OUT_TABLE) {
        r->t.width = calloc(n, sizeof *r->t.width);
        rc = r->t.width ? table_add(r, h) : TS_NOMEM;
    } else if (fmt == TS_OUT_CSV) {
        rc = csv_row(out, h, n);
    }
    if (rc != TS_OK) {
        ts__render_rows_free(r);
        return fail(err, rc);
    }
    *rp = r;
    return TS_OK;
}

/* Emits one row of cells (table / CSV). */
static ts_status cells_row(ts__rows_render *r, const char *const *cells, ts_err *err)
{
    ts_status rc = r->fmt == TS_OUT_CSV ? csv_row(r->out, cells, r->t.ncols) : table_add(r, cells);
    ts_arena_reset(&r->scratch);
    return rc == TS_OK ? TS_OK : fail(err, rc);
}

/* Ends one JSON Lines object. */
static ts_status json_row(ts__rows_render *r, ts_jsonw *w, ts_err *err)
{
    ts_status rc = ts_jsonw_finish(w);
    if (rc == TS_OK)
        rc = ts_buf_putc(r->out, '\n');
    return rc == TS_OK ? TS_OK : fail(err, rc);
}

/* "rules": [ids] and "rule_titles": [title or null, …] in the same order. */
static void ids_json(ts_jsonw *w, const ts_rulepack *pack, const ts_reason *v, size_t n)
{
    ts_jsonw_key(w, "rules");
    ts_jsonw_arr(w);
    for (size_t i = 0; i < n; i++)
        if (v[i].id)
            ts_jsonw_str(w, v[i].id);
    ts_jsonw_arr_end(w);
    ts_jsonw_key(w, "rule_titles");
    ts_jsonw_arr(w);
    for (size_t i = 0; i < n; i++)
        if (v[i].id)
            ts_jsonw_str(w, ts_rulepack_title(pack, v[i].id));
    ts_jsonw_arr_end(w);
}

/* What is joined for one id: the id, its title, or (table) "id (title)". */
typedef enum { JOIN_IDS, JOIN_TITLES, JOIN_TITLED } join_what;

static const char *join_part(ts__rows_render *r, const char *id, join_what what)
{
    const char *title = what == JOIN_IDS ? NULL : ts_rulepack_title(r->pack, id);
    char *t = title ? ts_arena_strdup(&r->scratch, title) : NULL;
    for (char *c = t; c && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = ' '; /* a pack's title never breaks a row */
    if (what == JOIN_TITLES)
        return t ? t : "";
    if (!t)
        return id;
    return ts_arena_printf(&r->scratch, "%s (%s)", id, t);
}

/* The ids (or their titles) joined with sep, in the renderer's scratch ("" when none). */
static const char *ids_join(ts__rows_render *r, const ts_reason *v, const char *const *ids,
                            size_t n, const char *sep, join_what what)
{
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_LINE * 2);
    bool first = true;
    ts_status rc = ts_buf_puts(&b, "");
    for (size_t i = 0; i < n && rc == TS_OK; i++) {
        const char *id = v ? v[i].id : ids[i];
        if (!id)
            continue;
        const char *part = join_part(r, id, what);
        if (!part)
            rc = TS_NOMEM;
        if (rc == TS_OK && !first)
            rc = ts_buf_puts(&b, sep);
        first = false;
        if (rc == TS_OK)
            rc = ts_buf_puts(&b, part);
    }
    const char *s = rc == TS_OK ? ts_arena_strdup(&r->scratch, ts_buf_str(&b)) : NULL;
    ts_buf_release(&b);
    return s;
}

void ts__render_list_entry_json(ts_jsonw *w, const ts_rulepack *pack, const ts_list_entry *e)
{
    ts_jsonw_obj(w);
    ts_jsonw_kstr(w, "person", e->person);
    ts_jsonw_kstr(w, "colour", ts_colour_name(e->colour));
    ts_jsonw_kstr(w, "grid", e->grid);
    ts_jsonw_kint(w, "score", e->score);
    ts_jsonw_kstr(w, "since", e->since);
    ids_json(w, pack, e->rules, e->n_rules);
    ts_jsonw_obj_end(w);
}

ts_status ts__render_list_entry(ts__rows_render *r, const ts_list_entry *e, ts_err *err)
{
    if (r->kind != TS__ROWS_LISTS)
        return ts_err_set(err, TS_STATE, NULL, "not a lists renderer");
    if (r->fmt == TS_OUT_JSONL) {
        ts_jsonw w;
        ts_jsonw_init(&w, r->out);
        ts__render_list_entry_json(&w, r->pack, e);
        return json_row(r, &w, err);
    }
    char score[24];
    snprintf(score, sizeof score, "%lld", (long long)e->score);
    bool csv = r->fmt == TS_OUT_CSV;
    const char *rules =
        ids_join(r, e->rules, NULL, e->n_rules, csv ? ";" : ", ", csv ? JOIN_IDS : JOIN_TITLED);
    const char *titles = csv ? ids_join(r, e->rules, NULL, e->n_rules, ";", JOIN_TITLES) : "";
    const char *review = e->next_review ? e->next_review : "";
    if (rules && r->fmt == TS_OUT_TABLE && e->override_colour)
        review = ts_arena_printf(&r->scratch, "%s%soverride by %s", review, review[0] ? ", " : "",
                                 e->override_by ? e->override_by : "?");
    if (!rules || !review || !titles)
        return fail(err, TS_NOMEM);
    const char *cells[8] = {
        ts_colour_name(e->colour), e->person, e->grid, score, e->since, review, rules, titles};
    return cells_row(r, cells, err);
}

ts_status ts__render_ledger_entry(ts__rows_render *r, const ts_ledger_entry *e, ts_err *err)
{
    if (r->kind != TS__ROWS_LEDGER)
        return ts_err_set(err, TS_STATE, NULL, "not a ledger renderer");
    if (r->fmt == TS_OUT_JSONL) {
        ts_jsonw w;
        ts_jsonw_init(&w, r->out);
        ts_jsonw_obj(&w);
        ts_jsonw_kstr(&w, "person", e->person);
        ts_jsonw_kstr(&w, "grid", e->grid);
        ts_jsonw_kbool(&w, "suspect", e->suspect);
        ts_jsonw_key(&w, "gaps");
        ts_jsonw_arr(&w);
        for (size_t i = 0; i < e->n_gaps; i++)
            ts_jsonw_str(&w, e->gaps[i]);
        ts_jsonw_arr_end(&w);
        ids_json(&w, r->pack, e->rules, e->n_rules);
        ts_jsonw_kint(&w, "run", e->run);
        ts_jsonw_obj_end(&w);
        return json_row(r, &w, err);
    }
    bool csv = r->fmt == TS_OUT_CSV;
    const char *sep = csv ? ";" : ", ";
    const char *gaps = ids_join(r, NULL, e->gaps, e->n_gaps, sep, JOIN_IDS);
    const char *rules = ids_join(r, e->rules, NULL, e->n_rules, sep, csv ? JOIN_IDS : JOIN_TITLED);
    const char *titles = csv ? ids_join(r, e->rules, NULL, e->n_rules, ";", JOIN_TITLES) : "";
    if (!gaps || !rules || !titles)
        return fail(err, TS_NOMEM);
    char run[24];
    snprintf(run, sizeof run, "%lld", (long long)e->run);
    const char *suspect =
        r->fmt == TS_OUT_CSV ? (e->suspect ? "true" : "false") : (e->suspect ? "yes" : "no");
    const char *cells[7] = {e->person, e->grid, suspect, run, gaps, rules, titles};
    return cells_row(r, cells, err);
}

ts_status ts__render_due_entry(ts__rows_render *r, const ts_due_entry *e, ts_err *err)
{
    if (r->kind != TS__ROWS_DUE)
        return ts_err_set(err, TS_STATE, NULL, "not a due renderer");
    if (r->fmt == TS_OUT_JSONL) {
        ts_jsonw w;
        ts_jsonw_init(&w, r->out);
        ts_jsonw_obj(&w);
        ts_jsonw_kstr(&w, "person", e->person);
        ts_jsonw_kstr(&w, "colour", ts_colour_name(e->colour));
        ts_jsonw_kstr(&w, "grid", e->grid);
        ts_jsonw_kstr(&w, "next_review", e->next_review);
        ts_jsonw_kint(&w, "overdue_days", e->overdue_days);
        ts_jsonw_obj_end(&w);
        return json_row(r, &w, err);
    }
    char days[24];
    snprintf(days, sizeof days, "%lld", (long long)e->overdue_days);
    const char *cells[5] = {e->person, ts_colour_name(e->colour), e->grid, e->next_review, days};
    return cells_row(r, cells, err);
}

ts_status ts__render_rows_finish(ts__rows_render *r, ts_err *err)
{
    ts_status rc = r->fmt == TS_OUT_TABLE ? flush_rows(r) : TS_OK;
    return rc == TS_OK ? TS_OK : fail(err, rc);
}

void ts__render_rows_free(ts__rows_render *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->t.nrows; i++)
        free(r->t.rows[i]);
    free(r->t.rows);
    free(r->t.width);
    ts_arena_release(&r->scratch);
    free(r);
}

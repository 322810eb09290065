/* record/csv.c — the CSV record reader: persons, events and relations files, told apart
 * by their header. Uses record/csvrows (libcsv), record/fields, base/limits. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/date.h"
#include "base/attrname.h"
#include "base/limits.h"
#include "base/text.h"
#include "record/csvrows.h"
#include "record/csvread.h"
#include "record/fields.h"

enum { CK_PERSONS, CK_EVENTS, CK_RELATIONS };

enum {
    R_ID,
    R_GRID,
    R_NAME,
    R_BORN,
    R_CATS,
    R_NOTES,
    R_ATTR,
    R_PERSON_ID,
    R_TYPE,
    R_DATE,
    R_NOTE,
    R_OTHER_ID,
    R_KIND,
    R__COUNT
};

static const struct {
    const char *name;
    int kind;
    bool required;
} columns[R__COUNT] = {
    [R_ID] = {"id", CK_PERSONS, true},
    [R_GRID] = {"grid", CK_PERSONS, true},
    [R_NAME] = {"name", CK_PERSONS, false},
    [R_BORN] = {"born", CK_PERSONS, false},
    [R_CATS] = {"categories", CK_PERSONS, false},
    [R_NOTES] = {"notes", CK_PERSONS, false},
    [R_ATTR] = {"attrs.", CK_PERSONS, false},
    [R_PERSON_ID] = {"person_id", -1, true}, /* events and relations */
    [R_TYPE] = {"type", CK_EVENTS, true},
    [R_DATE] = {"date", CK_EVENTS, true},
    [R_NOTE] = {"note", CK_EVENTS, false},
    [R_OTHER_ID] = {"other_id", CK_RELATIONS, true},
    [R_KIND] = {"kind", CK_RELATIONS, true},
};

struct ts__csvread {
    ts__csvrows *rows;
    int kind;
    size_t ncol;
    int role[TS_LIMIT_CSV_COLUMNS];
    int col_of[R__COUNT];                  /* column of each role but R_ATTR, or -1 */
    char *attr_name[TS_LIMIT_CSV_COLUMNS]; /* R_ATTR columns: the name (owned) */
    size_t attr_col[TS_LIMIT_CSV_COLUMNS]; /* attr columns in name order */
    bool attr_protected[TS_LIMIT_CSV_COLUMNS];
    size_t n_attr;
};

static ts_status header_error(ts_reader *r, uint64_t line, ts_err *err, const char *fmt,
                              const char *col)
{
    char where[sizeof err->where];
    snprintf(where, sizeof where, "%s:%llu", r->path, (unsigned long long)line);
    return ts_err_set(err, TS_PARSE, where, fmt, col);
}

static void trim(const char **s, size_t *n)
{
    while (*n && ((*s)[0] == ' ' || (*s)[0] == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

static ts_status read_header(ts_reader *r, ts__csvread *c, ts_err *err)
{
    ts__csvrow row;
    bool got = false;
    ts_status rc = ts__csvrows_next(c->rows, &row, &got, err);
    if (rc != TS_OK)
        return rc;
    if (!got)
        return ts_err_set(err, TS_PARSE, r->path, "the file has no header row");
    if (row.error)
        return header_error(r, row.line, err, "header: %s", row.error);
    for (int k = 0; k < R__COUNT; k++)
        c->col_of[k] = -1;
    c->ncol = row.n;
    /* the kind first, from the columns only one kind has */
    c->kind = -1;
    for (size_t i = 0; i < row.n && c->kind < 0; i++) {
        const char *h = row.f[i];
        size_t n = row.len[i];
        trim(&h, &n);
        for (int k = 0; k < R__COUNT; k++)
            if (columns[k].kind >= 0 && strlen(columns[k].name) == n &&
                memcmp(columns[k].name, h, n) == 0)
                c->kind = columns[k].kind;
        if (n > 6 && memcmp(h, "attrs.", 6) == 0)
            c->kind = CK_PERSONS;
    }
    if (c->kind < 0)
        return header_error(r, row.line, err,
                            "unrecognised header%s: expected a persons file (id,grid,...), an "
                            "events file (person_id,type,date[,note]) or a relations file "
                            "(person_id,other_id,kind)",
                            "");
    for (size_t i = 0; i < row.n; i++) {
        const char *h = row.f[i];
        size_t n = row.len[i];
        trim(&h, &n);
        char col[TS_LIMIT_ID * 2 + 1];
        size_t cl = n < sizeof col - 1 ? n : sizeof col - 1;
        memcpy(col, h, cl);
        col[cl] = '\0';
        if (!ts_utf8_valid(h, n, NULL) || memchr(h, '\0', n))
            return header_error(r, row.line, err, "a column name is not valid UTF-8%s", "");
        int role = -1;
        for (int k = 0; k < R__COUNT && role < 0; k++) {
            if (k == R_ATTR)
                continue;
            if ((columns[k].kind == c->kind || (columns[k].kind < 0 && c->kind != CK_PERSONS)) &&
                strlen(columns[k].name) == n && memcmp(columns[k].name, h, n) == 0)
                role = k;
        }
        if (role < 0 && c->kind == CK_PERSONS && n > 6 && memcmp(h, "attrs.", 6) == 0) {
            role = R_ATTR;
            const char *an = h + 6;
            size_t al = n - 6;
            bool ok = al <= 4 * TS_LIMIT_ATTR_NAME;
            for (size_t j = 0; j < al && ok; j++)
                ok = (unsigned char)an[j] >= 0x20 && an[j] != 0x7f;
            /* stored in normal form (base/attrname.h), like the JSON and YAML readers */
            char norm[TS_ATTRNAME_BUF];
            ts_attrname_rc nrc =
                ok ? ts__attrname_normalize(an, al, norm, NULL) : TS_ATTRNAME_INVALID;
            if (nrc == TS_ATTRNAME_LONG)
                return header_error(r, row.line, err,
                                    "column \"%s\": the attribute name is longer than 64 bytes "
                                    "(after Unicode NFKC normalisation)",
                                    col);
            if (nrc != TS_ATTRNAME_OK)
                return header_error(r, row.line, err, "column \"%s\": invalid attribute name", col);
            for (size_t j = 0; j < c->n_attr; j++) {
                const char *o = c->attr_name[c->attr_col[j]];
                if (strcmp(o, norm) == 0)
                    return header_error(r, row.line, err,
                                        "column \"%s\" appears twice (attribute names are "
                                        "compared after normalisation)",
                                        col);
            }
            c->attr_name[i] = strdup(norm);
            if (!c->attr_name[i])
                return ts_err_set(err, TS_NOMEM, r->path, "out of memory");
            c->attr_protected[i] = ts_record_attr_protected(c->attr_name[i]);
            c->attr_col[c->n_attr++] = i;
        }
        if (role < 0)
            return header_error(r, row.line, err, "unknown column \"%s\" in the header", col);
        if (role != R_ATTR) {
            if (c->col_of[role] >= 0)
                return header_error(r, row.line, err, "column \"%s\" appears twice", col);
            c->col_of[role] = (int)i;
        }
        c->role[i] = role;
    }
    for (int k = 0; k < R__COUNT; k++) {
        bool mine = columns[k].kind == c->kind || (columns[k].kind < 0 && c->kind != CK_PERSONS);
        if (mine && columns[k].required && c->col_of[k] < 0)
            return header_error(r, row.line, err, "the header has no column \"%s\"",
                                columns[k].name);
    }
    /* attrs come out sorted by name: order the attr columns once */
    for (size_t i = 1; i < c->n_attr; i++) {
        size_t v = c->attr_col[i], j = i;
        for (; j > 0 && strcmp(c->attr_name[c->attr_col[j - 1]], c->attr_name[v]) > 0; j--)
            c->attr_col[j] = c->attr_col[j - 1];
        c->attr_col[j] = v;
    }
    return TS_OK;
}

ts_status ts__csvread_open(ts_reader *r, ts_err *err)
{
    ts__csvread *c = calloc(1, sizeof *c);
    if (!c)
        return ts_err_set(err, TS_NOMEM, r->path, "out of memory");
    r->csv = c;
    ts_status rc = r->is_mem ? ts__csvrows_open_mem(r->path, r->mem, r->mem_len, &c->rows, err)
                             : ts__csvrows_open_file(r->path, &c->rows, err);
    if (rc != TS_OK)
        return rc;
    return read_header(r, c, err);
}

void ts__csvread_close(ts_reader *r)
{
    ts__csvread *c = r->csv;
    if (!c)
        return;
    ts__csvrows_free(c->rows);
    for (size_t i = 0; i < TS_LIMIT_CSV_COLUMNS; i++)
        free(c->attr_name[i]);
    free(c);
    r->csv = NULL;
}

void ts__csvread_progress(const ts_reader *r, uint64_t *done, uint64_t *total)
{
    ts__csvrows_progress(r->csv->rows, done, total);
}

/* A required identifier cell: "" is a missing field. */
static ts_status cell_ident(ts_arena *a, const ts__csvrow *row, int col, const char *field,
                            const char **out, ts_err *err)
{
    if (row->len[col] == 0)
        return ts__rec_reject(err, TS__FP(field), "required field is missing");
    return ts__rec_str(a, TS__FP(field), row->f[col], row->len[col], TS_LIMIT_ID, true, out, err);
}

static ts_status cell_date(const ts__csvrow *row, int col, const char *field, int32_t *out,
                           ts_err *err)
{
    if (row->len[col] == 0)
        return ts__rec_reject(err, TS__FP(field), "required field is missing");
    return ts__rec_date(TS__FP(field), row->f[col], row->len[col], out, err);
}

static bool cell_number(const char *s, size_t len, double *out)
{
    if (len == 0 || len > 64)
        return false;
    char c0 = s[0];
    if (!((c0 >= '0' && c0 <= '9') || c0 == '-' || c0 == '+' || c0 == '.'))
        return false;
    if (memchr(s, 'x', len) || memchr(s, 'X', len))
        return false;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end != s + len || !isfinite(d))
        return false;
    *out = d;
    return true;
}

static ts_status csv_categories(ts_arena *a, const char *s, size_t len, ts_person *p, ts_err *err)
{
    size_t n = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || s[i] == ';')
            n++;
    const char **cats = ts_arena_alloc(a, n * sizeof *cats);
    if (!cats)
        return ts_err_set(err, TS_NOMEM, NULL, "record arena exhausted");
    size_t k = 0, b = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != ';')
            continue;
        const char *c = s + b;
        size_t cl = i - b;
        b = i + 1;
        trim(&c, &cl);
        if (cl == 0)
            continue;
        if (k == TS_LIMIT_CATEGORIES)
            return ts__rec_reject(err, TS__FP("categories"), "more than %u categories",
                                  TS_LIMIT_CATEGORIES);
        ts_status rc =
            ts__rec_str(a, TS__FP("categories"), c, cl, TS_LIMIT_ATTR_NAME, true, &cats[k], err);
        if (rc != TS_OK)
            return rc;
        k++;
    }
    p->categories = cats;
    p->n_categories = k;
    return TS_OK;
}

static ts_status csv_person(ts__csvread *c, const ts__csvrow *row, ts_arena *a, ts_person *p,
                            ts_err *err)
{
    ts__rec_person_init(p);
    ts_status rc = cell_ident(a, row, c->col_of[R_ID], "id", &p->id, err);
    if (rc == TS_OK)
        rc = cell_ident(a, row, c->col_of[R_GRID], "grid", &p->grid, err);
    int col = c->col_of[R_NAME];
    if (rc == TS_OK && col >= 0)
        rc = ts__rec_str(a, TS__FP("name"), row->f[col], row->len[col], TS_LIMIT_FIELD, false,
                         &p->name, err);
    col = c->col_of[R_BORN];
    if (rc == TS_OK && col >= 0 && row->len[col])
        rc = ts__rec_date(TS__FP("born"), row->f[col], row->len[col], &p->born, err);
    col = c->col_of[R_CATS];
    if (rc == TS_OK && col >= 0)
        rc = csv_categories(a, row->f[col], row->len[col], p, err);
    col = c->col_of[R_NOTES];
    if (rc == TS_OK && col >= 0)
        rc = ts__rec_str(a, TS__FP("notes"), row->f[col], row->len[col], TS_LIMIT_FIELD, false,
                         &p->notes, err);
    if (rc != TS_OK || c->n_attr == 0)
        return rc;
    ts_attr *attrs = ts_arena_alloc(a, c->n_attr * sizeof *attrs);
    if (!attrs)
        return ts_err_set(err, TS_NOMEM, NULL, "record arena exhausted");
    size_t k = 0;
    for (size_t j = 0; j < c->n_attr; j++) {
        size_t i = c->attr_col[j];
        const char *s = row->f[i];
        size_t len = row->len[i];
        if (len == 0)
            continue; /* "" = absent */
        const char *name = c->attr_name[i];
        ts__fpath fp = {"attrs", -1, name};
        if (c->attr_protected[i])
            return ts__rec_reject(err, fp, "protected attribute is not accepted");
        ts_attr *at = &attrs[k];
        at->name = ts_arena_strdup(a, name); /* the arena owns every string of an item */
        if (!at->name)
            return ts_err_set(err, TS_NOMEM, NULL, "record arena exhausted");
        at->str = NULL;
        if (len == 4 && memcmp(s, "true", 4) == 0) {
            at->type = TS_ATTR_BOOL;
            at->b = true;
        } else if (len == 5 && memcmp(s, "false", 5) == 0) {
            at->type = TS_ATTR_BOOL;
            at->b = false;
        } else if (cell_number(s, len, &at->num)) {
            at->type = TS_ATTR_NUM;
        } else {
            at->type = TS_ATTR_STR;
            rc = ts__rec_str(a, fp, s, len, TS_LIMIT_FIELD, false, &at->str, err);
            if (rc != TS_OK)
                return rc;
        }
        k++;
        if (k > TS_LIMIT_ATTRS)
            return ts__rec_reject(err, fp,
                                  "more than %u attributes: a row may fill at most %u of the "
                                  "attrs.* columns (this is the first one past the limit)",
                                  TS_LIMIT_ATTRS, TS_LIMIT_ATTRS);
    }
    p->attrs = attrs;
    p->n_attrs = k;
    return ts__rec_attrs_finish(attrs, k, err);
}

ts_status ts__csvread_next(ts_reader *r, ts_arena *a, ts_item *out, ts_err *err)
{
    ts__csvread *c = r->csv;
    ts__csvrow row;
    bool got = false;
    ts_status rc = ts__csvrows_next(c->rows, &row, &got, err);
    if (rc != TS_OK)
        return rc;
    memset(out, 0, sizeof *out);
    if (!got) {
        out->kind = TS_ITEM_END;
        return TS_OK;
    }
    out->line = row.line;
    if (row.error)
        return ts__reader_reject(a, out, row.line, "", row.error, row.raw, row.raw_len, err);
    if (row.n != c->ncol) {
        char reason[64];
        snprintf(reason, sizeof reason, "expected %zu fields, got %zu", c->ncol, row.n);
        return ts__reader_reject(a, out, row.line, "", reason, row.raw, row.raw_len, err);
    }
    ts_err e;
    ts_err_clear(&e);
    if (c->kind == CK_PERSONS) {
        rc = csv_person(c, &row, a, &out->person, &e);
        out->kind = TS_ITEM_PERSON;
    } else {
        rc = cell_ident(a, &row, c->col_of[R_PERSON_ID], "person_id", &out->person_id, &e);
        if (c->kind == CK_EVENTS) {
            out->kind = TS_ITEM_EVENT;
            out->event.note = "";
            int col = c->col_of[R_NOTE];
            if (rc == TS_OK)
                rc = cell_ident(a, &row, c->col_of[R_TYPE], "type", &out->event.type, &e);
            if (rc == TS_OK)
                rc = cell_date(&row, c->col_of[R_DATE], "date", &out->event.date, &e);
            if (rc == TS_OK && col >= 0)
                rc = ts__rec_str(a, TS__FP("note"), row.f[col], row.len[col], TS_LIMIT_FIELD, false,
                                 &out->event.note, &e);
        } else {
            out->kind = TS_ITEM_RELATION;
            if (rc == TS_OK)
                rc = cell_ident(a, &row, c->col_of[R_OTHER_ID], "other_id", &out->relation.other,
                                &e);
            if (rc == TS_OK)
                rc = cell_ident(a, &row, c->col_of[R_KIND], "kind", &out->relation.kind, &e);
        }
    }
    if (rc == TS_INVALID)
        return ts__reader_reject(a, out, row.line, e.where, e.msg, row.raw, row.raw_len, err);
    if (rc != TS_OK)
        return ts_err_set(err, rc, r->path, "%s", e.msg);
    /* the row as read, for a reject the importer makes later (unknown person, grid) */
    out->raw = ts_arena_strndup(a, row.raw ? row.raw : "", row.raw ? row.raw_len : 0);
    out->raw_len = row.raw ? row.raw_len : 0;
    if (!out->raw)
        return ts_err_set(err, TS_NOMEM, NULL, "record arena exhausted");
    return TS_OK;
}

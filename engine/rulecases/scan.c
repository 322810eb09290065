/* rulecases/scan.c — the protected-attribute scan of rule sources used by `rules check`
 * (ts_rulecases_scan_protected). A small Lua tokenizer: comments are skipped, strings
 * are decoded enough to compare with attribute names. Uses record (the protected list)
 * and base/limits.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/record.h"
#include "triscreen/rulecases.h"
#include "base/fsdir.h"
#include "base/limits.h"
#include "rulecases/rc_int.h"

enum { TK_NONE, TK_IDENT, TK_STRING, TK_PUNCT };

/* Longer than any attribute name: longer tokens are kept truncated and never match. */
#define SCAN_TEXT (TS_LIMIT_ATTR_NAME + 16)

typedef struct token {
    int type;
    char text[SCAN_TEXT + 1];
    bool truncated;
    unsigned line;
} token;

typedef struct scanner {
    const char *s;
    size_t len, i;
    unsigned line;
    const char *file;
    ts_problem_fn on_problem;
    void *ud;
    size_t found;
    token prev[2]; /* prev[1] is the latest */
} scanner;

static void report(scanner *sc, unsigned line, const char *fmt, const char *name)
{
    char where[300], msg[300];
    snprintf(where, sizeof where, "%s:%u", sc->file, line);
    snprintf(msg, sizeof msg, fmt, name);
    sc->found++;
    if (sc->on_problem)
        sc->on_problem(sc->ud, where, msg);
}

static void push(scanner *sc, const token *t)
{
    const token *a = &sc->prev[0], *b = &sc->prev[1];
    bool after_attrs = a->type == TK_IDENT && strcmp(a->text, "attrs") == 0 && b->type == TK_PUNCT;
    if (after_attrs && strcmp(b->text, ".") == 0 && t->type == TK_IDENT && !t->truncated &&
        ts_record_attr_protected(t->text)) {
        report(sc, t->line,
               "reads protected attribute '%s' (rules must not key on protected "
               "attributes)",
               t->text);
    } else if (t->type == TK_STRING && !t->truncated && ts_record_attr_protected(t->text)) {
        bool after_num = a->type == TK_IDENT && strcmp(a->text, "num") == 0 &&
                         b->type == TK_PUNCT && strcmp(b->text, "(") == 0;
        if ((after_attrs && strcmp(b->text, "[") == 0) || after_num)
            report(sc, t->line,
                   "reads protected attribute '%s' (rules must not key on protected "
                   "attributes)",
                   t->text);
        else
            report(sc, t->line,
                   "names protected attribute '%s' in a string (rules must not key on "
                   "protected attributes)",
                   t->text);
    }
    sc->prev[0] = sc->prev[1];
    sc->prev[1] = *t;
}

static void tok_add(token *t, char c)
{
    size_t n = strlen(t->text);
    if (n < SCAN_TEXT) {
        t->text[n] = c;
        t->text[n + 1] = '\0';
    } else {
        t->truncated = true;
    }
}

/* At '[': the level of a long bracket "[==[" (>= 0), or -1 when it is not one. */
static int long_open(const scanner *sc, size_t at)
{
    size_t j = at + 1;
    int level = 0;
    while (j < sc->len && sc->s[j] == '=') {
        level++;
        j++;
    }
    return (j < sc->len && sc->s[j] == '[') ? level : -1;
}

/* Skips a long bracket of this level starting at sc->i; appends its content to t (may
 * be NULL). */
static void skip_long(scanner *sc, int level, token *t)
{
    sc->i += (size_t)level + 2;
    if (sc->i < sc->len && sc->s[sc->i] == '\n') { /* a first newline is not content */
        sc->line++;
        sc->i++;
    }
    while (sc->i < sc->len) {
        char c = sc->s[sc->i];
        if (c == ']') {
            size_t j = sc->i + 1;
            int l = 0;
            while (j < sc->len && sc->s[j] == '=') {
                l++;
                j++;
            }
            if (l == level && j < sc->len && sc->s[j] == ']') {
                sc->i = j + 1;
                return;
            }
        }
        if (c == '\n')
            sc->line++;
        if (t)
            tok_add(t, c);
        sc->i++;
    }
}

static void scan_text(scanner *sc)
{
    while (sc->i < sc->len) {
        char c = sc->s[sc->i];
        token t = {.type = TK_NONE, .line = sc->line};
        if (c == '\n') {
            sc->line++;
            sc->i++;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            sc->i++;
        } else if (c == '-' && sc->i + 1 < sc->len && sc->s[sc->i + 1] == '-') {
            sc->i += 2;
            int level;
            if (sc->i < sc->len && sc->s[sc->i] == '[' && (level = long_open(sc, sc->i)) >= 0) {
                skip_long(sc, level, NULL);
            } else {
                while (sc->i < sc->len && sc->s[sc->i] != '\n')
                    sc->i++;
            }
        } else if (c == '[' && long_open(sc, sc->i) >= 0) {
            t.type = TK_STRING;
            skip_long(sc, long_open(sc, sc->i), &t);
            push(sc, &t);
        } else if (c == '"' || c == '\'') {
            t.type = TK_STRING;
            sc->i++;
            while (sc->i < sc->len && sc->s[sc->i] != c && sc->s[sc->i] != '\n') {
                if (sc->s[sc->i] == '\\' && sc->i + 1 < sc->len) {
                    sc->i++;
                    if (sc->s[sc->i] == '\n')
                        sc->line++;
                }
                tok_add(&t, sc->s[sc->i]);
                sc->i++;
            }
            if (sc->i < sc->len && sc->s[sc->i] == c)
                sc->i++;
            push(sc, &t);
        } else if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            t.type = TK_IDENT;
            while (sc->i < sc->len) {
                char d = sc->s[sc->i];
                if (!(d == '_' || (d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') ||
                      (d >= '0' && d <= '9')))
                    break;
                tok_add(&t, d);
                sc->i++;
            }
            push(sc, &t);
        } else if (c >= '0' && c <= '9') {
            /* numbers (and their exponents, hex digits, dots) are never names */
            while (sc->i < sc->len) {
                char d = sc->s[sc->i];
                if (!((d >= '0' && d <= '9') || (d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') ||
                      d == '.' || d == '_'))
                    break;
                sc->i++;
            }
            t.type = TK_PUNCT;
            strcpy(t.text, "0");
            push(sc, &t);
        } else {
            t.type = TK_PUNCT;
            t.text[0] = c;
            sc->i++;
            /* ".." and "..." are concatenation / varargs, not a field access */
            while (c == '.' && sc->i < sc->len && sc->s[sc->i] == '.') {
                strcpy(t.text, "..");
                sc->i++;
            }
            push(sc, &t);
        }
    }
}

static bool is_lua(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".lua") == 0;
}

/* Reads at most TS_LIMIT_RULE_FILE bytes of path into a malloc'd buffer. */
static ts_status read_file(const char *path, char **out, size_t *len, ts_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ts_err_set(err, TS_IO, path, "cannot open: %s", strerror(errno));
    char *buf = malloc(TS_LIMIT_RULE_FILE + 1);
    if (!buf) {
        fclose(f);
        return ts_err_set(err, TS_NOMEM, path, "out of memory");
    }
    size_t n = fread(buf, 1, TS_LIMIT_RULE_FILE, f);
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return ts_err_set(err, TS_IO, path, "cannot read");
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return TS_OK;
}

ts_status ts__rc_each_lua(const char *dir, ts__rc_file_fn fn, void *ud, ts_err *err)
{
    char **names = NULL;
    size_t n = 0;
    ts_status st = ts_dir_names(dir, "rule folder", is_lua, &names, &n, err);
    for (size_t i = 0; st == TS_OK && i < n; i++) {
        size_t plen = strlen(dir) + 1 + strlen(names[i]) + 1;
        char *path = malloc(plen);
        if (!path) {
            st = ts_err_set(err, TS_NOMEM, dir, "out of memory");
            break;
        }
        snprintf(path, plen, "%s/%s", dir, names[i]);
        char *text = NULL;
        size_t len = 0;
        st = read_file(path, &text, &len, err);
        free(path);
        if (st == TS_OK)
            st = fn(ud, names[i], text, len, err);
        free(text);
    }
    ts_dir_names_free(names, n);
    return st;
}

/* One file of the lint. */
typedef struct scan_walk {
    ts_problem_fn on_problem;
    void *ud;
    size_t found;
} scan_walk;

static ts_status scan_one(void *ud, const char *name, const char *text, size_t len, ts_err *err)
{
    (void)err;
    scan_walk *w = ud;
    scanner sc = {
        .s = text, .len = len, .line = 1, .file = name, .on_problem = w->on_problem, .ud = w->ud};
    scan_text(&sc);
    w->found += sc.found;
    return TS_OK;
}

ts_status ts_rulecases_scan_protected(const char *dir, ts_problem_fn on_problem, void *ud,
                                      size_t *n_found, ts_err *err)
{
    scan_walk w = {.on_problem = on_problem, .ud = ud};
    ts_status st = ts__rc_each_lua(dir, scan_one, &w, err);
    if (st == TS_OK && n_found)
        *n_found = w.found;
    return st;
}

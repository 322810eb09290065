/* rulecases/check.c — the deep checks of `rules check` (ts_rulecases_check): a Lua
 * tokenizer (strings decoded with a map back to the source, long brackets, comments),
 * then regex literals compiled by regex/ as the engine compiles them, references to
 * person fields, schema attributes, relations and event types, and rule scores against
 * the thresholds. Uses config (schema, thresholds), regex/regex.h, rulehost. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/record.h"
#include "triscreen/rulecheck.h"
#include "base/fsdir.h"
#include "base/limits.h"
#include "base/text.h"
#include "regex/regex.h"
#include "rulecases/rc_int.h"

enum { TK_IDENT, TK_STRING, TK_NUMBER, TK_PUNCT };

typedef struct tok {
    int type;
    size_t off, end; /* source bytes [off, end) */
    char *str;       /* TK_STRING: decoded bytes (NUL-terminated), TK_IDENT: the name */
    size_t len;
    size_t *map; /* TK_STRING: source offset of each decoded byte, map[len] = closing quote */
    char punct[4];
} tok;

typedef struct ck {
    const char *file, *src;
    size_t len;
    tok *t;
    size_t n, cap;
    const ts_config *cfg;
    ts_check_fn on_item;
    void *ud;
    size_t errors, warnings;
    bool nomem;
} ck;

/* ---- reporting ------------------------------------------------------------------- */

/* Line and 1-based character column of source offset off. */
static void place(const ck *c, size_t off, unsigned *line, unsigned *col)
{
    unsigned l = 1, k = 1;
    for (size_t i = 0; i < off && i < c->len; i++) {
        unsigned char ch = (unsigned char)c->src[i];
        if (ch == '\n') {
            l++;
            k = 1;
        } else if ((ch & 0xC0) != 0x80) {
            k++;
        }
    }
    *line = l;
    *col = k;
}

static void emit(ck *c, bool warning, size_t off, const char *rule, const char *what,
                 const char *msg)
{
    ts_check_item it = {
        .warning = warning, .file = c->file, .rule = rule ? rule : "", .what = what, .msg = msg};
    place(c, off, &it.line, &it.col);
    if (warning)
        c->warnings++;
    else
        c->errors++;
    if (c->on_item)
        c->on_item(c->ud, &it);
}

/* ---- tokenizer ------------------------------------------------------------------- */

static tok *tk_push(ck *c, int type, size_t off)
{
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 256;
        tok *nt = realloc(c->t, nc * sizeof *nt);
        if (!nt) {
            c->nomem = true;
            return NULL;
        }
        c->t = nt;
        c->cap = nc;
    }
    tok *t = &c->t[c->n++];
    memset(t, 0, sizeof *t);
    t->type = type;
    t->off = off;
    return t;
}

static bool is_id(char ch, bool first)
{
    return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (!first && ch >= '0' && ch <= '9');
}

/* At '[': the level of a long bracket "[==[", or -1. */
static int long_level(const ck *c, size_t at)
{
    size_t j = at + 1;
    int level = 0;
    while (j < c->len && c->src[j] == '=') {
        level++;
        j++;
    }
    return (j < c->len && c->src[j] == '[') ? level : -1;
}

/* The end of the long bracket opened at i (level), its content in [*cs, *ce). */
static size_t long_end(const ck *c, size_t i, int level, size_t *cs, size_t *ce)
{
    i += (size_t)level + 2;
    if (i < c->len && c->src[i] == '\r')
        i++;
    if (i < c->len && c->src[i] == '\n')
        i++;
    *cs = i;
    for (; i < c->len; i++) {
        if (c->src[i] != ']')
            continue;
        size_t j = i + 1;
        int l = 0;
        while (j < c->len && c->src[j] == '=') {
            l++;
            j++;
        }
        if (l == level && j < c->len && c->src[j] == ']') {
            *ce = i;
            return j + 1;
        }
    }
    *ce = c->len;
    return c->len;
}

static bool str_add(tok *t, char ch, size_t src)
{
    t->str[t->len] = ch;
    t->map[t->len++] = src;
    return true;
}

/* Appends the UTF-8 of code point u (as Lua's \u{XXX}, up to 2^31). */
static void add_utf8(tok *t, unsigned long u, size_t src)
{
    char b[4];
    int n = ts_utf8_encode(u, b);
    for (int i = 0; i < n; i++)
        str_add(t, b[i], src);
}

/* One escape after '\' at i (the backslash); returns the index after it. */
static size_t escape(const ck *c, size_t i, tok *t)
{
    size_t at = i++;
    if (i >= c->len)
        return i;
    char e = c->src[i];
    static const char from[] = "abfnrtv\\\"'\n", to[] = "\a\b\f\n\r\t\v\\\"'\n";
    const char *p = strchr(from, e);
    if (p && e) {
        str_add(t, to[p - from], at);
        return i + 1;
    }
    if (e == 'x' && i + 2 < c->len && ts_hex_digit(c->src[i + 1]) >= 0 &&
        ts_hex_digit(c->src[i + 2]) >= 0) {
        str_add(t, (char)(ts_hex_digit(c->src[i + 1]) * 16 + ts_hex_digit(c->src[i + 2])), at);
        return i + 3;
    }
    if (e == 'z') {
        i++;
        while (i < c->len && strchr(" \t\r\n\f\v", c->src[i]) && c->src[i])
            i++;
        return i;
    }
    if (e == 'u' && i + 1 < c->len && c->src[i + 1] == '{') {
        unsigned long u = 0;
        size_t j = i + 2;
        while (j < c->len && ts_hex_digit(c->src[j]) >= 0 && u < 0x80000000ul)
            u = u * 16 + (unsigned long)ts_hex_digit(c->src[j++]);
        add_utf8(t, u, at);
        return j < c->len && c->src[j] == '}' ? j + 1 : j;
    }
    if (e >= '0' && e <= '9') {
        int v = 0, k = 0;
        while (k < 3 && i < c->len && c->src[i] >= '0' && c->src[i] <= '9') {
            v = v * 10 + (c->src[i++] - '0');
            k++;
        }
        str_add(t, (char)v, at);
        return i;
    }
    str_add(t, e, at); /* not valid Lua: the loader has reported it already */
    return i + 1;
}

/* A quoted or long string starting at i; returns the index after it. */
static size_t lex_string(ck *c, size_t i, int level)
{
    tok *t = tk_push(c, TK_STRING, i);
    if (!t)
        return c->len;
    size_t cap = 0, cs = 0, ce = 0, next;
    if (level >= 0) {
        next = long_end(c, i, level, &cs, &ce);
        cap = ce - cs;
    } else {
        /* the source bytes bound the decoded ones; \z may continue on later lines */
        for (next = i + 1; next < c->len && c->src[next] != c->src[i] && c->src[next] != '\n';
             next++) {
            if (c->src[next] != '\\')
                continue;
            next++;
            if (next < c->len && c->src[next] == 'z')
                while (next + 1 < c->len && c->src[next + 1] &&
                       strchr(" \t\r\n\f\v", c->src[next + 1]))
                    next++;
        }
        cap = next - i;
    }
    t->str = malloc(cap + 8);
    t->map = malloc((cap + 9) * sizeof *t->map);
    if (!t->str || !t->map) {
        c->nomem = true;
        return c->len;
    }
    if (level >= 0) {
        for (size_t j = cs; j < ce; j++)
            str_add(t, c->src[j], j);
        t->map[t->len] = ce;
    } else {
        size_t j = i + 1;
        while (j < c->len && c->src[j] != c->src[i] && c->src[j] != '\n' && t->len < cap) {
            if (c->src[j] == '\\')
                j = escape(c, j, t);
            else
                str_add(t, c->src[j], j), j++;
        }
        t->map[t->len] = j;
        next = j < c->len && c->src[j] == c->src[i] ? j + 1 : j;
    }
    t->str[t->len] = '\0';
    t->end = next;
    return next;
}

static size_t lex_other(ck *c, size_t i)
{
    char ch = c->src[i];
    if (is_id(ch, true)) {
        size_t j = i;
        while (j < c->len && is_id(c->src[j], false))
            j++;
        tok *t = tk_push(c, TK_IDENT, i);
        if (t) {
            t->str = malloc(j - i + 1);
            if (!t->str) {
                c->nomem = true;
                return c->len;
            }
            memcpy(t->str, c->src + i, j - i);
            t->str[j - i] = '\0';
            t->len = j - i;
            t->end = j;
        }
        return j;
    }
    if (ch >= '0' && ch <= '9') {
        size_t j = i;
        while (j < c->len && (is_id(c->src[j], false) || c->src[j] == '.'))
            j++;
        tok *t = tk_push(c, TK_NUMBER, i);
        if (t)
            t->end = j;
        return j;
    }
    tok *t = tk_push(c, TK_PUNCT, i);
    size_t j = i + 1;
    if (t) {
        t->punct[0] = ch;
        static const char *const two[] = {"==", "~=", "<=", ">=", "..", "::", "//"};
        for (size_t k = 0; k < sizeof two / sizeof two[0] && j < c->len; k++)
            if (ch == two[k][0] && c->src[j] == two[k][1]) {
                t->punct[1] = c->src[j++];
                break;
            }
        t->end = j;
    }
    return j;
}

static void lex(ck *c)
{
    size_t i = 0;
    while (i < c->len && !c->nomem) {
        char ch = c->src[i];
        int level;
        if (strchr(" \t\r\n\f\v", ch) && ch) {
            i++;
        } else if (ch == '-' && i + 1 < c->len && c->src[i + 1] == '-') {
            i += 2;
            size_t cs, ce;
            if (i < c->len && c->src[i] == '[' && (level = long_level(c, i)) >= 0)
                i = long_end(c, i, level, &cs, &ce);
            else
                while (i < c->len && c->src[i] != '\n')
                    i++;
        } else if (ch == '[' && (level = long_level(c, i)) >= 0) {
            i = lex_string(c, i, level);
        } else if (ch == '"' || ch == '\'') {
            i = lex_string(c, i, -1);
        } else {
            i = lex_other(c, i);
        }
    }
}

/* ---- token helpers --------------------------------------------------------------- */

static bool is_p(const ck *c, size_t i, const char *s)
{
    return i < c->n && c->t[i].type == TK_PUNCT && strcmp(c->t[i].punct, s) == 0;
}

static bool is_i(const ck *c, size_t i, const char *s)
{
    return i < c->n && c->t[i].type == TK_IDENT && strcmp(c->t[i].str, s) == 0;
}

static bool is_s(const ck *c, size_t i)
{
    return i < c->n && c->t[i].type == TK_STRING;
}

/* A name used as a field: not after '.' or ':' (so `x.rule` is not the rule call). */
static bool free_name(const ck *c, size_t i, const char *s)
{
    return is_i(c, i, s) && !(i > 0 && (is_p(c, i - 1, ".") || is_p(c, i - 1, ":")));
}

/* The token closing the '{' (or '(') at i, or c->n. */
static size_t close_of(const ck *c, size_t i)
{
    const char *o = c->t[i].punct[0] == '(' ? "(" : "{", *e = o[0] == '(' ? ")" : "}";
    int depth = 0;
    for (size_t k = i; k < c->n; k++) {
        if (is_p(c, k, o))
            depth++;
        else if (is_p(c, k, e) && --depth == 0)
            return k;
    }
    return c->n;
}

/* ---- file-level constants: local NAME = "..." | { "...", ... } -------------------- */

typedef struct konst {
    const char *name;
    size_t def;      /* token index of the definition's name */
    size_t from, to; /* the string token, or the list's '{' and '}' */
    bool list;
} konst;

typedef struct an {
    ck *c;
    konst *k;
    size_t nk;
    const char **rule_of;  /* by token: the enclosing rule's id, or NULL */
    const char **param_of; /* by token: the name of the enclosing rule's `when` person */
    bool *checked;         /* by token: a regex string already compiled */
} an;

static const konst *konst_at(const an *a, const char *name, size_t use)
{
    const konst *best = NULL;
    for (size_t i = 0; i < a->nk; i++)
        if (a->k[i].def < use && strcmp(a->k[i].name, name) == 0)
            best = &a->k[i];
    return best;
}

static void find_konsts(an *a)
{
    ck *c = a->c;
    for (size_t i = 0; i + 3 < c->n; i++) {
        if (!is_i(c, i, "local") || c->t[i + 1].type != TK_IDENT || !is_p(c, i + 2, "="))
            continue;
        konst k = {.name = c->t[i + 1].str, .def = i + 1, .from = i + 3, .to = i + 3};
        if (is_s(c, i + 3)) {
            if (is_p(c, i + 4, "..") || is_p(c, i + 4, ":") || is_p(c, i + 4, "."))
                continue;
        } else if (is_p(c, i + 3, "{")) {
            size_t e = close_of(c, i + 3);
            bool strings = e < c->n;
            for (size_t j = i + 4; j < e && strings; j++)
                strings = is_s(c, j) || is_p(c, j, ",");
            if (!strings)
                continue;
            k.to = e;
            k.list = true;
        } else {
            continue;
        }
        konst *nk = realloc(a->k, (a->nk + 1) * sizeof *nk);
        if (!nk) {
            c->nomem = true;
            return;
        }
        a->k = nk;
        a->k[a->nk++] = k;
    }
}

/* Rule regions: each token of `rule { ... }` gets the rule's id and its `when` person. */
static void find_rules(an *a)
{
    ck *c = a->c;
    for (size_t i = 0; i < c->n; i++) {
        if (!free_name(c, i, "rule"))
            continue;
        size_t b = is_p(c, i + 1, "{")                          ? i + 1
                   : is_p(c, i + 1, "(") && is_p(c, i + 2, "{") ? i + 2
                                                                : 0;
        if (!b)
            continue;
        size_t e = close_of(c, b);
        const char *id = NULL, *param = NULL;
        int depth = 0;
        for (size_t j = b; j < e; j++) {
            if (is_p(c, j, "{"))
                depth++;
            else if (is_p(c, j, "}"))
                depth--;
            if (depth == 1 && is_i(c, j, "id") && is_p(c, j + 1, "=") && is_s(c, j + 2))
                id = c->t[j + 2].str;
            if (depth == 1 && is_i(c, j, "when") && is_p(c, j + 1, "=") &&
                is_i(c, j + 2, "function") && is_p(c, j + 3, "(") && j + 4 < c->n &&
                c->t[j + 4].type == TK_IDENT)
                param = c->t[j + 4].str;
        }
        for (size_t j = i; j <= e && j < c->n; j++) {
            a->rule_of[j] = id;
            a->param_of[j] = param;
        }
        i = e;
    }
}

/* The string tokens an argument at i names: a string, a constant, a list of them, or
 * (filters) the `type`/`kind` entry of a table. Returns how many went to out. */
static size_t arg_strings(const an *a, size_t i, const char *key, size_t *out, size_t max)
{
    const ck *c = a->c;
    size_t n = 0;
    if (is_s(c, i)) {
        out[n++] = i;
    } else if (i < c->n && c->t[i].type == TK_IDENT) {
        const konst *k = konst_at(a, c->t[i].str, i);
        if (k && !k->list)
            out[n++] = k->from;
        for (size_t j = k && k->list ? k->from + 1 : 0; k && k->list && j < k->to && n < max; j++)
            if (is_s(c, j))
                out[n++] = j;
    } else if (is_p(c, i, "{")) {
        size_t e = close_of(c, i);
        bool keyed = false;
        int depth = 0;
        for (size_t j = i; j < e; j++) {
            depth += is_p(c, j, "{") - is_p(c, j, "}");
            if (depth == 1 && is_p(c, j, "=")) {
                keyed = true;
                if (key && j > 0 && is_i(c, j - 1, key))
                    return arg_strings(a, j + 1, NULL, out, max);
            }
        }
        for (size_t j = i + 1; !keyed && !key && j < e && n < max; j++)
            if (is_s(c, j))
                out[n++] = j;
        if (!keyed && key) /* the short list form as the filter: p:events{"a", "b"} */
            return arg_strings(a, i, NULL, out, max);
    }
    return n;
}

/* ---- the reference checks ---------------------------------------------------------- */

static bool listed(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static void check_regex(an *a, size_t s, const char *rule)
{
    ck *c = a->c;
    if (a->checked[s])
        return;
    a->checked[s] = true;
    const tok *t = &c->t[s];
    char msg[200], text[300];
    size_t off = 0;
    ts_status st = ts__regex_check(t->str, t->len, msg, sizeof msg, &off);
    if (st == TS_NOMEM) {
        c->nomem = true;
        return;
    }
    if (st == TS_OK)
        return;
    snprintf(text, sizeof text, "regex does not compile: %s at pattern offset %zu", msg, off);
    emit(c, false, t->map[off < t->len ? off : t->len], rule, "regex", text);
}

static const char *type_name(ts_schema_type t)
{
    static const char *const names[] = {"any", "number", "text", "bool", "date"};
    return (unsigned)t < 5 ? names[t] : "any";
}

/* An attribute read at string/ident token s; via_num: through p:num. */
static void check_attr(an *a, size_t s, const char *rule, bool via_num)
{
    ck *c = a->c;
    const ts_schema_cfg *sc = c->cfg ? &c->cfg->schema : NULL;
    const tok *t = &c->t[s];
    if (!sc || !sc->has_attributes || ts_record_attr_protected(t->str))
        return; /* protected names: the protected-attribute scan reports them */
    char text[400];
    for (size_t i = 0; i < sc->n_attributes; i++) {
        if (strcmp(sc->attributes[i], t->str) != 0)
            continue;
        ts_schema_type ty = sc->attr_types[i];
        if (via_num && ty != TS_SCHEMA_ANY && ty != TS_SCHEMA_NUMBER) {
            snprintf(text, sizeof text,
                     "p:num(\"%.64s\") reads an attribute schema.attributes declares %s: it "
                     "is always 0",
                     t->str, type_name(ty));
            emit(c, true, t->off, rule, "attribute", text);
        }
        return;
    }
    snprintf(text, sizeof text,
             "attribute '%.64s' is not in schema.attributes (no record has it: the rule can "
             "never match on it)",
             t->str);
    emit(c, false, t->off, rule, "attribute", text);
}

static void check_event(an *a, size_t s, const char *rule)
{
    ck *c = a->c;
    const ts_config *cfg = c->cfg;
    if (!cfg || !cfg->schema.has_events)
        return;
    const char *ev = c->t[s].str;
    if (listed(cfg->schema.events, cfg->schema.n_events, ev) ||
        listed(cfg->problem_events, cfg->n_problem_events, ev))
        return;
    char text[300];
    snprintf(text, sizeof text,
             "event type '%.64s' is not in schema.events or problem_events (never recorded: "
             "the rule can never match on it)",
             ev);
    emit(c, false, c->t[s].off, rule, "event", text);
}

static void check_relation(an *a, size_t s, const char *rule)
{
    ck *c = a->c;
    const ts_config *cfg = c->cfg;
    if (!cfg || !cfg->schema.has_relations)
        return;
    const char *rel = c->t[s].str;
    if (listed(cfg->schema.relations, cfg->schema.n_relations, rel))
        return;
    char text[300];
    snprintf(text, sizeof text,
             "relation '%.64s' is not in schema.relations (no circle member has it: the rule "
             "can never match on it)",
             rel);
    emit(c, false, c->t[s].off, rule, "relation", text);
}

/* p.NAME / p:NAME inside a rule, p being its `when` person. */
static void check_field(an *a, size_t i, const char *rule)
{
    ck *c = a->c;
    const char *p = a->param_of[i];
    if (!p || !free_name(c, i, p) || !(is_p(c, i + 1, ".") || is_p(c, i + 1, ":")) ||
        i + 2 >= c->n || c->t[i + 2].type != TK_IDENT)
        return;
    const tok *f = &c->t[i + 2];
    if (ts_rulehost_person_field(f->str, f->len))
        return;
    char text[300];
    snprintf(text, sizeof text,
             "%s%s%.64s is not a field of a person (always nil: the rule can never match on "
             "it)",
             p, c->t[i + 1].punct, f->str);
    emit(c, false, f->off, rule, "field", text);
}

/* The one string an argument at i is: a literal or a string constant; 0 when neither. */
static size_t one_string(const an *a, size_t i)
{
    const ck *c = a->c;
    if (is_s(c, i))
        return i;
    if (i >= c->n || c->t[i].type != TK_IDENT)
        return 0;
    const konst *k = konst_at(a, c->t[i].str, i);
    return k && !k->list ? k->from : 0;
}

/* Every call and access at token i. */
static void check_at(an *a, size_t i)
{
    ck *c = a->c;
    const char *rule = a->rule_of[i];
    size_t out[64];
    if (free_name(c, i, "re") && is_p(c, i + 1, ".") &&
        (is_i(c, i + 2, "find") || is_i(c, i + 2, "match")) && is_p(c, i + 3, "(")) {
        size_t s = one_string(a, i + 4);
        if (s && (is_p(c, i + 5, ",") || is_p(c, i + 5, ")")))
            check_regex(a, s, rule);
        return;
    }
    check_field(a, i, rule);
    if (is_i(c, i, "attrs") && is_p(c, i - 1, ".")) {
        if (is_p(c, i + 1, ".") && i + 2 < c->n && c->t[i + 2].type == TK_IDENT)
            check_attr(a, i + 2, rule, false);
        else if (is_p(c, i + 1, "[") && is_s(c, i + 2) && is_p(c, i + 3, "]"))
            check_attr(a, i + 2, rule, false);
        return;
    }
    if (i == 0 || !is_p(c, i - 1, ":"))
        return;
    size_t arg = is_p(c, i + 1, "(") ? i + 2 : i + 1;
    if (is_i(c, i, "num") && arg == i + 2) {
        size_t s = one_string(a, arg);
        if (s && is_p(c, arg + 1, ")"))
            check_attr(a, s, rule, true);
    } else if (is_i(c, i, "events") || is_i(c, i, "count_events")) {
        size_t n = arg_strings(a, arg, "type", out, 64);
        for (size_t k = 0; k < n; k++)
            check_event(a, out[k], rule);
    } else if (is_i(c, i, "circle") && is_p(c, arg, "{")) {
        size_t n = arg_strings(a, arg, "kind", out, 64);
        for (size_t k = 0; k < n; k++)
            check_relation(a, out[k], rule);
    }
}

static void check_relation_compare(an *a, size_t i)
{
    ck *c = a->c;
    if (is_i(c, i, "relation") && is_p(c, i - 1, ".") &&
        (is_p(c, i + 1, "==") || is_p(c, i + 1, "~=")) && is_s(c, i + 2))
        check_relation(a, i + 2, a->rule_of[i]);
}

static void check_source(ck *c)
{
    lex(c);
    an a = {.c = c};
    a.rule_of = calloc(c->n + 1, sizeof *a.rule_of);
    a.param_of = calloc(c->n + 1, sizeof *a.param_of);
    a.checked = calloc(c->n + 1, sizeof *a.checked);
    if (c->nomem || !a.rule_of || !a.param_of || !a.checked) {
        c->nomem = true;
        goto done;
    }
    find_konsts(&a);
    find_rules(&a);
    for (size_t i = 0; i < c->n && !c->nomem; i++) {
        check_at(&a, i);
        check_relation_compare(&a, i);
    }
done:
    free(a.rule_of);
    free(a.param_of);
    free(a.checked);
    free(a.k);
    for (size_t i = 0; i < c->n; i++) {
        free(c->t[i].str);
        free(c->t[i].map);
    }
    free(c->t);
    c->t = NULL;
    c->n = c->cap = 0;
}

/* ---- scores against thresholds ----------------------------------------------------- */

static void emit_rule(ck *c, const ts_rule_info *ri, bool warning, const char *what,
                      const char *msg)
{
    ts_check_item it = {.warning = warning,
                        .file = ri ? ri->file : "",
                        .line = ri ? (unsigned)ri->line : 0,
                        .rule = ri ? ri->id : "",
                        .what = what,
                        .msg = msg};
    if (warning)
        c->warnings++;
    else
        c->errors++;
    if (c->on_item)
        c->on_item(c->ud, &it);
}

static void check_scores(ck *c, const ts_rulepack *pack)
{
    static const int defaults[3] = {70, 40, 20};
    const int *th = c->cfg ? c->cfg->thresholds : defaults;
    static const ts_colour by_slot[3] = {TS_COLOUR_RED, TS_COLOUR_YELLOW, TS_COLOUR_BLUE};
    long reach = 0; /* the most a person can score: regional plus targeted, positives */
    bool votes[TS_COLOUR_N] = {false};
    for (size_t i = 0; i < ts_rulepack_count(pack); i++) {
        const ts_rule_info *ri = ts_rulepack_rule(pack, i);
        bool acts = ri->list != TS_COLOUR_NONE || ri->score != 0;
        if (ri->pass == TS_PASS_FULL && acts) {
            emit_rule(c, ri, true, "score",
                      ri->kind == TS_RULE_GAP
                          ? "a gap rule only lists a hole in the data: its list/score is ignored"
                          : "full-pass rules only mark suspect: the rule's list/score is ignored");
            continue;
        }
        if (ri->pass != TS_PASS_FULL && !acts)
            emit_rule(c, ri, true, "score",
                      "neither list nor score: the rule can never change anyone's colour");
        if ((unsigned)ri->list < TS_COLOUR_N)
            votes[ri->list] = ri->pass != TS_PASS_FULL || votes[ri->list];
        if (ri->pass != TS_PASS_FULL && ri->score > 0)
            reach += ri->score;
    }
    char text[300];
    for (int slot = 0; slot < 3; slot++) {
        ts_colour col = by_slot[slot];
        if (th[slot] < 0 || reach >= th[slot] || votes[col])
            continue;
        snprintf(text, sizeof text,
                 "thresholds.%s = %d cannot be reached: the pack's positive scores add up to "
                 "%ld and no rule votes %s",
                 ts_colour_name(col), th[slot], reach, ts_colour_name(col));
        ts_check_item it = {.warning = true,
                            .file = c->cfg ? c->cfg->path : "",
                            .rule = "",
                            .what = "threshold",
                            .msg = text};
        c->warnings++;
        if (c->on_item)
            c->on_item(c->ud, &it);
    }
}

/* ---- the files ------------------------------------------------------------------- */

/* One file of the deep checks. */
static ts_status check_one(void *ud, const char *name, const char *text, size_t len, ts_err *err)
{
    ck *c = ud;
    c->file = name;
    c->src = text;
    c->len = len;
    check_source(c);
    return c->nomem ? ts_err_set(err, TS_NOMEM, name, "out of memory") : TS_OK;
}

ts_status ts_rulecases_check(const ts_rulepack *pack, const ts_config *cfg, ts_check_fn on_item,
                             void *ud, size_t *n_errors, size_t *n_warnings, ts_err *err)
{
    ck c = {.cfg = cfg, .on_item = on_item, .ud = ud};
    ts_status st = ts__rc_each_lua(ts_rulepack_dir(pack), check_one, &c, err);
    if (st == TS_OK)
        check_scores(&c, pack);
    if (st == TS_OK && n_errors)
        *n_errors = c.errors;
    if (st == TS_OK && n_warnings)
        *n_warnings = c.warnings;
    return st;
}

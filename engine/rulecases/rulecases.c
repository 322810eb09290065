/* rulecases/rulecases.c — rule test cases (triscreen/rulecases.h): YAML case files
 * loaded through config/ytree, persons validated by the import path (json-c →
 * ts_record_parse_json), run on the rule host and decided by lists/decide.
 * Uses ytree, json-c, record, rulehost, decide. Never prints. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/limits.h"
#include "triscreen/date.h"
#include "triscreen/decide.h"
#include "triscreen/record.h"
#include "triscreen/rulecases.h"
#include "base/fsdir.h"
#include "config/ytree.h"

/* One case, validated. Every pointer lives in the collection's arena. */
typedef struct rc_case {
    const char *file;
    unsigned line;
    const char *name;
    int32_t now;
    ts_decide_policy policy; /* thresholds by colour; no review schedule */
    ts_person person;
    const char *village, *town;
    ts_colour prior_colour;
    bool prior_suspect;
    ts_circle_member *circle;
    size_t n_circle;
    bool passes[3];
    unsigned checked;
    const char **exp_fired; /* sorted */
    size_t n_exp_fired;
    ts_colour exp_colour;
    bool exp_suspect;
    unsigned exp_feedback;
    size_t exp_errors;
} rc_case;

struct ts_rulecases {
    ts_arena arena;
    rc_case *cases;
    size_t n, cap;
    /* the last run's uncovered rule ids: one malloc'd block (array then strings) */
    const char **uncovered;
    size_t n_uncovered;
};

/* Parsing state of one file. */
typedef struct rc_load {
    ts_rulecases *rc;
    const ts_ydoc *doc;
    const char *file; /* arena copy of the path */
    ts_err *err;
} rc_load;

/* The thresholds a case file without `thresholds:` gets, by colour. */
static const int default_thresholds[TS_COLOUR_N] = {
    [TS_COLOUR_NONE] = -1, [TS_COLOUR_BLUE] = 20, [TS_COLOUR_YELLOW] = 40, [TS_COLOUR_RED] = 70};

ts_status ts_rulecases_new(ts_rulecases **out, ts_err *err)
{
    ts_rulecases *rc = calloc(1, sizeof *rc);
    if (!rc)
        return ts_err_set(err, TS_NOMEM, NULL, "out of memory");
    ts_arena_init(&rc->arena, TS_LIMIT_ARENA_CASES);
    *out = rc;
    return TS_OK;
}

void ts_rulecases_free(ts_rulecases *rc)
{
    if (!rc)
        return;
    ts_arena_release(&rc->arena);
    free(rc->cases);
    free(rc->uncovered);
    free(rc);
}

size_t ts_rulecases_count(const ts_rulecases *rc)
{
    return rc->n;
}

/* ---- validation helpers -------------------------------------------------------------- */

static ts_status bad(rc_load *ld, const ts_ynode *n, const char *fmt, ...) TS_PRINTF(3, 4);

/* Sets err to TS_INVALID at n ("path:LINE:COL"). */
static ts_status bad(rc_load *ld, const ts_ynode *n, const char *fmt, ...)
{
    char where[256];
    ts_ynode_where(ld->doc, n, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    ts_err_vset(ld->err, TS_INVALID, where, fmt, ap);
    va_end(ap);
    return TS_INVALID;
}

static ts_status nomem(rc_load *ld)
{
    return ts_err_set(ld->err, TS_NOMEM, ld->file, "out of memory");
}

/* Refuses keys of map that are not in allowed (NULL-terminated). */
static ts_status check_keys(rc_load *ld, const ts_ynode *map, const char *what,
                            const char *const *allowed)
{
    if (map->type != TS_Y_MAP)
        return bad(ld, map, "%s must be a mapping", what);
    for (size_t i = 0; i < map->n; i++) {
        const ts_ynode *k = map->items[2 * i];
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            if (k->type == TS_Y_SCALAR && strcmp(k->str, *a) == 0)
                ok = true;
        if (!ok)
            return bad(ld, k, "unknown key '%s' in %s", k->type == TS_Y_SCALAR ? k->str : "?",
                       what);
    }
    return TS_OK;
}

static ts_status get_string(rc_load *ld, const ts_ynode *n, const char *what, const char **out)
{
    if (n->type != TS_Y_SCALAR || ts_ynode_is_null(n) || n->len == 0 ||
        memchr(n->str, '\0', n->len))
        return bad(ld, n, "%s must be a non-empty string", what);
    const char *s = ts_arena_strndup(&ld->rc->arena, n->str, n->len);
    if (!s)
        return nomem(ld);
    *out = s;
    return TS_OK;
}

static ts_status get_bool(rc_load *ld, const ts_ynode *n, const char *what, bool *out)
{
    if (!ts_ynode_bool(n, out))
        return bad(ld, n, "%s must be true or false", what);
    return TS_OK;
}

static ts_status get_date(rc_load *ld, const ts_ynode *n, const char *what, int32_t *out)
{
    if (n->type != TS_Y_SCALAR || !ts_date_parse(n->str, n->len, out))
        return bad(ld, n, "%s must be a date YYYY-MM-DD", what);
    return TS_OK;
}

/* "red" | "yellow" | "blue" | "none" (or null) */
static ts_status get_colour(rc_load *ld, const ts_ynode *n, const char *what, ts_colour *out)
{
    if (ts_ynode_is_null(n) ||
        (n->type == TS_Y_SCALAR && strcmp(n->str, ts_colour_text(TS_COLOUR_NONE)) == 0)) {
        *out = TS_COLOUR_NONE;
        return TS_OK;
    }
    if (n->type != TS_Y_SCALAR || !ts_colour_parse(n->str, out))
        return bad(ld, n, "%s must be red, yellow, blue or none", what);
    return TS_OK;
}

static ts_status get_seq(rc_load *ld, const ts_ynode *n, const char *what)
{
    if (n->type != TS_Y_SEQ)
        return bad(ld, n, "%s must be a list", what);
    return TS_OK;
}

/* Code without its last "-segment"; NULL when there is none. */
static const char *parent_code(ts_arena *a, const char *code)
{
    const char *dash = strrchr(code, '-');
    if (!dash || dash == code)
        return NULL;
    return ts_arena_strndup(a, code, (size_t)(dash - code));
}

/* ---- YAML → JSON → ts_person ------------------------------------------------------------ */

/* Converts n to a json-c value (*out NULL for a YAML null). False on allocation failure. */
static bool y2j(const ts_ynode *n, json_object **out)
{
    *out = NULL;
    switch (n->type) {
    case TS_Y_SCALAR: {
        bool b;
        int64_t i;
        double d;
        if (ts_ynode_is_null(n))
            return true;
        if (ts_ynode_bool(n, &b))
            *out = json_object_new_boolean(b);
        else if (ts_ynode_int(n, &i))
            *out = json_object_new_int64(i);
        else if (ts_ynode_number(n, &d) && isfinite(d))
            *out = json_object_new_double(d);
        else
            *out = json_object_new_string_len(n->str, (int)n->len);
        return *out != NULL;
    }
    case TS_Y_SEQ: {
        json_object *arr = json_object_new_array();
        if (!arr)
            return false;
        for (size_t k = 0; k < n->n; k++) {
            json_object *v;
            if (!y2j(n->items[k], &v) || json_object_array_add(arr, v) != 0) {
                json_object_put(v);
                json_object_put(arr);
                return false;
            }
        }
        *out = arr;
        return true;
    }
    case TS_Y_MAP: {
        json_object *obj = json_object_new_object();
        if (!obj)
            return false;
        for (size_t k = 0; k < n->n; k++) {
            const ts_ynode *key = n->items[2 * k];
            json_object *v;
            const char *ks = key->type == TS_Y_SCALAR ? key->str : "";
            if (!y2j(n->items[2 * k + 1], &v) || json_object_object_add(obj, ks, v) != 0) {
                json_object_put(v);
                json_object_put(obj);
                return false;
            }
        }
        *out = obj;
        return true;
    }
    }
    return false;
}

/* The node a record field path ("born", "events[2].date", "attrs.x") names, or the
 * closest existing ancestor. */
static const ts_ynode *locate(const ts_ynode *person, const char *path)
{
    char key[128];
    size_t k = 0;
    while (path[k] && path[k] != '[' && path[k] != '.' && k + 1 < sizeof key) {
        key[k] = path[k];
        k++;
    }
    key[k] = '\0';
    if (k == 0)
        return person;
    const ts_ynode *n = ts_ynode_get(person, key);
    if (!n)
        return person;
    const char *p = path + k;
    if (*p == '[') {
        char *end;
        long idx = strtol(p + 1, &end, 10);
        if (*end != ']')
            return n;
        if (n->type == TS_Y_SEQ && idx >= 0 && (size_t)idx < n->n)
            n = n->items[idx];
        p = end + 1;
    }
    if (*p == '.') {
        const ts_ynode *m = ts_ynode_get(n, p + 1);
        if (m)
            n = m;
    }
    return n;
}

/* Validates a person mapping exactly as an import record. */
static ts_status parse_person(rc_load *ld, const ts_ynode *n, const char *what, ts_person *out)
{
    if (n->type != TS_Y_MAP)
        return bad(ld, n, "%s must be a mapping (an import record)", what);
    json_object *obj;
    if (!y2j(n, &obj))
        return nomem(ld);
    const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!text) {
        json_object_put(obj);
        return nomem(ld);
    }
    ts_err rerr;
    ts_err_clear(&rerr);
    ts_status st = ts_record_parse_json(text, strlen(text), &ld->rc->arena, out, &rerr);
    json_object_put(obj);
    if (st == TS_NOMEM)
        return nomem(ld);
    if (st != TS_OK) {
        const ts_ynode *at = locate(n, rerr.where);
        if (rerr.where[0])
            return bad(ld, at, "%s: record rejected: field %s: %s", what, rerr.where, rerr.msg);
        return bad(ld, at, "%s: record rejected: %s", what, rerr.msg);
    }
    return TS_OK;
}

/* ---- one case ------------------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static ts_status parse_expect(rc_load *ld, const ts_ynode *n, rc_case *c)
{
    static const char *const keys[] = {"fired", "colour", "suspect", "feedback", "errors", NULL};
    ts_status st = check_keys(ld, n, "expect", keys);
    if (st != TS_OK)
        return st;
    if (n->n == 0)
        return bad(ld, n,
                   "expect must name at least one of fired, colour, suspect, feedback, "
                   "errors");
    const ts_ynode *v;
    if ((v = ts_ynode_get(n, "fired"))) {
        if ((st = get_seq(ld, v, "expect.fired")) != TS_OK)
            return st;
        c->exp_fired = ts_arena_calloc(&ld->rc->arena, v->n ? v->n : 1, sizeof(char *));
        if (!c->exp_fired)
            return nomem(ld);
        for (size_t i = 0; i < v->n; i++)
            if ((st = get_string(ld, v->items[i], "a rule id", &c->exp_fired[i])) != TS_OK)
                return st;
        c->n_exp_fired = v->n;
        qsort(c->exp_fired, c->n_exp_fired, sizeof(char *), cmp_str);
        for (size_t i = 1; i < c->n_exp_fired; i++)
            if (strcmp(c->exp_fired[i - 1], c->exp_fired[i]) == 0)
                return bad(ld, v, "expect.fired lists '%s' twice", c->exp_fired[i]);
        c->checked |= TS_CASE_FIRED;
    }
    if ((v = ts_ynode_get(n, "colour"))) {
        if ((st = get_colour(ld, v, "expect.colour", &c->exp_colour)) != TS_OK)
            return st;
        c->checked |= TS_CASE_COLOUR;
    }
    if ((v = ts_ynode_get(n, "suspect"))) {
        if ((st = get_bool(ld, v, "expect.suspect", &c->exp_suspect)) != TS_OK)
            return st;
        c->checked |= TS_CASE_SUSPECT;
    }
    if ((v = ts_ynode_get(n, "feedback"))) {
        if ((st = get_seq(ld, v, "expect.feedback")) != TS_OK)
            return st;
        for (size_t i = 0; i < v->n; i++) {
            ts_feedback f;
            const ts_ynode *it = v->items[i];
            if (it->type != TS_Y_SCALAR || !ts_feedback_parse(it->str, &f) || f == TS_FEEDBACK_NONE)
                return bad(ld, it, "expect.feedback: each item must be early, detailed or quick");
            c->exp_feedback |= TS_FEEDBACK_BIT(f);
        }
        c->checked |= TS_CASE_FEEDBACK;
    }
    c->exp_errors = 0;
    if ((v = ts_ynode_get(n, "errors"))) {
        int64_t e;
        if (!ts_ynode_int(v, &e) || e < 0 || e > 1000000)
            return bad(ld, v, "expect.errors must be a whole number >= 0");
        c->exp_errors = (size_t)e;
    }
    c->checked |= TS_CASE_ERRORS; /* always: an unexpected rule error fails the case */
    return TS_OK;
}

static ts_status parse_circle(rc_load *ld, const ts_ynode *n, rc_case *c)
{
    static const char *const keys[] = {"person",  "relation", "distance", "colour",
                                       "suspect", "village",  "town",     NULL};
    ts_status st = get_seq(ld, n, "circle");
    if (st != TS_OK)
        return st;
    if (n->n == 0)
        return TS_OK;
    c->circle = ts_arena_calloc(&ld->rc->arena, n->n, sizeof *c->circle);
    ts_person *persons = ts_arena_calloc(&ld->rc->arena, n->n, sizeof *persons);
    if (!c->circle || !persons)
        return nomem(ld);
    for (size_t i = 0; i < n->n; i++) {
        const ts_ynode *m = n->items[i];
        ts_circle_member *cm = &c->circle[i];
        if ((st = check_keys(ld, m, "a circle member", keys)) != TS_OK)
            return st;
        const ts_ynode *v = ts_ynode_get(m, "person");
        if (!v)
            return bad(ld, m, "a circle member needs person");
        if ((st = parse_person(ld, v, "circle person", &persons[i])) != TS_OK)
            return st;
        cm->person = &persons[i];
        if (!(v = ts_ynode_get(m, "relation")))
            return bad(ld, m, "a circle member needs relation (family, spouse, neighbour, ...)");
        if ((st = get_string(ld, v, "relation", &cm->relation)) != TS_OK)
            return st;
        cm->distance = 1;
        if ((v = ts_ynode_get(m, "distance"))) {
            int64_t d;
            if (!ts_ynode_int(v, &d) || (d != 1 && d != 2))
                return bad(ld, v, "distance must be 1 or 2");
            cm->distance = (int)d;
        }
        cm->colour = TS_COLOUR_NONE;
        if ((v = ts_ynode_get(m, "colour")) &&
            (st = get_colour(ld, v, "colour", &cm->colour)) != TS_OK)
            return st;
        if ((v = ts_ynode_get(m, "suspect")) &&
            (st = get_bool(ld, v, "suspect", &cm->suspect)) != TS_OK)
            return st;
        if ((v = ts_ynode_get(m, "village"))) {
            if ((st = get_string(ld, v, "village", &cm->village)) != TS_OK)
                return st;
        } else {
            cm->village = parent_code(&ld->rc->arena, persons[i].grid);
        }
        if ((v = ts_ynode_get(m, "town"))) {
            if ((st = get_string(ld, v, "town", &cm->town)) != TS_OK)
                return st;
        } else if (cm->village) {
            cm->town = parent_code(&ld->rc->arena, cm->village);
        }
    }
    c->n_circle = n->n;
    return TS_OK;
}

static ts_status parse_passes(rc_load *ld, const ts_ynode *n, rc_case *c)
{
    ts_status st = get_seq(ld, n, "passes");
    if (st != TS_OK)
        return st;
    if (n->n == 0)
        return bad(ld, n, "passes must name at least one pass");
    int last = -1;
    for (size_t i = 0; i < n->n; i++) {
        const ts_ynode *it = n->items[i];
        ts_pass p;
        if (it->type != TS_Y_SCALAR || !ts_pass_parse(it->str, &p))
            return bad(ld, it, "passes: each item must be full, regional or targeted");
        if ((int)p <= last)
            return bad(ld, it, "passes must be in the order full, regional, targeted, each once");
        last = (int)p;
        c->passes[p] = true;
    }
    return TS_OK;
}

static ts_status parse_case(rc_load *ld, const ts_ynode *n, bool has_now, int32_t now,
                            const int thresholds[TS_COLOUR_N], rc_case *c)
{
    static const char *const keys[] = {"name",  "now",    "person", "village", "town",
                                       "prior", "circle", "passes", "expect",  NULL};
    ts_status st = check_keys(ld, n, "a case", keys);
    if (st != TS_OK)
        return st;
    memset(c, 0, sizeof *c);
    c->file = ld->file;
    c->line = n->line;
    memcpy(c->policy.threshold, thresholds, sizeof c->policy.threshold);
    const ts_ynode *v;
    if (!(v = ts_ynode_get(n, "name")))
        return bad(ld, n, "a case needs a name");
    if ((st = get_string(ld, v, "name", &c->name)) != TS_OK)
        return st;
    c->now = now;
    if ((v = ts_ynode_get(n, "now"))) {
        if ((st = get_date(ld, v, "now", &c->now)) != TS_OK)
            return st;
    } else if (!has_now) {
        return bad(ld, n, "case '%s' needs now (a date), here or at the top of the file", c->name);
    }
    if (!(v = ts_ynode_get(n, "person")))
        return bad(ld, n, "case '%s' needs a person", c->name);
    if ((st = parse_person(ld, v, "person", &c->person)) != TS_OK)
        return st;
    if ((v = ts_ynode_get(n, "village"))) {
        if ((st = get_string(ld, v, "village", &c->village)) != TS_OK)
            return st;
    } else {
        c->village = parent_code(&ld->rc->arena, c->person.grid);
    }
    if ((v = ts_ynode_get(n, "town"))) {
        if ((st = get_string(ld, v, "town", &c->town)) != TS_OK)
            return st;
    } else if (c->village) {
        c->town = parent_code(&ld->rc->arena, c->village);
    }
    if ((v = ts_ynode_get(n, "prior"))) {
        static const char *const pkeys[] = {"colour", "suspect", NULL};
        if ((st = check_keys(ld, v, "prior", pkeys)) != TS_OK)
            return st;
        const ts_ynode *w;
        if ((w = ts_ynode_get(v, "colour")) &&
            (st = get_colour(ld, w, "prior.colour", &c->prior_colour)) != TS_OK)
            return st;
        if ((w = ts_ynode_get(v, "suspect")) &&
            (st = get_bool(ld, w, "prior.suspect", &c->prior_suspect)) != TS_OK)
            return st;
    }
    if ((v = ts_ynode_get(n, "circle")) && (st = parse_circle(ld, v, c)) != TS_OK)
        return st;
    if ((v = ts_ynode_get(n, "passes"))) {
        if ((st = parse_passes(ld, v, c)) != TS_OK)
            return st;
    } else {
        c->passes[TS_PASS_FULL] = c->passes[TS_PASS_REGIONAL] = c->passes[TS_PASS_TARGETED] = true;
    }
    if (!(v = ts_ynode_get(n, "expect")))
        return bad(ld, n, "case '%s' needs expect", c->name);
    return parse_expect(ld, v, c);
}

/* thresholds: {red: N, yellow: N, blue: N}; null disables a colour. out is by colour. */
static ts_status parse_thresholds(rc_load *ld, const ts_ynode *n, int out[TS_COLOUR_N])
{
    static const char *const keys[] = {"red", "yellow", "blue", NULL};
    ts_status st = check_keys(ld, n, "thresholds", keys);
    if (st != TS_OK)
        return st;
    for (int c = TS_COLOUR_RED; c >= TS_COLOUR_BLUE; c--) { /* the order of the keys */
        const char *name = ts_colour_name((ts_colour)c);
        const ts_ynode *v = ts_ynode_get(n, name);
        if (!v)
            continue;
        int64_t t;
        if (ts_ynode_is_null(v)) {
            out[c] = -1; /* no threshold for this colour */
            continue;
        }
        if (!ts_ynode_int(v, &t) || t < 0 || t > 1000000)
            return bad(ld, v, "thresholds.%s must be a whole number >= 0 (or null)", name);
        out[c] = (int)t;
    }
    return TS_OK;
}

static ts_status grow(ts_rulecases *rc, size_t need)
{
    if (need <= rc->cap)
        return TS_OK;
    size_t cap = rc->cap ? rc->cap : 16;
    while (cap < need)
        cap *= 2;
    rc_case *p = realloc(rc->cases, cap * sizeof *p);
    if (!p)
        return TS_NOMEM;
    rc->cases = p;
    rc->cap = cap;
    return TS_OK;
}

ts_status ts_rulecases_add_file(ts_rulecases *rc, const char *path, ts_err *err)
{
    ts_ydoc *doc = NULL;
    size_t first = rc->n;
    ts_status st = ts_ydoc_load_file(path, &doc, err);
    if (st != TS_OK)
        return st;
    rc_load ld = {.rc = rc, .doc = doc, .err = err};
    ld.file = ts_arena_strdup(&rc->arena, path);
    if (!ld.file) {
        st = ts_err_set(err, TS_NOMEM, path, "out of memory");
        goto done;
    }
    const ts_ynode *root = ts_ydoc_root(doc);
    if (!root) {
        st = ts_err_set(err, TS_INVALID, path, "empty case file (expected a mapping with cases)");
        goto done;
    }
    static const char *const keys[] = {"thresholds", "now", "cases", NULL};
    if ((st = check_keys(&ld, root, "a case file", keys)) != TS_OK)
        goto done;
    int thresholds[TS_COLOUR_N];
    memcpy(thresholds, default_thresholds, sizeof thresholds);
    const ts_ynode *v;
    if ((v = ts_ynode_get(root, "thresholds")) &&
        (st = parse_thresholds(&ld, v, thresholds)) != TS_OK)
        goto done;
    int32_t now = 0;
    bool has_now = false;
    if ((v = ts_ynode_get(root, "now"))) {
        if ((st = get_date(&ld, v, "now", &now)) != TS_OK)
            goto done;
        has_now = true;
    }
    const ts_ynode *cases = ts_ynode_get(root, "cases");
    if (!cases) {
        st = bad(&ld, root, "a case file needs cases (a list)");
        goto done;
    }
    if ((st = get_seq(&ld, cases, "cases")) != TS_OK)
        goto done;
    if (grow(rc, rc->n + cases->n) != TS_OK) {
        st = ts_err_set(err, TS_NOMEM, path, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < cases->n; i++) {
        st = parse_case(&ld, cases->items[i], has_now, now, thresholds, &rc->cases[rc->n]);
        if (st != TS_OK)
            goto done;
        rc->n++;
    }
done:
    if (st != TS_OK)
        rc->n = first; /* a bad file adds nothing */
    ts_ydoc_free(doc);
    return st;
}

static bool is_case_file(const char *name)
{
    size_t n = strlen(name);
    if (name[0] == '.')
        return false;
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

ts_status ts_rulecases_add_dir(ts_rulecases *rc, const char *dir, size_t *n_files, ts_err *err)
{
    char **names = NULL;
    size_t n = 0;
    ts_status st = ts_dir_names(dir, "case folder", is_case_file, &names, &n, err);
    if (st != TS_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(dir) + 1 + strlen(names[i]) + 1;
        char *path = malloc(len);
        if (!path) {
            st = ts_err_set(err, TS_NOMEM, dir, "out of memory");
            goto done;
        }
        snprintf(path, len, "%s/%s", dir, names[i]);
        st = ts_rulecases_add_file(rc, path, err);
        free(path);
        if (st != TS_OK)
            goto done;
    }
    if (n_files)
        *n_files = n;
done:
    ts_dir_names_free(names, n);
    return st;
}

/* ---- running ------------------------------------------------------------------------- */

/* Fires and errors of one pass, appended to the report's arrays (at most nrules each). */
typedef struct case_acc {
    ts_case_fire *fires;
    ts_case_error *errors;
    const char **ids;
    size_t nf, ne, nrules;
    unsigned fb;
    bool *covered;
} case_acc;

static void collect(const ts_rulepack *pack, ts_pass pass, const ts_eval_result *res, case_acc *acc)
{
    for (size_t i = 0; i < res->n_fired && acc->nf < acc->nrules; i++) {
        const ts_rule_info *info = ts_rulepack_rule(pack, res->fired[i].rule);
        ts_case_fire *f = &acc->fires[acc->nf];
        f->pass = pass;
        f->rule = info->id;
        f->evidence = res->fired[i].evidence ? res->fired[i].evidence : "";
        acc->ids[acc->nf++] = info->id;
        acc->covered[res->fired[i].rule] = true;
        if (info->feedback != TS_FEEDBACK_NONE)
            acc->fb |= TS_FEEDBACK_BIT(info->feedback);
    }
    for (size_t i = 0; i < res->n_errors && acc->ne < acc->nrules; i++) {
        const ts_rule_info *info = ts_rulepack_rule(pack, res->errors[i].rule);
        ts_case_error *e = &acc->errors[acc->ne++];
        e->pass = pass;
        e->rule = info->id;
        e->code = res->errors[i].code;
        e->where = res->errors[i].where ? res->errors[i].where : info->file;
        e->msg = res->errors[i].msg ? res->errors[i].msg : "";
    }
}

/* The case's person before the first pass, as a screening run would store it: listed
 * (engine = effective = prior colour, no regional basis, score 0) or not. */
static void prior_state(const rc_case *c, ts_decide_state *st)
{
    memset(st, 0, sizeof *st);
    st->suspect = c->prior_suspect;
    st->since = st->next_review = st->override_until = TS_DATE_NONE;
    st->listed = c->prior_colour != TS_COLOUR_NONE;
    st->engine = st->colour = c->prior_colour;
    if (st->listed)
        st->since = c->now;
}

/* Runs the case's passes on the host, deciding each with ts_decide exactly as a
 * screening run does; *st is the state after the last pass. */
static ts_status run_passes(ts_rulehost *h, const ts_rulepack *pack, const rc_case *c,
                            ts_arena *arena, ts_decide_state *st, case_acc *acc, ts_case_report *r,
                            ts_err *err)
{
    ts_decide_fired *fired = ts_arena_calloc(arena, acc->nrules ? acc->nrules : 1, sizeof *fired);
    if (!fired)
        return ts_err_set(err, TS_NOMEM, c->file, "out of memory");
    prior_state(c, st);
    for (int pi = TS_PASS_FULL; pi <= TS_PASS_TARGETED; pi++) {
        ts_pass pass = (ts_pass)pi;
        if (!c->passes[pass])
            continue;
        /* Who each pass screens (DESIGN.md §Rules, semantics of the passes). */
        if (pass == TS_PASS_REGIONAL && !st->suspect && st->colour == TS_COLOUR_NONE)
            continue;
        if (pass == TS_PASS_TARGETED && st->colour == TS_COLOUR_NONE)
            continue;
        ts_subject s = {
            .person = &c->person,
            .village = c->village,
            .town = c->town,
            .colour = pass == TS_PASS_FULL ? c->prior_colour : st->colour,
            .suspect = st->suspect,
            .circle = c->circle,
            .n_circle = c->n_circle,
        };
        ts_eval_ctx ctx = {.now = c->now, .pass = pass, .scope = "all"};
        ts_eval_result res;
        ts_status rc = ts_rulehost_eval(h, &ctx, &s, arena, &res, err);
        if (rc != TS_OK)
            return rc;
        r->ran[pass] = true;
        collect(pack, pass, &res, acc);
        ts_decide_in in = {.source = TS_DECIDE_PASS,
                           .prev = *st,
                           .pass = pass,
                           .fired = fired,
                           .n_fired = ts_decide_fired_of(pack, &res, fired),
                           .policy = &c->policy,
                           .now = c->now};
        ts_decide_out d;
        ts_decide(&in, &d);
        *st = d.next;
        if (d.feedback != TS_FEEDBACK_NONE)
            acc->fb |= TS_FEEDBACK_BIT(d.feedback);
    }
    return TS_OK;
}

/* Compares the run with the case's expectations. */
static unsigned case_failures(const rc_case *c, const ts_case_report *r)
{
    unsigned failed = 0;
    if (c->checked & TS_CASE_FIRED) {
        bool same = r->n_actual_fired == c->n_exp_fired;
        for (size_t i = 0; same && i < r->n_actual_fired; i++)
            same = strcmp(r->actual_fired[i], c->exp_fired[i]) == 0;
        if (!same)
            failed |= TS_CASE_FIRED;
    }
    if ((c->checked & TS_CASE_COLOUR) && r->actual_colour != c->exp_colour)
        failed |= TS_CASE_COLOUR;
    if ((c->checked & TS_CASE_SUSPECT) && r->actual_suspect != c->exp_suspect)
        failed |= TS_CASE_SUSPECT;
    if ((c->checked & TS_CASE_FEEDBACK) && r->actual_feedback != c->exp_feedback)
        failed |= TS_CASE_FEEDBACK;
    if ((c->checked & TS_CASE_ERRORS) && r->n_errors != c->exp_errors)
        failed |= TS_CASE_ERRORS;
    return failed;
}

/* Runs one case; fills *r from arena. covered[i] is set for every rule that fired. */
static ts_status run_case(ts_rulehost *h, const ts_rulepack *pack, const rc_case *c,
                          ts_arena *arena, bool *covered, ts_case_report *r, ts_err *err)
{
    size_t nrules = ts_rulepack_count(pack);
    /* Each rule belongs to one pass and each pass runs at most once: at most nrules
     * fires and errors. */
    case_acc acc = {.nrules = nrules ? nrules : 1, .covered = covered};
    acc.fires = ts_arena_calloc(arena, acc.nrules, sizeof *acc.fires);
    acc.errors = ts_arena_calloc(arena, acc.nrules, sizeof *acc.errors);
    acc.ids = ts_arena_calloc(arena, acc.nrules, sizeof *acc.ids);
    if (!acc.fires || !acc.errors || !acc.ids)
        return ts_err_set(err, TS_NOMEM, c->file, "out of memory");
    acc.nrules = nrules;

    memset(r, 0, sizeof *r);
    ts_decide_state st;
    ts_status rc = run_passes(h, pack, c, arena, &st, &acc, r, err);
    if (rc != TS_OK)
        return rc;
    qsort(acc.ids, acc.nf, sizeof *acc.ids, cmp_str);

    r->file = c->file;
    r->line = c->line;
    r->name = c->name;
    r->checked = c->checked;
    r->expected_fired = c->exp_fired;
    r->n_expected_fired = c->n_exp_fired;
    r->actual_fired = acc.ids;
    r->n_actual_fired = acc.nf;
    r->expected_colour = c->exp_colour;
    r->actual_colour = st.colour;
    r->score = st.score;
    r->expected_suspect = c->exp_suspect;
    r->actual_suspect = st.suspect;
    r->expected_feedback = c->exp_feedback;
    r->actual_feedback = acc.fb;
    r->expected_errors = c->exp_errors;
    r->fires = acc.fires;
    r->n_fires = acc.nf;
    r->errors = acc.errors;
    r->n_errors = acc.ne;
    r->failed = case_failures(c, r);
    r->passed = r->failed == 0;
    return TS_OK;
}

/* Copies the ids of the rules not covered into one malloc'd block. */
static ts_status keep_uncovered(ts_rulecases *rc, const ts_rulepack *pack, const bool *covered)
{
    size_t nrules = ts_rulepack_count(pack), n = 0, bytes = 0;
    for (size_t i = 0; i < nrules; i++)
        if (!covered[i]) {
            n++;
            bytes += strlen(ts_rulepack_rule(pack, i)->id) + 1;
        }
    free(rc->uncovered);
    rc->uncovered = NULL;
    rc->n_uncovered = 0;
    if (n == 0)
        return TS_OK;
    char *block = malloc(n * sizeof(char *) + bytes);
    if (!block)
        return TS_NOMEM;
    const char **arr = (const char **)(void *)block;
    char *s = block + n * sizeof(char *);
    size_t k = 0;
    for (size_t i = 0; i < nrules; i++) {
        if (covered[i])
            continue;
        const char *id = ts_rulepack_rule(pack, i)->id;
        size_t len = strlen(id) + 1;
        memcpy(s, id, len);
        arr[k++] = s;
        s += len;
    }
    rc->uncovered = arr;
    rc->n_uncovered = n;
    return TS_OK;
}

ts_status ts_rulecases_run(ts_rulecases *rc, const ts_rulepack *pack, ts_case_fn on_case, void *ud,
                           ts_rulecases_summary *out, ts_err *err)
{
    ts_rulehost *h = NULL;
    ts_arena scratch;
    ts_arena_init(&scratch, TS_LIMIT_ARENA_BATCH);
    size_t nrules = ts_rulepack_count(pack);
    bool *covered = calloc(nrules ? nrules : 1, sizeof *covered);
    ts_rulecases_summary sum = {0};
    ts_status st = TS_OK;
    if (!covered) {
        st = ts_err_set(err, TS_NOMEM, NULL, "out of memory");
        goto done;
    }
    if ((st = ts_rulehost_new(pack, &h, err)) != TS_OK)
        goto done;
    for (size_t i = 0; i < rc->n; i++) {
        ts_case_report r;
        ts_arena_reset(&scratch);
        if ((st = run_case(h, pack, &rc->cases[i], &scratch, covered, &r, err)) != TS_OK)
            goto done;
        sum.cases++;
        if (r.passed)
            sum.passed++;
        else
            sum.failed++;
        if (on_case)
            on_case(ud, &r);
    }
    if (keep_uncovered(rc, pack, covered) != TS_OK) {
        st = ts_err_set(err, TS_NOMEM, NULL, "out of memory");
        goto done;
    }
    sum.uncovered = rc->uncovered;
    sum.n_uncovered = rc->n_uncovered;
    *out = sum;
done:
    ts_rulehost_free(h);
    ts_arena_release(&scratch);
    free(covered);
    return st;
}

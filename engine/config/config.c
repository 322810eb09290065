/* config/config.c — loads and validates triscreen.yaml into a ts_config (defaults
 * applied, paths resolved against the file's directory). Uses config/ytree, base/arena,
 * base/text (SHA-256) and base/date. All strings of a config live in one arena. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/arena.h"
#include "triscreen/config.h"
#include "triscreen/date.h"
#include "triscreen/vocab.h"
#include "base/attrname.h"
#include "base/limits.h"
#include "base/text.h"
#include "config/ytree.h"

/* The allocation behind a ts_config: the public struct first, so a ts_config pointer
 * is also a pointer to its box. */
typedef struct cfg_box {
    ts_config cfg;
    ts_arena arena;
} cfg_box;

typedef struct cctx {
    const ts_ydoc *doc;
    ts_err *err;
    ts_config *cfg;
    ts_arena *arena;
    const ts_ynode *quick_ack_node; /* the older key quick_ack_minutes, when given */
    const ts_ynode *sla_quick_ack;  /* sla.quick.ack, when given (both: an error) */
} cctx;

static const char *const default_problem_events[] = {"incident_reported", "threat_reported",
                                                     "absconded"};

const char *ts_config_pick_path(const char *cli_path)
{
    if (cli_path && *cli_path)
        return cli_path;
    const char *env = getenv("TRISCREEN_CONFIG");
    if (env && *env)
        return env;
    return "./triscreen.yaml";
}

static ts_status fail(cctx *c, const ts_ynode *n, ts_status code, const char *fmt, ...)
    TS_PRINTF(4, 5);

static ts_status fail(cctx *c, const ts_ynode *n, ts_status code, const char *fmt, ...)
{
    char where[256];
    ts_ynode_where(c->doc, n, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    ts_err_vset(c->err, code, where, fmt, ap);
    va_end(ap);
    return code;
}

static ts_status nomem(cctx *c)
{
    return ts_err_set(c->err, TS_NOMEM, ts_ydoc_name(c->doc), "out of memory");
}

/* A short description of a node for "expected X, got Y" messages. */
static const char *describe(const ts_ynode *n, char *buf, size_t cap)
{
    if (n->type == TS_Y_MAP)
        return "a mapping";
    if (n->type == TS_Y_SEQ)
        return "a list";
    if (ts_ynode_is_null(n))
        return "null";
    size_t len = n->len;
    if (len > 40) {
        len = 40;
        while (len > 0 && ((unsigned char)n->str[len] & 0xC0) == 0x80)
            len--; /* never cut a UTF-8 sequence */
    }
    snprintf(buf, cap, "\"%.*s%s\"", (int)len, n->str, len < n->len ? "..." : "");
    return buf;
}

static ts_status want_int(cctx *c, const char *key, const ts_ynode *n, int64_t lo, int64_t hi,
                          int64_t *out)
{
    char d[96];
    int64_t v;
    if (!ts_ynode_int(n, &v))
        return fail(c, n, TS_CONFIG, "%s: expected an integer, got %s", key,
                    describe(n, d, sizeof d));
    if (v < lo || v > hi)
        return fail(c, n, TS_CONFIG, "%s: %lld is out of range (%lld..%lld)", key, (long long)v,
                    (long long)lo, (long long)hi);
    *out = v;
    return TS_OK;
}

static ts_status want_bool(cctx *c, const char *key, const ts_ynode *n, bool *out)
{
    char d[96];
    if (!ts_ynode_bool(n, out))
        return fail(c, n, TS_CONFIG, "%s: expected true or false, got %s", key,
                    describe(n, d, sizeof d));
    return TS_OK;
}

/* A non-empty string. Plain numbers are accepted as text; null and booleans are not. */
static ts_status want_str(cctx *c, const char *key, const ts_ynode *n, const char **out)
{
    char d[96];
    if (!ts_ynode_is_str(n) || ts_ynode_bool(n, NULL))
        return fail(c, n, TS_CONFIG, "%s: expected a string, got %s", key,
                    describe(n, d, sizeof d));
    if (n->len == 0)
        return fail(c, n, TS_CONFIG, "%s: must not be empty", key);
    *out = n->str;
    return TS_OK;
}

static ts_status want_map(cctx *c, const char *key, const ts_ynode *n)
{
    char d[96];
    if (n->type != TS_Y_MAP)
        return fail(c, n, TS_CONFIG, "%s: expected a mapping, got %s", key,
                    describe(n, d, sizeof d));
    return TS_OK;
}

static ts_status want_seq(cctx *c, const char *key, const ts_ynode *n)
{
    char d[96];
    if (n->type != TS_Y_SEQ)
        return fail(c, n, TS_CONFIG, "%s: expected a list, got %s", key, describe(n, d, sizeof d));
    return TS_OK;
}

static ts_status unknown_key(cctx *c, const char *prefix, const ts_ynode *k, const char *known)
{
    return fail(c, k, TS_CONFIG, "%s%s%.64s: unknown key (expected one of: %s)", prefix,
                *prefix ? "." : "", k->str, known);
}

/* Resolves p against the config's directory (absolute paths are kept). */
static ts_status resolve_path(cctx *c, const char *p, char **out)
{
    char *r;
    if (p[0] == '/' || strcmp(c->cfg->dir, ".") == 0)
        r = ts_arena_strdup(c->arena, p);
    else if (strcmp(c->cfg->dir, "/") == 0)
        r = ts_arena_printf(c->arena, "/%s", p);
    else
        r = ts_arena_printf(c->arena, "%s/%s", c->cfg->dir, p);
    if (!r)
        return nomem(c);
    *out = r;
    return TS_OK;
}

static ts_status want_path(cctx *c, const char *key, const ts_ynode *n, char **out)
{
    const char *s;
    ts_status rc = want_str(c, key, n, &s);
    if (rc == TS_OK)
        rc = resolve_path(c, s, out);
    return rc;
}

/* True when key node k's text is exactly s (an embedded NUL never matches). */
static bool key_is(const ts_ynode *k, const char *s)
{
    return k->len == strlen(s) && memcmp(k->str, s, k->len) == 0;
}

static const char *const colours[3] = {"red", "yellow", "blue"};

/* thresholds / review_days: {red, yellow, blue}. A colour left out keeps its default;
 * for thresholds, null disables that colour (-1). */
static ts_status parse_colours(cctx *c, const char *key, const ts_ynode *n, int lo, int hi,
                               bool nullable, int out[3])
{
    ts_status rc = want_map(c, key, n);
    if (rc != TS_OK)
        return rc;
    for (size_t i = 0; i < n->n; i++) {
        const ts_ynode *k = ts_ynode_key(n, i), *v = ts_ynode_val(n, i);
        size_t ci = 0;
        while (ci < 3 && !key_is(k, colours[ci]))
            ci++;
        if (ci == 3)
            return unknown_key(c, key, k, "red, yellow, blue");
        char name[64];
        snprintf(name, sizeof name, "%s.%s", key, colours[ci]);
        if (nullable && ts_ynode_is_null(v)) {
            out[ci] = -1;
            continue;
        }
        int64_t x = 0; /* written by want_int when it succeeds */
        rc = want_int(c, name, v, lo, hi, &x);
        if (rc != TS_OK)
            return rc;
        out[ci] = (int)x;
    }
    return TS_OK;
}

static ts_status parse_thresholds(cctx *c, const ts_ynode *n)
{
    int *t = c->cfg->thresholds;
    ts_status rc = parse_colours(c, "thresholds", n, 0, TS_LIMIT_THRESHOLD, true, t);
    if (rc != TS_OK)
        return rc;
    /* red > yellow > blue among the colours that have a threshold */
    int last = -1;
    for (int i = 2; i >= 0; i--) {
        if (t[i] < 0)
            continue;
        if (last >= 0 && t[i] <= t[last]) {
            const ts_ynode *at = ts_ynode_get(n, colours[i]);
            return fail(c, at ? at : n, TS_CONFIG,
                        "thresholds.%s: %d must be greater than thresholds.%s (%d)", colours[i],
                        t[i], colours[last], t[last]);
        }
        last = i;
    }
    return TS_OK;
}

static ts_status parse_problem_events(cctx *c, const ts_ynode *n)
{
    ts_status rc = want_seq(c, "problem_events", n);
    if (rc != TS_OK)
        return rc;
    char **ev = ts_arena_calloc(c->arena, n->n ? n->n : 1, sizeof *ev);
    if (!ev)
        return nomem(c);
    for (size_t i = 0; i < n->n; i++) {
        char key[64];
        snprintf(key, sizeof key, "problem_events[%zu]", i);
        const char *s;
        rc = want_str(c, key, n->items[i], &s);
        if (rc != TS_OK)
            return rc;
        if (n->items[i]->len > TS_LIMIT_ID)
            return fail(c, n->items[i], TS_CONFIG, "%s: longer than %u bytes", key,
                        (unsigned)TS_LIMIT_ID);
        if (!(ev[i] = ts_arena_strdup(c->arena, s)))
            return nomem(c);
    }
    c->cfg->problem_events = ev;
    c->cfg->n_problem_events = n->n;
    return TS_OK;
}

static ts_status parse_protected(cctx *c, const ts_ynode *n)
{
    ts_status rc = want_seq(c, "protected_attributes", n);
    if (rc != TS_OK)
        return rc;
    char **keys = ts_arena_calloc(c->arena, n->n ? n->n : 1, sizeof *keys);
    if (!keys)
        return nomem(c);
    for (size_t i = 0; i < n->n; i++) {
        char key[64];
        snprintf(key, sizeof key, "protected_attributes[%zu]", i);
        const char *s;
        rc = want_str(c, key, n->items[i], &s);
        if (rc != TS_OK)
            return rc;
        char norm[TS_ATTRNAME_BUF], pk[TS_ATTRNAME_BUF];
        ts_attrname_rc nrc = ts__attrname_normalize(s, n->items[i]->len, norm, NULL);
        if (nrc == TS_ATTRNAME_LONG)
            return fail(c, n->items[i], TS_CONFIG, "%s: longer than %u bytes once normalised", key,
                        (unsigned)TS_LIMIT_ATTR_NAME);
        if (nrc != TS_ATTRNAME_OK)
            return fail(c, n->items[i], TS_CONFIG,
                        "%s: not an attribute name (empty, or not valid UTF-8)", key);
        ts__attrname_key(norm, pk);
        if (!pk[0])
            return fail(c, n->items[i], TS_CONFIG, "%s: nothing left once punctuation is removed",
                        key);
        if (!(keys[i] = ts_arena_strdup(c->arena, pk)))
            return nomem(c);
    }
    c->cfg->protected_attributes = keys;
    c->cfg->n_protected_attributes = n->n;
    return TS_OK;
}

/* A list of names (1..TS_LIMIT_ID bytes each) under schema.KEY. */
static ts_status parse_name_list(cctx *c, const char *key, const ts_ynode *n, char ***out,
                                 size_t *n_out)
{
    char path[64];
    snprintf(path, sizeof path, "schema.%s", key);
    ts_status rc = want_seq(c, path, n);
    if (rc != TS_OK)
        return rc;
    char **v = ts_arena_calloc(c->arena, n->n ? n->n : 1, sizeof *v);
    if (!v)
        return nomem(c);
    for (size_t i = 0; i < n->n; i++) {
        char item[96];
        snprintf(item, sizeof item, "%s[%zu]", path, i);
        const char *s = NULL;
        rc = want_str(c, item, n->items[i], &s);
        if (rc != TS_OK)
            return rc;
        if (n->items[i]->len > TS_LIMIT_ID)
            return fail(c, n->items[i], TS_CONFIG, "%s: longer than %u bytes", item,
                        (unsigned)TS_LIMIT_ID);
        if (!(v[i] = ts_arena_strdup(c->arena, s)))
            return nomem(c);
    }
    *out = v;
    *n_out = n->n;
    return TS_OK;
}

/* schema.attributes: a list of names, or a map NAME: number|text|bool|date|any. */
static ts_status parse_schema_attrs(cctx *c, const ts_ynode *n)
{
    ts_schema_cfg *sc = &c->cfg->schema;
    sc->has_attributes = true;
    if (n->type == TS_Y_SEQ) {
        ts_status rc = parse_name_list(c, "attributes", n, &sc->attributes, &sc->n_attributes);
        if (rc == TS_OK && !(sc->attr_types = ts_arena_calloc(c->arena, sc->n_attributes + 1,
                                                              sizeof *sc->attr_types)))
            rc = nomem(c);
        return rc;
    }
    if (n->type != TS_Y_MAP)
        return want_seq(c, "schema.attributes (a list or a mapping of NAME: TYPE)", n);
    static const char *const types[] = {"any", "number", "text", "bool", "date"};
    sc->attributes = ts_arena_calloc(c->arena, n->n + 1, sizeof *sc->attributes);
    sc->attr_types = ts_arena_calloc(c->arena, n->n + 1, sizeof *sc->attr_types);
    if (!sc->attributes || !sc->attr_types)
        return nomem(c);
    for (size_t i = 0; i < n->n; i++) {
        const ts_ynode *k = ts_ynode_key(n, i), *v = ts_ynode_val(n, i);
        if (k->len == 0 || k->len > TS_LIMIT_ATTR_NAME)
            return fail(c, k, TS_CONFIG, "schema.attributes: a name must be 1..%u bytes",
                        (unsigned)TS_LIMIT_ATTR_NAME);
        int t = -1;
        for (int j = 0; j < 5; j++)
            if (ts_ynode_is_str(v) && strcmp(v->str, types[j]) == 0)
                t = j;
        if (t < 0)
            return fail(c, v, TS_CONFIG,
                        "schema.attributes.%s: expected number, text, bool, date or any", k->str);
        if (!(sc->attributes[i] = ts_arena_strdup(c->arena, k->str)))
            return nomem(c);
        sc->attr_types[i] = (ts_schema_type)t;
    }
    sc->n_attributes = n->n;
    return TS_OK;
}

static ts_status parse_schema(cctx *c, const ts_ynode *n)
{
    ts_status rc = want_map(c, "schema", n);
    ts_schema_cfg *sc = &c->cfg->schema;
    for (size_t i = 0; rc == TS_OK && i < n->n; i++) {
        const ts_ynode *k = ts_ynode_key(n, i), *v = ts_ynode_val(n, i);
        if (key_is(k, "attributes")) {
            rc = parse_schema_attrs(c, v);
        } else if (key_is(k, "relations")) {
            sc->has_relations = true;
            rc = parse_name_list(c, "relations", v, &sc->relations, &sc->n_relations);
        } else if (key_is(k, "events")) {
            sc->has_events = true;
            rc = parse_name_list(c, "events", v, &sc->events, &sc->n_events);
        } else {
            rc = unknown_key(c, "schema", k, "attributes, relations, events");
        }
    }
    return rc;
}

bool ts_attr_name_protected(const ts_config *cfg, const char *name, size_t len)
{
    if (!name)
        return false;
    return ts__attrname_protected(name, len,
                                  cfg ? (const char *const *)cfg->protected_attributes : NULL,
                                  cfg ? cfg->n_protected_attributes : 0);
}

static ts_status parse_limits(cctx *c, const ts_ynode *n)
{
    ts_status rc = want_map(c, "limits", n);
    for (size_t i = 0; rc == TS_OK && i < n->n; i++) {
        const ts_ynode *k = ts_ynode_key(n, i), *v = ts_ynode_val(n, i);
        int64_t x = 0;
        if (key_is(k, "instructions")) {
            rc = want_int(c, "limits.instructions", v, TS_LIMIT_RULE_INSTRUCTIONS_MIN,
                          TS_LIMIT_RULE_INSTRUCTIONS_MAX, &x);
            c->cfg->instructions = (uint64_t)x;
        } else if (key_is(k, "memory_mb")) {
            rc = want_int(c, "limits.memory_mb", v, 1, TS_LIMIT_RULE_MEMORY_MB_MAX, &x);
            c->cfg->memory_mb = (uint32_t)x;
        } else if (key_is(k, "ms_per_person")) {
            rc = want_int(c, "limits.ms_per_person", v, 1, TS_LIMIT_RULE_MS_PER_PERSON_MAX, &x);
            c->cfg->ms_per_person = (uint32_t)x;
        } else {
            rc = unknown_key(c, "limits", k, "instructions, memory_mb, ms_per_person");
        }
    }
    return rc;
}

/* A duration of the clocks: an integer and a unit, m (minutes), h (hours) or d (days),
 * between one minute and TS_LIMIT_SLA_MINUTES; *out in minutes. */
static ts_status want_duration(cctx *c, const char *key, const ts_ynode *n, uint32_t *out)
{
    char d[96];
    if (n->type != TS_Y_SCALAR || ts_ynode_is_null(n) || n->len < 2 || n->len > 12)
        return fail(c, n, TS_CONFIG, "%s: expected a duration such as 30m, 12h or 7d, got %s", key,
                    describe(n, d, sizeof d));
    uint64_t v = 0;
    size_t i = 0;
    for (; i + 1 < n->len && n->str[i] >= '0' && n->str[i] <= '9'; i++)
        v = v * 10 + (uint64_t)(n->str[i] - '0'); /* at most 11 digits: no overflow */
    char unit = n->str[n->len - 1];
    uint64_t per = unit == 'm' ? 1 : unit == 'h' ? 60 : unit == 'd' ? 1440 : 0;
    if (i != n->len - 1 || i == 0 || per == 0)
        return fail(c, n, TS_CONFIG,
                    "%s: expected a duration such as 30m, 12h or 7d (an integer and m, h or d), "
                    "got %s",
                    key, describe(n, d, sizeof d));
    v *= per;
    if (v < 1 || v > TS_LIMIT_SLA_MINUTES)
        return fail(c, n, TS_CONFIG, "%s: %s is out of range (1m..%ud)", key,
                    describe(n, d, sizeof d), (unsigned)(TS_LIMIT_SLA_MINUTES / 1440));
    *out = (uint32_t)v;
    return TS_OK;
}

/* The per mille in "NN%" or "NN.N%" (up to three digits and one decimal); false when the
 * text is not of that shape. */
static bool percent_permille(const ts_ynode *n, uint32_t *out)
{
    if (n->type != TS_Y_SCALAR || n->len < 2 || n->len > 6 || strlen(n->str) != n->len ||
        n->str[n->len - 1] != '%')
        return false;
    uint32_t v = 0;
    size_t i = 0;
    for (; i < 3 && n->str[i] >= '0' && n->str[i] <= '9'; i++)
        v = v * 10 + (uint32_t)(n->str[i] - '0');
    if (i == 0)
        return false;
    v *= 10;
    if (n->str[i] == '.' && n->str[i + 1] >= '0' && n->str[i + 1] <= '9') {
        v += (uint32_t)(n->str[i + 1] - '0');
        i += 2;
    }
    if (i != n->len - 1)
        return false;
    *out = v;
    return true;
}

/* sla.closure_target: "NN%" (99%, 99.5%) or a fraction (0.99), above 0 and at most 1, a
 * whole number of per mille; *out per mille. */
static ts_status want_share(cctx *c, const char *key, const ts_ynode *n, uint32_t *out)
{
    char d[96];
    uint32_t pm = 0;
    double v;
    if (!percent_permille(n, &pm)) {
        if (!ts_ynode_number(n, &v))
            return fail(c, n, TS_CONFIG,
                        "%s: expected a percentage such as 99%% or a fraction such as 0.99, "
                        "got %s",
                        key, describe(n, d, sizeof d));
        if (!(v > 0 && v <= 1))
            return fail(c, n, TS_CONFIG, "%s: %s is out of range (above 0, at most 1)", key,
                        describe(n, d, sizeof d));
        double x = v * 1000.0;
        pm = (uint32_t)(x + 0.5);
        if (x - pm > 1e-6 || pm - x > 1e-6)
            return fail(c, n, TS_CONFIG, "%s: %s is finer than 0.001 (0.1%%)", key,
                        describe(n, d, sizeof d));
    }
    if (pm == 0 || pm > 1000)
        return fail(c, n, TS_CONFIG, "%s: %s is out of range (above 0%%, at most 100%%)", key,
                    describe(n, d, sizeof d));
    *out = pm;
    return TS_OK;
}

/* sla.<kind>: {ack, close}; a clock left out keeps its default. */
static ts_status parse_sla_kind(cctx *c, ts_feedback kind, const ts_ynode *n)
{
    char key[64];
    snprintf(key, sizeof key, "sla.%s", ts_feedback_name(kind));
    ts_status rc = want_map(c, key, n);
    for (size_t i = 0; rc == TS_OK && i < n->n; i++) {
        const ts_ynode *k = ts_ynode_key(n, i), *v = ts_ynode_val(n, i);
        char sub[128];
        snprintf(sub, sizeof sub, "%s.%.20s", key, k->str);
        if (key_is(k, "ack")) {
            rc = want_duration(c, sub, v, &c->cfg->sla[kind].ack_minutes);
            if (kind == TS_FEEDBACK_QUICK)
                c->sla_quick_ack = v;
        } else if (key_is(k, "close")) {
            rc = want_duration(c, sub, v, &c->cfg->sla[kind].close_minutes);
        } else {
            rc = unknown_key(c, key, k, "ack, close");
        }
    }
    return rc;
}

static ts_status parse_sla(cctx *c, const ts_ynode *n)
{
    ts_status rc = want_map(c, "sla", n);
    for (size_t i = 0; rc == TS_OK && i < n->n; i++) {
        const ts_ynode *k = ts_ynode_key(n, i), *v = ts_ynode_val(n, i);
        int64_t x = 0;
        if (key_is(k, "quick")) {
            rc = parse_sla_kind(c, TS_FEEDBACK_QUICK, v);
        } else if (key_is(k, "detailed")) {
            rc = parse_sla_kind(c, TS_FEEDBACK_DETAILED, v);
        } else if (key_is(k, "early")) {
            rc = parse_sla_kind(c, TS_FEEDBACK_EARLY, v);
        } else if (key_is(k, "closure_target")) {
            rc = want_share(c, "sla.closure_target", v, &c->cfg->closure_target_permille);
        } else if (key_is(k, "sweep_seconds")) {
            rc = want_int(c, "sla.sweep_seconds", v, 1, TS_LIMIT_SLA_SWEEP_S, &x);
            c->cfg->sla_sweep_seconds = (uint32_t)x;
        } else {
            rc = unknown_key(c, "sla", k, "quick, detailed, early, closure_target, sweep_seconds");
        }
    }
    return rc;
}

/* The older key and the clock it stands for: one of them, and both fields agree. */
static ts_status settle_quick_ack(cctx *c)
{
    ts_config *cfg = c->cfg;
    if (c->quick_ack_node && c->sla_quick_ack) {
        const ts_ynode *later = c->quick_ack_node->start > c->sla_quick_ack->start
                                    ? c->quick_ack_node
                                    : c->sla_quick_ack;
        return fail(c, later, TS_CONFIG,
                    "%s: quick_ack_minutes and sla.quick.ack set the same clock: give only "
                    "sla.quick.ack",
                    later == c->quick_ack_node ? "quick_ack_minutes" : "sla.quick.ack");
    }
    if (c->quick_ack_node)
        cfg->sla[TS_FEEDBACK_QUICK].ack_minutes = cfg->quick_ack_minutes;
    else
        cfg->quick_ack_minutes = cfg->sla[TS_FEEDBACK_QUICK].ack_minutes;
    return TS_OK;
}

/* "host:port": a non-empty host (a bracketed IPv6 address allowed) and a port 1..65535. */
static bool listen_valid(const char *s)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || colon[1] == '\0')
        return false;
    if (s[0] == '[' && colon[-1] != ']')
        return false;
    long port = 0;
    for (const char *p = colon + 1; *p; p++) {
        if (*p < '0' || *p > '9' || p - colon > 5)
            return false;
        port = port * 10 + (*p - '0');
    }
    if (port < 1 || port > 65535)
        return false;
    for (const char *p = s; p < colon; p++)
        if ((unsigned char)*p <= ' ')
            return false;
    return true;
}

static bool code_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_';
}

static ts_status parse_token(cctx *c, size_t idx, const ts_ynode *n, ts_token_cfg *t)
{
    char key[96];
    snprintf(key, sizeof key, "service.tokens[%zu]", idx);
    ts_status rc = want_map(c, key, n);
    if (rc != TS_OK)
        return rc;
    bool have_sha = false, have_scopes = false;
    for (size_t i = 0; i < n->n; i++) {
        const ts_ynode *k = ts_ynode_key(n, i), *v = ts_ynode_val(n, i);
        char sub[128];
        snprintf(sub, sizeof sub, "%s.%.20s", key, k->str);
        if (key_is(k, "name")) {
            const char *s;
            if ((rc = want_str(c, sub, v, &s)) != TS_OK)
                return rc;
            if (!(t->name = ts_arena_strdup(c->arena, s)))
                return nomem(c);
        } else if (key_is(k, "sha256")) {
            const char *s;
            if ((rc = want_str(c, sub, v, &s)) != TS_OK)
                return rc;
            bool ok = v->len == 64;
            for (size_t j = 0; ok && j < 64; j++)
                ok = (s[j] >= '0' && s[j] <= '9') || (s[j] >= 'a' && s[j] <= 'f');
            if (!ok)
                return fail(c, v, TS_CONFIG,
                            "%s: expected 64 lowercase hex digits (the SHA-256 of the secret)",
                            sub);
            memcpy(t->sha256, s, 65);
            have_sha = true;
        } else if (key_is(k, "scopes")) {
            if ((rc = want_seq(c, sub, v)) != TS_OK)
                return rc;
            if (v->n == 0)
                return fail(c, v, TS_CONFIG, "%s: needs at least one scope", sub);
            if (v->n > TS_LIMIT_TOKEN_SCOPES)
                return fail(c, v, TS_CONFIG, "%s: more than %u scopes", sub, TS_LIMIT_TOKEN_SCOPES);
            t->scopes = ts_arena_calloc(c->arena, v->n, sizeof *t->scopes);
            if (!t->scopes)
                return nomem(c);
            for (size_t j = 0; j < v->n; j++) {
                char sk[160];
                snprintf(sk, sizeof sk, "%s[%zu]", sub, j);
                const char *s;
                if ((rc = want_str(c, sk, v->items[j], &s)) != TS_OK)
                    return rc;
                bool ok = v->items[j]->len <= TS_LIMIT_ID;
                for (const char *p = s; ok && *p; p++)
                    ok = code_char(*p);
                if (!ok)
                    return fail(c, v->items[j], TS_CONFIG,
                                "%s: expected 'all' or a grid cell code, got \"%.64s\"", sk, s);
                if (!(t->scopes[j] = ts_arena_strdup(c->arena, s)))
                    return nomem(c);
            }
            t->n_scopes = v->n;
            have_scopes = true;
        } else if (key_is(k, "write")) {
            if ((rc = want_bool(c, sub, v, &t->write)) != TS_OK)
                return rc;
        } else if (key_is(k, "officer")) {
            /* checked against the grid when the service loads the generation */
            const char *s;
            if ((rc = want_str(c, sub, v, &s)) != TS_OK)
                return rc;
            if (v->len == 0 || v->len > TS_LIMIT_ID)
                return fail(c, v, TS_CONFIG, "%s: expected an officer id of the grid", sub);
            if (!(t->officer = ts_arena_strdup(c->arena, s)))
                return nomem(c);
        } else {
            return unknown_key(c, key, k, "name, sha256, scopes, write, officer");
        }
    }
    if (!t->name)
        return fail(c, n, TS_CONFIG, "%s: missing required key 'name'", key);
    if (!have_sha)
        return fail(c, n, TS_CONFIG, "%s: missing required key 'sha256'", key);
    if (!have_scopes)
        return fail(c, n, TS_CONFIG, "%s: missing required key 'scopes'", key);
    return TS_OK;
}

static ts_status parse_service(cctx *c, const ts_ynode *n)
{
    ts_status rc = want_map(c, "service", n);
    for (size_t i = 0; rc == TS_OK && i < n->n; i++) {
        const ts_ynode *k = ts_ynode_key(n, i), *v = ts_ynode_val(n, i);
        int64_t x = 0;
        if (key_is(k, "listen")) {
            const char *s;
            if ((rc = want_str(c, "service.listen", v, &s)) != TS_OK)
                return rc;
            if (!listen_valid(s))
                return fail(c, v, TS_CONFIG,
                            "service.listen: expected \"host:port\", got \"%.64s\"", s);
            if (!(c->cfg->listen = ts_arena_strdup(c->arena, s)))
                return nomem(c);
        } else if (key_is(k, "tokens")) {
            if ((rc = want_seq(c, "service.tokens", v)) != TS_OK)
                return rc;
            if (v->n > TS_LIMIT_TOKENS)
                return fail(c, v, TS_CONFIG, "service.tokens: more than %u tokens",
                            TS_LIMIT_TOKENS);
            ts_token_cfg *t = ts_arena_calloc(c->arena, v->n ? v->n : 1, sizeof *t);
            if (!t)
                return nomem(c);
            for (size_t j = 0; j < v->n; j++) {
                if ((rc = parse_token(c, j, v->items[j], &t[j])) != TS_OK)
                    return rc;
                for (size_t p = 0; p < j; p++) {
                    if (strcmp(t[p].name, t[j].name) == 0)
                        return fail(c, v->items[j], TS_CONFIG,
                                    "service.tokens[%zu].name: duplicate token name '%.64s'", j,
                                    t[j].name);
                    if (strcmp(t[p].sha256, t[j].sha256) == 0)
                        return fail(c, v->items[j], TS_CONFIG,
                                    "service.tokens[%zu].sha256: same secret as token '%.64s'", j,
                                    t[p].name);
                }
            }
            c->cfg->tokens = t;
            c->cfg->n_tokens = v->n;
        } else if (key_is(k, "reveal_outside_circle")) {
            const char *s;
            if ((rc = want_str(c, "service.reveal_outside_circle", v, &s)) != TS_OK)
                return rc;
            if (strcmp(s, "count") && strcmp(s, "none"))
                return fail(c, v, TS_CONFIG,
                            "service.reveal_outside_circle: expected count or none, got \"%.64s\"",
                            s);
            c->cfg->reveal_outside_circle = strcmp(s, "none") == 0;
        } else if (key_is(k, "max_connections")) {
            rc = want_int(c, "service.max_connections", v, 1, TS_LIMIT_HTTP_CONNECTIONS_MAX, &x);
            c->cfg->max_connections = (uint32_t)x;
        } else if (key_is(k, "max_connections_per_ip")) {
            rc = want_int(c, "service.max_connections_per_ip", v, 1, TS_LIMIT_HTTP_CONNECTIONS_MAX,
                          &x);
            c->cfg->max_connections_per_ip = (uint32_t)x;
        } else if (key_is(k, "read_timeout_s")) {
            rc = want_int(c, "service.read_timeout_s", v, 1, TS_LIMIT_HTTP_TIMEOUT_MAX_S, &x);
            c->cfg->read_timeout_s = (uint32_t)x;
        } else if (key_is(k, "reload_timeout_s")) {
            rc = want_int(c, "service.reload_timeout_s", v, 1, TS_LIMIT_HTTP_TIMEOUT_MAX_S, &x);
            c->cfg->reload_timeout_s = (uint32_t)x;
        } else if (key_is(k, "drain_timeout_s")) {
            rc = want_int(c, "service.drain_timeout_s", v, 1, TS_LIMIT_HTTP_TIMEOUT_MAX_S, &x);
            c->cfg->drain_timeout_s = (uint32_t)x;
        } else {
            rc = unknown_key(c, "service", k,
                             "listen, tokens, reveal_outside_circle, max_connections, "
                             "max_connections_per_ip, read_timeout_s, reload_timeout_s, "
                             "drain_timeout_s");
        }
    }
    return rc;
}

#define TOP_KEYS                                                                                   \
    "database, grid, rules, thresholds, review_days, problem_events, limits, "                     \
    "quick_ack_minutes, quick_max_age_days, now, workers, alerts_jsonl, service, "                 \
    "protected_attributes, sla, schema"

static ts_status parse_root(cctx *c, const ts_ynode *root)
{
    ts_config *cfg = c->cfg;
    char d[96];
    if (root->type != TS_Y_MAP)
        return fail(c, root, TS_CONFIG, "expected a mapping of settings at the top level, got %s",
                    describe(root, d, sizeof d));
    ts_status rc = TS_OK;
    for (size_t i = 0; rc == TS_OK && i < root->n; i++) {
        const ts_ynode *k = ts_ynode_key(root, i), *v = ts_ynode_val(root, i);
        const char *key = k->str;
        int64_t x = 0;
        if (key_is(k, "database")) {
            rc = want_path(c, key, v, &cfg->database);
        } else if (key_is(k, "grid")) {
            rc = want_path(c, key, v, &cfg->grid);
        } else if (key_is(k, "rules")) {
            rc = want_path(c, key, v, &cfg->rules);
        } else if (key_is(k, "alerts_jsonl")) {
            rc = want_path(c, key, v, &cfg->alerts_jsonl);
        } else if (key_is(k, "thresholds")) {
            rc = parse_thresholds(c, v);
        } else if (key_is(k, "review_days")) {
            rc = parse_colours(c, key, v, 1, TS_LIMIT_REVIEW_DAYS, false, cfg->review_days);
        } else if (key_is(k, "problem_events")) {
            rc = parse_problem_events(c, v);
        } else if (key_is(k, "limits")) {
            rc = parse_limits(c, v);
        } else if (key_is(k, "quick_ack_minutes")) {
            rc = want_int(c, key, v, 1, TS_LIMIT_QUICK_ACK_MINUTES, &x);
            cfg->quick_ack_minutes = (uint32_t)x;
            c->quick_ack_node = v;
        } else if (key_is(k, "quick_max_age_days")) {
            rc = want_int(c, key, v, 0, TS_LIMIT_QUICK_MAX_AGE_DAYS, &x);
            cfg->quick_max_age_days = (uint32_t)x;
        } else if (key_is(k, "workers")) {
            rc = want_int(c, key, v, 0, TS_LIMIT_WORKERS, &x);
            cfg->workers = (uint32_t)x;
        } else if (key_is(k, "now")) {
            int32_t day;
            if (!ts_ynode_is_str(v) || !ts_date_parse(v->str, v->len, &day))
                rc = fail(c, v, TS_CONFIG, "now: expected a date YYYY-MM-DD, got %s",
                          describe(v, d, sizeof d));
            else
                memcpy(cfg->now, v->str, 11);
        } else if (key_is(k, "service")) {
            rc = parse_service(c, v);
        } else if (key_is(k, "protected_attributes")) {
            rc = parse_protected(c, v);
        } else if (key_is(k, "sla")) {
            rc = parse_sla(c, v);
        } else if (key_is(k, "schema")) {
            rc = parse_schema(c, v);
        } else {
            rc = unknown_key(c, "", k, TOP_KEYS);
        }
    }
    if (rc == TS_OK)
        rc = settle_quick_ack(c);
    return rc;
}

static ts_status set_defaults(cctx *c, const char *path)
{
    ts_config *cfg = c->cfg;
    const char *slash = strrchr(path, '/');
    if (!slash)
        cfg->dir = ts_arena_strdup(c->arena, ".");
    else if (slash == path)
        cfg->dir = ts_arena_strdup(c->arena, "/");
    else
        cfg->dir = ts_arena_strndup(c->arena, path, (size_t)(slash - path));
    cfg->path = ts_arena_strdup(c->arena, path);
    if (!cfg->dir || !cfg->path)
        return nomem(c);
    ts_status rc = resolve_path(c, "triscreen.db", &cfg->database);
    if (rc == TS_OK)
        rc = resolve_path(c, "grid.yaml", &cfg->grid);
    if (rc == TS_OK)
        rc = resolve_path(c, "rules", &cfg->rules);
    if (rc != TS_OK)
        return rc;
    cfg->thresholds[0] = 70;
    cfg->thresholds[1] = 40;
    cfg->thresholds[2] = 20;
    cfg->review_days[0] = 7;
    cfg->review_days[1] = 30;
    cfg->review_days[2] = 90;
    size_t np = sizeof default_problem_events / sizeof default_problem_events[0];
    cfg->problem_events = ts_arena_calloc(c->arena, np, sizeof *cfg->problem_events);
    if (!cfg->problem_events)
        return nomem(c);
    for (size_t i = 0; i < np; i++)
        if (!(cfg->problem_events[i] = ts_arena_strdup(c->arena, default_problem_events[i])))
            return nomem(c);
    cfg->n_problem_events = np;
    cfg->instructions = TS_LIMIT_RULE_INSTRUCTIONS;
    cfg->memory_mb = TS_LIMIT_RULE_MEMORY_MB;
    cfg->ms_per_person = TS_LIMIT_RULE_MS_PER_PERSON;
    /* the clocks of the method (see config.h); quick_ack_minutes follows sla.quick.ack */
    cfg->sla[TS_FEEDBACK_QUICK] = (ts_sla){.ack_minutes = 30, .close_minutes = 24 * 60};
    cfg->sla[TS_FEEDBACK_DETAILED] = (ts_sla){.ack_minutes = 24 * 60, .close_minutes = 7 * 24 * 60};
    cfg->sla[TS_FEEDBACK_EARLY] =
        (ts_sla){.ack_minutes = 3 * 24 * 60, .close_minutes = 14 * 24 * 60};
    cfg->closure_target_permille = 990;
    cfg->sla_sweep_seconds = 60;
    cfg->quick_ack_minutes = 30;
    cfg->quick_max_age_days = 30;
    cfg->workers = 0;
    cfg->max_connections = TS_LIMIT_HTTP_CONNECTIONS;
    cfg->max_connections_per_ip = TS_LIMIT_HTTP_CONNECTIONS_PER_IP;
    cfg->read_timeout_s = TS_LIMIT_HTTP_READ_S;
    cfg->reload_timeout_s = TS_LIMIT_HTTP_RELOAD_S;
    cfg->drain_timeout_s = TS_LIMIT_HTTP_DRAIN_S;
    cfg->listen = ts_arena_strdup(c->arena, "127.0.0.1:8080");
    if (!cfg->listen)
        return nomem(c);
    return TS_OK;
}

ts_status ts_config_load(const char *path, ts_config **out, ts_err *err)
{
    ts_ydoc *doc = NULL;
    cfg_box *box = NULL;
    ts_status rc = ts_ydoc_load_file(path, &doc, err);
    if (rc != TS_OK)
        goto done;
    box = calloc(1, sizeof *box);
    if (!box) {
        rc = ts_err_set(err, TS_NOMEM, path, "out of memory");
        goto done;
    }
    ts_arena_init(&box->arena, TS_LIMIT_ARENA_CONFIG);
    cctx c = {.doc = doc, .err = err, .cfg = &box->cfg, .arena = &box->arena};
    if ((rc = set_defaults(&c, path)) != TS_OK)
        goto done;
    const ts_ynode *root = ts_ydoc_root(doc);
    if (root && (rc = parse_root(&c, root)) != TS_OK) /* an empty file: all defaults */
        goto done;
    size_t len;
    const char *text = ts_ydoc_text(doc, &len);
    ts_sha256_hex_of(text, len, box->cfg.sha256);
    *out = &box->cfg;
    box = NULL;
done:
    if (box)
        ts_config_free(&box->cfg);
    ts_ydoc_free(doc);
    return ts_config_status(rc, err);
}

ts_status ts_config_status(ts_status rc, ts_err *err)
{
    if (rc == TS_OK || rc == TS_NOMEM)
        return rc;
    if (err)
        err->code = TS_CONFIG;
    return TS_CONFIG;
}

void ts_config_free(ts_config *cfg)
{
    if (!cfg)
        return;
    cfg_box *box = (cfg_box *)cfg;
    ts_arena_release(&box->arena);
    free(box);
}

bool ts_config_is_problem_event(const ts_config *cfg, const char *type)
{
    if (!cfg || !type)
        return false;
    for (size_t i = 0; i < cfg->n_problem_events; i++)
        if (strcmp(cfg->problem_events[i], type) == 0)
            return true;
    return false;
}

/* feedback/route.c — routing alerts through the grid's officers, and alert times.
 * Uses triscreen/grid.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/buf.h"
#include "triscreen/date.h"
#include "triscreen/jsonw.h"
#include "base/limits.h"
#include "feedback/fb_int.h"

/* The highest (smallest-numbered) grid level each kind reaches before escalation. */
static int top_level(ts_feedback kind)
{
    switch (kind) {
    case TS_FEEDBACK_EARLY:
        return TS_CELL_GROUP;
    case TS_FEEDBACK_DETAILED:
        return TS_CELL_VILLAGE;
    default:
        return TS_CELL_TOWN;
    }
}

/* Appends one part of the routing note ("; " between parts); TS_LIMIT past
 * TS_LIMIT_ROUTE_NOTE, never truncated. */
static ts_status TS_PRINTF(2, 3) note_add(ts_buf *n, const char *fmt, ...)
{
    if (ts_buf_str(n)[0] && ts_buf_puts(n, "; ") != TS_OK)
        return TS_LIMIT;
    va_list ap;
    va_start(ap, fmt);
    ts_status rc = ts_buf_vprintf(n, fmt, ap);
    va_end(ap);
    return rc;
}

/* The officer ids of a route, in order, each once: the ids are of the grid's safe
 * alphabet (grid.c), written as a JSON array of strings. A route has a few ids; the
 * array was a json-c object with one allocation an id (with ts_grid_find, 5.5% of a full
 * pass raising an early alert for most persons, measured 2026-12-03). */
typedef struct route_ids {
    const char **v;
    size_t n, cap;
} route_ids;

/* Appends id unless it is there already. */
static ts_status add_id(route_ids *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->v[i], id))
            return TS_OK;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        const char **nv = realloc(r->v, cap * sizeof *nv);
        if (!nv)
            return TS_NOMEM;
        r->v = nv;
        r->cap = cap;
    }
    r->v[r->n++] = id;
    return TS_OK;
}

/* Adds the officers of cell c (or of the nearest cell above with officers) to r. */
static ts_status add_cell(route_ids *r, ts_buf *nb, const ts_cell *c)
{
    ts_status rc = TS_OK;
    const ts_cell *t = c;
    while (t && t->n_officers == 0)
        t = t->parent;
    if (t != c && t)
        rc = note_add(nb, "%s has no officer: routed to %s", c->code, t->code);
    else if (t != c)
        rc = note_add(nb, "%s has no officer and no cell above it has one", c->code);
    for (size_t k = 0; rc == TS_OK && t && k < t->n_officers; k++)
        rc = add_id(r, t->officers[k].id);
    return rc;
}

/* r as a JSON array of strings, malloc'd (NULL: out of memory). */
static char *route_json(const route_ids *r)
{
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_RULES_JSON);
    ts_status rc = ts_buf_putc(&b, '[');
    for (size_t i = 0; rc == TS_OK && i < r->n; i++) {
        if (i && (rc = ts_buf_putc(&b, ',')) != TS_OK)
            break;
        rc = ts_json_quote(&b, r->v[i], strlen(r->v[i]));
    }
    if (rc == TS_OK)
        rc = ts_buf_putc(&b, ']');
    char *out = rc == TS_OK ? ts_buf_take(&b) : NULL;
    ts_buf_release(&b);
    return out;
}

ts_status ts__fb_route(const ts_grid *g, const char *code, ts_feedback kind, int target_level,
                       char **route, char **note)
{
    ts_status rc = TS_OK;
    ts_buf nb;
    ts_buf_init(&nb, TS_LIMIT_ROUTE_NOTE);
    route_ids ids = {0};
    const ts_cell *cell = g ? ts_grid_find(g, code) : NULL;
    int want = top_level(kind) < target_level ? top_level(kind) : target_level;
    if (!cell) {
        rc = note_add(&nb, "grid cell %s is not in the grid: no officer to route to", code);
    } else {
        /* bottom-up: the cell's own officers first, then each level above */
        for (int lv = TS_CELL_GROUP; rc == TS_OK && lv >= want && lv >= TS_CELL_TOWN; lv--) {
            const ts_cell *c = ts_grid_ancestor(cell, (ts_cell_level)lv);
            if (c)
                rc = add_cell(&ids, &nb, c);
        }
    }
    if (rc == TS_OK && want <= 0) { /* the county desk */
        const ts_officer *desk = NULL;
        size_t n = g ? ts_grid_county_officers(g, &desk) : 0;
        if (n == 0)
            rc = note_add(&nb, "the grid names no county desk: the town is the top");
        for (size_t k = 0; rc == TS_OK && k < n; k++)
            rc = add_id(&ids, desk[k].id);
    }
    if (rc != TS_OK)
        goto done;
    char *r = route_json(&ids);
    if (!r) {
        rc = TS_NOMEM;
        goto done;
    }
    *route = r;
    *note = ts_buf_take(&nb); /* NULL when there is nothing to note */
done:
    ts_buf_release(&nb);
    free(ids.v);
    return rc;
}

ts_sla ts__fb_sla(const ts_config *cfg, ts_feedback kind)
{
    static const ts_sla method[4] = {[TS_FEEDBACK_EARLY] = {3 * 1440, 14 * 1440},
                                     [TS_FEEDBACK_DETAILED] = {1440, 7 * 1440},
                                     [TS_FEEDBACK_QUICK] = {30, 1440}};
    unsigned k = (unsigned)kind < 4 ? (unsigned)kind : TS_FEEDBACK_QUICK;
    ts_sla s = cfg ? cfg->sla[k] : method[k];
    if (!s.ack_minutes)
        s.ack_minutes = method[k].ack_minutes ? method[k].ack_minutes : 30;
    if (!s.close_minutes)
        s.close_minutes = method[k].close_minutes ? method[k].close_minutes : 1440;
    return s;
}

bool ts__fb_parse_id(const char *s, int64_t *out)
{
    if (!s)
        return false;
    if ((s[0] == 'A' || s[0] == 'a') && s[1] == '-')
        s += 2;
    if (!*s)
        return false;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (*s - '0');
    }
    if (v <= 0)
        return false;
    *out = v;
    return true;
}

/* YYYY-MM-DDTHH:MM:SSZ: the date by ts_date_format, the time by hand (two a new alert). */
void ts__fb_timestamp(int64_t at, char buf[21])
{
    int64_t days = at >= 0 ? at / 86400 : (at - 86399) / 86400;
    unsigned secs = (unsigned)(at - days * 86400);
    ts_date_format((int32_t)days, buf);
    unsigned part[3] = {secs / 3600u, secs / 60u % 60u, secs % 60u};
    buf[10] = 'T';
    for (int i = 0; i < 3; i++) {
        buf[11 + 3 * i] = (char)('0' + part[i] / 10u % 10u);
        buf[12 + 3 * i] = (char)('0' + part[i] % 10u);
        buf[13 + 3 * i] = i < 2 ? ':' : 'Z';
    }
    buf[20] = '\0';
}

static bool two(const char *s, int *out)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return false;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return true;
}

bool ts_alert_parse_time(const char *s, int64_t *out)
{
    if (!s)
        return false;
    size_t len = strlen(s);
    if (len > 1 && s[0] == '@') {
        char *end;
        long long v = strtoll(s + 1, &end, 10);
        if (*end || end == s + 1)
            return false;
        *out = v;
        return true;
    }
    int32_t day;
    if (len < 10 || !ts_date_parse(s, 10, &day))
        return false;
    int h = 0, mi = 0, se = 0;
    const char *p = s + 10;
    if (*p) {
        if (*p != 'T' && *p != ' ')
            return false;
        p++;
        if (!two(p, &h) || p[2] != ':' || !two(p + 3, &mi))
            return false;
        p += 5;
        if (*p == ':') {
            if (!two(p + 1, &se))
                return false;
            p += 3;
        }
        if (*p == 'Z')
            p++;
        if (*p || h > 23 || mi > 59 || se > 60)
            return false;
    }
    *out = (int64_t)day * 86400 + h * 3600 + mi * 60 + se;
    return true;
}

void ts__fb_alert_name(int64_t id, char buf[24])
{
    snprintf(buf, 24, "A-%06lld", (long long)id);
}

/* lists/redact.c — per-reader rendering of stored evidence parts and headline circles
 * (redact.h). Decides visibility with ts_reader_sees from the group cell each part and
 * member carries; builds new json-c values and never edits rendered text. */
#include <stdlib.h>
#include <string.h>

#include "triscreen/arena.h"
#include "triscreen/rulehost.h"
#include "lists/redact.h"

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *str_of(json_object *o, const char *key)
{
    json_object *v = get(o, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int colour_index(const char *c)
{
    ts_colour col;
    return c && ts_colour_parse(c, &col) ? (int)col : 0;
}

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_add(sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 128;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

/* The evidence of one reason for r, from its parts: NULL when out of memory. */
static json_object *render_parts(json_object *parts, const ts_reader *r)
{
    sbuf b = {0};
    sb_add(&b, "");
    size_t n = json_object_array_length(parts);
    for (size_t i = 0; i < n; i++) {
        json_object *p = json_object_array_get_idx(parts, i);
        if (json_object_is_type(p, json_type_string)) {
            sb_add(&b, json_object_get_string(p));
            continue;
        }
        if (!json_object_is_type(p, json_type_object))
            continue;
        const char *grid = str_of(p, "grid");
        if (ts_reader_sees(r, grid && grid[0] ? grid : NULL)) {
            const char *t = str_of(p, "text");
            sb_add(&b, t ? t : "");
        } else if (r->reveal == TS_REVEAL_NONE) {
            free(b.p);
            return json_object_new_string(TS_REDACT_WITHHELD);
        } else {
            sb_add(&b, TS_REDACT_OUTSIDE);
        }
    }
    json_object *o = b.oom ? NULL : json_object_new_string(b.p);
    free(b.p);
    return o;
}

static json_object *redact_reason(json_object *e, const ts_reader *r)
{
    if (!json_object_is_type(e, json_type_object))
        return json_object_get(e);
    json_object *o = json_object_new_object(), *parts = get(e, "parts");
    if (!o)
        return NULL;
    bool rebuild = r && parts && json_object_is_type(parts, json_type_array);
    json_object_object_foreach(e, key, val)
    {
        json_object *v;
        if (!strcmp(key, "parts"))
            continue;
        if (!strcmp(key, "evidence") && rebuild) {
            if (!(v = render_parts(parts, r))) {
                json_object_put(o);
                return NULL;
            }
        } else {
            v = json_object_get(val);
        }
        if (json_object_object_add(o, key, v) != 0) {
            json_object_put(v);
            json_object_put(o);
            return NULL;
        }
    }
    return o;
}

json_object *ts__redact_reasons(json_object *reasons, const ts_reader *r)
{
    json_object *out = json_object_new_array();
    size_t n = out && json_object_is_type(reasons, json_type_array)
                   ? json_object_array_length(reasons)
                   : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *v = redact_reason(json_object_array_get_idx(reasons, i), r);
        if (!v || json_object_array_add(out, v) != 0) {
            json_object_put(v);
            json_object_put(out);
            return NULL;
        }
    }
    return out;
}

json_object *ts__redact_reasons_text(const char *json, const ts_reader *r)
{
    json_object *in = json ? json_tokener_parse(json) : NULL;
    json_object *out = ts__redact_reasons(in, r);
    json_object_put(in);
    return out;
}

/* True for a detailed headline stored before circle members were kept. */
static bool legacy_headline(json_object *h)
{
    json_object *c = get(h, "circle");
    return c && json_object_is_type(c, json_type_object) && !get(c, "members");
}

/* Adds v (NULL = JSON null only when nullable) to o under key; on failure v is freed and
 * *ok cleared (a failure is out of memory). */
static void put(json_object *o, const char *key, json_object *v, bool nullable, bool *ok)
{
    if ((!v && !nullable) || json_object_object_add(o, key, v) != 0) {
        json_object_put(v);
        *ok = false;
    }
}

static json_object *withhold_all(json_object *reasons)
{
    json_object *out = json_object_new_array();
    size_t n = out && json_object_is_type(reasons, json_type_array)
                   ? json_object_array_length(reasons)
                   : 0;
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        json_object *e = json_object_array_get_idx(reasons, i), *o = json_object_new_object();
        if (!o || json_object_array_add(out, o) != 0) {
            json_object_put(o);
            ok = false;
            break;
        }
        if (!json_object_is_type(e, json_type_object))
            continue;
        json_object_object_foreach(e, key, val)
        {
            if (!strcmp(key, "parts"))
                continue;
            if (!strcmp(key, "evidence"))
                put(o, key, json_object_new_string(TS_REDACT_WITHHELD), false, &ok);
            else
                put(o, key, json_object_get(val), val == NULL, &ok);
        }
    }
    if (!ok) {
        json_object_put(out);
        return NULL;
    }
    return out;
}

json_object *ts__redact_alert_rules(const char *rules, const char *headline, const ts_reader *r)
{
    json_object *h = r && headline ? json_tokener_parse(headline) : NULL;
    bool legacy = h && legacy_headline(h);
    json_object_put(h);
    if (!legacy)
        return ts__redact_reasons_text(rules, r);
    json_object *in = rules ? json_tokener_parse(rules) : NULL;
    json_object *out = withhold_all(in);
    json_object_put(in);
    return out;
}

/* One coloured member of a headline circle, as listed. */
static json_object *listed_member(json_object *m, const char *colour)
{
    json_object *l = json_object_new_object();
    bool ok = l != NULL;
    const char *person = str_of(m, "person"), *rel = str_of(m, "relation");
    if (ok) {
        put(l, "person", json_object_new_string(person ? person : ""), false, &ok);
        put(l, "relation", json_object_new_string(rel ? rel : ""), false, &ok);
        put(l, "colour", json_object_new_string(colour), false, &ok);
    }
    if (!ok) {
        json_object_put(l);
        return NULL;
    }
    return l;
}

/* The circle of a headline for a scoped reader, from its members (*out NULL: none to
 * show). False when out of memory. */
static bool redact_circle(json_object *c, const ts_reader *r, json_object **out)
{
    *out = NULL;
    json_object *members = get(c, "members");
    if (!members || !json_object_is_type(members, json_type_array))
        return true; /* stored before members were kept: nothing a scoped reader may see */
    json_object *o = json_object_new_object(), *listed = json_object_new_array();
    bool ok = o && listed;
    size_t size = 0, by[TS_COLOUR_N] = {0}, outside = 0;
    int highest = 0;
    size_t n = ok ? json_object_array_length(members) : 0;
    for (size_t i = 0; ok && i < n; i++) {
        json_object *m = json_object_array_get_idx(members, i);
        const char *colour = str_of(m, "colour");
        int ci = colour_index(colour);
        if (!ts_reader_sees(r, str_of(m, "grid"))) {
            outside++;
            if (ci > highest)
                highest = ci;
            continue;
        }
        size++;
        by[ci]++;
        if (ci && json_object_array_length(listed) < TS_HEADLINE_CIRCLE) {
            json_object *l = listed_member(m, colour);
            if (!l || json_object_array_add(listed, l) != 0) {
                json_object_put(l);
                ok = false;
            }
        }
    }
    if (ok) {
        put(o, "size", json_object_new_int64((int64_t)size), false, &ok);
        put(o, "red", json_object_new_int64((int64_t)by[TS_COLOUR_RED]), false, &ok);
        put(o, "yellow", json_object_new_int64((int64_t)by[TS_COLOUR_YELLOW]), false, &ok);
        put(o, "blue", json_object_new_int64((int64_t)by[TS_COLOUR_BLUE]), false, &ok);
        put(o, "listed", listed, false, &ok);
        listed = NULL;
    }
    if (ok && outside && r->reveal == TS_REVEAL_COUNT) {
        json_object *x = json_object_new_object();
        if (x) {
            put(x, "relatives", json_object_new_int64((int64_t)outside), false, &ok);
            put(x, "highest",
                highest ? json_object_new_string(ts_colour_name((ts_colour)highest)) : NULL,
                !highest, &ok);
        }
        put(o, "outside_scope", x, false, &ok);
    }
    json_object_put(listed);
    if (!ok) {
        json_object_put(o);
        return false;
    }
    *out = o;
    return true;
}

/* The unscoped circle: as stored, without members. NULL when out of memory. */
static json_object *plain_circle(json_object *c)
{
    json_object *o = json_object_new_object();
    bool ok = o != NULL;
    if (!ok)
        return NULL;
    json_object_object_foreach(c, key, val)
    {
        if (!strcmp(key, "members"))
            continue;
        put(o, key, json_object_get(val), val == NULL, &ok);
    }
    if (!ok) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

json_object *ts__redact_headline_text(const char *json, const ts_reader *r)
{
    json_object *h = json ? json_tokener_parse(json) : NULL;
    if (!h)
        return NULL;
    if (!json_object_is_type(h, json_type_object)) {
        json_object_put(h);
        return json_object_new_object();
    }
    json_object *o = json_object_new_object();
    if (!o) {
        json_object_put(h);
        return NULL;
    }
    bool ok = true;
    json_object_object_foreach(h, key, val)
    {
        json_object *v = NULL;
        bool nullable = false;
        if (!strcmp(key, "top_reasons")) {
            v = r && legacy_headline(h) ? withhold_all(val) : ts__redact_reasons(val, r);
        } else if (!strcmp(key, "circle")) {
            nullable = true;
            if (json_object_is_type(val, json_type_object) && !r) {
                v = plain_circle(val);
                nullable = false;
            } else if (json_object_is_type(val, json_type_object) && !redact_circle(val, r, &v)) {
                ok = false;
            }
        } else {
            v = json_object_get(val);
            nullable = val == NULL;
        }
        put(o, key, v, nullable, &ok);
    }
    json_object_put(h);
    if (!ok) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* ---- typed -------------------------------------------------------------------------------- */

static const char *dup_str(ts_arena *a, json_object *v, bool *ok)
{
    if (!v || !json_object_is_type(v, json_type_string))
        return NULL;
    char *d = ts_arena_strndup(a, json_object_get_string(v), (size_t)json_object_get_string_len(v));
    if (!d)
        *ok = false;
    return d;
}

static bool parse_parts(json_object *parts, ts_arena *a, ts__stored_reason *sr)
{
    size_t n = json_object_array_length(parts), k = 0;
    ts__evidence_part *p = n ? ts_arena_calloc(a, n, sizeof *p) : NULL;
    if (n && !p)
        return false;
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(parts, i);
        if (json_object_is_type(e, json_type_string)) {
            p[k++].text = dup_str(a, e, &ok);
        } else if (json_object_is_type(e, json_type_object)) {
            const char *g = str_of(e, "grid");
            p[k].text = dup_str(a, get(e, "text"), &ok);
            p[k++].grid = g ? ts_arena_strdup(a, g) : "";
        }
    }
    sr->parts = p;
    sr->n_parts = k;
    sr->has_parts = true;
    return ok;
}

ts_status ts__reasons_parse(const char *json, ts_arena *a, ts__stored_reason **out, size_t *n)
{
    json_object *in = json ? json_tokener_parse(json) : NULL;
    size_t len = json_object_is_type(in, json_type_array) ? json_object_array_length(in) : 0;
    ts__stored_reason *v = len ? ts_arena_calloc(a, len, sizeof *v) : NULL;
    bool ok = !len || v;
    size_t k = 0;
    for (size_t i = 0; ok && i < len; i++) {
        json_object *e = json_object_array_get_idx(in, i);
        ts__stored_reason *sr = &v[k];
        if (json_object_is_type(e, json_type_string)) {
            sr->id = dup_str(a, e, &ok);
            sr->bare = true;
            k++;
        } else if (json_object_is_type(e, json_type_object)) {
            json_object *parts = get(e, "parts");
            sr->id = dup_str(a, get(e, "id"), &ok);
            sr->evidence = dup_str(a, get(e, "evidence"), &ok);
            json_object *snz = get(e, "snoozed");
            if (snz && json_object_is_type(snz, json_type_int))
                sr->snoozed = json_object_get_int64(snz);
            if (parts && json_object_is_type(parts, json_type_array) && !parse_parts(parts, a, sr))
                ok = false;
            k++;
        }
    }
    json_object_put(in);
    if (!ok)
        return TS_NOMEM;
    *out = v;
    *n = k;
    return TS_OK;
}

ts_status ts__redact_evidence(const ts__stored_reason *sr, const ts_reader *r, ts_arena *a,
                              const char **out)
{
    if (!r || !sr->has_parts || !sr->evidence) {
        *out = sr->evidence;
        return TS_OK;
    }
    size_t total = 1;
    for (size_t i = 0; i < sr->n_parts; i++) {
        const ts__evidence_part *p = &sr->parts[i];
        bool member = p->grid != NULL;
        if (member && !ts_reader_sees(r, p->grid[0] ? p->grid : NULL)) {
            if (r->reveal == TS_REVEAL_NONE) {
                *out = TS_REDACT_WITHHELD;
                return TS_OK;
            }
            total += strlen(TS_REDACT_OUTSIDE);
        } else {
            total += p->text ? strlen(p->text) : 0;
        }
    }
    char *s = ts_arena_alloc(a, total), *w = s;
    if (!s)
        return TS_NOMEM;
    for (size_t i = 0; i < sr->n_parts; i++) {
        const ts__evidence_part *p = &sr->parts[i];
        const char *t = p->grid && !ts_reader_sees(r, p->grid[0] ? p->grid : NULL)
                            ? TS_REDACT_OUTSIDE
                            : (p->text ? p->text : "");
        size_t l = strlen(t);
        memcpy(w, t, l);
        w += l;
    }
    *w = '\0';
    *out = s;
    return TS_OK;
}

ts_status ts__redact_reasons_typed(const char *json, const ts_reader *r, bool withhold, ts_arena *a,
                                   const ts_reason **out, size_t *n)
{
    ts__stored_reason *sr = NULL;
    size_t k = 0;
    ts_status rc = ts__reasons_parse(json, a, &sr, &k);
    if (rc != TS_OK)
        return rc;
    ts_reason *v = k ? ts_arena_calloc(a, k, sizeof *v) : NULL;
    if (k && !v)
        return TS_NOMEM;
    for (size_t i = 0; i < k; i++) {
        v[i].id = sr[i].id;
        v[i].bare = sr[i].bare;
        v[i].snoozed = sr[i].snoozed;
        if (withhold && sr[i].evidence)
            v[i].evidence = TS_REDACT_WITHHELD;
        else if ((rc = ts__redact_evidence(&sr[i], r, a, &v[i].evidence)) != TS_OK)
            return rc;
    }
    *out = v;
    *n = k;
    return TS_OK;
}

ts_status ts__redact_alert_rules_typed(const char *rules, const char *headline, const ts_reader *r,
                                       ts_arena *a, const ts_reason **out, size_t *n)
{
    json_object *h = r && headline ? json_tokener_parse(headline) : NULL;
    bool legacy = h && legacy_headline(h);
    json_object_put(h);
    return ts__redact_reasons_typed(rules, legacy ? NULL : r, legacy, a, out, n);
}

ts_status ts__reason_ids(const char *json, ts_arena *a, const char *const **out, size_t *n)
{
    ts__stored_reason *sr = NULL;
    size_t k = 0;
    ts_status rc = ts__reasons_parse(json, a, &sr, &k);
    if (rc != TS_OK)
        return rc;
    const char **ids = k ? ts_arena_calloc(a, k, sizeof *ids) : NULL;
    if (k && !ids)
        return TS_NOMEM;
    size_t m = 0;
    for (size_t i = 0; i < k; i++)
        if (sr[i].id)
            ids[m++] = sr[i].id;
    *out = ids;
    *n = m;
    return TS_OK;
}

ts_status ts__redact_headline_json(const char *json, const ts_reader *r, ts_arena *a,
                                   const char **out)
{
    *out = NULL;
    if (!json)
        return TS_OK;
    json_object *h = ts__redact_headline_text(json, r);
    if (!h)
        return TS_OK; /* unreadable stored text: shown as no headline */
    size_t len = 0;
    const char *s = json_object_to_json_string_length(
        h, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    char *d = s ? ts_arena_strndup(a, s, len) : NULL;
    json_object_put(h);
    if (!d)
        return TS_NOMEM;
    *out = d;
    return TS_OK;
}

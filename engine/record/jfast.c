/* record/jfast.c — the fast path of one JSON record: a single pass over the text
 * straight into a ts_person, with no json-c tree in between. Uses record/fields.c (the
 * same validators as the json-c path), base/attrname.h, base/limits.h.
 *
 * It accepts only records the json-c path (json.c) accepts and builds the same person
 * from them. Anything else makes it decline, and the caller runs the json-c path, which
 * also writes the error message: a syntax error; an escape other than the plain ones or
 * \uXXXX outside the surrogates and U+0000; a null id or grid; an unknown key; a key
 * given twice (raw or after normalisation, null values included); a nested attribute;
 * an integer of more than 18 digits; a number that is not finite; a field any validator
 * refuses; a list over its cap; a self-relation; a full arena. Declining is always
 * safe, so the path only has to be right about what it accepts;
 * tests/unit/record/test_jfast.c checks that on the readers' test corpora and on
 * mutated records against the json-c path.
 *
 * MEASURED (perf, `triscreen import` of 200k peers records, 2 threads): json-c's
 * tokener, tree, frees and conversion were about 55% of the import's samples, the
 * record workers the critical path. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/date.h"
#include "base/attrname.h"
#include "base/limits.h"
#include "base/text.h"
#include "record/fields.h"
#include "record/json_int.h"

/* A remembered attribute name: the raw bytes of the record and the normal form
 * ts__rec_attr_name made of them (a pure function of the bytes). */
enum { MEMO_SLOTS = 256, MEMO_WAYS = 4, MEMO_RAW = 64 };
typedef struct memo_slot {
    uint8_t raw_len, norm_len; /* raw_len 0: empty slot */
    char raw[MEMO_RAW];
    char norm[TS_ATTRNAME_BUF];
} memo_slot;

struct ts__jfast {
    ts_event *ev;
    size_t ev_cap;
    ts_relation *rel;
    size_t rel_cap;
    char *sbuf; /* decoded text of the last string with escapes */
    size_t sbuf_cap;
    ts_attr attrs[TS_LIMIT_ATTRS];
    bool attr_null[TS_LIMIT_ATTRS];
    const char *cats[TS_LIMIT_CATEGORIES];
    memo_slot *memo; /* MEMO_SLOTS; NULL: names are not remembered */
};

ts__jfast *ts__jfast_new(bool remember)
{
    /* the scratch arrays are written before they are read: only the pointers start set */
    ts__jfast *f = malloc(sizeof *f);
    if (!f)
        return NULL;
    f->ev = NULL;
    f->rel = NULL;
    f->sbuf = NULL;
    f->ev_cap = f->rel_cap = f->sbuf_cap = 0;
    f->memo = remember ? calloc(MEMO_SLOTS, sizeof *f->memo) : NULL;
    if (remember && !f->memo) {
        free(f);
        return NULL;
    }
    return f;
}

void ts__jfast_free(ts__jfast *f)
{
    if (!f)
        return;
    free(f->ev);
    free(f->rel);
    free(f->sbuf);
    free(f->memo);
    free(f);
}

typedef struct jp {
    const char *s, *e;
    ts__jfast *f;
    ts_arena *a;
    ts_err err; /* what a validator said; unused (the json-c path says it again) */
} jp;

static inline void ws(jp *j)
{
    while (j->s < j->e && (*j->s == ' ' || *j->s == '\t' || *j->s == '\n' || *j->s == '\r'))
        j->s++;
}

static inline bool eat(jp *j, char c)
{
    ws(j);
    if (j->s < j->e && *j->s == c) {
        j->s++;
        return true;
    }
    return false;
}

static bool lit(jp *j, const char *w, size_t n)
{
    if ((size_t)(j->e - j->s) < n || memcmp(j->s, w, n) != 0)
        return false;
    j->s += n;
    return true;
}

/* `null` next (after white space): consumed, true. */
static bool is_null(jp *j)
{
    ws(j);
    return lit(j, "null", 4);
}

/* Decodes the string whose body starts at b (it has an escape) into f->sbuf. */
static bool decode(jp *j, const char *b, const char **out, size_t *len)
{
    ts__jfast *f = j->f;
    size_t need = (size_t)(j->e - b) + 1;
    if (need > f->sbuf_cap) {
        char *nb = realloc(f->sbuf, need);
        if (!nb)
            return false;
        f->sbuf = nb;
        f->sbuf_cap = need;
    }
    char *d = f->sbuf;
    const char *s = b;
    for (;;) {
        if (s >= j->e)
            return false;
        unsigned char c = (unsigned char)*s;
        if (c == '"') {
            j->s = s + 1;
            *out = f->sbuf;
            *len = (size_t)(d - f->sbuf);
            return true;
        }
        if (c < 0x20)
            return false;
        if (c != '\\') {
            *d++ = (char)c;
            s++;
            continue;
        }
        if (s + 1 >= j->e)
            return false;
        switch (s[1]) {
        case '"':
        case '\\':
        case '/':
            *d++ = s[1];
            break;
        case 'b':
            *d++ = '\b';
            break;
        case 'f':
            *d++ = '\f';
            break;
        case 'n':
            *d++ = '\n';
            break;
        case 'r':
            *d++ = '\r';
            break;
        case 't':
            *d++ = '\t';
            break;
        case 'u': {
            if (j->e - s < 6)
                return false;
            unsigned cp = 0;
            for (int k = 2; k < 6; k++) {
                int h = ts_hex_digit(s[k]);
                if (h < 0)
                    return false;
                cp = cp << 4 | (unsigned)h;
            }
            if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                return false; /* U+0000 and surrogates: the json-c path decides */
            d += ts_utf8_encode(cp, d);
            s += 6;
            continue;
        }
        default:
            return false;
        }
        s += 2;
    }
}

/* A string next (after white space): its text, not NUL-terminated, either in the
 * record itself or (with escapes) in f->sbuf until the next string is read. */
static bool str(jp *j, const char **out, size_t *len)
{
    ws(j);
    if (j->s >= j->e || *j->s != '"')
        return false;
    const char *b = ++j->s, *s = b;
    while (s < j->e) {
        unsigned char c = (unsigned char)*s;
        if (c == '"') {
            *out = b;
            *len = (size_t)(s - b);
            j->s = s + 1;
            return true;
        }
        if (c == '\\')
            return decode(j, b, out, len);
        if (c < 0x20)
            return false;
        s++;
    }
    return false;
}

/* A JSON number next: its value as json-c gives it through json_object_get_double (an
 * integer through int64, anything with a fraction or exponent through strtod). */
static bool number(jp *j, double *out)
{
    ws(j);
    const char *b = j->s, *s = b;
    bool neg = s < j->e && *s == '-';
    s += neg;
    if (s >= j->e || *s < '0' || *s > '9')
        return false;
    const char *digits = s;
    if (*s == '0')
        s++;
    else
        while (s < j->e && *s >= '0' && *s <= '9')
            s++;
    size_t nd = (size_t)(s - digits);
    bool dbl = false;
    if (s < j->e && *s == '.') {
        dbl = true;
        s++;
        const char *fb = s;
        while (s < j->e && *s >= '0' && *s <= '9')
            s++;
        if (s == fb)
            return false;
    }
    if (s < j->e && (*s == 'e' || *s == 'E')) {
        dbl = true;
        s++;
        if (s < j->e && (*s == '+' || *s == '-'))
            s++;
        const char *eb = s;
        while (s < j->e && *s >= '0' && *s <= '9')
            s++;
        if (s == eb)
            return false;
    }
    /* a number must end at a delimiter, as the grammar of the enclosing value wants */
    if (s < j->e && *s != ',' && *s != '}' && *s != ']' && *s != ' ' && *s != '\t' && *s != '\n' &&
        *s != '\r')
        return false;
    if (!dbl) {
        if (nd > 18)
            return false;
        int64_t v = 0;
        for (const char *q = digits; q < s; q++)
            v = v * 10 + (*q - '0');
        *out = (double)(neg ? -v : v);
    } else {
        char buf[64];
        size_t n = (size_t)(s - b);
        if (n >= sizeof buf)
            return false;
        memcpy(buf, b, n);
        buf[n] = '\0';
        char *end = NULL;
        double d = strtod(buf, &end);
        if (end != buf + n || !isfinite(d))
            return false;
        *out = d;
    }
    j->s = s;
    return true;
}

/* A string field through ts__rec_str into the arena. */
static bool field(jp *j, ts__fpath fp, size_t max, bool ident, const char **out)
{
    const char *s;
    size_t n;
    return str(j, &s, &n) && ts__rec_str(j->a, fp, s, n, max, ident, out, &j->err) == TS_OK;
}

static bool date_field(jp *j, ts__fpath fp, int32_t *out)
{
    const char *s;
    size_t n;
    return str(j, &s, &n) && ts__rec_date(fp, s, n, out, &j->err) == TS_OK;
}

/* The attribute name s[0..n) in normal form, in the arena (remembered by raw bytes). */
static bool attr_name(jp *j, const char *s, size_t n, const char **out)
{
    memo_slot *m = NULL;
    if (n > 0 && n <= MEMO_RAW && j->f->memo) {
        uint32_t x = 2166136261u;
        for (size_t i = 0; i < n; i++)
            x = (x ^ (unsigned char)s[i]) * 16777619u;
        /* four ways: names that share a slot do not evict each other record by record */
        memo_slot *set = &j->f->memo[(x % (MEMO_SLOTS / MEMO_WAYS)) * MEMO_WAYS];
        for (int w = 0; w < MEMO_WAYS; w++) {
            memo_slot *c = &set[w];
            if (c->raw_len == n && memcmp(c->raw, s, n) == 0) {
                char *d = ts_arena_strndup(j->a, c->norm, c->norm_len);
                *out = d;
                return d != NULL;
            }
            if (!m && c->raw_len == 0)
                m = c;
        }
        if (!m)
            m = &set[(x >> 24) % MEMO_WAYS];
    }
    if (ts__rec_attr_name(j->a, s, n, out, &j->err) != TS_OK)
        return false;
    size_t nl = strlen(*out);
    if (m && nl < sizeof m->norm) {
        memcpy(m->raw, s, n);
        m->raw_len = (uint8_t)n;
        memcpy(m->norm, *out, nl + 1);
        m->norm_len = (uint8_t)nl;
    }
    return true;
}

/* An array next: [] or [V, V, ...], each V read by one(j, i, ud); at most max values.
 * *n receives the count. */
typedef bool (*elem_fn)(jp *j, size_t i, void *ud);
static bool array(jp *j, size_t max, elem_fn one, void *ud, size_t *n)
{
    *n = 0;
    if (!eat(j, '['))
        return false;
    if (eat(j, ']'))
        return true;
    do {
        if (*n >= max || !one(j, *n, ud))
            return false;
        (*n)++;
    } while (eat(j, ','));
    return eat(j, ']');
}

/* An object next: {} or {"K": V, ...}, each pair read by pair(j, K, KN, ud) after the
 * colon (the key's text is valid until the value's first string is read). */
typedef bool (*pair_fn)(jp *j, const char *k, size_t kn, void *ud);
static bool object(jp *j, pair_fn pair, void *ud)
{
    if (!eat(j, '{'))
        return false;
    if (eat(j, '}'))
        return true;
    do {
        const char *k;
        size_t kn;
        if (!str(j, &k, &kn) || !eat(j, ':') || !pair(j, k, kn, ud))
            return false;
    } while (eat(j, ','));
    return eat(j, '}');
}

/* Room for element n in the scratch array arr of elements of size sz (doubling from
 * first): arr itself, or its larger copy (*cap updated), or NULL with arr unchanged.
 * The caller stores the answer in its own typed pointer (not written through a void **,
 * which C does not let alias a ts_event * or ts_relation *). */
static void *room(void *arr, size_t *cap, size_t n, size_t sz, size_t first)
{
    if (n < *cap)
        return arr;
    size_t nc = *cap ? 2 * *cap : first;
    void *na = realloc(arr, nc * sz);
    if (na)
        *cap = nc;
    return na;
}

/* A copy of n scratch elements of size sz in the arena (one element when n is 0, as the
 * json-c path allocates). */
static void *keep(jp *j, const void *src, size_t n, size_t sz)
{
    void *d = ts_arena_alloc(j->a, (n ? n : 1) * sz);
    if (d && n)
        memcpy(d, src, n * sz);
    return d;
}

static bool category(jp *j, size_t i, void *ud)
{
    (void)ud;
    return field(j, (ts__fpath){"categories", (long)i, NULL}, TS_LIMIT_ATTR_NAME, true,
                 &j->f->cats[i]);
}

static bool categories(jp *j, ts_person *p)
{
    size_t n;
    if (!array(j, TS_LIMIT_CATEGORIES, category, NULL, &n))
        return false;
    p->categories = keep(j, j->f->cats, n, sizeof *p->categories);
    p->n_categories = n;
    return p->categories != NULL;
}

typedef struct attrs_st {
    size_t n, nulls;
} attrs_st;

static bool attr(jp *j, const char *k, size_t kn, void *ud)
{
    attrs_st *st = ud;
    ts__jfast *f = j->f;
    if (st->n >= TS_LIMIT_ATTRS)
        return false;
    ts_attr *at = &f->attrs[st->n];
    memset(at, 0, sizeof *at);
    if (!attr_name(j, k, kn, &at->name))
        return false;
    ws(j);
    f->attr_null[st->n] = false;
    if (j->s >= j->e)
        return false;
    char c = *j->s;
    if (c == 'n') {
        if (!lit(j, "null", 4))
            return false;
        f->attr_null[st->n] = true;
        st->nulls++;
    } else if (c == 't' || c == 'f') {
        at->type = TS_ATTR_BOOL;
        at->b = c == 't';
        if (!(c == 't' ? lit(j, "true", 4) : lit(j, "false", 5)))
            return false;
    } else if (c == '"') {
        at->type = TS_ATTR_STR;
        if (!field(j, (ts__fpath){"attrs", -1, at->name}, TS_LIMIT_FIELD, false, &at->str))
            return false;
    } else {
        at->type = TS_ATTR_NUM;
        if (!number(j, &at->num))
            return false;
    }
    st->n++;
    return true;
}

static bool attrs(jp *j, ts_person *p)
{
    ts__jfast *f = j->f;
    attrs_st st = {0};
    if (!object(j, attr, &st))
        return false;
    size_t n = st.n;
    ts_attr *out = ts_arena_alloc(j->a, (n - st.nulls ? n - st.nulls : 1) * sizeof *out);
    if (!out)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!f->attr_null[i]) {
            out[k++] = f->attrs[i];
            continue;
        }
        for (size_t o = 0; o < n; o++) /* a null beside the same name: json-c decides */
            if (o != i && strcmp(f->attrs[o].name, f->attrs[i].name) == 0)
                return false;
    }
    if (ts__rec_attrs_finish(out, k, &j->err) != TS_OK)
        return false;
    p->attrs = out;
    p->n_attrs = k;
    return true;
}

enum { EV_TYPE = 1, EV_DATE = 2, EV_NOTE = 4 };

typedef struct event_st {
    ts_event *ev;
    size_t i;
    unsigned seen;
} event_st;

static bool event_pair(jp *j, const char *k, size_t kn, void *ud)
{
    event_st *st = ud;
    ts__fpath fp = {"events", (long)st->i, NULL};
    unsigned bit;
    bool ok;
    if (kn == 4 && memcmp(k, "type", 4) == 0) {
        bit = EV_TYPE;
        fp.b = "type";
        ok = field(j, fp, TS_LIMIT_ID, true, &st->ev->type);
    } else if (kn == 4 && memcmp(k, "date", 4) == 0) {
        bit = EV_DATE;
        fp.b = "date";
        ok = date_field(j, fp, &st->ev->date);
    } else if (kn == 4 && memcmp(k, "note", 4) == 0) {
        bit = EV_NOTE;
        fp.b = "note";
        ok = is_null(j) || field(j, fp, TS_LIMIT_FIELD, false, &st->ev->note);
    } else {
        return false;
    }
    if (!ok || (st->seen & bit))
        return false;
    st->seen |= bit;
    return true;
}

static bool event(jp *j, size_t i, void *ud)
{
    (void)ud;
    ts__jfast *f = j->f;
    ts_event *ev = room(f->ev, &f->ev_cap, i, sizeof *f->ev, 64);
    if (!ev)
        return false;
    f->ev = ev;
    event_st st = {.ev = &f->ev[i], .i = i};
    *st.ev = (ts_event){.type = NULL, .date = TS_DATE_NONE, .note = ""};
    return object(j, event_pair, &st) && st.ev->type && st.ev->date != TS_DATE_NONE;
}

static bool events(jp *j, ts_person *p)
{
    size_t n;
    if (!array(j, TS_LIMIT_EVENTS, event, NULL, &n))
        return false;
    p->events = keep(j, j->f->ev, n, sizeof *p->events);
    p->n_events = n;
    return p->events != NULL;
}

typedef struct relation_st {
    ts_relation *r;
    size_t i;
} relation_st;

static bool relation_pair(jp *j, const char *k, size_t kn, void *ud)
{
    relation_st *st = ud;
    const char **dst;
    ts__fpath fp = {"relations", (long)st->i, NULL};
    if (kn == 2 && memcmp(k, "id", 2) == 0) {
        dst = &st->r->other;
        fp.b = "id";
    } else if (kn == 4 && memcmp(k, "kind", 4) == 0) {
        dst = &st->r->kind;
        fp.b = "kind";
    } else {
        return false;
    }
    return !*dst && field(j, fp, TS_LIMIT_ID, true, dst);
}

static bool relation(jp *j, size_t i, void *ud)
{
    (void)ud;
    ts__jfast *f = j->f;
    ts_relation *rel = room(f->rel, &f->rel_cap, i, sizeof *f->rel, 16);
    if (!rel)
        return false;
    f->rel = rel;
    relation_st st = {.r = &f->rel[i], .i = i};
    *st.r = (ts_relation){NULL, NULL};
    return object(j, relation_pair, &st) && st.r->other && st.r->kind;
}

static bool relations(jp *j, ts_person *p)
{
    size_t n;
    if (!array(j, TS_LIMIT_RELATIONS, relation, NULL, &n))
        return false;
    p->relations = keep(j, j->f->rel, n, sizeof *p->relations);
    p->n_relations = n;
    return p->relations != NULL;
}

enum { K_ID, K_GRID, K_NAME, K_NOTES, K_BORN, K_CATS, K_ATTRS, K_EVENTS, K_RELS, K_N };

static int top_key(const char *k, size_t n)
{
    static const struct {
        const char *name;
        size_t len;
    } keys[K_N] = {{"id", 2},          {"grid", 4},  {"name", 4},   {"notes", 5},    {"born", 4},
                   {"categories", 10}, {"attrs", 5}, {"events", 6}, {"relations", 9}};
    for (int i = 0; i < K_N; i++)
        if (keys[i].len == n && memcmp(keys[i].name, k, n) == 0)
            return i;
    return -1;
}

static bool value(jp *j, int key, ts_person *p)
{
    switch (key) {
    case K_ID:
        return field(j, TS__FP("id"), TS_LIMIT_ID, true, &p->id);
    case K_GRID:
        return field(j, TS__FP("grid"), TS_LIMIT_ID, true, &p->grid);
    case K_NAME:
        return field(j, TS__FP("name"), TS_LIMIT_FIELD, false, &p->name);
    case K_NOTES:
        return field(j, TS__FP("notes"), TS_LIMIT_FIELD, false, &p->notes);
    case K_BORN:
        return date_field(j, TS__FP("born"), &p->born);
    case K_CATS:
        return categories(j, p);
    case K_ATTRS:
        return attrs(j, p);
    case K_EVENTS:
        return events(j, p);
    default:
        return relations(j, p);
    }
}

typedef struct top_st {
    ts_person *p;
    unsigned seen;
} top_st;

static bool top_pair(jp *j, const char *k, size_t kn, void *ud)
{
    top_st *st = ud;
    int key = top_key(k, kn);
    if (key < 0 || (st->seen & (1u << key)))
        return false;
    st->seen |= 1u << key;
    if (is_null(j)) /* absent; for id and grid, missing: json-c says so */
        return key != K_ID && key != K_GRID;
    return value(j, key, st->p);
}

bool ts__jfast_parse(ts__jfast *f, const char *buf, size_t len, ts_arena *a, ts_person *out)
{
    if (!f || len > TS_LIMIT_LINE)
        return false;
    jp j = {.s = buf, .e = buf + len, .f = f, .a = a};
    ts_person p;
    ts__rec_person_init(&p);
    top_st st = {.p = &p};
    if (!object(&j, top_pair, &st))
        return false;
    ws(&j);
    if (j.s != j.e || !p.id || !p.grid)
        return false;
    for (size_t i = 0; i < p.n_relations; i++)
        if (strcmp(p.relations[i].other, p.id) == 0)
            return false;
    *out = p;
    return true;
}

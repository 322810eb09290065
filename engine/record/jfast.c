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
    memo_slot memo[MEMO_SLOTS];
};

ts__jfast *ts__jfast_new(void)
{
    return calloc(1, sizeof(ts__jfast));
}

void ts__jfast_free(ts__jfast *f)
{
    if (!f)
        return;
    free(f->ev);
    free(f->rel);
    free(f->sbuf);
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

static inline bool peek(jp *j, char c)
{
    ws(j);
    return j->s < j->e && *j->s == c;
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

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes the string whose escapes start at esc (body from b) into f->sbuf. */
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
                int h = hexval(s[k]);
                if (h < 0)
                    return false;
                cp = cp << 4 | (unsigned)h;
            }
            if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                return false; /* U+0000 and surrogates: the json-c path decides */
            if (cp < 0x80) {
                *d++ = (char)cp;
            } else if (cp < 0x800) {
                *d++ = (char)(0xC0 | cp >> 6);
                *d++ = (char)(0x80 | (cp & 0x3F));
            } else {
                *d++ = (char)(0xE0 | cp >> 12);
                *d++ = (char)(0x80 | (cp >> 6 & 0x3F));
                *d++ = (char)(0x80 | (cp & 0x3F));
            }
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
    if (s < j->e && *s != ',' && *s != '}' && *s != ']' && *s != ' ' && *s != '\t' &&
        *s != '\n' && *s != '\r')
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
    if (n > 0 && n <= MEMO_RAW) {
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

static bool categories(jp *j, ts_person *p)
{
    if (!eat(j, '['))
        return false;
    size_t n = 0;
    if (!eat(j, ']')) {
        do {
            if (n >= TS_LIMIT_CATEGORIES)
                return false;
            if (!field(j, (ts__fpath){"categories", (long)n, NULL}, TS_LIMIT_ATTR_NAME, true,
                       &j->f->cats[n]))
                return false;
            n++;
        } while (eat(j, ','));
        if (!eat(j, ']'))
            return false;
    }
    const char **c = ts_arena_alloc(j->a, (n ? n : 1) * sizeof *c);
    if (!c)
        return false;
    memcpy(c, j->f->cats, n * sizeof *c);
    p->categories = c;
    p->n_categories = n;
    return true;
}

static bool attrs(jp *j, ts_person *p)
{
    ts__jfast *f = j->f;
    if (!eat(j, '{'))
        return false;
    size_t n = 0, nulls = 0;
    if (!eat(j, '}')) {
        do {
            if (n >= TS_LIMIT_ATTRS)
                return false;
            const char *k;
            size_t kn;
            ts_attr *at = &f->attrs[n];
            memset(at, 0, sizeof *at);
            if (!str(j, &k, &kn) || !attr_name(j, k, kn, &at->name) || !eat(j, ':'))
                return false;
            ws(j);
            f->attr_null[n] = false;
            if (j->s >= j->e)
                return false;
            char c = *j->s;
            if (c == 'n') {
                if (!lit(j, "null", 4))
                    return false;
                f->attr_null[n] = true;
                nulls++;
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
            n++;
        } while (eat(j, ','));
        if (!eat(j, '}'))
            return false;
    }
    ts_attr *out = ts_arena_alloc(j->a, (n - nulls ? n - nulls : 1) * sizeof *out);
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

static bool events(jp *j, ts_person *p)
{
    ts__jfast *f = j->f;
    if (!eat(j, '['))
        return false;
    size_t n = 0;
    if (!eat(j, ']')) {
        do {
            if (n >= TS_LIMIT_EVENTS)
                return false;
            if (n == f->ev_cap) {
                size_t cap = f->ev_cap ? 2 * f->ev_cap : 64;
                ts_event *ne = realloc(f->ev, cap * sizeof *ne);
                if (!ne)
                    return false;
                f->ev = ne;
                f->ev_cap = cap;
            }
            ts_event *ev = &f->ev[n];
            ev->type = NULL;
            ev->date = TS_DATE_NONE;
            ev->note = "";
            unsigned seen = 0;
            if (!eat(j, '{'))
                return false;
            if (!eat(j, '}')) {
                do {
                    const char *k;
                    size_t kn;
                    if (!str(j, &k, &kn) || !eat(j, ':'))
                        return false;
                    ts__fpath fp = {"events", (long)n, NULL};
                    unsigned bit;
                    bool ok;
                    if (kn == 4 && memcmp(k, "type", 4) == 0) {
                        bit = EV_TYPE;
                        fp.b = "type";
                        ok = field(j, fp, TS_LIMIT_ID, true, &ev->type);
                    } else if (kn == 4 && memcmp(k, "date", 4) == 0) {
                        bit = EV_DATE;
                        fp.b = "date";
                        ok = date_field(j, fp, &ev->date);
                    } else if (kn == 4 && memcmp(k, "note", 4) == 0) {
                        bit = EV_NOTE;
                        fp.b = "note";
                        ok = is_null(j) || field(j, fp, TS_LIMIT_FIELD, false, &ev->note);
                    } else {
                        return false;
                    }
                    if (!ok || (seen & bit))
                        return false;
                    seen |= bit;
                } while (eat(j, ','));
                if (!eat(j, '}'))
                    return false;
            }
            if (!ev->type || ev->date == TS_DATE_NONE)
                return false;
            n++;
        } while (eat(j, ','));
        if (!eat(j, ']'))
            return false;
    }
    ts_event *out = ts_arena_alloc(j->a, (n ? n : 1) * sizeof *out);
    if (!out)
        return false;
    memcpy(out, f->ev, n * sizeof *out);
    p->events = out;
    p->n_events = n;
    return true;
}

static bool relations(jp *j, ts_person *p)
{
    ts__jfast *f = j->f;
    if (!eat(j, '['))
        return false;
    size_t n = 0;
    if (!eat(j, ']')) {
        do {
            if (n >= TS_LIMIT_RELATIONS)
                return false;
            if (n == f->rel_cap) {
                size_t cap = f->rel_cap ? 2 * f->rel_cap : 16;
                ts_relation *nr = realloc(f->rel, cap * sizeof *nr);
                if (!nr)
                    return false;
                f->rel = nr;
                f->rel_cap = cap;
            }
            ts_relation *r = &f->rel[n];
            r->other = NULL;
            r->kind = NULL;
            if (!eat(j, '{'))
                return false;
            if (!eat(j, '}')) {
                do {
                    const char *k;
                    size_t kn;
                    if (!str(j, &k, &kn) || !eat(j, ':'))
                        return false;
                    const char **dst;
                    ts__fpath fp = {"relations", (long)n, NULL};
                    if (kn == 2 && memcmp(k, "id", 2) == 0) {
                        dst = &r->other;
                        fp.b = "id";
                    } else if (kn == 4 && memcmp(k, "kind", 4) == 0) {
                        dst = &r->kind;
                        fp.b = "kind";
                    } else {
                        return false;
                    }
                    if (*dst || !field(j, fp, TS_LIMIT_ID, true, dst))
                        return false;
                } while (eat(j, ','));
                if (!eat(j, '}'))
                    return false;
            }
            if (!r->other || !r->kind)
                return false;
            n++;
        } while (eat(j, ','));
        if (!eat(j, ']'))
            return false;
    }
    ts_relation *out = ts_arena_alloc(j->a, (n ? n : 1) * sizeof *out);
    if (!out)
        return false;
    memcpy(out, f->rel, n * sizeof *out);
    p->relations = out;
    p->n_relations = n;
    return true;
}

enum { K_ID, K_GRID, K_NAME, K_NOTES, K_BORN, K_CATS, K_ATTRS, K_EVENTS, K_RELS, K_N };

static int top_key(const char *k, size_t n)
{
    static const struct {
        const char *name;
        size_t len;
    } keys[K_N] = {{"id", 2},         {"grid", 4},  {"name", 4},   {"notes", 5},    {"born", 4},
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

bool ts__jfast_parse(ts__jfast *f, const char *buf, size_t len, ts_arena *a, ts_person *out)
{
    if (!f || len > TS_LIMIT_LINE)
        return false;
    jp j = {.s = buf, .e = buf + len, .f = f, .a = a};
    ts_person p;
    ts__rec_person_init(&p);
    if (!eat(&j, '{') || peek(&j, '}'))
        return false;
    unsigned seen = 0;
    do {
        const char *k;
        size_t kn;
        if (!str(&j, &k, &kn))
            return false;
        int key = top_key(k, kn);
        if (key < 0 || (seen & (1u << key)) || !eat(&j, ':'))
            return false;
        seen |= 1u << key;
        if (is_null(&j)) {
            if (key == K_ID || key == K_GRID)
                return false;
            continue;
        }
        if (!value(&j, key, &p))
            return false;
    } while (eat(&j, ','));
    if (!eat(&j, '}'))
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

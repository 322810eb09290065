/* rulehost/person.c — what rules see: the read-only person object p (and circle
 * members), ctx, and the re module. Uses triscreen/date.h, regex/regex.h.
 *
 * Marshalling (chosen on the benchmark): p is a userdata whose metatable's __index is
 * a field cache table; the cache's own __index is a C function that builds a field on
 * first access and stores it. A field read after the first is a plain table hit inside
 * the VM (no C call), and a rule pays only for the fields it reads (lazy, cached per
 * person; eager tables build fields nobody reads, and a C __index per access pays a C
 * call per read). p, p.attrs, p.categories and ctx are userdata made once per host and
 * repointed per person. p's cache lives as long as the host: the methods and p.attrs
 * stay in it, and the per-person fields the last person cached are cleared one by one
 * at bind (p_cached). p.attrs' data table fills itself per key on first read (and is
 * cleared the same way); p:num reads a number attribute in one call without a table.
 * events and circle return fresh arrays. Writes go to __newindex, which raises; the
 * metatables hide themselves (__metatable = false).
 *
 * MEASURED with tests/bench/bench_rules (pack15: 15 rules, full + regional pass per
 * person; instruction counts from callgrind are per person and stable, wall figures move
 * +-20% on the shared 2-core guest):
 *   whole pack ......................................... ~64,000 instructions, 6.7 us
 *   count hook armed vs not armed ...................... 64,078 vs 56,834 (hook = 11%)
 *   generational vs incremental GC ..................... 8.1 us vs 10.1-10.7 us
 *   fresh p cache + fresh attrs table vs clearing the
 *   reused ones with lua_next (~160 instr. a key) ...... 1,364M vs 1,388M instr./20k
 *   date formatting by hand vs snprintf ................ ~150 vs ~1,700 instructions
 *   per-rule cost is dominated by what the rule does: an integer concatenated into
 *   evidence ("n: " .. n) costs ~1,500 instructions (snprintf inside Lua), a
 *   p:events{} call with its filter table ~3,000, filling p.attrs once ~2,600.
 * Default pack (rules/: 17 rules, full + regional pass per person, county population,
 * 1M persons; instructions per person in ts_rulehost_eval from callgrind on 20k,
 * wall = median of 3 runs):
 *   before ............................................. 92,800 instructions, 9.07 us
 *   p:count_events(LIST, DAYS), LIST a (frozen) array,
 *   instead of {type = LIST, within_days = N} .......... 8.30 us
 *   regex front cache by the pattern's address ......... -1,600 (rx_get ~1,250 -> ~65
 *                                                        a call; wall within noise)
 *   rules: fmt formats 1..99 once (%g ~2,000 a call) ... about -5,700, 7.92 us
 *   p.attrs refilled in place, not a fresh table ....... -4,100, 7.44 us
 *   field names with lengths, first-byte type test ..... -1,300
 *   rules: regional evidence built only when firing .... -6,200, 6.36 us
 *   after .............................................. 67,900 instructions, ~6.3 us
 *   (a proxy list read with lua_geti instead of its data table with lua_rawgeti: +1,000)
 * Second pass (same measure, Lua linked statically; wall = 500k persons):
 *   start .............................................. 67,350 instructions
 *   p's cache kept, fields cleared at bind ............. 62,770 (was: a fresh table,
 *                                                        metatable and collection per
 *                                                        person, methods looked up anew)
 *   p:num in the pack instead of p.attrs[name]+type() .. 54,000
 *   p.attrs filled per key on read, not all at once .... 48,900, 4.23-4.45 us
 *   no upvalue restoring (upscan.c) .................... 47,950
 *   dates memoised, count_events(TYPE, DAYS) fast path . 47,450, 3.93-4.01 us
 *   proxy data as user value, attribute position hint .. 47,000, 3.72-3.87 us */
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "rulehost/guard.h"
#include "rulehost/person.h"
#include "rulehost/proxy.h"
#include "rulehost/vm.h"
#include "triscreen/date.h"

/* ---- field cache ---------------------------------------------------------------- */

enum {
    F_NONE,
    F_ID,
    F_NAME,
    F_GRID,
    F_VILLAGE,
    F_TOWN,
    F_BORN,
    F_AGE,
    F_CATEGORIES,
    F_HAS_CATEGORY,
    F_ATTRS,
    F_NOTES,
    F_COLOUR,
    F_SUSPECT,
    F_EVENTS,
    F_COUNT_EVENTS,
    F_CIRCLE,
    F_RELATION,
    F_DISTANCE,
    F_NUM
};

/* Field names with their lengths, in F_ order (FIELDS[f - 1] is field f): comparing
 * the length and first byte before memcmp (rather than strlen of every name), with the
 * first-byte test in filter_match, measured 75,200 -> 74,000 instructions per person
 * (callgrind, bench_rules). */
#define FIELD(s)                                                                                   \
    {                                                                                              \
        s, sizeof s - 1                                                                            \
    }
static const struct {
    const char *name;
    size_t len;
} FIELDS[] = {FIELD("id"),           FIELD("name"),     FIELD("grid"),         FIELD("village"),
              FIELD("town"),         FIELD("born"),     FIELD("age"),          FIELD("categories"),
              FIELD("has_category"), FIELD("attrs"),    FIELD("notes"),        FIELD("colour"),
              FIELD("suspect"),      FIELD("events"),   FIELD("count_events"), FIELD("circle"),
              FIELD("relation"),     FIELD("distance"), FIELD("num")};
#undef FIELD
enum { N_FIELDS = sizeof FIELDS / sizeof FIELDS[0] };
_Static_assert((int)N_FIELDS == (int)F_NUM, "FIELDS follows the F_ enum");

static int field_of(const char *k, size_t n)
{
    if (n == 0)
        return F_NONE;
    for (size_t i = 0; i < N_FIELDS; i++)
        if (FIELDS[i].len == n && FIELDS[i].name[0] == k[0] && memcmp(FIELDS[i].name, k, n) == 0)
            return (int)i + 1;
    return F_NONE;
}

bool ts_rulehost_person_field(const char *name, size_t len)
{
    return name && field_of(name, len) != F_NONE;
}

static rh_view *check_view(lua_State *L, int idx, const ts_rulehost *h)
{
    rh_view *v = lua_touserdata(L, idx);
    if (v && v == h->pview) /* p itself (rules cannot make light userdata): always current */
        return v;
    if (!v || lua_type(L, idx) != LUA_TUSERDATA || lua_rawlen(L, idx) < sizeof(rh_view) ||
        v->hdr.magic != RH_MAGIC_PERSON)
        luaL_error(L, "bad argument #1 (person expected; call it as p:method{...})");
    if (v->gen != h->gen)
        luaL_error(L, "a person object from an earlier evaluation was used");
    return v;
}

/* "YYYY-MM-DD" for day d. The strings are kept in a table by day (anchored, so they
 * stay interned): a date already made is one table read. Making one is the civil date
 * by hand (~150 instructions where snprintf costs ~1,700) plus a new Lua string, which
 * measured ~700 instructions a call with its allocation and collection; event dates
 * of the same few hundred days around ctx.now come back person after person. Only
 * days from about 11 years before now to a year after are kept (birth dates, spread
 * over decades, would only churn the table), and the table is started afresh past
 * TS_DATE_MEMO entries, so it stays small. */
enum { TS_DATE_MEMO = 4096 };
static void push_date_text(lua_State *L, int32_t d)
{
    int y, m, dd;
    ts_date_to_civil(d, &y, &m, &dd);
    unsigned uy = (unsigned)y % 10000u;
    char buf[10] = {(char)('0' + uy / 1000),
                    (char)('0' + uy / 100 % 10),
                    (char)('0' + uy / 10 % 10),
                    (char)('0' + uy % 10),
                    '-',
                    (char)('0' + m / 10),
                    (char)('0' + m % 10),
                    '-',
                    (char)('0' + dd / 10),
                    (char)('0' + dd % 10)};
    lua_pushlstring(L, buf, 10);
}

static void push_date(lua_State *L, ts_rulehost *h, int32_t d)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_dates);
    if (lua_rawgeti(L, -1, d) == LUA_TSTRING) {
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    if (d < h->ctx->now - 4000 || d > h->ctx->now + 400) { /* e.g. birth dates: not kept */
        lua_pop(L, 1);
        push_date_text(L, d);
        return;
    }
    if (h->n_dates >= TS_DATE_MEMO) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawseti(L, LUA_REGISTRYINDEX, h->ref_dates);
        h->n_dates = 0;
    }
    push_date_text(L, d);
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, d);
    h->n_dates++;
    lua_remove(L, -2);
}

static void push_str_or_nil(lua_State *L, const char *s)
{
    if (s)
        lua_pushstring(L, s);
    else
        lua_pushnil(L);
}

bool ts__rh_attr_visible(const ts_rulehost *ch, const char *name, size_t len)
{
    if (!ch->pack || !ch->pack->opts.attr_hidden)
        return true;
    const ts_rulehost_opts *o = &ch->pack->opts;
    if (len == 0 || len > sizeof ch->vis[0].name)
        return !o->attr_hidden(o->attr_hidden_ud, name, len);
    /* the memo belongs to the host, which one thread uses at a time */
    ts_rulehost *h = (ts_rulehost *)ch;
    uint32_t x = 2166136261u;
    for (size_t i = 0; i < len; i++)
        x = (x ^ (unsigned char)name[i]) * 16777619u;
    rh_vis *v = &h->vis[x % RH_VIS_SLOTS];
    if (v->len == len && memcmp(v->name, name, len) == 0)
        return v->visible;
    v->visible = !o->attr_hidden(o->attr_hidden_ud, name, len);
    memcpy(v->name, name, len);
    v->len = (uint8_t)len;
    return v->visible;
}

static void fill_attrs(lua_State *L, const ts_rulehost *h, int t, const ts_person *p)
{
    for (size_t i = 0; i < p->n_attrs; i++) {
        const ts_attr *a = &p->attrs[i];
        if (!ts__rh_attr_visible(h, a->name, strlen(a->name)))
            continue;
        switch (a->type) {
        case TS_ATTR_NUM:
            if (a->num == (double)(lua_Integer)a->num)
                lua_pushinteger(L, (lua_Integer)a->num);
            else
                lua_pushnumber(L, a->num);
            break;
        case TS_ATTR_BOOL:
            lua_pushboolean(L, a->b);
            break;
        case TS_ATTR_STR:
            lua_pushstring(L, a->str ? a->str : "");
            break;
        default:
            continue;
        }
        lua_setfield(L, t, a->name);
    }
}

/* The attribute named k (kn bytes) of p, or NULL (also when it is hidden from rules:
 * a protected attribute). Names are compared as text. */
static const ts_attr *find_attr(ts_rulehost *h, const ts_person *p, const char *k, size_t kn)
{
    if (kn == 0 || memchr(k, '\0', kn))
        return NULL;
    /* records of a population list their attributes in the same order: try the
     * position where this name (the same interned string) was found last time; the
     * hint holds the name's visibility too, valid because the name is compared */
    rh_attr_hint *hint = &h->attr_hint[((uintptr_t)k >> 4) % RH_ATTR_HINTS];
    if (hint->key == k && hint->at < p->n_attrs) {
        const ts_attr *a = &p->attrs[hint->at];
        if (a->name[0] == k[0] && strncmp(a->name, k, kn) == 0 && a->name[kn] == '\0')
            return hint->visible ? a : NULL;
    }
    for (size_t i = 0; i < p->n_attrs; i++) {
        const ts_attr *a = &p->attrs[i];
        if (a->name[0] == k[0] && strncmp(a->name, k, kn) == 0 && a->name[kn] == '\0') {
            hint->key = k;
            hint->at = i;
            hint->visible = ts__rh_attr_visible(h, k, kn);
            return hint->visible ? a : NULL;
        }
    }
    return NULL;
}

static void push_num(lua_State *L, double d)
{
    if (d == (double)(lua_Integer)d)
        lua_pushinteger(L, (lua_Integer)d);
    else
        lua_pushnumber(L, d);
}

/* p.attrs is filled lazily: its data table D (kept for the life of the host) has an
 * __index that looks the name up in the current person, stores the value in D and
 * remembers the key (in an array that anchors it); at the next bind the remembered
 * keys are set back to nil. So a rule pays for the attributes it reads, once a person,
 * and a pass that reads none pays nothing (measured against refilling every attribute
 * on the first read of p.attrs: see the note at the top). pairs(p.attrs) fills every
 * attribute first. A key is remembered before its value is stored, so an error between
 * the two (memory cap) can never leave a value of this person for the next one. */
static void attrs_push_value(lua_State *L, const ts_attr *a)
{
    switch (a->type) {
    case TS_ATTR_NUM:
        push_num(L, a->num);
        break;
    case TS_ATTR_BOOL:
        lua_pushboolean(L, a->b);
        break;
    default:
        lua_pushstring(L, a->str ? a->str : "");
        break;
    }
}

static bool attr_typed(const ts_attr *a)
{
    return a->type == TS_ATTR_NUM || a->type == TS_ATTR_BOOL || a->type == TS_ATTR_STR;
}

/* Whether a rule may see attribute a (a shown type, not hidden); for the walks over
 * every attribute (find_attr answers the look-ups by name). */
static bool attr_shown(const ts_rulehost *h, const ts_attr *a)
{
    return attr_typed(a) && ts__rh_attr_visible(h, a->name, strlen(a->name));
}

/* Stores a (value on top of the stack, key at kidx) in D (at d) and remembers the key. */
static void attrs_store(lua_State *L, ts_rulehost *h, int d, int kidx)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_attrs_k);
    lua_pushvalue(L, kidx);
    lua_rawseti(L, -2, (lua_Integer)++h->n_attr_keys);
    lua_pop(L, 1);
    lua_pushvalue(L, kidx);
    lua_pushvalue(L, -2);
    lua_rawset(L, d);
}

/* __index of p.attrs' data table: (D, key). */
static int attrs_index(lua_State *L)
{
    ts_rulehost *h = ts__rh_host(L);
    if (lua_type(L, 2) != LUA_TSTRING)
        return 0;
    size_t kn;
    const char *k = lua_tolstring(L, 2, &kn);
    const ts_attr *a = find_attr(h, h->pview->person, k, kn);
    if (!a || !attr_typed(a))
        return 0;
    attrs_push_value(L, a);
    attrs_store(L, h, 1, 2);
    return 1;
}

/* The iterator of pairs(p.attrs): the person's attributes in record order (not the
 * data table's hash order, which differs from one Lua state to the next). Upvalue 1:
 * the data table, 2: the position of the next attribute. */
static int attrs_next(lua_State *L)
{
    ts_rulehost *h = ts__rh_host(L);
    const ts_person *p = h->pview->person;
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(2));
    for (; i >= 0 && (size_t)i < p->n_attrs; i++) {
        const ts_attr *a = &p->attrs[i];
        if (!attr_shown(h, a))
            continue;
        lua_pushinteger(L, i + 1);
        lua_replace(L, lua_upvalueindex(2));
        lua_pushstring(L, a->name);
        lua_pushvalue(L, -1);
        lua_rawget(L, lua_upvalueindex(1));
        return 2;
    }
    lua_pushinteger(L, -1);
    lua_replace(L, lua_upvalueindex(2));
    lua_pushnil(L);
    return 1;
}

/* Iterator of pairs(member.attrs): upvalue 1 the data table, 2 the person view, 3
 * the next position. */
static int member_attrs_next(lua_State *L)
{
    ts_rulehost *h = ts__rh_host(L);
    const rh_view *v = lua_touserdata(L, lua_upvalueindex(2));
    if (!v || v->gen != h->gen)
        return luaL_error(L, "a person object from an earlier evaluation was used");
    const ts_person *p = v->person;
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(3));
    for (; i >= 0 && (size_t)i < p->n_attrs; i++) {
        const ts_attr *a = &p->attrs[i];
        if (!attr_shown(h, a))
            continue;
        lua_pushinteger(L, i + 1);
        lua_replace(L, lua_upvalueindex(3));
        lua_pushstring(L, a->name);
        lua_pushvalue(L, -1);
        lua_rawget(L, lua_upvalueindex(1));
        return 2;
    }
    lua_pushinteger(L, -1);
    lua_replace(L, lua_upvalueindex(3));
    lua_pushnil(L);
    return 1;
}

/* __pairs of a circle member's attrs (upvalue 1: the data table, 2: the member). */
static int member_attrs_pairs(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, member_attrs_next, 3);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* __pairs of p.attrs: every attribute stored first, then walked in record order. */
static int attrs_pairs(lua_State *L)
{
    ts_rulehost *h = ts__rh_host(L);
    const ts_person *p = h->pview->person;
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_attrs_d);
    int d = lua_gettop(L);
    for (size_t i = 0; i < p->n_attrs; i++) {
        const ts_attr *a = &p->attrs[i];
        if (!attr_shown(h, a))
            continue;
        lua_pushstring(L, a->name);
        int k = lua_gettop(L);
        lua_pushvalue(L, k);
        if (lua_rawget(L, d) == LUA_TNIL) {
            lua_pop(L, 1);
            attrs_push_value(L, a);
            attrs_store(L, h, d, k);
        }
        lua_settop(L, d);
    }
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, attrs_next, 2);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* Forgets the attributes the last person's rules read. */
static void attrs_clear(lua_State *L, ts_rulehost *h)
{
    if (!h->n_attr_keys)
        return;
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_attrs_d);
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_attrs_k);
    for (size_t j = 1; j <= h->n_attr_keys; j++) {
        lua_rawgeti(L, -1, (lua_Integer)j);
        lua_pushnil(L);
        lua_rawset(L, -4);
    }
    h->n_attr_keys = 0;
    lua_pop(L, 2);
}

static void fill_cats(lua_State *L, int t, const ts_person *p, size_t old)
{
    for (size_t i = 0; i < p->n_categories; i++) {
        lua_pushstring(L, p->categories[i]);
        lua_rawseti(L, t, (lua_Integer)i + 1);
    }
    for (size_t i = p->n_categories; i < old; i++) {
        lua_pushnil(L);
        lua_rawseti(L, t, (lua_Integer)i + 1);
    }
}

static int person_has_category(lua_State *L);
static int person_num(lua_State *L);
static int person_events(lua_State *L);
static int person_count_events(lua_State *L);
static int person_circle(lua_State *L);

/* __index of a person's field cache: (cache, key), upvalue 1 = the person userdata. */
static int person_index(lua_State *L)
{
    rh_view *v = lua_touserdata(L, lua_upvalueindex(1));
    ts_rulehost *h = ts__rh_host(L);
    if (lua_type(L, 2) != LUA_TSTRING)
        return 0;
    if (v->gen != h->gen)
        return luaL_error(L, "a person object from an earlier evaluation was used");
    size_t kn;
    const char *k = lua_tolstring(L, 2, &kn);
    const ts_person *p = v->person;
    int f = field_of(k, kn);
    switch (f) {
    case F_ID:
        lua_pushstring(L, p->id);
        break;
    case F_NAME:
        lua_pushstring(L, p->name ? p->name : "");
        break;
    case F_GRID:
        push_str_or_nil(L, p->grid);
        break;
    case F_VILLAGE:
        push_str_or_nil(L, v->village);
        break;
    case F_TOWN:
        push_str_or_nil(L, v->town);
        break;
    case F_BORN:
        if (p->born == TS_DATE_NONE)
            return 0;
        push_date(L, h, p->born);
        break;
    case F_AGE:
        if (p->born == TS_DATE_NONE)
            return 0;
        lua_pushinteger(L, ts_date_years_between(p->born, h->ctx->now));
        break;
    case F_NOTES:
        lua_pushstring(L, p->notes ? p->notes : "");
        break;
    case F_COLOUR:
        if (v->colour == TS_COLOUR_NONE)
            return 0;
        lua_pushstring(L, ts_colour_name(v->colour));
        break;
    case F_SUSPECT:
        lua_pushboolean(L, v->suspect);
        break;
    case F_HAS_CATEGORY:
        lua_pushcfunction(L, person_has_category);
        break;
    case F_EVENTS:
        lua_pushcfunction(L, person_events);
        break;
    case F_COUNT_EVENTS:
        lua_pushcfunction(L, person_count_events);
        break;
    case F_NUM:
        lua_pushcfunction(L, person_num);
        break;
    case F_CIRCLE:
        lua_pushcfunction(L, person_circle);
        break;
    case F_RELATION:
        if (!v->relation)
            return 0;
        lua_pushstring(L, v->relation);
        break;
    case F_DISTANCE:
        if (v->is_subject)
            return 0;
        lua_pushinteger(L, v->distance);
        break;
    case F_ATTRS: /* a circle member's (p's is in its cache from the start) */
        lua_createtable(L, 0, (int)p->n_attrs);
        fill_attrs(L, h, lua_gettop(L), p);
        ts__rh_proxy_new(L, -1, sizeof(rh_proxy), RH_MAGIC_RO);
        /* pairs in record order, like p.attrs (hash order differs between states) */
        lua_getmetatable(L, -1);
        lua_pushvalue(L, -3);
        lua_pushvalue(L, lua_upvalueindex(1));
        lua_pushcclosure(L, member_attrs_pairs, 2);
        lua_setfield(L, -2, "__pairs");
        lua_pop(L, 1);
        lua_remove(L, -2);
        break;
    case F_CATEGORIES:
        if (v->is_subject) {
            lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_cats_d);
            fill_cats(L, lua_gettop(L), p, h->cats_filled);
            h->cats_filled = p->n_categories;
            lua_pop(L, 1);
            lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_cats);
        } else {
            lua_createtable(L, (int)p->n_categories, 0);
            fill_cats(L, lua_gettop(L), p, 0);
            ts__rh_proxy_new(L, -1, sizeof(rh_proxy), RH_MAGIC_RO);
            lua_remove(L, -2);
        }
        break;
    default:
        return 0;
    }
    if (v == h->pview) /* p's cache outlives the person: cleared field by field at bind */
        h->p_cached |= 1u << f;
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);
    return 1;
}

/* Pushes a new person userdata (view zeroed, magic set) with its cache. */
static rh_view *person_new(lua_State *L)
{
    lua_newtable(L); /* cache */
    rh_view *v = ts__rh_proxy_new(L, -1, sizeof(rh_view), RH_MAGIC_PERSON);
    lua_createtable(L, 0, 1); /* cache's metatable */
    lua_pushvalue(L, -2);
    lua_pushcclosure(L, person_index, 1);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -3);
    lua_remove(L, -2);
    return v;
}

static int person_has_category(lua_State *L)
{
    rh_view *v = check_view(L, 1, ts__rh_host(L));
    const char *name = luaL_checkstring(L, 2);
    const ts_person *p = v->person;
    for (size_t i = 0; i < p->n_categories; i++)
        if (strcmp(p->categories[i], name) == 0) {
            lua_pushboolean(L, 1);
            return 1;
        }
    lua_pushboolean(L, 0);
    return 1;
}

/* p:num(NAME[, DEFAULT]): the number attribute NAME, or DEFAULT (0) when it is absent
 * or not a number — what `local v = p.attrs.NAME; if type(v) ~= "number" then v = 0
 * end` does, in one call. */
static int person_num(lua_State *L)
{
    ts_rulehost *h = ts__rh_host(L);
    rh_view *v = check_view(L, 1, h);
    size_t kn;
    const char *k = luaL_checklstring(L, 2, &kn);
    const ts_attr *a = find_attr(h, v->person, k, kn);
    if (a && a->type == TS_ATTR_NUM) {
        push_num(L, a->num);
        return 1;
    }
    if (lua_isnoneornil(L, 3)) {
        lua_pushinteger(L, 0);
        return 1;
    }
    luaL_checktype(L, 3, LUA_TNUMBER);
    lua_settop(L, 3);
    return 1;
}

/* Checks that the filter table at idx has only the given keys. */
static void check_filter_keys(lua_State *L, int idx, const char *what, const char *a, const char *b)
{
    if (lua_type(L, idx) != LUA_TTABLE)
        return;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (!k || (strcmp(k, a) != 0 && strcmp(k, b) != 0))
            luaL_error(L, "%s: unknown filter '%s' (allowed: %s, %s)", what,
                       k ? k : luaL_typename(L, -1), a, b);
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

#define RH_MAX_TYPES TS_LIMIT_EVENT_TYPES

/* The filter of p:events / p:count_events, parsed once per call. The type strings stay
 * on the Lua stack for the duration of the call. */
typedef struct ev_filter {
    const char *types[RH_MAX_TYPES];
    size_t nt;
    bool any_type, window;
    lua_Integer days;
} ev_filter;

/* The short list form p:count_events({T1, T2, ...}[, DAYS]): argument 2 is a table (or
 * a frozen table's read-only proxy) with a string at [1] — a filter table has none.
 * Returns the stack index of the list's table, read raw (for a proxy its data table,
 * pushed), or 0 with the stack unchanged. (Indexing the proxy with lua_geti instead
 * measured ~150 instructions a read, 1,000 a person more.) Measured: events.problem
 * and threat.recent through the list form instead of {type = LIST, within_days = N}:
 * 9.07 -> 8.30 us/person (bench_rules, median of 3). */
static int type_list(lua_State *L)
{
    int t = 2, ft = lua_type(L, 2);
    if (ft == LUA_TUSERDATA) {
        const rh_proxy *u = lua_touserdata(L, 2);
        if (lua_rawlen(L, 2) < sizeof(rh_proxy) || u->magic != RH_MAGIC_RO)
            return 0;
        ts__rh_proxy_data(L, 2);
        if (!lua_istable(L, -1)) {
            lua_pop(L, 1);
            return 0;
        }
        t = lua_gettop(L);
    } else if (ft != LUA_TTABLE) {
        return 0;
    }
    bool is_list = lua_rawgeti(L, t, 1) == LUA_TSTRING;
    lua_pop(L, 1);
    if (!is_list && t != 2)
        lua_pop(L, 1);
    return is_list ? t : 0;
}

/* The types of the list at t (kept on the stack): its array part, which must hold
 * only strings. */
static void parse_list(lua_State *L, int t, const char *fn, ev_filter *f)
{
    lua_Unsigned n = lua_rawlen(L, t);
    if (n > RH_MAX_TYPES)
        luaL_error(L, "%s: more than %d types", fn, RH_MAX_TYPES);
    for (lua_Integer i = 1; i <= (lua_Integer)n; i++) {
        if (lua_rawgeti(L, t, i) != LUA_TSTRING)
            luaL_error(L, "%s: type list must hold strings", fn);
        f->types[f->nt++] = lua_tostring(L, -1);
    }
    f->any_type = false;
}

/* The window in days at idx: a whole number 0..TS_LIMIT_EVENT_WINDOW_DAYS. */
static void parse_days(lua_State *L, int idx, const char *fn, ev_filter *f)
{
    int isint = 0;
    f->days = lua_tointegerx(L, idx, &isint);
    if (!isint || f->days < 0 || f->days > TS_LIMIT_EVENT_WINDOW_DAYS)
        luaL_error(L, "%s: within_days must be a whole number >= 0", fn);
    f->window = true;
}

/* The types of a list that is not a plain table (a frozen list's read-only proxy, or a
 * table with a metatable) at the top of the stack: read through its metamethods; the
 * strings are kept on the stack for the call. */
static void parse_type_meta(lua_State *L, const char *fn, ev_filter *f)
{
    lua_Integer n = luaL_len(L, -1);
    if (n > RH_MAX_TYPES)
        luaL_error(L, "%s: more than %d types", fn, RH_MAX_TYPES);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_geti(L, -1 - (int)(i - 1), i) != LUA_TSTRING)
            luaL_error(L, "%s: type list must hold strings", fn);
        f->types[f->nt++] = lua_tostring(L, -1); /* kept on the stack */
    }
}

/* The table at idx to read a list from raw, with the same answers as reading idx
 * through its metamethods: idx itself when it is a table without a metatable, the data
 * table (pushed) of a read-only proxy when that has no metatable (the proxy's __len is
 * its raw length, its __index the table itself); else 0, the stack unchanged. */
static int raw_list(lua_State *L, int idx)
{
    int t = lua_type(L, idx);
    if (t == LUA_TTABLE) {
        if (!lua_getmetatable(L, idx))
            return idx;
        lua_pop(L, 1);
        return 0;
    }
    const rh_proxy *u = t == LUA_TUSERDATA ? lua_touserdata(L, idx) : NULL;
    if (!u || lua_rawlen(L, idx) < sizeof(rh_proxy) || u->magic != RH_MAGIC_RO)
        return 0;
    ts__rh_proxy_data(L, idx);
    if (lua_istable(L, -1) && !lua_getmetatable(L, -1))
        return lua_gettop(L);
    lua_settop(L, lua_istable(L, -1) ? -3 : -2);
    return 0;
}

/* The filter table at 2 when it is a plain table without a metatable (what a rule's
 * constructor {type = ..., within_days = ...} makes): its keys walked once, compared by
 * address with the interned "type" and "within_days" the host anchors (a short string
 * is interned, so every "type" in the state is that one string while the anchor lives;
 * strcmp stays as the fallback), its values read raw. Raw reads are what lua_getfield
 * and lua_geti give on tables without a metatable, and the errors come in the order of
 * the general path in parse_filter (an unknown key first, then the type, then the
 * window), so answers and messages are the same. The type strings stay referenced by
 * the filter table, which is on the stack, or by the list, which is kept on it.
 * Measured (callgrind, bench_rules pack15, 20k county persons, whose rules pass
 * {type = "T", within_days = N} and {type = LIST, ...} with a frozen LIST): 1,740 ->
 * 1,210 instructions a call (the key check's strcmp, two lua_getfield, luaL_len and
 * lua_geti through the proxy's metamethods); the pack 61,900 -> 59,600 a person. */
static void parse_plain_filter(lua_State *L, const char *fn, ev_filter *f)
{
    const ts_rulehost *h = ts__rh_host(L);
    int vtype = LUA_TNIL, list = 0, isint = 0;
    bool has_days = false;
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        bool is_type = k && (k == h->key_type || (k != h->key_days && strcmp(k, "type") == 0));
        if (is_type) {
            vtype = lua_type(L, -1);
            if (vtype == LUA_TSTRING) {
                f->types[0] = lua_tostring(L, -1);
                f->nt = 1;
            } else if (vtype == LUA_TTABLE || vtype == LUA_TUSERDATA) {
                /* the list kept below the key: lua_next needs only the key on top */
                lua_pushvalue(L, -1);
                lua_rotate(L, -3, 1);
                list = lua_gettop(L) - 2;
            }
        } else if (k && (k == h->key_days || strcmp(k, "within_days") == 0)) {
            has_days = true;
            f->days = lua_tointegerx(L, -1, &isint);
        } else {
            luaL_error(L, "%s: unknown filter '%s' (allowed: %s, %s)", fn,
                       k ? k : luaL_typename(L, -2), "type", "within_days");
        }
        lua_pop(L, 1);
    }
    if (vtype == LUA_TSTRING) {
        f->any_type = false;
    } else if (list) {
        f->any_type = false;
        int raw = raw_list(L, list);
        if (raw) {
            parse_list(L, raw, fn, f);
        } else {
            lua_pushvalue(L, list);
            parse_type_meta(L, fn, f);
        }
    } else if (vtype != LUA_TNIL) {
        luaL_error(L, "%s: type must be a string or a list of strings", fn);
    }
    if (has_days) {
        if (!isint || f->days < 0 || f->days > TS_LIMIT_EVENT_WINDOW_DAYS)
            luaL_error(L, "%s: within_days must be a whole number >= 0", fn);
        f->window = true;
    } else {
        f->days = 0;
    }
}

static void parse_filter(lua_State *L, const char *fn, ev_filter *f)
{
    f->nt = 0;
    f->any_type = true;
    f->window = false;
    f->days = 0;
    int top = lua_gettop(L), ft = lua_type(L, 2);
    /* the commonest call, p:count_events("TYPE", DAYS), without the general checks */
    if (ft == LUA_TSTRING && top <= 3) {
        f->types[f->nt++] = lua_tostring(L, 2);
        f->any_type = false;
        if (top == 3 && !lua_isnil(L, 3))
            parse_days(L, 3, fn, f);
        return;
    }
    luaL_checkstack(L, RH_MAX_TYPES + 8, fn);
    /* the short form p:count_events(TYPE[, DAYS]) skips building and walking a filter
     * table: it costs a fraction of the table form in a rule's inner loop */
    int list = type_list(L);
    if (ft == LUA_TSTRING || (ft == LUA_TNIL && top >= 3) || list) {
        if (ft == LUA_TSTRING) {
            f->types[f->nt++] = lua_tostring(L, 2);
            f->any_type = false;
        } else if (list) {
            parse_list(L, list, fn, f);
        }
        if (top >= 3 && !lua_isnil(L, 3))
            parse_days(L, 3, fn, f);
        return;
    }
    if (ft != LUA_TNONE && ft != LUA_TNIL && ft != LUA_TTABLE && ft != LUA_TUSERDATA)
        luaL_error(L, "%s: expected a type, or a filter table {type=..., within_days=...}", fn);
    if (ft != LUA_TTABLE && ft != LUA_TUSERDATA)
        return;
    if (ft == LUA_TTABLE && !lua_getmetatable(L, 2)) {
        parse_plain_filter(L, fn, f);
        return;
    }
    if (ft == LUA_TTABLE)
        lua_pop(L, 1);
    check_filter_keys(L, 2, fn, "type", "within_days");
    int tt = lua_getfield(L, 2, "type");
    if (tt == LUA_TSTRING) {
        f->types[f->nt++] = lua_tostring(L, -1);
        f->any_type = false;
    } else if (tt == LUA_TTABLE || tt == LUA_TUSERDATA) {
        f->any_type = false;
        parse_type_meta(L, fn, f);
    } else if (tt != LUA_TNIL) {
        luaL_error(L, "%s: type must be a string or a list of strings", fn);
    }
    if (lua_getfield(L, 2, "within_days") != LUA_TNIL)
        parse_days(L, -1, fn, f);
}

static bool filter_match(const ev_filter *f, const ts_event *e, int32_t now)
{
    if (f->window && (e->date > now || (int64_t)e->date < (int64_t)now - f->days))
        return false;
    if (f->any_type)
        return true;
    /* the first byte first: most events are of another type */
    for (size_t t = 0; t < f->nt; t++)
        if (e->type[0] == f->types[t][0] && strcmp(e->type, f->types[t]) == 0)
            return true;
    return false;
}

/* p:events{type = T or {T, ...}, within_days = N}: a fresh array of {type, date, note},
 * newest first (ties keep record order). */
static int person_events(lua_State *L)
{
    ts_rulehost *h = ts__rh_host(L);
    rh_view *v = check_view(L, 1, h);
    ev_filter f;
    parse_filter(L, "p:events", &f);
    const ts_person *p = v->person;
    if (p->n_events > h->idx_cap) {
        size_t cap = p->n_events < 64 ? 64 : p->n_events;
        uint64_t *ni = realloc(h->idx, cap * sizeof *ni);
        if (!ni)
            return luaL_error(L, "not enough memory");
        h->idx = ni;
        h->idx_cap = cap;
    }
    uint64_t *keys = h->idx;
    int32_t now = h->ctx->now;
    size_t m = 0;
    for (size_t i = 0; i < p->n_events; i++) {
        const ts_event *e = &p->events[i];
        if (!filter_match(&f, e, now))
            continue;
        /* newest first, then record order: (~date as unsigned) << 32 | index */
        uint32_t ud = ~((uint32_t)e->date ^ 0x80000000u);
        keys[m++] = ((uint64_t)ud << 32) | (uint32_t)i;
    }
    if (m > 1) {
        if (m <= 16) {
            for (size_t i = 1; i < m; i++) {
                uint64_t k = keys[i];
                size_t j = i;
                for (; j > 0 && keys[j - 1] > k; j--)
                    keys[j] = keys[j - 1];
                keys[j] = k;
            }
        } else {
            qsort(keys, m, sizeof *keys, cmp_u64);
        }
    }
    lua_createtable(L, (int)m, 0);
    for (size_t i = 0; i < m; i++) {
        const ts_event *e = &p->events[(uint32_t)keys[i]];
        lua_createtable(L, 0, 3);
        lua_pushstring(L, e->type);
        lua_setfield(L, -2, "type");
        push_date(L, h, e->date);
        lua_setfield(L, -2, "date");
        lua_pushstring(L, e->note ? e->note : "");
        lua_setfield(L, -2, "note");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* p:count_events{...}: the number of events p:events{...} would return, and the date
 * of the newest of them (or nil) — without building any table, so counting rules cost
 * a fraction of p:events. */
static int person_count_events(lua_State *L)
{
    ts_rulehost *h = ts__rh_host(L);
    rh_view *v = check_view(L, 1, h);
    ev_filter f;
    parse_filter(L, "p:count_events", &f);
    const ts_person *p = v->person;
    int32_t now = h->ctx->now, newest = 0;
    lua_Integer n = 0;
    for (size_t i = 0; i < p->n_events; i++) {
        const ts_event *e = &p->events[i];
        if (!filter_match(&f, e, now))
            continue;
        if (n++ == 0 || e->date > newest)
            newest = e->date;
    }
    lua_pushinteger(L, n);
    if (n)
        push_date(L, h, newest);
    else
        lua_pushnil(L);
    return 2;
}

/* p:circle{depth = 1|2, kind = K}: fresh array of read-only related persons. */
static int person_circle(lua_State *L)
{
    ts_rulehost *h = ts__rh_host(L);
    rh_view *v = check_view(L, 1, h);
    lua_Integer depth = 1;
    const char *kind = NULL;
    int ft = lua_type(L, 2);
    if (ft != LUA_TNONE && ft != LUA_TNIL && ft != LUA_TTABLE && ft != LUA_TUSERDATA)
        return luaL_error(L, "p:circle: expected a filter table {depth=..., kind=...}");
    if (ft == LUA_TTABLE || ft == LUA_TUSERDATA) {
        check_filter_keys(L, 2, "p:circle", "depth", "kind");
        if (lua_getfield(L, 2, "depth") != LUA_TNIL) {
            int isint = 0;
            depth = lua_tointegerx(L, -1, &isint);
            if (!isint || depth < 1 || depth > 2)
                return luaL_error(L, "p:circle: depth must be 1 or 2");
        }
        int tk = lua_getfield(L, 2, "kind");
        if (tk == LUA_TSTRING)
            kind = lua_tostring(L, -1);
        else if (tk != LUA_TNIL)
            return luaL_error(L, "p:circle: kind must be a string");
    }
    const ts_subject *s = v->is_subject ? v->subject : NULL;
    lua_newtable(L);
    lua_Integer n = 0;
    for (size_t i = 0; s && i < s->n_circle; i++) {
        const ts_circle_member *c = &s->circle[i];
        if (c->distance < 1 || c->distance > depth || !c->person)
            continue;
        if (kind && (!c->relation || strcmp(c->relation, kind) != 0))
            continue;
        rh_view *mv = person_new(L);
        mv->gen = h->gen;
        mv->is_subject = false;
        mv->person = c->person;
        mv->village = c->village;
        mv->town = c->town;
        mv->relation = c->relation ? c->relation : "";
        mv->distance = c->distance;
        mv->colour = c->colour;
        mv->suspect = c->suspect;
        lua_rawseti(L, -2, ++n);
    }
    return 1;
}

/* ---- ctx ------------------------------------------------------------------------ */

static int ctx_days_between(lua_State *L)
{
    size_t la, lb;
    const char *a = luaL_checklstring(L, 1, &la);
    const char *b = luaL_checklstring(L, 2, &lb);
    int32_t da, db;
    if (!ts_date_parse(a, la, &da))
        return luaL_error(L, "ctx.days_between: bad date '%s' (want YYYY-MM-DD)", a);
    if (!ts_date_parse(b, lb, &db))
        return luaL_error(L, "ctx.days_between: bad date '%s' (want YYYY-MM-DD)", b);
    lua_pushinteger(L, (lua_Integer)db - (lua_Integer)da);
    return 1;
}

/* ---- re ------------------------------------------------------------------------- */

static int re_run(lua_State *L, bool want_find)
{
    size_t pl, sl;
    const char *pat = luaL_checklstring(L, 1, &pl);
    const char *s = luaL_checklstring(L, 2, &sl);
    ts_rulehost *h = ts__rh_host(L);
    ts__rh_charge(L, h, (sl + pl) / TS_LIMIT_RULE_BYTES_PER_INSTR);
    ts_regex_match m;
    char msg[200];
    ts_status st = ts__regex_search(h->rx, pat, pl, s, sl, &m, msg, sizeof msg);
    if (st != TS_OK) {
        size_t shown = ts__rh_utf8_cut(pat, pl, 80);
        char text[400];
        snprintf(text, sizeof text, "re.%s: pattern '%.*s%s': %s", want_find ? "find" : "match",
                 (int)shown, pat, shown < pl ? "..." : "", msg);
        if (st == TS_LIMIT || st == TS_NOMEM) /* a limit: pcall cannot catch it */
            return ts__rh_trip_raise(L, h, 'l', text);
        return luaL_error(L, "%s", text);
    }
    if (!want_find) {
        lua_pushboolean(L, m.found);
        return 1;
    }
    if (!m.found)
        lua_pushnil(L);
    else
        lua_pushlstring(L, s + m.off, m.len);
    return 1;
}

static int re_match(lua_State *L)
{
    return re_run(L, false);
}

static int re_find(lua_State *L)
{
    return re_run(L, true);
}

void ts__rh_push_re(lua_State *L)
{
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, re_match);
    lua_setfield(L, -2, "match");
    lua_pushcfunction(L, re_find);
    lua_setfield(L, -2, "find");
}

/* ---- per host / per person ------------------------------------------------------ */

void ts__rh_person_init(lua_State *L, ts_rulehost *h)
{
    h->pview = person_new(L);
    h->pview->is_subject = true;
    ts__rh_proxy_data(L, -1); /* p's field cache: lives as long as the host */
    /* the methods do not depend on the person: cached once, never cleared */
    static const int methods[] = {F_HAS_CATEGORY, F_NUM, F_EVENTS, F_COUNT_EVENTS, F_CIRCLE};
    static const lua_CFunction method_fn[] = {person_has_category, person_num, person_events,
                                              person_count_events, person_circle};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        lua_pushcfunction(L, method_fn[i]);
        lua_setfield(L, -2, FIELDS[methods[i] - 1].name);
    }
    h->ref_pcache = luaL_ref(L, LUA_REGISTRYINDEX);
    h->ref_p = luaL_ref(L, LUA_REGISTRYINDEX);
    /* field names by F_ index, to clear p's cached fields at the next bind */
    lua_createtable(L, N_FIELDS, 0);
    for (int f = 1; f <= N_FIELDS; f++) {
        lua_pushlstring(L, FIELDS[f - 1].name, FIELDS[f - 1].len);
        lua_rawseti(L, -2, f);
    }
    h->ref_fnames = luaL_ref(L, LUA_REGISTRYINDEX);
    /* the filter keys, anchored so that their interned addresses stay valid */
    lua_createtable(L, 2, 0);
    lua_pushliteral(L, "type");
    h->key_type = lua_tostring(L, -1);
    lua_rawseti(L, -2, 1);
    lua_pushliteral(L, "within_days");
    h->key_days = lua_tostring(L, -1);
    lua_rawseti(L, -2, 2);
    h->ref_fkeys = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    h->ref_dates = luaL_ref(L, LUA_REGISTRYINDEX);
    h->n_dates = 0;
    h->p_cached = 0;
    /* p.attrs: a read-only proxy of D; D fills itself through attrs_index */
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, attrs_index);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    ts__rh_proxy_new(L, -1, sizeof(rh_proxy), RH_MAGIC_RO);
    lua_getmetatable(L, -1);
    lua_pushcfunction(L, attrs_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pop(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_pcache);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "attrs");
    lua_pop(L, 1);
    h->ref_attrs = luaL_ref(L, LUA_REGISTRYINDEX);
    h->ref_attrs_d = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    h->ref_attrs_k = luaL_ref(L, LUA_REGISTRYINDEX);
    h->n_attr_keys = 0;
    lua_newtable(L);
    ts__rh_proxy_new(L, -1, sizeof(rh_proxy), RH_MAGIC_RO);
    h->ref_cats = luaL_ref(L, LUA_REGISTRYINDEX);
    h->ref_cats_d = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_createtable(L, 0, 4);
    lua_pushcfunction(L, ctx_days_between);
    lua_setfield(L, -2, "days_between");
    ts__rh_proxy_new(L, -1, sizeof(rh_proxy), RH_MAGIC_RO);
    h->ref_ctx = luaL_ref(L, LUA_REGISTRYINDEX);
    h->ref_ctx_d = luaL_ref(L, LUA_REGISTRYINDEX);
}

void ts__rh_person_bind(lua_State *L, ts_rulehost *h, const ts_eval_ctx *ctx, const ts_subject *s)
{
    h->gen++;
    h->ctx = ctx;
    rh_view *v = h->pview;
    v->gen = h->gen;
    v->person = s->person;
    v->village = s->village;
    v->town = s->town;
    v->colour = s->colour;
    v->suspect = s->suspect;
    v->subject = s;
    /* p's field cache is kept: the fields the last person cached (p_cached) are
     * cleared one by one, the methods stay. Measured against a fresh cache table per
     * person (createtable, setmetatable, the methods looked up again through
     * person_index, and the collection): see the note at the top. */
    attrs_clear(L, h);
    ts__rh_forget_coroutines(L, h);
    if (h->p_cached) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_pcache);
        lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_fnames);
        for (uint32_t m = h->p_cached; m; m &= m - 1) {
            int f = __builtin_ctz(m);
            lua_rawgeti(L, -1, f);
            lua_pushnil(L);
            lua_rawset(L, -4);
        }
        h->p_cached = 0;
        lua_pop(L, 2);
    }
    const char *scope = ctx->scope ? ctx->scope : "all";
    if (!h->ctx_valid || h->ctx_now != ctx->now || h->ctx_pass != (int)ctx->pass ||
        strncmp(h->ctx_scope, scope, sizeof h->ctx_scope) != 0) {
        h->ctx_valid = false;
        lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_ctx_d);
        push_date(L, h, ctx->now);
        lua_setfield(L, -2, "now");
        lua_pushstring(L, ts_pass_name(ctx->pass));
        lua_setfield(L, -2, "pass");
        lua_pushstring(L, scope);
        lua_setfield(L, -2, "scope");
        lua_pop(L, 1);
        h->ctx_now = ctx->now;
        h->ctx_pass = (int)ctx->pass;
        /* a scope too long for the buffer is simply rewritten every time */
        size_t sl = strlen(scope);
        if (sl < sizeof h->ctx_scope) {
            memcpy(h->ctx_scope, scope, sl + 1);
            h->ctx_valid = true;
        }
    }
}

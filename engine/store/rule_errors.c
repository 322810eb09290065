/* store/rule_errors.c — the read side of rule_errors (triscreen/rule_errors.h): errors
 * grouped by rule with their run dates and the first person ids. Never reads the
 * message column. Uses sqlite3 through the store's connection. */
#include <string.h>

#include "triscreen/arena.h"
#include "triscreen/date.h"
#include "triscreen/rule_errors.h"
#include "triscreen/text.h"
#include "base/limits.h"
#include "store/store_int.h"

/* The filter as SQL over rule_errors e JOIN runs r LEFT JOIN persons p, parameters
 * ?1 since, ?2 rule, ?3 grid prefix, ?4 run from, ?5 run to (NULL = no bound). */
#define FROM_WHERE                                                                                 \
    " FROM rule_errors e JOIN runs r ON r.id = e.run LEFT JOIN persons p ON p.id = e.person"       \
    " WHERE (?1 IS NULL OR r.now >= ?1) AND (?2 IS NULL OR e.rule = ?2)"                           \
    " AND (?3 IS NULL OR substr(p.grid, 1, length(?3)) = ?3)"                                      \
    " AND (?4 IS NULL OR e.run >= ?4) AND (?5 IS NULL OR e.run <= ?5)"

static const char *txt(sqlite3_stmt *st, int i)
{
    return ts_text_utf8_view((const char *)sqlite3_column_text(st, i));
}

static void bind_filter(sqlite3_stmt *st, const ts_rule_error_filter *f)
{
    const char *texts[3] = {f->since, f->rule, f->grid_prefix};
    for (int i = 0; i < 3; i++) {
        if (texts[i])
            sqlite3_bind_text(st, i + 1, texts[i], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, i + 1);
    }
    if (f->run_from > 0)
        sqlite3_bind_int64(st, 4, f->run_from);
    else
        sqlite3_bind_null(st, 4);
    if (f->run_to > 0)
        sqlite3_bind_int64(st, 5, f->run_to);
    else
        sqlite3_bind_null(st, 5);
}

/* The first max_ids distinct person ids with an error of rule under f, into arena. */
static ts_status read_ids(ts_store *s, const ts_rule_error_filter *f, const char *rule,
                          size_t max_ids, ts_arena *arena, const char ***ids, size_t *n,
                          ts_err *err)
{
    static const char sql[] = "SELECT DISTINCT e.person" FROM_WHERE " ORDER BY e.person LIMIT ?6";
    ts_rule_error_filter one = *f;
    one.rule = rule;
    *n = 0;
    *ids = ts_arena_calloc(arena, max_ids ? max_ids : 1, sizeof **ids);
    if (!*ids)
        return ts_err_set(err, TS_NOMEM, "rule errors", "person ids");
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, sql, &st, err, "read rule error persons");
    if (rc != TS_OK)
        return rc;
    bind_filter(st, &one);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)max_ids);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW && *n < max_ids) {
        const char *id = ts_arena_strdup(arena, txt(st, 0) ? txt(st, 0) : "");
        if (!id) {
            rc = ts_err_set(err, TS_NOMEM, "rule errors", "person ids");
            goto done;
        }
        (*ids)[(*n)++] = id;
    }
    if (r != SQLITE_DONE && r != SQLITE_ROW)
        rc = ts__store_fail(s, err, "read rule error persons");
done:
    ts__store_query_done(s, st);
    return rc;
}

/* One group row copied into arena (the ids query reuses the statement cache). */
static ts_status copy_group(sqlite3_stmt *st, ts_arena *arena, ts_rule_error_group *g)
{
    const char *cols[4];
    for (int i = 0; i < 4; i++) {
        const char *v = txt(st, i == 0 ? 0 : i + 2);
        cols[i] = ts_arena_strdup(arena, v ? v : "");
        if (!cols[i])
            return TS_NOMEM;
    }
    g->rule = cols[0];
    g->errors = sqlite3_column_int64(st, 1);
    g->persons = sqlite3_column_int64(st, 2);
    g->first = cols[1];
    g->last = cols[2];
    g->kinds = cols[3];
    return TS_OK;
}

ts_status ts_store_rule_errors(ts_store *s, const ts_rule_error_filter *f, size_t max_ids,
                               ts_rule_error_group_fn fn, void *ud, ts_err *err)
{
    static const char sql[] =
        "SELECT e.rule, count(*), count(DISTINCT e.person), min(r.now),"
        " max(r.now), group_concat(DISTINCT e.code)" FROM_WHERE " GROUP BY e.rule ORDER BY e.rule";
    ts_rule_error_filter none = {0};
    if (!f)
        f = &none;
    int32_t day;
    if (f->since && !ts_date_parse(f->since, strlen(f->since), &day))
        return ts_err_set(err, TS_USAGE, "--since", "'%s' is not a date (YYYY-MM-DD)", f->since);
    if (max_ids > TS_LIMIT_RULE_ERROR_IDS)
        max_ids = TS_LIMIT_RULE_ERROR_IDS;
    ts_arena arena;
    ts_arena_init(&arena, TS_LIMIT_ARENA_SCRATCH);
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, sql, &st, err, "read rule errors");
    if (rc != TS_OK)
        goto done;
    bind_filter(st, f);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        ts_arena_reset(&arena);
        ts_rule_error_group g = {0};
        const char **ids = NULL;
        if (copy_group(st, &arena, &g) != TS_OK) {
            rc = ts_err_set(err, TS_NOMEM, "rule errors", "row");
            goto done;
        }
        rc = read_ids(s, f, g.rule, max_ids, &arena, &ids, &g.n_ids, err);
        g.ids = ids;
        if (rc == TS_OK)
            rc = fn(ud, &g, err);
        if (rc != TS_OK)
            goto done;
    }
    if (r != SQLITE_DONE)
        rc = ts__store_fail(s, err, "read rule errors");
done:
    ts__store_query_done(s, st);
    ts_arena_release(&arena);
    return rc;
}

/* store/rule_stats.c — the SQL behind triscreen/rule_stats.h: rule firings gathered from
 * the ledger, the list rows and transitions and the run summaries, joined with reviews
 * and alert causes. One statement, so the counts come from one snapshot. */
#include <string.h>

#include "triscreen/rule_stats.h"
#include "triscreen/text.h"
#include "store/store_int.h"

/* The SQL reads best as written: */
/* clang-format off */
/* A reason or gap element: {"id": ...} or a bare id string. */
#define RULE_OF(j) \
    "CASE " j ".type WHEN 'object' THEN json_extract(" j ".value, '$.id')" \
    " WHEN 'text' THEN " j ".value END"
/* (person, rule, day) of every stored firing by a live, completed run. */
#define FIRED_FROM(tbl, alias, col) \
    " SELECT " alias ".person AS person, " RULE_OF("j") " AS rule, r.now AS day" \
    " FROM " tbl " " alias " JOIN runs r ON r.id = " alias ".run, json_each(" alias "." col ") j" \
    " WHERE r.status = 'done' AND r.kind = 'live' AND json_valid(" alias "." col ")"

static const char SQL[] =
    "WITH fr AS ("
        FIRED_FROM("ledger", "l", "rules") " UNION"
        FIRED_FROM("ledger", "l", "gaps") " UNION"
        FIRED_FROM("list_transitions", "t", "reasons") " UNION"
        FIRED_FROM("list_members", "m", "reasons") " UNION"
        FIRED_FROM("list_members", "m", "regional_reasons") "),"
    " summ AS (SELECT s.key AS rule, s.value AS n, r.now AS day FROM runs r,"
    "   json_each(r.summary, '$.fired') s WHERE r.status = 'done' AND r.kind = 'live'"
    "   AND json_valid(r.summary) AND json_type(r.summary, '$.fired') = 'object'"
    "   AND s.type = 'integer' AND s.value > 0),"
    " first AS (SELECT rule, person, min(day) AS day FROM fr WHERE rule IS NOT NULL"
    "   AND day >= ?1 GROUP BY rule, person),"
    " per AS (SELECT f.rule AS rule, count(*) AS persons,"
    "   sum(EXISTS(SELECT 1 FROM list_transitions t WHERE t.person = f.person"
    "     AND t.to_colour IN ('red', 'yellow', 'blue') AND t.at >= f.day)"
    "     OR EXISTS(SELECT 1 FROM list_members m WHERE m.person = f.person"
    "     AND m.colour IN ('red', 'yellow', 'blue'))) AS listed,"
    "   sum(EXISTS(SELECT 1 FROM reviews v WHERE v.person = f.person"
    "     AND v.outcome = 'confirm' AND v.now >= f.day)) AS confirmed,"
    "   sum(EXISTS(SELECT 1 FROM reviews v WHERE v.person = f.person"
    "     AND v.outcome = 'clear' AND v.now >= f.day)) AS cleared"
    "   FROM first f GROUP BY f.rule),"
    " fir AS (SELECT rule, sum(n) AS n FROM summ WHERE day >= ?1 GROUP BY rule),"
    " al AS (SELECT substr(c.cause, 6) AS rule, count(*) AS n,"
    "   sum(a.status = 'closed' AND a.outcome = 'false_positive') AS fp"
    "   FROM alert_causes c JOIN alerts a ON a.cursor = c.alert"
    "   WHERE substr(c.cause, 1, 5) = 'rule:'"
    "   AND coalesce((SELECT r.now FROM runs r WHERE r.id = a.run), substr(a.created, 1, 10))"
    "     >= ?1 GROUP BY 1),"
    " last AS (SELECT rule, max(day) AS day FROM (SELECT rule, day FROM fr"
    "   UNION ALL SELECT rule, day FROM summ) WHERE rule IS NOT NULL GROUP BY rule),"
    " ids AS (SELECT rule FROM last UNION SELECT rule FROM al)"
    " SELECT i.rule, coalesce(p.persons, 0), coalesce(p.listed, 0), coalesce(p.confirmed, 0),"
    "   coalesce(p.cleared, 0), coalesce(fir.n, 0), coalesce(al.n, 0), coalesce(al.fp, 0),"
    "   last.day FROM ids i LEFT JOIN per p ON p.rule = i.rule LEFT JOIN fir ON fir.rule = i.rule"
    " LEFT JOIN al ON al.rule = i.rule LEFT JOIN last ON last.rule = i.rule ORDER BY i.rule";
/* clang-format on */

ts_status ts_store_rule_stats(ts_store *s, const char *since, ts_rule_stat_fn fn, void *ud,
                              ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, SQL, &st, err, "rule stats");
    if (rc != TS_OK)
        return rc;
    sqlite3_bind_text(st, 1, since ? since : "", -1, SQLITE_STATIC);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        ts_rule_stat row = {
            .rule = ts_text_utf8_view((const char *)sqlite3_column_text(st, 0)),
            .persons = sqlite3_column_int64(st, 1),
            .listed = sqlite3_column_int64(st, 2),
            .confirmed = sqlite3_column_int64(st, 3),
            .cleared = sqlite3_column_int64(st, 4),
            .firings = sqlite3_column_int64(st, 5),
            .alerts = sqlite3_column_int64(st, 6),
            .false_positive = sqlite3_column_int64(st, 7),
            .last_fired = (const char *)sqlite3_column_text(st, 8),
        };
        if (!row.rule)
            continue;
        if ((rc = fn(ud, &row, err)) != TS_OK)
            goto done;
    }
    if (r != SQLITE_DONE)
        rc = ts__store_fail(s, err, "rule stats");
done:
    ts__store_query_done(s, st);
    return rc;
}

/* store/schema.c — the versioned schema. Migration N takes user_version N-1 to N;
 * later issues append migrations, never edit a released one. */
#include <stddef.h>

#include "store/store_int.h"

static const char *const migrations[] = {
    /* 1: foundation — grid, persons (events embedded), relations, runs, ledger, lists,
     *    reviews, rule errors, alerts, audit. */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE cells(code TEXT PRIMARY KEY, level INTEGER NOT NULL, parent TEXT,"
    "  name TEXT NOT NULL DEFAULT '', ord INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE officers(cell TEXT NOT NULL REFERENCES cells(code) ON DELETE CASCADE,"
    "  id TEXT NOT NULL, name TEXT NOT NULL DEFAULT '', ord INTEGER NOT NULL,"
    "  PRIMARY KEY(cell, id)) WITHOUT ROWID;"
    /* events are kept in the person row as a canonical blob (newest first): one row per
     * person makes import and the pass scans several times faster than an event table */
    "CREATE TABLE persons(pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL DEFAULT '', grid TEXT NOT NULL, born TEXT,"
    "  notes TEXT NOT NULL DEFAULT '', extra BLOB, events BLOB,"
    "  n_events INTEGER NOT NULL DEFAULT 0, digest INTEGER NOT NULL,"
    "  created TEXT NOT NULL, updated TEXT NOT NULL);"
    "CREATE TABLE relations(a TEXT NOT NULL, b TEXT NOT NULL, kind TEXT NOT NULL,"
    "  PRIMARY KEY(a, b, kind)) WITHOUT ROWID;"
    "CREATE INDEX relations_b ON relations(b);"
    "CREATE TABLE runs(id INTEGER PRIMARY KEY, pass TEXT NOT NULL, scope TEXT NOT NULL,"
    "  now TEXT NOT NULL, rules_hash TEXT NOT NULL, config_hash TEXT NOT NULL,"
    "  started TEXT NOT NULL, ended TEXT, status TEXT NOT NULL DEFAULT 'running',"
    "  persons INTEGER NOT NULL DEFAULT 0, fired INTEGER NOT NULL DEFAULT 0,"
    "  errors INTEGER NOT NULL DEFAULT 0, summary TEXT);"
    /* keyed (run, seq) so a run only appends: keyed by person, every run would dirty
     * every page of the table; the small (person, run) index serves history lookups */
    "CREATE TABLE ledger(run INTEGER NOT NULL REFERENCES runs(id), seq INTEGER NOT NULL,"
    "  person TEXT NOT NULL, grid TEXT NOT NULL, suspect INTEGER NOT NULL, gaps TEXT NOT NULL,"
    "  rules TEXT NOT NULL, PRIMARY KEY(run, seq)) WITHOUT ROWID;"
    "CREATE INDEX ledger_person ON ledger(person, run);"
    "CREATE TABLE marks(person TEXT PRIMARY KEY, suspect INTEGER NOT NULL,"
    "  run INTEGER NOT NULL) WITHOUT ROWID;"
    /* regional_* keep the regional pass's decision so a targeted pass (which may only
     * raise) is recomputed from it, not stacked on its own earlier result */
    "CREATE TABLE list_members(person TEXT PRIMARY KEY, colour TEXT NOT NULL,"
    "  score INTEGER NOT NULL, since TEXT NOT NULL, run INTEGER NOT NULL,"
    "  reasons TEXT NOT NULL, engine_colour TEXT, override_colour TEXT, override_until TEXT,"
    "  override_by TEXT, next_review TEXT, regional_colour TEXT,"
    "  regional_score INTEGER NOT NULL DEFAULT 0, regional_reasons TEXT NOT NULL DEFAULT '[]')"
    "  WITHOUT ROWID;"
    "CREATE TABLE list_transitions(id INTEGER PRIMARY KEY, person TEXT NOT NULL, run INTEGER,"
    "  from_colour TEXT, to_colour TEXT, score INTEGER, reasons TEXT NOT NULL,"
    "  at TEXT NOT NULL, actor TEXT NOT NULL DEFAULT 'engine');"
    "CREATE INDEX list_transitions_person ON list_transitions(person, id);"
    "CREATE TABLE reviews(id INTEGER PRIMARY KEY, person TEXT NOT NULL, by TEXT NOT NULL,"
    "  outcome TEXT NOT NULL, colour TEXT, until TEXT, note TEXT NOT NULL, at TEXT NOT NULL,"
    "  now TEXT NOT NULL);"
    "CREATE INDEX reviews_person ON reviews(person, id);"
    "CREATE TABLE rule_errors(id INTEGER PRIMARY KEY, run INTEGER NOT NULL, person TEXT NOT NULL,"
    "  rule TEXT NOT NULL, code TEXT NOT NULL, location TEXT NOT NULL, message TEXT NOT NULL);"
    "CREATE INDEX rule_errors_run ON rule_errors(run);"
    "CREATE TABLE alerts(cursor INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,"
    "  person TEXT NOT NULL, grid TEXT NOT NULL, colour TEXT, rules TEXT NOT NULL,"
    "  route TEXT NOT NULL, route_note TEXT, headline TEXT, created TEXT NOT NULL,"
    "  run INTEGER, rules_version TEXT, status TEXT NOT NULL DEFAULT 'new',"
    "  dedup TEXT NOT NULL, level INTEGER NOT NULL DEFAULT 0, escalated TEXT);"
    "CREATE INDEX alerts_open ON alerts(dedup) WHERE status <> 'closed';"
    "CREATE INDEX alerts_person ON alerts(person, cursor);"
    "CREATE TABLE alert_history(id INTEGER PRIMARY KEY, alert INTEGER NOT NULL"
    "  REFERENCES alerts(cursor), status TEXT NOT NULL, by TEXT NOT NULL, at TEXT NOT NULL,"
    "  note TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX alert_history_alert ON alert_history(alert, id);"
    "CREATE TABLE audit(id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,"
    "  action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    /* 2: alert escalation rows — an escalation inserts a new alerts row (a new cursor,
     *    so feed consumers see it) whose origin is the first row's cursor (the alert's
     *    id number); the partial index finds quick alerts due for escalation without a
     *    scan. */
    "ALTER TABLE alerts ADD COLUMN origin INTEGER;"
    "CREATE INDEX alerts_origin ON alerts(origin) WHERE origin IS NOT NULL;"
    "CREATE INDEX alerts_quick_due ON alerts(coalesce(escalated, created))"
    "  WHERE kind = 'quick' AND status = 'new';",
    /* 3: a relation a scoped writer declared to a person outside its scopes is pending
     *    for that person (issue 12 A2): it counts in the declaring side's circle but not
     *    in pending_for's, until a writer whose scope covers pending_for (or an import)
     *    declares it too. NULL = confirmed. */
    "ALTER TABLE relations ADD COLUMN pending_for TEXT;",
};

_Static_assert(sizeof migrations / sizeof migrations[0] == TS_STORE_SCHEMA_VERSION,
               "one migration per schema version");

const char *ts__store_migration(int version)
{
    if (version < 1 || version > TS_STORE_SCHEMA_VERSION)
        return NULL;
    return migrations[version - 1];
}

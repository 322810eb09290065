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
    /* 4: the officers' loop (issue 14).
     *    Alerts become one row per alert for life: alerts.cursor stays the alert's id
     *    number (A-000042 = 42) and never changes; alerts.seq is its position in the feed,
     *    moved to the head when the alert is escalated or reopened (so a consumer sees
     *    it again) and left in place by claim, ack and close. The escalation copies of
     *    migration 2 are folded into their first row. dedup is now kind|person: one open
     *    alert per person and kind; what raised it is kept as causes (alert_causes:
     *    "rule:ID", "event:TEXT", "colour:C@RUN", "suspect@RUN"), and a trigger whose
     *    causes are all known raises nothing. target_level is who is on the hook:
     *    3 group, 2 village, 1 town, 0 the county desk. due is the next deadline of the
     *    clock (ack, then close), "YYYY-MM-DDTHH:MM:SSZ". Officer tokens are stored as
     *    hashes; audit rows name the token an action came through. */
    "UPDATE alerts AS a SET level = l.level, route = l.route, route_note = l.route_note,"
    "  status = l.status, escalated = l.escalated"
    "  FROM (SELECT x.origin AS origin, x.level AS level, x.route AS route,"
    "    x.route_note AS route_note, x.status AS status, x.escalated AS escalated"
    "    FROM alerts x WHERE x.origin IS NOT NULL"
    "    AND x.cursor = (SELECT max(y.cursor) FROM alerts y WHERE y.origin = x.origin)) AS l"
    "  WHERE a.cursor = l.origin;"
    "ALTER TABLE alerts ADD COLUMN seq INTEGER;"
    "UPDATE alerts SET seq = (SELECT max(y.cursor) FROM alerts y"
    "  WHERE y.cursor = alerts.cursor OR y.origin = alerts.cursor) WHERE origin IS NULL;"
    "DELETE FROM alerts WHERE origin IS NOT NULL;"
    "DROP INDEX alerts_origin;"
    "DROP INDEX alerts_quick_due;"
    "DROP INDEX alerts_open;"
    "UPDATE alerts SET status = 'acknowledged' WHERE status = 'acked';"
    "UPDATE alert_history SET status = 'acknowledged' WHERE status = 'acked';"
    "UPDATE alerts SET dedup = kind || '|' || person;"
    "ALTER TABLE alerts ADD COLUMN target_level INTEGER NOT NULL DEFAULT 3;"
    "UPDATE alerts SET target_level = max(0, 3 - level);"
    "ALTER TABLE alerts ADD COLUMN due TEXT;"
    "UPDATE alerts SET due = strftime('%Y-%m-%dT%H:%M:%SZ', coalesce(escalated, created),"
    "  CASE kind WHEN 'quick' THEN '+30 minutes' WHEN 'detailed' THEN '+1 day'"
    "  ELSE '+3 days' END) WHERE status <> 'closed';"
    "ALTER TABLE alerts ADD COLUMN claimed_by TEXT;"
    "ALTER TABLE alerts ADD COLUMN claimed_at TEXT;"
    "ALTER TABLE alerts ADD COLUMN acked_at TEXT;"
    "UPDATE alerts SET acked_at = (SELECT min(h.at) FROM alert_history h"
    "  WHERE h.alert = alerts.cursor AND h.status = 'acknowledged');"
    /* an acknowledged alert runs on its close clock, and whoever acknowledged it holds it */
    "UPDATE alerts SET due = strftime('%Y-%m-%dT%H:%M:%SZ', acked_at,"
    "  CASE kind WHEN 'quick' THEN '+1 day' WHEN 'detailed' THEN '+7 days'"
    "  ELSE '+14 days' END) WHERE status = 'acknowledged' AND acked_at IS NOT NULL;"
    "UPDATE alerts SET claimed_at = acked_at, claimed_by = (SELECT h.by FROM alert_history h"
    "  WHERE h.alert = alerts.cursor AND h.status = 'acknowledged' ORDER BY h.id LIMIT 1)"
    "  WHERE acked_at IS NOT NULL;"
    "ALTER TABLE alerts ADD COLUMN closed_at TEXT;"
    "UPDATE alerts SET closed_at = (SELECT max(h.at) FROM alert_history h"
    "  WHERE h.alert = alerts.cursor AND h.status = 'closed') WHERE status = 'closed';"
    "ALTER TABLE alerts ADD COLUMN outcome TEXT;"
    "ALTER TABLE alerts ADD COLUMN reopens INTEGER;"
    "ALTER TABLE alerts ADD COLUMN ingest INTEGER;"
    "ALTER TABLE alerts ADD COLUMN event_type TEXT;"
    "ALTER TABLE alerts ADD COLUMN event_date TEXT;"
    "ALTER TABLE alerts ADD COLUMN event_text TEXT;"
    "ALTER TABLE alerts ADD COLUMN acked_in_time INTEGER;"
    "UPDATE alerts SET acked_in_time = acked_at <= strftime('%Y-%m-%dT%H:%M:%SZ', created,"
    "  CASE kind WHEN 'quick' THEN '+30 minutes' WHEN 'detailed' THEN '+1 day'"
    "  ELSE '+3 days' END) WHERE acked_at IS NOT NULL;"
    "CREATE UNIQUE INDEX alerts_seq ON alerts(seq);"
    "CREATE INDEX alerts_open ON alerts(dedup) WHERE status <> 'closed';"
    "CREATE INDEX alerts_due ON alerts(due) WHERE status <> 'closed' AND target_level > 0;"
    "CREATE INDEX alerts_new ON alerts(due, cursor) WHERE status = 'new';"
    "CREATE TABLE alert_causes(alert INTEGER NOT NULL, cause TEXT NOT NULL,"
    "  PRIMARY KEY(alert, cause)) WITHOUT ROWID;"
    "INSERT OR IGNORE INTO alert_causes(alert, cause)"
    "  SELECT a.cursor, CASE json_extract(j.value, '$.id') WHEN 'problem_event'"
    "    THEN 'event:' || coalesce(json_extract(j.value, '$.evidence'), '')"
    "    ELSE 'rule:' || json_extract(j.value, '$.id') END"
    "  FROM alerts a, json_each(a.rules) j WHERE json_valid(a.rules)"
    "  AND json_extract(j.value, '$.id') IS NOT NULL;"
    "ALTER TABLE alert_history ADD COLUMN token TEXT;"
    "CREATE TABLE tokens(id TEXT PRIMARY KEY, officer TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE,"
    "  note TEXT NOT NULL DEFAULT '', created TEXT NOT NULL, created_by TEXT NOT NULL,"
    "  revoked TEXT, revoked_by TEXT) WITHOUT ROWID;"
    "CREATE TABLE ingests(id INTEGER PRIMARY KEY, source TEXT NOT NULL, started TEXT NOT NULL,"
    "  ended TEXT, records INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'running');"
    "ALTER TABLE audit ADD COLUMN token TEXT;",
    /* 5: what-if runs (issue 15). runs.kind is 'live' for a run of the day it starts (or
     *    of an earlier day) over the whole scope, 'whatif' for a run into the future
     *    (its now after the UTC day it started) or a --person run (one person checked
     *    on demand). The report's trend counts live runs only. Runs of older databases
     *    were all taken as live. */
    "ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'live';",
    /* 6: snoozes (issue 16 item 8). An officer stops one rule (by id, so a snooze
     *    outlives a pack change) from voting, scoring and alerting for one person through
     *    `until` (inclusive, "YYYY-MM-DD"); `now` is the day it was taken on. Ended ones
     *    stay (ended, ended_by, end_note, ended_now). The partial index serves the passes'
     *    one lookup per run: active at now = not ended and until >= now. */
    "CREATE TABLE snoozes(id INTEGER PRIMARY KEY, person TEXT NOT NULL, rule TEXT NOT NULL,"
    "  until TEXT NOT NULL, by TEXT NOT NULL, note TEXT NOT NULL, created TEXT NOT NULL,"
    "  now TEXT NOT NULL, ended TEXT, ended_by TEXT, end_note TEXT, ended_now TEXT);"
    "CREATE INDEX snoozes_active ON snoozes(until, person, rule) WHERE ended IS NULL;",
    /* 7: rule pack versions (issue 16 item 4). `rules deploy` stores a pack as a version
     *    named by its hash (ts_rulepack_hash) with its files (name and content, so a
     *    rollback needs no folder), who deployed it, why and when. At most one version is
     *    active (the partial unique index); every command and `serve` load the active
     *    one, and the config's `rules:` folder only when no version is stored. */
    "CREATE TABLE rules_versions(hash TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,"
    "  by TEXT NOT NULL, note TEXT NOT NULL,"
    "  deployed_at TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE UNIQUE INDEX rules_versions_active ON rules_versions(active) WHERE active = 1;"
    "CREATE TABLE rules_version_files(hash TEXT NOT NULL REFERENCES rules_versions(hash),"
    "  name TEXT NOT NULL, content BLOB NOT NULL, PRIMARY KEY(hash, name)) WITHOUT ROWID;",
    /* 8: what a screening judged, and shadow packs (issue 16 items 3 and 5).
     *    `diff` re-runs the last screening (its full pass and the regional / targeted
     *    passes run with it) over exactly its inputs: a copy of the database is turned
     *    back to the moment that full pass began (store/rewind.c). For that, every change
     *    keeps the row it replaced, tagged with after_run = the newest run id when the
     *    change was made (a change with after_run >= R happened after run R began):
     *    persons (updates and deletes), list_members and marks (every write, present = 0
     *    when no row existed), relations (a pending one confirmed). runs.persons_pk_max
     *    is max(persons.pk) when the run began (persons inserted later have a larger pk);
     *    relations.since_run is the newest run id when the relation was stored (set by the
     *    insert, store.c). Rows no rewind can need are pruned when a new screening begins
     *    (ts_store_history_prune). The history tables have no index: a full pass writes
     *    a mark and a list row per person, and indexing each kept row cost up to a fifth
     *    of its time; the rewind and the prune scan them once.
     *    A shadow is a draft pack judged beside the live one on every screening and
     *    ingest: its files, and per person the latest of what the live pack and the
     *    shadow decided (colour, score, the rules that counted as a JSON array of {"id"}
     *    objects, the feedback kinds raised as a bit set); it never alerts and never
     *    touches the live tables. */
    "ALTER TABLE runs ADD COLUMN persons_pk_max INTEGER;"
    "ALTER TABLE relations ADD COLUMN since_run INTEGER;"
    "CREATE TABLE relations_past(a TEXT NOT NULL, b TEXT NOT NULL, kind TEXT NOT NULL,"
    "  pending_for TEXT, after_run INTEGER NOT NULL);"
    "CREATE TRIGGER relations_keep_update BEFORE UPDATE ON relations"
    "  WHEN old.pending_for IS NOT new.pending_for"
    "  BEGIN INSERT INTO relations_past VALUES(old.a, old.b, old.kind, old.pending_for,"
    "    (SELECT coalesce(max(id), 0) FROM runs)); END;"
    "CREATE TABLE persons_past(pk INTEGER NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL,"
    "  grid TEXT NOT NULL, born TEXT, notes TEXT NOT NULL, extra BLOB, events BLOB,"
    "  n_events INTEGER NOT NULL, digest INTEGER NOT NULL, created TEXT NOT NULL,"
    "  updated TEXT NOT NULL, after_run INTEGER NOT NULL);"
    "CREATE TRIGGER persons_keep_update BEFORE UPDATE ON persons"
    "  WHEN old.digest IS NOT new.digest OR old.grid IS NOT new.grid OR old.id IS NOT new.id"
    "  BEGIN INSERT INTO persons_past VALUES(old.pk, old.id, old.name, old.grid, old.born,"
    "    old.notes, old.extra, old.events, old.n_events, old.digest, old.created, old.updated,"
    "    (SELECT coalesce(max(id), 0) FROM runs)); END;"
    "CREATE TRIGGER persons_keep_delete BEFORE DELETE ON persons"
    "  BEGIN INSERT INTO persons_past VALUES(old.pk, old.id, old.name, old.grid, old.born,"
    "    old.notes, old.extra, old.events, old.n_events, old.digest, old.created, old.updated,"
    "    (SELECT coalesce(max(id), 0) FROM runs)); END;"
    "CREATE TABLE lists_past(person TEXT NOT NULL, present INTEGER NOT NULL, colour TEXT,"
    "  score INTEGER, since TEXT, run INTEGER, reasons TEXT, engine_colour TEXT,"
    "  override_colour TEXT, override_until TEXT, override_by TEXT, next_review TEXT,"
    "  regional_colour TEXT, regional_score INTEGER, regional_reasons TEXT,"
    "  after_run INTEGER NOT NULL);"
    /* INSERT OR REPLACE fires the insert trigger, never the delete one (SQLite without
     * recursive_triggers), so the insert trigger keeps the row being replaced */
    "CREATE TRIGGER lists_keep_insert BEFORE INSERT ON list_members"
    "  BEGIN INSERT INTO lists_past SELECT new.person, l.person IS NOT NULL, l.colour, l.score,"
    "    l.since, l.run, l.reasons, l.engine_colour, l.override_colour, l.override_until,"
    "    l.override_by, l.next_review, l.regional_colour, l.regional_score,"
    "    l.regional_reasons, (SELECT coalesce(max(id), 0) FROM runs)"
    "    FROM (SELECT 1) LEFT JOIN list_members l ON l.person = new.person; END;"
    "CREATE TRIGGER lists_keep_update BEFORE UPDATE ON list_members"
    "  BEGIN INSERT INTO lists_past VALUES(old.person, 1, old.colour, old.score, old.since,"
    "    old.run, old.reasons, old.engine_colour, old.override_colour, old.override_until,"
    "    old.override_by, old.next_review, old.regional_colour, old.regional_score,"
    "    old.regional_reasons, (SELECT coalesce(max(id), 0) FROM runs)); END;"
    "CREATE TRIGGER lists_keep_delete BEFORE DELETE ON list_members"
    "  BEGIN INSERT INTO lists_past VALUES(old.person, 1, old.colour, old.score, old.since,"
    "    old.run, old.reasons, old.engine_colour, old.override_colour, old.override_until,"
    "    old.override_by, old.next_review, old.regional_colour, old.regional_score,"
    "    old.regional_reasons, (SELECT coalesce(max(id), 0) FROM runs)); END;"
    "CREATE TABLE marks_past(person TEXT NOT NULL, present INTEGER NOT NULL, suspect INTEGER,"
    "  run INTEGER, after_run INTEGER NOT NULL);"
    "CREATE TRIGGER marks_keep_insert BEFORE INSERT ON marks"
    "  BEGIN INSERT INTO marks_past SELECT new.person, m.person IS NOT NULL, m.suspect, m.run,"
    "    (SELECT coalesce(max(id), 0) FROM runs)"
    "    FROM (SELECT 1) LEFT JOIN marks m ON m.person = new.person; END;"
    "CREATE TRIGGER marks_keep_update BEFORE UPDATE ON marks"
    "  BEGIN INSERT INTO marks_past VALUES(old.person, 1, old.suspect, old.run,"
    "    (SELECT coalesce(max(id), 0) FROM runs)); END;"
    "CREATE TRIGGER marks_keep_delete BEFORE DELETE ON marks"
    "  BEGIN INSERT INTO marks_past VALUES(old.person, 1, old.suspect, old.run,"
    "    (SELECT coalesce(max(id), 0) FROM runs)); END;"
    "CREATE TABLE shadows(name TEXT PRIMARY KEY, hash TEXT NOT NULL, by TEXT NOT NULL,"
    "  note TEXT NOT NULL DEFAULT '', added TEXT NOT NULL, added_run INTEGER NOT NULL)"
    "  WITHOUT ROWID;"
    "CREATE TABLE shadow_files(name TEXT NOT NULL REFERENCES shadows(name) ON DELETE CASCADE,"
    "  file TEXT NOT NULL, content BLOB NOT NULL, PRIMARY KEY(name, file)) WITHOUT ROWID;"
    "CREATE TABLE shadow_judged(name TEXT NOT NULL, run INTEGER NOT NULL, person TEXT NOT NULL,"
    "  grid TEXT NOT NULL, live_colour INTEGER NOT NULL, live_score INTEGER NOT NULL,"
    "  live_rules TEXT NOT NULL, live_alerts INTEGER NOT NULL, colour INTEGER NOT NULL,"
    "  score INTEGER NOT NULL, rules TEXT NOT NULL, alerts INTEGER NOT NULL,"
    "  PRIMARY KEY(name, person)) WITHOUT ROWID;",
    /* 9: the history of list_members and marks is kept by the store's own writes
     *    (ts__store_keep_list / ts__store_keep_mark, called before every write of those
     *    tables: the same rows, present = 0 when no row existed, after_run the newest run
     *    id), not by triggers: a trigger's sub-program cost ~33,000 instructions a row, most
     *    of a mark's write and two thirds of a list row's; the same statement run by the
     *    store costs a fraction of that (tests/bench/RESULTS.md, issue 17). IF EXISTS: a
     *    database whose owner dropped one by hand still opens. */
    "DROP TRIGGER IF EXISTS lists_keep_insert;"
    "DROP TRIGGER IF EXISTS lists_keep_update;"
    "DROP TRIGGER IF EXISTS lists_keep_delete;"
    "DROP TRIGGER IF EXISTS marks_keep_insert;"
    "DROP TRIGGER IF EXISTS marks_keep_update;"
    "DROP TRIGGER IF EXISTS marks_keep_delete;"
    /*    and alerts_open (by dedup, open alerts only) goes: its one reader, an officer's
     *    reopen checking for another open alert of the person and kind, reads
     *    alerts_person instead, and each alert written paid ~5,800 instructions for it */
    "DROP INDEX IF EXISTS alerts_open;",
};

_Static_assert(sizeof migrations / sizeof migrations[0] == TS_STORE_SCHEMA_VERSION,
               "one migration per schema version");

const char *ts__store_migration(int version)
{
    if (version < 1 || version > TS_STORE_SCHEMA_VERSION)
        return NULL;
    return migrations[version - 1];
}

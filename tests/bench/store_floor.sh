#!/usr/bin/env bash
# The store's floor under the three passes: SQLite alone writing, in bulk INSERT ... SELECT
# statements inside one transaction each (no reads, no C, no per-row statements), the rows
# the full and regional passes write for the peers workload — a ledger row per person, a
# mark, an early alert (2 causes) per suspect, a list row, a transition and a detailed
# alert (3 causes) per listed person — into a copy of an imported database with
# triscreen's real schema (its indexes), with the history a rewind reads — the marks and
# list rows each write replaces, kept by the store's own writes since schema 9 — written
# in bulk too (the copy's triggers on marks and list_members, of a database before schema
# 9, are dropped first so that it is written once). The shapes and counts are the peers
# pack's (85.4% suspects, 79.8% listed). Usage: store_floor.sh DB (not changed).
set -euo pipefail
db=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp "$db" "$tmp/floor.db"
sqlite3 "$tmp/floor.db" "DROP TRIGGER IF EXISTS marks_keep_insert;
  DROP TRIGGER IF EXISTS lists_keep_insert" >/dev/null
V="'sha256:a24b7ea754d2473eb386bf59c3206dea9e6d30ea02684b87b0e4fd3c82e7c3e3'"
R1="'[{\"id\":\"f.S2\",\"evidence\":\"\"}]'"
HL="'{\"colour\":\"blue\",\"score\":20,\"top_reasons\":[{\"id\":\"r.S2\",\"evidence\":\"\"}],\"circle\":{\"size\":0,\"red\":0,\"yellow\":0,\"blue\":0,\"listed\":[],\"members\":[]},\"next_review\":\"2027-02-18\"}'"
timed() { # timed LABEL SQL: seconds of one transaction
    local s e
    s=$(date +%s.%N)
    sqlite3 "$tmp/floor.db" -cmd "PRAGMA synchronous = NORMAL" -cmd "PRAGMA cache_size = -65536" \
        "BEGIN IMMEDIATE; $2; COMMIT;" >/dev/null
    e=$(date +%s.%N)
    echo "$1 $(echo "$e - $s" | bc)"
}
full=$(timed full "INSERT INTO runs(id, pass, scope, now, rules_hash, config_hash, started)
  VALUES (900001, 'full', 'all', '2026-11-20', 'x', 'x', '2026-11-20T00:00:00Z');
INSERT INTO ledger(run, seq, person, grid, suspect, gaps, rules)
  SELECT 900001, pk, id, grid, pk % 1000 < 854, '[\"f.G2\",\"f.G3\"]',
  '[{\"id\":\"f.S2\",\"evidence\":\"\"},{\"id\":\"f.G2\",\"evidence\":\"\"},{\"id\":\"f.G3\",\"evidence\":\"\"}]'
  FROM persons ORDER BY pk;
INSERT INTO marks_past SELECT p.id, m.person IS NOT NULL, m.suspect, m.run, 900001
  FROM persons p LEFT JOIN marks m ON m.person = p.id WHERE p.pk % 1000 < 854 ORDER BY p.pk;
INSERT OR REPLACE INTO marks(person, suspect, run) SELECT id, 1, 900001 FROM persons
  WHERE pk % 1000 < 854 ORDER BY pk;
INSERT INTO alerts(kind, person, grid, rules, route, created, run, rules_version, status, dedup,
  target_level, due, seq) SELECT 'early', id, grid, $R1, '[\"o-' || lower(grid) || '\"]',
  '2026-11-20T08:00:00Z', 900001, $V, 'new', 'early|' || id, 3, '2026-11-23T08:00:00Z', pk
  FROM persons WHERE pk % 1000 < 854 ORDER BY pk;
INSERT INTO alert_causes(alert, cause) SELECT cursor, 'rule:f.S2' FROM alerts WHERE run = 900001;
INSERT INTO alert_causes(alert, cause) SELECT cursor, 'suspect@2026-11-20' FROM alerts
  WHERE run = 900001")
regional=$(timed regional "INSERT INTO runs(id, pass, scope, now, rules_hash, config_hash, started)
  VALUES (900002, 'regional', 'all', '2026-11-20', 'x', 'x', '2026-11-20T00:00:00Z');
INSERT INTO lists_past SELECT p.id, l.person IS NOT NULL, l.colour, l.score, l.since, l.run,
  l.reasons, l.engine_colour, l.override_colour, l.override_until, l.override_by,
  l.next_review, l.regional_colour, l.regional_score, l.regional_reasons, 900002
  FROM persons p LEFT JOIN list_members l ON l.person = p.id WHERE p.pk % 1000 < 798
  ORDER BY p.id;
INSERT OR REPLACE INTO list_members(person, colour, score, since, run, reasons, engine_colour,
  next_review, regional_colour, regional_score, regional_reasons)
  SELECT id, 'blue', 20, '2026-11-20', 900002, $R1, 'blue', '2027-02-18', 'blue', 20, $R1
  FROM persons WHERE pk % 1000 < 798 ORDER BY id;
INSERT INTO list_transitions(person, run, from_colour, to_colour, score, reasons, at, actor)
  SELECT id, 900002, NULL, 'blue', 20, $R1, '2026-11-20', 'engine' FROM persons
  WHERE pk % 1000 < 798 ORDER BY pk;
INSERT INTO alerts(kind, person, grid, colour, rules, route, headline, created, run,
  rules_version, status, dedup, target_level, due, seq) SELECT 'detailed', id, grid, 'blue',
  '[{\"id\":\"r.S2\",\"evidence\":\"\"},{\"id\":\"r.V1\",\"evidence\":\"\"}]',
  '[\"o-' || lower(grid) || '\"]', $HL, '2026-11-20T08:00:00Z', 900002, $V, 'new',
  'detailed|' || id, 3, '2026-11-21T08:00:00Z', 2000000 + pk
  FROM persons WHERE pk % 1000 < 798 ORDER BY pk;
INSERT INTO alert_causes(alert, cause) SELECT cursor, 'rule:r.S2' FROM alerts WHERE run = 900002;
INSERT INTO alert_causes(alert, cause) SELECT cursor, 'rule:r.V1' FROM alerts WHERE run = 900002;
INSERT INTO alert_causes(alert, cause) SELECT cursor, 'colour:blue@2026-11-20' FROM alerts
  WHERE run = 900002")
echo "store floor (SQLite alone, bulk statements): $full s, $regional s"

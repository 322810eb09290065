/* triscreen/rules_version.h — stored rule pack versions (issue 16 item 4, schema 7
 * tables rules_versions and rules_version_files): `rules deploy` stores a pack under its
 * hash with its files, who and why; `rules rollback` makes an earlier one active; every
 * command and `serve` load the active version (app.c), the config's `rules:` folder only
 * when none is stored. Deploy and rollback are audited ("rules.deploy",
 * "rules.rollback", target the hash). */
#ifndef TRISCREEN_RULES_VERSION_H
#define TRISCREEN_RULES_VERSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triscreen/arena.h"
#include "triscreen/rulefile.h"
#include "triscreen/status.h"
#include "triscreen/store.h"

#define TS_RULES_HASH_MAX 80 /* "sha256:" + 64 hex digits + NUL, with room */

/* One stored version. */
typedef struct ts_rules_version_row {
    const char *hash;        /* "sha256:..." */
    int64_t seq;             /* 1 for the first deploy, then +1 */
    const char *by, *note;   /* who deployed it and why */
    const char *deployed_at; /* UTC "YYYY-MM-DDTHH:MM:SSZ" */
    bool active;
    size_t n_files;
    int64_t bytes; /* of all its files */
} ts_rules_version_row;

/* Stores the pack (files, named hash) as a new version and makes it the active one, in
 * one transaction, audited (actor by, detail the note). TS_STATE when that hash is
 * already stored (nothing changed: `rules rollback HASH` makes it active). */
ts_status ts_store_rules_deploy(ts_store *s, const char *hash, const ts_rule_file *files, size_t n,
                                const char *by, const char *note, ts_err *err) TS_MUST_CHECK;

/* Makes the version whose hash starts with prefix ("sha256:" optional, at least 6 hex
 * digits) the active one, audited (detail "from=OLD NOTE"); its full hash → out.
 * TS_NOTFOUND no such version, TS_USAGE not a hash (or too short), TS_STATE a prefix of
 * several or the version is already active; nothing changed on any error. */
ts_status ts_store_rules_rollback(ts_store *s, const char *prefix, const char *by, const char *note,
                                  char out[TS_RULES_HASH_MAX], ts_err *err) TS_MUST_CHECK;

/* Calls fn for each stored version, oldest deploy first (strings valid during the call). */
ts_status ts_store_rules_versions(ts_store *s,
                                  ts_status (*fn)(void *ud, const ts_rules_version_row *r),
                                  void *ud, ts_err *err) TS_MUST_CHECK;

/* The version stored under hash → *out (strings from arena); *found false when none. */
ts_status ts_store_rules_version_get(ts_store *s, const char *hash, ts_arena *arena,
                                     ts_rules_version_row *out, bool *found,
                                     ts_err *err) TS_MUST_CHECK;

/* The rules hash run `run` ran with → out ("" when there is no such run). */
ts_status ts_store_run_rules_hash(ts_store *s, int64_t run, char out[TS_RULES_HASH_MAX],
                                  ts_err *err) TS_MUST_CHECK;

/* The active version's hash → out ("" when no version is active): what serve's ticker
 * polls to pick a deploy or rollback up. */
ts_status ts_store_rules_active(ts_store *s, char out[TS_RULES_HASH_MAX],
                                ts_err *err) TS_MUST_CHECK;

/* Reads the active version's files from the database file db_path (opened read-only,
 * never created or migrated) into arena: its hash → hash, the files in name order.
 * TS_NOTFOUND when there is no such file, no versions table (a database before
 * schema 7) or no active version — the caller then loads the config's folder. */
ts_status ts_store_rules_active_files(const char *db_path, ts_arena *arena,
                                      char hash[TS_RULES_HASH_MAX], ts_rule_file **files, size_t *n,
                                      ts_err *err) TS_MUST_CHECK;

/* The files of the version stored under hash, in name order, into arena (a pack a
 * run ran with, for `diff`). TS_NOTFOUND when no such version is stored. */
ts_status ts_store_rules_version_files(ts_store *s, const char *hash, ts_arena *arena,
                                       ts_rule_file **files, size_t *n, ts_err *err) TS_MUST_CHECK;

#endif

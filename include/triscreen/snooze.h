/* triscreen/snooze.h — snoozes (issue 16 item 8, schema 6 table `snoozes`): an officer
 * stops one rule from voting, scoring and alerting for one person until a date. The
 * rule still runs and its firing is recorded in the ledger, marked with the snooze's id
 * ("snoozed": ID in the fired rule's object, triscreen/fired.h). Keyed by rule id, not
 * by pack version, so a snooze outlives a pack change. */
#ifndef TRISCREEN_SNOOZE_H
#define TRISCREEN_SNOOZE_H

#include <stddef.h>
#include <stdint.h>

#include "triscreen/arena.h"
#include "triscreen/status.h"
#include "triscreen/store.h"

/* The longest snooze: until at most this many days after now. */
#define TS_SNOOZE_MAX_DAYS 180

/* One snooze. Dates are "YYYY-MM-DD"; created is a UTC timestamp. */
typedef struct ts_snooze_row {
    int64_t id;
    const char *person, *grid, *rule;
    const char *until; /* inclusive: the rule is silent through this day */
    const char *by, *note;
    const char *created;  /* "YYYY-MM-DDTHH:MM:SSZ" */
    const char *now;      /* the day (--now) it was taken on */
    const char *ended;    /* NULL while not ended */
    const char *ended_by; /* NULL while not ended */
} ts_snooze_row;

/* The check every new snooze passes (pure): until is a date, not before now and at most
 * TS_SNOOZE_MAX_DAYS after it. TS_USAGE naming "--until" otherwise. */
ts_status ts_snooze_check_until(int32_t now, const char *until, ts_err *err) TS_MUST_CHECK;

/* Stores a snooze of in->rule for in->person (in->until, by, note, now; id, grid,
 * created and ended are ignored) after ts_snooze_check_until and checking that the
 * person is stored (TS_NOTFOUND naming "PERSON" otherwise); the caller checked the
 * officer and the rule. Audited ("snooze.add", actor by, target the person, detail
 * "S-N rule=R until=D"). In its own transaction: nothing is written on failure. *id
 * receives the new id. */
ts_status ts_store_snooze_add(ts_store *s, const ts_snooze_row *in, int64_t *id,
                              ts_err *err) TS_MUST_CHECK;

/* Calls fn for each snooze active on day now ("YYYY-MM-DD": not ended, until >= now),
 * ordered by id; strings are valid for the call only. A status other than TS_OK from fn
 * stops the walk and is returned. */
typedef ts_status (*ts_snooze_fn)(void *ud, const ts_snooze_row *r);
ts_status ts_store_snooze_list(ts_store *s, const char *now, ts_snooze_fn fn, void *ud,
                               ts_err *err) TS_MUST_CHECK;
/* Like ts_store_snooze_list for one person's active snoozes. */
ts_status ts_store_snooze_list_person(ts_store *s, const char *person, const char *now,
                                      ts_snooze_fn fn, void *ud, ts_err *err) TS_MUST_CHECK;

/* Calls fn once with snooze id (ended or not): TS_NOTFOUND (err naming "ID") when there
 * is none. */
ts_status ts_store_snooze_get(ts_store *s, int64_t id, ts_snooze_fn fn, void *ud,
                              ts_err *err) TS_MUST_CHECK;

/* Ends snooze id: TS_NOTFOUND when unknown, TS_STATE when already ended. Audited
 * ("snooze.end", by, detail "S-N" [+ " " note]). In its own transaction. */
ts_status ts_store_snooze_end(ts_store *s, int64_t id, const char *by, const char *note,
                              const char *now, ts_err *err) TS_MUST_CHECK;

/* The (person, rule) pairs active on day now, sorted by person then rule, for a pass's
 * lookups (ts_snooze_find). Strings from arena; *out NULL and *n 0 when none. */
typedef struct ts_snooze_key {
    const char *person, *rule;
    int64_t id;
} ts_snooze_key;
ts_status ts_store_snoozes_active(ts_store *s, const char *now, ts_arena *arena,
                                  ts_snooze_key **out, size_t *n, ts_err *err) TS_MUST_CHECK;
/* The id of the active snooze of rule for person in keys (sorted as above), 0 = none.
 * Pure, thread-safe. */
int64_t ts_snooze_find(const ts_snooze_key *keys, size_t n, const char *person, const char *rule);

#endif

/* triscreen/fired.h — fired rules as data: what a pass found about a person, as it
 * travels from the passes to the store (ledger rules, list reasons) and to feedback
 * (the rules behind an alert). The stored form is a JSON array
 * [{"id","evidence"[,"parts":[TEXT | {"member","relation","grid","text"}, …]][,"snoozed":N]}]
 * written only by ts_fired_rules_write (through ts_jsonw) and read only by
 * ts_fired_rules_read (json-c, every call checked); the format is the one databases
 * have always held, so old databases read the same.
 *
 * Evidence parts (issue 12 A1): when the evidence names a member of the person's
 * circle, parts split it into plain text and the members it names, and the texts join
 * to the evidence again; readers render a member outside their scope from the part. */
#ifndef TRISCREEN_FIRED_H
#define TRISCREEN_FIRED_H

#include <stddef.h>
#include <stdint.h>

#include "triscreen/arena.h"
#include "triscreen/jsonw.h"
#include "triscreen/status.h"

typedef struct ts_evidence_part {
    const char *text; /* a slice of the evidence (not NUL-terminated when written) */
    size_t len;
    /* the circle member the slice names; member NULL: plain text */
    const char *member, *relation, *grid;
} ts_evidence_part;

typedef struct ts_fired_rule {
    const char *id;
    const char *title;    /* NULL when not known (not stored) */
    int score;            /* the rule's score, 0 when absent or not known (not stored) */
    const char *evidence; /* "" when none */
    const ts_evidence_part *parts;
    size_t n_parts; /* 0: the evidence names nobody of the circle */
    /* the snooze (triscreen/snooze.h) that kept the rule from voting, scoring and
     * alerting for the person: stored as "snoozed": ID, absent (0) when none */
    int64_t snoozed;
} ts_fired_rule;

/* Writes rules as the stored JSON array. Errors are the writer's (sticky). */
void ts_fired_rules_write(ts_jsonw *w, const ts_fired_rule *rules, size_t n);
/* The stored JSON array as text, copied into arena; NULL when out of memory. */
const char *ts_fired_rules_text(const ts_fired_rule *rules, size_t n, ts_arena *arena);

/* Reads stored text (NULL reads as []) into rules allocated from arena (strings too).
 * Entries that are not objects, or have no string id, are skipped; a missing or
 * non-string evidence reads as "". TS_PARSE when the text is not a JSON array,
 * TS_NOMEM. */
ts_status ts_fired_rules_read(const char *json, ts_arena *arena, ts_fired_rule **rules, size_t *n,
                              ts_err *err) TS_MUST_CHECK;

#endif

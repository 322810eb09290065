/* lists/redact.h — rendering stored evidence, headlines and circles for one reader
 * (issue 12 A1). Stored reasons may carry "parts" (passes/screen.c evidence_parts) and
 * a detailed headline's circle its "members" (feedback/raise.c); these are data for the
 * renderers here and never appear in what a reader gets. Used by lists (dossier) and
 * feedback (alert JSON). Uses json-c. Pure functions, thread-safe. */
#ifndef TS_LISTS_REDACT_H
#define TS_LISTS_REDACT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "triscreen/arena.h"
#include "triscreen/lists.h"
#include "triscreen/store.h"

/* How a member outside the reader's scopes shows in evidence (TS_REVEAL_COUNT) */
#define TS_REDACT_OUTSIDE "a relative outside your scope"
/* The evidence of a reason that names such a member, for TS_REVEAL_NONE */
#define TS_REDACT_WITHHELD "(withheld)"
/* Coloured circle members a headline lists at most */
#define TS_HEADLINE_CIRCLE 10

/* A new reasons array for reader r (NULL = unscoped): every object's "evidence" as r
 * may read it, without "parts"; other values shared. `reasons` is borrowed; a non-array
 * gives an empty array. NULL only when out of memory. */
json_object *ts__redact_reasons(json_object *reasons, const ts_reader *r);
/* The same from stored JSON text (NULL or unreadable text → []). */
json_object *ts__redact_reasons_text(const char *json, const ts_reader *r);
/* The rules of an alert with stored headline text `headline` for r: as
 * ts__redact_reasons_text, except that a scoped reader gets every evidence withheld when
 * the headline was stored before evidence carried its members (a detailed alert from
 * before the upgrade: its text may name anyone). */
json_object *ts__redact_alert_rules(const char *rules, const char *headline, const ts_reader *r);
/* A new headline object for r: top_reasons redacted, the circle counted and listed over
 * the members r may see, plus "outside_scope":{"relatives","highest"} for those it may
 * not (TS_REVEAL_COUNT, when there are any); no "members". A headline stored before
 * members were kept shows no circle to a scoped reader. NULL text → NULL. */
json_object *ts__redact_headline_text(const char *json, const ts_reader *r);

/* ---- typed ------------------------------------------------------------------------------- */

/* One piece of stored evidence: plain text, or the text naming a circle member with the
 * member's group cell. */
typedef struct ts__evidence_part {
    const char *text;
    const char *grid; /* member parts: the member's cell ("" unknown); NULL for plain text */
} ts__evidence_part;

/* A stored reason as parsed: the evidence as stored and its parts. */
typedef struct ts__stored_reason {
    const char *id, *evidence; /* NULL when absent */
    bool bare;                 /* a bare id string */
    int64_t snoozed;           /* "snoozed": the snooze's id, 0 when absent */
    const ts__evidence_part *parts;
    size_t n_parts;
    bool has_parts; /* a "parts" array was stored (possibly empty) */
} ts__stored_reason;

/* Parses a stored reasons array text ([{"id","evidence"[,"parts"]}] or ["id"]; NULL or
 * unreadable text gives none) into arena. TS_NOMEM. */
ts_status ts__reasons_parse(const char *json, ts_arena *a, ts__stored_reason **out,
                            size_t *n) TS_MUST_CHECK;
/* The evidence of sr as reader r reads it (NULL r: as stored), in arena; *out NULL when
 * sr has none. TS_NOMEM. */
ts_status ts__redact_evidence(const ts__stored_reason *sr, const ts_reader *r, ts_arena *a,
                              const char **out) TS_MUST_CHECK;
/* Stored reasons text → typed reasons for r (NULL = unscoped), in arena. withhold: every
 * evidence present becomes TS_REDACT_WITHHELD (see ts__redact_alert_rules). TS_NOMEM. */
ts_status ts__redact_reasons_typed(const char *json, const ts_reader *r, bool withhold, ts_arena *a,
                                   const ts_reason **out, size_t *n) TS_MUST_CHECK;
/* The alert rules of ts__redact_alert_rules, typed. */
ts_status ts__redact_alert_rules_typed(const char *rules, const char *headline, const ts_reader *r,
                                       ts_arena *a, const ts_reason **out, size_t *n) TS_MUST_CHECK;
/* The ids of a stored array: ["id"] or [{"id",...}] → ids, in arena. TS_NOMEM. */
ts_status ts__reason_ids(const char *json, ts_arena *a, const char *const **out,
                         size_t *n) TS_MUST_CHECK;
/* The headline of ts__redact_headline_text as JSON text in arena (*out NULL for NULL
 * json). TS_NOMEM. */
ts_status ts__redact_headline_json(const char *json, const ts_reader *r, ts_arena *a,
                                   const char **out) TS_MUST_CHECK;

#endif

/* lists/redact.h — rendering stored evidence, headlines and circles for one reader
 * (issue 12 A1). Stored reasons may carry "parts" (passes/screen.c evidence_parts) and
 * a detailed headline's circle its "members" (feedback/raise.c); these are data for the
 * renderers here and never appear in what a reader gets. Used by lists (dossier) and
 * feedback (alert JSON). Uses json-c. Pure functions, thread-safe. */
#ifndef TS_LISTS_REDACT_H
#define TS_LISTS_REDACT_H

#include <json-c/json.h>

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

#endif

/* render/render_lists.h — the renderers of the lists, ledger, due rows and the dossier
 * (front-end floor: used only by engine/cli and engine/http; never touches the store).
 * They take the typed rows of triscreen/lists.h and write into a capped ts_buf, never a
 * FILE *: aligned tables, JSON Lines, RFC 4180 CSV and the dossier's text; all JSON is
 * written through ts_jsonw (triscreen/jsonw.h).
 *
 * Errors: TS_LIMIT when out's cap is reached (out then holds what was complete before),
 * TS_NOMEM, TS_USAGE for a format a renderer does not write. Not thread-safe: one
 * renderer per thread; distinct renderers are independent. */
#ifndef TS_RENDER_LISTS_H
#define TS_RENDER_LISTS_H

#include <stdbool.h>
#include <stddef.h>

#include "triscreen/buf.h"
#include "triscreen/jsonw.h"
#include "triscreen/lists.h"
#include "triscreen/status.h"

/* ---- rows: lists, ledger, due ----------------------------------------------------------- */

typedef enum { TS__ROWS_LISTS = 0, TS__ROWS_LEDGER, TS__ROWS_DUE } ts__rows_kind;

/* Table output: columns are as wide as their widest cell (in code points) among the
 * header and the first TS_LIMIT_TABLE_ROWS rows, two spaces apart; later rows are
 * written as they come with those widths (a wider cell pushes the rest of its row
 * right, two spaces on), so memory stays bounded. CSV: a header, then one record per
 * row, CRLF, fields quoted when they hold , " CR or LF (quotes doubled), lists of ids
 * joined with ";". JSONL: one object per line (see triscreen/lists.h for the shapes). */
typedef struct ts__rows_render ts__rows_render;

/* A renderer of `kind` rows in fmt (TABLE, JSONL or CSV, else TS_USAGE) appending to out
 * (borrowed; must outlive the renderer). The CSV header is written at once. Rule titles
 * come from pack (borrowed; NULL or a rule the pack no longer has: the id alone): table
 * "id (title)", CSV a rule_titles column after rules, JSONL "rule_titles" (null). */
ts_status ts__render_rows_new(ts__rows_kind kind, ts_out_format fmt, const ts_rulepack *pack,
                              ts_buf *out, ts__rows_render **r, ts_err *err) TS_MUST_CHECK;
/* One row of the renderer's kind (a mismatched kind is TS_STATE). */
ts_status ts__render_list_entry(ts__rows_render *r, const ts_list_entry *e,
                                ts_err *err) TS_MUST_CHECK;
ts_status ts__render_ledger_entry(ts__rows_render *r, const ts_ledger_entry *e,
                                  ts_err *err) TS_MUST_CHECK;
ts_status ts__render_due_entry(ts__rows_render *r, const ts_due_entry *e,
                               ts_err *err) TS_MUST_CHECK;
/* Writes what a table still holds (the header and sampled rows). */
ts_status ts__render_rows_finish(ts__rows_render *r, ts_err *err) TS_MUST_CHECK;
void ts__render_rows_free(ts__rows_render *r);

/* One list member as the JSON object of `lists --format jsonl` and GET /v1/lists:
 * {"person","colour","grid","score","since","rules":[ids],"rule_titles":[title|null]}
 * (titles from pack, in the order of the ids; null for an id the pack lacks). */
void ts__render_list_entry_json(ts_jsonw *w, const ts_rulepack *pack, const ts_list_entry *e);

/* ---- the dossier ------------------------------------------------------------------------- */

/* The dossier as one JSON object and a newline: {"person","grid":{"group","village",
 * "town"[,"officers"]},"record","events","suspect","suspect_run","list","ledger",
 * "list_history","circle"[,"circle_outside_scope"][,"circle_truncated"],"reviews",
 * "alerts"}. */
ts_status ts__render_dossier_json(const ts_dossier *d, const ts_rulepack *pack, ts_buf *out,
                                  ts_err *err) TS_MUST_CHECK;
/* The dossier as text: a head with the record and list state, then one section per part
 * (events, ledger, list history, circle, reviews, alerts), each "name (count)". A rule
 * reads "id [title] (evidence)" (the title from pack when it has the rule). Stored
 * text is written with control characters escaped (\n, \xNN) so it cannot drive the
 * terminal. */
ts_status ts__render_dossier_text(const ts_dossier *d, const ts_rulepack *pack, ts_buf *out,
                                  ts_err *err) TS_MUST_CHECK;

/* Shared by the dossier renderers: a number attribute as the record's JSON writes it
 * (an integral value as an integer, else json-c's "%.17g" form), into buf; returns buf. */
const char *ts__render_number(double d, char buf[static 40]);
/* A reasons array: [{"id","title","evidence"}] (id and evidence present only when the
 * reason has them; title from pack beside an id, null when the pack lacks the rule; a
 * bare reason as its id string). */
void ts__render_reasons_json(ts_jsonw *w, const ts_rulepack *pack, const ts_reason *v, size_t n);

#endif

/* render/render_import.h — the rejects file of `triscreen import` (front-end floor: used
 * only by engine/cli). One JSON line per rejected row, {"file","line","field","reason",
 * "raw"}, written through ts_jsonw: invalid UTF-8 in the raw input is kept visible as
 * \ufffd rather than making the line unwritable. */
#ifndef TS_RENDER_IMPORT_H
#define TS_RENDER_IMPORT_H

#include "triscreen/buf.h"
#include "triscreen/ingest.h"
#include "triscreen/status.h"

/* Appends the reject's line (with its newline) to out; TS_LIMIT past out's cap (out then
 * unchanged), TS_NOMEM. */
ts_status ts__render_reject(ts_buf *out, const ts_import_reject *r) TS_MUST_CHECK;

#endif

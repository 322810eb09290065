/* render/term.h — text for a terminal (render-internal): control characters escaped
 * ("\n" for a line break, "\xNN" for the others) so stored text cannot drive the
 * terminal. Used by the text renderers (dossier_text.c, impact.c). */
#ifndef TS_RENDER_TERM_H
#define TS_RENDER_TERM_H

#include "triscreen/buf.h"
#include "triscreen/status.h"

/* Appends s (NULL: nothing) to b escaped; the buffer's status (TS_LIMIT at its cap). */
ts_status ts__render_term_text(ts_buf *b, const char *s) TS_MUST_CHECK;

#endif

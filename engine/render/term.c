/* render/term.c — text for a terminal (render/term.h). */
#include "render/term.h"

ts_status ts__render_term_text(ts_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    ts_status st = TS_OK;
    while (*p && st == TS_OK) {
        const unsigned char *q = p;
        while (*q && *q >= 0x20 && *q != 0x7f)
            q++;
        if (q > p)
            st = ts_buf_append(b, p, (size_t)(q - p));
        if (!*q || st != TS_OK)
            break;
        st = *q == '\n' ? ts_buf_puts(b, "\\n") : ts_buf_printf(b, "\\x%02x", *q);
        p = q + 1;
    }
    return st;
}

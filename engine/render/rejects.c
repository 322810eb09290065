/* render/rejects.c — one line of the import's rejects file (render_import.h). */
#include "render/render_import.h"

#include "triscreen/jsonw.h"

ts_status ts__render_reject(ts_buf *out, const ts_import_reject *r)
{
    size_t start = out->len;
    ts_jsonw w;
    ts_jsonw_init(&w, out);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "file", r->file);
    ts_jsonw_kint(&w, "line", (int64_t)r->line);
    ts_jsonw_kstr(&w, "field", r->field);
    ts_jsonw_kstr(&w, "reason", r->reason);
    ts_jsonw_key(&w, "raw");
    ts_jsonw_strn(&w, r->raw, r->raw_len);
    ts_jsonw_obj_end(&w);
    ts_status st = ts_jsonw_finish(&w);
    if (st == TS_OK)
        st = ts_buf_putc(out, '\n');
    if (st != TS_OK) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    return st;
}

/* render/report_html.c — the report as ONE self-contained HTML page (render_report.h):
 * report.css, Chart.js and report.js (render/assets.h) inlined, the report's JSON
 * (report_json.c) as a data block, and a Content-Security-Policy naming the SHA-256 of
 * each inline block, so nothing else can run in the page. report.js draws the page
 * (TSReport.render, the same code as the console's #/report). Uses base/text.h. */
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "render/assets.h"
#include "render/render_report.h"

/* The page being written: the first failure sticks and every later write is skipped. */
typedef struct page {
    ts_buf *b;
    ts_status st;
} page;

static void put(page *p, const char *s)
{
    if (p->st == TS_OK)
        p->st = ts_buf_puts(p->b, s);
}

static void putn(page *p, const void *s, size_t n)
{
    if (p->st == TS_OK)
        p->st = ts_buf_append(p->b, s, n);
}

/* Text escaped for HTML element content: only the county name of the title is written
 * this way, everything else the page shows is drawn by report.js with textContent. */
static void html_text(page *p, const char *text)
{
    for (const char *s = text ? text : ""; *s; s++) {
        switch (*s) {
        case '&':
            put(p, "&amp;");
            break;
        case '<':
            put(p, "&lt;");
            break;
        case '>':
            put(p, "&gt;");
            break;
        default:
            putn(p, s, 1);
        }
    }
}

/* "'sha256-BASE64'" of data into out (at least 56 bytes): the CSP source of an inline
 * block, hashed over exactly the bytes between its tags. */
static void csp_hash(const void *data, size_t len, char *out)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char hex[65];
    unsigned char d[33] = {0};
    ts_sha256_hex_of(data, len, hex);
    for (size_t i = 0; i < 32; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        d[i] = (unsigned char)v;
    }
    char *o = out + sprintf(out, "'sha256-");
    for (size_t i = 0; i < 33; i += 3) { /* 32 bytes: ten full groups and one of two */
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | (i + 2 < 32 ? d[i + 2] : 0);
        *o++ = b64[v >> 18 & 63];
        *o++ = b64[v >> 12 & 63];
        *o++ = i + 1 < 32 ? b64[v >> 6 & 63] : '=';
        *o++ = i + 2 < 32 ? b64[v & 63] : '=';
    }
    strcpy(o, "'");
}

/* True when an asset could end its inline element early ("</script" or "</style",
 * any case): such an asset is refused rather than inlined. */
static bool closes_element(const ts_asset *a, const char *tag)
{
    size_t n = strlen(tag);
    for (size_t i = 0; i + n + 2 <= a->len; i++)
        if (a->data[i] == '<' && a->data[i + 1] == '/' &&
            !strncasecmp((const char *)a->data + i + 2, tag, n))
            return true;
    return false;
}

/* The report's JSON with every '<' as \u003c, so no "</script>" (or "<!--") inside a
 * name can end the data block; JSON readers give back the same text. */
static ts_status data_json(ts_buf *json, const ts_report *r, ts_buf *out)
{
    ts_status rc = ts_render_report_json(json, r);
    const char *s = ts_buf_str(json);
    for (size_t i = 0; rc == TS_OK && i < json->len; i++) {
        if (s[i] == '<')
            rc = ts_buf_puts(out, "\\u003c");
        else if (s[i] != '\n')
            rc = ts_buf_putc(out, s[i]);
    }
    return rc;
}

static void inline_asset(page *p, const char *tag, const ts_asset *a)
{
    put(p, "<");
    put(p, tag);
    put(p, " data-asset=\"");
    put(p, a->name);
    put(p, "\">");
    putn(p, a->data, a->len);
    put(p, "</");
    put(p, tag);
    put(p, ">\n");
}

/* The head up to and including the CSP: scripts and the style allowed by hash only. */
static void head(page *p, const ts_report *r, const ts_asset *css, const ts_asset *chart,
                 const ts_asset *js)
{
    char h_css[64], h_chart[64], h_js[64];
    csp_hash(css->data, css->len, h_css);
    csp_hash(js->data, js->len, h_js);
    if (chart)
        csp_hash(chart->data, chart->len, h_chart);
    put(p, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
           "script-src ");
    if (chart) {
        put(p, h_chart);
        put(p, " ");
    }
    put(p, h_js);
    put(p, "; style-src ");
    put(p, h_css);
    put(p, "; img-src data:; base-uri 'none'; form-action 'none'\">\n<title>");
    html_text(p, r->county);
    put(p, " · 风险筛查报告</title>\n");
    inline_asset(p, "style", css);
    put(p, "</head>\n");
}

ts_status ts_render_report_html(ts_buf *b, const ts_report *r)
{
    const ts_asset *css = ts_asset_find("report.css"), *js = ts_asset_find("report.js"),
                   *chart = ts_asset_find("chart.js");
    /* a build without Chart.js still writes the page: report.js then shows the tables */
    if (!css || !js || closes_element(css, "style") || closes_element(js, "script") ||
        (chart && closes_element(chart, "script")))
        return TS_STATE;
    ts_buf json, data;
    ts_buf_init(&json, b->cap);
    ts_buf_init(&data, b->cap);
    page p = {.b = b, .st = data_json(&json, r, &data)};
    head(&p, r, css, chart, js);
    put(&p, "<body>\n<main id=\"report\" class=\"ts-report\" data-standalone=\"true\">"
            "<noscript><p>此报告需要启用 JavaScript。This report needs JavaScript.</p>"
            "</noscript></main>\n<script type=\"application/json\" id=\"report-data\">");
    putn(&p, ts_buf_str(&data), data.len);
    put(&p, "</script>\n");
    if (chart)
        inline_asset(&p, "script", chart);
    inline_asset(&p, "script", js);
    put(&p, "</body>\n</html>\n");
    ts_buf_release(&json);
    ts_buf_release(&data);
    return p.st;
}

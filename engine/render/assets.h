/* render/assets.h — the officers' console as files compiled into the binary: the page,
 * its style sheet and scripts (engine/render/console/) and Debian's Chart.js
 * (libjs-chart.js, "chart.js"; absent when the build did not find it). `serve` answers
 * them at / and /console/NAME (engine/http), and `report --html` inlines report.js,
 * console.css and chart.js into one self-contained file (render/report_html.c).
 *
 * The table is generated at build time (console/embed.cmake); it is constant data:
 * thread-safe. */
#ifndef TS_RENDER_ASSETS_H
#define TS_RENDER_ASSETS_H

#include <stddef.h>

typedef struct ts_asset {
    const char *name;          /* "index.html", "app.js", "chart.js", … */
    const char *ctype;         /* Content-Type */
    const unsigned char *data; /* len bytes, then a NUL */
    size_t len;
    const char *etag; /* a quoted strong ETag: the first 16 hex digits of its SHA-256 */
} ts_asset;

/* The asset called name (no folder part), or NULL. */
const ts_asset *ts_asset_find(const char *name);

#endif

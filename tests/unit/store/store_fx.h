/* tests/unit/store/store_fx.h — the fixture the store tests share: a temporary
 * database file with the unit-test grid, and persons to hang list and alert rows on. */
#ifndef TS_TEST_STORE_FX_H
#define TS_TEST_STORE_FX_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "triscreen/date.h"
#include "triscreen/grid.h"
#include "triscreen/store.h"

typedef struct store_fx {
    char dir[64], db[96];
    ts_grid *grid;
    ts_store *s;
    ts_arena arena; /* released by the teardown */
} store_fx;

static inline void fx_ok(ts_status rc, const ts_err *err)
{
    if (rc != TS_OK)
        fail_msg("%s: %s: %s", ts_status_name(rc), err->where, err->msg);
}

static inline int32_t fx_day(const char *s)
{
    int32_t d;
    assert_true(ts_date_parse(s, strlen(s), &d));
    return d;
}

/* Stores persons ids[0..n) in group cell grid. */
static inline void fx_persons(store_fx *fx, const char *const *ids, size_t n, const char *grid)
{
    ts_err err;
    fx_ok(ts_store_begin(fx->s, &err), &err);
    for (size_t i = 0; i < n; i++) {
        ts_person p = {.id = ids[i], .name = "", .grid = grid, .notes = "", .born = TS_DATE_NONE};
        ts_upsert res;
        uint32_t *idx = NULL;
        size_t n_new = 0;
        fx_ok(ts_store_put_person(fx->s, &p, &fx->arena, &res, &idx, &n_new, &err), &err);
    }
    fx_ok(ts_store_commit(fx->s, &err), &err);
}

static inline int fx_setup(void **state)
{
    store_fx *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    strcpy(fx->dir, "/tmp/ts_store_XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->db, sizeof fx->db, "%s/t.db", fx->dir);
    const char *src = getenv("TS_SOURCE_DIR");
    char gp[1024];
    snprintf(gp, sizeof gp, "%s/tests/unit/grid/data/grid.yaml", src ? src : ".");
    ts_err err;
    fx_ok(ts_grid_load(gp, &fx->grid, &err), &err);
    fx_ok(ts_store_open(fx->db, TS_STORE_READWRITE, &fx->s, &err), &err);
    fx_ok(ts_store_put_grid(fx->s, fx->grid, &err), &err);
    ts_arena_init(&fx->arena, 0);
    *state = fx;
    return 0;
}

static inline int fx_teardown(void **state)
{
    store_fx *fx = *state;
    ts_store_close(fx->s);
    ts_grid_free(fx->grid);
    ts_arena_release(&fx->arena);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    int r = system(cmd);
    free(fx);
    return r == 0 ? 0 : -1;
}

#endif

/* tests/unit/lists/lists_fx.h — shared by the lists tests: opens the store at db on grid
 * file gpath and stores the persons given as JSON lines. */
#ifndef TS_TEST_LISTS_FX_H
#define TS_TEST_LISTS_FX_H

#include <string.h>

#include "triscreen/arena.h"
#include "triscreen/grid.h"
#include "triscreen/record.h"
#include "triscreen/store.h"

static inline void lists_fx_open(const char *gpath, const char *db, const char *const *persons,
                                 size_t n, ts_grid **g, ts_store **s)
{
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(ts_grid_load(gpath, g, &err), TS_OK);
    assert_int_equal(ts_store_open(db, TS_STORE_READWRITE, s, &err), TS_OK);
    assert_int_equal(ts_store_put_grid(*s, *g, &err), TS_OK);
    ts_arena a;
    ts_arena_init(&a, 0);
    assert_int_equal(ts_store_begin(*s, &err), TS_OK);
    for (size_t i = 0; i < n; i++) {
        ts_person p;
        ts_upsert up;
        assert_int_equal(ts_record_parse_json(persons[i], strlen(persons[i]), &a, &p, &err), TS_OK);
        assert_int_equal(ts_store_put_person(*s, &p, &a, &up, NULL, NULL, &err), TS_OK);
    }
    assert_int_equal(ts_store_commit(*s, &err), TS_OK);
    ts_arena_release(&a);
}

#endif

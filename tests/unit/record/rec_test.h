/* tests/unit/record/rec_test.h — helpers shared by the record reader tests: read every
 * item of a buffer or file into a small list, and assert on rejects. */
#ifndef TS_TEST_REC_TEST_H
#define TS_TEST_REC_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "triscreen/record.h"

#define RT_MAX 64

typedef struct rt_result {
    ts_arena arena;
    ts_item items[RT_MAX];
    size_t n;
    ts_status open_rc;
    ts_err err;
} rt_result;

/* Reads every item of buf (format by name's extension). */
static inline void rt_read_mem(rt_result *res, const char *name, const char *buf, size_t len)
{
    memset(res, 0, sizeof *res);
    ts_arena_init(&res->arena, 0);
    ts_reader *r = NULL;
    res->open_rc = ts_reader_open_mem(name, buf, len, TS_FORMAT_AUTO, &r, &res->err);
    if (res->open_rc != TS_OK)
        return;
    for (;;) {
        ts_item it;
        ts_status rc = ts_reader_next(r, &res->arena, &it, &res->err);
        if (rc != TS_OK)
            fail_msg("ts_reader_next: %d %s: %s", (int)rc, res->err.where, res->err.msg);
        if (it.kind == TS_ITEM_END)
            break;
        assert_true(res->n < RT_MAX);
        res->items[res->n++] = it;
    }
    ts_reader_close(r);
}

static inline void rt_read_str(rt_result *res, const char *name, const char *s)
{
    rt_read_mem(res, name, s, strlen(s));
}

static inline void rt_free(rt_result *res)
{
    ts_arena_release(&res->arena);
}

/* Writes data to a fresh temporary file with the given suffix; returns its path (static). */
static inline const char *rt_tmpfile(const char *suffix, const void *data, size_t len)
{
    static char path[256];
    snprintf(path, sizeof path, "/tmp/ts_rec_test_XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_non_null(f);
    if (len)
        assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

#define assert_reject(it, ln, fld, reason_part)                                                    \
    do {                                                                                           \
        const ts_item *it_ = (it);                                                                 \
        if (it_->kind != TS_ITEM_REJECT)                                                           \
            fail_msg("line %d: expected a reject, got kind %d", (int)(ln), (int)it_->kind);        \
        assert_int_equal(it_->line, (ln));                                                         \
        assert_string_equal(it_->field, (fld));                                                    \
        if (!strstr(it_->reason, (reason_part)))                                                   \
            fail_msg("reason \"%s\" does not contain \"%s\"", it_->reason, (reason_part));         \
    } while (0)

#endif

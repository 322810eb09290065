/* tests/unit/testdata_req.h — what a conformance test does when the shared test data
 * ($TS_TESTDATA: JSONTestSuite, csv-spectrum, yaml-test-suite) is absent: with
 * TS_REQUIRE_TESTDATA=1 (set by .ci/run) the test fails; otherwise it says why it skips. */
#ifndef TS_TEST_TESTDATA_REQ_H
#define TS_TEST_TESTDATA_REQ_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static inline int td_required(void)
{
    const char *v = getenv("TS_REQUIRE_TESTDATA");
    return v && strcmp(v, "1") == 0;
}

/* Reports the missing data: fails the running test when it is required (does not return),
 * else prints "skipped: WHAT" and returns so the caller can return. */
static inline void td_missing(const char *what)
{
    if (td_required())
        fail_msg("TS_REQUIRE_TESTDATA=1 but %s", what);
    printf("    skipped: %s\n", what);
}

#endif

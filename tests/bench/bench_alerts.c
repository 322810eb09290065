/* tests/bench/bench_alerts.c — what raising alerts adds to a screening run: the same
 * full + regional + targeted run over copies of one database, once with the feedback
 * hook (alerts raised, routed, de-duplicated and stored) and once without.
 *   bench_alerts CONFIG DB_A DB_B     (DB_A and DB_B: two copies of an imported,
 *                                      never screened database) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "triscreen/config.h"
#include "triscreen/date.h"
#include "triscreen/feedback.h"
#include "triscreen/grid.h"
#include "triscreen/rulehost.h"
#include "triscreen/screen.h"
#include "triscreen/store.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(ts_config *cfg, ts_grid *grid, ts_rulepack *pack, const char *db, bool alerts,
               double *secs, uint64_t *raised)
{
    ts_err err;
    ts_err_clear(&err);
    ts_store *s = NULL;
    ts_feedback_ctx *fb = NULL;
    ts_screen_result res = {0};
    if (ts_store_open(db, TS_STORE_READWRITE, &s, &err) != TS_OK ||
        (alerts && ts_feedback_open(cfg, grid, ts_rulepack_hash(pack), &fb, &err) != TS_OK)) {
        fprintf(stderr, "%s: %s\n", err.where, err.msg);
        return 1;
    }
    int32_t now;
    ts_date_parse(cfg->now[0] ? cfg->now : "2026-11-25", 10, &now);
    ts_screen_opts o = {.cfg = cfg,
                        .grid = grid,
                        .pack = pack,
                        .now = now,
                        .threads = 2,
                        .on_alert = alerts ? ts_feedback_on_screen_alert : NULL,
                        .alert_ud = fb};
    double t0 = now_s();
    ts_status rc = ts_screen_run(s, db, &o, &res, &err);
    *secs = now_s() - t0;
    *raised = 0;
    for (unsigned i = 0; i < res.n; i++)
        for (int k = 1; k <= 3; k++)
            *raised += res.pass[i].alerts[k];
    if (rc != TS_OK)
        fprintf(stderr, "%s: %s\n", err.where, err.msg);
    ts_screen_result_release(&res);
    ts_feedback_close(fb);
    ts_store_close(s);
    return rc == TS_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bench_alerts CONFIG DB_A DB_B\n");
        return 2;
    }
    ts_err err;
    ts_err_clear(&err);
    ts_config *cfg = NULL;
    ts_grid *grid = NULL;
    ts_rulepack *pack = NULL;
    if (ts_config_load(argv[1], &cfg, &err) != TS_OK || ts_grid_load(cfg->grid, &grid, &err) ||
        ts_rulepack_load(cfg->rules, NULL, NULL, NULL, &pack, &err) != TS_OK) {
        fprintf(stderr, "%s: %s\n", err.where, err.msg);
        return 2;
    }
    double with_s, without_s;
    uint64_t with_n, without_n;
    int rc = run(cfg, grid, pack, argv[2], false, &without_s, &without_n);
    rc |= run(cfg, grid, pack, argv[3], true, &with_s, &with_n);
    printf("three passes without alerts: %.2f s\n", without_s);
    printf("three passes with alerts:    %.2f s (%llu alerts raised)\n", with_s,
           (unsigned long long)with_n);
    printf("alerts add %.1f%% to the run (%.1f us per alert)\n",
           100.0 * (with_s - without_s) / without_s,
           with_n ? 1e6 * (with_s - without_s) / (double)with_n : 0.0);
    ts_rulepack_free(pack);
    ts_grid_free(grid);
    ts_config_free(cfg);
    return rc;
}

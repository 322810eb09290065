/* service/ticker.c — the ticker thread: polls the database's highest alert cursor
 * (alerts written by other processes), refreshes the cache of officer tokens when the
 * tokens table changed, asks for a reload when the active rules version changed
 * (triscreen/rules_version.h), checkpoints the WAL beside the writer (whose own automatic
 * checkpoints are off), and gives the listener its tick. Uses store. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "triscreen/rules_version.h"
#include "service/svc_int.h"

/* Compares the stored active rules version with the live pack's hash; a difference not
 * asked for yet raises rules_changed for the main loop (ts_service_rules_changed). */
static ts_status rules_poll(ts_service *svc, ts_store *r, ts_err *e)
{
    char active[TS_RULES_HASH_MAX];
    ts_status rc = ts_store_rules_active(r, active, e);
    if (rc != TS_OK || !active[0] || strcmp(active, svc->rules_asked) == 0)
        return rc;
    ts_service_gen *g = ts_service_acquire(svc);
    bool differs = strcmp(active, ts_rulepack_hash(ts_service_gen_pack(g))) != 0;
    ts_service_gen_release(g);
    if (differs) {
        snprintf(svc->rules_asked, sizeof svc->rules_asked, "%s", active);
        atomic_store(&svc->rules_changed, true);
    }
    return TS_OK;
}

bool ts_service_rules_changed(ts_service *svc)
{
    return atomic_exchange(&svc->rules_changed, false);
}

/* A passive checkpoint (it never waits for the writer or a reader) on *ck, opened on
 * first use; a failure closes it, and the next tick opens another. */
static void checkpoint(ts_service *svc, ts_store **ck)
{
    ts_err e;
    if (!*ck && ts_store_open(svc->db_path, TS_STORE_READWRITE, ck, &e) != TS_OK) {
        *ck = NULL;
        return;
    }
    if (ts_store_checkpoint(*ck, &e) != TS_OK) {
        ts_store_close(*ck);
        *ck = NULL;
    }
}

/* Polls the database's highest cursor (alerts written by other processes) and the officer
 * tokens (`token add`/`token revoke` by the CLI: effective within TOKEN_POLL_TICKS), and
 * gives the listener its tick. A failed poll keeps what it had and tries again. */
void *ts__svc_ticker_main(void *arg)
{
    ts_service *svc = arg;
    unsigned tick = 0;
    ts_store *r = NULL, *ck = NULL;
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&svc->q_mu);
        if (!svc->stop)
            pthread_cond_timedwait(&svc->tick_cv, &svc->q_mu, &ts);
        bool stop = svc->stop;
        pthread_mutex_unlock(&svc->q_mu);
        if (stop)
            break;
        ++tick;
        bool cursor = tick % DB_POLL_TICKS == 0, tokens = tick % TOKEN_POLL_TICKS == 0,
             rules = tick % RULES_POLL_TICKS == 0;
        ts_err e;
        if ((cursor || tokens || rules) && !r && ts_service_reader_get(svc, &r, &e) != TS_OK)
            r = NULL;
        int64_t c = 0;
        if (r && cursor && ts_alerts_max_cursor(r, &c, &e) == TS_OK)
            ts__svc_raise_cursor(svc, c);
        if (r && tokens && ts__svc_tokens_refresh(svc, r, &e) != TS_OK) {
            /* a broken connection is replaced on the next poll */
            ts_store_close(r);
            r = NULL;
        }
        if (r && rules && rules_poll(svc, r, &e) != TS_OK) {
            ts_store_close(r);
            r = NULL;
        }
        if (tick % CHECKPOINT_TICKS == 0)
            checkpoint(svc, &ck);
        ts__svc_notify(svc);
    }
    ts_service_reader_put(svc, r);
    ts_store_close(ck);
    return NULL;
}

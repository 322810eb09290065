/* triscreen/pipeline.h — the one ordered pipeline (reader → N workers → in-order writer)
 * and the bounded queue it is built on. Import, the screening passes and the service's
 * write queue use these; nothing else in triscreen starts worker threads.
 *
 * Invariants of ts_pipeline_run:
 *  - Slots. The caller hands over `capacity` item slots (memory it owns and keeps owning;
 *    an item is typically a batch with its arena). At most `capacity` items are in flight
 *    between the reader and the writer: the reader blocks for a free slot rather than
 *    grow anything. A slot is reused once the writer is done with it.
 *  - Stages. One reader thread fills slots in input order (read), n_workers threads
 *    process them in any order (work, each with its own state from worker_init), and the
 *    calling thread hands them to write strictly in input order, whatever the thread
 *    count or timing. write never runs concurrently with itself.
 *  - Errors are positional and the first one in input order wins: a reader error after
 *    n items, a worker error on item k, a writer error on item k each stop the pipeline
 *    at that position. Every item before it is still written; none at or after it is
 *    (the reader stops reading, workers skip later items). ts_pipeline_run returns that
 *    error and its ts_err. The result is therefore the same for any thread count.
 *  - Cancel is clean: when ts_pipeline_run returns, every thread it started is joined,
 *    worker_fini ran for every worker_init that succeeded, and `drop` ran for every item
 *    that was read but never given to write (so no per-item resource leaks).
 *  - Callbacks run without the pipeline's lock held; ud is shared by all stages (the
 *    caller makes what the workers touch immutable or per-item). */
#ifndef TRISCREEN_PIPELINE_H
#define TRISCREEN_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "triscreen/status.h"

/* ---- bounded queue ------------------------------------------------------------------ */

/* A bounded FIFO of pointers for many producers and many consumers. Producers block
 * while it is full; consumers block while it is empty and open. Closing wakes everyone:
 * pushes then fail, pops drain what is left and then return 0. Thread-safe. */
typedef struct ts_queue ts_queue;

/* cap: most pointers held at once (1 ..; a named cap from limits.h). TS_NOMEM. */
ts_status ts_queue_new(size_t cap, ts_queue **out) TS_MUST_CHECK;
/* Frees the queue (not the pointers still in it). Accepts NULL. No thread may use it. */
void ts_queue_free(ts_queue *q);
/* Appends p, waiting while the queue is full. TS_STATE when the queue is (or gets)
 * closed: p was not queued and still belongs to the caller. */
ts_status ts_queue_push(ts_queue *q, void *p) TS_MUST_CHECK;
/* Takes up to max pointers (max >= 1) in FIFO order into out, waiting while the queue
 * is empty and open. Returns how many; 0 only when the queue is closed and empty. */
size_t ts_queue_pop(ts_queue *q, void **out, size_t max);
/* Refuses further pushes and wakes every waiter. Idempotent. */
void ts_queue_close(ts_queue *q);
/* Pointers currently queued (a snapshot). */
size_t ts_queue_len(ts_queue *q);

/* ---- ordered pipeline --------------------------------------------------------------- */

typedef struct ts_pipeline_ops {
    void *ud;
    size_t n_workers; /* 1 .. TS_LIMIT_PIPELINE_WORKERS */
    /* Caller-owned item slots, capacity of them (1 .. TS_LIMIT_PIPELINE_SLOTS). */
    void *const *slots;
    size_t capacity;
    /* Reader thread: fills item with the next input. Sets *end (item then holds nothing
     * and is not delivered) when the input is exhausted. On an error the item holds
     * nothing either (read cleans up what it began). */
    ts_status (*read)(void *ud, void *item, bool *end, ts_err *err);
    /* Worker thread: processes one item with this worker's state. */
    ts_status (*work)(void *ud, void *state, void *item, ts_err *err);
    /* Calling thread, in input order: consumes the item (also when it fails). */
    ts_status (*write)(void *ud, void *item, ts_err *err);
    /* Optional, on the calling thread before any thread starts / after all are joined:
     * per-worker state (a rule host, a connection, a scratch buffer). */
    ts_status (*worker_init)(void *ud, size_t index, void **state, ts_err *err);
    void (*worker_fini)(void *ud, void *state);
    /* Optional: releases an item that was read but will never be written. */
    void (*drop)(void *ud, void *item);
} ts_pipeline_ops;

/* Runs the pipeline to the end of the input or to the first error (see the invariants
 * above). Returns TS_OK when every item read was written; otherwise the first error in
 * input order (the stage's own status and err), TS_USAGE for bad ops, TS_NOMEM when a
 * thread cannot start. Blocks the calling thread, which runs write. Reentrant: each call
 * has its own threads and state. */
ts_status ts_pipeline_run(const ts_pipeline_ops *ops, ts_err *err) TS_MUST_CHECK;

#endif

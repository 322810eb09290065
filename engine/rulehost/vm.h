/* rulehost/vm.h — internal to engine/rulehost: the plumbing of a sandboxed Lua state
 * (vm.c): capped allocator, instruction hook, deadline, budget charges, message
 * handler. The bottom of the rule host's files; it depends on none of them. */
#ifndef TS_RULEHOST_VM_H
#define TS_RULEHOST_VM_H

#include "rulehost/rh.h"

/* The lua_Alloc of every sandboxed state (ud is the ts_rulehost): refuses growth past
 * mem_cap and sets trip.memory. */
void *ts__rh_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
ts_rulehost *ts__rh_host(lua_State *L);
/* The message handler: records where (first Lua frame with a file) and the message in
 * the host's buffers without allocating. */
lua_CFunction ts__rh_msgh_fn(void);
/* Arms the instruction hook for one rule (or one file at load time) and clears the
 * coroutine count. */
void ts__rh_arm(ts_rulehost *h);
/* True when any limit has tripped (the current rule cannot go on). */
static inline bool ts__rh_tripped(const ts_rulehost *h)
{
    return h->trip.budget || h->trip.memory || h->trip.limit || h->trip.deadline;
}
/* Charges units instructions of C work to the running rule's budget; raises (sticky)
 * when the budget cannot pay them or a limit has tripped. */
void ts__rh_charge(lua_State *L, ts_rulehost *h, uint64_t units);
/* Makes the running rule's limit trip sticky (kind: 'b'udget, 'm'emory, 'l'imit,
 * 'd'eadline) and raises msg. Never returns. */
int ts__rh_trip_raise(lua_State *L, ts_rulehost *h, char kind, const char *msg);
/* Starts the person's deadline (one clock read); deadline_ns = 0 ends it. */
void ts__rh_start_deadline(ts_rulehost *h);
/* Checks the clock against the person's deadline; sets trip.deadline when past. */
bool ts__rh_past_deadline(ts_rulehost *h);
/* Sets a coroutine's count hook (it charges the running rule's budget). */
void ts__rh_hook_coroutine(lua_State *co);
/* After an error or at the end of an evaluation: clears the sticky flags and the stack,
 * collects garbage if memory was the problem. */
void ts__rh_recover(ts_rulehost *h, int top);
/* Copies at most cap bytes of s into dst (capacity cap+1) cut at a UTF-8 boundary. */
size_t ts__rh_utf8_cut(const char *s, size_t len, size_t cap);

#endif

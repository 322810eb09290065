/* rulehost/sandbox.h — internal to engine/rulehost: opening the sandboxed state and
 * loading a pack's files into it (sandbox.c). */
#ifndef TS_RULEHOST_SANDBOX_H
#define TS_RULEHOST_SANDBOX_H

#include "rulehost/rh.h"

ts_status ts__rh_state_open(ts_rulehost *h, const ts_rulehost_opts *opts, ts_err *err);
void ts__rh_state_close(ts_rulehost *h);
/* Restores the load-time values of the file-level scalars rule `rule` can reach. */
void ts__rh_reset_upvalues(ts_rulehost *h, uint32_t rule);
/* Loads every file of the pack in h's state. collect=false: validate and append to
 * pack (rules, problems); collect=true: store each `when` in the rules array, checking
 * ids against the pack. Returns the number of problems. */
void ts__rh_load_files(ts_rulehost *h, const rh_file *files, size_t n, rh_load *ld);
void ts__rh_problem(rh_load *ld, const char *where, const char *fmt, ...) TS_PRINTF(3, 4);

#endif

/* rulecases/rc_int.h — internal to engine/rulecases: the walk over a pack folder's Lua
 * files that the protected-attribute lint (scan.c) and the deep checks (check.c) share. */
#ifndef TS_RC_INT_H
#define TS_RC_INT_H

#include <stddef.h>

#include "triscreen/status.h"

/* Called with each *.lua file of the folder, in name order: its name and its text (at
 * most TS_LIMIT_RULE_FILE bytes, NUL-terminated, valid for the call). A status other
 * than TS_OK stops the walk and is returned. */
typedef ts_status (*ts__rc_file_fn)(void *ud, const char *name, const char *text, size_t len,
                                    ts_err *err);

/* Walks dir's Lua files (TS_IO / TS_NOMEM from listing or reading, with the path). */
ts_status ts__rc_each_lua(const char *dir, ts__rc_file_fn fn, void *ud, ts_err *err);

#endif

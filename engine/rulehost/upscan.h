/* rulehost/upscan.h — internal to engine/rulehost: the bytecode scan of upscan.c. */
#ifndef TS_RULEHOST_UPSCAN_H
#define TS_RULEHOST_UPSCAN_H

#include <stdbool.h>
#include <stddef.h>

/* True when a function nested in the dumped chunk (lua_dump output of a file's main
 * function) has an OP_SETUPVAL, or when the chunk is not what Lua 5.4 writes. */
bool ts__rh_chunk_sets_upvalues(const void *chunk, size_t len);

#endif

/* triscreen/rulefile.h — one file of a rule pack held in memory (types only): what a
 * stored rules version keeps (triscreen/rules_version.h) and what a pack is loaded from
 * (ts_rulepack_load_files, triscreen/rulehost.h). */
#ifndef TRISCREEN_RULEFILE_H
#define TRISCREEN_RULEFILE_H

#include <stddef.h>

typedef struct ts_rule_file {
    const char *name; /* "NAME.lua", no folder */
    const char *text; /* its content, NUL-terminated (len bytes before the NUL) */
    size_t len;
} ts_rule_file;

#endif

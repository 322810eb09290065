/* base/fsdir.h — the sorted file names of a folder (rule packs, rule-case folders).
 * Pure libc; thread-safe. */
#ifndef TS_BASE_FSDIR_H
#define TS_BASE_FSDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "triscreen/status.h"

/* Names (not paths) of the entries of dir for which keep(name) is true, sorted with
 * strcmp (so loading order never depends on the file system). *out is a malloc'd array
 * of malloc'd strings: free it with ts_dir_names_free. TS_IO naming dir (with `what`,
 * e.g. "rule folder") when it cannot be read; TS_NOMEM. */
ts_status ts_dir_names(const char *dir, const char *what, bool (*keep)(const char *name),
                       char ***out, size_t *n, ts_err *err) TS_MUST_CHECK;
void ts_dir_names_free(char **names, size_t n);

#endif

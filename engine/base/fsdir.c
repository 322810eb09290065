/* base/fsdir.c — see fsdir.h. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsdir.h"

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void ts_dir_names_free(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

ts_status ts_dir_names(const char *dir, const char *what, bool (*keep)(const char *name),
                       char ***out, size_t *n_out, ts_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return ts_err_set(err, TS_IO, dir, "cannot read the %s: %s", what, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    ts_status rc = TS_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!keep(e->d_name))
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **p = realloc(names, nc * sizeof *p);
            if (!p) {
                rc = ts_err_set(err, TS_NOMEM, dir, "out of memory");
                goto done;
            }
            names = p;
            cap = nc;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = ts_err_set(err, TS_NOMEM, dir, "out of memory");
            goto done;
        }
        n++;
    }
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
done:
    closedir(d);
    if (rc != TS_OK) {
        ts_dir_names_free(names, n);
        return rc;
    }
    *out = names;
    *n_out = n;
    return TS_OK;
}

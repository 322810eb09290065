/* tests/unit/service/svc_fx.h — what the service tests share: a temporary folder with the
 * sample grid and rule pack (from $TS_SOURCE_DIR), and its removal. */
#ifndef TS_TEST_SVC_FX_H
#define TS_TEST_SVC_FX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes a folder from tmpl ("/tmp/ts_x_XXXXXX") into dir with grid.yaml and rules/ of the
 * samples; cfg and db (may be NULL) receive the paths of its triscreen.yaml and
 * triscreen.db, which are not created. 0 on success, -1 otherwise. */
static inline int svc_fx_dir(const char *tmpl, char dir[64], char cfg[128], char db[128])
{
    const char *src = getenv("TS_SOURCE_DIR");
    if (!src || strlen(tmpl) >= 64)
        return -1;
    strcpy(dir, tmpl);
    if (!mkdtemp(dir))
        return -1;
    snprintf(cfg, 128, "%s/triscreen.yaml", dir);
    if (db)
        snprintf(db, 128, "%s/triscreen.db", dir);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cp '%s/samples/grid.yaml' '%s/' && cp -r '%s/rules' '%s/rules'", src,
             dir, src, dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Removes the folder svc_fx_dir made: 0 on success. */
static inline int svc_fx_rmdir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

#endif

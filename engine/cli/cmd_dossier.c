/* cli/cmd_dossier.c — `triscreen dossier ID`: one person's file, as text or JSON. Every
 * read is audited (actor "cli") before anything is shown. Calls ts_dossier_load
 * (triscreen/lists.h), the dossier renderers (render/render_lists.h) and ts_store_audit. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "triscreen/text.h"
#include "base/limits.h"
#include "cli/cmd_lists.h"
#include "render/render_lists.h"

static const char usage[] = "usage: triscreen dossier [-c CONFIG] ID [--format text|json]";

int ts__cli_dossier(int argc, char **argv)
{
    const char *cfg_path = NULL;
    ts_out_format fmt = TS_OUT_TEXT;
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfg_path = optarg;
            break;
        case 'f':
            if (!ts__cli_lists_format(optarg, &fmt) || (fmt != TS_OUT_TEXT && fmt != TS_OUT_JSON)) {
                ts_cli_fail("dossier: --format must be text or json, not '%s'", optarg);
                return TS_EXIT_USAGE;
            }
            break;
        case 'h':
            puts(usage);
            return TS_EXIT_OK;
        default:
            fprintf(stderr, "%s\n", usage);
            return TS_EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "%s\n", usage);
        return TS_EXIT_USAGE;
    }
    const char *id = argv[optind];
    /* the id is written to the audit trail: text a person typed, checked like --by */
    if (!ts_cli_text_ok("dossier", "ID", id, TS_TEXT_ACTOR_MAX, true))
        return TS_EXIT_USAGE;
    ts__cli_lists_env e;
    int code = ts__cli_lists_open(&e, cfg_path, NULL, NULL, true);
    ts_arena arena;
    ts_arena_init(&arena, TS_LIMIT_DOSSIER_MEM);
    ts_buf buf;
    ts_buf_init(&buf, TS_LIMIT_RENDER);
    if (code != TS_EXIT_OK)
        goto done;
    ts_err err;
    ts_err_clear(&err);
    /* rendered in memory first: the read is audited before anything is shown */
    ts_dossier d;
    ts_status rc = ts_dossier_load(e.store, e.grid, id, NULL, &arena, &d, &err);
    if (rc == TS_OK)
        rc = ts_dossier_snoozes(e.store, id, e.now, &arena, &d, &err);
    if (rc == TS_OK)
        rc = ts_dossier_rules_version(e.store, &arena, &d, &err);
    if (rc == TS_OK)
        rc = fmt == TS_OUT_JSON ? ts__render_dossier_json(&d, e.pack, &buf, &err)
                                : ts__render_dossier_text(&d, e.pack, &buf, &err);
    if (rc == TS_OK)
        rc = ts_store_audit(e.store, "cli", "dossier", id, "", &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = ts_cli_exit_for(rc);
        goto done;
    }
    if (fwrite(ts_buf_str(&buf), 1, buf.len, stdout) != buf.len || fflush(stdout) != 0) {
        ts_cli_fail("dossier: cannot write output");
        code = TS_EXIT_FAILED;
    }
done:
    ts_buf_release(&buf);
    ts_arena_release(&arena);
    ts__cli_lists_close(&e);
    return code;
}

/* cli/cmd_dossier.c — `triscreen dossier ID`: one person's file, as text or JSON. Every
 * read is audited (actor "cli") before anything is shown. Calls ts_dossier_print
 * (triscreen/lists.h) and ts_store_audit. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "triscreen/text.h"
#include "cli/cmd_lists.h"

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
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = NULL;
    if (code != TS_EXIT_OK)
        goto done;
    ts_err err;
    ts_err_clear(&err);
    mem = open_memstream(&buf, &len);
    if (!mem) {
        ts_cli_fail("dossier: out of memory");
        code = TS_EXIT_FAILED;
        goto done;
    }
    /* built in memory first: the read is audited before anything is shown */
    ts_status rc = ts_dossier_print(e.store, e.grid, id, fmt, mem, &err);
    if (fclose(mem) != 0 && rc == TS_OK)
        rc = ts_err_set(&err, TS_NOMEM, NULL, "dossier buffer");
    mem = NULL;
    if (rc == TS_OK)
        rc = ts_store_audit(e.store, "cli", "dossier", id, "", &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = ts_cli_exit_for(rc);
        goto done;
    }
    if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
        ts_cli_fail("dossier: cannot write output");
        code = TS_EXIT_FAILED;
    }
done:
    if (mem)
        fclose(mem);
    free(buf);
    ts__cli_lists_close(&e);
    return code;
}

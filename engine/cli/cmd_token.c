/* cli/cmd_token.c — `triscreen token add|list|revoke`: officer tokens for the HTTP service.
 * The secret is printed once by `add` and never stored (ts_store_token_add keeps its
 * SHA-256); the officer must be one of the grid (ts_grid_officer). Uses app, grid, store,
 * jsonw. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "triscreen/buf.h"
#include "triscreen/grid.h"
#include "triscreen/jsonw.h"
#include "triscreen/store.h"
#include "triscreen/text.h"
#include "base/limits.h"
#include "cli/cli.h"

static const char usage[] =
    "usage: triscreen token add [-c CONFIG] --officer ID [--note TEXT] [--by NAME]\n"
    "       triscreen token list [-c CONFIG] [--all] [--format table|jsonl]\n"
    "       triscreen token revoke [-c CONFIG] ID [--by NAME]";

#define DEFAULT_BY "cli"

typedef struct token_args {
    const char *cfg_path, *officer, *note, *by, *format;
    bool all;
    const char *id; /* revoke */
} token_args;

/* Parses the flags of `token SUB` (argv[0] = SUB). Returns -1 to go on, else an exit code. */
static int parse_args(int argc, char **argv, token_args *a)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"officer", required_argument, NULL, 'o'},
        {"note", required_argument, NULL, 'N'},   {"by", required_argument, NULL, 'b'},
        {"format", required_argument, NULL, 'f'}, {"all", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            a->cfg_path = optarg;
            break;
        case 'o':
            a->officer = optarg;
            break;
        case 'N':
            a->note = optarg;
            break;
        case 'b':
            a->by = optarg;
            break;
        case 'f':
            a->format = optarg;
            break;
        case 'a':
            a->all = true;
            break;
        case 'h':
            puts(usage);
            return TS_EXIT_OK;
        default:
            fprintf(stderr, "%s\n", usage);
            return TS_EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "%s\n", usage);
        return TS_EXIT_USAGE;
    }
    a->id = argc - optind == 1 ? argv[optind] : NULL;
    if (!a->by)
        a->by = DEFAULT_BY;
    if (!ts_cli_text_ok("token", "--by", a->by, TS_TEXT_ACTOR_MAX, true) ||
        !ts_cli_text_ok("token", "--officer", a->officer, TS_TEXT_ACTOR_MAX, true) ||
        !ts_cli_text_ok("token", "--note", a->note, TS_TEXT_NOTE_MAX, true) ||
        !ts_cli_text_ok("token", "ID", a->id, TS_TEXT_ACTOR_MAX, true))
        return TS_EXIT_USAGE;
    if (!a->by[0]) {
        ts_cli_fail("token: --by must not be empty");
        return TS_EXIT_USAGE;
    }
    return -1;
}

static int token_add(token_args *a)
{
    if (!a->officer || !a->officer[0] || a->id || a->all || a->format) {
        ts_cli_fail("token add: --officer ID is required (and takes no ID, --all or --format)");
        return TS_EXIT_USAGE;
    }
    ts_app *app = NULL;
    ts_app_opts ao = {.config_path = a->cfg_path, .parts = TS_APP_GRID | TS_APP_STORE_WRITE};
    int code = ts_cli_app_open(&ao, &app);
    if (code != TS_EXIT_OK)
        return code;
    if (!ts_grid_officer(ts_app_grid(app), a->officer, NULL)) {
        ts_cli_fail("token add: --officer '%s' is not an officer of the grid", a->officer);
        ts_app_close(app);
        return TS_EXIT_USAGE;
    }
    char secret[64], id[16];
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = ts_store_token_add(ts_app_store(app), a->officer, a->by, a->note, secret,
                                      sizeof secret, id, sizeof id, &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = ts_cli_exit_for(rc);
    } else {
        printf("token: %s\nid: %s (officer %s)\n", secret, id, a->officer);
        fflush(stdout);
        fprintf(stderr, "triscreen: token add: the token is shown only now; only its SHA-256 is "
                        "stored, so keep it safe (a lost token is revoked and replaced)\n");
        explicit_bzero(secret, sizeof secret);
    }
    ts_app_close(app);
    return code;
}

typedef struct list_ctx {
    const ts_grid *grid;
    bool jsonl;
    ts_buf line;
    bool failed;
} list_ctx;

static ts_status list_row(void *ud, const ts_token_row *t)
{
    list_ctx *l = ud;
    const ts_officer *o = ts_grid_officer(l->grid, t->officer, NULL);
    const char *name = o ? o->name : "";
    if (!l->jsonl) {
        /* the officer's name (CJK: wider than its bytes) goes last but the note */
        printf("%-12s %-20s %-20s %-12s %-20s %s  %s\n", t->id, t->officer, t->created,
               t->created_by, t->revoked ? t->revoked : "-", name[0] ? name : "-",
               t->note[0] ? t->note : "-");
        return TS_OK;
    }
    /* every field but the hash: it is not a secret, but nothing outside the store needs it */
    ts_buf_reset(&l->line);
    ts_jsonw w;
    ts_jsonw_init(&w, &l->line);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "id", t->id);
    ts_jsonw_kstr(&w, "officer", t->officer);
    ts_jsonw_kstr(&w, "officer_name", o ? o->name : NULL);
    ts_jsonw_kstr(&w, "created", t->created);
    ts_jsonw_kstr(&w, "created_by", t->created_by);
    ts_jsonw_kstr(&w, "note", t->note);
    ts_jsonw_kstr(&w, "revoked", t->revoked);
    ts_jsonw_kstr(&w, "revoked_by", t->revoked_by);
    ts_jsonw_obj_end(&w);
    ts_status rc = ts_jsonw_finish(&w);
    if (rc == TS_OK)
        rc = ts_buf_putc(&l->line, '\n');
    if (rc != TS_OK)
        return rc;
    fputs(ts_buf_str(&l->line), stdout);
    return TS_OK;
}

static int token_list(token_args *a)
{
    bool jsonl = a->format && !strcmp(a->format, "jsonl");
    if ((a->format && !jsonl && strcmp(a->format, "table")) || a->officer || a->note || a->id) {
        ts_cli_fail("token list: takes only --all and --format table|jsonl");
        return TS_EXIT_USAGE;
    }
    ts_app *app = NULL;
    ts_app_opts ao = {.config_path = a->cfg_path, .parts = TS_APP_GRID | TS_APP_STORE_READ};
    int code = ts_cli_app_open(&ao, &app);
    if (code != TS_EXIT_OK)
        return code;
    list_ctx l = {.grid = ts_app_grid(app), .jsonl = jsonl};
    ts_buf_init(&l.line, TS_LIMIT_LINE);
    if (!jsonl)
        printf("%-12s %-20s %-20s %-12s %-20s %s  %s\n", "ID", "OFFICER", "CREATED", "BY",
               "REVOKED", "NAME", "NOTE");
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = ts_store_token_list(ts_app_store(app), !a->all, list_row, &l, &err);
    if (rc != TS_OK) {
        if (err.msg[0])
            ts_cli_error(&err);
        else
            ts_cli_fail("token list: %s", ts_status_text(rc));
        code = ts_cli_exit_for(rc);
    }
    if (fflush(stdout) != 0 && code == TS_EXIT_OK) {
        ts_cli_fail("token list: cannot write the output");
        code = TS_EXIT_FAILED;
    }
    ts_buf_release(&l.line);
    ts_app_close(app);
    return code;
}

static int token_revoke(token_args *a)
{
    if (!a->id || a->officer || a->note || a->all || a->format) {
        ts_cli_fail("token revoke: takes one token ID (and --by)");
        return TS_EXIT_USAGE;
    }
    ts_app *app = NULL;
    ts_app_opts ao = {.config_path = a->cfg_path, .parts = TS_APP_STORE_WRITE};
    int code = ts_cli_app_open(&ao, &app);
    if (code != TS_EXIT_OK)
        return code;
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = ts_store_token_revoke(ts_app_store(app), a->id, a->by, &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = TS_EXIT_FAILED; /* unknown or already revoked: the work was refused */
    } else {
        printf("%s revoked by %s\n", a->id, a->by);
    }
    ts_app_close(app);
    return code;
}

int ts__cli_token(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "%s\n", usage);
        return TS_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
        puts(usage);
        return TS_EXIT_OK;
    }
    token_args a = {0};
    int code = parse_args(argc - 1, argv + 1, &a);
    if (code >= 0)
        return code;
    if (!strcmp(sub, "add"))
        return token_add(&a);
    if (!strcmp(sub, "list"))
        return token_list(&a);
    if (!strcmp(sub, "revoke"))
        return token_revoke(&a);
    ts_cli_fail("token: unknown subcommand '%s' (add, list, revoke)", sub);
    return TS_EXIT_USAGE;
}

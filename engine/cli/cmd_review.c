/* cli/cmd_review.c — `triscreen review ID`: record an officer's review, which may
 * override the colour until --until or the next review. --by must name an officer of the
 * grid and cover the person (ts_officer_check, ts_officer_review_check: triscreen/officer.h). Calls
 * ts_lists_review (triscreen/lists.h), which audits it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "triscreen/officer.h"
#include "triscreen/text.h"
#include "cli/cli.h"
#include "cli/cmd_lists.h"

static const char usage[] =
    "usage: triscreen review [-c CONFIG] ID --by OFFICER --outcome confirm|lower|raise|clear\n"
    "                        [--colour red|yellow|blue] [--until DATE] --note TEXT [--now DATE]";

/* An officer reviews only persons of their cell or below (the county desk: anyone); a
 * refusal is audited and nothing else is written (ts_officer_review_check). An unknown
 * person passes here: the review itself answers that. */
static bool covers_person(ts__cli_lists_env *e, const char *by, const ts_cell *officer_cell,
                          const char *person)
{
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = ts_officer_review_check(e->store, e->grid, by, NULL, officer_cell, person, &err);
    if (rc == TS_OK)
        return true;
    if (rc == TS_DENIED)
        ts_cli_fail("review: %s", err.msg);
    else
        ts_cli_error(&err);
    return false;
}

int ts__cli_review(int argc, char **argv)
{
    const char *cfg_path = NULL, *by = NULL, *until = NULL, *note = NULL, *now = NULL;
    bool have_outcome = false;
    ts_review_outcome outcome = TS_REVIEW_CONFIRM;
    ts_colour colour = TS_COLOUR_NONE;
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},  {"by", required_argument, NULL, 'b'},
        {"outcome", required_argument, NULL, 'o'}, {"colour", required_argument, NULL, 'C'},
        {"color", required_argument, NULL, 'C'},   {"until", required_argument, NULL, 'u'},
        {"note", required_argument, NULL, 'N'},    {"now", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfg_path = optarg;
            break;
        case 'b':
            by = optarg;
            break;
        case 'o':
            if (!ts_review_outcome_parse(optarg, &outcome)) {
                ts_cli_fail("review: --outcome must be confirm, lower, raise or clear, not '%s'",
                            optarg);
                return TS_EXIT_USAGE;
            }
            have_outcome = true;
            break;
        case 'C':
            if (!ts_colour_parse(optarg, &colour)) {
                ts_cli_fail("review: --colour must be red, yellow or blue, not '%s'", optarg);
                return TS_EXIT_USAGE;
            }
            break;
        case 'u':
            until = optarg;
            break;
        case 'N':
            note = optarg;
            break;
        case 'n':
            now = optarg;
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
    if (!by || !by[0] || !have_outcome || !note || !note[0]) {
        ts_cli_fail("review: --by, --outcome and --note are required");
        return TS_EXIT_USAGE;
    }
    if (!ts_cli_text_ok("review", "--by", by, TS_TEXT_ACTOR_MAX, true) ||
        !ts_cli_text_ok("review", "--note", note, TS_TEXT_NOTE_MAX, false) ||
        !ts_cli_text_ok("review", "ID", argv[optind], TS_TEXT_ACTOR_MAX, true))
        return TS_EXIT_USAGE;
    ts__cli_lists_env e;
    int code = ts__cli_lists_open(&e, cfg_path, NULL, now, true);
    ts_err err;
    ts_err_clear(&err);
    const ts_cell *officer_cell = NULL;
    if (code == TS_EXIT_OK && ts_officer_check(e.grid, by, "--by", &officer_cell, &err) != TS_OK) {
        /* a name that is not an officer: refused before anything is written */
        ts_cli_fail("review: %s: %s", err.where, err.msg);
        code = TS_EXIT_USAGE;
    }
    if (code == TS_EXIT_OK && !covers_person(&e, by, officer_cell, argv[optind]))
        code = TS_EXIT_FAILED;
    if (code == TS_EXIT_OK) {
        ts_review r = {.person = argv[optind],
                       .by = by,
                       .outcome = outcome,
                       .colour = colour,
                       .until = until,
                       .note = note,
                       .now = e.now,
                       .review_days = e.cfg->review_days};
        ts_status rc = ts_lists_review(e.store, &r, &err);
        if (rc != TS_OK) {
            ts_cli_error(&err);
            /* a refused outcome or colour is the caller's mistake */
            code = rc == TS_INVALID ? TS_EXIT_USAGE : ts_cli_exit_for(rc);
        } else {
            printf("review recorded: %s %s%s%s by %s on %s\n", r.person,
                   ts_review_outcome_name(outcome), colour != TS_COLOUR_NONE ? " " : "",
                   colour != TS_COLOUR_NONE ? ts_colour_name(colour) : "", by, e.now);
        }
    }
    ts__cli_lists_close(&e);
    return code;
}

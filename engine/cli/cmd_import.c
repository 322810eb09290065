/* cli/cmd_import.c — `triscreen import`: JSONL / CSV / YAML record files into the store,
 * with a rejects file per input (or one shared with --rejects) and a summary. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "triscreen/app.h"
#include "triscreen/buf.h"
#include "triscreen/feedback.h"
#include "triscreen/grid.h"
#include "triscreen/ingest.h"
#include "triscreen/store.h"
#include "triscreen/text.h"
#include "base/limits.h"
#include "cli/cli.h"
#include "render/render_import.h"

typedef struct import_ud {
    ts_progress prog;
    ts_feedback_ctx *fb;
    FILE *rejects;    /* the rejects file of this input */
    ts_buf line;      /* one reject line */
    bool reject_lost; /* a reject line could not be written */
} import_ud;

static void on_progress(void *ud, const char *path, uint64_t done, uint64_t total)
{
    import_ud *iu = ud;
    if (fflush(iu->rejects) != 0) /* after each batch: a crash keeps what was refused */
        iu->reject_lost = true;
    ts_progress_update(&iu->prog, done, total, "bytes");
}

static void on_reject(void *ud, const ts_import_reject *r)
{
    import_ud *iu = ud;
    ts_buf_reset(&iu->line);
    if (ts__render_reject(&iu->line, r) != TS_OK ||
        fwrite(iu->line.data, 1, iu->line.len, iu->rejects) != iu->line.len)
        iu->reject_lost = true;
}

static ts_status on_problem(void *ud, ts_store *s, const ts_person *p, const ts_event *ev,
                            ts_err *err)
{
    return ts_feedback_on_problem_event(((import_ud *)ud)->fb, s, p, ev, err);
}

/* Opens a rejects file for writing, mode 0600 whether it is new or already there: it
 * holds raw rows, i.e. personal data. NULL with errno set on failure. */
static FILE *open_rejects(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return NULL;
    FILE *f = NULL;
    if (fchmod(fd, 0600) != 0 || !(f = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    return f;
}

typedef struct import_args {
    const char *cfg_path, *rejects_path;
    bool dry_run;
} import_args;

/* Parses the flags; returns -1 to go on (the files are argv[optind..]), else the exit code. */
static int parse_args(int argc, char **argv, import_args *a)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"rejects", required_argument, NULL, 'r'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:r:nh", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            a->cfg_path = optarg;
            break;
        case 'r':
            a->rejects_path = optarg;
            break;
        case 'n':
            a->dry_run = true;
            break;
        case 'h':
            puts("usage: triscreen import [-c CONFIG] [--rejects FILE] [--dry-run] FILE...");
            return TS_EXIT_OK;
        default:
            return TS_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        ts_cli_fail("import: no input file (usage: triscreen import [-c CONFIG] FILE...)");
        return TS_EXIT_USAGE;
    }
    return -1;
}

static void add_stats(ts_import_stats *total, const ts_import_stats *st)
{
    total->rows += st->rows;
    total->persons_new += st->persons_new;
    total->persons_updated += st->persons_updated;
    total->persons_unchanged += st->persons_unchanged;
    total->rejected += st->rejected;
    total->events_new += st->events_new;
    total->relations_new += st->relations_new;
}

/* Imports one file (its rejects into shared, else into PATH.rejects, removed when empty)
 * and prints its summary line. Returns the exit code of this file (0 = clean); *stop is
 * set when its rejects file could not be made (no further file is imported). */
static int import_one(ts_app *app, const char *path, FILE *shared, bool dry_run,
                      ts_import_stats *total, bool *stop)
{
    int code = TS_EXIT_OK;
    char *own_path = NULL;
    FILE *rej = shared;
    if (!rej) {
        size_t n = strlen(path) + sizeof ".rejects";
        if (!(own_path = malloc(n))) {
            *stop = true;
            return TS_EXIT_FAILED;
        }
        snprintf(own_path, n, "%s.rejects", path);
        if (!(rej = open_rejects(own_path))) {
            ts_cli_fail("import: cannot write rejects file %s: %s", own_path, strerror(errno));
            free(own_path);
            *stop = true;
            return TS_EXIT_FAILED;
        }
    }
    import_ud iu = {.fb = ts_app_feedback(app), .rejects = rej};
    /* a reject line holds one raw row (escaped: up to 6 bytes a byte) and its reason */
    ts_buf_init(&iu.line, 6 * (size_t)TS_LIMIT_LINE + 8192);
    ts_progress_init(&iu.prog, path);
    ts_import_opts io = {.on_reject = on_reject,
                         .dry_run = dry_run,
                         .progress = on_progress,
                         .on_problem_event = dry_run ? NULL : on_problem,
                         .ud = &iu};
    ts_import_stats st = {0};
    ts_err err, ferr;
    ts_err_clear(&err);
    uint64_t t0 = ts_cli_now_ms();
    /* the quick alerts this file raises name its ingest id */
    int64_t ingest = 0;
    ts_status rc = dry_run ? TS_OK : ts_store_ingest_begin(ts_app_store(app), path, &ingest, &err);
    ts_feedback_set_source(iu.fb, 0, ingest);
    if (rc == TS_OK)
        rc = ts_import_file(ts_app_store(app), ts_app_grid(app), ts_app_config(app), path, &io, &st,
                            &err);
    if (ingest &&
        ts_store_ingest_end(ts_app_store(app), ingest, rc == TS_OK ? "done" : "failed",
                            (int64_t)(st.persons_new + st.persons_updated + st.persons_unchanged),
                            &ferr) != TS_OK &&
        rc == TS_OK) {
        err = ferr;
        rc = TS_STORE;
    }
    ts_progress_done(&iu.prog);
    ts_buf_release(&iu.line);
    if (fflush(rej) != 0 || iu.reject_lost) {
        ts_cli_fail("import: %s: cannot write every rejected row to the rejects file", path);
        code = TS_EXIT_FAILED;
    }
    if (ts_feedback_flush(iu.fb, ts_app_store(app), &ferr) != TS_OK) {
        ts_cli_error(&ferr);
        code = TS_EXIT_FAILED;
    }
    double secs = (double)(ts_cli_now_ms() - t0) / 1000.0;
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = TS_EXIT_FAILED;
    }
    if (rc == TS_OK || st.rows > 0)
        printf("%s: %llu rows: %llu new, %llu updated, %llu unchanged, %llu rejected; "
               "%llu new events, %llu new relations (%.2f s)%s\n",
               path, (unsigned long long)st.rows, (unsigned long long)st.persons_new,
               (unsigned long long)st.persons_updated, (unsigned long long)st.persons_unchanged,
               (unsigned long long)st.rejected, (unsigned long long)st.events_new,
               (unsigned long long)st.relations_new, secs,
               dry_run ? " [dry run: nothing stored]" : "");
    if (own_path) {
        fclose(rej);
        if (st.rejected == 0)
            unlink(own_path);
        else
            printf("  rejected rows: %s\n", own_path);
        free(own_path);
    }
    add_stats(total, &st);
    return code;
}

/* The lines after the files: the total, the quick alerts raised, and the audit entry. */
static void finish_import(ts_app *app, const import_args *a, int n_files, const char *first,
                          const ts_import_stats *total)
{
    if (n_files > 1)
        printf("total: %llu rows: %llu new, %llu updated, %llu unchanged, %llu rejected\n",
               (unsigned long long)total->rows, (unsigned long long)total->persons_new,
               (unsigned long long)total->persons_updated,
               (unsigned long long)total->persons_unchanged, (unsigned long long)total->rejected);
    if (a->rejects_path && total->rejected)
        printf("  rejected rows: %s\n", a->rejects_path);
    if (a->dry_run)
        return;
    ts_feedback_ctx *fb = ts_app_feedback(app);
    uint64_t quick = ts_feedback_raised(fb, TS_FEEDBACK_QUICK), old = ts_feedback_quick_too_old(fb);
    if (old)
        printf("quick alerts: %llu raised for new problem events; %llu older than %u days "
               "(stored and screened, no quick alert: quick_max_age_days)\n",
               (unsigned long long)quick, (unsigned long long)old,
               ts_app_config(app)->quick_max_age_days);
    else if (quick)
        printf("quick alerts: %llu raised for new problem events\n", (unsigned long long)quick);
    uint64_t merged = ts_feedback_updated(fb, TS_FEEDBACK_QUICK);
    if (merged) /* the person already had an open quick alert: one alert per problem */
        printf("quick alerts: %llu problem event%s added as evidence to open alerts\n",
               (unsigned long long)merged, merged == 1 ? "" : "s");
    char detail[160];
    snprintf(detail, sizeof detail, "rows=%llu new=%llu updated=%llu rejected=%llu",
             (unsigned long long)total->rows, (unsigned long long)total->persons_new,
             (unsigned long long)total->persons_updated, (unsigned long long)total->rejected);
    ts_err aerr;
    /* a file name is bytes, not necessarily UTF-8: the audit row stays valid text */
    char *target = ts_text_utf8_sanitize(first, strlen(first), NULL);
    if (ts_store_audit(ts_app_store(app), "cli", "import", target ? target : "?", detail, &aerr) !=
        TS_OK)
        ts_cli_error(&aerr);
    free(target);
}

int ts__cli_import(int argc, char **argv)
{
    import_args a;
    int code = parse_args(argc, argv, &a);
    if (code >= 0)
        return code;
    ts_app *app = NULL;
    ts_app_opts ao = {.config_path = a.cfg_path,
                      .parts = TS_APP_GRID | TS_APP_STORE_WRITE | TS_APP_FEEDBACK};
    if ((code = ts_cli_app_open(&ao, &app)) != TS_EXIT_OK)
        return code;
    FILE *shared = NULL;
    if (a.rejects_path && !(shared = open_rejects(a.rejects_path))) {
        ts_cli_fail("import: cannot write rejects file %s: %s", a.rejects_path, strerror(errno));
        code = TS_EXIT_FAILED;
        goto done;
    }
    ts_import_stats total = {0};
    bool stop = false;
    for (int i = optind; i < argc && !stop; i++)
        if (import_one(app, argv[i], shared, a.dry_run, &total, &stop) != TS_EXIT_OK)
            code = TS_EXIT_FAILED;
    finish_import(app, &a, argc - optind, argv[optind], &total);
    if (code == TS_EXIT_OK && total.rejected)
        code = TS_EXIT_FAILED;
done:
    if (shared)
        fclose(shared);
    ts_app_close(app);
    return code;
}

/* cli/cmd_import.c — `triscreen import`: JSONL / CSV / YAML record files into the store,
 * with a rejects file per input (or one shared with --rejects) and a summary. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "triscreen/feedback.h"
#include "triscreen/grid.h"
#include "triscreen/ingest.h"
#include "triscreen/store.h"
#include "triscreen/text.h"
#include "cli/cli.h"

typedef struct import_ud {
    ts_progress prog;
    ts_feedback_ctx *fb;
} import_ud;

static void on_progress(void *ud, const char *path, uint64_t done, uint64_t total)
{
    ts_progress_update(&((import_ud *)ud)->prog, done, total, "bytes");
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

int ts__cli_import(int argc, char **argv)
{
    const char *cfg_path = NULL, *rejects_path = NULL;
    bool dry_run = false;
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"rejects", required_argument, NULL, 'r'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:r:nh", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfg_path = optarg;
            break;
        case 'r':
            rejects_path = optarg;
            break;
        case 'n':
            dry_run = true;
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
    int code = TS_EXIT_OK;
    ts_grid *grid = NULL;
    ts_store *store = NULL;
    FILE *shared = NULL;
    ts_feedback_ctx *fb = NULL;
    ts_err err;
    ts_err_clear(&err);
    ts_config *cfg = ts_cli_load_config(cfg_path);
    if (!cfg)
        return TS_EXIT_USAGE;
    ts_status rc = ts_grid_load(cfg->grid, &grid, &err);
    if (rc == TS_OK)
        rc = ts_store_open(cfg->database, TS_STORE_READWRITE, &store, &err);
    if (rc == TS_OK)
        rc = ts_feedback_open(cfg, grid, NULL, &fb, &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = ts_cli_exit_for(rc);
        goto done;
    }
    if (rejects_path && !(shared = open_rejects(rejects_path))) {
        ts_cli_fail("import: cannot write rejects file %s: %s", rejects_path, strerror(errno));
        code = TS_EXIT_FAILED;
        goto done;
    }
    ts_import_stats total = {0};
    for (int i = optind; i < argc; i++) {
        const char *path = argv[i];
        char *own_path = NULL;
        FILE *rej = shared;
        if (!rej) {
            size_t n = strlen(path) + sizeof ".rejects";
            own_path = malloc(n);
            if (!own_path) {
                code = TS_EXIT_FAILED;
                break;
            }
            snprintf(own_path, n, "%s.rejects", path);
            rej = open_rejects(own_path);
            if (!rej) {
                ts_cli_fail("import: cannot write rejects file %s: %s", own_path, strerror(errno));
                free(own_path);
                code = TS_EXIT_FAILED;
                break;
            }
        }
        import_ud iu = {.fb = fb};
        ts_progress_init(&iu.prog, path);
        ts_import_opts io = {.rejects = rej,
                             .dry_run = dry_run,
                             .progress = on_progress,
                             .on_problem_event = dry_run ? NULL : on_problem,
                             .ud = &iu};
        ts_import_stats st = {0};
        uint64_t t0 = ts_cli_now_ms();
        rc = ts_import_file(store, grid, cfg, path, &io, &st, &err);
        ts_progress_done(&iu.prog);
        ts_err ferr;
        if (ts_feedback_flush(fb, store, &ferr) != TS_OK) {
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
        total.rows += st.rows;
        total.persons_new += st.persons_new;
        total.persons_updated += st.persons_updated;
        total.persons_unchanged += st.persons_unchanged;
        total.rejected += st.rejected;
        total.events_new += st.events_new;
        total.relations_new += st.relations_new;
    }
    if (argc - optind > 1)
        printf("total: %llu rows: %llu new, %llu updated, %llu unchanged, %llu rejected\n",
               (unsigned long long)total.rows, (unsigned long long)total.persons_new,
               (unsigned long long)total.persons_updated,
               (unsigned long long)total.persons_unchanged, (unsigned long long)total.rejected);
    if (shared && total.rejected)
        printf("  rejected rows: %s\n", rejects_path);
    uint64_t quick = ts_feedback_raised(fb, TS_FEEDBACK_QUICK), old = ts_feedback_quick_too_old(fb);
    if (!dry_run && old)
        printf("quick alerts: %llu raised for new problem events; %llu older than %u days "
               "(stored and screened, no quick alert: quick_max_age_days)\n",
               (unsigned long long)quick, (unsigned long long)old, cfg->quick_max_age_days);
    else if (!dry_run && quick)
        printf("quick alerts: %llu raised for new problem events\n", (unsigned long long)quick);
    if (!dry_run) {
        char detail[160];
        snprintf(detail, sizeof detail, "rows=%llu new=%llu updated=%llu rejected=%llu",
                 (unsigned long long)total.rows, (unsigned long long)total.persons_new,
                 (unsigned long long)total.persons_updated, (unsigned long long)total.rejected);
        ts_err aerr;
        /* a file name is bytes, not necessarily UTF-8: the audit row stays valid text */
        char *target = ts_text_utf8_sanitize(argv[optind], strlen(argv[optind]), NULL);
        if (ts_store_audit(store, "cli", "import", target ? target : "?", detail, &aerr) != TS_OK)
            ts_cli_error(&aerr);
        free(target);
    }
    if (code == TS_EXIT_OK && total.rejected)
        code = TS_EXIT_FAILED;
done:
    ts_feedback_close(fb);
    if (shared)
        fclose(shared);
    ts_store_close(store);
    ts_grid_free(grid);
    ts_config_free(cfg);
    return code;
}

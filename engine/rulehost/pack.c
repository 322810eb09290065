/* rulehost/pack.c — rule packs: reading a folder of *.lua files in name order, the
 * pack hash, validation through a scratch sandbox (sandbox.c), the rule table, and the
 * vote/score tally (thresholds are applied only in lists/decide.c; the enum names are
 * in base/vocab.c). Uses base/text.h (sha256), base/limits.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fsdir.h"
#include "base/limits.h"
#include "base/text.h"
#include "rulehost/sandbox.h"

/* ---- tally ---------------------------------------------------------------------- */

void ts_rulepack_tally(const ts_rulepack *pack, const ts_eval_result *r, ts_colour *vote,
                       int *score)
{
    ts_colour v = TS_COLOUR_NONE;
    long sc = 0;
    for (size_t i = 0; r && i < r->n_fired; i++) {
        if (r->fired[i].rule >= pack->n_rules)
            continue;
        const ts_rule_info *ri = &pack->rules[r->fired[i].rule];
        if (ri->list > v)
            v = ri->list;
        sc += ri->score;
    }
    if (sc > INT32_MAX)
        sc = INT32_MAX;
    if (sc < INT32_MIN)
        sc = INT32_MIN;
    if (vote)
        *vote = v;
    if (score)
        *score = (int)sc;
}

/* ---- accessors ------------------------------------------------------------------ */

const char *ts_rulepack_hash(const ts_rulepack *pack)
{
    return pack->hash;
}

const char *ts_rulepack_dir(const ts_rulepack *pack)
{
    return pack->dir;
}

size_t ts_rulepack_count(const ts_rulepack *pack)
{
    return pack->n_rules;
}

const ts_rule_info *ts_rulepack_rule(const ts_rulepack *pack, size_t i)
{
    return i < pack->n_rules ? &pack->rules[i] : NULL;
}

long ts_rulepack_find(const ts_rulepack *pack, const char *id)
{
    for (size_t i = 0; id && i < pack->n_rules; i++)
        if (strcmp(pack->rules[i].id, id) == 0)
            return (long)i;
    return -1;
}

const char *ts_rulepack_title(const ts_rulepack *pack, const char *id)
{
    long i = pack && id ? ts_rulepack_find(pack, id) : -1;
    const char *t = i >= 0 ? pack->rules[i].title : NULL;
    return t && t[0] ? t : NULL;
}

size_t ts_rulepack_count_pass(const ts_rulepack *pack, ts_pass pass)
{
    return (unsigned)pass < 3 ? pack->n_pass[pass] : 0;
}

const ts_rulehost_opts *ts_rulepack_opts(const ts_rulepack *pack)
{
    return &pack->opts;
}

ts_status ts_rulepack_check_passes(const ts_rulepack *pack, unsigned passes_mask, ts_err *err)
{
    /* the targeted pass builds on the regional colour and never goes below it, so with
     * no rule it delists nobody: it re-decides from the regional basis (what targeted
     * rules of an earlier pack raised falls back) */
    for (int p = 0; p < TS_PASS_N; p++)
        if ((passes_mask & TS_PASS_BIT(p)) && p != TS_PASS_TARGETED && pack->n_pass[p] == 0)
            return ts_err_set(err, TS_RULE, pack->dir,
                              "no rule for the %s pass (a pack without rules would mark "
                              "nobody and delist everyone)",
                              ts_pass_name((ts_pass)p));
    return TS_OK;
}

void ts_rulepack_free(ts_rulepack *pack)
{
    if (!pack)
        return;
    ts_arena_release(&pack->arena);
    free(pack);
}

/* ---- loading -------------------------------------------------------------------- */

static bool is_lua_name(const char *n)
{
    size_t l = strlen(n);
    return l > 4 && n[0] != '.' && strcmp(n + l - 4, ".lua") == 0;
}

/* Reads the folder's *.lua files (regular files only) in name order into the pack. */
static ts_status read_files(ts_rulepack *pack, const char *dir, rh_load *ld, ts_err *err)
{
    ts_status rc = TS_OK;
    char **names = NULL;
    size_t n = 0;
    rc = ts_dir_names(dir, "rule folder", is_lua_name, &names, &n, err);
    if (rc != TS_OK)
        return rc;
    pack->files = ts_arena_calloc(&pack->arena, n ? n : 1, sizeof *pack->files);
    if (!pack->files) {
        rc = ts_err_set(err, TS_NOMEM, dir, "out of memory");
        goto done;
    }
    ts_sha256 sha;
    ts_sha256_init(&sha);
    size_t total = 0; /* bytes of the files read so far */
    for (size_t i = 0; i < n; i++) {
        char path[TS_LIMIT_PATH];
        int pl = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (pl < 0 || (size_t)pl >= sizeof path) { /* never open a cut path */
            ts__rh_problem(ld, names[i], "path longer than %u bytes", TS_LIMIT_PATH);
            continue;
        }
        FILE *f = fopen(path, "rb");
        struct stat stt;
        if (!f || fstat(fileno(f), &stt) != 0 || !S_ISREG(stt.st_mode)) {
            if (f)
                fclose(f);
            else if (errno == ENOENT)
                continue;
            ts__rh_problem(ld, names[i], "cannot read the file");
            continue;
        }
        if ((uint64_t)stt.st_size > TS_LIMIT_RULE_FILE) {
            fclose(f);
            ts__rh_problem(ld, names[i], "file larger than %u bytes", TS_LIMIT_RULE_FILE);
            continue;
        }
        size_t len = (size_t)stt.st_size;
        if (len > TS_LIMIT_RULE_PACK - total) { /* every file fits; the sum must too */
            fclose(f);
            rc = ts_err_set(err, TS_LIMIT, names[i],
                            "the pack's rule files add up to more than %u bytes (the limit)",
                            TS_LIMIT_RULE_PACK);
            goto done;
        }
        total += len;
        char *text = ts_arena_alloc(&pack->arena, len + 1);
        if (!text) {
            fclose(f);
            rc = ts_err_set(err, TS_NOMEM, names[i], "out of memory");
            goto done;
        }
        size_t got = fread(text, 1, len, f);
        /* the file may have changed: read what is there, never more than the cap */
        bool more = fgetc(f) != EOF;
        fclose(f);
        if (more) {
            ts__rh_problem(ld, names[i], "file grew while being read");
            continue;
        }
        text[got] = '\0';
        rh_file *rf = &pack->files[pack->n_files++];
        rf->name = ts_arena_strdup(&pack->arena, names[i]);
        if (!rf->name) {
            rc = ts_err_set(err, TS_NOMEM, dir, "out of memory");
            goto done;
        }
        rf->text = text;
        rf->len = got;
        ts_sha256_update(&sha, names[i], strlen(names[i]) + 1); /* name and its NUL */
        ts_sha256_update(&sha, text, got);
    }
    char hex[65];
    ts_sha256_hex(&sha, hex);
    snprintf(pack->hash, sizeof pack->hash, "sha256:%s", hex);
done:
    ts_dir_names_free(names, n);
    return rc;
}

/* A new, empty pack under the limits of opts, named dir (a folder or a label). */
static ts_status pack_new(const char *dir, const ts_rulehost_opts *opts, ts_rulepack **out,
                          ts_err *err)
{
    ts_rulepack *pack = calloc(1, sizeof *pack);
    if (!pack)
        return ts_err_set(err, TS_NOMEM, dir, "out of memory");
    ts_arena_init(&pack->arena, TS_LIMIT_ARENA_PACK);
    pack->opts.instructions =
        opts && opts->instructions ? opts->instructions : TS_LIMIT_RULE_INSTRUCTIONS;
    pack->opts.memory_bytes =
        opts && opts->memory_bytes ? opts->memory_bytes : (size_t)TS_LIMIT_RULE_MEMORY_MB << 20;
    pack->opts.ms_per_person =
        opts && opts->ms_per_person ? opts->ms_per_person : TS_LIMIT_RULE_MS_PER_PERSON;
    pack->opts.attr_hidden = opts ? opts->attr_hidden : NULL;
    pack->opts.attr_hidden_ud = opts ? opts->attr_hidden_ud : NULL;
    pack->dir = ts_arena_strdup(&pack->arena, dir);
    pack->rules = ts_arena_calloc(&pack->arena, TS_LIMIT_RULES, sizeof *pack->rules);
    if (!pack->dir || !pack->rules) {
        ts_rulepack_free(pack);
        return ts_err_set(err, TS_NOMEM, dir, "out of memory");
    }
    *out = pack;
    return TS_OK;
}

/* Validates the pack's files through a scratch sandbox and builds the per-pass tables. */
static ts_status pack_finish(ts_rulepack *pack, rh_load *ld, ts_err *err)
{
    ts_rulehost scratch;
    memset(&scratch, 0, sizeof scratch);
    ts_status rc = ts__rh_state_open(&scratch, &pack->opts, err);
    if (rc != TS_OK)
        goto done;
    ts__rh_load_files(&scratch, pack->files, pack->n_files, ld);
    if (ld->problems) {
        rc = TS_RULE;
        goto done;
    }
    for (int p = 0; p < 3; p++) {
        pack->by_pass[p] = ts_arena_calloc(&pack->arena, pack->n_rules + 1, sizeof(uint32_t));
        if (!pack->by_pass[p]) {
            rc = ts_err_set(err, TS_NOMEM, pack->dir, "out of memory");
            goto done;
        }
    }
    for (size_t i = 0; i < pack->n_rules; i++) {
        ts_pass p = pack->rules[i].pass;
        pack->by_pass[p][pack->n_pass[p]++] = (uint32_t)i;
    }
done:
    ts__rh_state_close(&scratch);
    return rc;
}

ts_status ts_rulepack_load(const char *dir, const ts_rulehost_opts *opts, ts_problem_fn on_problem,
                           void *ud, ts_rulepack **out, ts_err *err)
{
    ts_rulepack *pack = NULL;
    ts_status rc = pack_new(dir, opts, &pack, err);
    if (rc != TS_OK)
        return rc;
    rh_load ld = {.pack = pack, .on_problem = on_problem, .ud = ud, .err = err};
    rc = read_files(pack, dir, &ld, err);
    if (rc == TS_OK)
        rc = pack_finish(pack, &ld, err);
    if (rc != TS_OK) {
        ts_rulepack_free(pack);
        return rc;
    }
    *out = pack;
    return TS_OK;
}

ts_status ts_rulepack_load_files(const char *label, const ts_rule_file *files, size_t n,
                                 const ts_rulehost_opts *opts, ts_problem_fn on_problem, void *ud,
                                 ts_rulepack **out, ts_err *err)
{
    ts_rulepack *pack = NULL;
    ts_status rc = pack_new(label, opts, &pack, err);
    if (rc != TS_OK)
        return rc;
    rh_load ld = {.pack = pack, .on_problem = on_problem, .ud = ud, .err = err};
    pack->files = ts_arena_calloc(&pack->arena, n ? n : 1, sizeof *pack->files);
    if (!pack->files)
        rc = ts_err_set(err, TS_NOMEM, label, "out of memory");
    ts_sha256 sha;
    ts_sha256_init(&sha);
    size_t total = 0;
    for (size_t i = 0; rc == TS_OK && i < n; i++) {
        if (files[i].len > TS_LIMIT_RULE_FILE || files[i].len > TS_LIMIT_RULE_PACK - total) {
            rc =
                ts_err_set(err, TS_LIMIT, files[i].name, "the stored pack is over the size limits");
            break;
        }
        total += files[i].len;
        rh_file *rf = &pack->files[pack->n_files++];
        rf->name = ts_arena_strdup(&pack->arena, files[i].name);
        char *text = ts_arena_alloc(&pack->arena, files[i].len + 1);
        if (!rf->name || !text) {
            rc = ts_err_set(err, TS_NOMEM, label, "out of memory");
            break;
        }
        memcpy(text, files[i].text, files[i].len);
        text[files[i].len] = '\0';
        rf->text = text;
        rf->len = files[i].len;
        ts_sha256_update(&sha, files[i].name, strlen(files[i].name) + 1); /* as read_files */
        ts_sha256_update(&sha, text, files[i].len);
    }
    if (rc == TS_OK) {
        char hex[65];
        ts_sha256_hex(&sha, hex);
        snprintf(pack->hash, sizeof pack->hash, "sha256:%s", hex);
        rc = pack_finish(pack, &ld, err);
    }
    if (rc != TS_OK) {
        ts_rulepack_free(pack);
        return rc;
    }
    *out = pack;
    return TS_OK;
}

ts_status ts_rulepack_files(const ts_rulepack *pack, ts_arena *arena, ts_rule_file **out, size_t *n,
                            ts_err *err)
{
    *out = ts_arena_calloc(arena, pack->n_files ? pack->n_files : 1, sizeof **out);
    if (!*out)
        return ts_err_set(err, TS_NOMEM, pack->dir, "out of memory");
    for (size_t i = 0; i < pack->n_files; i++)
        (*out)[i] = (ts_rule_file){
            .name = pack->files[i].name, .text = pack->files[i].text, .len = pack->files[i].len};
    *n = pack->n_files;
    return TS_OK;
}

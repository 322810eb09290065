/* tests/unit/lists/test_decide_cases.c — the decision's tests as data: every
 * $TS_SOURCE_DIR/tests/decide/cases/NN-what.json is one case {name, input, expect} run through
 * ts_decide (decide.h); any mismatch fails, and so does an empty or missing folder.
 * Format: tests/decide/README.md. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "triscreen/date.h"
#include "triscreen/decide.h"

/* One file's checking state: the first problem found is kept in msg. */
typedef struct tcase {
    const char *file;
    char msg[512];
    bool bad;
} tcase;

static void fail_at(tcase *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail_at(tcase *t, const char *fmt, ...)
{
    if (t->bad)
        return;
    t->bad = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->msg, sizeof t->msg, fmt, ap);
    va_end(ap);
}

/* Refuses keys of o not in allowed (NULL-terminated): a typo must not pass silently. */
static void only_keys(tcase *t, json_object *o, const char *what, const char *const *allowed)
{
    if (!json_object_is_type(o, json_type_object)) {
        fail_at(t, "%s must be an object", what);
        return;
    }
    json_object_object_foreach(o, k, v)
    {
        (void)v;
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            ok = ok || strcmp(k, *a) == 0;
        if (!ok)
            fail_at(t, "unknown key '%s' in %s", k, what);
    }
}

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* True when o has key, even with a null value (which json-c returns as NULL). */
static bool has(json_object *o, const char *key)
{
    return o && json_object_object_get_ex(o, key, NULL);
}

static ts_colour colour_of(tcase *t, json_object *v, const char *what)
{
    const char *s = v ? json_object_get_string(v) : NULL;
    ts_colour c = TS_COLOUR_NONE;
    if (!v || json_object_is_type(v, json_type_null) || !strcmp(s, "none"))
        return TS_COLOUR_NONE;
    if (!json_object_is_type(v, json_type_string) || !ts_colour_parse(s, &c))
        fail_at(t, "%s: '%s' is not a colour", what, s ? s : "");
    return c;
}

static int32_t date_of(tcase *t, json_object *v, const char *what)
{
    int32_t d = TS_DATE_NONE;
    if (!v || json_object_is_type(v, json_type_null))
        return TS_DATE_NONE;
    const char *s = json_object_get_string(v);
    if (!json_object_is_type(v, json_type_string) || !ts_date_parse(s, strlen(s), &d))
        fail_at(t, "%s: '%s' is not a date", what, s ? s : "");
    return d;
}

static int int_of(tcase *t, json_object *v, const char *what, int dflt)
{
    if (!v)
        return dflt;
    if (!json_object_is_type(v, json_type_int))
        fail_at(t, "%s must be a whole number", what);
    return json_object_get_int(v);
}

static bool bool_of(tcase *t, json_object *v, const char *what, bool dflt)
{
    if (!v)
        return dflt;
    if (!json_object_is_type(v, json_type_boolean))
        fail_at(t, "%s must be true or false", what);
    return json_object_get_boolean(v);
}

static const char *const state_keys[] = {"listed",   "suspect",        "engine", "score",
                                         "regional", "regional_score", "colour", "since",
                                         "override", "next_review",    NULL};

/* A state; override: {colour, until} or absent/null = none. */
static void read_state(tcase *t, json_object *o, const char *what, ts_decide_state *s)
{
    memset(s, 0, sizeof *s);
    s->since = s->next_review = s->override_until = TS_DATE_NONE;
    if (!o)
        return;
    only_keys(t, o, what, state_keys);
    s->listed = bool_of(t, get(o, "listed"), "listed", false);
    s->suspect = bool_of(t, get(o, "suspect"), "suspect", false);
    s->engine = colour_of(t, get(o, "engine"), "engine");
    s->score = int_of(t, get(o, "score"), "score", 0);
    s->regional = colour_of(t, get(o, "regional"), "regional");
    s->regional_score = int_of(t, get(o, "regional_score"), "regional_score", 0);
    s->colour = colour_of(t, get(o, "colour"), "colour");
    s->since = date_of(t, get(o, "since"), "since");
    s->next_review = date_of(t, get(o, "next_review"), "next_review");
    json_object *ov = get(o, "override");
    if (ov && !json_object_is_type(ov, json_type_null)) {
        static const char *const ok[] = {"colour", "until", NULL};
        only_keys(t, ov, "override", ok);
        s->has_override = true;
        s->override_colour = colour_of(t, get(ov, "colour"), "override.colour");
        s->override_until = date_of(t, get(ov, "until"), "override.until");
    }
}

/* policy: {thresholds: {red, yellow, blue}, review_days: {...}}; defaults 70/40/20 and
 * 7/30/90 (the config's). A null threshold disables its colour. */
static void read_policy(tcase *t, json_object *o, ts_decide_policy *p)
{
    int th[3] = {70, 40, 20}, days[3] = {7, 30, 90};
    static const char *const pk[] = {"thresholds", "review_days", NULL};
    static const char *const ck[] = {"red", "yellow", "blue", NULL};
    if (o)
        only_keys(t, o, "policy", pk);
    for (int which = 0; which < 2; which++) {
        json_object *m = get(o, which ? "review_days" : "thresholds");
        int *arr = which ? days : th;
        if (!m)
            continue;
        only_keys(t, m, which ? "review_days" : "thresholds", ck);
        for (int i = 0; i < 3; i++) {
            json_object *v = get(m, ck[i]);
            if (has(m, ck[i]) && !v)
                arr[i] = -1;
            else
                arr[i] = int_of(t, v, ck[i], arr[i]);
        }
    }
    ts_decide_policy_from(th, days, p);
}

static void read_input(tcase *t, json_object *o, ts_decide_in *in, ts_decide_policy *pol,
                       ts_decide_fired *fired, size_t cap)
{
    static const char *const keys[] = {"source", "pass",   "prev", "fired", "regional_unchanged",
                                       "review", "policy", "now",  NULL};
    memset(in, 0, sizeof *in);
    only_keys(t, o, "input", keys);
    const char *src = json_object_get_string(get(o, "source"));
    in->source = src && !strcmp(src, "review") ? TS_DECIDE_REVIEW : TS_DECIDE_PASS;
    if (src && strcmp(src, "review") && strcmp(src, "pass"))
        fail_at(t, "source must be pass or review");
    const char *pass = json_object_get_string(get(o, "pass"));
    if (in->source == TS_DECIDE_PASS && !ts_pass_parse(pass, &in->pass))
        fail_at(t, "pass must be full, regional or targeted");
    read_state(t, get(o, "prev"), "prev", &in->prev);
    json_object *f = get(o, "fired");
    size_t n = f ? json_object_array_length(f) : 0;
    if (n > cap)
        fail_at(t, "too many fired rules");
    for (size_t i = 0; i < n && i < cap; i++) {
        json_object *r = json_object_array_get_idx(f, i);
        static const char *const fk[] = {"kind", "vote", "score", NULL};
        only_keys(t, r, "fired[]", fk);
        const char *kind = json_object_get_string(get(r, "kind"));
        fired[i].kind = kind && !strcmp(kind, "gap") ? TS_RULE_GAP : TS_RULE_SUSPECT;
        fired[i].vote = colour_of(t, get(r, "vote"), "fired.vote");
        fired[i].score = int_of(t, get(r, "score"), "fired.score", 0);
    }
    in->fired = fired;
    in->n_fired = n;
    in->regional_unchanged = bool_of(t, get(o, "regional_unchanged"), "regional_unchanged", false);
    json_object *rv = get(o, "review");
    if (in->source == TS_DECIDE_REVIEW) {
        static const char *const rk[] = {"outcome", "colour", "until", NULL};
        only_keys(t, rv, "review", rk);
        if (!ts_review_outcome_parse(json_object_get_string(get(rv, "outcome")), &in->outcome))
            fail_at(t, "review.outcome must be confirm, lower, raise or clear");
        in->review_colour = colour_of(t, get(rv, "colour"), "review.colour");
        in->review_until = date_of(t, get(rv, "until"), "review.until");
    }
    read_policy(t, get(o, "policy"), pol);
    in->policy = pol;
    if (!get(o, "now"))
        fail_at(t, "input.now is required");
    in->now = date_of(t, get(o, "now"), "now");
}

static const char *const override_names[] = {"absent", "kept", "expired", "set", "cleared"};
static const char *const change_names[] = {"none", "enter", "leave", "rise", "fall"};
static const char *const why_names[] = {"vote",    "score",  "base",    "kept",    "override",
                                        "expired", "review", "suspect", "new_date"};

static void check_int(tcase *t, const char *what, long long want, long long got)
{
    if (want != got)
        fail_at(t, "%s: expected %lld, got %lld", what, want, got);
}

static void check_name(tcase *t, json_object *v, const char *what, const char *const *names,
                       size_t n, unsigned got)
{
    if (!v)
        return;
    const char *want = json_object_get_string(v);
    const char *g = got < n ? names[got] : "?";
    if (!want || strcmp(want, g))
        fail_at(t, "%s: expected %s, got %s", what, want ? want : "?", g);
}

/* Compares the keys of want (an expected state) with got. */
static void check_state(tcase *t, json_object *want, const ts_decide_state *got)
{
    ts_decide_state w;
    read_state(t, want, "expect.next", &w);
    if (has(want, "listed"))
        check_int(t, "next.listed", w.listed, got->listed);
    if (has(want, "suspect"))
        check_int(t, "next.suspect", w.suspect, got->suspect);
    if (has(want, "engine"))
        check_int(t, "next.engine", w.engine, got->engine);
    if (has(want, "score"))
        check_int(t, "next.score", w.score, got->score);
    if (has(want, "regional"))
        check_int(t, "next.regional", w.regional, got->regional);
    if (has(want, "regional_score"))
        check_int(t, "next.regional_score", w.regional_score, got->regional_score);
    if (has(want, "colour"))
        check_int(t, "next.colour", w.colour, got->colour);
    if (has(want, "since"))
        check_int(t, "next.since", w.since, got->since);
    if (has(want, "next_review"))
        check_int(t, "next.next_review", w.next_review, got->next_review);
    if (has(want, "override")) {
        check_int(t, "next.override (present)", w.has_override, got->has_override);
        if (w.has_override && got->has_override) {
            check_int(t, "next.override.colour", w.override_colour, got->override_colour);
            check_int(t, "next.override.until", w.override_until, got->override_until);
        }
    }
}

static unsigned why_bits(tcase *t, json_object *arr)
{
    unsigned bits = 0;
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
        bool found = false;
        for (size_t k = 0; k < sizeof why_names / sizeof *why_names; k++)
            if (s && !strcmp(s, why_names[k])) {
                bits |= 1u << k;
                found = true;
            }
        if (!found)
            fail_at(t, "unknown why '%s'", s ? s : "");
    }
    return bits;
}

static void check_expect(tcase *t, json_object *e, const ts_decide_out *out)
{
    static const char *const keys[] = {"ok",       "next", "override", "change", "rise",
                                       "feedback", "why",  "n_gaps",   NULL};
    only_keys(t, e, "expect", keys);
    if (!get(e, "ok"))
        fail_at(t, "expect.ok is required");
    check_int(t, "ok", bool_of(t, get(e, "ok"), "ok", true), out->ok);
    if (!out->ok)
        return;
    if (get(e, "next"))
        check_state(t, get(e, "next"), &out->next);
    check_name(t, get(e, "override"), "override", override_names, 5, out->override);
    check_name(t, get(e, "change"), "change", change_names, 5, out->change);
    if (get(e, "rise"))
        check_int(t, "rise", bool_of(t, get(e, "rise"), "rise", false), out->rise);
    if (get(e, "feedback")) {
        const char *want = json_object_get_string(get(e, "feedback"));
        const char *g =
            out->feedback == TS_FEEDBACK_NONE ? "none" : ts_feedback_name(out->feedback);
        if (!want || strcmp(want, g))
            fail_at(t, "feedback: expected %s, got %s", want ? want : "?", g);
    }
    if (get(e, "why")) {
        unsigned want = why_bits(t, get(e, "why"));
        if (want != out->why)
            fail_at(t, "why: expected bits 0x%x, got 0x%x", want, out->why);
    }
    if (get(e, "n_gaps"))
        check_int(t, "n_gaps", int_of(t, get(e, "n_gaps"), "n_gaps", 0), out->n_gaps);
}

/* Runs one case file; false (and t->msg) on a mismatch or a malformed file. */
static bool run_file(const char *path, tcase *t)
{
    json_object *root = json_object_from_file(path);
    if (!root) {
        fail_at(t, "cannot read or parse: %s", json_util_get_last_err());
        return false;
    }
    static const char *const keys[] = {"name", "input", "expect", NULL};
    only_keys(t, root, "the case", keys);
    if (!get(root, "name") || !get(root, "input") || !get(root, "expect"))
        fail_at(t, "a case needs name, input and expect");
    ts_decide_in in;
    ts_decide_policy pol;
    ts_decide_fired fired[64];
    if (!t->bad)
        read_input(t, get(root, "input"), &in, &pol, fired, 64);
    if (!t->bad) {
        ts_decide_out out;
        ts_decide(&in, &out);
        check_expect(t, get(root, "expect"), &out);
    }
    json_object_put(root);
    return !t->bad;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_every_case(void **state)
{
    (void)state;
    const char *src = getenv("TS_SOURCE_DIR");
    assert_non_null(src);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/decide/cases", src);
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("no case folder %s", dir);
    char *names[1024];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 1024) {
        size_t len = strlen(e->d_name);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".json"))
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        tcase t = {.file = names[i]};
        if (!run_file(path, &t)) {
            print_error("%s: %s\n", names[i], t.msg);
            failed++;
        }
        free(names[i]);
    }
    print_message("decide cases: %zu files, %zu failed\n", n, failed);
    if (n == 0)
        fail_msg("no case files (*.json) in %s", dir);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_every_case)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

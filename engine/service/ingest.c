/* service/ingest.c — HTTP ingest on the caller's thread: the body split into records,
 * each parsed and checked (ts_ingest_check_person, the validation import uses too) and
 * against the token's scopes, before the job goes to the writer. Uses record, ingest,
 * grid; json-c to tell one JSON value from JSON Lines. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/app.h"
#include "service/svc_int.h"

/* ---- ingest: parse on the caller's thread ------------------------------------------- */

void ts__svc_rec_reject(rec *r, rec_state st, const char *field, const char *reason, ts_arena *a)
{
    r->state = r->parsed_state = st;
    r->field = field ? ts_arena_strdup(a, field) : "";
    r->reason = reason ? ts_arena_strdup(a, reason) : "";
    if (!r->field)
        r->field = "";
    if (!r->reason)
        r->reason = "rejected";
}

/* TS_NOMEM when an allocation failed (the record is not judged: a valid record must not
 * come back as invalid); else TS_OK with r's state set. */
static ts_status rec_parse(rec *r, const char *line, size_t len, const ts_config *cfg,
                           const ts_grid *grid, const ts_principal *who, ts_arena *a)
{
    if (len > TS_LIMIT_LINE) {
        char msg[96];
        snprintf(msg, sizeof msg, "record longer than %u bytes", TS_LIMIT_LINE);
        ts__svc_rec_reject(r, REC_INVALID, "", msg, a);
        return TS_OK;
    }
    ts_err e;
    ts_err_clear(&e);
    ts_status rc = ts_record_parse_json(line, len, a, &r->p, &e);
    if (rc == TS_NOMEM)
        return rc;
    if (rc != TS_OK) {
        ts__svc_rec_reject(r, REC_INVALID, e.where, e.msg[0] ? e.msg : ts_status_text(rc), a);
        return TS_OK;
    }
    const char *field = NULL;
    const ts_cell *c = NULL;
    const char *reason = ts_ingest_check_person(cfg, grid, &r->p, a, &field, &c);
    if (reason) {
        ts__svc_rec_reject(r, REC_INVALID, field, reason, a);
        return TS_OK;
    }
    if (!ts_principal_sees(who, c)) {
        ts__svc_rec_reject(r, REC_FORBIDDEN, REFUSED_FIELD, REFUSED_REASON, a);
        r->refused_why = "cell outside the token's scopes";
        return TS_OK;
    }
    r->state = r->parsed_state = REC_PENDING;
    return TS_OK;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/* Is body exactly one JSON value (with surrounding whitespace)? On failure msg says why. */
static bool one_json_value(const char *body, size_t len, char *msg, size_t cap)
{
    json_tokener *tok = json_tokener_new_ex(TS_LIMIT_JSON_DEPTH + 4);
    if (!tok) {
        snprintf(msg, cap, "out of memory");
        return false;
    }
    json_object *o = json_tokener_parse_ex(tok, body, (int)len);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    bool ok = false;
    if (o && je == json_tokener_success) {
        ok = blank(body + end, len - end);
        if (!ok)
            snprintf(msg, cap, "malformed JSON: unexpected data after the value at byte %zu", end);
    } else if (je == json_tokener_continue) {
        snprintf(msg, cap, "malformed JSON: unexpected end of input");
    } else {
        snprintf(msg, cap, "malformed JSON: %s at byte %zu", json_tokener_error_desc(je), end);
    }
    json_object_put(o);
    json_tokener_free(tok);
    return ok;
}

ts_status ts_service_ingest(ts_service *svc, ts_service_gen *g, const ts_principal *p,
                            const char *body, size_t len, bool single, ts_service_done_fn done,
                            void *ud, ts_svc_job **out, ts_err *err)
{
    if (blank(body, len))
        return ts_err_set(err, TS_INVALID, "", "empty body: expected a JSON record or JSON Lines");
    size_t n_lines = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(body + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - body) : len;
        n_lines += !blank(body + i, e - i);
        i = e + 1;
    }
    /* A body on one line is parsed as the record at once: a record that parses is one
     * JSON value, and only a line refused for its syntax is parsed again below, for
     * one_json_value's message (checking every body first cost a json-c parse a POST). */
    bool check_after = single && n_lines <= 1;
    if (check_after) {
        n_lines = 1;
    } else if (single) {
        char msg[sizeof(((ts_err *)0)->msg)]; /* ends in a ts_err */
        if (one_json_value(body, len, msg, sizeof msg))
            n_lines = 1;
        else
            single = false; /* several lines that are not one value: JSON Lines */
    }
    ts_svc_job *j = ts__svc_job_new(JOB_INGEST, g, p->name);
    if (!j || !(j->recs = calloc(n_lines, sizeof *j->recs))) {
        ts_svc_job_free(j);
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    }
    j->who = p;
    j->done = done;
    j->ud = ud;
    const ts_grid *grid = g->grid;
    if (single) {
        rec *r = &j->recs[j->n_recs++];
        r->line = 1;
        if (rec_parse(r, body, len, g->cfg, grid, p, &j->arena) != TS_OK) {
            ts_svc_job_free(j);
            return ts_err_set(err, TS_NOMEM, "line 1", "out of memory parsing the record");
        }
        char msg[sizeof(((ts_err *)0)->msg)]; /* ends in a ts_err */
        if (check_after && r->state == REC_INVALID && r->field[0] == '\0' &&
            !one_json_value(body, len, msg, sizeof msg)) {
            ts_svc_job_free(j);
            return ts_err_set(err, TS_PARSE, "", "%s", msg);
        }
        if (r->state == REC_INVALID && r->field[0] == '\0') {
            ts_err_set(err, TS_PARSE, "", "expected one JSON object (a person record): %s",
                       r->reason);
            ts_svc_job_free(j);
            return TS_PARSE;
        }
    } else {
        uint64_t line = 0;
        for (size_t i = 0; i < len;) {
            const char *nl = memchr(body + i, '\n', len - i);
            size_t e = nl ? (size_t)(nl - body) : len;
            line++;
            if (!blank(body + i, e - i)) {
                size_t n = e - i;
                if (n && body[i + n - 1] == '\r')
                    n--;
                rec *r = &j->recs[j->n_recs++];
                r->line = line;
                if (rec_parse(r, body + i, n, g->cfg, grid, p, &j->arena) != TS_OK) {
                    ts_svc_job_free(j);
                    return ts_err_set(err, TS_NOMEM, NULL,
                                      "line %llu: out of memory parsing the record",
                                      (unsigned long long)line);
                }
            }
            i = e + 1;
        }
    }
    if (ts_app_resolve_now(NULL, g->cfg, &j->now, NULL) != TS_OK)
        j->now = ts_date_today(); /* a loaded config's now: is a date: not reached */
    *out = j;
    return TS_OK;
}

/* record/json_int.h — internal to engine/record: the json-c entry points of json.c that
 * the JSONL and YAML readers reuse. Nothing here is API. */
#ifndef TS_RECORD_JSON_INT_H
#define TS_RECORD_JSON_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "triscreen/record.h"

struct json_object;
struct json_tokener;

/* The fast path of a JSON record (jfast.c): its scratch, one per thread. */
typedef struct ts__jfast ts__jfast;
/* remember: keep attribute names in normal form from record to record (a reader's
 * stream); a single record goes without. */
ts__jfast *ts__jfast_new(bool remember);
void ts__jfast_free(ts__jfast *f);
/* Parses buf[0..len) into *out when it is a record the json-c path accepts as the same
 * person; false (nothing in *out, maybe some arena space used) to let json-c decide. */
bool ts__jfast_parse(ts__jfast *f, const char *buf, size_t len, ts_arena *a, ts_person *out);

/* Converts a parsed json-c value (a JSON line, or a YAML item converted by the YAML
 * reader) into p. *pairs receives the number of key/value pairs seen in the objects of
 * the record (for the duplicate-key check). */
ts_status ts__rec_from_json(struct json_object *root, ts_arena *a, ts_person *p, size_t *pairs,
                            ts_err *err) TS_MUST_CHECK;
/* Parses one JSON line with a caller-owned tokener (reset here) and validates it: first
 * by the fast path (fast, may be NULL), then, when that declines, by json-c. */
ts_status ts__rec_parse_json_tok(struct json_tokener *tok, ts__jfast *fast, const char *buf,
                                 size_t len, ts_arena *a, ts_person *out,
                                 ts_err *err) TS_MUST_CHECK;
/* A tokener set up as the readers use it (depth TS_LIMIT_JSON_DEPTH, strict); NULL on
 * allocation failure. Free with json_tokener_free. */
struct json_tokener *ts__rec_tokener_new(void);

#endif

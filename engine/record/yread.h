/* record/yread.h — internal to engine/record: the YAML record reader (yaml.c) behind
 * ts_reader_open for .yaml/.yml files. */
#ifndef TS_RECORD_YREAD_H
#define TS_RECORD_YREAD_H

#include <stdint.h>

#include "record/reader_int.h"

ts_status ts__yread_open(ts_reader *r, ts_err *err) TS_MUST_CHECK;
ts_status ts__yread_next(ts_reader *r, ts_arena *a, ts_item *out, ts_err *err) TS_MUST_CHECK;
void ts__yread_progress(const ts_reader *r, uint64_t *done, uint64_t *total);
void ts__yread_close(ts_reader *r);

#endif

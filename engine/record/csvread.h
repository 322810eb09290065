/* record/csvread.h — internal to engine/record: the CSV reader (csv.c) behind
 * ts_reader_open for .csv files. */
#ifndef TS_RECORD_CSVREAD_H
#define TS_RECORD_CSVREAD_H

#include <stdint.h>

#include "record/reader_int.h"

ts_status ts__csvread_open(ts_reader *r, ts_err *err) TS_MUST_CHECK;
ts_status ts__csvread_next(ts_reader *r, ts_arena *a, ts_item *out, ts_err *err) TS_MUST_CHECK;
void ts__csvread_progress(const ts_reader *r, uint64_t *done, uint64_t *total);
void ts__csvread_close(ts_reader *r);

#endif

/* triscreen/date.h — calendar dates as whole days since 1970-01-01 (proleptic
 * Gregorian, no time zone). Stored data and the rule API use "YYYY-MM-DD". Pure
 * functions, thread-safe. */
#ifndef TRISCREEN_DATE_H
#define TRISCREEN_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TS_DATE_NONE INT32_MIN

/* Parses exactly "YYYY-MM-DD" (years 1000..9999, a real calendar day) of length len.
 * Returns false for anything else. */
bool ts_date_parse(const char *s, size_t len, int32_t *out);
/* When s[0..len) is not a date ts_date_parse accepts, writes a sentence saying what is
 * wrong into buf (e.g. "not a real date: year 0001 is before 1000, the earliest
 * year accepted", "not a real date: 2026-02-30, February 2026 has 28 days") and returns buf; NULL
 * when s is a valid date. Never quotes more than the ten characters of a date. Thread-safe. */
const char *ts_date_problem(const char *s, size_t len, char *buf, size_t n);
/* Writes "YYYY-MM-DD" and a NUL into buf (at least 11 bytes). */
void ts_date_format(int32_t days, char buf[11]);
/* Days since epoch for a civil date; month 1..12, day 1..31 (not validated). */
int32_t ts_date_from_civil(int y, int m, int d);
void ts_date_to_civil(int32_t days, int *y, int *m, int *d);
/* Whole years from born to at (the age on `at`); negative if at < born. */
int ts_date_years_between(int32_t born, int32_t at);
/* Today's date in UTC. */
int32_t ts_date_today(void);

#endif

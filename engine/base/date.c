/* base/date.c — civil-date arithmetic (Howard Hinnant's days_from_civil algorithm). */
#include <stdio.h>
#include <time.h>

#include "triscreen/date.h"

int32_t ts_date_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + (int)doe - 719468);
}

void ts_date_to_civil(int32_t z32, int *yp, int *mp, int *dp)
{
    long z = (long)z32 + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned long doe = (unsigned long)(z - era * 146097);
    unsigned long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = (long)yoe + era * 400;
    unsigned long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned long mp0 = (5 * doy + 2) / 153;
    unsigned long d = doy - (153 * mp0 + 2) / 5 + 1;
    unsigned long m = mp0 < 10 ? mp0 + 3 : mp0 - 9;
    *yp = (int)(y + (m <= 2));
    *mp = (int)m;
    *dp = (int)d;
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool ts_date_parse(const char *s, size_t len, int32_t *out)
{
    if (!s || len != 10 || s[4] != '-' || s[7] != '-')
        return false;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 1000 || m < 1 || m > 12 || d < 1)
        return false;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = mdays[m - 1] + (m == 2 && leap);
    if (d > max)
        return false;
    *out = ts_date_from_civil(y, m, d);
    return true;
}

const char *ts_date_problem(const char *s, size_t len, char *buf, size_t n)
{
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    int32_t ignored;
    if (ts_date_parse(s, len, &ignored))
        return NULL;
    if (!s || len != 10 || s[4] != '-' || s[7] != '-') {
        snprintf(buf, n, "not a date in the form YYYY-MM-DD");
        return buf;
    }
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 0 || m < 0 || d < 0)
        snprintf(buf, n, "not a date in the form YYYY-MM-DD (digits only)");
    else if (y < 1000)
        snprintf(buf, n, "not a real date: year %.4s is before 1000, the earliest year accepted",
                 s);
    else if (m < 1 || m > 12)
        snprintf(buf, n, "not a real date: %.10s has month %.2s (01..12)", s, s + 5);
    else if (d < 1)
        snprintf(buf, n, "not a real date: %.10s has day 00", s);
    else {
        static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        snprintf(buf, n, "not a real date: %.10s, %s %d has %d days", s, months[m - 1], y,
                 mdays[m - 1] + (m == 2 && leap));
    }
    return buf;
}

/* Two digits of v (0..99) at p. */
static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10u % 10u);
    p[1] = (char)('0' + v % 10u);
}

/* By hand, not snprintf: a pass formats a few dates an alert and a list row (snprintf
 * was ~3% of a regional pass, measured 2026-12-03). Same text as "%04u-%02u-%02u" of
 * the year mod 10000, month and day. */
void ts_date_format(int32_t days, char buf[11])
{
    int y, m, d;
    ts_date_to_civil(days, &y, &m, &d);
    unsigned uy = (unsigned)y % 10000u;
    put2(buf, uy / 100u);
    put2(buf + 2, uy % 100u);
    buf[4] = '-';
    put2(buf + 5, (unsigned)m % 100u);
    buf[7] = '-';
    put2(buf + 8, (unsigned)d % 100u);
    buf[10] = '\0';
}

int ts_date_years_between(int32_t born, int32_t at)
{
    int by, bm, bd, ay, am, ad;
    ts_date_to_civil(born, &by, &bm, &bd);
    ts_date_to_civil(at, &ay, &am, &ad);
    int years = ay - by;
    if (am < bm || (am == bm && ad < bd))
        years--;
    return years;
}

int32_t ts_date_today(void)
{
    time_t t = time(NULL);
    return (int32_t)(t / 86400);
}

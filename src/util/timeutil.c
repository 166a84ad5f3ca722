/*
 * timeutil.c — wall-clock and monotonic time (see timeutil.h).
 */
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t time_now(void)
{
    return (int64_t)time(NULL);
}

void time_format_rfc3339(int64_t unix_seconds, char out[32])
{
    struct tm tm;
    time_t t = (time_t)unix_seconds;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int time_parse_rfc3339(const char *text, int64_t *out)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    if (!text || strlen(text) != sizeof shape - 1)
        return -1;
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        if (shape[i] == 'd' ? (text[i] < '0' || text[i] > '9') : text[i] != shape[i])
            return -1;
    }
    struct tm tm = {0};
    tm.tm_year = atoi(text) - 1900;
    tm.tm_mon = atoi(text + 5) - 1;
    tm.tm_mday = atoi(text + 8);
    tm.tm_hour = atoi(text + 11);
    tm.tm_min = atoi(text + 14);
    tm.tm_sec = atoi(text + 17);
    if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 59)
        return -1;
    struct tm check = tm;
    time_t t = timegm(&check);
    /* timegm normalises 02-30 into March: a date that moved was not a real one. */
    if (t == (time_t)-1 || check.tm_mday != tm.tm_mday || check.tm_mon != tm.tm_mon)
        return -1;
    *out = (int64_t)t;
    return 0;
}

int64_t time_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

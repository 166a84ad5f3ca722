/*
 * timeutil.c — wall-clock and monotonic time (see timeutil.h).
 */
#include "util/timeutil.h"

#include <stdio.h>
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

int64_t time_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

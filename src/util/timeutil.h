/*
 * timeutil.h — wall-clock helpers: unix seconds and RFC 3339 UTC formatting and parsing.
 */
#ifndef TENANTD_UTIL_TIMEUTIL_H
#define TENANTD_UTIL_TIMEUTIL_H

#include <stdint.h>

int64_t time_now(void);
/* Formats unix seconds as "2026-11-27T18:10:25Z" into out (>= 21 bytes). */
void time_format_rfc3339(int64_t unix_seconds, char out[32]);
/*
 * Contract: text is untrusted. Accepts exactly the form time_format_rfc3339 writes,
 * "YYYY-MM-DDTHH:MM:SSZ" (UTC, no fraction, no offset), with a real calendar date.
 * Returns 0 with the unix seconds in *out, or -1.
 */
int time_parse_rfc3339(const char *text, int64_t *out);
/* Monotonic milliseconds, for durations and throttling windows. */
int64_t time_monotonic_ms(void);

#endif

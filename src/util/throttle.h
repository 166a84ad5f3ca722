/*
 * throttle.h — in-memory failure counters with a fixed window, keyed by string.
 *
 * Used for login attempts (key: email + address) and client authentication
 * (key: client_id + address, and address alone). Only failures are counted, and
 * keys include the caller's address, so a flood from one address never locks out
 * the same account or client used from elsewhere. Memory is bounded: at most
 * max_entries keys are tracked; when full, the oldest window is evicted.
 * Sharded so concurrent callers rarely contend on one lock.
 */
#ifndef TENANTD_UTIL_THROTTLE_H
#define TENANTD_UTIL_THROTTLE_H

#include <stddef.h>

struct throttle;

struct throttle *throttle_new(int max_failures, int window_seconds, size_t max_entries);
void throttle_free(struct throttle *t);
/* 0 when the key may proceed, else the seconds until it may (for Retry-After). */
int throttle_check(struct throttle *t, const char *key);
void throttle_record_failure(struct throttle *t, const char *key);
void throttle_reset(struct throttle *t, const char *key);

#endif

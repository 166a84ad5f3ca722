/*
 * readiness.h — why this node is degraded, for /readyz (SPEC §4.5).
 *
 * /readyz answers 200 while the node can issue tokens; its body says "status":"ok",
 * or "degraded" with one sentence per reason ("reasons"); /readyz?strict=1 answers
 * 503 whenever a reason is listed. health.c lists the token-path reasons itself
 * (database unreachable, change feed behind) and adds those of
 * readiness_degraded_reasons(), which runs every check of the table in readiness.c:
 * a new condition is one more row there.
 *
 * Database writable: a read says nothing about whether the database accepts writes
 * (a full disk, a read-only mount or a read-only standby still answer SELECTs), so
 * a prober thread makes a real, harmless write — a write transaction (writer turn
 * and database lock included) that rewrites the newest schema_migrations row
 * unchanged and commits — at most every READINESS_PROBE_MS, and only while someone
 * asks: /readyz reads the cached result and, when it is older than that, wakes the
 * prober. /readyz therefore never waits on the database lock. A probe that only
 * found the lock busy changes nothing (busy is not "not writable").
 */
#ifndef TENANTD_OPS_READINESS_H
#define TENANTD_OPS_READINESS_H

#include <jansson.h>

struct db;
struct service;
struct readiness;

#define READINESS_PROBE_MS 2000

/* Starts the prober for db and runs one probe now, so the first /readyz is already
 * truthful. NULL when out of memory or no thread can be started. */
struct readiness *readiness_start(struct db *db);
void readiness_stop(struct readiness *r);

/* Appends one string to reasons (a JSON array) per condition in which this node is
 * degraded ("database not writable: ..."); appends nothing when all is well. Never
 * blocks on the database. Call it only while the database is reachable (an
 * unreachable one is its own reason). */
void readiness_degraded_reasons(struct service *svc, json_t *reasons);

/* For checks: appends the string printf(fmt, ...) to reasons. */
void readiness_add_reason(json_t *reasons, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif

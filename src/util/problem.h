/*
 * problem.h — the one error type carried from any layer up to the HTTP edge.
 *
 * A problem becomes an RFC 9457 application/problem+json response: `status`,
 * `code` (machine-readable, the codes named in SPEC), `detail` (human text, never
 * containing a secret) and, when a request field is at fault, `field`.
 */
#ifndef TENANTD_UTIL_PROBLEM_H
#define TENANTD_UTIL_PROBLEM_H

#include <stdbool.h>

struct problem {
    int status;       /* HTTP status; 0 means "no problem" */
    const char *code; /* static string, e.g. "invalid_domain" */
    char field[96];   /* offending field ("" when none) */
    char detail[256]; /* human sentence */
};

/* Fills p. fmt is a printf format for detail. field may be NULL. */
void problem_set(struct problem *p, int status, const char *code, const char *field,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static inline bool problem_is_set(const struct problem *p)
{
    return p->status != 0;
}
static inline void problem_clear(struct problem *p)
{
    p->status = 0;
    p->code = 0;
    p->field[0] = 0;
    p->detail[0] = 0;
}

#endif

/*
 * problem.c — building the shared error type (see problem.h).
 */
#include "util/problem.h"

#include <stdarg.h>
#include <stdio.h>

void problem_set(struct problem *p, int status, const char *code, const char *field,
                 const char *fmt, ...)
{
    va_list ap;
    p->status = status;
    p->code = code;
    snprintf(p->field, sizeof p->field, "%s", field ? field : "");
    va_start(ap, fmt);
    vsnprintf(p->detail, sizeof p->detail, fmt, ap);
    va_end(ap);
}

/*
 * log.h — the server's log: one line per event on stderr, as JSON (one object per
 * line) or as text, with the request id and W3C trace id of the request being
 * served when there is one, and one access-log line per request.
 *
 * TENANTD_LOG_FORMAT=json|text (default: json when stderr is not a terminal),
 * TENANTD_LOG_LEVEL=debug|info|warn|error (default info; the access log is info).
 *
 * The access log is written off the request's critical path: the serving thread
 * copies a fixed-size record into a ring buffer (one short mutex hold) and a logger
 * thread formats and writes the records in batches. When the ring is full, records
 * are dropped and counted rather than slowing the server down.
 *
 * Secrets never reach a log line: callers log ids, codes and outcomes, never request
 * bodies, headers or credentials (tests/integration/logging.test.mjs checks a whole
 * flow's log for every secret it handled).
 */
#ifndef TENANTD_UTIL_LOG_H
#define TENANTD_UTIL_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_FORMAT_TEXT = 0, LOG_FORMAT_JSON };

#define LOG_REQUEST_ID_MAX 64 /* characters of an X-Request-Id we keep */
#define LOG_TRACE_ID_LEN 32   /* hex characters of a W3C trace id */

/* Parses "json"/"text" and "debug"/"info"/"warn"/"error"; false when unknown. */
bool log_parse_format(const char *text, enum log_format *out);
bool log_parse_level(const char *text, enum log_level *out);

/* Sets the format and level (before threads start; the defaults apply until then). */
void log_configure(enum log_format format, enum log_level level);
/* Starts / stops the access-log writer thread (stop flushes what is queued). */
int log_start(void);
void log_stop(void);

/* The request this thread is serving, for the lines it logs (NULL/"" clears). */
void log_set_request(const char *request_id, const char *trace_id);

/* One event. The message is formatted like printf; no trailing newline. */
void log_event(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One access-log record (fields may be NULL or ""). */
struct log_access {
    const char *method;
    const char *route; /* the matched route pattern, not the raw path */
    int status;
    int64_t micros;
    const char *client; /* the client address (behind trusted proxies: the forwarded one) */
    const char *request_id;
    const char *trace_id;
    const char *tenant_id;
    const char *app_id;
    const char *client_id;
};
void log_access(const struct log_access *entry);
/* Access records dropped because the writer could not keep up. */
uint64_t log_access_dropped(void);

/*
 * A request id from outside is kept when it is 1..LOG_REQUEST_ID_MAX characters of
 * [A-Za-z0-9._:-]; otherwise a new one (32 hex characters) is made. out needs
 * LOG_REQUEST_ID_MAX + 1 bytes.
 */
void log_request_id(const char *given, char out[LOG_REQUEST_ID_MAX + 1]);
/* The trace id of a well-formed `traceparent` (version 00), or "" (out: 33 bytes). */
void log_trace_id(const char *traceparent, char out[LOG_TRACE_ID_LEN + 1]);

#endif

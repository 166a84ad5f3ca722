/*
 * log.c — structured log lines and the buffered access log (see log.h).
 */
#include "util/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "crypto/random.h"

#define LOG_RING 8192 /* access records queued at most */
#define LOG_FIELD 64
#define LOG_OUT_SIZE (256 * 1024) /* the writer's output buffer */

static enum log_format log_format_current = LOG_FORMAT_TEXT;
static enum log_level log_level_current = LOG_INFO;
static _Thread_local char log_thread_request[LOG_REQUEST_ID_MAX + 1];
static _Thread_local char log_thread_trace[LOG_TRACE_ID_LEN + 1];

struct log_record {
    char method[8];
    const char *route; /* static pattern strings of the route tables */
    int status;
    int64_t micros;
    int64_t wall_ms;
    char client[LOG_FIELD];
    char request_id[LOG_REQUEST_ID_MAX + 1];
    char trace_id[LOG_TRACE_ID_LEN + 1];
    char tenant_id[40];
    char app_id[40];
    char client_id[LOG_FIELD];
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    struct log_record *ring;
    size_t head, count;
    bool running, stop, waiting;
    pthread_t thread;
    atomic_uint_fast64_t dropped;
} log_access_queue = {.lock = PTHREAD_MUTEX_INITIALIZER, .ready = PTHREAD_COND_INITIALIZER};

bool log_parse_format(const char *text, enum log_format *out)
{
    if (strcmp(text, "json") == 0)
        *out = LOG_FORMAT_JSON;
    else if (strcmp(text, "text") == 0)
        *out = LOG_FORMAT_TEXT;
    else
        return false;
    return true;
}

bool log_parse_level(const char *text, enum log_level *out)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcmp(text, names[i]) == 0) {
            *out = (enum log_level)i;
            return true;
        }
    return false;
}

void log_configure(enum log_format format, enum log_level level)
{
    log_format_current = format;
    log_level_current = level;
}

void log_set_request(const char *request_id, const char *trace_id)
{
    snprintf(log_thread_request, sizeof log_thread_request, "%s", request_id ? request_id : "");
    snprintf(log_thread_trace, sizeof log_thread_trace, "%s", trace_id ? trace_id : "");
}

static int64_t log_wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void log_time(int64_t ms, char out[96])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    unsigned millis = (unsigned)(ms % 1000);
    snprintf(out, 96, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

/* Appends s as a JSON string body (no quotes), escaped; stops at the buffer's end. */
static void log_json_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
}

static const char *log_level_name(enum log_level level)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    return names[level];
}

/* Writes one finished line to stderr with a single write (lines do not interleave). */
static void log_emit(const char *line, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, line, len);
        if (n <= 0)
            return;
        line += n;
        len -= (size_t)n;
    }
}

void log_event(enum log_level level, const char *fmt, ...)
{
    if (level < log_level_current)
        return;
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return;
    char when[96];
    log_time(log_wall_ms(), when);
    if (log_format_current == LOG_FORMAT_JSON) {
        fprintf(f, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"", when, log_level_name(level));
        log_json_escape(f, message);
        fputc('"', f);
        if (log_thread_request[0]) {
            fputs(",\"request_id\":\"", f);
            log_json_escape(f, log_thread_request);
            fputc('"', f);
        }
        if (log_thread_trace[0])
            fprintf(f, ",\"trace_id\":\"%s\"", log_thread_trace);
        fputs("}\n", f);
    } else {
        fprintf(f, "%s %s tenantd: %s", when, log_level_name(level), message);
        if (log_thread_request[0])
            fprintf(f, " request_id=%s", log_thread_request);
        if (log_thread_trace[0])
            fprintf(f, " trace_id=%s", log_thread_trace);
        fputc('\n', f);
    }
    fclose(f);
    log_emit(buf, len);
    free(buf);
}

/* ---- access log ---------------------------------------------------------- */

/* Copies src into dst[size], cut to fit (the serving thread's part: no stdio). */
static void log_copy(char *dst, size_t size, const char *src)
{
    size_t n = src ? strnlen(src, size - 1) : 0;
    memcpy(dst, src ? src : "", n);
    dst[n] = 0;
}

void log_access(const struct log_access *entry)
{
    if (LOG_INFO < log_level_current || !log_access_queue.running)
        return;
    struct log_record r;
    log_copy(r.method, sizeof r.method, entry->method);
    r.route = entry->route;
    r.status = entry->status;
    r.micros = entry->micros;
    r.wall_ms = log_wall_ms();
    log_copy(r.client, sizeof r.client, entry->client);
    log_copy(r.request_id, sizeof r.request_id, entry->request_id);
    log_copy(r.trace_id, sizeof r.trace_id, entry->trace_id);
    log_copy(r.tenant_id, sizeof r.tenant_id, entry->tenant_id);
    log_copy(r.app_id, sizeof r.app_id, entry->app_id);
    log_copy(r.client_id, sizeof r.client_id, entry->client_id);
    pthread_mutex_lock(&log_access_queue.lock);
    if (log_access_queue.count == LOG_RING) {
        pthread_mutex_unlock(&log_access_queue.lock);
        atomic_fetch_add(&log_access_queue.dropped, 1);
        return;
    }
    log_access_queue.ring[(log_access_queue.head + log_access_queue.count) % LOG_RING] = r;
    log_access_queue.count++;
    bool wake = log_access_queue.waiting && log_access_queue.count >= LOG_RING / 8;
    pthread_mutex_unlock(&log_access_queue.lock);
    if (wake)
        pthread_cond_signal(&log_access_queue.ready);
}

uint64_t log_access_dropped(void)
{
    return atomic_load(&log_access_queue.dropped);
}

/*
 * The writer formats by hand into one fixed buffer: no stdio, no allocation, and the
 * calendar part of the time stamp is computed once per second. The access log runs
 * for every request, so its cost is budgeted (docs/PERFORMANCE.md).
 */
struct log_out {
    char *p;
    size_t len, cap; /* cap keeps room for one more record (LOG_RECORD_MAX) */
};

/* A record's longest line: its strings hold at most 307 bytes, each escaped to at
 * most 6 (\\u00XX), plus a route pattern, the labels and the numbers. */
#define LOG_RECORD_MAX 4096

static void log_put(struct log_out *o, const char *s, size_t n)
{
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void log_puts(struct log_out *o, const char *s)
{
    log_put(o, s, strlen(s));
}

static void log_put_uint(struct log_out *o, uint64_t v, int min_digits)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 || n < min_digits);
    while (n > 0)
        o->p[o->len++] = digits[--n];
}

/* value as a JSON string body (escaped), or — in text lines — with blanks and
 * control characters replaced so a field cannot split the line. */
static void log_put_value(struct log_out *o, const char *value)
{
    static const char hex[] = "0123456789abcdef";
    for (const char *s = value; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (log_format_current != LOG_FORMAT_JSON) {
            o->p[o->len++] = c < 0x21 || c == 0x7f ? '_' : (char)c;
        } else if (c == '"' || c == '\\') {
            o->p[o->len++] = '\\';
            o->p[o->len++] = (char)c;
        } else if (c == '\n') {
            log_put(o, "\\n", 2);
        } else if (c < 0x20 || c == 0x7f) {
            log_put(o, "\\u00", 4);
            o->p[o->len++] = hex[c >> 4];
            o->p[o->len++] = hex[c & 15];
        } else {
            o->p[o->len++] = (char)c;
        }
    }
}

/* Appends `,"name":"value"` (JSON) or ` name=value` (text) when value is set. */
static void log_put_field(struct log_out *o, const char *name, const char *value)
{
    if (!value[0])
        return;
    bool json = log_format_current == LOG_FORMAT_JSON;
    log_puts(o, json ? ",\"" : " ");
    log_puts(o, name);
    log_puts(o, json ? "\":\"" : "=");
    log_put_value(o, value);
    if (json)
        o->p[o->len++] = '"';
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ"; the part up to the seconds is cached per second. */
static void log_put_time(struct log_out *o, int64_t wall_ms)
{
    static _Thread_local int64_t cached_second = -1;
    static _Thread_local char cached[24];
    int64_t second = wall_ms / 1000;
    if (second != cached_second) {
        char when[96];
        log_time(second * 1000, when);
        memcpy(cached, when, 19); /* YYYY-MM-DDTHH:MM:SS */
        cached_second = second;
    }
    log_put(o, cached, 19);
    o->p[o->len++] = '.';
    log_put_uint(o, (uint64_t)(wall_ms % 1000), 3);
    o->p[o->len++] = 'Z';
}

static void log_format_record(struct log_out *o, const struct log_record *r)
{
    bool json = log_format_current == LOG_FORMAT_JSON;
    if (json)
        log_puts(o, "{\"time\":\"");
    log_put_time(o, r->wall_ms);
    log_puts(o, json ? "\",\"level\":\"info\",\"msg\":\"access\",\"method\":\""
                     : " info tenantd: access method=");
    log_put_value(o, r->method);
    log_puts(o, json ? "\",\"route\":\"" : " route=");
    log_put_value(o, r->route ? r->route : "unmatched");
    log_puts(o, json ? "\",\"status\":" : " status=");
    log_put_uint(o, (uint64_t)(r->status < 0 ? 0 : r->status), 1);
    log_puts(o, json ? ",\"duration_ms\":" : " duration_ms=");
    uint64_t micros = (uint64_t)(r->micros < 0 ? 0 : r->micros);
    log_put_uint(o, micros / 1000, 1);
    o->p[o->len++] = '.';
    log_put_uint(o, micros % 1000, 3);
    log_put_field(o, "client", r->client);
    log_put_field(o, "request_id", r->request_id);
    log_put_field(o, "trace_id", r->trace_id);
    log_put_field(o, "tenant_id", r->tenant_id);
    log_put_field(o, "app_id", r->app_id);
    log_put_field(o, "client_id", r->client_id);
    log_puts(o, json ? "}\n" : "\n");
}

static void *log_access_thread(void *arg)
{
    struct log_record *batch = malloc(LOG_RING * sizeof *batch);
    char *out = malloc(LOG_OUT_SIZE);
    if (!batch || !out) {
        free(batch);
        free(out);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&log_access_queue.lock);
        while (log_access_queue.count == 0 && !log_access_queue.stop) {
            /* wake at least every 100 ms so a quiet server's lines are not held back */
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 100 * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            log_access_queue.waiting = true;
            pthread_cond_timedwait(&log_access_queue.ready, &log_access_queue.lock, &until);
            log_access_queue.waiting = false;
        }
        size_t n = log_access_queue.count;
        for (size_t i = 0; i < n; i++)
            batch[i] = log_access_queue.ring[(log_access_queue.head + i) % LOG_RING];
        log_access_queue.head = (log_access_queue.head + n) % LOG_RING;
        log_access_queue.count = 0;
        bool stop = log_access_queue.stop;
        pthread_mutex_unlock(&log_access_queue.lock);
        struct log_out o = {.p = out, .cap = LOG_OUT_SIZE - LOG_RECORD_MAX};
        for (size_t i = 0; i < n; i++) {
            log_format_record(&o, &batch[i]);
            if (o.len >= o.cap || i + 1 == n) {
                log_emit(o.p, o.len);
                o.len = 0;
            }
        }
        if (stop && n == 0)
            break;
        if (!stop) {
            /* batch: let records accumulate for a moment instead of one write each */
            struct timespec pause = {0, 20 * 1000000L};
            nanosleep(&pause, NULL);
        }
    }
    free(batch);
    free(out);
    return NULL;
}

int log_start(void)
{
    if (log_access_queue.running)
        return 0;
    log_access_queue.ring = calloc(LOG_RING, sizeof *log_access_queue.ring);
    if (!log_access_queue.ring)
        return -1;
    log_access_queue.stop = false;
    if (pthread_create(&log_access_queue.thread, NULL, log_access_thread, NULL) != 0) {
        free(log_access_queue.ring);
        log_access_queue.ring = NULL;
        return -1;
    }
    log_access_queue.running = true;
    return 0;
}

void log_stop(void)
{
    if (!log_access_queue.running)
        return;
    pthread_mutex_lock(&log_access_queue.lock);
    log_access_queue.stop = true;
    log_access_queue.running = false;
    pthread_mutex_unlock(&log_access_queue.lock);
    pthread_cond_signal(&log_access_queue.ready);
    pthread_join(log_access_queue.thread, NULL);
    free(log_access_queue.ring);
    log_access_queue.ring = NULL;
}

void log_request_id(const char *given, char out[LOG_REQUEST_ID_MAX + 1])
{
    size_t n = given ? strnlen(given, LOG_REQUEST_ID_MAX + 1) : 0;
    bool ok = n > 0 && n <= LOG_REQUEST_ID_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        char c = given[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '.' || c == '_' || c == ':' || c == '-';
    }
    if (ok) {
        memcpy(out, given, n);
        out[n] = 0;
        return;
    }
    /* A per-thread random prefix and a counter: unique, and no CSPRNG call per
     * request (request ids are correlation handles, not secrets). */
    static _Thread_local unsigned char prefix[8];
    static _Thread_local uint64_t counter;
    static _Thread_local bool seeded;
    static const char hex[] = "0123456789abcdef";
    if (!seeded) {
        if (crypto_random_bytes(prefix, sizeof prefix) != 0)
            memset(prefix, 0, sizeof prefix);
        seeded = true;
    }
    uint64_t sequence = ++counter;
    for (size_t i = 0; i < 8; i++) {
        out[2 * i] = hex[prefix[i] >> 4];
        out[2 * i + 1] = hex[prefix[i] & 15];
    }
    for (int i = 15; i >= 0; i--, sequence >>= 4)
        out[16 + i] = hex[sequence & 15];
    out[32] = 0;
}

static bool log_is_lower_hex(const char *s, size_t n)
{
    bool nonzero = false;
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
        nonzero = nonzero || s[i] != '0';
    }
    return nonzero;
}

void log_trace_id(const char *traceparent, char out[LOG_TRACE_ID_LEN + 1])
{
    out[0] = 0;
    /* 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags> (W3C Trace Context) */
    if (!traceparent || strlen(traceparent) != 55 || strncmp(traceparent, "00-", 3) != 0 ||
        traceparent[35] != '-' || traceparent[52] != '-' ||
        !log_is_lower_hex(traceparent + 3, 32) || !log_is_lower_hex(traceparent + 36, 16))
        return;
    memcpy(out, traceparent + 3, 32);
    out[32] = 0;
}

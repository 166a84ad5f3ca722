/*
 * metrics.c — counters and the Prometheus text rendering (see metrics.h).
 */
#include "ops/metrics.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "version.h"

#define METRICS_SLOTS 512
#define METRICS_LATENCY_SLOTS 256

static const int64_t metrics_token_buckets_us[] = {100,  250,   500,   1000,  2500,
                                                   5000, 10000, 25000, 100000};
#define METRICS_BUCKETS (sizeof metrics_token_buckets_us / sizeof metrics_token_buckets_us[0])

/* tenantd_http_request_duration_seconds: from 250 µs (a token) to 10 s (a storage
 * test against a slow endpoint); le in seconds. */
static const int64_t metrics_latency_buckets_us[] = {250,    500,     1000,    2500,    5000,
                                                     10000,  25000,   50000,   100000,  250000,
                                                     500000, 1000000, 2500000, 5000000, 10000000};
#define METRICS_LATENCY_BUCKETS                                                                    \
    (sizeof metrics_latency_buckets_us / sizeof metrics_latency_buckets_us[0])

/* Requests by (method, route, status). route and method are static strings, compared
 * by address; a slot is claimed once (under claim) and never freed. */
struct metrics_slot {
    _Atomic(const char *) route;
    _Atomic(const char *) method;
    _Atomic int status;
    atomic_ullong count;
};

/* Latency by (method, route, status class 1..5). */
struct metrics_latency_slot {
    _Atomic(const char *) route;
    _Atomic(const char *) method;
    _Atomic int status_class;
    atomic_ullong buckets[METRICS_LATENCY_BUCKETS + 1];
    atomic_ullong count;
    atomic_ullong sum_us;
};

struct metrics {
    struct metrics_slot slots[METRICS_SLOTS];
    struct metrics_latency_slot latency[METRICS_LATENCY_SLOTS];
    pthread_mutex_t claim;
    atomic_ullong token_buckets[METRICS_BUCKETS + 1];
    atomic_ullong token_count;
    atomic_ullong token_sum_us;
    atomic_ullong auth_failures;
    atomic_ullong previous_secret_auths;
    atomic_ullong private_key_jwt_auths;
    atomic_ullong assertion_replays;
    atomic_ullong unrecorded; /* observations dropped because a table was full */
};

struct metrics *metrics_new(void)
{
    struct metrics *m = calloc(1, sizeof *m);
    if (m)
        pthread_mutex_init(&m->claim, NULL);
    return m;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->claim);
    free(m);
}

static size_t metrics_hash(const char *route, const char *method, int status)
{
    return ((size_t)(uintptr_t)route >> 3) * 31u + ((size_t)(uintptr_t)method >> 3) * 7u +
           (size_t)status;
}

static void metrics_count_request(struct metrics *m, const char *route, const char *method,
                                  int status)
{
    size_t h = metrics_hash(route, method, status);
    for (size_t i = 0; i < METRICS_SLOTS; i++) {
        struct metrics_slot *s = &m->slots[(h + i) % METRICS_SLOTS];
        const char *r = atomic_load(&s->route);
        if (r == NULL) {
            pthread_mutex_lock(&m->claim);
            if (atomic_load(&s->route) == NULL) {
                atomic_store(&s->status, status);
                atomic_store(&s->method, method);
                atomic_store(&s->route, route);
            }
            pthread_mutex_unlock(&m->claim);
            r = atomic_load(&s->route);
        }
        if (r == route && atomic_load(&s->method) == method && atomic_load(&s->status) == status) {
            atomic_fetch_add(&s->count, 1);
            return;
        }
    }
    atomic_fetch_add(&m->unrecorded, 1);
}

static void metrics_time_request(struct metrics *m, const char *route, const char *method,
                                 int status_class, int64_t micros)
{
    size_t h = metrics_hash(route, method, status_class);
    for (size_t i = 0; i < METRICS_LATENCY_SLOTS; i++) {
        struct metrics_latency_slot *s = &m->latency[(h + i) % METRICS_LATENCY_SLOTS];
        const char *r = atomic_load(&s->route);
        if (r == NULL) {
            pthread_mutex_lock(&m->claim);
            if (atomic_load(&s->route) == NULL) {
                atomic_store(&s->status_class, status_class);
                atomic_store(&s->method, method);
                atomic_store(&s->route, route);
            }
            pthread_mutex_unlock(&m->claim);
            r = atomic_load(&s->route);
        }
        if (r == route && atomic_load(&s->method) == method &&
            atomic_load(&s->status_class) == status_class) {
            size_t b = 0;
            while (b < METRICS_LATENCY_BUCKETS && micros > metrics_latency_buckets_us[b])
                b++;
            atomic_fetch_add(&s->buckets[b], 1);
            atomic_fetch_add(&s->count, 1);
            atomic_fetch_add(&s->sum_us, (unsigned long long)(micros > 0 ? micros : 0));
            return;
        }
    }
    atomic_fetch_add(&m->unrecorded, 1);
}

void metrics_observe_request(struct metrics *m, const char *method, const char *route, int status,
                             int64_t micros)
{
    if (!m)
        return;
    if (!route)
        route = "unmatched";
    if (!method)
        method = "OTHER";
    metrics_count_request(m, route, method, status);
    int status_class = status >= 100 && status <= 599 ? status / 100 : 5;
    metrics_time_request(m, route, method, status_class, micros);
}

void metrics_observe_token(struct metrics *m, int64_t micros)
{
    if (!m)
        return;
    size_t b = 0;
    while (b < METRICS_BUCKETS && micros > metrics_token_buckets_us[b])
        b++;
    atomic_fetch_add(&m->token_buckets[b], 1);
    atomic_fetch_add(&m->token_count, 1);
    atomic_fetch_add(&m->token_sum_us, (unsigned long long)(micros > 0 ? micros : 0));
}

void metrics_count_auth_failure(struct metrics *m)
{
    if (m)
        atomic_fetch_add(&m->auth_failures, 1);
}

void metrics_count_private_key_jwt_auth(struct metrics *m)
{
    if (m)
        atomic_fetch_add(&m->private_key_jwt_auths, 1);
}

void metrics_count_assertion_replay(struct metrics *m)
{
    if (m)
        atomic_fetch_add(&m->assertion_replays, 1);
}

void metrics_count_previous_secret_auth(struct metrics *m)
{
    if (m)
        atomic_fetch_add(&m->previous_secret_auths, 1);
}

/* The token path's series: one row each (the refusal counter has a label and is
 * written separately). */
static void metrics_render_token_path(FILE *f, const struct metrics_token_path *tp)
{
    const struct {
        const char *name, *type, *help;
        double value;
    } rows[] = {
        {"tenantd_app_cache_entries", "gauge", "Clients in the token-path cache.",
         (double)tp->cache_entries},
        {"tenantd_app_cache_negative_entries", "gauge",
         "Unknown client_ids remembered by the token-path cache.",
         (double)tp->cache_negative_entries},
        {"tenantd_app_cache_hits_total", "counter", "Token-path lookups answered from the cache.",
         (double)tp->cache_hits},
        {"tenantd_app_cache_misses_total", "counter", "Token-path lookups not in the cache.",
         (double)tp->cache_misses},
        {"tenantd_app_cache_negative_hits_total", "counter",
         "Unknown client_ids answered from the cache.", (double)tp->cache_negative_hits},
        {"tenantd_app_cache_evictions_total", "counter",
         "Clients evicted to stay within TENANTD_APP_CACHE_MAX.", (double)tp->cache_evictions},
        {"tenantd_token_path_db_queries_total", "counter",
         "Database round trips made by the token path (cache fills).",
         (double)tp->database_queries},
        {"tenantd_token_path_db_errors_total", "counter",
         "Token-path database round trips that failed.", (double)tp->database_errors},
        {"tenantd_database_reachable", "gauge",
         "1 while the change feed and cache fills reach the database.",
         tp->database_reachable ? 1 : 0},
        {"tenantd_serving_stale", "gauge",
         "1 while tokens are issued from the cache with the database unreachable.",
         !tp->database_reachable && !tp->failing_closed ? 1 : 0},
        {"tenantd_failing_closed", "gauge",
         "1 once the cache is older than TENANTD_STALE_MAX_SECONDS (every lookup 503).",
         tp->failing_closed ? 1 : 0},
        {"tenantd_change_feed_lag_seconds", "gauge",
         "Time since the last successful read of the change feed.", tp->feed_lag_seconds},
        {"tenantd_change_feed_delay_seconds", "gauge",
         "Commit to applied on this node, for the newest change applied.", tp->feed_delay_seconds},
        {"tenantd_change_feed_applied_sequence", "gauge",
         "Sequence number of the newest change applied.", (double)tp->feed_applied_seq},
        {"tenantd_change_feed_behind_sequences", "gauge",
         "Changes seen in the log but not yet applied.", (double)tp->feed_behind},
        {"tenantd_change_feed_applied_total", "counter", "Changes applied.",
         (double)tp->feed_applied},
        {"tenantd_change_feed_resets_total", "counter",
         "Whole-cache drops after falling behind the change-log retention.",
         (double)tp->feed_resets},
        {"tenantd_change_feed_errors_total", "counter", "Failed change-feed reads or connections.",
         (double)tp->feed_errors},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", rows[i].name, rows[i].help,
                rows[i].name, rows[i].type, rows[i].name, rows[i].value);
    fprintf(f,
            "# HELP tenantd_token_path_refusals_total Lookups refused with 503.\n"
            "# TYPE tenantd_token_path_refusals_total counter\n"
            "tenantd_token_path_refusals_total{reason=\"stale\"} %llu\n"
            "tenantd_token_path_refusals_total{reason=\"database_unreachable\"} %llu\n",
            (unsigned long long)tp->refused_stale, (unsigned long long)tp->refused_unreachable);
}

/* A label value: route patterns are ours, but escape as the text format requires. */
static void metrics_label(FILE *f, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', f);
        if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
}

static void metrics_render_requests(FILE *f, struct metrics *m)
{
    fprintf(f, "# HELP tenantd_http_requests_total HTTP requests by method, route and status.\n"
               "# TYPE tenantd_http_requests_total counter\n");
    for (size_t i = 0; i < METRICS_SLOTS; i++) {
        const struct metrics_slot *s = &m->slots[i];
        const char *r = atomic_load(&s->route);
        if (!r)
            continue;
        fprintf(f, "tenantd_http_requests_total{method=\"%s\",route=\"", atomic_load(&s->method));
        metrics_label(f, r);
        fprintf(f, "\",status=\"%d\"} %llu\n", atomic_load(&s->status), atomic_load(&s->count));
    }
    fprintf(f, "# HELP tenantd_http_request_duration_seconds Time from the request's first byte "
               "to its reply being queued, by method, route and status class.\n"
               "# TYPE tenantd_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < METRICS_LATENCY_SLOTS; i++) {
        struct metrics_latency_slot *s = &m->latency[i];
        const char *r = atomic_load(&s->route);
        if (!r)
            continue;
        /* The labels once, then each line: bucket{labels,le}, _sum{labels}, _count{labels}. */
        char *labels = NULL;
        size_t labels_len = 0;
        FILE *lf = open_memstream(&labels, &labels_len);
        if (!lf)
            continue;
        fprintf(lf, "method=\"%s\",route=\"", atomic_load(&s->method));
        metrics_label(lf, r);
        fprintf(lf, "\",status_class=\"%dxx\"", atomic_load(&s->status_class));
        fclose(lf);
        unsigned long long cumulative = 0;
        for (size_t b = 0; b < METRICS_LATENCY_BUCKETS; b++) {
            cumulative += atomic_load(&s->buckets[b]);
            fprintf(f, "tenantd_http_request_duration_seconds_bucket{%s,le=\"%g\"} %llu\n", labels,
                    (double)metrics_latency_buckets_us[b] / 1e6, cumulative);
        }
        cumulative += atomic_load(&s->buckets[METRICS_LATENCY_BUCKETS]);
        fprintf(f, "tenantd_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n", labels,
                cumulative);
        fprintf(f, "tenantd_http_request_duration_seconds_sum{%s} %.6f\n", labels,
                (double)atomic_load(&s->sum_us) / 1e6);
        /* The buckets were read one by one while requests went on: the count written is
         * the +Inf bucket's, so the histogram stays self-consistent. */
        fprintf(f, "tenantd_http_request_duration_seconds_count{%s} %llu\n", labels, cumulative);
        free(labels);
    }
    fprintf(f,
            "# HELP tenantd_metrics_unrecorded_total Observations dropped because a metrics table "
            "was full.\n"
            "# TYPE tenantd_metrics_unrecorded_total counter\n"
            "tenantd_metrics_unrecorded_total %llu\n",
            atomic_load(&m->unrecorded));
}

static void metrics_render_pool(FILE *f, const struct db_pool_stats *p)
{
    fprintf(f,
            "# HELP tenantd_db_pool_connections Connections the pool may open.\n"
            "# TYPE tenantd_db_pool_connections gauge\n"
            "tenantd_db_pool_connections %u\n"
            "# HELP tenantd_db_pool_open_connections Connections open now.\n"
            "# TYPE tenantd_db_pool_open_connections gauge\n"
            "tenantd_db_pool_open_connections %u\n"
            "# HELP tenantd_db_pool_in_use_connections Connections handed out now.\n"
            "# TYPE tenantd_db_pool_in_use_connections gauge\n"
            "tenantd_db_pool_in_use_connections %u\n"
            "# HELP tenantd_db_pool_acquires_total Connections handed out.\n"
            "# TYPE tenantd_db_pool_acquires_total counter\n"
            "tenantd_db_pool_acquires_total %llu\n"
            "# HELP tenantd_db_pool_waits_total Acquisitions that waited for a free connection.\n"
            "# TYPE tenantd_db_pool_waits_total counter\n"
            "tenantd_db_pool_waits_total %llu\n"
            "# HELP tenantd_db_pool_wait_seconds_total Time spent waiting for a free connection.\n"
            "# TYPE tenantd_db_pool_wait_seconds_total counter\n"
            "tenantd_db_pool_wait_seconds_total %.6f\n"
            "# HELP tenantd_db_writers_waiting Write transactions queued for the writer turn.\n"
            "# TYPE tenantd_db_writers_waiting gauge\n"
            "tenantd_db_writers_waiting %u\n",
            p->size, p->open, p->in_use, (unsigned long long)p->acquires,
            (unsigned long long)p->waits, p->wait_seconds, p->writers_waiting);
}

/* Reads a whole small /proc file into buf (NUL-terminated); 0 or -1. */
static int metrics_read_proc(const char *path, char *buf, size_t size)
{
    FILE *in = fopen(path, "re");
    if (!in)
        return -1;
    size_t n = fread(buf, 1, size - 1, in);
    fclose(in);
    buf[n] = 0;
    return n > 0 ? 0 : -1;
}

/*
 * The standard process metrics of the Prometheus client libraries, from /proc/self:
 * process_cpu_seconds_total, process_resident_memory_bytes,
 * process_virtual_memory_bytes, process_open_fds, process_max_fds, process_threads,
 * process_start_time_seconds. A value that cannot be read is left out.
 */
static void metrics_render_process(FILE *f)
{
    char buf[4096];
    long ticks = sysconf(_SC_CLK_TCK);
    long page = sysconf(_SC_PAGESIZE);
    if (metrics_read_proc("/proc/self/stat", buf, sizeof buf) == 0) {
        /* Fields after the command name "(...)", which may itself hold spaces and ')'. */
        const char *p = strrchr(buf, ')');
        unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
        long threads = 0, rss = 0;
        if (p &&
            sscanf(p + 2,
                   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
                   "%ld %*d %llu %llu %ld",
                   &utime, &stime, &threads, &start, &vsize, &rss) == 6 &&
            ticks > 0) {
            fprintf(f,
                    "# HELP process_cpu_seconds_total Total user and system CPU time spent in "
                    "seconds.\n"
                    "# TYPE process_cpu_seconds_total counter\n"
                    "process_cpu_seconds_total %.2f\n"
                    "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                    "# TYPE process_resident_memory_bytes gauge\n"
                    "process_resident_memory_bytes %lld\n"
                    "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
                    "# TYPE process_virtual_memory_bytes gauge\n"
                    "process_virtual_memory_bytes %llu\n"
                    "# HELP process_threads Number of OS threads in the process.\n"
                    "# TYPE process_threads gauge\n"
                    "process_threads %ld\n",
                    (double)(utime + stime) / (double)ticks, (long long)rss * page, vsize, threads);
            /* starttime is in ticks since boot; boot time from the clocks, not /proc/stat
             * (hidden by systemd's ProcSubset=pid). */
            struct timespec real, boot;
            if (clock_gettime(CLOCK_REALTIME, &real) == 0 &&
                clock_gettime(CLOCK_BOOTTIME, &boot) == 0) {
                double booted = (double)real.tv_sec + (double)real.tv_nsec / 1e9 -
                                ((double)boot.tv_sec + (double)boot.tv_nsec / 1e9);
                fprintf(f,
                        "# HELP process_start_time_seconds Start time of the process since "
                        "unix epoch in seconds.\n"
                        "# TYPE process_start_time_seconds gauge\n"
                        "process_start_time_seconds %.2f\n",
                        booted + (double)start / (double)ticks);
            }
        }
    }
    DIR *fds = opendir("/proc/self/fd");
    if (fds) {
        long open_fds = 0;
        struct dirent *e;
        while ((e = readdir(fds)) != NULL)
            if (e->d_name[0] != '.')
                open_fds++;
        closedir(fds);
        fprintf(f,
                "# HELP process_open_fds Number of open file descriptors.\n"
                "# TYPE process_open_fds gauge\n"
                "process_open_fds %ld\n",
                open_fds - 1); /* less the one reading the directory */
    }
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0)
        fprintf(f,
                "# HELP process_max_fds Maximum number of open file descriptors.\n"
                "# TYPE process_max_fds gauge\n"
                "process_max_fds %llu\n",
                (unsigned long long)limit.rlim_cur);
}

char *metrics_render(struct metrics *m, const struct metrics_token_path *tp,
                     const struct db_pool_stats *pool, size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        return NULL;
    fprintf(f, "# HELP tenantd_build_info The running tenantd's version (value always 1).\n"
               "# TYPE tenantd_build_info gauge\n"
               "tenantd_build_info{version=\"");
    metrics_label(f, tenantd_version);
    fprintf(f, "\"} 1\n");
    metrics_render_requests(f, m);
    fprintf(f, "# HELP tenantd_token_issue_seconds Time to serve a successful token request.\n"
               "# TYPE tenantd_token_issue_seconds histogram\n");
    unsigned long long cumulative = 0;
    for (size_t b = 0; b < METRICS_BUCKETS; b++) {
        cumulative += atomic_load(&m->token_buckets[b]);
        fprintf(f, "tenantd_token_issue_seconds_bucket{le=\"%g\"} %llu\n",
                (double)metrics_token_buckets_us[b] / 1e6, cumulative);
    }
    cumulative += atomic_load(&m->token_buckets[METRICS_BUCKETS]);
    fprintf(f, "tenantd_token_issue_seconds_bucket{le=\"+Inf\"} %llu\n", cumulative);
    fprintf(f, "tenantd_token_issue_seconds_sum %.6f\n",
            (double)atomic_load(&m->token_sum_us) / 1e6);
    fprintf(f, "tenantd_token_issue_seconds_count %llu\n", atomic_load(&m->token_count));
    fprintf(f,
            "# HELP tenantd_tokens_issued_total Access tokens issued.\n"
            "# TYPE tenantd_tokens_issued_total counter\n"
            "tenantd_tokens_issued_total %llu\n",
            atomic_load(&m->token_count));
    fprintf(f,
            "# HELP tenantd_auth_failures_total Failed client authentications.\n"
            "# TYPE tenantd_auth_failures_total counter\n"
            "tenantd_auth_failures_total %llu\n",
            atomic_load(&m->auth_failures));
    fprintf(f,
            "# HELP tenantd_previous_secret_authentications_total Client authentications that "
            "succeeded with a previous secret during a grace rotation.\n"
            "# TYPE tenantd_previous_secret_authentications_total counter\n"
            "tenantd_previous_secret_authentications_total %llu\n",
            atomic_load(&m->previous_secret_auths));
    fprintf(f,
            "# HELP tenantd_private_key_jwt_authentications_total Clients authenticated with a "
            "private_key_jwt assertion.\n"
            "# TYPE tenantd_private_key_jwt_authentications_total counter\n"
            "tenantd_private_key_jwt_authentications_total %llu\n"
            "# HELP tenantd_assertion_replays_total Correctly signed client assertions refused "
            "because their jti was already used.\n"
            "# TYPE tenantd_assertion_replays_total counter\n"
            "tenantd_assertion_replays_total %llu\n",
            atomic_load(&m->private_key_jwt_auths), atomic_load(&m->assertion_replays));
    metrics_render_token_path(f, tp);
    if (pool)
        metrics_render_pool(f, pool);
    metrics_render_process(f);
    fclose(f);
    *len = size;
    return buf;
}

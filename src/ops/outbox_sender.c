/*
 * outbox_sender.c — one background thread that drains the outbox over SMTP and
 * keeps the outbox's retention.
 *
 * Each message: claim the oldest queued one (store_outbox_claim_next: atomic, so
 * senders on several nodes sharing a database never pick the same message; the
 * claim outlives one attempt — 5 s connect, 30 s total — and expires if this node
 * dies mid-send), send it with libcurl's SMTP support, then mark it sent or failed
 * (which releases the claim; the store gives up after OUTBOX_MAX_ATTEMPTS). After a
 * failure the thread waits longer before the next attempt (5 s per failed attempt,
 * at most 60 s) so a dead relay is not hammered. Bodies may carry invitation links:
 * they are never logged.
 *
 * Retention runs whether or not SMTP is configured (without SMTP, delivery is
 * skipped and the thread only prunes): every outbox_prune_interval_ms(),
 * store_outbox_prune expires queued mail older than the invitation lifetime (the
 * body, with its invitation link, is cleared) and deletes finished rows after
 * OUTBOX_DONE_KEEP_SECONDS.
 */
#include "ops/outbox_sender.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "service.h"
#include "store/db.h"
#include "store/outbox.h"
#include "util/timeutil.h"
#include "util/log.h"

struct outbox_sender {
    struct service *svc;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping;
};

struct outbox_payload {
    const char *data;
    size_t len, offset;
};

static size_t outbox_read(char *buffer, size_t size, size_t nitems, void *userdata)
{
    struct outbox_payload *p = userdata;
    size_t room = size * nitems, left = p->len - p->offset;
    size_t n = left < room ? left : room;
    memcpy(buffer, p->data + p->offset, n);
    p->offset += n;
    return n;
}

bool outbox_smtp_tls_required(const char *url)
{
    bool required = true;
    CURLU *u = curl_url();
    char *host = NULL;
    if (u && url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host) {
        unsigned char addr[16];
        size_t n = strlen(host);
        if (strcasecmp(host, "localhost") == 0)
            required = false;
        else if (inet_pton(AF_INET, host, addr) == 1)
            required = addr[0] != 127;
        else if (n > 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < 64) {
            static const unsigned char LOOPBACK6[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                                        0, 0, 0, 0, 0, 0, 0, 1};
            char literal[64];
            memcpy(literal, host + 1, n - 2);
            literal[n - 2] = '\0';
            required = !(inet_pton(AF_INET6, literal, addr) == 1 &&
                         memcmp(addr, LOOPBACK6, sizeof LOOPBACK6) == 0);
        }
    }
    curl_free(host);
    curl_url_cleanup(u);
    return required;
}

/* Builds the RFC 5322 message (malloc'd). Subjects were refused at enqueue time if
 * they held CR/LF, so they are safe as a header. */
static char *outbox_compose(const struct config *cfg, const struct outbox_message *m, size_t *len)
{
    char date[64], msgid[40];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    crypto_random_uuid(msgid);
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&out, &size);
    if (!f)
        return NULL;
    fprintf(f,
            "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@tenantd>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n",
            date, cfg->smtp_from, m->recipient, m->subject, msgid);
    /* Normalise bare LF to CRLF, and dot-stuffing is done by libcurl. */
    for (const char *c = m->body; *c; c++) {
        if (*c == '\n' && (c == m->body || c[-1] != '\r'))
            fputc('\r', f);
        fputc(*c, f);
    }
    fputs("\r\n", f);
    fclose(f);
    *len = size;
    return out;
}

/* Sends one message. Returns 0 on success, else a short error in err. */
static int outbox_send(const struct config *cfg, const struct outbox_message *m, char *err,
                       size_t err_size, int *permanent)
{
    size_t len = 0;
    char *text = outbox_compose(cfg, m, &len);
    if (!text) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    struct outbox_payload payload = {text, len, 0};
    CURL *curl = curl_easy_init();
    struct curl_slist *rcpt = curl_slist_append(NULL, m->recipient);
    int rc = -1;
    if (curl && rcpt) {
        curl_easy_setopt(curl, CURLOPT_URL, cfg->smtp_url);
        curl_easy_setopt(curl, CURLOPT_MAIL_FROM, cfg->smtp_from);
        curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, outbox_read);
        curl_easy_setopt(curl, CURLOPT_READDATA, &payload);
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30000L);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        /* TLS is required (smtps://, or STARTTLS for smtp://) unless the relay is on
         * loopback: bodies carry invitation links and the URL may carry SMTP
         * credentials, which "STARTTLS if offered" would hand to anyone on the path
         * who strips the offer. */
        curl_easy_setopt(
            curl, CURLOPT_USE_SSL,
            (long)(outbox_smtp_tls_required(cfg->smtp_url) ? CURLUSESSL_ALL : CURLUSESSL_TRY));
        CURLcode res = curl_easy_perform(curl);
        long code = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
        if (res == CURLE_OK) {
            rc = 0;
        } else {
            snprintf(err, err_size, "%s (SMTP %ld)", curl_easy_strerror(res), code);
            *permanent = code >= 500 && code < 600;
        }
    } else {
        snprintf(err, err_size, "cannot initialise libcurl");
    }
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);
    crypto_wipe(text, len);
    free(text);
    return rc;
}

/* Waits up to ms or until stopped; returns nonzero when stopping. */
static int outbox_wait(struct outbox_sender *s, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->lock);
    if (!s->stopping)
        pthread_cond_timedwait(&s->wake, &s->lock, &until);
    int stopping = s->stopping;
    pthread_mutex_unlock(&s->lock);
    return stopping;
}

int outbox_prune_interval_ms(int invitation_ttl_seconds)
{
    /* Twice per lifetime bounds how long an expired link survives to half a
     * lifetime; once a minute is plenty for the default 72 h (and the check is a
     * plain read). */
    int64_t ms = (int64_t)invitation_ttl_seconds * 1000 / 2;
    if (ms < 1000)
        ms = 1000;
    if (ms > 60000)
        ms = 60000;
    return (int)ms;
}

/* One retention pass; logs what it changed (counts only) and failures. */
static void outbox_prune(struct service *svc)
{
    struct db_conn *c = db_acquire(svc->db);
    int64_t changed = 0;
    if (store_outbox_prune(c, time_now(), svc->cfg.invitation_ttl_seconds, OUTBOX_DONE_KEEP_SECONDS,
                           &changed) != DB_DONE)
        log_event(LOG_ERROR, "outbox retention pass failed: %s", db_error_message(c));
    else if (changed > 0)
        log_event(LOG_WARN, "outbox retention: %lld message(s) expired or removed",
                  (long long)changed);
    db_release(svc->db, c);
}

static void *outbox_loop(void *arg)
{
    struct outbox_sender *s = arg;
    struct service *svc = s->svc;
    const bool smtp = svc->cfg.smtp_url[0] != 0;
    const int prune_every_ms = outbox_prune_interval_ms(svc->cfg.invitation_ttl_seconds);
    int64_t next_prune_ms = 0; /* a pass at start */
    int delay_ms = 0;
    while (!outbox_wait(s, delay_ms)) {
        int64_t now_ms = time_monotonic_ms();
        if (now_ms >= next_prune_ms) {
            outbox_prune(svc);
            next_prune_ms = now_ms + prune_every_ms;
        }
        if (!smtp) {
            delay_ms = prune_every_ms;
            continue;
        }
        struct outbox_message m;
        memset(&m, 0, sizeof m);
        struct db_conn *c = db_acquire(svc->db);
        enum db_status found = store_outbox_claim_next(c, time_now(), &m);
        db_release(svc->db, c);
        if (found != DB_DONE) {
            delay_ms = 500;
            continue;
        }
        char err[256] = "";
        int permanent = 0;
        int sent = outbox_send(&svc->cfg, &m, err, sizeof err, &permanent);
        c = db_acquire(svc->db);
        if (sent == 0) {
            log_event(LOG_WARN, "email sent to %s: %s", m.recipient, m.subject);
            /* If this fails the claim expires and the message is sent again: a
             * duplicate, never a loss. */
            if (store_outbox_mark_sent(c, m.id, time_now()) != DB_DONE)
                log_event(LOG_ERROR, "cannot record email %s as sent: %s", m.id,
                          db_error_message(c));
            delay_ms = 0;
        } else {
            if (store_outbox_mark_failed(c, m.id, err, permanent) != DB_DONE)
                log_event(LOG_ERROR, "cannot record the failure of email %s: %s", m.id,
                          db_error_message(c));
            log_event(LOG_ERROR, "email to %s failed (attempt %d): %s", m.recipient, m.attempts + 1,
                      err);
            delay_ms = 5000 * (m.attempts + 1);
            if (delay_ms > 60000)
                delay_ms = 60000;
        }
        db_release(svc->db, c);
        store_outbox_message_free(&m);
    }
    return NULL;
}

struct outbox_sender *outbox_sender_start(struct service *svc)
{
    struct outbox_sender *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->svc = svc;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    if (pthread_create(&s->thread, NULL, outbox_loop, s) != 0) {
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->wake);
        free(s);
        return NULL;
    }
    return s;
}

void outbox_sender_stop(struct outbox_sender *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    free(s);
}

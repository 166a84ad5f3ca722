/*
 * outbox_sender.h — delivers queued outbox email over SMTP (libcurl) when
 * TENANTD_SMTP_URL is configured. Without it, messages stay in the outbox (their
 * recipient and subject were logged when queued) until they expire with the
 * invitation lifetime (store_outbox_prune), which the same thread enforces.
 */
#ifndef TENANTD_OPS_OUTBOX_SENDER_H
#define TENANTD_OPS_OUTBOX_SENDER_H

#include <stdbool.h>

struct service;
struct outbox_sender;

/*
 * Contract: url is the configured TENANTD_SMTP_URL (operator input). True unless its
 * host is loopback (localhost, 127.0.0.0/8, [::1]): then the sender requires TLS
 * (smtps://, or STARTTLS for smtp://) and refuses to send in clear, so an attacker
 * on the path cannot strip STARTTLS to read invitation links or SMTP credentials.
 * A URL that does not parse is treated as remote (TLS required).
 */
bool outbox_smtp_tls_required(const char *url);

/* Starts the background thread: SMTP delivery when TENANTD_SMTP_URL is set, and
 * the outbox retention (store_outbox_prune) in any case. NULL on failure. */
struct outbox_sender *outbox_sender_start(struct service *svc);

/* How often the retention pass runs for a given invitation lifetime: half of it,
 * clamped to 1–60 s. */
int outbox_prune_interval_ms(int invitation_ttl_seconds);
/* Stops and joins the thread (a message in flight finishes first). NULL is fine. */
void outbox_sender_stop(struct outbox_sender *s);

#endif

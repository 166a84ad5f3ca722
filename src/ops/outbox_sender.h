/*
 * outbox_sender.h — delivers queued outbox email over SMTP (libcurl) when
 * TENANTD_SMTP_URL is configured. Without it, messages stay in the outbox (their
 * recipient and subject were logged when queued), so nothing is lost.
 */
#ifndef TENANTD_OPS_OUTBOX_SENDER_H
#define TENANTD_OPS_OUTBOX_SENDER_H

struct service;
struct outbox_sender;

/* Starts the background sender; NULL when SMTP is not configured or on failure. */
struct outbox_sender *outbox_sender_start(struct service *svc);
/* Stops and joins the thread (a message in flight finishes first). NULL is fine. */
void outbox_sender_stop(struct outbox_sender *s);

#endif

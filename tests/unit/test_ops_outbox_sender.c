/*
 * test_ops_outbox_sender.c — the outbox sender's TLS policy (outbox_smtp_tls_required):
 * SMTP relays off the host must speak TLS (smtps:// or STARTTLS), so a man in the
 * middle cannot strip STARTTLS and read invitation links or the SMTP credentials in
 * the URL; only a loopback relay may be plain. Delivery itself is tested end to end
 * by tests/integration/email.test.mjs (a loopback sink). Also: how often the
 * retention pass runs (outbox_prune_interval_ms).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>

#include "ops/outbox_sender.h"

static void test_loopback_relays_may_be_plain(void **state)
{
    (void)state;
    assert_false(outbox_smtp_tls_required("smtp://127.0.0.1:2525"));
    assert_false(outbox_smtp_tls_required("smtp://127.9.8.7"));
    assert_false(outbox_smtp_tls_required("smtp://localhost:25"));
    assert_false(outbox_smtp_tls_required("smtp://LocalHost"));
    assert_false(outbox_smtp_tls_required("smtp://[::1]:2525"));
    assert_false(outbox_smtp_tls_required("smtp://user:pw@127.0.0.1:587"));
}

static void test_remote_relays_need_tls(void **state)
{
    (void)state;
    assert_true(outbox_smtp_tls_required("smtp://mail.example.com"));
    assert_true(outbox_smtp_tls_required("smtp://user:secret@mail.example.com:587"));
    assert_true(outbox_smtp_tls_required("smtps://mail.example.com:465"));
    assert_true(outbox_smtp_tls_required("smtp://10.0.0.5:25"));
    assert_true(outbox_smtp_tls_required("smtp://128.0.0.1"));
    assert_true(outbox_smtp_tls_required("smtp://[::2]:25"));
    assert_true(outbox_smtp_tls_required("smtp://[::ffff:127.0.0.1]:25"));
    /* look-alikes of loopback are remote */
    assert_true(outbox_smtp_tls_required("smtp://127.0.0.1.example.com"));
    assert_true(outbox_smtp_tls_required("smtp://localhost.example.com"));
    assert_true(outbox_smtp_tls_required("smtp://evil.com#@127.0.0.1"));
    assert_true(outbox_smtp_tls_required("smtp://127.0.0.1@evil.com"));
    /* fail closed on what does not parse */
    assert_true(outbox_smtp_tls_required(""));
    assert_true(outbox_smtp_tls_required(NULL));
    assert_true(outbox_smtp_tls_required("not a url"));
}

/* Retention runs twice per invitation lifetime, between once a second and once a
 * minute. */
static void test_prune_interval(void **state)
{
    (void)state;
    assert_int_equal(outbox_prune_interval_ms(1), 1000);
    assert_int_equal(outbox_prune_interval_ms(2), 1000);
    assert_int_equal(outbox_prune_interval_ms(10), 5000);
    assert_int_equal(outbox_prune_interval_ms(120), 60000);
    assert_int_equal(outbox_prune_interval_ms(72 * 3600), 60000);
    assert_int_equal(outbox_prune_interval_ms(30 * 86400), 60000);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loopback_relays_may_be_plain),
        cmocka_unit_test(test_remote_relays_need_tls),
        cmocka_unit_test(test_prune_interval),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}

/*
 * test_util_log.c — the access log's lines as an operator's tools read them: JSON
 * that parses back to exactly the fields given (quotes, backslashes and control
 * characters escaped), text lines that a field cannot split, fields cut to their
 * bounds, the duration with three decimals, and the request / trace id rules.
 *
 * The writer thread writes to stderr, so each test points stderr at a temporary file
 * for the duration of one log_start() .. log_stop() (stop flushes the queue).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "util/log.h"

/* Runs log_access for each entry with the given format and returns what was written
 * (caller frees). */
static char *capture_access(enum log_format format, const struct log_access *entries, size_t n)
{
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    log_configure(format, LOG_INFO);
    assert_int_equal(log_start(), 0);
    for (size_t i = 0; i < n; i++)
        log_access(&entries[i]);
    log_stop();
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    assert_int_equal(fseek(tmp, 0, SEEK_END), 0);
    long size = ftell(tmp);
    assert_true(size >= 0);
    rewind(tmp);
    char *text = calloc(1, (size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, tmp), (size_t)size);
    fclose(tmp);
    return text;
}

static void test_json_line_parses_back_to_the_fields(void **state)
{
    (void)state;
    const struct log_access entry = {
        .method = "POST",
        .route = "/connect/token",
        .status = 200,
        .micros = 1234,
        .client = "192.0.2.7",
        .request_id = "req-1",
        .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
        .tenant_id = "t_1",
        .app_id = NULL,
        .client_id = "odd\"client\\id\n\x01end",
    };
    char *text = capture_access(LOG_FORMAT_JSON, &entry, 1);
    assert_non_null(strchr(text, '\n'));
    assert_null(strchr(strchr(text, '\n') + 1, '\n')); /* exactly one line */
    json_error_t err;
    json_t *line = json_loads(text, JSON_DISABLE_EOF_CHECK, &err);
    assert_non_null(line);
    assert_string_equal(json_string_value(json_object_get(line, "level")), "info");
    assert_string_equal(json_string_value(json_object_get(line, "msg")), "access");
    assert_string_equal(json_string_value(json_object_get(line, "method")), "POST");
    assert_string_equal(json_string_value(json_object_get(line, "route")), "/connect/token");
    assert_int_equal(json_integer_value(json_object_get(line, "status")), 200);
    assert_true(json_real_value(json_object_get(line, "duration_ms")) == 1.234);
    assert_string_equal(json_string_value(json_object_get(line, "client")), "192.0.2.7");
    assert_string_equal(json_string_value(json_object_get(line, "request_id")), "req-1");
    assert_string_equal(json_string_value(json_object_get(line, "tenant_id")), "t_1");
    assert_null(json_object_get(line, "app_id")); /* unset fields are left out */
    assert_string_equal(json_string_value(json_object_get(line, "client_id")),
                        "odd\"client\\id\n\x01end");
    const char *when = json_string_value(json_object_get(line, "time"));
    assert_non_null(when);
    assert_int_equal(strlen(when), 24); /* YYYY-MM-DDTHH:MM:SS.mmmZ */
    assert_true(when[4] == '-' && when[10] == 'T' && when[19] == '.' && when[23] == 'Z');
    json_decref(line);
    free(text);
}

static void test_text_line_cannot_be_split_by_a_field(void **state)
{
    (void)state;
    const struct log_access entry = {
        .method = "GET",
        .route = NULL, /* no route matched */
        .status = 404,
        .micros = 5,
        .client = "::1",
        .client_id = "a b\nc=d",
    };
    char *text = capture_access(LOG_FORMAT_TEXT, &entry, 1);
    assert_non_null(strstr(text, " info tenantd: access method=GET route=unmatched status=404 "
                                 "duration_ms=0.005 client=::1 client_id=a_b_c=d\n"));
    assert_int_equal(strchr(text, '\n') - text + 1, (long)strlen(text));
    free(text);
}

static void test_fields_are_cut_to_their_bounds_and_every_record_is_written(void **state)
{
    (void)state;
    char long_client[300];
    memset(long_client, 'x', sizeof long_client - 1);
    long_client[sizeof long_client - 1] = 0;
    enum { N = 500 };
    struct log_access *entries = calloc(N, sizeof *entries);
    assert_non_null(entries);
    for (size_t i = 0; i < N; i++)
        entries[i] = (struct log_access){.method = "POST",
                                         .route = "/connect/token",
                                         .status = 200,
                                         .micros = 1000000 + (int64_t)i,
                                         .client = long_client};
    char *text = capture_access(LOG_FORMAT_JSON, entries, N);
    size_t lines = 0;
    for (char *line = text; *line; lines++) {
        char *end = strchr(line, '\n');
        assert_non_null(end);
        json_t *j = json_loadb(line, (size_t)(end - line), 0, NULL);
        assert_non_null(j);
        assert_int_equal(strlen(json_string_value(json_object_get(j, "client"))), 63);
        json_decref(j);
        line = end + 1;
    }
    assert_int_equal(lines, N);
    assert_int_equal(log_access_dropped(), 0);
    assert_non_null(strstr(text, "\"duration_ms\":1000.499"));
    free(entries);
    free(text);
}

static void test_request_and_trace_ids(void **state)
{
    (void)state;
    char id[LOG_REQUEST_ID_MAX + 1], other[LOG_REQUEST_ID_MAX + 1];
    log_request_id("caller-id_1.2:3", id);
    assert_string_equal(id, "caller-id_1.2:3"); /* a well-formed id is kept */
    log_request_id("bad id", id);
    assert_int_equal(strlen(id), 32); /* otherwise a new one */
    log_request_id(NULL, other);
    assert_string_not_equal(id, other);
    char trace[LOG_TRACE_ID_LEN + 1];
    log_trace_id("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", trace);
    assert_string_equal(trace, "4bf92f3577b34da6a3ce929d0e0e4736");
    log_trace_id("00-00000000000000000000000000000000-00f067aa0ba902b7-01", trace);
    assert_string_equal(trace, ""); /* all-zero trace id is invalid */
    log_trace_id("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", trace);
    assert_string_equal(trace, ""); /* upper case is not W3C */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_line_parses_back_to_the_fields),
        cmocka_unit_test(test_text_line_cannot_be_split_by_a_field),
        cmocka_unit_test(test_fields_are_cut_to_their_bounds_and_every_record_is_written),
        cmocka_unit_test(test_request_and_trace_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_store_ids.c — UUIDv7 ids are canonical and strictly increasing, even many
 * within one millisecond (pagination relies on ORDER BY id = creation order).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "domain/names.h"
#include "store/ids.h"

static void test_ids_are_uuid_v7_and_increasing(void **state)
{
    char prev[37] = "";
    for (int i = 0; i < 20000; i++) {
        char id[37];
        assert_int_equal(store_new_id(id), 0);
        assert_true(uuid_is_valid(id));
        assert_int_equal(id[14], '7');
        assert_true(strchr("89ab", id[19]) != NULL);
        if (prev[0])
            assert_true(strcmp(prev, id) < 0);
        memcpy(prev, id, sizeof prev);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_ids_are_uuid_v7_and_increasing)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

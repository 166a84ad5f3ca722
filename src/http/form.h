/*
 * form.h — application/x-www-form-urlencoded bodies (the OAuth endpoints).
 *
 * Parsed once into a small fixed table; handlers ask for a field by name. A field
 * given twice is reported (OAuth: parameters must not be repeated).
 */
#ifndef TENANTD_HTTP_FORM_H
#define TENANTD_HTTP_FORM_H

#include <stdbool.h>
#include <stddef.h>

#define FORM_MAX_FIELDS 16

struct form {
    char *buffer; /* decoded storage, owned */
    size_t buffer_size;
    struct {
        const char *name;
        const char *value;
    } fields[FORM_MAX_FIELDS];
    size_t count;
    bool duplicate; /* some name occurred twice */
    bool too_many;  /* more than FORM_MAX_FIELDS fields */
};

/*
 * Parses body (len bytes, need not be NUL-terminated). Percent-escapes and '+' are
 * decoded; malformed escapes or embedded NUL bytes make it fail. Returns 0, or -1 on
 * malformed input or allocation failure (form is then empty). Always call form_free.
 */
int form_parse(struct form *f, const char *body, size_t len);
void form_free(struct form *f);
const char *form_get(const struct form *f, const char *name);

/* Decodes one component (percent-escapes and '+'); malloc'd, NULL when malformed
 * or when it would contain a NUL byte. */
char *form_decode_component(const char *in, size_t len);

#endif

/*
 * form.c — application/x-www-form-urlencoded parsing (see form.h).
 */
#include "http/form.h"

#include <stdlib.h>
#include <string.h>

static int form_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes in[0..len) into out (room for len+1). Returns decoded length or -1. */
static long form_decode_into(const char *in, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '+') {
            out[o++] = ' ';
        } else if (c == '%') {
            if (i + 2 >= len)
                return -1;
            int hi = form_hex_value(in[i + 1]), lo = form_hex_value(in[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            char v = (char)(hi * 16 + lo);
            if (v == 0)
                return -1;
            out[o++] = v;
            i += 2;
        } else if (c == 0) {
            return -1;
        } else {
            out[o++] = c;
        }
    }
    out[o] = 0;
    return (long)o;
}

char *form_decode_component(const char *in, size_t len)
{
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    if (form_decode_into(in, len, out) < 0) {
        free(out);
        return NULL;
    }
    return out;
}

int form_parse(struct form *f, const char *body, size_t len)
{
    memset(f, 0, sizeof *f);
    if (len == 0)
        return 0;
    /* Decoded text is never longer than the input; one NUL per name and value. */
    f->buffer = malloc(len * 2 + 2);
    if (!f->buffer)
        return -1;
    f->buffer_size = len * 2 + 2;
    char *w = f->buffer;
    size_t start = 0;
    while (start <= len) {
        size_t end = start;
        while (end < len && body[end] != '&')
            end++;
        if (end > start) {
            size_t eq = start;
            while (eq < end && body[eq] != '=')
                eq++;
            if (f->count >= FORM_MAX_FIELDS) {
                f->too_many = true;
                break;
            }
            const char *name = w;
            long n = form_decode_into(body + start, eq - start, w);
            if (n < 0)
                goto malformed;
            w += n + 1;
            const char *value = w;
            size_t vstart = eq < end ? eq + 1 : end;
            long v = form_decode_into(body + vstart, end - vstart, w);
            if (v < 0)
                goto malformed;
            w += v + 1;
            if (form_get(f, name))
                f->duplicate = true;
            f->fields[f->count].name = name;
            f->fields[f->count].value = value;
            f->count++;
        }
        start = end + 1;
    }
    return 0;
malformed:
    form_free(f);
    return -1;
}

void form_free(struct form *f)
{
    if (f->buffer) {
        /* Forms carry client secrets: wipe before freeing. */
        explicit_bzero(f->buffer, f->buffer_size);
        free(f->buffer);
    }
    memset(f, 0, sizeof *f);
}

const char *form_get(const struct form *f, const char *name)
{
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->fields[i].name, name) == 0)
            return f->fields[i].value;
    return NULL;
}

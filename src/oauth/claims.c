/*
 * claims.c — the constant claims of access tokens as pre-padded JSON segments
 * (see claims.h).
 */
#include "oauth/claims.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/utf8.h"
#include "store/app_facts.h"

size_t claims_json_string(char *out, size_t out_size, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = strlen(s);
    if (!utf8_is_valid(s, len))
        return 0;
    size_t o = 0;
    if (o >= out_size)
        return 0;
    out[o++] = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        char esc = 0;
        switch (ch) {
        case '"':
            esc = '"';
            break;
        case '\\':
            esc = '\\';
            break;
        case '\n':
            esc = 'n';
            break;
        case '\r':
            esc = 'r';
            break;
        case '\t':
            esc = 't';
            break;
        case '\b':
            esc = 'b';
            break;
        case '\f':
            esc = 'f';
            break;
        default:
            break;
        }
        if (esc) {
            if (out_size - o < 2)
                return 0;
            out[o++] = '\\';
            out[o++] = esc;
        } else if (ch < 0x20) {
            if (out_size - o < 6)
                return 0;
            memcpy(out + o, "\\u00", 4);
            out[o + 4] = hex[ch >> 4];
            out[o + 5] = hex[ch & 15];
            o += 6;
        } else {
            if (out_size - o < 1)
                return 0;
            out[o++] = (char)ch;
        }
    }
    if (out_size - o < 1)
        return 0;
    out[o++] = '"';
    return o;
}

/* A segment being written: out[0..pos), always room for the NUL. */
struct segment {
    char *out;
    size_t size;
    size_t pos;
    bool ok;
};

static void segment_raw(struct segment *seg, const char *text, size_t n)
{
    if (!seg->ok || seg->size - seg->pos <= n) {
        seg->ok = false;
        return;
    }
    memcpy(seg->out + seg->pos, text, n);
    seg->pos += n;
}

static void segment_json_string(struct segment *seg, const char *s)
{
    if (!seg->ok || seg->size - seg->pos < 2) {
        seg->ok = false;
        return;
    }
    size_t n = claims_json_string(seg->out + seg->pos, seg->size - seg->pos - 1, s);
    if (!n)
        seg->ok = false;
    seg->pos += n;
}

/* Appends `"name":"escaped value",`. */
static void segment_string(struct segment *seg, const char *name, const char *value)
{
    segment_json_string(seg, name);
    segment_raw(seg, ":", 1);
    segment_json_string(seg, value);
    segment_raw(seg, ",", 1);
}

/* Pads with JSON whitespace to a multiple of 3 bytes and terminates; the length
 * or 0. */
static size_t segment_finish(struct segment *seg)
{
    while (seg->ok && seg->pos % 3 != 0)
        segment_raw(seg, " ", 1);
    if (!seg->ok) {
        if (seg->size)
            seg->out[0] = 0;
        return 0;
    }
    seg->out[seg->pos] = 0;
    return seg->pos;
}

size_t claims_global_segment(const char *issuer, const char *audience, char *out, size_t out_size)
{
    struct segment seg = {out, out_size, 0, out_size > 0};
    segment_raw(&seg, "{", 1);
    segment_string(&seg, "iss", issuer);
    segment_string(&seg, "aud", audience);
    return segment_finish(&seg);
}

/* The allowed domains (JSON array text, as stored) as allowed_domain_1..3. */
static void segment_domains(struct segment *seg, const char *stored)
{
    if (!seg->ok || !stored || !*stored)
        return;
    json_error_t jerr;
    json_t *list = json_loads(stored, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_array(list)) {
        json_decref(list);
        seg->ok = false;
        return;
    }
    size_t n = 0;
    for (size_t i = 0; seg->ok && i < json_array_size(list) && n < 3; i++) {
        const char *d = json_string_value(json_array_get(list, i));
        if (!d) {
            seg->ok = false;
            break;
        }
        if (!*d)
            continue;
        char name[24];
        snprintf(name, sizeof name, "allowed_domain_%zu", ++n);
        segment_string(seg, name, d);
    }
    json_decref(list);
}

size_t claims_app_segment(const struct app_facts_row *row, const char *client_id, char *out,
                          size_t out_size)
{
    struct segment seg = {out, out_size, 0, out_size > 0};
    segment_string(&seg, "sub", client_id);
    segment_string(&seg, "client_id", client_id);
    if (!row->platform) {
        segment_string(&seg, "tenantid", row->tenant_id);
        segment_string(&seg, "appId", row->id);
        segment_string(&seg, "licenseRegionCode", row->license_region_code);
        segment_string(&seg, "dbCode", row->db_code);
        segment_domains(&seg, row->allowed_domains);
    }
    return segment_finish(&seg);
}

size_t claims_plan_segment(const char *entitlements, const char *plan_code, char *out,
                           size_t out_size)
{
    struct segment seg = {out, out_size, 0, out_size > 0};
    json_error_t jerr;
    json_t *obj = json_loads(entitlements && *entitlements ? entitlements : "{}",
                             JSON_REJECT_DUPLICATES, &jerr);
    json_t *code = json_is_object(obj) ? json_string(plan_code) : NULL;
    if (!code || json_object_set_new(obj, "plan", code) != 0) {
        json_decref(obj);
        seg.ok = false;
        return segment_finish(&seg);
    }
    /* jansson escapes and validates UTF-8; compact, in stored member order. */
    char *text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (!text) {
        seg.ok = false;
        return segment_finish(&seg);
    }
    segment_raw(&seg, "\"entitlements\":", 15);
    segment_raw(&seg, text, strlen(text));
    segment_raw(&seg, ",", 1);
    free(text);
    return segment_finish(&seg);
}

size_t claims_compile(const struct app_facts_row *row, const char *client_id, const char *issuer,
                      const char *audience, char *out, size_t out_size)
{
    size_t n = claims_global_segment(issuer, audience, out, out_size);
    size_t m = n ? claims_app_segment(row, client_id, out + n, out_size - n) : 0;
    if (!m) {
        if (out_size)
            out[0] = 0;
        return 0;
    }
    n += m;
    if (!row->platform && row->plan_code[0]) {
        m = claims_plan_segment(row->entitlements, row->plan_code, out + n, out_size - n);
        if (!m) {
            out[0] = 0;
            return 0;
        }
        n += m;
    }
    return n;
}

/*
 * crypto/base64url.c — table-driven base64url / base64 codecs (see
 * base64url.h). No allocation, no locale, no OpenSSL: this is on the token
 * hot path (every JWS part) and the OpenSSL EVP_Encode* API neither speaks
 * base64url nor rejects non-canonical input.
 */
#include "crypto/base64url.h"

#include <stdint.h>
#include <string.h>

static const char b64url_alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char b64std_alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Reverse tables: value 0..63, or 0xff for "not in the alphabet". */
/* clang-format off */
#define X 0xff
/* Sixteen bytes in neither alphabet (controls, and every byte >= 0x80). */
#define NONE16 X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X
static const unsigned char b64url_values[256] = {
    NONE16, NONE16,                                                 /* 0x00-0x1f */
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  62, X,  X,  /* 0x20 '-' */
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X,  X,  X,  X,  X,  X,  /* 0x30 0-9 */
    X,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, /* 0x40 A-O */
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X,  X,  X,  X,  63, /* 0x50 P-Z '_' */
    X,  26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, /* 0x60 a-o */
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X,  X,  X,  X,  X,  /* 0x70 p-z */
    NONE16, NONE16, NONE16, NONE16, NONE16, NONE16, NONE16, NONE16, /* 0x80-0xff */
};
static const unsigned char b64std_values[256] = {
    NONE16, NONE16,                                                 /* 0x00-0x1f */
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  62, X,  X,  X,  63, /* 0x20 '+' '/' */
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X,  X,  X,  X,  X,  X,  /* 0x30 0-9 */
    X,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, /* 0x40 A-O */
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X,  X,  X,  X,  X,  /* 0x50 P-Z */
    X,  26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, /* 0x60 a-o */
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X,  X,  X,  X,  X,  /* 0x70 p-z */
    NONE16, NONE16, NONE16, NONE16, NONE16, NONE16, NONE16, NONE16, /* 0x80-0xff */
};
#undef NONE16
#undef X
/* clang-format on */

size_t base64url_encoded_len(size_t n)
{
    static const size_t tail[3] = {0, 2, 3};
    if (n / 3 > (SIZE_MAX - 3) / 4)
        return SIZE_MAX;
    return n / 3 * 4 + tail[n % 3];
}

size_t base64_encoded_len(size_t n)
{
    if (n / 3 > (SIZE_MAX - 4) / 4)
        return SIZE_MAX;
    return (n / 3 + (n % 3 != 0)) * 4;
}

size_t base64url_decoded_len(size_t in_len)
{
    static const size_t tail[4] = {0, 0, 1, 2};
    return in_len / 4 * 3 + tail[in_len % 4];
}

/* Encodes with the given alphabet; pad adds '=' to a multiple of 4. The
 * caller has checked that out has room for the result and its NUL. */
static size_t b64_encode_core(const char alphabet[64], bool pad, const unsigned char *in,
                              size_t len, char *out)
{
    size_t o = 0;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        if (pad) {
            out[o++] = '=';
            out[o++] = '=';
        }
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        if (pad)
            out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

/* b64_encode_core when out has room for need characters and the NUL; otherwise out
 * is emptied and 0 returned. The size rule of both public encoders. */
static size_t b64_encode_bounded(const char *alphabet, bool pad, size_t need,
                                 const unsigned char *in, size_t len, char *out, size_t out_size)
{
    if (need == SIZE_MAX || out_size <= need) {
        if (out_size > 0)
            out[0] = '\0';
        return 0;
    }
    return b64_encode_core(alphabet, pad, in, len, out);
}

size_t base64url_encode(const unsigned char *in, size_t len, char *out, size_t out_size)
{
    return b64_encode_bounded(b64url_alphabet, false, base64url_encoded_len(len), in, len, out,
                              out_size);
}

size_t base64_encode(const unsigned char *in, size_t len, char *out, size_t out_size)
{
    return b64_encode_bounded(b64std_alphabet, true, base64_encoded_len(len), in, len, out,
                              out_size);
}

/* Decodes in[0..in_len) (no padding; in_len % 4 != 1 checked here) with the
 * given reverse table. Rejects unknown characters and non-zero unused bits.
 * On failure wipes what it wrote and sets *out_len = 0. */
static bool b64_decode_core(const unsigned char values[256], const char *in, size_t in_len,
                            unsigned char *out, size_t out_size, size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t need = base64url_decoded_len(in_len);
    size_t o = 0;
    size_t i = 0;

    *out_len = 0;
    if (in_len % 4 == 1 || need > out_size)
        return false;

    for (; i + 4 <= in_len; i += 4) {
        unsigned a = values[s[i]], b = values[s[i + 1]], c = values[s[i + 2]], d = values[s[i + 3]];
        if ((a | b | c | d) & 0x80)
            goto fail;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | d;
        out[o++] = (unsigned char)(v >> 16);
        out[o++] = (unsigned char)(v >> 8);
        out[o++] = (unsigned char)v;
    }
    if (in_len - i == 2) {
        unsigned a = values[s[i]], b = values[s[i + 1]];
        if ((a | b) & 0x80 || (b & 0x0f) != 0) /* 12 bits carry 8: low 4 unused */
            goto fail;
        out[o++] = (unsigned char)(a << 2 | b >> 4);
    } else if (in_len - i == 3) {
        unsigned a = values[s[i]], b = values[s[i + 1]], c = values[s[i + 2]];
        if ((a | b | c) & 0x80 || (c & 0x03) != 0) /* 18 bits carry 16: low 2 unused */
            goto fail;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
        out[o++] = (unsigned char)(v >> 16);
        out[o++] = (unsigned char)(v >> 8);
    }
    *out_len = o;
    return true;

fail:
    if (o > 0)
        memset(out, 0, o);
    return false;
}

bool base64url_decode(const char *in, size_t in_len, unsigned char *out, size_t out_size,
                      size_t *out_len)
{
    return b64_decode_core(b64url_values, in, in_len, out, out_size, out_len);
}

bool base64_decode(const char *in, size_t in_len, unsigned char *out, size_t out_size,
                   size_t *out_len)
{
    size_t pad = 0;

    *out_len = 0;
    if (in_len % 4 != 0)
        return false;
    if (in_len >= 1 && in[in_len - 1] == '=') {
        pad = 1;
        if (in_len >= 2 && in[in_len - 2] == '=')
            pad = 2;
    }
    /* With in_len % 4 == 0, stripping the padding leaves exactly the
     * remainder (0, 3 or 2) its count implies; any other '=' is outside the
     * alphabet and rejected by the core. */
    return b64_decode_core(b64std_values, in, in_len - pad, out, out_size, out_len);
}

/*
 * crypto/base64url.h — allocation-free base64url (RFC 4648 §5, no padding,
 * as JOSE uses it) and standard padded base64 (RFC 4648 §4).
 *
 * Decoders are strict, because they parse untrusted input (tokens, Basic
 * credentials) and a byte string must have exactly one accepted encoding:
 * no whitespace, no characters outside the alphabet, no impossible lengths,
 * and non-zero "unused" trailing bits are rejected (non-canonical input).
 */
#ifndef TENANTD_CRYPTO_BASE64URL_H
#define TENANTD_CRYPTO_BASE64URL_H

#include <stdbool.h>
#include <stddef.h>

/* Characters of the unpadded base64url encoding of n bytes (no NUL).
 * Returns SIZE_MAX if the result would not fit in a size_t. */
size_t base64url_encoded_len(size_t n);

/* Bytes a valid unpadded base64url string of in_len characters decodes to
 * (for in_len % 4 == 1, which no valid input has, the length of the longest
 * valid prefix). Use it to size decode buffers. */
size_t base64url_decoded_len(size_t in_len);

/* Encodes in[0..len) as unpadded base64url into out and NUL-terminates it.
 * Returns the characters written, excluding the NUL. Needs out_size >=
 * base64url_encoded_len(len) + 1; if out is too small returns 0 and writes
 * nothing except, when out_size > 0, an empty string. in may be NULL when len
 * is 0 (result: empty string, return 0). */
size_t base64url_encode(const unsigned char *in, size_t len, char *out, size_t out_size);

/* Decodes in[0..in_len) (untrusted; need not be NUL-terminated) as unpadded
 * base64url into out[0..out_size). Returns true and sets *out_len on success.
 * Returns false (with *out_len = 0 and anything written to out wiped) on:
 * '=' padding, any character outside [A-Za-z0-9_-], in_len % 4 == 1,
 * non-zero unused bits in the last character, or out_size too small for the
 * decoded bytes. The empty string decodes to zero bytes. */
bool base64url_decode(const char *in, size_t in_len, unsigned char *out, size_t out_size,
                      size_t *out_len);

/* Characters of the padded standard base64 encoding of n bytes (no NUL);
 * SIZE_MAX on overflow. Always a multiple of 4. */
size_t base64_encoded_len(size_t n);

/* Standard base64 (RFC 4648 §4, alphabet +/ with '=' padding); same output
 * contract as base64url_encode. */
size_t base64_encode(const unsigned char *in, size_t len, char *out, size_t out_size);

/* Decodes padded standard base64 (untrusted input). Same contract as
 * base64url_decode, except that the input length must be a multiple of 4 and
 * end in exactly the '=' padding the data needs (0, 1 or 2), with no '='
 * elsewhere. */
bool base64_decode(const char *in, size_t in_len, unsigned char *out, size_t out_size,
                   size_t *out_len);

#endif

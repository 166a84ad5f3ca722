/*
 * domain/secret_format — prefix + base62 + CRC32 credential format.
 * See secret_format.h for the layout; the CRC is computed here (a 16-entry
 * nibble table) so the domain layer stays libc-only.
 */
#include "domain/secret_format.h"

#include <string.h>

static const char BASE62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

_Static_assert(sizeof(CLIENT_SECRET_PREFIX) - 1 + SECRET_FORMAT_BODY_LEN +
                       SECRET_FORMAT_CHECKSUM_LEN ==
                   CLIENT_SECRET_LEN,
               "CLIENT_SECRET_LEN");
_Static_assert(sizeof(API_KEY_PREFIX) - 1 + SECRET_FORMAT_BODY_LEN + SECRET_FORMAT_CHECKSUM_LEN ==
                   API_KEY_LEN,
               "API_KEY_LEN");
_Static_assert(sizeof(PLATFORM_SECRET_PREFIX) - 1 + SECRET_FORMAT_BODY_LEN +
                       SECRET_FORMAT_CHECKSUM_LEN ==
                   PLATFORM_SECRET_LEN,
               "PLATFORM_SECRET_LEN");
_Static_assert(sizeof(CLIENT_ID_PREFIX) - 1 + CLIENT_ID_BODY_LEN == CLIENT_ID_LEN, "CLIENT_ID_LEN");

/* Reflected polynomial 0xEDB88320, one entry per nibble. */
static const uint32_t CRC32_NIBBLE[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

uint32_t secret_format_crc32(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ CRC32_NIBBLE[crc & 0x0Fu];
        crc = (crc >> 4) ^ CRC32_NIBBLE[crc & 0x0Fu];
    }
    return crc ^ 0xFFFFFFFFu;
}

static int base62_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 36;
    return -1;
}

/*
 * Writes the big-endian number bytes[0..n) as exactly width base62 digits
 * (most significant first). width must be large enough: 62^width > 256^n.
 * n is at most 32.
 */
static void base62_encode_fixed(const unsigned char *bytes, size_t n, char *out, size_t width)
{
    unsigned char work[SECRET_FORMAT_RANDOM_BYTES];
    memcpy(work, bytes, n);
    for (size_t d = width; d-- > 0;) {
        unsigned rem = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned cur = rem * 256u + work[i];
            work[i] = (unsigned char)(cur / 62u);
            rem = cur % 62u;
        }
        out[d] = BASE62[rem];
    }
    explicit_bzero(work, sizeof work);
}

/*
 * True iff s[0..width) are base62 digits whose value fits in n bytes
 * (n at most 32). The value is decoded into a scratch buffer and wiped.
 */
static bool base62_fits(const char *s, size_t width, size_t n)
{
    unsigned char work[SECRET_FORMAT_RANDOM_BYTES + 1] = {0}; /* big-endian, one spare byte */
    bool ok = true;
    for (size_t d = 0; d < width && ok; d++) {
        int v = base62_value(s[d]);
        if (v < 0) {
            ok = false;
            break;
        }
        unsigned carry = (unsigned)v;
        for (size_t i = n + 1; i-- > 0;) {
            unsigned cur = work[i] * 62u + carry;
            work[i] = (unsigned char)(cur & 0xFFu);
            carry = cur >> 8;
        }
        if (carry != 0 || work[0] != 0)
            ok = false; /* above 256^n */
    }
    explicit_bzero(work, sizeof work);
    return ok;
}

static bool prefix_is_acceptable(const char *prefix, size_t *len_out)
{
    if (prefix == NULL)
        return false;
    size_t len = strnlen(prefix, SECRET_FORMAT_PREFIX_MAX_LEN + 1);
    if (len == 0 || len > SECRET_FORMAT_PREFIX_MAX_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = prefix[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    *len_out = len;
    return true;
}

static void checksum_encode(const char *text, size_t len, char out[SECRET_FORMAT_CHECKSUM_LEN])
{
    uint32_t crc = secret_format_crc32(text, len);
    unsigned char be[4] = {(unsigned char)(crc >> 24), (unsigned char)(crc >> 16),
                           (unsigned char)(crc >> 8), (unsigned char)crc};
    base62_encode_fixed(be, sizeof be, out, SECRET_FORMAT_CHECKSUM_LEN);
}

bool secret_format_encode(const char *prefix, const unsigned char random[32], char *out,
                          size_t out_size)
{
    if (out != NULL && out_size > 0)
        out[0] = '\0';
    size_t prefix_len;
    if (random == NULL || out == NULL || !prefix_is_acceptable(prefix, &prefix_len))
        return false;
    size_t total = prefix_len + SECRET_FORMAT_BODY_LEN + SECRET_FORMAT_CHECKSUM_LEN;
    if (out_size <= total)
        return false;
    memcpy(out, prefix, prefix_len);
    base62_encode_fixed(random, SECRET_FORMAT_RANDOM_BYTES, out + prefix_len,
                        SECRET_FORMAT_BODY_LEN);
    checksum_encode(out, prefix_len + SECRET_FORMAT_BODY_LEN,
                    out + prefix_len + SECRET_FORMAT_BODY_LEN);
    out[total] = '\0';
    return true;
}

bool secret_format_is_well_formed(const char *prefix, const char *secret)
{
    size_t prefix_len;
    if (secret == NULL || !prefix_is_acceptable(prefix, &prefix_len))
        return false;
    size_t total = prefix_len + SECRET_FORMAT_BODY_LEN + SECRET_FORMAT_CHECKSUM_LEN;
    if (strnlen(secret, total + 1) != total || memcmp(secret, prefix, prefix_len) != 0)
        return false;
    const char *body = secret + prefix_len;
    const char *check = body + SECRET_FORMAT_BODY_LEN;
    if (!base62_fits(body, SECRET_FORMAT_BODY_LEN, SECRET_FORMAT_RANDOM_BYTES))
        return false;
    char expected[SECRET_FORMAT_CHECKSUM_LEN];
    checksum_encode(secret, prefix_len + SECRET_FORMAT_BODY_LEN, expected);
    return memcmp(expected, check, SECRET_FORMAT_CHECKSUM_LEN) == 0;
}

bool client_id_encode(const unsigned char random[16], char *out, size_t out_size)
{
    if (out != NULL && out_size > 0)
        out[0] = '\0';
    if (random == NULL || out == NULL || out_size <= CLIENT_ID_LEN)
        return false;
    const size_t prefix_len = sizeof(CLIENT_ID_PREFIX) - 1;
    memcpy(out, CLIENT_ID_PREFIX, prefix_len);
    base62_encode_fixed(random, CLIENT_ID_RANDOM_BYTES, out + prefix_len, CLIENT_ID_BODY_LEN);
    out[CLIENT_ID_LEN] = '\0';
    return true;
}

bool client_id_is_well_formed(const char *s)
{
    const size_t prefix_len = sizeof(CLIENT_ID_PREFIX) - 1;
    if (s == NULL || strnlen(s, CLIENT_ID_LEN + 1) != CLIENT_ID_LEN ||
        memcmp(s, CLIENT_ID_PREFIX, prefix_len) != 0)
        return false;
    return base62_fits(s + prefix_len, CLIENT_ID_BODY_LEN, CLIENT_ID_RANDOM_BYTES);
}

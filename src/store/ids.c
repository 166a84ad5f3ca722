/*
 * ids.c — UUIDv7 generation (RFC 9562 §6.2 method 1): 48-bit unix milliseconds,
 * then a 12-bit counter in rand_a that keeps ids from one process strictly
 * increasing within the same millisecond, then 62 random bits.
 */
#include "store/ids.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "crypto/random.h"

static pthread_mutex_t ids_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t ids_last_ms;
static unsigned ids_counter;

int store_new_id(char out[37])
{
    unsigned char b[16];
    if (crypto_random_bytes(b, sizeof b) != 0)
        return -1;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    pthread_mutex_lock(&ids_lock);
    if (ms <= ids_last_ms) {
        ms = ids_last_ms;
        if (++ids_counter > 0xfff) { /* counter exhausted: borrow the next millisecond */
            ms++;
            ids_counter = 0;
        }
    } else {
        ids_counter = b[7] & 0x3f; /* random start, leaving headroom to count up */
    }
    ids_last_ms = ms;
    unsigned counter = ids_counter;
    pthread_mutex_unlock(&ids_lock);
    for (int i = 0; i < 6; i++)
        b[i] = (unsigned char)(ms >> (40 - 8 * i));
    b[6] = (unsigned char)(0x70 | ((counter >> 8) & 0x0f));
    b[7] = (unsigned char)(counter & 0xff);
    b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
    return 0;
}

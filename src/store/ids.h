/*
 * ids.h — new row ids: UUIDv7 (RFC 9562), time-ordered, so ORDER BY id is
 * creation order and serves as the keyset for cursor pagination.
 */
#ifndef TENANTD_STORE_IDS_H
#define TENANTD_STORE_IDS_H

/* Writes a lowercase canonical UUIDv7. Returns 0, -1 if the CSPRNG failed. */
int store_new_id(char out[37]);

#endif

/*
 * ulid: ULIDs (https://github.com/ulid/spec) and Medusa entity ids
 * ("cus_" + ULID, as generateEntityId builds them). Caller-owned buffers only.
 */
#ifndef ULID_H
#define ULID_H
#include <stddef.h>

#define ULID_LEN 26

/*
 * ULID for unix time ms (0 .. 2^48-1): 10 chars of time and 16 chars from 80
 * RAND_bytes bits, Crockford base32 upper-case. out gets 26 chars + NUL.
 * Returns 0, or -1 if ms is out of range or RAND_bytes fails (out is then "").
 * Not monotonic within one millisecond, like Medusa's ulid().
 */
int ulid_at(long long ms, char out[ULID_LEN + 1]);

/*
 * The next ULID after ulid in the spec's monotonic mode: same time part, random part plus one
 * (so a batch made from one ulid_at() sorts in the order it was made). Returns 0, or -1 when the
 * random part is already all 'Z' or a character is not Crockford base32 (ulid unchanged).
 */
int ulid_next(char ulid[ULID_LEN + 1]);

/* ulid_at(current wall-clock time in ms) */
int ulid_new(char out[ULID_LEN + 1]);

/*
 * prefix + "_" + ULID into out, e.g. "cus_01M8D3KGG222EC1538KXD4XNJN"; a NULL
 * or empty prefix gives the bare ULID (as Medusa's generateEntityId does).
 * Returns 0, or -1 if outsz is too small or the RNG fails (out is then "" if
 * outsz > 0).
 */
int ulid_id(const char *prefix, char *out, size_t outsz);

#endif

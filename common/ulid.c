/*
 * ulid: 128-bit sortable ids = 48-bit ms timestamp + 80 random bits, written
 * as 26 Crockford base32 chars. Owns the encoding and entity-id formatting;
 * randomness comes from RAND_bytes because ids are visible to clients and
 * must not be guessable.
 */
#include "common/ulid.h"

#include <string.h>
#include <time.h>

#include <openssl/rand.h>

static const char ulid_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int ulid_at(long long ms, char out[ULID_LEN + 1])
{
	unsigned char rnd[10];
	unsigned long long t;
	int i, j;

	out[0] = '\0';
	if (ms < 0 || ms > 0xFFFFFFFFFFFFLL)
		return -1;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	/* time: 10 chars, most significant first, so ids sort by time as strings */
	t = (unsigned long long)ms;
	for (i = 9; i >= 0; i--) {
		out[i] = ulid_alphabet[t & 31];
		t >>= 5;
	}
	/* randomness: 80 bits = two 40-bit halves of 8 chars each */
	for (j = 0; j < 2; j++) {
		unsigned long long v = 0;
		for (i = 0; i < 5; i++)
			v = v << 8 | rnd[j * 5 + i];
		for (i = 7; i >= 0; i--) {
			out[10 + j * 8 + i] = ulid_alphabet[v & 31];
			v >>= 5;
		}
	}
	out[ULID_LEN] = '\0';
	return 0;
}

int ulid_new(char out[ULID_LEN + 1])
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
		out[0] = '\0';
		return -1;
	}
	return ulid_at((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, out);
}

int ulid_id(const char *prefix, char *out, size_t outsz)
{
	char id[ULID_LEN + 1];
	size_t plen = prefix ? strlen(prefix) : 0;
	size_t need = plen + (plen ? 1 : 0) + ULID_LEN + 1;

	if (outsz > 0)
		out[0] = '\0';
	if (outsz < need || ulid_new(id) != 0)
		return -1;
	if (plen) {
		memcpy(out, prefix, plen);
		out[plen] = '_';
		memcpy(out + plen + 1, id, ULID_LEN + 1);
	} else {
		memcpy(out, id, ULID_LEN + 1);
	}
	return 0;
}

int ulid_next(char ulid[ULID_LEN + 1])
{
	int i;
	for (i = 0; i < ULID_LEN; i++)
		if (!ulid[i] || !strchr(ulid_alphabet, ulid[i]))
			return -1;
	/* the random part is the last 16 characters (80 bits) */
	for (i = ULID_LEN - 1; i >= ULID_LEN - 16 && ulid[i] == 'Z'; i--)
		;
	if (i < ULID_LEN - 16)
		return -1;
	ulid[i] = strchr(ulid_alphabet, ulid[i])[1];
	for (i++; i < ULID_LEN; i++)
		ulid[i] = '0';
	return 0;
}
